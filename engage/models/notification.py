"""Mail: readers' reply-notice subscriptions, unsubscribed addresses and the mail outbox."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engage.extensions import db
from engage.models.types import UTCDateTime, utcnow


class MailSubscription(db.Model):
    """A reader's wish to hear about one comment of theirs: when it is published and when a
    published reply answers it (issue #11 part 2).

    ``email`` is the normalised address (never shown, never exported to anyone but the reader
    themself); ``email_hash`` is its keyed hash (``engage.domain.mail.address_hash``), what
    confirmation, suppression and erasure look it up by.  Nothing is sent before
    ``confirmed_at`` is set by the signed link of the confirmation mail (double opt-in).
    """

    __tablename__ = "mail_subscription"
    __table_args__ = (Index("ix_mail_subscription_site_hash", "site_id", "email_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"),
                                            unique=True)
    reader_id: Mapped[str] = mapped_column(String(32), index=True)
    email: Mapped[str] = mapped_column(String(254))
    email_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class MailSuppression(db.Model):
    """An address that unsubscribed: no mail of any kind goes to it again.  Only the keyed
    hash is kept, so the list itself reveals no address."""

    __tablename__ = "mail_suppression"

    email_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MailOutbox(db.Model):
    """One mail to send, written in the transaction of the event it reports (transactional
    outbox) and sent by ``engage send-mail`` outside any request.

    ``dedupe_key`` is unique: one row per (recipient, event), so the same notice is never
    queued twice.  ``kind`` says which template composes it, at send time, from ``payload``.
    ``sent_at`` or ``failed_at`` ends a row's life (``last_error`` says why it failed or was
    cancelled); until then ``next_attempt_at`` says when to try (or retry) it.
    """

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_due", "sent_at", "failed_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    to_address: Mapped[str] = mapped_column(String(254))
    to_hash: Mapped[str] = mapped_column(String(64), index=True)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(String(500), default="", server_default="")
