"""Facts for the moderator dashboard, scoped to the moderator's sites (computed on demand)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engage.domain.moderation.stats import approval_by_reason, pending_series, per_day
from engage.models import (
    Article, Comment, CommentStatus, ModerationAction, ModerationActionKind, Rating)
from engage.services.scope import moderator_site_ids

DECISIONS = (ModerationActionKind.APPROVE, ModerationActionKind.REJECT, ModerationActionKind.SPAM)
DECIDED_CAP = 50_000  # held comments read for the approval-rate chart (most recent first)


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard draws; days are local days in ``zone``.

    ``pending``: ``(t, count, oldest_age_hours)`` daily at local midnight plus now;
    ``outcomes``: per day, comments created by their current state; ``reasons``:
    ``(code, approved, decided)``; ``ratings_per_day``: per day, votes by stars;
    ``distribution``: votes per star 1..5 now; ``top_commented`` / ``top_rated``: articles.
    """

    days: list[date]
    pending: list[tuple[datetime, int, float]]
    outcomes: list[tuple[date, dict]]
    reasons: list[tuple[str, int, int]]
    ratings_per_day: list[tuple[date, dict]]
    distribution: list[int]
    top_commented: list[Article]
    top_rated: list[Article]


def build(session: Session, moderator_id: int, now: datetime, zone: str = "Asia/Ho_Chi_Minh",
          days: int = 14, top: int = 5, min_votes: int = 5,
          site_id: int | None = None) -> Dashboard:
    """Gather the dashboard's facts for the last ``days`` local days, over all the moderator's
    sites or only ``site_id`` (one of them; another site finds nothing).

    The pending history is rebuilt from each comment's first decision in the audit log (a
    comment's first spell in the queue; a later withholding by reports is not drawn).
    """
    tz = ZoneInfo(zone)
    first = (now.astimezone(tz) - timedelta(days=days - 1)).date()
    start = datetime.combine(first, datetime.min.time(), tz)
    scoped = Comment.site_id.in_(moderator_site_ids(moderator_id, site_id))
    decided_at = (select(ModerationAction.comment_id,
                         func.min(ModerationAction.created_at).label("at"))
                  .where(ModerationAction.action.in_(DECISIONS),
                         ModerationAction.from_status == CommentStatus.PENDING.value,
                         ModerationAction.site_id.in_(moderator_site_ids(moderator_id, site_id)))
                  .group_by(ModerationAction.comment_id).subquery())
    rows = session.execute(
        select(Comment.created_at, decided_at.c.at, Comment.status)
        .outerjoin(decided_at, decided_at.c.comment_id == Comment.id)
        .where(scoped, (decided_at.c.at >= start) | (
            (decided_at.c.at.is_(None)) & (Comment.status == CommentStatus.PENDING)))).all()
    intervals = [(c, _aware(d)) for c, d, _ in rows]
    samples = [start + timedelta(days=i) for i in range(1, days)] + [now]
    outcomes = per_day(((c, s.value) for c, s in session.execute(
        select(Comment.created_at, Comment.status).where(scoped, Comment.created_at >= start))),
        tz, first, days)
    held = session.execute(
        select(Comment.moderation_reasons, Comment.status)
        .join(decided_at, decided_at.c.comment_id == Comment.id)
        .order_by(decided_at.c.at.desc()).limit(DECIDED_CAP)).all()
    reasons = approval_by_reason(
        ([r.get("code", "") for r in reasons or ()], status.value)
        for reasons, status in held if status is not CommentStatus.PENDING)
    articles = Article.site_id.in_(moderator_site_ids(moderator_id, site_id))
    votes = session.execute(select(Rating.created_at, Rating.stars).join(
        Article, Article.id == Rating.article_id).where(articles, Rating.created_at >= start))
    ratings = per_day(((c, str(s)) for c, s in votes), tz, first, days)
    dist = session.execute(select(*(func.coalesce(func.sum(getattr(Article, f"rating_{i}")), 0)
                                    for i in range(1, 6))).where(articles)).one()
    return Dashboard(
        days=[first + timedelta(days=i) for i in range(days)],
        pending=pending_series(intervals, samples), outcomes=outcomes, reasons=reasons,
        ratings_per_day=ratings, distribution=[int(n) for n in dist],
        top_commented=list(session.execute(select(Article).where(
            articles, Article.comment_count > 0).order_by(
            Article.comment_count.desc(), Article.id).limit(top)).scalars()),
        top_rated=list(session.execute(select(Article).where(
            articles, Article.rating_count >= min_votes).order_by(
            (Article.rating_sum * 1.0 / Article.rating_count).desc(), Article.id)
            .limit(top)).scalars()))


def _aware(value):
    """``min()`` over a timestamp in a subquery loses the column type on SQLite (text comes
    back): read it as UTC."""
    if value is None or isinstance(value, datetime) and value.tzinfo is not None:
        return value
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed.replace(tzinfo=timezone.utc)
