"""A moderator's alert preferences: the address alerts go to and, per site, the digest and
daily-summary switches (issue #11 part 1; sent by ``engage.services.mod_alerts``)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engage.domain.errors import NotFound
from engage.domain.mail import normalise_address
from engage.models import Membership, Moderator, Site
from engage.services.tx import write_transaction


@dataclass(frozen=True)
class SiteAlerts:
    """One membership's switches, with the site's id, slug and name."""

    site_id: int
    slug: str
    name: str
    digest: bool
    daily: bool


def my_alerts(session: Session, moderator_id: int) -> tuple[str, list[SiteAlerts]]:
    """The moderator's alert address ("" when none) and their switches on each of their sites."""
    email = session.execute(select(Moderator.email).where(
        Moderator.id == moderator_id)).scalar_one_or_none() or ""
    rows = session.execute(
        select(Site.id, Site.slug, Site.name, Membership.alert_digest, Membership.alert_daily)
        .join(Membership, Membership.site_id == Site.id)
        .where(Membership.moderator_id == moderator_id).order_by(Site.name)).all()
    return email, [SiteAlerts(*r) for r in rows]


def save_alerts(session: Session, moderator_id: int, email: str, digest_sites: set[int],
                daily_sites: set[int], key: bytes) -> None:
    """Store the address (validated; "" removes it) and the switches of every one of the
    moderator's sites (sites not named are switched off; others' site ids are ignored).

    :raises InvalidInput: ``email_invalid``.
    """
    address = normalise_address(email, key).address if email.strip() else None
    with write_transaction(session):
        moderator = session.get(Moderator, moderator_id)
        if moderator is None:
            raise NotFound("moderator_not_found")
        moderator.email = address
        for membership in session.execute(select(Membership).where(
                Membership.moderator_id == moderator_id)).scalars():
            membership.alert_digest = membership.site_id in digest_sites
            membership.alert_daily = membership.site_id in daily_sites


def set_alerts(session: Session, username: str, *, email: str | None, site_slug: str | None,
               digest: bool | None, daily: bool | None, key: bytes) -> None:
    """The command-line form: change only what is given.

    :raises NotFound: ``moderator_not_found``, ``member_not_found`` (not a member of the site).
    :raises InvalidInput: ``email_invalid``.
    """
    address = (normalise_address(email, key).address if email and email.strip() else None)
    with write_transaction(session):
        moderator = session.execute(select(Moderator).where(
            Moderator.username == username)).scalar_one_or_none()
        if moderator is None:
            raise NotFound("moderator_not_found")
        if email is not None:
            moderator.email = address
        if site_slug is None:
            return
        membership = session.execute(select(Membership).join(Site, Site.id == Membership.site_id)
                                     .where(Membership.moderator_id == moderator.id,
                                            Site.slug == site_slug)).scalar_one_or_none()
        if membership is None:
            raise NotFound("member_not_found")
        if digest is not None:
            membership.alert_digest = digest
        if daily is not None:
            membership.alert_daily = daily
