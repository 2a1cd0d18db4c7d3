"""Article: one commentable, rateable page of a site, with its aggregates."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engage.extensions import db
from engage.models.types import UTCDateTime, utcnow


class Article(db.Model):
    """An article, keyed by (site, key), holding the rating and comment aggregates.

    The aggregates are updated in the same transaction as the rows they summarise; the check
    constraints make an internally inconsistent aggregate impossible to store (DESIGN.md §5).
    """

    __tablename__ = "article"
    __table_args__ = (
        UniqueConstraint("site_id", "key", name="uq_article_site_key"),
        CheckConstraint("rating_1 >= 0 AND rating_2 >= 0 AND rating_3 >= 0 AND rating_4 >= 0"
                        " AND rating_5 >= 0", name="rating_bins_nonnegative"),
        CheckConstraint("rating_count = rating_1 + rating_2 + rating_3 + rating_4 + rating_5",
                        name="rating_count_matches_bins"),
        CheckConstraint("rating_sum = rating_1 + 2 * rating_2 + 3 * rating_3 + 4 * rating_4"
                        " + 5 * rating_5", name="rating_sum_matches_bins"),
        CheckConstraint("comment_count >= 0", name="comment_count_nonnegative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300), default="")
    url: Mapped[str] = mapped_column(String(2000), default="")
    comments_open: Mapped[bool] = mapped_column(Boolean, default=True)
    # None: the site's setting; True/False overrides it for this article.
    premoderation: Mapped[bool | None] = mapped_column(Boolean, nullable=True, default=None)
    # Publication time from the CMS (auto-close counts from it; first use when unknown).
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True,
                                                          default=None)
    ratings_open: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Aggregates (rows of `rating` and published rows of `comment`).
    rating_count: Mapped[int] = mapped_column(Integer, default=0)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    rating_1: Mapped[int] = mapped_column(Integer, default=0)
    rating_2: Mapped[int] = mapped_column(Integer, default=0)
    rating_3: Mapped[int] = mapped_column(Integer, default=0)
    rating_4: Mapped[int] = mapped_column(Integer, default=0)
    rating_5: Mapped[int] = mapped_column(Integer, default=0)
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped by every write that changes what a public read of this article returns; the
    # ETag of those reads, so a conditional GET costs one indexed look-up (DESIGN.md §9).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
