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

from sqlalchemy import delete, select, update
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


def _take(session: Session, reader_id: str, scope: ClaimScope, key: str, request_hash: str,
          now: datetime, expires_at: datetime) -> tuple[int, RequestClaim | None]:
    """Insert a claim, or find the live claim that holds the key already.

    An expired claim on the key is deleted first (one row, by its unique key: no lock-order
    deadlock between two requests of the same reader).

    :returns: ``(new claim id, None)``, or ``(0, the claim that holds the key)``.
    """
    where = (RequestClaim.reader_id == reader_id, RequestClaim.scope == scope,
             RequestClaim.key == key)
    session.execute(delete(RequestClaim).where(*where, RequestClaim.expires_at <= now))
    insert = (postgresql.insert if session.get_bind().dialect.name == "postgresql"
              else sqlite.insert)
    stmt = insert(RequestClaim).values(
        reader_id=reader_id, scope=scope, key=key, request_hash=request_hash,
        comment_status="", created_at=now, expires_at=expires_at
    ).on_conflict_do_nothing(index_elements=["reader_id", "scope", "key"]).returning(
        RequestClaim.id)
    claim_id = session.execute(stmt).scalar_one_or_none()
    if claim_id is not None:
        return claim_id, None
    return 0, session.execute(select(RequestClaim).where(*where)).scalar_one()


def settle_claims(session: Session, claim_ids: list[int], comment_id: int, status: str) -> None:
    """Record the answer (comment and status) in the claims this request took."""
    if claim_ids:
        session.execute(update(RequestClaim).where(RequestClaim.id.in_(claim_ids))
                        .values(comment_id=comment_id, comment_status=status)
                        .execution_options(synchronize_session=False))


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
