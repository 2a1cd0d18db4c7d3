"""Aggregate integrity: recompute every article's counters from the rows and report drift."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engage.models import Article, Comment, CommentStatus, Rating
from engage.services.tx import write_transaction

_COLUMNS = ("rating_1", "rating_2", "rating_3", "rating_4", "rating_5")


@dataclass(frozen=True)
class Drift:
    """One article whose stored counters differ from its rows: ``{column: (stored, actual)}``."""

    article_id: int
    differences: dict[str, tuple[int, int]]


def verify_counters(session: Session, fix: bool = False) -> list[Drift]:
    """Compare each article's rating bins, count, sum and published comment count to its rows.

    Three grouped queries for the whole database (not one per article).
    :param fix: when true, write the recomputed values in the same transaction.
    :returns: the articles that drifted (empty when everything is exact).
    """
    with write_transaction(session):
        votes: dict[int, list[int]] = {}
        for article_id, stars, n in session.execute(
                select(Rating.article_id, Rating.stars, func.count())
                .group_by(Rating.article_id, Rating.stars)):
            votes.setdefault(article_id, [0] * 5)[stars - 1] = n
        published = dict(session.execute(
            select(Comment.article_id, func.count())
            .where(Comment.status == CommentStatus.APPROVED).group_by(Comment.article_id)).all())
        drifts = []
        for article in session.execute(select(Article).order_by(Article.id)).scalars():
            bins = votes.get(article.id, [0] * 5)
            actual = dict(zip(_COLUMNS, bins))
            actual["rating_count"] = sum(bins)
            actual["rating_sum"] = sum((i + 1) * n for i, n in enumerate(bins))
            actual["comment_count"] = published.get(article.id, 0)
            diff = {k: (getattr(article, k), v) for k, v in actual.items()
                    if getattr(article, k) != v}
            if diff:
                drifts.append(Drift(article.id, diff))
                if fix:
                    session.execute(update(Article).where(Article.id == article.id)
                                    .values(**actual))
    return drifts
