"""Moderator accounts of a site, managed by its admins: list, add, create, change role, remove.

Access is :func:`~engage.services.site_settings.admin_site`'s: another site's ids are unknown
(404), a plain moderator is refused (403).  An admin never removes or demotes themselves, and
a site never loses its last admin.  Access ends with the membership row: every moderator query
is scoped by :func:`~engage.services.scope.moderator_site_ids` at query time.
"""
from __future__ import annotations

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from engage.domain.errors import Forbidden, InvalidInput, NotFound
from engage.models import Membership, Moderator, Role
from engage.services.accounts import MIN_PASSWORD_CHARS, hash_password
from engage.services.site_settings import admin_site
from engage.services.tx import write_transaction

USERNAME_MAX_CHARS = 64
DISPLAY_NAME_MAX_CHARS = 100


def members(session: Session, moderator_id: int, site_id: int) -> list[tuple[Moderator, Role]]:
    """The site's members with their roles, by username.

    :raises NotFound, Forbidden: as :func:`admin_site`.
    """
    admin_site(session, moderator_id, site_id)
    return [(m, r) for m, r in session.execute(
        select(Moderator, Membership.role).join(Membership, Membership.moderator_id == Moderator.id)
        .where(Membership.site_id == site_id).order_by(Moderator.username))]


def add_member(session: Session, admin: Moderator, site_id: int, username: str,
               role: Role) -> Moderator:
    """Give an existing moderator access to the site with ``role``.

    :raises InvalidInput: ``moderator_unknown``, ``member_exists`` (field ``username``).
    """
    with write_transaction(session):
        admin_site(session, admin.id, site_id)
        moderator = session.execute(select(Moderator).where(
            Moderator.username == username.strip())).scalar_one_or_none()
        if moderator is None:
            raise InvalidInput("moderator_unknown", field="username")
        if _role(session, site_id, moderator.id) is not None:
            raise InvalidInput("member_exists", field="username")
        session.add(Membership(moderator_id=moderator.id, site_id=site_id, role=role))
    return moderator


def create_member(session: Session, admin: Moderator, site_id: int, username: str,
                  display_name: str, password: str, role: Role) -> Moderator:
    """Create a moderator account (argon2id hash) that is a member of the site only.

    :raises InvalidInput: ``username_invalid``, ``display_name_invalid``, ``password_too_short``,
        ``moderator_exists``.
    """
    username, display_name = username.strip(), " ".join(display_name.split())
    if (not username or len(username) > USERNAME_MAX_CHARS or not username.isascii()
            or not username.isprintable() or " " in username):
        raise InvalidInput("username_invalid", field="username", limit=USERNAME_MAX_CHARS)
    if not display_name or len(display_name) > DISPLAY_NAME_MAX_CHARS:
        raise InvalidInput("display_name_invalid", field="display_name",
                           limit=DISPLAY_NAME_MAX_CHARS)
    if len(password) < MIN_PASSWORD_CHARS:
        raise InvalidInput("password_too_short", field="password", limit=MIN_PASSWORD_CHARS)
    password_hash = hash_password(password)  # slow: hashed before the write lock is taken
    with write_transaction(session):
        admin_site(session, admin.id, site_id)
        if session.execute(select(Moderator.id).where(Moderator.username == username)).first():
            raise InvalidInput("moderator_exists", field="username")
        moderator = Moderator(username=username, display_name=display_name,
                              password_hash=password_hash)
        session.add(moderator)
        session.flush()
        session.add(Membership(moderator_id=moderator.id, site_id=site_id, role=role))
    return moderator


def set_role(session: Session, admin: Moderator, site_id: int, member_id: int,
             role: Role) -> None:
    """Change a member's role on the site.

    :raises NotFound: ``member_not_found`` (also a member of another site only).
    :raises Forbidden: ``member_self`` (demoting oneself), ``last_admin``.
    """
    with write_transaction(session):
        admin_site(session, admin.id, site_id)
        current = _member_role(session, site_id, member_id)
        if current is role:
            return
        _check_may_drop_admin(session, admin, site_id, member_id, current)
        session.execute(update(Membership).where(
            Membership.site_id == site_id, Membership.moderator_id == member_id).values(role=role))


def remove_member(session: Session, admin: Moderator, site_id: int, member_id: int) -> None:
    """End a member's access to the site; with no site left, their sessions are revoked too.

    :raises NotFound: ``member_not_found``.
    :raises Forbidden: ``member_self``, ``last_admin``.
    """
    with write_transaction(session):
        admin_site(session, admin.id, site_id)
        current = _member_role(session, site_id, member_id)
        _check_may_drop_admin(session, admin, site_id, member_id, current)
        session.execute(delete(Membership).where(
            Membership.site_id == site_id, Membership.moderator_id == member_id))
        if not session.execute(select(Membership.site_id).where(
                Membership.moderator_id == member_id)).first():
            session.execute(update(Moderator).where(Moderator.id == member_id)
                            .values(session_version=Moderator.session_version + 1))


def _role(session: Session, site_id: int, moderator_id: int) -> Role | None:
    return session.execute(select(Membership.role).where(
        Membership.site_id == site_id, Membership.moderator_id == moderator_id)).scalar()


def _member_role(session: Session, site_id: int, member_id: int) -> Role:
    role = _role(session, site_id, member_id) if 0 < member_id < 2**31 else None
    if role is None:
        raise NotFound("member_not_found")
    return role


def _check_may_drop_admin(session: Session, admin: Moderator, site_id: int, member_id: int,
                          current: Role) -> None:
    """Refuse changes to oneself and the loss of the site's last admin."""
    if member_id == admin.id:
        raise Forbidden("member_self")
    if current is Role.ADMIN:
        admins = session.execute(select(func.count()).select_from(Membership).where(
            Membership.site_id == site_id, Membership.role == Role.ADMIN)).scalar_one()
        if admins <= 1:
            raise Forbidden("last_admin")
