"""Comment: a reader's comment, its rendered HTML and its moderation state."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON, CheckConstraint, Enum, Float, ForeignKey, Index, Integer, String, Text, text)
from sqlalchemy.orm import Mapped, mapped_column

from engage.extensions import db
from engage.models.types import UTCDateTime, utcnow


class CommentStatus(enum.Enum):
    """Moderation states (DESIGN.md §7).  Only ``approved`` comments are published."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SPAM = "spam"
    DELETED = "deleted"


def _enum_values(enum_cls: type[enum.Enum]) -> list[str]:
    return [member.value for member in enum_cls]


class Comment(db.Model):
    """A comment.  ``body_raw`` is the normalised plain text; ``body_html`` is the only thing rendered.

    ``moderation_reasons`` holds the automatic pipeline's decision: a list of
    ``{"code", "decision"}`` objects (empty when accepted without remark); a comment withheld by
    reader reports also carries ``{"code": "reported", ...}``.  ``like_count`` and
    ``report_count`` count its ``comment_like`` and ``comment_report`` rows, kept exact in the
    transaction that adds or removes one (``engage verify-counters`` checks likes).
    """

    __tablename__ = "comment"
    __table_args__ = (
        Index("ix_comment_thread", "article_id", "status", "created_at", "id"),
        Index("ix_comment_queue", "site_id", "status", "created_at", "id"),
        # "Most liked" keyset order (like_count, created_at, id) within an article's thread.
        Index("ix_comment_thread_liked", "article_id", "status", "like_count", "created_at",
              "id"),
        # Live threads: an article's comments in publication order, after a cursor
        # (``engage.services.live``; a pre-moderated comment is new when approved, not written).
        Index("ix_comment_published", "article_id", "status", "published_at", "id"),
        # A comment's published replies in order (first replies, "more replies", and whether a
        # deleted comment still has replies to show under its placeholder).
        Index("ix_comment_replies", "parent_id", "status", "created_at", "id"),
        # The "reported" queue and its count: a partial index of the few comments reader
        # reports sent back, so neither visits every pending row (almost all have it NULL).
        Index("ix_comment_reported", "site_id", "status", "created_at", "id",
              sqlite_where=text("reported_at IS NOT NULL"),
              postgresql_where=text("reported_at IS NOT NULL")),
        # An imported comment's source id ("disqus:123", "wordpress:45", "engage:7"): importing
        # the same file again finds it and creates nothing (NULL for comments posted here).
        Index("uq_comment_site_import_key", "site_id", "import_key", unique=True),
        CheckConstraint("like_count >= 0", name="like_count_nonnegative"),
        CheckConstraint("report_count >= 0", name="report_count_nonnegative"),
        CheckConstraint("assist_risk IS NULL OR (assist_risk >= 0 AND assist_risk <= 1)",
                        name="assist_risk_probability"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="SET NULL"),
                                                  nullable=True)
    reader_id: Mapped[str] = mapped_column(String(32), index=True)
    author_name: Mapped[str] = mapped_column(String(100))
    body_raw: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    sanitizer_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[CommentStatus] = mapped_column(
        Enum(CommentStatus, native_enum=False, length=16, values_callable=_enum_values,
             validate_strings=True, name="comment_status"))
    moderation_reasons: Mapped[list] = mapped_column(JSON, default=list)
    network_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Set when the reader last edited the text (shown as "edited"); None if never.
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    like_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    report_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # When reader reports sent the comment back to the queue (the "reported" queue); once set,
    # later reports do not withhold it again: a moderator has had the last word.
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The moderation assistant's risk (0–1: probability a moderator would not approve it) when
    # the comment was judged, and the words behind it (``[{"term", "weight", "spans"}]``);
    # NULL when the site had no model (engage.assist).
    assist_risk: Mapped[float | None] = mapped_column(Float, nullable=True)
    assist_terms: Mapped[list | None] = mapped_column(JSON, nullable=True)
    import_key: Mapped[str | None] = mapped_column(String(120), nullable=True)
