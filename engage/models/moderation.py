"""ModerationAction: the audit log of every comment state change."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engage.extensions import db
from engage.models.types import UTCDateTime, utcnow


class ModerationActionKind(enum.Enum):
    """What changed a comment's state or an article's votes.

    The first five are a moderator's; the last three happen without one (``moderator_id`` is
    NULL): reader reports withholding a comment, and the author editing or deleting it.
    """

    APPROVE = "approve"
    REJECT = "reject"
    SPAM = "spam"
    REMOVE_VOTES = "remove_votes"
    RESET_RATINGS = "reset_ratings"
    WITHHOLD = "withhold"
    READER_EDIT = "reader_edit"
    READER_DELETE = "reader_delete"


class ModerationAction(db.Model):
    """One audit row: who changed what, from which state to which, when and why.

    Comment actions name the comment; rating actions name the article and keep the vote counts
    in ``from_status``/``to_status`` (e.g. ``"votes:120"`` → ``"votes:80"``).
    """

    __tablename__ = "moderation_action"
    __table_args__ = (Index("ix_moderation_action_site_time", "site_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"), index=True, nullable=True)
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("article.id", ondelete="CASCADE"), index=True, nullable=True)
    moderator_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderator.id", ondelete="SET NULL"), nullable=True)
    action: Mapped[ModerationActionKind] = mapped_column(
        Enum(ModerationActionKind, native_enum=False, length=16,
             values_callable=lambda e: [m.value for m in e], validate_strings=True,
             name="moderation_action_kind"))
    reason: Mapped[str] = mapped_column(String(500), default="")
    from_status: Mapped[str] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    request_id: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
