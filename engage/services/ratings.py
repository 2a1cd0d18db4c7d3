"""Rating use cases: vote (insert or move), withdraw, read — aggregates exact in one transaction.

Votes are the busiest write, so the statements are built once (bound parameters).  On
PostgreSQL a vote is one call of the schema's ``engage_vote`` function in its own transaction
(:data:`_PG_VOTE`): lock the article row, upsert the vote (learning the stars it replaces from
the conflicting row), move the aggregate with a relative UPDATE — one round trip instead of
seven.  On SQLite (in-process, where round trips are free and the database write
lock serialises writers) it is four short statements inside ``BEGIN IMMEDIATE``: lock, read the
old vote, upsert, move.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import (
    Connection, Integer, String, bindparam, column, delete, func, select, text, update)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, scoped_session

from engage.domain.errors import Forbidden, NotFound, TooMany, Unauthorized
from engage.domain.ratings import RatingSummary, validate_stars
from engage.models import Article, Rating, Site
from engage.services.reader_data import hold_reader
from engage.services.sites import article_for_write, ensure_open, get_site, validate_article_key
from engage.services.tx import write_transaction


class PinnedRunner(Protocol):
    """Runs one statement in autocommit on a connection the web layer keeps open per thread
    (``engage.web.fastpath.PublicReadFastPath.run_statement``).

    Called with a SQLAlchemy statement and its bind values (plain ``str``/``int`` and aware
    ``datetime`` values: no type processing is applied); returns all result rows as tuples, or
    ``None`` when it could not run it (no connection to pin, or a database error) — the caller
    then runs it through the session.
    """

    def __call__(self, statement: Any, values: dict[str, Any]) -> list[tuple] | None: ...


_BIN_COLUMNS = ("rating_1", "rating_2", "rating_3", "rating_4", "rating_5")
_A, _R, _S = Article.__table__, Rating.__table__, Site.__table__
_BINS = [_A.c[c] for c in _BIN_COLUMNS]

# Lock the article row (PostgreSQL FOR UPDATE; SQLite's IMMEDIATE transaction already holds the
# database's write lock), so reading the old vote and moving the aggregate are serialised per
# article: retries, double clicks and races never make two votes or a drifted count.
_LOCK_ARTICLE = (select(_A.c.id, _A.c.ratings_open)
                 .select_from(_A.join(_S, _S.c.id == _A.c.site_id))
                 .where(_S.c.slug == bindparam("slug"), _A.c.key == bindparam("key"))
                 .with_for_update(of=_A))
_OLD_VOTE = select(_R.c.stars).where(_R.c.article_id == bindparam("article_id"),
                                     _R.c.reader_id == bindparam("reader_id"))
_NETWORK_VOTES = (select(func.count()).select_from(_R)
                  .where(_R.c.article_id == bindparam("article_id"),
                         _R.c.network_hash == bindparam("network_hash"),
                         _R.c.created_at >= bindparam("since", type_=Rating.created_at.type)))
_MOVE = (update(_A).where(_A.c.id == bindparam("article_id"))
         .values(**{c: _A.c[c] + bindparam(f"d_{c}") for c in _BIN_COLUMNS},
                 rating_count=_A.c.rating_count + bindparam("d_count"),
                 rating_sum=_A.c.rating_sum + bindparam("d_sum"),
                 version=_A.c.version + 1)
         .returning(*_BINS))
_CURRENT = select(*_BINS).where(_A.c.id == bindparam("article_id"))
_WITHDRAW = delete(_R).where(_R.c.article_id == bindparam("article_id"),
                             _R.c.reader_id == bindparam("reader_id"))


def _upsert_statement(dialect: str):
    """INSERT … ON CONFLICT (article_id, reader_id) DO UPDATE, for the dialect in use."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(Rating)
    return stmt.on_conflict_do_update(
        index_elements=["article_id", "reader_id"],
        set_={"stars": stmt.excluded.stars, "updated_at": stmt.excluded.updated_at,
              "network_hash": stmt.excluded.network_hash,
              "previous_stars": stmt.table.c.stars})


_UPSERT = {name: _upsert_statement(name) for name in ("postgresql", "sqlite")}


# One vote on PostgreSQL: one call of the schema's ``engage_vote`` function (see
# engage/models/rating.py), in autocommit, so the call is the transaction and a vote costs one
# round trip.  Inside it, each statement takes its own snapshot (READ COMMITTED, a VOLATILE
# function): it locks the article row (lock order article → rating, as every other path that
# touches both, so concurrent paths queue instead of deadlocking), refuses a new vote over the
# per-network cap, upserts the vote learning the stars it replaces from the conflicting row
# (``previous_stars = rating.stars``), and moves the aggregate by relative amounts; it sets
# asynchronous commit for the transaction when asked (``set_config(…, true)`` is ``SET LOCAL``,
# PostgreSQL manual §30.4).  A single data-modifying ``WITH`` statement was tried first and drifted
# under 20 concurrent votes of one reader: its one snapshot predates the lock.
#
# With ``check_reader`` the call is joined LATERAL to the reader's row and takes the reader id
# from it: an erased reader (token revoked, row gone) gives no row and the function is never
# called — the revocation check rides on the vote's round trip instead of costing its own.  The
# row is held ``FOR KEY SHARE`` until the vote commits, so an erasure racing it waits and then
# removes the vote (``engage.services.reader_data.hold_reader``).
_PG_VOTE_SQL = ("SELECT v.outcome, v.r1, v.r2, v.r3, v.r4, v.r5 FROM {source} CROSS JOIN LATERAL "
                "engage_vote(:slug, :key, {reader}, :stars, :network_hash, :now, :since, :cap, "
                ":sync) AS v")
_PG_VOTE_PARAMS = (
    bindparam("now", type_=Rating.created_at.type),
    bindparam("since", type_=Rating.created_at.type),
    bindparam("stars", type_=Integer()), bindparam("cap", type_=Integer()),
    bindparam("slug", type_=String()), bindparam("key", type_=String()),
    bindparam("reader_id", type_=String()), bindparam("network_hash", type_=String()),
    bindparam("sync", type_=String()))
# The result columns are declared (a TextualSelect), so SQLAlchemy builds the result metadata
# once per compiled statement instead of from the cursor description on every vote (that build
# was an eighth of a vote's CPU in py-spy, December 2026).
_PG_VOTE_COLUMNS = (column("outcome", String()),
                    *(column(f"r{n}", Integer()) for n in range(1, 6)))
_PG_VOTE = {  # check_reader -> statement
    True: text(_PG_VOTE_SQL.format(
        source=("(SELECT reader.id FROM reader WHERE reader.id = :reader_id FOR KEY SHARE)"
                " AS known"),
        reader="known.id")).bindparams(*_PG_VOTE_PARAMS).columns(*_PG_VOTE_COLUMNS),
    False: text(_PG_VOTE_SQL.format(source="(SELECT 1) AS known", reader=":reader_id")
                ).bindparams(*_PG_VOTE_PARAMS).columns(*_PG_VOTE_COLUMNS),
}


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


def _move(conn: Connection, article_id: int, old: int | None, new: int | None) -> RatingSummary:
    """Move one vote between bins with one relative UPDATE (no lost updates); new bins back."""
    deltas = {f"d_{c}": 0 for c in _BIN_COLUMNS}
    if old is not None:
        deltas[f"d_rating_{old}"] -= 1
    if new is not None:
        deltas[f"d_rating_{new}"] += 1
    deltas["d_count"] = int(new is not None) - int(old is not None)
    deltas["d_sum"] = (new or 0) - (old or 0)
    return RatingSummary(tuple(conn.execute(_MOVE, {"article_id": article_id, **deltas}).one()))


def _locked_article(session: Session, site_slug: str, article_key: str, now: datetime,
                    create: bool) -> tuple[int, bool] | None:
    """``(id, ratings_open)`` of the locked article row; created on first use where allowed.

    :raises NotFound: ``site_not_found``; ``article_not_found`` when ``create`` and the site
        does not create articles on use.
    """
    validate_article_key(article_key)
    row = session.connection().execute(_LOCK_ARTICLE, {"slug": site_slug,
                                                       "key": article_key}).first()
    if row is not None:
        return row[0], row[1]
    site = get_site(session, site_slug)  # raises site_not_found
    if not create:
        return None
    article = article_for_write(session, site, article_key, now)
    return article.id, article.ratings_open


def rate_article(session: Session, site_slug: str, article_key: str, reader_id: str,
                 stars: object, network_hash: str, now: datetime,
                 network_daily_cap: int = 0, *, durable: bool = True,
                 check_reader: bool = False,
                 run_pinned: PinnedRunner | None = None) -> VoteResult:
    """Record a reader's vote, or move it if they voted before.

    A *new* vote is refused once ``network_daily_cap`` distinct readers from the same hashed
    IP network have voted on this article in the last 24 hours (0 disables the cap): token
    cycling from one network cannot stuff an article, while changing an existing vote is
    always allowed.  The cap is per article, so readers behind one carrier NAT are only
    limited when very many of them rate the same article on the same day.

    :param durable: see :func:`engage.services.tx.write_transaction` (``RATING_ASYNC_COMMIT``).
    :param check_reader: refuse the vote unless ``reader_id`` names an issued reader (a token's
        signature proves it was issued, not that the reader has not erased their data since);
        checked inside the vote's own statement or transaction.  The web layer passes ``True``.
    :param run_pinned: runs one autocommit statement on a connection kept open for the hot
        paths (:class:`PinnedRunner`); on PostgreSQL the vote's single statement goes there
        first, and through the session only when it answers ``None``.
    :raises InvalidInput: ``stars_out_of_range``, ``article_key_invalid``.
    :raises NotFound: ``site_not_found``, ``article_not_found``.
    :raises Forbidden: ``ratings_closed``.
    :raises TooMany: ``network_vote_cap``.
    :raises Unauthorized: ``reader_token_invalid`` (with ``check_reader``: the reader was erased).
    """
    stars = validate_stars(stars)
    current = session() if isinstance(session, scoped_session) else session
    if current.get_bind().dialect.name == "postgresql":
        result = _pg_vote(current, site_slug, article_key, reader_id, stars, network_hash, now,
                          network_daily_cap, durable, check_reader, run_pinned)
        if result is not None:
            return result
    with write_transaction(session, durable=durable):
        if check_reader:
            hold_reader(session, reader_id)
        article_id, ratings_open = _locked_article(session, site_slug, article_key, now, True)
        ensure_open(ratings_open, "ratings_closed")
        conn = session.connection()
        old = conn.execute(_OLD_VOTE, {"article_id": article_id,
                                       "reader_id": reader_id}).scalar_one_or_none()
        if old is None and network_daily_cap:
            recent = conn.execute(_NETWORK_VOTES, {
                "article_id": article_id, "network_hash": network_hash,
                "since": now - timedelta(days=1)}).scalar_one()
            if recent >= network_daily_cap:
                raise TooMany("network_vote_cap", limit=network_daily_cap)
        conn.execute(_UPSERT[conn.dialect.name], {
            "article_id": article_id, "reader_id": reader_id, "stars": stars,
            "network_hash": network_hash, "created_at": now, "updated_at": now})
        if old != stars:
            summary = _move(conn, article_id, old, stars)
        else:
            summary = RatingSummary(tuple(conn.execute(_CURRENT, {"article_id": article_id}).one()))
    return VoteResult(summary, stars)


def _pg_vote(session: Session, site_slug: str, article_key: str, reader_id: str, stars: int,
             network_hash: str, now: datetime, cap: int, durable: bool,
             check_reader: bool, run_pinned: PinnedRunner | None = None) -> VoteResult | None:
    """A vote as one call of ``engage_vote`` (:data:`_PG_VOTE`); ``None`` (nothing written) when
    the article does not exist yet: the caller's general path creates it or answers 404.

    The statement runs on ``run_pinned``'s connection when it is given and answers; otherwise
    (no connection free to pin, or the database failed there) on a pooled connection of the
    session's engine, which raises the database's errors as every other path does.  Running it
    twice is harmless: a vote is an upsert of the reader's one row, and the aggregate moves by
    the difference from the stored stars.

    :raises Forbidden: ``ratings_closed``.
    :raises TooMany: ``network_vote_cap``.
    :raises Unauthorized: ``reader_token_invalid`` (``check_reader`` and no such reader).
    """
    validate_article_key(article_key)
    if session.in_transaction():
        session.commit()
    params = {"slug": site_slug, "key": article_key, "reader_id": reader_id, "stars": stars,
              "network_hash": network_hash, "now": now, "since": now - timedelta(days=1),
              "cap": cap, "sync": "on" if durable else "off"}
    rows = run_pinned(_PG_VOTE[check_reader], params) if run_pinned is not None else None
    if rows is not None:
        row = rows[0] if rows else None
    else:
        with session.get_bind().connect() as conn:
            row = conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                _PG_VOTE[check_reader], params).first()
    if row is None:
        raise Unauthorized("reader_token_invalid")
    outcome = row[0]
    if outcome == "missing":
        return None
    if outcome == "closed":
        raise Forbidden("ratings_closed")
    if outcome == "capped":
        raise TooMany("network_vote_cap", limit=cap)
    return VoteResult(RatingSummary(tuple(row[1:6])), stars)


def withdraw_rating(session: Session, site_slug: str, article_key: str, reader_id: str,
                    *, durable: bool = True, check_reader: bool = False) -> VoteResult:
    """Remove a reader's vote if any (idempotent: withdrawing twice changes nothing).

    :param check_reader: as for :func:`rate_article` (the reader row is held until commit, so
        an erasure racing the withdrawal waits for it).
    :raises NotFound: ``site_not_found``, ``article_not_found``.
    :raises Unauthorized: ``reader_token_invalid`` (``check_reader`` and the reader was erased).
    """
    with write_transaction(session, durable=durable):
        if check_reader:
            hold_reader(session, reader_id)
        locked = _locked_article(session, site_slug, article_key, None, False)  # type: ignore[arg-type]
        if locked is None:
            raise NotFound("article_not_found")
        article_id = locked[0]
        conn = session.connection()
        old = conn.execute(_OLD_VOTE, {"article_id": article_id,
                                       "reader_id": reader_id}).scalar_one_or_none()
        if old is not None:
            conn.execute(_WITHDRAW, {"article_id": article_id, "reader_id": reader_id})
            summary = _move(conn, article_id, old, None)
        else:
            summary = RatingSummary(tuple(conn.execute(_CURRENT, {"article_id": article_id}).one()))
    return VoteResult(summary, None)


def reader_vote(session: Session, site_slug: str, article_key: str, reader_id: str
                ) -> int | None:
    """Return the reader's current stars on the article, or ``None``.

    :raises NotFound: ``site_not_found``.
    :raises InvalidInput: ``article_key_invalid`` (as every other article route).
    """
    site = get_site(session, site_slug)
    validate_article_key(article_key)
    return session.execute(
        select(Rating.stars).join(Article, Article.id == Rating.article_id).where(
            Article.site_id == site.id, Article.key == article_key,
            Rating.reader_id == reader_id)).scalar_one_or_none()
