"""Moderator accounts and their site memberships."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, true
from sqlalchemy.orm import Mapped, mapped_column

from engage.extensions import db
from engage.models.types import UTCDateTime, utcnow


class Role(enum.Enum):
    """A moderator's role on one site: ``admin`` also edits the site's settings."""

    MODERATOR = "moderator"
    ADMIN = "admin"


class Moderator(db.Model):
    """A moderator login.  ``session_version`` bumps on logout or password change to revoke sessions."""

    __tablename__ = "moderator"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Where moderator alerts go (issue #11); None: no mail.  Never shown to readers.
    email: Mapped[str | None] = mapped_column(String(254), nullable=True, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Membership(db.Model):
    """That a moderator may act on a site, and with which role."""

    __tablename__ = "membership"

    moderator_id: Mapped[int] = mapped_column(ForeignKey("moderator.id", ondelete="CASCADE"),
                                              primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"),
                                         primary_key=True)
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e],
             validate_strings=True, name="membership_role"), default=Role.MODERATOR)
    # The moderator's alert preferences for this site: the pending-queue digest and the daily
    # summary (mail to ``Moderator.email``; engage.services.mod_alerts).
    alert_digest: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    alert_daily: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
