"""Bans: a reader token or an IP network barred from commenting, for a time or for good."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engage.extensions import db
from engage.models.types import UTCDateTime, utcnow


class BanScope(enum.Enum):
    """What a ban matches: the reader token's id, or the hashed IP network."""

    READER = "reader"
    NETWORK = "network"


class Ban(db.Model):
    """One ban on one site.  ``until`` is ``None`` for a permanent ban."""

    __tablename__ = "ban"
    __table_args__ = (Index("ix_ban_site_scope_value", "site_id", "scope", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    scope: Mapped[BanScope] = mapped_column(
        Enum(BanScope, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e],
             validate_strings=True, name="ban_scope"))
    # The reader id or the network hash (never a raw IP).
    value: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(500), default="")
    moderator_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderator.id", ondelete="SET NULL"), nullable=True)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
