"""Reader: an anonymous reader token's id, as issued."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from engage.extensions import db
from engage.models.types import UTCDateTime, utcnow


class Reader(db.Model):
    """One issued reader token (the id part; the signature is never stored)."""

    __tablename__ = "reader"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    network_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
