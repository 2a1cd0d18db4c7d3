"""Rating: one reader's 1–5 star vote on one article."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint, ForeignKey, Index, Integer, SmallInteger, String, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from engage.extensions import db
from engage.models.types import UTCDateTime, utcnow


class Rating(db.Model):
    """A vote; at most one per (article, reader), stars in 1..5 (enforced by the database)."""

    __tablename__ = "rating"
    __table_args__ = (
        UniqueConstraint("article_id", "reader_id", name="uq_rating_article_reader"),
        CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),
        # Per-network caps and the moderator's vote list filter on these.
        Index("ix_rating_article_network_time", "article_id", "network_hash", "created_at"),
        Index("ix_rating_article_time", "article_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))
    reader_id: Mapped[str] = mapped_column(String(32), index=True)
    stars: Mapped[int] = mapped_column(SmallInteger)
    # The stars before the latest change (NULL for a vote never changed).  The upsert sets it
    # from the row it conflicts with, so a vote learns what it replaces in the same statement
    # that writes it (services/ratings.py), and moderators can see changed votes.
    previous_stars: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    network_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
