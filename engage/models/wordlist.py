"""A site's own banned and suspect word-list entries, on top of the shipped defaults."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engage.extensions import db
from engage.models.types import UTCDateTime, utcnow


class WordListKind(enum.Enum):
    """Banned entries reject a comment; suspect entries hold it for a moderator."""

    BANNED = "banned"
    SUSPECT = "suspect"


class SiteWord(db.Model):
    """One entry (syntax of ``config/wordlists/``: syllables, optional trailing ``*``)."""

    __tablename__ = "site_word"
    __table_args__ = (UniqueConstraint("site_id", "kind", "entry", name="uq_site_word_entry"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    kind: Mapped[WordListKind] = mapped_column(
        Enum(WordListKind, native_enum=False, length=16,
             values_callable=lambda e: [m.value for m in e], validate_strings=True,
             name="word_list_kind"))
    entry: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
