"""Request claims: the first answer to a comment POST, replayed to its retries and doubles."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engage.extensions import db
from engage.models.types import UTCDateTime, utcnow


class ClaimScope(enum.Enum):
    """What a claim's ``key`` is: the client's ``Idempotency-Key``, or a hash of the text."""

    KEY = "key"
    TEXT = "text"


class RequestClaim(db.Model):
    """One reader's claim on a key until ``expires_at``, and the comment it produced.

    The unique constraint on (reader, scope, key) is what makes two identical requests sent at
    once produce one comment: the second insert waits for the first transaction and then finds
    its row (no check-then-insert).  ``request_hash`` tells a retry (same hash) from a reuse of
    the key for another request.
    """

    __tablename__ = "request_claim"
    __table_args__ = (
        UniqueConstraint("reader_id", "scope", "key", name="uq_request_claim_reader_scope_key"),
        Index("ix_request_claim_expires_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reader_id: Mapped[str] = mapped_column(String(32))
    scope: Mapped[ClaimScope] = mapped_column(
        Enum(ClaimScope, native_enum=False, length=8, values_callable=lambda e: [m.value for m in e],
             validate_strings=True, name="claim_scope"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"), nullable=True, index=True)
    # The first answer's comment status ("pending", "approved", …): replayed verbatim.
    comment_status: Mapped[str] = mapped_column(String(16), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
