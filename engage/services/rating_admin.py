"""Moderator tools for ratings: inspect votes by time and network, remove a batch, reset, alarms."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from engage.domain.errors import InvalidInput, NotFound
from engage.domain.ratings import velocity_alarm
from engage.models import (
    Article, ModerationAction, ModerationActionKind, Moderator, Rating, Site)
from engage.services.counters import actual_counters, write_counters
from engage.services.scope import moderator_site_ids
from engage.services.tx import write_transaction


def scoped_article(session: Session, moderator_id: int, article_id: int) -> Article:
    """The article if it belongs to one of the moderator's sites.

    :raises NotFound: ``article_not_found`` otherwise (also for other sites: no oracle).
    """
    article = session.execute(select(Article).where(
        Article.id == article_id,
        Article.site_id.in_(moderator_site_ids(moderator_id)))).scalar_one_or_none()
    if article is None:
        raise NotFound("article_not_found")
    return article


@dataclass(frozen=True)
class NetworkVotes:
    """Votes on one article from one hashed IP network within a window."""

    network_hash: str
    count: int
    mean_stars: float
    first: datetime
    last: datetime


def votes_by_network(session: Session, moderator_id: int, article_id: int, since: datetime,
                     until: datetime) -> list[NetworkVotes]:
    """Votes cast (first cast time) in ``[since, until)`` grouped by network, busiest first.

    :raises NotFound: see :func:`scoped_article`.
    :raises InvalidInput: ``window_invalid`` when ``since >= until``.
    """
    if since >= until:
        raise InvalidInput("window_invalid", field="since")
    scoped_article(session, moderator_id, article_id)
    rows = session.execute(
        select(Rating.network_hash, func.count(), func.avg(Rating.stars),
               func.min(Rating.created_at), func.max(Rating.created_at))
        .where(Rating.article_id == article_id, Rating.created_at >= since,
               Rating.created_at < until)
        .group_by(Rating.network_hash).order_by(func.count().desc()).limit(200)).all()
    return [NetworkVotes(h, n, float(avg), _aware(first), _aware(last))
            for h, n, avg, first, last in rows]


def _aware(value):
    """Aggregates bypass the column type on SQLite: restore UTC on naive or string results."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def remove_votes(session: Session, moderator: Moderator, article_id: int, since: datetime,
                 until: datetime, network_hash: str | None, reason: str, now: datetime,
                 request_id: str = "") -> int:
    """Delete the votes cast in the window (optionally from one network) and recompute the
    article's aggregate from the remaining rows, with one audit row, in one transaction.

    :returns: the number of votes removed.
    :raises NotFound: see :func:`scoped_article`.
    :raises InvalidInput: ``window_invalid``, ``reason_too_long``.
    """
    if since >= until:
        raise InvalidInput("window_invalid", field="since")
    if len(reason) > 500:
        raise InvalidInput("reason_too_long", field="reason", limit=500)
    with write_transaction(session):
        article = scoped_article(session, moderator.id, article_id)
        before = article.rating_count
        condition = [Rating.article_id == article_id, Rating.created_at >= since,
                     Rating.created_at < until]
        if network_hash:
            condition.append(Rating.network_hash == network_hash)
        removed = session.execute(delete(Rating).where(*condition)).rowcount
        after = _recompute(session, article_id)
        detail = f"{since.isoformat()}..{until.isoformat()}" + (
            f" network={network_hash[:12]}" if network_hash else "")
        session.add(ModerationAction(
            site_id=article.site_id, article_id=article_id, moderator_id=moderator.id,
            action=ModerationActionKind.REMOVE_VOTES, reason=f"{reason} [{detail}]"[:500],
            from_status=f"votes:{before}", to_status=f"votes:{after}", request_id=request_id,
            created_at=now))
    return removed


def reset_ratings(session: Session, moderator: Moderator, article_id: int, reason: str,
                  now: datetime, request_id: str = "") -> int:
    """Delete every vote of the article, zero its aggregate, and audit it.

    :returns: the number of votes removed.
    :raises NotFound: see :func:`scoped_article`.
    """
    with write_transaction(session):
        article = scoped_article(session, moderator.id, article_id)
        before = article.rating_count
        removed = session.execute(delete(Rating).where(Rating.article_id == article_id)).rowcount
        _recompute(session, article_id)
        session.add(ModerationAction(
            site_id=article.site_id, article_id=article_id, moderator_id=moderator.id,
            action=ModerationActionKind.RESET_RATINGS, reason=reason[:500],
            from_status=f"votes:{before}", to_status="votes:0", request_id=request_id,
            created_at=now))
    return removed


def _recompute(session: Session, article_id: int) -> int:
    """Rewrite the article's counters from its rows; returns the new vote count."""
    counters = actual_counters(session, [article_id]).get(article_id)
    write_counters(session, article_id, counters)
    return counters["rating_count"] if counters else 0


@dataclass(frozen=True)
class VelocityAlarm:
    """An article whose votes in the last minute are far above its norm."""

    article: Article
    site: Site
    last_minute: int
    baseline_per_minute: float


def velocity_alarms(session: Session, moderator_id: int, now: datetime, *, min_votes: int,
                    factor: float, site_id: int | None = None) -> list[VelocityAlarm]:
    """Articles on the moderator's sites (or only ``site_id``, one of them) in a vote-velocity
    alarm (see ``velocity_alarm``).

    Two grouped queries over the indexed ``(article_id, created_at)`` range of the last hour.
    """
    minute_ago, hour_ago = now - timedelta(minutes=1), now - timedelta(minutes=61)
    sites = moderator_site_ids(moderator_id, site_id)
    hot = dict(session.execute(
        select(Rating.article_id, func.count()).join(Article, Article.id == Rating.article_id)
        .where(Article.site_id.in_(sites), Rating.created_at >= minute_ago)
        .group_by(Rating.article_id).having(func.count() >= min_votes)).all())
    if not hot:
        return []
    before = dict(session.execute(
        select(Rating.article_id, func.count())
        .where(Rating.article_id.in_(list(hot)), Rating.created_at >= hour_ago,
               Rating.created_at < minute_ago).group_by(Rating.article_id)).all())
    alarms = []
    for article, site in session.execute(
            select(Article, Site).join(Site, Site.id == Article.site_id)
            .where(Article.id.in_(list(hot)))).all():
        baseline = before.get(article.id, 0) / 60.0
        if velocity_alarm(hot[article.id], baseline, min_votes=min_votes, factor=factor):
            alarms.append(VelocityAlarm(article, site, hot[article.id], baseline))
    return sorted(alarms, key=lambda a: -a.last_minute)
