"""Retries and doubles of comment posts: claims that give a repeated request the first answer.

Two kinds of claim, both rows of ``request_claim`` under one unique constraint
(reader, scope, key):

- ``key``: the client's ``Idempotency-Key`` header (IETF draft-ietf-httpapi-idempotency-key-header,
  the scheme Stripe's API popularised).  The same key with the same request gets the first answer;
  with another request, ``idempotency_key_reused`` (the draft's 422).
- ``text``: without a key, the same reader posting the same normalised text on the same article
  (in answer to the same comment) within a short window — a double click, a resend after a lost
  answer — gets the first comment back instead of a second one.

Claims are taken with ``INSERT … ON CONFLICT DO NOTHING`` inside the comment's own transaction,
never by checking first: when two identical requests race, the second insert waits for the first
transaction (PostgreSQL's unique index; SQLite's ``BEGIN IMMEDIATE`` lock) and then finds its row
with the answer already in it.  A failed request rolls back its claim with everything else, so a
retry after a 4xx runs again (nothing was stored to replay).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engage.domain.errors import InvalidInput
from engage.models import ClaimScope, RequestClaim

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


def claim_request(session: Session, guard: RetryGuard | None, reader_id: str, article_id: int,
                  parent_id: int | None, text: str, now: datetime
                  ) -> tuple[Replay | None, list[int]]:
    """Take this request's claims, or find the first answer they already hold.

    Must run inside the comment's write transaction; call :func:`settle_claims` with the
    answer before it commits.

    :returns: ``(replay, claim_ids)``: ``replay`` is the first answer when this request repeats
        an earlier one (else ``None``); ``claim_ids`` are the new claims to settle.
    :raises InvalidInput: ``idempotency_key_reused`` (the key came with another request).
    """
    if guard is None:
        return None, []
    taken: list[int] = []
    if guard.key is not None:
        claim_id, held = _take(session, reader_id, ClaimScope.KEY, guard.key, guard.request_hash,
                               now, now + timedelta(seconds=guard.key_ttl_s))
        if held is not None:
            if held.request_hash != guard.request_hash:
                raise InvalidInput("idempotency_key_reused", field="Idempotency-Key")
            return Replay(held.comment_id or 0, held.comment_status), []
        taken.append(claim_id)
    if guard.duplicate_window_s > 0:
        fingerprint = text_fingerprint(article_id, parent_id, text)
        claim_id, held = _take(session, reader_id, ClaimScope.TEXT, fingerprint, fingerprint,
                               now, now + timedelta(seconds=guard.duplicate_window_s))
        if held is not None:
            replay = Replay(held.comment_id or 0, held.comment_status)
            settle_claims(session, taken, replay.comment_id, replay.status)  # key → same answer
            return replay, []
        taken.append(claim_id)
    if taken and taken[-1] % PURGE_EVERY == 0:
        purge_expired(session, now)
    return None, taken


def _claim_statement(dialect: str):
    """INSERT a claim; on the unique key, take the row over only if it has expired.

    One statement instead of delete-then-insert: a live claim is left alone (nothing is
    returned), an expired one is overwritten and returned as this request's claim.
    """
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(_T)
    return stmt.on_conflict_do_update(
        index_elements=["reader_id", "scope", "key"],
        set_={"request_hash": stmt.excluded.request_hash, "comment_id": None,
              "comment_status": "", "created_at": stmt.excluded.created_at,
              "expires_at": stmt.excluded.expires_at},
        where=_T.c.expires_at <= stmt.excluded.created_at,
    ).returning(_T.c.id)


_T = RequestClaim.__table__
# Built once: every comment post takes at least one claim.
_CLAIM = {name: _claim_statement(name) for name in ("postgresql", "sqlite")}
_HELD = select(_T.c.id, _T.c.request_hash, _T.c.comment_id, _T.c.comment_status).where(
    _T.c.reader_id == bindparam("reader_id"), _T.c.scope == bindparam("scope"),
    _T.c.key == bindparam("key"))
_SETTLE = (update(_T).where(_T.c.id.in_(bindparam("ids", expanding=True)))
           .values(comment_id=bindparam("comment_id"), comment_status=bindparam("status")))


def _take(session: Session, reader_id: str, scope: ClaimScope, key: str, request_hash: str,
          now: datetime, expires_at: datetime):
    """Insert a claim (or take over an expired one), or find the live claim holding the key.

    :returns: ``(new claim id, None)``, or ``(0, the claim that holds the key)`` as a row with
        ``request_hash``, ``comment_id`` and ``comment_status``.
    """
    conn = session.connection()
    claim_id = conn.execute(_CLAIM[conn.dialect.name], {
        "reader_id": reader_id, "scope": scope, "key": key, "request_hash": request_hash,
        "comment_status": "", "created_at": now, "expires_at": expires_at}).scalar_one_or_none()
    if claim_id is not None:
        return claim_id, None
    return 0, conn.execute(_HELD, {"reader_id": reader_id, "scope": scope, "key": key}).one()


def settle_claims(session: Session, claim_ids: list[int], comment_id: int, status: str) -> None:
    """Record the answer (comment and status) in the claims this request took."""
    if claim_ids:
        session.connection().execute(_SETTLE, {"ids": claim_ids, "comment_id": comment_id,
                                               "status": status})


def release_text_claims(session: Session, comment_id: int) -> None:
    """Forget the "same text" claims of a comment whose text changed or that was deleted, so
    posting that text again makes a new comment (``Idempotency-Key`` answers are kept)."""
    session.execute(delete(RequestClaim).where(RequestClaim.comment_id == comment_id,
                                               RequestClaim.scope == ClaimScope.TEXT)
                    .execution_options(synchronize_session=False))


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
