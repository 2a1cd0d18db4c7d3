"""Retention: forget hashed IP networks and unmoderated pending comments after a set time.

Storage limitation (Decree 13/2023/ND-CP Art. 3 and GDPR Art. 5(1)(e)): keep personal data no
longer than its purpose needs.  The network hash serves rate limits, vote caps and abuse
review, all of which look back days, not months; a comment nobody moderated in weeks will not
be; an address left for reply notices serves a conversation that is over in weeks.  The
periods are settings (``RETENTION_IP_HASH_DAYS``, ``RETENTION_PENDING_DAYS``,
``RETENTION_MAIL_DAYS``).

Every step is a set-based UPDATE or DELETE on rows past the cut-off, so running it again
changes nothing and two runs at once (cron overlap) do the same work once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from engage.models import (
    Comment, CommentLike, CommentReport, CommentStatus, MailOutbox, MailSubscription,
    ModerationAction, Rating, Reader, RequestClaim)
from engage.services.tx import write_transaction

# Pending comments deleted per statement (bounded IN lists; SQLite allows 32,766 parameters).
BATCH = 500


@dataclass(frozen=True)
class PurgeResult:
    """Rows whose network hash was blanked, pending comments deleted, and mail rows
    (subscriptions and outbox rows, which hold addresses) deleted."""

    ip_hashes: int
    pending_comments: int
    mail_rows: int = 0


def purge(session: Session, now: datetime, ip_hash_days: int, pending_days: int,
          mail_days: int = 0) -> PurgeResult:
    """Blank network hashes older than ``ip_hash_days`` and delete comments still pending
    after ``pending_days`` that were never published; 0 days turns a step off.

    Blanked: ``comment``, ``rating``, ``comment_report`` and ``reader`` rows created before the
    cut-off.  Bans keep their network hash: a ban is a moderator's decision with its own end.
    Deleted pending comments take their audit rows, reports and claims with them; published
    counts do not move (a pending comment was never counted).

    Mail (``mail_days``): reply-notice subscriptions made before the cut-off (with their
    addresses) and outbox rows created before it, sent or not, are deleted; suppressions
    (hashes of unsubscribed addresses) are kept, or the address would get mail again.

    :raises ValueError: a negative number of days.
    """
    if ip_hash_days < 0 or pending_days < 0 or mail_days < 0:
        raise ValueError("retention days must be 0 (off) or more")
    blanked = 0
    if ip_hash_days:
        cutoff = now - timedelta(days=ip_hash_days)
        with write_transaction(session):
            for model in (Comment, Rating, CommentReport, Reader):
                blanked += session.execute(
                    update(model).where(model.created_at < cutoff, model.network_hash != "")
                    .values(network_hash="").execution_options(synchronize_session=False)
                ).rowcount
    deleted = 0
    if pending_days:
        cutoff = now - timedelta(days=pending_days)
        while True:
            with write_transaction(session):
                ids = session.execute(
                    select(Comment.id).where(Comment.status == CommentStatus.PENDING,
                                             Comment.published_at.is_(None),
                                             Comment.created_at < cutoff)
                    .order_by(Comment.id).limit(BATCH)).scalars().all()
                if ids:
                    _delete_comments(session, ids)
            deleted += len(ids)
            if len(ids) < BATCH:
                break
    mail = 0
    if mail_days:
        cutoff = now - timedelta(days=mail_days)
        with write_transaction(session):
            for model in (MailSubscription, MailOutbox):
                mail += session.execute(delete(model).where(model.created_at < cutoff)
                                        .execution_options(synchronize_session=False)).rowcount
    return PurgeResult(blanked, deleted, mail)


def _delete_comments(session: Session, ids: list[int]) -> None:
    """Delete comments and the rows that point at them (explicitly: not every SQLite
    connection a deployment opens need have foreign keys on)."""
    for model in (ModerationAction, CommentLike, CommentReport, RequestClaim, MailSubscription):
        session.execute(delete(model).where(model.comment_id.in_(ids)))
    session.execute(update(Comment).where(Comment.parent_id.in_(ids)).values(parent_id=None)
                    .execution_options(synchronize_session=False))
    session.execute(delete(Comment).where(Comment.id.in_(ids))
                    .execution_options(synchronize_session=False))
