"""Rating use cases: vote (insert or move), withdraw, read — aggregates exact in one transaction."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engage.domain.errors import NotFound, TooMany
from engage.domain.ratings import RatingSummary, validate_stars
from engage.models import Article, Rating
from engage.services.sites import article_for_write, ensure_open, find_article, get_site
from engage.services.tx import write_transaction

_BIN_COLUMNS = ("rating_1", "rating_2", "rating_3", "rating_4", "rating_5")


def summary_of(article: Article | None) -> RatingSummary:
    """The article's stored aggregate as a :class:`RatingSummary` (empty for ``None``)."""
    if article is None:
        return RatingSummary()
    return RatingSummary(tuple(getattr(article, c) for c in _BIN_COLUMNS))  # type: ignore[arg-type]


@dataclass(frozen=True)
class VoteResult:
    """What a reader sees after voting: the new summary and their own vote (``None`` if none)."""

    summary: RatingSummary
    mine: int | None


def _apply_delta(session: Session, article: Article, old: int | None, new: int | None) -> None:
    """Move one vote between bins with one UPDATE of relative increments (no lost updates)."""
    values: dict = {}
    if old is not None:
        values[_BIN_COLUMNS[old - 1]] = getattr(Article, _BIN_COLUMNS[old - 1]) - 1
    if new is not None:
        column = _BIN_COLUMNS[new - 1]
        values[column] = (values.get(column, getattr(Article, column))) + 1
    values["rating_count"] = Article.rating_count + (int(new is not None) - int(old is not None))
    values["rating_sum"] = Article.rating_sum + ((new or 0) - (old or 0))
    values["version"] = Article.version + 1
    session.execute(update(Article).where(Article.id == article.id).values(**values))


def _upsert(session: Session, article_id: int, reader_id: str, stars: int,
            network_hash: str, now: datetime) -> None:
    """Insert the vote, or update it in place on the (article, reader) unique key."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(Rating).values(article_id=article_id, reader_id=reader_id, stars=stars,
                                 network_hash=network_hash, created_at=now, updated_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=["article_id", "reader_id"],
        set_={"stars": stmt.excluded.stars, "updated_at": stmt.excluded.updated_at,
              "network_hash": stmt.excluded.network_hash})
    session.execute(stmt)


def rate_article(session: Session, site_slug: str, article_key: str, reader_id: str,
                 stars: object, network_hash: str, now: datetime,
                 network_daily_cap: int = 0) -> VoteResult:
    """Record a reader's vote, or move it if they voted before.

    The article row is locked first, then the old vote is read, the vote upserted and the
    aggregate moved by relative increments — all in one transaction, so retries, double clicks
    and races never produce two votes or a drifted count.

    A *new* vote is refused once ``network_daily_cap`` distinct readers from the same hashed
    IP network have voted on this article in the last 24 hours (0 disables the cap): token
    cycling from one network cannot stuff an article, while changing an existing vote is
    always allowed.  The cap is per article, so readers behind one carrier NAT are only
    limited when very many of them rate the same article on the same day.

    :raises InvalidInput: ``stars_out_of_range``.
    :raises NotFound: ``site_not_found``, ``article_not_found``.
    :raises Forbidden: ``ratings_closed``.
    :raises TooMany: ``network_vote_cap``.
    """
    stars = validate_stars(stars)
    with write_transaction(session):
        site = get_site(session, site_slug)
        article = article_for_write(session, site, article_key, now)
        ensure_open(article.ratings_open, "ratings_closed")
        old = session.execute(select(Rating.stars).where(
            Rating.article_id == article.id, Rating.reader_id == reader_id)).scalar_one_or_none()
        if old is None and network_daily_cap:
            _check_network_cap(session, article.id, network_hash, now, network_daily_cap)
        _upsert(session, article.id, reader_id, stars, network_hash, now)
        if old != stars:
            _apply_delta(session, article, old, stars)
        session.refresh(article)
        result = VoteResult(summary_of(article), stars)
    return result


def _check_network_cap(session: Session, article_id: int, network_hash: str, now: datetime,
                       cap: int) -> None:
    """Raise ``TooMany`` when the network already cast ``cap`` votes on the article in 24 h."""
    recent = session.execute(select(func.count()).select_from(Rating).where(
        Rating.article_id == article_id, Rating.network_hash == network_hash,
        Rating.created_at >= now - timedelta(days=1))).scalar_one()
    if recent >= cap:
        raise TooMany("network_vote_cap", limit=cap)


def withdraw_rating(session: Session, site_slug: str, article_key: str, reader_id: str
                    ) -> VoteResult:
    """Remove a reader's vote if any (idempotent: withdrawing twice changes nothing).

    :raises NotFound: ``site_not_found``, ``article_not_found``.
    """
    with write_transaction(session):
        site = get_site(session, site_slug)
        article = find_article(session, site, article_key, for_update=True)
        if article is None:
            raise NotFound("article_not_found")
        old = session.execute(select(Rating.stars).where(
            Rating.article_id == article.id, Rating.reader_id == reader_id)).scalar_one_or_none()
        if old is not None:
            session.execute(Rating.__table__.delete().where(
                Rating.article_id == article.id, Rating.reader_id == reader_id))
            _apply_delta(session, article, old, None)
        session.refresh(article)
        result = VoteResult(summary_of(article), None)
    return result


def reader_vote(session: Session, site_slug: str, article_key: str, reader_id: str
                ) -> int | None:
    """Return the reader's current stars on the article, or ``None``.

    :raises NotFound: ``site_not_found``.
    """
    site = get_site(session, site_slug)
    return session.execute(
        select(Rating.stars).join(Article, Article.id == Rating.article_id).where(
            Article.site_id == site.id, Article.key == article_key,
            Rating.reader_id == reader_id)).scalar_one_or_none()

