"""Reply notices for anonymous readers (issue #11 part 2): subscribe with a comment, confirm
by a signed link (double opt-in), hear when the comment is published or answered, unsubscribe
in one click.  Nothing here sends: mails go to the outbox (``engage.services.mail_outbox``).

Which events notify (dedupe key per subscription, event and comment, so never twice):

- ``published``: the subscriber's comment was held and a moderator published it (a comment
  published at once under post-moderation sends nothing: the reader saw it appear);
- ``reply``: a reply to the subscriber's comment was published, unless the reply's author is
  the subscriber (same reader token or same address).  Threads are two levels deep
  (DESIGN.md §6): a reply to a reply attaches to the top-level comment, whose subscriber is
  the one told.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from engage.domain.errors import InvalidInput
from engage.domain.mail import CONFIRM, UNSUBSCRIBE, MailAddress, read_link
from engage.models import Comment, CommentStatus, MailOutbox, MailSubscription, MailSuppression
from engage.services.mail_outbox import enqueue
from engage.services.tx import write_transaction

READER_KINDS = ("confirm", "published", "reply")


def subscribe(session: Session, site_id: int, comment_id: int, reader_id: str,
              contact: MailAddress, now: datetime) -> None:
    """Record the address given with a new comment, inside the comment's transaction.

    An address that unsubscribed is ignored (silently: the reader is not told whether an
    address is known).  An address already confirmed on this site is confirmed at once;
    otherwise a confirmation mail is queued, at most one per address, site and UTC day (so
    many comments in a day, or someone typing another person's address, make one mail).
    """
    if session.get(MailSuppression, contact.hash) is not None:
        return
    confirmed = session.execute(select(MailSubscription.id).where(
        MailSubscription.site_id == site_id, MailSubscription.email_hash == contact.hash,
        MailSubscription.confirmed_at.is_not(None)).limit(1)).first() is not None
    session.add(MailSubscription(site_id=site_id, comment_id=comment_id, reader_id=reader_id,
                                 email=contact.address, email_hash=contact.hash, created_at=now,
                                 confirmed_at=now if confirmed else None))
    if not confirmed:
        enqueue(session, site_id=site_id, kind="confirm",
                dedupe_key=f"confirm:{site_id}:{contact.hash}:{now.date().isoformat()}",
                to=contact, payload={"comment_id": comment_id}, now=now)


def confirm(session: Session, key: bytes, token: str, now: datetime,
            max_age_s: int) -> int | None:
    """Confirm every waiting subscription of the token's address on the token's site.

    :returns: how many subscriptions were confirmed now (0 when all were already); ``None``
        when the address has unsubscribed since (nothing is confirmed: unsubscribing is final).
    :raises InvalidInput: ``mail_link_invalid``, ``mail_link_expired``.
    """
    site_id, email_hash = _pair(read_link(key, CONFIRM, token, max_age_s))
    with write_transaction(session):
        if session.get(MailSuppression, email_hash) is not None:
            return None
        return session.execute(
            update(MailSubscription).where(
                MailSubscription.site_id == site_id, MailSubscription.email_hash == email_hash,
                MailSubscription.confirmed_at.is_(None))
            .values(confirmed_at=now).execution_options(synchronize_session=False)).rowcount


def _pair(value: object) -> tuple[int, str]:
    if (not isinstance(value, list) or len(value) != 2 or not isinstance(value[0], int)
            or not isinstance(value[1], str)):
        raise InvalidInput("mail_link_invalid", field="token")
    return value[0], value[1]


def unsubscribe(session: Session, key: bytes, token: str, now: datetime) -> None:
    """Stop all mail to the token's address, on every site: suppress it, delete its
    subscriptions and cancel its queued mail.  Repeating it changes nothing.

    :raises InvalidInput: ``mail_link_invalid``.
    """
    email_hash = read_link(key, UNSUBSCRIBE, token)
    if not isinstance(email_hash, str):
        raise InvalidInput("mail_link_invalid", field="token")
    with write_transaction(session):
        if session.get(MailSuppression, email_hash) is None:
            session.add(MailSuppression(email_hash=email_hash, created_at=now))
        session.execute(delete(MailSubscription).where(MailSubscription.email_hash == email_hash))
        session.execute(update(MailOutbox).where(
            MailOutbox.to_hash == email_hash, MailOutbox.sent_at.is_(None),
            MailOutbox.failed_at.is_(None))
            .values(failed_at=now, last_error="cancelled: unsubscribed")
            .execution_options(synchronize_session=False))


def notify_published(session: Session, comment_id: int, now: datetime, *,
                     held: bool = True) -> None:
    """Queue the notices a newly published comment causes, inside the publishing transaction.

    :param held: the comment had waited in the queue (its author is told it is published);
        ``False`` at submit under post-moderation (only the parent's subscriber is told).
    """
    row = session.execute(select(Comment.site_id, Comment.parent_id, Comment.reader_id,
                                 Comment.status).where(Comment.id == comment_id)).first()
    if row is None or row.status is not CommentStatus.APPROVED:
        return
    targets = [comment_id] if held else []
    if row.parent_id is not None:
        targets.append(row.parent_id)
    subs = {s.comment_id: s for s in session.execute(select(MailSubscription).where(
        MailSubscription.comment_id.in_(targets),
        MailSubscription.confirmed_at.is_not(None))).scalars()} if targets else {}
    own = subs.get(comment_id)
    if own is not None and held:
        enqueue(session, site_id=row.site_id, kind="published",
                dedupe_key=f"published:{own.id}:{comment_id}",
                to=MailAddress(own.email, own.email_hash), payload={"comment_id": comment_id},
                now=now)
    parent = subs.get(row.parent_id) if row.parent_id is not None else None
    if parent is None or parent.reader_id == row.reader_id:
        return
    reply_hash = session.execute(select(MailSubscription.email_hash).where(
        MailSubscription.comment_id == comment_id)).scalar_one_or_none()
    if reply_hash == parent.email_hash:  # the subscriber answering from another browser
        return
    enqueue(session, site_id=row.site_id, kind="reply",
            dedupe_key=f"reply:{parent.id}:{comment_id}",
            to=MailAddress(parent.email, parent.email_hash),
            payload={"comment_id": comment_id, "parent_id": parent.comment_id}, now=now)


def erase_reader(session: Session, reader_id: str) -> int:
    """Delete the reader's subscriptions and every reader mail to their addresses (queued or
    sent), inside the erasure's transaction (``engage.services.reader_data.erase``).

    :returns: how many subscriptions were deleted.
    """
    hashes = set(session.execute(select(MailSubscription.email_hash).where(
        MailSubscription.reader_id == reader_id)).scalars())
    if not hashes:
        return 0
    deleted = session.execute(delete(MailSubscription).where(
        MailSubscription.reader_id == reader_id)).rowcount
    session.execute(delete(MailOutbox).where(MailOutbox.to_hash.in_(hashes),
                                             MailOutbox.kind.in_(READER_KINDS)))
    return deleted


def reader_addresses(session: Session, reader_id: str) -> list[dict]:
    """The reader's own subscriptions for their data download: ``[{"comment_id", "email",
    "confirmed"}]`` (only ever shown to the reader holding the token)."""
    rows = session.execute(select(MailSubscription).where(
        MailSubscription.reader_id == reader_id).order_by(MailSubscription.id)).scalars()
    return [{"comment_id": s.comment_id, "email": s.email,
             "confirmed": s.confirmed_at is not None} for s in rows]
