"""Tenant isolation for moderator use cases: the one definition of "the moderator's sites"."""
from __future__ import annotations

from sqlalchemy import Select, select

from engage.models import Membership


def moderator_site_ids(moderator_id: int, site_id: int | None = None) -> Select:
    """Subquery of the site ids a moderator may see and act on (only ``site_id`` when given:
    a site the moderator is not a member of then finds nothing).

    Always derived from the moderator's session, never from the request (DESIGN.md §3): every
    moderator query filters with ``… .in_(moderator_site_ids(id))``, so another site's ids
    simply find nothing (404), with no separate permission check to forget.
    """
    query = select(Membership.site_id).where(Membership.moderator_id == moderator_id)
    return query if site_id is None else query.where(Membership.site_id == site_id)
