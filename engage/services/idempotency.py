"""Retries and doubles of comment posts: claims that give a repeated request the first answer.

Two kinds of claim, both rows of ``request_claim`` under one unique constraint
(reader, scope, key):

- ``key``: the client's ``Idempotency-Key`` header (IETF draft-ietf-httpapi-idempotency-key-header,
  the scheme Stripe's API popularised).  The same key with the same request gets the first answer;
  with another request, ``idempotency_key_reused`` (the draft's 422).
- ``text``: without a key, the same reader posting the same normalised text on the same article
  (in answer to the same comment) within a short window — a double click, a resend after a lost
  answer — gets the first comment back instead of a second one.

Claims are taken with ``INSERT … ON CONFLICT`` inside the comment's own transaction, right after
the comment's insert and holding its answer, never by checking first: when two identical requests
race, the second insert waits for the first transaction (PostgreSQL's unique index; SQLite's
``BEGIN IMMEDIATE`` lock), finds the live claim, rolls back its own comment and answers with the
first one.  A failed request rolls back its claim with everything else, so a retry after a 4xx
runs again (nothing was stored to replay).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engage.domain.errors import InvalidInput
from engage.models import ClaimScope, RequestClaim
from engage.services.tx import write_transaction

# Every this many new claims (by id), one bounded batch of everyone's expired claims is deleted.
PURGE_EVERY = 64
PURGE_BATCH = 500


@dataclass(frozen=True)
class RetryGuard:
    """How one comment POST is protected against retries and doubles.

    :param key: the ``Idempotency-Key`` header, or ``None``.
    :param request_hash: digest of the request the key came with (target and canonical body).
    :param key_ttl_s: seconds a key is remembered.
    :param duplicate_window_s: seconds within which the same text counts as a double (0: off).
    """

    key: str | None = None
    request_hash: str = ""
    key_ttl_s: int = 86400
    duplicate_window_s: int = 0


@dataclass(frozen=True)
class Replay:
    """The first answer to a repeated request: the comment's id and the status it was given."""

    comment_id: int
    status: str


def text_fingerprint(article_id: int, parent_id: int | None, text: str) -> str:
    """Digest identifying "the same comment" for doubles: article, parent and normalised text."""
    raw = json.dumps([article_id, parent_id, text], ensure_ascii=False).encode()
    return hashlib.sha256(raw).hexdigest()


def claims_for(guard: RetryGuard, article_id: int, parent_id: int | None, text: str,
                now: datetime) -> list[tuple[ClaimScope, str, str, datetime]]:
    """The claims one request takes: ``(scope, key, request hash, expires at)``, key first."""
    claims = []
    if guard.key is not None:
        claims.append((ClaimScope.KEY, guard.key, guard.request_hash,
                       now + timedelta(seconds=guard.key_ttl_s)))
    if guard.duplicate_window_s > 0:
        fingerprint = text_fingerprint(article_id, parent_id, text)
        claims.append((ClaimScope.TEXT, fingerprint, fingerprint,
                       now + timedelta(seconds=guard.duplicate_window_s)))
    return claims


def take_claims(session: Session, guard: RetryGuard | None, reader_id: str, article_id: int,
                parent_id: int | None, text: str, now: datetime, comment_id: int,
                status: str) -> bool:
    """Take this request's claims, each already holding its answer: the comment inserted just
    before in the same write transaction, and the status the reader is told.

    Taking the claims after the insert saves writing each claim twice (empty, then settled).
    When an identical request races this one, the claim insert waits on the other's unique
    index entry (PostgreSQL) or the other has already committed (SQLite's ``BEGIN IMMEDIATE``).

    :returns: ``False`` when a live claim already holds one of the keys: the caller must roll
        the whole transaction back (its comment with it) and answer :func:`held_answer`.
    """
    if guard is None:
        return True
    conn = session.connection()
    claim_id = 0
    for claim in claims_for(guard, article_id, parent_id, text, now):
        claim_id = conn.execute(CLAIM[conn.dialect.name], claim_row(
            reader_id, claim, comment_id, status, now)).scalar_one_or_none()
        if claim_id is None:
            return False
    purge_now_and_then(session, claim_id, now)
    return True


def claim_row(reader_id: str, claim: tuple[ClaimScope, str, str, datetime],
              comment_id: int | None, status: str, now: datetime) -> dict:
    """A claim's column values (:data:`CLAIM_COLUMNS`) from one of :func:`claims_for`'s
    ``(scope, key, request hash, expires at)``, holding the answer ``comment_id``/``status``."""
    scope, key, request_hash, expires_at = claim
    return dict(zip(CLAIM_COLUMNS, (reader_id, scope, key, request_hash, comment_id, status,
                                    now, expires_at)))


def purge_now_and_then(session: Session, claim_id: int, now: datetime) -> None:
    """After taking claim ``claim_id``: every :data:`PURGE_EVERY` claims, one bounded batch of
    everyone's expired claims is deleted (:func:`purge_expired`)."""
    if claim_id and claim_id % PURGE_EVERY == 0:
        purge_expired(session, now)


def held_answer(session: Session, guard: RetryGuard, reader_id: str, article_id: int,
                parent_id: int | None, text: str, now: datetime) -> Replay | None:
    """The first answer to a repeated request, after :func:`take_claims` found a live claim and
    the request's transaction was rolled back.

    A key claim answers for its key (another request under the same key: 422).  Otherwise the
    "same text" claim answers, and this request's key (if any) is recorded with that same
    answer, so a retry under the key gets it too.

    :returns: the first answer, or ``None`` when the claim expired in between (post again).
    :raises InvalidInput: ``idempotency_key_reused`` (the key came with another request).
    """
    conn = session.connection()
    claims = claims_for(guard, article_id, parent_id, text, now)
    for scope, key, request_hash, _ in claims:
        held = conn.execute(_HELD, {"reader_id": reader_id, "scope": scope, "key": key}).first()
        if held is None or held.expires_at <= now:
            continue
        if held.request_hash != request_hash:
            raise InvalidInput("idempotency_key_reused", field="Idempotency-Key")
        replay = Replay(held.comment_id or 0, held.comment_status)
        if scope is ClaimScope.TEXT and guard.key is not None:
            with write_transaction(session):  # key → the same answer
                session.connection().execute(CLAIM[conn.dialect.name], claim_row(
                    reader_id, claims[0], replay.comment_id or None, replay.status, now))
        return replay
    return None


def _claim_statement(dialect: str):
    """INSERT a claim; on the unique key, take the row over only if it has expired.

    One statement instead of delete-then-insert: a live claim is left alone (nothing is
    returned), an expired one is overwritten and returned as this request's claim.
    """
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(_T)
    return stmt.on_conflict_do_update(
        index_elements=["reader_id", "scope", "key"],
        set_={"request_hash": stmt.excluded.request_hash, "comment_id": stmt.excluded.comment_id,
              "comment_status": stmt.excluded.comment_status,
              "created_at": stmt.excluded.created_at,
              "expires_at": stmt.excluded.expires_at},
        where=_T.c.expires_at <= stmt.excluded.created_at,
    ).returning(_T.c.id)


_T = RequestClaim.__table__
# The columns a claim is inserted with (the compiled insert's parameters, in this order).
CLAIM_COLUMNS = ("reader_id", "scope", "key", "request_hash", "comment_id", "comment_status",
                 "created_at", "expires_at")
# Built once: every comment post takes at least one claim.
CLAIM = {name: _claim_statement(name) for name in ("postgresql", "sqlite")}
_HELD = select(_T.c.id, _T.c.request_hash, _T.c.comment_id, _T.c.comment_status,
               _T.c.expires_at).where(
    _T.c.reader_id == bindparam("reader_id"), _T.c.scope == bindparam("scope"),
    _T.c.key == bindparam("key"))

def release_text_claims(session: Session, comment_id: int) -> None:
    """Forget the "same text" claims of a comment whose text changed or that was deleted, so
    posting that text again makes a new comment (``Idempotency-Key`` answers are kept)."""
    session.execute(delete(RequestClaim).where(RequestClaim.comment_id == comment_id,
                                               RequestClaim.scope == ClaimScope.TEXT)
                    .execution_options(synchronize_session=False))


# :func:`purge_expired` as one statement, for the direct write
# (``engage.services.comments._submit_direct``): on SQLite without a locking clause (the write
# lock already serialises), on PostgreSQL skipping rows another transaction holds.
_EXPIRED = (select(_T.c.id).where(_T.c.expires_at <= bindparam("now")).order_by(_T.c.id)
            .limit(PURGE_BATCH))
PURGE_EXPIRED = {
    "sqlite": delete(_T).where(_T.c.id.in_(_EXPIRED.scalar_subquery())),
    "postgresql": delete(_T).where(_T.c.id.in_(
        _EXPIRED.with_for_update(skip_locked=True).scalar_subquery())),
}


def purge_expired(session: Session, now: datetime, batch: int = PURGE_BATCH) -> int:
    """Delete up to ``batch`` expired claims of any reader; rows another transaction holds are
    skipped (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so purges never wait on each other.

    :returns: the number of claims deleted.
    """
    expired = (select(RequestClaim.id).where(RequestClaim.expires_at <= now)
               .order_by(RequestClaim.id).limit(batch).with_for_update(skip_locked=True))
    ids = list(session.execute(expired).scalars())
    if ids:
        session.execute(delete(RequestClaim).where(RequestClaim.id.in_(ids))
                        .execution_options(synchronize_session=False))
    return len(ids)
