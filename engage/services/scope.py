"""Tenant isolation for moderator use cases: the one definition of "the moderator's sites"."""
from __future__ import annotations

from sqlalchemy import Select, select

from engage.models import Membership


def moderator_site_ids(moderator_id: int) -> Select:
    """Subquery of the site ids a moderator may see and act on.

    Always derived from the moderator's session, never from the request (DESIGN.md §3): every
    moderator query filters with ``… .in_(moderator_site_ids(id))``, so another site's ids
    simply find nothing (404), with no separate permission check to forget.
    """
    return select(Membership.site_id).where(Membership.moderator_id == moderator_id)
