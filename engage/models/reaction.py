"""Reader reactions to comments: likes and reports, one of each per reader per comment."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engage.extensions import db
from engage.models.types import UTCDateTime, utcnow


class ReportReason(enum.Enum):
    """Why a reader reports a comment (a fixed list, so moderators can sort and count them)."""

    SPAM = "spam"
    OFFENSIVE = "offensive"
    OFF_TOPIC = "off_topic"
    MISINFORMATION = "misinformation"
    OTHER = "other"


class CommentLike(db.Model):
    """A reader's like of a comment; the unique constraint makes a second one impossible."""

    __tablename__ = "comment_like"
    __table_args__ = (
        UniqueConstraint("comment_id", "reader_id", name="uq_comment_like_comment_reader"),
        # "Which comments of this article did I like?" (the per-reader state call).
        Index("ix_comment_like_reader", "reader_id", "comment_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    reader_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CommentReport(db.Model):
    """A reader's report of a comment, with a reason from :class:`ReportReason` and a note."""

    __tablename__ = "comment_report"
    __table_args__ = (
        UniqueConstraint("comment_id", "reader_id", name="uq_comment_report_comment_reader"),
        # "Which comments of this article did I report?" (the per-reader state call), erasure.
        Index("ix_comment_report_reader", "reader_id", "comment_id"),
        CheckConstraint("reason IN ('spam', 'offensive', 'off_topic', 'misinformation', 'other')",
                        name="reason_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    reader_id: Mapped[str] = mapped_column(String(32))
    reason: Mapped[ReportReason] = mapped_column(
        Enum(ReportReason, native_enum=False, length=16,
             values_callable=lambda e: [m.value for m in e], validate_strings=True,
             name="report_reason"))
    note: Mapped[str] = mapped_column(String(500), default="")
    network_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
