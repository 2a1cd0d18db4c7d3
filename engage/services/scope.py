"""Tenant isolation for moderator use cases: the one definition of "the moderator's sites"."""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from engage.domain.errors import InvalidInput, NotFound
from engage.models import Article, Membership, Site
from engage.services.sites import validate_article_key


def moderator_site_ids(moderator_id: int, site_id: int | None = None) -> Select:
    """Subquery of the site ids a moderator may see and act on (only ``site_id`` when given:
    a site the moderator is not a member of then finds nothing).

    Always derived from the moderator's session, never from the request (DESIGN.md §3): every
    moderator query filters with ``… .in_(moderator_site_ids(id))``, so another site's ids
    simply find nothing (404), with no separate permission check to forget.
    """
    query = select(Membership.site_id).where(Membership.moderator_id == moderator_id)
    return query if site_id is None else query.where(Membership.site_id == site_id)


def resolve_site(session: Session, moderator_id: int, slug: str) -> int:
    """The id of the moderator's site with this slug.

    :raises NotFound: ``site_not_found`` when no site of the moderator has it: an unknown slug
        and another tenant's answer alike, so the answer reveals nothing about other sites.
    """
    site_id = session.execute(select(Site.id).where(
        Site.slug == slug, Site.id.in_(moderator_site_ids(moderator_id)))).scalar_one_or_none()
    if site_id is None:
        raise NotFound("site_not_found")
    return site_id


def resolve_article(session: Session, moderator_id: int, key: str,
                    site_id: int | None = None) -> int:
    """The id of the article with this key on the moderator's sites (only ``site_id`` when given).

    :raises InvalidInput: ``article_key_invalid`` for a malformed key; ``article_ambiguous``
        when, without ``site_id``, the key names articles on several of the moderator's sites.
    :raises NotFound: ``article_not_found`` when no article of the moderator's sites has the
        key (another tenant's article answers alike).
    """
    validate_article_key(key)
    ids = session.execute(select(Article.id).where(
        Article.key == key, Article.site_id.in_(moderator_site_ids(moderator_id, site_id)))
        .limit(2)).scalars().all()
    if not ids:
        raise NotFound("article_not_found")
    if len(ids) > 1:
        raise InvalidInput("article_ambiguous", field="article")
    return ids[0]
