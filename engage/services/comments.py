"""Comment use cases: submit (normalise → moderate → store) and read published threads."""
from __future__ import annotations

from dataclasses import dataclass, replace
from types import SimpleNamespace
from datetime import datetime

from sqlalchemy import (
    and_, bindparam, exists, func, insert, literal_column, select, update)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, aliased

from engage.domain.comments import (
    CommentLimits, PreparedComment, is_reserved_name, prepare_comment)
from engage.domain.errors import InvalidInput, NotFound, Unauthorized
from engage.domain.moderation.pipeline import (
    CommentContext, Decision, public_status, run_pipeline)
from engage.models import (
    Article, Comment, CommentStatus, Membership, Moderator, Reader, RequestClaim, Site)
from engage.domain.mail import MailAddress
from engage.services import notices
from engage.services.assist import AssistRuntime, RiskFacts
from engage.services.direct import (
    ConnectionLost, Pinned, PinnedConnection, direct_write, first_use, precompiled)
from engage.services.idempotency import (
    CLAIM, CLAIM_COLUMNS, PURGE_EVERY, PURGE_EXPIRED, RetryGuard, claim_row, claims_for,
    held_answer, purge_now_and_then, take_claims)
from engage.services.keyset import SORTS, apply_keyset, cursor_after, sort_key
from engage.services.reader_data import READER_HELD, hold_reader
from engage.services.sites import (
    SLUG_RE, article_for_write, ensure_open, find_article, get_site, validate_article_key)
from engage.services.moderation_facts import (
    ModerationSettings, PrefetchedFacts, comment_context, prefetch_columns, prefetched_from)
from engage.services.tx import end_read_transaction, write_transaction
from engage.services.webhooks import enqueue_comment_change

STATUS_BY_DECISION = {
    Decision.ACCEPT: CommentStatus.APPROVED,
    Decision.HOLD: CommentStatus.PENDING,
    Decision.SPAM: CommentStatus.SPAM,
    Decision.REJECT: CommentStatus.REJECTED,
}
# Top-level comments whose published replies a thread shows: published ones, and — as a
# placeholder — any other (deleted by its author, or withdrawn by a report or a moderator), so
# published replies never disappear and the published count always matches what is shown.
_THREAD_HEADS = tuple(CommentStatus)


@dataclass(frozen=True)
class SubmitResult:
    """The stored comment's id and status (``pending`` under pre-moderation).

    ``replayed`` is true when the request repeated an earlier one and this is the first answer
    again (``engage.services.idempotency``).
    """

    id: int
    status: CommentStatus
    replayed: bool = False
    public_status: str = ""

    def shown(self) -> str:
        """The status the reader is told (:func:`engage.domain.moderation.pipeline.public_status`)."""
        return self.public_status or self.status.value


def submit_comment(session: Session, site_slug: str, article_key: str, reader_id: str,
                   author_name: str, text: str, parent_id: int | None, network_hash: str,
                   now: datetime, limits: CommentLimits, *, honeypot: str = "",
                   form_age_ms: int | None = None, retry: RetryGuard | None = None,
                   assist: AssistRuntime | None = None,
                   contact: MailAddress | None = None,
                   check_reader: bool = False,
                   pinned: PinnedConnection | None = None) -> SubmitResult:
    """Store a reader's comment after normalising, checking, rendering and moderating it.

    A reply must answer a published comment of the same article; a reply to a reply attaches
    to the top-level comment (threads are two levels deep, DESIGN.md §6).  The published count
    moves in the same transaction when the comment is published at once (post-moderation).

    :param honeypot: the widget's hidden field (people leave it empty).
    :param form_age_ms: time between showing the form and sending it, if the client said.
    :param retry: an ``Idempotency-Key`` and the doubles window: a repeated request gets the
        first answer back instead of a second comment (:func:`take_claims`).
    :param assist: the worker's moderation-assistant models; the risk (and its words) is a
        pipeline fact and is stored with the comment.
    :param contact: the address the reader left for reply notices (validated by
        :func:`engage.domain.mail.normalise_address`); stored with the comment and confirmed
        by mail first (:func:`engage.services.notices.subscribe`).  Only rows are written:
        posting never waits on a mail server.
    :param check_reader: refuse the comment unless ``reader_id`` names an issued reader (a
        token's signature proves it was issued, not that the reader has not erased their data
        since); checked in the statement that reads the site.  The web layer passes ``True``.
    :param pinned: gives this thread's pinned DBAPI connection (SQLite or PostgreSQL): a
        top-level comment without a reply-notice address, on an existing article of a site
        without webhooks, is then read, judged and stored there without the ORM
        (:func:`_submit_direct`, the same statements and rules); any other comment goes
        through the session.
    :raises Unauthorized: ``reader_token_invalid`` (with ``check_reader``: the reader was erased).
    :raises InvalidInput: the text/name rules of :func:`prepare_comment`; ``parent_invalid``;
        ``idempotency_key_reused``.
    :raises NotFound: ``site_not_found``, ``article_not_found``.
    :raises Forbidden: ``comments_closed``.
    """
    prepared = prepare_comment(author_name, text, limits)  # before the write lock is taken
    facts = (reader_id, prepared, parent_id, network_hash, now, honeypot, form_age_ms, assist)
    where = (site_slug, article_key, reader_id, network_hash, check_reader)
    if pinned is not None and parent_id is None and contact is None:
        found = pinned()
        if found is not None:
            done = _submit_direct(session, found, where, facts, retry)
            if done is not None:
                return done
    # On SQLite the write lock serialises all writers, so every fact the pipeline needs is read
    # and judged before taking it, and only the inserts wait behind it (a ban or a parent
    # change landing in between is as if the comment had arrived a moment earlier).  PostgreSQL
    # has no such lock: reading inside the write transaction saves a commit's round trip.
    early = session.get_bind().dialect.name == "sqlite"
    judged = _judge_existing(session, *where, *facts) if early else None
    try:
        with write_transaction(session):
            if not early:  # PostgreSQL: the statement holds the reader row (hold_reader)
                judged = _judge_existing(session, *where, *facts)
            elif check_reader:  # SQLite: checked again under the write lock
                hold_reader(session, reader_id)
            if judged is None:  # the article's first comment: create it, judge under the lock
                site, article = _site_and_article(session, *where, now=now)
                judged = _judge(session, site, article, *facts)
            site, article, top_parent, verdict, risk = judged
            row = (site, article, top_parent, verdict, risk, reader_id, prepared, network_hash,
                   now)
            if early:  # SQLite: in-process statements, no round trips to save
                result = _insert_comment(session, *row)
                taken = take_claims(session, retry, reader_id, article.id, parent_id,
                                    prepared.text, now, result.id, result.shown())
            else:
                result, taken = _insert_comment_pg(session, *row, retry, parent_id)
            if not taken:
                raise _Repeated()  # rolls this comment back: the first answer stands
            if contact is not None:
                notices.subscribe(session, site.id, result.id, reader_id, contact, now)
            if top_parent is not None and result.status is CommentStatus.APPROVED:
                notices.notify_published(session, result.id, now, held=False)
            return result
    except _Repeated:
        pass
    replay = held_answer(session, retry, reader_id, article.id, parent_id, prepared.text, now)
    if replay is None:  # the first answer expired just now: this request is new after all
        return submit_comment(session, site_slug, article_key, reader_id, author_name, text,
                              parent_id, network_hash, now, limits, honeypot=honeypot,
                              form_age_ms=form_age_ms, retry=retry, assist=assist,
                              contact=contact, check_reader=check_reader)
    return SubmitResult(replay.comment_id, CommentStatus(replay.status), True)


class _Repeated(Exception):
    """The request repeats one already answered (a live claim holds its key or its text)."""


def _judge_existing(session: Session, site_slug: str, article_key: str, reader_id: str,
                    network_hash: str, check_reader: bool, *facts):
    """:func:`_judge` for an article that exists (``None`` when it must be created first)."""
    site, article = _site_and_article(session, site_slug, article_key, reader_id, network_hash,
                                      check_reader, now=None, create=False)
    return None if article is None else _judge(session, site, article, *facts)


_S, _A = Site.__table__, Article.__table__
_MT, _MS = Moderator.__table__, Membership.__table__
# Built once (the busiest comment write): the site, the article and the names readers may not
# take (the site's moderators' display names, one string joined by newlines) in ONE statement.
# The separator is SQL text, not a bound literal: ``aggregate_strings(x, "\\n")`` renders it
# late (POSTCOMPILE), which :class:`~engage.services.direct.Precompiled` cannot run.
_NEWLINE = {"postgresql": literal_column("E'\\n'"), "sqlite": literal_column("char(10)")}
_AGGREGATE = {"postgresql": func.string_agg, "sqlite": func.group_concat}


def _reserved_subquery(dialect: str):
    """The site's moderators' display names, one string joined by newlines."""
    return (select(_AGGREGATE[dialect](_MT.c.display_name, _NEWLINE[dialect]))
            .select_from(_MT.join(_MS, _MS.c.moderator_id == _MT.c.id))
            .where(_MS.c.site_id == _S.c.id).scalar_subquery())
# ... and, in the same statement, whether the reader's row exists (its token not revoked; on
# PostgreSQL the row is held FOR KEY SHARE until commit, as ``hold_reader`` does, so an erasure
# racing the comment erases it too) and the reader's facts for the moderation pipeline
# (:func:`prefetch_columns`): one query judges a comment in the usual case.
def _site_article_statement(dialect: str, site_columns, article_columns):
    """The site row (``s_`` columns), the article row (``a_``), the reserved names, whether
    the reader exists and the reader's prefetched facts, in one statement."""
    return (select(*(c.label(f"s_{c.name}") for c in site_columns),
                   *(c.label(f"a_{c.name}") for c in article_columns),
                   _reserved_subquery(dialect).label("reserved"),
                   exists(select(Reader.__table__.c.id)
                          .where(Reader.__table__.c.id == bindparam("reader_id"))
                          .with_for_update(read=True, key_share=True)).label("reader_known"),
                   *prefetch_columns(dialect))
            .select_from(_S.outerjoin(_A, and_(_A.c.site_id == _S.c.id,
                                              _A.c.key == bindparam("key"))))
            .where(_S.c.slug == bindparam("slug")))


# Every column, for the session path (its site and article rows go on to other services).
_SITE_ARTICLE_ROW = {dialect: _site_article_statement(dialect, _S.c, _A.c)
                     for dialect in ("postgresql", "sqlite")}
# The columns judging and storing a new top-level comment reads (``_judge``,
# ``moderation_context``, ``_comment_row``), for the direct path: 19 columns instead of 49,
# each of which the driver describes and converts on every comment.
_JUDGED_SITE = ("id", "slug", "name", "premoderation", "auto_close_days", "link_limit",
                "first_n_hold", "wordlist_version", "webhook_url")
_JUDGED_ARTICLE = ("id", "comments_open", "premoderation", "published_at", "created_at")
_SITE_ARTICLE_FACTS = {
    dialect: _site_article_statement(dialect, [_S.c[name] for name in _JUDGED_SITE],
                                     [_A.c[name] for name in _JUDGED_ARTICLE])
    for dialect in ("postgresql", "sqlite")}


def _site_and_article(session: Session, site_slug: str, article_key: str, reader_id: str,
                      network_hash: str, check_reader: bool, *, now: datetime | None,
                      create: bool = True):
    """The site and article rows for a new comment; the article is created on first use where
    the site allows it (with ``create=False``: ``None`` for a missing article).

    :returns: ``(site, article)``: plain attribute objects with the tables' columns; the site's
        also has ``reserved_names`` (its name and its moderators' display names) and
        ``prefetched`` (the reader's :class:`PrefetchedFacts`).
    :raises NotFound: ``site_not_found``, ``article_not_found``.
    :raises InvalidInput: ``article_key_invalid``.
    :raises Unauthorized: ``reader_token_invalid`` (``check_reader`` and the reader was erased).
    """
    validate_article_key(article_key)
    conn = session.connection()
    row = (conn.execute(_SITE_ARTICLE_ROW[conn.dialect.name], {
        "slug": site_slug, "key": article_key, "reader_id": reader_id,
        "network_hash": network_hash}).mappings().first() if SLUG_RE.match(site_slug) else None)
    site, article = _site_article_from_row(row, check_reader)
    if article is None and create:
        article = article_for_write(session, session.get(Site, site.id), article_key, now)
    return site, article


def _site_article_from_row(row, check_reader: bool):
    """``(site, article or None)`` from a :func:`_site_article_statement` row (a mapping;
    ``None`` when no site has the slug), as :func:`_site_and_article` returns them: each
    object has the columns the row selected.

    :raises NotFound: ``site_not_found``.
    :raises Unauthorized: ``reader_token_invalid`` (``check_reader`` and the reader was erased).
    """
    if row is None:
        raise NotFound("site_not_found")
    if check_reader and not row["reader_known"]:
        raise Unauthorized("reader_token_invalid")
    site = SimpleNamespace(**{k[2:]: v for k, v in row.items() if k.startswith("s_")})
    site.reserved_names = [site.name, *(row["reserved"] or "").split("\n")]
    site.prefetched = prefetched_from(row)
    article = (SimpleNamespace(**{k[2:]: v for k, v in row.items() if k.startswith("a_")})
               if row["a_id"] is not None else None)
    return site, article


def _submit_direct(session: Session, pinned: Pinned, where: tuple, facts: tuple,
                   retry: RetryGuard | None) -> SubmitResult | None:
    """:func:`submit_comment` for a new top-level comment on the pinned DBAPI connection
    (:mod:`engage.services.direct`): the same statements, rules and transaction as the session
    path, without SQLAlchemy's per-statement machinery; the session is used only for facts not
    cached (bans, word lists) and a repeated request's first answer.

    On SQLite the site, article and reader facts are read in one statement (autocommit: one
    snapshot) and the comment judged before the writer lock is taken, as on the session path;
    under the lock, in one ``BEGIN IMMEDIATE`` transaction: the reader checked again (an
    erasure that won the lock meanwhile refuses the comment), the comment inserted, the
    published count moved if it is published at once, and the retry claims taken.  On
    PostgreSQL, as on its session path, one transaction reads the row (holding the reader's
    ``FOR KEY SHARE``) and stores comment, count and claims in one statement
    (:func:`_pg_write_statement`).  Expired claims are purged now and then in the same
    transaction.

    :returns: the result, or ``None`` when this comment needs the session after all (the
        article does not exist yet; the site has webhooks; the claim that held its text
        expired as it was read; the pinned connection was found dead): nothing was written.
    :raises: as :func:`submit_comment`.
    """
    site_slug, article_key, reader_id, network_hash, check_reader = where
    _reader, prepared, parent_id, _, now, *_ = facts
    validate_article_key(article_key)
    conn, dialect = pinned.driver, pinned.engine.dialect
    params = {"slug": site_slug, "key": article_key, "reader_id": reader_id,
              "network_hash": network_hash}
    site_row = precompiled(_SITE_ARTICLE_FACTS[dialect.name], dialect)
    if not SLUG_RE.match(site_slug):
        raise NotFound("site_not_found")
    try:
        if dialect.name == "postgresql":  # read inside the write: no commit in between
            with direct_write(pinned):
                judged = _judge_row(session, site_row.mapping(conn, params), check_reader,
                                    facts)
                if judged is None:
                    return None  # a read-only transaction: nothing was written
                _site, article, values, shown = judged
                claims = _claims(retry, article, parent_id, prepared.text, now)
                comment_id, claim_ids = _write_pg_direct(conn, dialect, values, shown,
                                                         claims, reader_id, article.id, now)
                if any(claim_id is None for claim_id in claim_ids):
                    raise _Repeated()  # rolls this comment back: the first answer stands
                _purge_direct(conn, dialect, max(claim_ids, default=0), now)
        else:
            with first_use(pinned):
                row = site_row.mapping(conn, params)
            judged = _judge_row(session, row, check_reader, facts)
            if judged is None:
                return None
            _site, article, values, shown = judged
            claims = _claims(retry, article, parent_id, prepared.text, now)
            with direct_write(pinned):
                comment_id = _write_sqlite(conn, dialect, values, shown, claims, reader_id,
                                           article.id, now, check_reader)
    except ConnectionLost:
        return None  # nothing was written: the session path posts it
    except _Repeated:
        end_read_transaction(session)  # its snapshot may predate the claim that holds
        replay = held_answer(session, retry, reader_id, article.id, parent_id, prepared.text,
                             now)
        if replay is None:  # the first answer expired just now: the session path posts it
            return None
        return SubmitResult(replay.comment_id, CommentStatus(replay.status), True)
    end_read_transaction(session)  # judging may have read through it: its snapshot is old
    return SubmitResult(comment_id, values["status"], public_status=shown)


def _judge_row(session: Session, row, check_reader: bool, facts: tuple):
    """Judge a comment from its :data:`_SITE_ARTICLE_FACTS` row (direct path).

    :returns: ``(site, article, the comment row's values, the status shown)``, or ``None``
        when the session path must store it (no such article yet, or a site with webhooks).
    :raises: as :func:`_site_article_from_row` and :func:`_judge`.
    """
    site, article = _site_article_from_row(row, check_reader)
    if article is None or site.webhook_url:
        return None
    reader_id, prepared, _parent, network_hash, now, *_ = facts
    site, article, top_parent, verdict, risk = _judge(session, site, article, *facts)
    values = _comment_row(site, article, top_parent, verdict, risk, reader_id, prepared,
                          network_hash, now)
    return site, article, values, public_status(verdict)


def _claims(retry: RetryGuard | None, article, parent_id: int | None, text: str,
            now: datetime) -> list:
    """The retry claims a new comment takes (:func:`claims_for`; none without a guard)."""
    return claims_for(retry, article.id, parent_id, text, now) if retry else []


def _write_sqlite(conn, dialect, values: dict, shown: str, claims: list, reader_id: str,
                  article_id: int, now: datetime, check_reader: bool) -> int:
    """SQLite's direct write, inside :func:`direct_write`: the reader checked again, the
    comment inserted, its count moved if published, its claims taken, a purge now and then.

    :returns: the new comment's id.
    :raises Unauthorized: ``reader_token_invalid`` (erased since the row was read).
    :raises _Repeated: a live claim holds one of its keys.
    """
    if check_reader and not precompiled(READER_HELD, dialect).rows(conn, {"id": reader_id}):
        raise Unauthorized("reader_token_invalid")
    comment_id = precompiled(_INSERT_COMMENT, dialect, _COMMENT_COLUMNS).rows(
        conn, values)[0][0]
    if values["status"] is CommentStatus.APPROVED:
        precompiled(_COUNT_PUBLISHED, dialect).rows(conn, {"article_id": article_id})
    claim_id = 0
    for claim in claims:
        taken = precompiled(CLAIM["sqlite"], dialect, CLAIM_COLUMNS).rows(
            conn, claim_row(reader_id, claim, comment_id, shown, now))
        if not taken:
            raise _Repeated()  # rolls this comment back: the first answer stands
        claim_id = taken[0][0]
    _purge_direct(conn, dialect, claim_id, now)
    return comment_id


def _write_pg(run, values: dict, shown: str, claims: list, reader_id: str, article_id: int,
              now: datetime) -> tuple[int, tuple]:
    """PostgreSQL's one-statement write (:func:`_pg_write_statement`), shared by the session
    path and the direct path.

    :param run: ``run(statement, params)`` executes it and gives its one row (through the
        session, or :class:`~engage.services.direct.Precompiled` on the pinned connection).
    :returns: the new comment's id and its claims' ids (``None`` for a claim not taken).
    """
    approved = values["status"] is CommentStatus.APPROVED
    params = _pg_write_params(values, article_id, reader_id, now, shown, claims)
    row = run(_pg_write(len(claims), approved), params)
    return row[0], tuple(row[1 + approved:])


def _write_pg_direct(conn, dialect, values: dict, shown: str, claims: list, reader_id: str,
                     article_id: int, now: datetime) -> tuple[int, tuple]:
    """:func:`_write_pg` on the pinned psycopg connection ``conn``, inside
    :func:`direct_write`."""
    return _write_pg(lambda statement, params: precompiled(statement, dialect).rows(
        conn, params)[0], values, shown, claims, reader_id, article_id, now)


def _purge_direct(conn, dialect, claim_id: int, now: datetime) -> None:
    """As :func:`purge_now_and_then`, on the direct path's connection and transaction."""
    if claim_id and claim_id % PURGE_EVERY == 0:
        precompiled(PURGE_EXPIRED[dialect.name], dialect).rows(conn, {"now": now})


def _judge(session: Session, site, article, reader_id: str, prepared: PreparedComment,
           parent_id: int | None, network_hash: str, now: datetime, honeypot: str,
           form_age_ms: int | None, assist: AssistRuntime | None):
    """Check the name, the article and the parent, and run the moderation pipeline.

    :returns: ``(site, article, top-level parent id or None, verdict, risk facts or None)``.
    :raises InvalidInput: ``author_name_reserved``, ``parent_invalid``.
    :raises Forbidden: ``comments_closed``.
    """
    if is_reserved_name(prepared.author_name, site.reserved_names):
        raise InvalidInput("author_name_reserved", field="author_name")
    ensure_open(article.comments_open, "comments_closed")
    top_parent = _resolve_parent(session, article, parent_id)
    risk = assist.facts(site.slug, prepared.text) if assist is not None else None
    verdict = run_pipeline(moderation_context(
        session, site, article, prepared.text, now, is_reply=top_parent is not None,
        reader_id=reader_id, network_hash=network_hash, honeypot=honeypot,
        form_age_ms=form_age_ms, risk=risk, prefetched=getattr(site, "prefetched", None)))
    return site, article, top_parent, verdict, risk


def _insert_comment(session: Session, site, article, top_parent: int | None, verdict,
                    risk: RiskFacts | None, reader_id: str, prepared: PreparedComment,
                    network_hash: str, now: datetime) -> SubmitResult:
    """Insert the judged comment; move the published count if it is published at once."""
    values = _comment_row(site, article, top_parent, verdict, risk, reader_id, prepared,
                          network_hash, now)
    status = values["status"]
    conn = session.connection()
    comment_id = conn.execute(_INSERT_COMMENT, values).scalar_one()
    if status is CommentStatus.APPROVED:
        conn.execute(_COUNT_PUBLISHED, {"article_id": article.id})
        if site.webhook_url:  # the site row is at hand: no query for sites without webhooks
            enqueue_comment_change(session, article.id, comment_id, None, status, now)
    return SubmitResult(comment_id, status, public_status=public_status(verdict))


_INSERT_COMMENT = insert(Comment.__table__).returning(Comment.__table__.c.id)


def _comment_row(site, article, top_parent: int | None, verdict, risk: RiskFacts | None,
                 reader_id: str, prepared: PreparedComment, network_hash: str,
                 now: datetime) -> dict:
    """The new ``comment`` row's column values (its status from the pipeline's verdict)."""
    status = STATUS_BY_DECISION[verdict.decision]
    return {
        "site_id": site.id, "article_id": article.id, "parent_id": top_parent,
        "reader_id": reader_id, "author_name": prepared.author_name, "body_raw": prepared.text,
        "body_html": prepared.html, "sanitizer_version": prepared.sanitizer_version,
        "status": status, "moderation_reasons": [r.as_json() for r in verdict.reasons],
        "network_hash": network_hash, "created_at": now, "updated_at": now,
        "assist_risk": risk.risk if risk else None,
        "assist_terms": risk.terms_json() if risk else None,
        "published_at": now if status is CommentStatus.APPROVED else None,
        "like_count": 0, "report_count": 0}


def _insert_comment_pg(session: Session, site, article, top_parent: int | None, verdict,
                       risk: RiskFacts | None, reader_id: str, prepared: PreparedComment,
                       network_hash: str, now: datetime, retry: RetryGuard | None,
                       parent_id: int | None) -> tuple[SubmitResult, bool]:
    """:func:`_insert_comment` and :func:`take_claims` as ONE statement (PostgreSQL's
    data-modifying ``WITH``, :func:`_pg_write_statement`): one round trip instead of three.

    :returns: the result, and whether every claim was taken (``False``: a live claim holds one
        of its keys; the caller must roll the transaction back, as with :func:`take_claims`).
    """
    values = _comment_row(site, article, top_parent, verdict, risk, reader_id, prepared,
                          network_hash, now)
    status = values["status"]
    shown = public_status(verdict)
    claims = _claims(retry, article, parent_id, prepared.text, now)
    comment_id, claim_ids = _write_pg(
        lambda statement, params: session.connection().execute(statement, params).one(),
        values, shown, claims, reader_id, article.id, now)
    taken = all(claim_id is not None for claim_id in claim_ids)
    if taken:
        if status is CommentStatus.APPROVED and site.webhook_url:
            enqueue_comment_change(session, article.id, comment_id, None, status, now)
        purge_now_and_then(session, max(claim_ids, default=0), now)
    return SubmitResult(comment_id, status, public_status=shown), taken


_PG_WRITE: dict[tuple[int, bool], object] = {}  # (claims, approved) -> statement


def _pg_write(n_claims: int, approved: bool):
    """:func:`_pg_write_statement`, built once per shape (so :func:`precompiled` caches it)."""
    statement = _PG_WRITE.get((n_claims, approved))
    if statement is None:  # two threads may build it: both then use the first one kept
        statement = _PG_WRITE.setdefault((n_claims, approved),
                                         _pg_write_statement(n_claims, approved))
    return statement


def _pg_write_params(values: dict, article_id: int, reader_id: str, now: datetime,
                     shown: str, claims: list) -> dict:
    """The parameters of :func:`_pg_write_statement` for a comment row and its claims."""
    # Prefixed: an UPDATE takes any parameter named like one of its table's columns as a SET.
    params = {f"c_{name}": value for name, value in values.items()}
    params.update({"article_id": article_id, "reader_id": reader_id, "claimed_at": now,
                   "shown": shown})
    for i, (scope, key, request_hash, expires_at) in enumerate(claims):
        params.update({f"scope{i}": scope, f"key{i}": key, f"hash{i}": request_hash,
                       f"expires{i}": expires_at})
    return params


_CLAIM_T = RequestClaim.__table__


def _pg_write_statement(n_claims: int, approved: bool):
    """``WITH new_comment AS (INSERT …), counted AS (UPDATE article …), claim0 AS (INSERT …
    ON CONFLICT …) … SELECT``: the comment, its published count (if published at once) and its
    claims holding the answer, in one statement.

    Every sub-statement runs whatever the outer query reads (PostgreSQL manual §7.8.4, "Data-
    Modifying Statements in WITH"); the outer query reads each one anyway, so SQLAlchemy renders
    them all.  A claim whose key a live claim holds returns no row (its ``max(id)`` is NULL),
    exactly as the single-claim statement of :func:`take_claims`; the foreign key from the claim
    to the comment inserted beside it is checked at the end of the statement.
    """
    new = (insert(Comment.__table__)
           .values({name: bindparam(f"c_{name}", type_=Comment.__table__.c[name].type)
                    for name in _COMMENT_COLUMNS})
           .returning(Comment.__table__.c.id).cte("new_comment"))
    outputs = [new.c.id]
    if approved:
        counted = (update(_A).where(_A.c.id == bindparam("article_id"))
                   .values(comment_count=_A.c.comment_count + literal_column("1"),
                           version=_A.c.version + literal_column("1"))
                   .returning(_A.c.id).cte("counted"))
        outputs.append(select(func.count()).select_from(counted).scalar_subquery())
    for i in range(n_claims):
        claim = postgresql.insert(_CLAIM_T).from_select(CLAIM_COLUMNS, select(
            bindparam("reader_id", type_=_CLAIM_T.c.reader_id.type),
            bindparam(f"scope{i}", type_=_CLAIM_T.c.scope.type),
            bindparam(f"key{i}", type_=_CLAIM_T.c.key.type),
            bindparam(f"hash{i}", type_=_CLAIM_T.c.request_hash.type), new.c.id,
            bindparam("shown", type_=_CLAIM_T.c.comment_status.type),
            bindparam("claimed_at", type_=_CLAIM_T.c.created_at.type),
            bindparam(f"expires{i}", type_=_CLAIM_T.c.expires_at.type)))
        claim = claim.on_conflict_do_update(
            index_elements=["reader_id", "scope", "key"],
            set_={name: claim.excluded[name] for name in CLAIM_COLUMNS[3:]},
            where=_CLAIM_T.c.expires_at <= claim.excluded.created_at,
        ).returning(_CLAIM_T.c.id).cte(f"claim{i}")
        outputs.append(select(func.max(claim.c.id)).scalar_subquery())
    return select(*outputs)


# The columns a new comment is inserted with (:func:`_comment_row`'s keys): PostgreSQL's one-
# statement write and SQLite's direct write name them all, so no Python-side default is left.
_COMMENT_COLUMNS = (
    "site_id", "article_id", "parent_id", "reader_id", "author_name", "body_raw", "body_html",
    "sanitizer_version", "status", "moderation_reasons", "network_hash", "created_at",
    "updated_at", "assist_risk", "assist_terms", "published_at", "like_count", "report_count")


# Relative increment: no lock, no lost update; the version bump refreshes public reads.
_COUNT_PUBLISHED = (update(_A).where(_A.c.id == bindparam("article_id"))
                    .values(comment_count=_A.c.comment_count + 1, version=_A.c.version + 1))


def moderation_context(session: Session, site: Site, article: Article, text: str,
                       now: datetime, *, is_reply: bool, reader_id: str, network_hash: str,
                       honeypot: str = "", form_age_ms: int | None = None,
                       exclude_comment: int | None = None,
                       risk: RiskFacts | None = None,
                       prefetched: PrefetchedFacts | None = None) -> CommentContext:
    """The facts the moderation pipeline judges a comment by — one place, so a reader's edit
    (``engage.services.comment_edits``) is judged exactly like a new comment (gathered by
    :func:`engage.services.moderation_facts.comment_context`).

    :param exclude_comment: the edited comment, whose own old text is no duplicate of it.
    :param risk: the moderation assistant's score of ``text`` (:meth:`AssistRuntime.facts`).
    :param prefetched: the reader's facts read with the site row (a new comment).
    """
    ctx = comment_context(session.connection, site=site, article=article, text=text,
                          now=now, reader_id=reader_id, network_hash=network_hash,
                          is_reply=is_reply, honeypot=honeypot, form_age_ms=form_age_ms,
                          settings=ModerationSettings(), exclude_comment=exclude_comment,
                          prefetched=prefetched)
    if risk is None:
        return ctx
    return replace(ctx, assist_risk=risk.risk, assist_terms=risk.terms,
                   assist_hold_at=risk.hold_at, assist_reject_at=risk.reject_at)


def _resolve_parent(session: Session, article: Article, parent_id: int | None) -> int | None:
    """Return the top-level comment id a reply attaches to, or ``None`` for a new thread.

    :raises InvalidInput: ``parent_invalid`` when the parent is missing, unpublished or on
        another article.
    """
    if parent_id is None:
        return None
    parent = session.get(Comment, parent_id)
    if (parent is None or parent.article_id != article.id
            or parent.status is not CommentStatus.APPROVED):
        raise InvalidInput("parent_invalid", field="parent_id")
    return parent.parent_id or parent.id


@dataclass(frozen=True)
class ThreadItem:
    """A published top-level comment with its first published replies (oldest first).

    The comment may instead be ``deleted`` by its author while it has published replies: the
    thread then shows a placeholder in its place (no author, no text) so the replies stay
    readable.  ``reply_count`` counts all its published replies; ``replies_cursor`` continues
    after the ones included (``None`` when all are here).
    """

    comment: Comment
    replies: list[Comment]
    reply_count: int
    replies_cursor: str | None


@dataclass(frozen=True)
class ThreadPage:
    """One page of published top-level comments; ``next_cursor`` is ``None`` at the end."""

    article: Article | None
    items: list[ThreadItem]
    next_cursor: str | None


def _published_article(session: Session, site_slug: str, article_key: str) -> Article | None:
    """The article for a public read (``None`` where the site creates articles on use).

    :raises NotFound: ``site_not_found``, ``article_not_found``.
    :raises InvalidInput: ``article_key_invalid``.
    """
    validate_article_key(article_key)
    site = get_site(session, site_slug)
    article = find_article(session, site, article_key)
    if article is None and not site.auto_create_articles:
        raise NotFound("article_not_found")
    return article


_REPLY = aliased(Comment, name="reply")
# Built once: an alias's expressions cost more to build on every read than the query to run.
_HAS_PUBLISHED_REPLY = exists().where(_REPLY.parent_id == Comment.id,
                                      _REPLY.status == CommentStatus.APPROVED)


def _top_level_page(session: Session, article_id: int, sort: str, cursor: str | None,
                    limit: int) -> list[Comment]:
    """Up to ``limit`` + 1 visible top-level comments after ``cursor``, in ``sort`` order.

    Visible: published, or unpublished with published replies (a placeholder).  Each kind is its own
    indexed keyset select capped at the page size, merged here: the usual case, no placeholder,
    costs one more index probe that finds nothing.
    """
    top = (Comment.article_id == article_id, Comment.parent_id.is_(None))
    published = select(Comment).where(*top, Comment.status == CommentStatus.APPROVED)
    placeholders = select(Comment).where(*top, Comment.status != CommentStatus.APPROVED,
                                         _HAS_PUBLISHED_REPLY)
    rows, extra = (list(session.execute(apply_keyset(q, sort, cursor).limit(limit + 1))
                        .scalars()) for q in (published, placeholders))
    if extra:
        rows = sorted(rows + extra, key=lambda c: sort_key(sort, c),
                      reverse=sort != "oldest")[:limit + 1]
    return rows


def thread_page(session: Session, site_slug: str, article_key: str, *, sort: str = "newest",
                cursor: str | None = None, limit: int = 20, replies_limit: int = 3) -> ThreadPage:
    """Read one page of an article's published thread with keyset pagination (never OFFSET).

    Sorts: ``newest``, ``oldest``, ``most_liked`` (:mod:`engage.services.keyset`).  Stable while
    comments arrive: the cursor is the last item's sort key, so a new comment never shifts
    later pages.  Each top-level comment brings at most ``replies_limit``
    replies (a window function picks them), so a page's size is bounded however busy a
    sub-thread gets; :func:`replies_page` continues.  Three queries whatever the page size.

    :raises NotFound: ``site_not_found``; ``article_not_found`` on sites that do not create
        articles on first use (those answer an empty thread instead).
    :raises InvalidInput: ``sort_invalid``, ``cursor_invalid``, ``article_key_invalid``.
    """
    if sort not in SORTS:
        raise InvalidInput("sort_invalid", field="sort")
    article = _published_article(session, site_slug, article_key)
    if article is None:
        return ThreadPage(None, [], None)
    rows = _top_level_page(session, article.id, sort, cursor, limit)
    more = len(rows) > limit
    rows = rows[:limit]
    replies, counts = _first_replies(session, [c.id for c in rows], replies_limit)
    items = []
    for c in rows:
        shown = replies.get(c.id, [])
        rest = counts.get(c.id, 0) > len(shown)
        items.append(ThreadItem(c, shown, counts.get(c.id, 0),
                                cursor_after("oldest", shown[-1]) if rest and shown else None))
    next_cursor = cursor_after(sort, rows[-1]) if more else None
    return ThreadPage(article, items, next_cursor)


def _first_replies(session: Session, parent_ids: list[int], per_parent: int
                   ) -> tuple[dict[int, list[Comment]], dict[int, int]]:
    """The first ``per_parent`` published replies of each parent, and each parent's total."""
    if not parent_ids:
        return {}, {}
    published = (Comment.parent_id.in_(parent_ids), Comment.status == CommentStatus.APPROVED)
    counts = dict(session.execute(select(Comment.parent_id, func.count()).where(*published)
                                  .group_by(Comment.parent_id)).all())
    ranked = select(Comment.id, func.row_number().over(
        partition_by=Comment.parent_id, order_by=(Comment.created_at, Comment.id)).label("rank")
    ).where(*published).subquery()
    replies: dict[int, list[Comment]] = {}
    for reply in session.execute(
            select(Comment).join(ranked, ranked.c.id == Comment.id)
            .where(ranked.c.rank <= per_parent).order_by(Comment.created_at, Comment.id)).scalars():
        replies.setdefault(reply.parent_id, []).append(reply)
    return replies, counts


def replies_page(session: Session, site_slug: str, article_key: str, parent_id: int, *,
                 cursor: str | None = None, limit: int = 20) -> tuple[list[Comment], str | None]:
    """More published replies of one top-level comment (or deleted placeholder), oldest first.

    :returns: the replies and the cursor for the next page (``None`` at the end).
    :raises NotFound: ``site_not_found``, ``article_not_found``, ``comment_not_found``.
    :raises InvalidInput: ``cursor_invalid``, ``article_key_invalid``.
    """
    article = _published_article(session, site_slug, article_key)
    parent = session.get(Comment, parent_id) if 0 < parent_id < 2**31 else None
    if (article is None or parent is None or parent.article_id != article.id
            or parent.parent_id is not None or parent.status not in _THREAD_HEADS):
        raise NotFound("comment_not_found")
    query = select(Comment).where(Comment.parent_id == parent_id,
                                  Comment.status == CommentStatus.APPROVED)
    rows = list(session.execute(apply_keyset(query, "oldest", cursor).limit(limit + 1)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (cursor_after("oldest", rows[-1]) if more else None)
