"""Per-site API keys for the JSON moderator API: create (shown once), list, revoke, resolve.

Each key acts as its own moderator account, a member of its one site only, so every scoped
query and audit row treats it like a person (its display name says "API: <name>").
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engage.domain.errors import InvalidInput, NotFound
from engage.models import Membership, Moderator, Role, SiteApiKey
from engage.services.accounts import _hasher
from engage.services.site_settings import admin_site
from engage.services.tx import write_transaction

PREFIX = "ek_"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(session: Session, admin: Moderator, site_id: int, name: str,
               now: datetime) -> str:
    """Create a key for the site; return it (the only time it is ever shown).

    :raises NotFound, Forbidden: as :func:`~engage.services.site_settings.admin_site`.
    :raises InvalidInput: ``name_invalid`` (empty or over 100 characters).
    """
    name = " ".join(name.split())
    if not name or len(name) > 100:
        raise InvalidInput("name_invalid", field="name")
    key = PREFIX + secrets.token_urlsafe(32)
    with write_transaction(session):
        admin_site(session, admin.id, site_id)
        bot = Moderator(username=f"api-{site_id}-{secrets.token_hex(6)}",
                        display_name=f"API: {name}"[:100],
                        password_hash=_hasher.hash(secrets.token_urlsafe(32)), created_at=now)
        session.add(bot)
        session.flush()
        session.add(Membership(moderator_id=bot.id, site_id=site_id, role=Role.MODERATOR))
        session.add(SiteApiKey(site_id=site_id, moderator_id=bot.id, name=name,
                               key_hash=_digest(key), created_at=now))
    return key


def list_keys(session: Session, admin_id: int, site_id: int) -> list[SiteApiKey]:
    """The site's keys (never the keys themselves), newest first."""
    admin_site(session, admin_id, site_id)
    return list(session.execute(select(SiteApiKey).where(SiteApiKey.site_id == site_id)
                                .order_by(SiteApiKey.id.desc())).scalars())


def revoke_key(session: Session, admin: Moderator, site_id: int, key_id: int) -> None:
    """Delete the key and deactivate its account (its audit rows keep the name).

    :raises NotFound: ``key_not_found`` (also another site's key).
    """
    with write_transaction(session):
        admin_site(session, admin.id, site_id)
        row = session.execute(select(SiteApiKey).where(
            SiteApiKey.id == key_id, SiteApiKey.site_id == site_id)).scalar_one_or_none() \
            if 0 < key_id < 2**31 else None
        if row is None:
            raise NotFound("key_not_found")
        session.execute(update(Moderator).where(Moderator.id == row.moderator_id)
                        .values(active=False, session_version=Moderator.session_version + 1))
        session.delete(row)


def moderator_for_key(session: Session, key: str) -> Moderator | None:
    """The active account a presented key acts as, or ``None`` for an unknown/revoked key."""
    if not key.startswith(PREFIX) or len(key) > 200:
        return None
    return session.execute(select(Moderator).join(
        SiteApiKey, SiteApiKey.moderator_id == Moderator.id).where(
        SiteApiKey.key_hash == _digest(key), Moderator.active.is_(True))).scalar_one_or_none()
