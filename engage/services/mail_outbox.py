"""The mail outbox: queue a mail with the change it reports, send it later (``engage send-mail``).

Guarantee (issue #11 part 3): a mail is queued in the same transaction as its event, at most
once per (recipient, event) — ``mail_outbox.dedupe_key`` is unique and the insert skips a key
already there — so a retried request or a second trigger never queues it twice.  Sending is
*at least once*: a sender claims a row by moving ``next_attempt_at`` past a lease (a
conditional UPDATE, so two senders never send one row at the same time), hands the message to
SMTP outside any transaction, then marks it sent.  A crash after the SMTP server accepted the
message and before the mark leaves the row to be sent again when the lease ends: at most one
duplicate per such crash, carrying the same ``Message-ID`` (``<engage-mail-{id}@…>``), which mail
clients use to collapse duplicates.  A failure is retried with exponential backoff until
``max_attempts``, then the row is marked failed (never dropped silently: ``last_error`` stays).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import exists, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engage.domain.embedding import backoff_seconds
from engage.domain.mail import MailAddress
from engage.models import MailOutbox, MailSuppression
from engage.services.tx import write_transaction

CANCELLED = "cancelled"  # last_error prefix of a row not sent on purpose (unsubscribed, gone)


def enqueue(session: Session, *, site_id: int, kind: str, dedupe_key: str, to: MailAddress,
            payload: dict, now: datetime) -> bool:
    """Queue one mail inside the caller's transaction, unless its key is queued already or the
    address unsubscribed.

    :param dedupe_key: one per (recipient, event), e.g. ``reply:{subscription}:{comment}``.
    :returns: whether a row was added.
    """
    if session.execute(select(exists().where(MailSuppression.email_hash == to.hash))).scalar():
        return False
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(MailOutbox).values(
        site_id=site_id, kind=kind, dedupe_key=dedupe_key, to_address=to.address,
        to_hash=to.hash, payload=payload, attempts=0, created_at=now, next_attempt_at=now,
        last_error="").on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(MailOutbox.id)
    return session.execute(stmt).scalar_one_or_none() is not None


@dataclass(frozen=True)
class SendPolicy:
    """Retry settings (config ``MAIL_*``): attempts before giving up, backoff base and cap in
    seconds, the claim lease in seconds (must exceed the SMTP timeout) and the batch size."""

    max_attempts: int
    backoff_base_s: int
    backoff_max_s: int
    lease_s: int
    batch: int


def claim_due(session: Session, now: datetime, policy: SendPolicy) -> list[int]:
    """Claim up to ``policy.batch`` due rows (oldest first) for this sender; their ids."""
    with write_transaction(session):
        ids = session.execute(
            select(MailOutbox.id)
            .where(MailOutbox.sent_at.is_(None), MailOutbox.failed_at.is_(None),
                   MailOutbox.next_attempt_at <= now)
            .order_by(MailOutbox.next_attempt_at, MailOutbox.id).limit(policy.batch)).scalars().all()
        lease_end = now + timedelta(seconds=policy.lease_s)
        claimed = [i for i in ids if session.execute(
            update(MailOutbox).where(MailOutbox.id == i, MailOutbox.next_attempt_at <= now,
                                     MailOutbox.sent_at.is_(None))
            .values(next_attempt_at=lease_end)
            .execution_options(synchronize_session=False)).rowcount == 1]
    return claimed


@dataclass(frozen=True)
class SendError:
    """Why a send failed; ``permanent`` (an SMTP 5xx) fails the row without retrying."""

    text: str
    permanent: bool = False


def record_result(session: Session, outbox_id: int, error: SendError | None, now: datetime,
                  policy: SendPolicy, *, cancelled: str = "") -> None:
    """Mark a row sent, cancelled, retried later (exponential backoff) or failed.

    :param cancelled: a reason not to send at all (the row ends as failed with
        ``cancelled: reason`` and no attempt counted).
    """
    with write_transaction(session):
        row = session.get(MailOutbox, outbox_id)
        if row is None or row.sent_at is not None:
            return
        if cancelled:
            row.failed_at, row.last_error = now, f"{CANCELLED}: {cancelled}"[:500]
            return
        row.attempts += 1
        if error is None:
            row.sent_at, row.last_error = now, ""
            return
        row.last_error = error.text[:500]
        if error.permanent or row.attempts >= policy.max_attempts:
            row.failed_at = now
        else:
            row.next_attempt_at = now + timedelta(seconds=backoff_seconds(
                row.attempts, policy.backoff_base_s, policy.backoff_max_s))


# compose(session, row) -> the message, or a str: the reason to cancel it.
Compose = Callable[[Session, MailOutbox], "EmailMessage | str"]
Send = Callable[[EmailMessage], "SendError | None"]


def send_due(session: Session, policy: SendPolicy, compose: Compose, send: Send,
             clock: Callable[[], datetime]) -> int:
    """One pass: claim what is due, compose and send each outside any transaction, record each.

    :returns: how many rows were claimed (a full batch means more may wait).
    """
    claimed = claim_due(session, clock(), policy)
    for outbox_id in claimed:
        row = session.get(MailOutbox, outbox_id)
        if row is None:
            continue
        message = compose(session, row)
        session.rollback()  # end the read: nothing is held open while SMTP answers
        if isinstance(message, str):
            record_result(session, outbox_id, None, clock(), policy, cancelled=message)
            continue
        record_result(session, outbox_id, send(message), clock(), policy)
    return len(claimed)
