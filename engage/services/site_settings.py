"""Site administration for site admins: moderation settings and the site's own word lists.

Only a moderator whose membership on the site has the ``admin`` role may use these; another
site's ids are unknown (404) and a plain moderator of the site is refused (403).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from engage.domain.errors import Forbidden, InvalidInput, NotFound
from engage.domain.moderation.entries import term_keys
from engage.domain.moderation.matcher import Match
from engage.models import Membership, Moderator, Role, Site, SiteWord, WordListKind
from engage.services.moderation_facts import site_matcher
from engage.services.tx import write_transaction

ENTRY_MAX_CHARS = 200
TEST_TEXT_MAX_CHARS = 3000


@dataclass(frozen=True)
class Settings:
    """The editable moderation settings of a site (see ``engage.models.site.Site``).

    Bounds: ``auto_close_days`` None or 1..3650; ``first_n_hold`` 0..100; ``link_limit`` None
    or 0..50; ``report_threshold`` 0..1000 (0: reports never withhold on their own);
    the moderator alert thresholds ``alert_pending`` 0..100000 comments and
    ``alert_oldest_minutes`` 0..10080 (0: off; ``None``: left as they are).
    """

    premoderation: bool
    auto_close_days: int | None
    first_n_hold: int
    link_limit: int | None
    report_threshold: int
    alert_pending: int | None = None
    alert_oldest_minutes: int | None = None

    def check(self) -> None:
        """:raises InvalidInput: ``setting_out_of_range`` naming the field."""
        bounds = {"auto_close_days": (1, 3650, True), "first_n_hold": (0, 100, False),
                  "link_limit": (0, 50, True), "report_threshold": (0, 1000, False),
                  "alert_pending": (0, 100_000, True), "alert_oldest_minutes": (0, 10_080, True)}
        for name, (low, high, nullable) in bounds.items():
            value = getattr(self, name)
            if value is None and nullable:
                continue
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise InvalidInput("setting_out_of_range", field=name, low=low, high=high)


def admin_site(session: Session, moderator_id: int, site_id: int) -> Site:
    """The site, if the moderator administers it.

    :raises NotFound: ``site_not_found`` (not one of the moderator's sites, or no such id).
    :raises Forbidden: ``admin_required`` (a member, but not an admin).
    """
    if not 0 < site_id < 2**31:
        raise NotFound("site_not_found")
    row = session.execute(select(Site, Membership.role).join(
        Membership, Membership.site_id == Site.id).where(
        Site.id == site_id, Membership.moderator_id == moderator_id)).first()
    if row is None:
        raise NotFound("site_not_found")
    if row[1] is not Role.ADMIN:
        raise Forbidden("admin_required")
    return row[0]


def admin_sites(session: Session, moderator_id: int) -> list[Site]:
    """The sites the moderator administers, by name."""
    return list(session.execute(select(Site).join(Membership, Membership.site_id == Site.id)
                                .where(Membership.moderator_id == moderator_id,
                                       Membership.role == Role.ADMIN)
                                .order_by(Site.name)).scalars())


def update_settings(session: Session, moderator: Moderator, site_id: int,
                    settings: Settings) -> None:
    """Store the site's moderation settings (one transaction).

    :raises NotFound, Forbidden: as :func:`admin_site`.
    :raises InvalidInput: as :meth:`Settings.check`.
    """
    settings.check()
    with write_transaction(session):
        admin_site(session, moderator.id, site_id)
        session.execute(update(Site).where(Site.id == site_id).values(
            premoderation=settings.premoderation, auto_close_days=settings.auto_close_days,
            first_n_hold=settings.first_n_hold, link_limit=settings.link_limit,
            report_threshold=settings.report_threshold,
            **{name: getattr(settings, name) for name in ("alert_pending", "alert_oldest_minutes")
               if getattr(settings, name) is not None}))


def words(session: Session, moderator_id: int, site_id: int) -> list[SiteWord]:
    """The site's own entries, banned first, then alphabetically."""
    admin_site(session, moderator_id, site_id)
    return list(session.execute(select(SiteWord).where(SiteWord.site_id == site_id)
                                .order_by(SiteWord.kind, SiteWord.entry)).scalars())


def add_word(session: Session, moderator: Moderator, site_id: int, kind: WordListKind,
             entry: str) -> None:
    """Add an entry (syntax of ``config/wordlists/``) and bump the site's ``wordlist_version``
    so every process's cached matcher is rebuilt on its next use.

    :raises InvalidInput: ``entry_invalid`` (empty, too long, or a single letter once
        normalised: :func:`~engage.domain.moderation.entries.term_keys`), ``entry_exists``.
    """
    entry = " ".join(entry.split())
    if not entry or len(entry) > ENTRY_MAX_CHARS or term_keys(entry) is None:
        raise InvalidInput("entry_invalid", field="entry")
    with write_transaction(session):
        admin_site(session, moderator.id, site_id)
        if session.execute(select(SiteWord.id).where(
                SiteWord.site_id == site_id, SiteWord.kind == kind,
                SiteWord.entry == entry)).first():
            raise InvalidInput("entry_exists", field="entry")
        session.add(SiteWord(site_id=site_id, kind=kind, entry=entry))
        _bump(session, site_id)


def remove_word(session: Session, moderator: Moderator, site_id: int, word_id: int) -> None:
    """Remove an entry of the site; bump ``wordlist_version``.

    :raises NotFound: ``word_not_found`` (also another site's entry).
    """
    with write_transaction(session):
        admin_site(session, moderator.id, site_id)
        removed = session.execute(delete(SiteWord).where(
            SiteWord.id == word_id, SiteWord.site_id == site_id)).rowcount \
            if 0 < word_id < 2**31 else 0
        if not removed:
            raise NotFound("word_not_found")
        _bump(session, site_id)


def _bump(session: Session, site_id: int) -> None:
    session.execute(update(Site).where(Site.id == site_id)
                    .values(wordlist_version=Site.wordlist_version + 1))


def try_sentence(session: Session, moderator_id: int, site_id: int,
                 text: str) -> tuple[list[Match], list[Match]]:
    """Run the site's current matcher (shipped lists + its own) over a sentence.

    :returns: ``(banned, suspect)`` matches with code-point spans into ``text``.
    :raises InvalidInput: ``text_too_long`` (over 3000 characters).
    """
    if len(text) > TEST_TEXT_MAX_CHARS:
        raise InvalidInput("text_too_long", field="text", limit=TEST_TEXT_MAX_CHARS)
    site = admin_site(session, moderator_id, site_id)
    matcher = site_matcher(session.connection, site.id, site.wordlist_version)
    return matcher.banned(text), matcher.suspect(text)
