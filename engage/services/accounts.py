"""Moderator accounts: create, authenticate, revoke sessions."""
from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engage.domain.errors import InvalidInput
from engage.models import Membership, Moderator, Role, Site
from engage.services.tx import write_transaction

_hasher = PasswordHasher()  # argon2id, RFC 9106 second recommended parameter set (argon2-cffi)
# Verified against when the username is unknown, so both failures cost the same time.
_DUMMY_HASH = _hasher.hash("engage-dummy-password")
MIN_PASSWORD_CHARS = 10


def create_moderator(session: Session, username: str, password: str, display_name: str,
                     site_slugs: list[str], role: Role = Role.MODERATOR) -> Moderator:
    """Create a moderator with an argon2id password hash and memberships on the given sites.

    :raises InvalidInput: ``username_invalid``, ``password_too_short``, ``moderator_exists``,
        ``site_not_found``.
    """
    if not username or len(username) > 64 or not username.isascii() or not username.isprintable():
        raise InvalidInput("username_invalid", field="username")
    if len(password) < MIN_PASSWORD_CHARS:
        raise InvalidInput("password_too_short", field="password", limit=MIN_PASSWORD_CHARS)
    with write_transaction(session):
        if session.execute(select(Moderator.id).where(Moderator.username == username)).first():
            raise InvalidInput("moderator_exists", field="username")
        moderator = Moderator(username=username, display_name=display_name or username,
                              password_hash=_hasher.hash(password))
        session.add(moderator)
        session.flush()
        for slug in site_slugs:
            site = session.execute(select(Site).where(Site.slug == slug)).scalar_one_or_none()
            if site is None:
                raise InvalidInput("site_not_found", field="site")
            session.add(Membership(moderator_id=moderator.id, site_id=site.id, role=role))
    return moderator


def hash_password(password: str) -> str:
    """The argon2id hash stored for a new password."""
    return _hasher.hash(password)


def authenticate(session: Session, username: str, password: str) -> Moderator | None:
    """Return the active moderator whose password matches, else ``None`` (same cost either way)."""
    moderator = session.execute(
        select(Moderator).where(Moderator.username == username)).scalar_one_or_none()
    try:
        _hasher.verify(moderator.password_hash if moderator else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if moderator is None or not moderator.active:
        return None
    return moderator


def revoke_sessions(session: Session, moderator_id: int) -> None:
    """Invalidate every existing login of the moderator (logout, password change)."""
    with write_transaction(session):
        session.execute(update(Moderator).where(Moderator.id == moderator_id)
                        .values(session_version=Moderator.session_version + 1))


def generate_password() -> str:
    """A random 16-character password for generated accounts (demo, first admin)."""
    return secrets.token_urlsafe(12)


def change_password(session: Session, moderator_id: int, current: str, new: str) -> Moderator:
    """Set a new password after checking the current one; every existing session is revoked
    (``session_version`` bumps), so a stolen cookie stops working.

    :returns: the moderator with the new ``session_version`` (to log the caller back in).
    :raises InvalidInput: ``password_wrong``, ``password_too_short``, ``password_unchanged``.
    """
    if len(new) < MIN_PASSWORD_CHARS:
        raise InvalidInput("password_too_short", field="new_password", limit=MIN_PASSWORD_CHARS)
    with write_transaction(session):
        moderator = session.execute(select(Moderator).where(
            Moderator.id == moderator_id)).scalar_one()
        try:
            _hasher.verify(moderator.password_hash, current)
        except (VerificationError, InvalidHashError):
            raise InvalidInput("password_wrong", field="current_password") from None
        if current == new:
            raise InvalidInput("password_unchanged", field="new_password")
        moderator.password_hash = _hasher.hash(new)
        moderator.session_version = Moderator.session_version + 1
    session.refresh(moderator)
    return moderator
