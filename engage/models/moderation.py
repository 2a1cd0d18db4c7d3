"""ModerationAction: the audit log of every comment state change."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engage.extensions import db
from engage.models.types import UTCDateTime, utcnow


class ModerationActionKind(enum.Enum):
    """What changed a comment's state or an article's votes.

    The first five are a moderator's; the next three happen without one (``moderator_id`` is
    NULL): reader reports withholding a comment, and the author editing or deleting it.
    ``undo`` is a moderator taking back their own approve/reject/spam (``undoes_id`` names it).
    """

    APPROVE = "approve"
    REJECT = "reject"
    SPAM = "spam"
    REMOVE_VOTES = "remove_votes"
    RESET_RATINGS = "reset_ratings"
    WITHHOLD = "withhold"
    READER_EDIT = "reader_edit"
    READER_DELETE = "reader_delete"
    UNDO = "undo"


class ModerationAction(db.Model):
    """One audit row: who changed what, from which state to which, when and why.

    Comment actions name the comment; rating actions name the article and keep the vote counts
    in ``from_status``/``to_status`` (e.g. ``"votes:120"`` → ``"votes:80"``).  ``reason_code``
    is one of ``engage.domain.moderation.decisions.REJECT_REASONS`` for a rejection ("" else);
    ``reason`` is the moderator's free-text note.  ``undoes_id`` is unique, so one decision can
    be undone once, even by two racing requests.
    """

    __tablename__ = "moderation_action"
    __table_args__ = (
        Index("ix_moderation_action_site_time", "site_id", "created_at"),
        # The audit log page: one moderator's actions, newest first; the undo look-up.
        Index("ix_moderation_action_moderator_time", "moderator_id", "created_at"),
        UniqueConstraint("undoes_id", name="uq_moderation_action_undoes"),
    )

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
    reason_code: Mapped[str] = mapped_column(String(32), default="", server_default="")
    reason: Mapped[str] = mapped_column(String(500), default="")
    from_status: Mapped[str] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    request_id: Mapped[str] = mapped_column(String(64), default="")
    undoes_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderation_action.id", ondelete="CASCADE"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
