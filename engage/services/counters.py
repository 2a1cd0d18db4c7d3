"""Aggregate integrity: recompute articles' and comments' counters from the rows; report or repair drift."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engage.models import Article, Comment, CommentLike, CommentReport, CommentStatus, Rating
from engage.services.tx import write_transaction

_BINS = ("rating_1", "rating_2", "rating_3", "rating_4", "rating_5")
COUNTER_COLUMNS = (*_BINS, "rating_count", "rating_sum", "comment_count")


@dataclass(frozen=True)
class Drift:
    """One article whose stored counters differ from its rows: ``{column: (stored, actual)}``.

    A comment's counter is named ``"like_count[<comment id>]"`` or ``"report_count[<id>]"``.
    """

    article_id: int
    differences: dict[str, tuple[int, int]]


def actual_counters(session: Session, article_ids: Iterable[int] | None = None
                    ) -> dict[int, dict[str, int]]:
    """Counters computed from the rows, per article id (two grouped queries, not one per article).

    :param article_ids: restrict to these articles; ``None`` for all.  Articles without rows
        are absent from the result (their counters are all zero).
    """
    votes = select(Rating.article_id, Rating.stars, func.count()).group_by(
        Rating.article_id, Rating.stars)
    published = select(Comment.article_id, func.count()).where(
        Comment.status == CommentStatus.APPROVED).group_by(Comment.article_id)
    if article_ids is not None:
        ids = list(article_ids)
        votes = votes.where(Rating.article_id.in_(ids))
        published = published.where(Comment.article_id.in_(ids))
    result: dict[int, dict[str, int]] = {}

    def entry(article_id: int) -> dict[str, int]:
        return result.setdefault(article_id, dict.fromkeys(COUNTER_COLUMNS, 0))

    for article_id, stars, n in session.execute(votes):
        row = entry(article_id)
        row[_BINS[stars - 1]] = n
        row["rating_count"] += n
        row["rating_sum"] += stars * n
    for article_id, n in session.execute(published):
        entry(article_id)["comment_count"] = n
    return result


def write_counters(session: Session, article_id: int, counters: dict[str, int] | None) -> None:
    """Store recomputed counters (``None``: all zero) and bump the article's read version."""
    values = counters or dict.fromkeys(COUNTER_COLUMNS, 0)
    session.execute(update(Article).where(Article.id == article_id)
                    .values(**values, version=Article.version + 1))


def comment_counter_drift(session: Session) -> dict[int, dict[str, tuple[int, int]]]:
    """Comments whose ``like_count``/``report_count`` differ from their rows, by article id.

    Two grouped outer joins over all comments, whatever their number.
    """
    result: dict[int, dict[str, tuple[int, int]]] = {}
    for column, model in (("like_count", CommentLike), ("report_count", CommentReport)):
        rows = select(model.comment_id, func.count().label("n")).group_by(
            model.comment_id).subquery()
        stored = getattr(Comment, column)
        actual = func.coalesce(rows.c.n, 0)
        for article_id, comment_id, had, has in session.execute(
                select(Comment.article_id, Comment.id, stored, actual)
                .outerjoin(rows, rows.c.comment_id == Comment.id).where(stored != actual)):
            result.setdefault(article_id, {})[f"{column}[{comment_id}]"] = (had, has)
    return result


def _fix_comment_counters(session: Session, differences: dict[str, tuple[int, int]]) -> None:
    """Write the actual like/report counts of the comments named in ``differences``."""
    for name, (_stored, actual) in differences.items():
        column, _, comment_id = name.rstrip("]").partition("[")
        session.execute(update(Comment).where(Comment.id == int(comment_id))
                        .values({column: actual}))


def verify_counters(session: Session, fix: bool = False) -> list[Drift]:
    """Compare every article's rating bins, count, sum and published comment count, and its
    comments' like and report counts, to the rows.

    :param fix: when true, write the recomputed values in the same transaction (and bump the
        article's read version).
    :returns: the articles that drifted (empty when everything is exact).
    """
    with write_transaction(session):
        actual = actual_counters(session)
        by_comment = comment_counter_drift(session)
        drifts = []
        for article in session.execute(select(Article).order_by(Article.id)).scalars():
            expected = actual.get(article.id) or dict.fromkeys(COUNTER_COLUMNS, 0)
            diff = {k: (getattr(article, k), v) for k, v in expected.items()
                    if getattr(article, k) != v}
            comment_diff = by_comment.get(article.id, {})
            if diff or comment_diff:
                drifts.append(Drift(article.id, {**diff, **comment_diff}))
                if fix:
                    _fix_comment_counters(session, comment_diff)
                    write_counters(session, article.id, expected)
    return drifts
