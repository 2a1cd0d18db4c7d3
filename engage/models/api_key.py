"""Per-site API keys for a newsroom's CMS: only a SHA-256 hash of each key is stored."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engage.extensions import db
from engage.models.types import UTCDateTime, utcnow


class SiteApiKey(db.Model):
    """A key acting as its own moderator account (``moderator_id``: a member of one site only),
    so the JSON moderator API scopes and audits it like a person.  The key is 32 random bytes,
    shown once; a SHA-256 of a high-entropy secret is enough at rest (no password stretching)."""

    __tablename__ = "site_api_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    moderator_id: Mapped[int] = mapped_column(ForeignKey("moderator.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
