"""Query-string parameters shared by the workspace pages (and the moderator JSON API that reads
the same filters): one parser each, so every page refuses a bad value the same way."""
from __future__ import annotations

from flask import request

from engage.domain.errors import InvalidInput
from engage.extensions import db
from engage.services.moderation_queue import ORDERS, check_scope
from engage.services.scope import resolve_article, resolve_site
from engage.services.sites import SLUG_RE

# Day windows (the dashboard's ``days``), as the public top-rated list and the assistant's
# agreement: 1..365, anything else answers 422 ``days_invalid`` rather than being clamped.
MAX_DAYS = 365


def _digits(raw: str) -> bool:
    return raw.isascii() and raw.isdigit()


def int_arg(name: str) -> int | None:
    """An optional positive integer query parameter (absent or empty: ``None``).

    Ids beyond the database's integer range are returned as read: the scope check
    (``check_scope``) answers them as unknown (404), like any id the moderator cannot see.

    :raises InvalidInput: ``param_invalid`` when present but not 1–12 ASCII digits.
    """
    raw = request.args.get(name, "")
    if not raw:
        return None
    if not (_digits(raw) and len(raw) <= 12):
        raise InvalidInput("param_invalid", field=name)
    return int(raw)


def site_arg(moderator_id: int, name: str = "site") -> int | None:
    """An optional site filter: its id (all digits) or its slug (what queue items and audit
    rows report as ``site``), as the id of one of the moderator's sites.

    An all-digit value is always read as an id, even if some site's slug is all digits.

    :raises InvalidInput: ``param_invalid`` when neither an id nor a well-formed slug.
    :raises NotFound: ``site_not_found`` for an unknown site or another tenant's (the same
        answer for both, so it reveals nothing).
    """
    raw = request.args.get(name, "")
    if not raw:
        return None
    if _digits(raw):
        site_id = int_arg(name)
        check_scope(db.session, moderator_id, site_id=site_id)
        return site_id
    if not SLUG_RE.match(raw):
        raise InvalidInput("param_invalid", field=name)
    return resolve_site(db.session, moderator_id, raw)


def article_arg(moderator_id: int, site_id: int | None) -> int | None:
    """An optional article filter: its id (all digits) or its key, looked up among the
    moderator's sites, or only in ``site_id`` when the site filter is given.

    An all-digit value is always read as an id (as before keys were accepted): an article
    whose key is all digits is filtered by its id, which queue items report next to the key.

    :raises InvalidInput: ``param_invalid`` (over-long id), ``article_key_invalid``,
        ``article_ambiguous`` (a key on several of the moderator's sites and no ``site``).
    :raises NotFound: ``article_not_found`` for an unknown key or another tenant's article
        (alike), rather than an empty queue that would look like "nothing to review".
    """
    raw = request.args.get("article", "")
    if not raw:
        return None
    if _digits(raw):
        return int_arg("article")
    return resolve_article(db.session, moderator_id, raw, site_id)


def order_arg(default: str = "oldest") -> str:
    """The queue order from ``order``, or from ``sort`` (the public API's name for it).

    :raises InvalidInput: ``sort_invalid`` (with the ``field`` at fault) for a value that is
        not one of :data:`~engage.services.moderation_queue.ORDERS`, or when ``order`` and
        ``sort`` are both given and disagree.
    """
    order, sort = request.args.get("order", ""), request.args.get("sort", "")
    if sort and sort not in ORDERS:
        raise InvalidInput("sort_invalid", field="sort")
    if order and sort and order != sort:
        raise InvalidInput("sort_invalid", field="sort")
    return order or sort or default


def limit_arg(default: int, maximum: int) -> int:
    """The page size from ``limit``: 1..``maximum``; absent or empty: ``default``.

    Out of range answers 422 rather than being clamped, as the moderator API always has (a
    script asking for 1,000 rows learns it gets at most ``maximum``, not silently fewer).

    :raises InvalidInput: ``limit_invalid``.
    """
    raw = request.args.get("limit", "")
    if not raw:
        return default
    if not (_digits(raw) and len(raw) <= 6 and 0 < int(raw) <= maximum):
        raise InvalidInput("limit_invalid", field="limit", limit=maximum)
    return int(raw)


def days_arg(default: int) -> int:
    """A day window from ``days``: 1..:data:`MAX_DAYS`; absent or empty: ``default``.

    :raises InvalidInput: ``days_invalid`` otherwise (not clamped, as the public top-rated
        list's ``days``).
    """
    raw = request.args.get("days", "")
    if not raw:
        return default
    if not (_digits(raw) and len(raw) <= 3 and 0 < int(raw) <= MAX_DAYS):
        raise InvalidInput("days_invalid", field="days")
    return int(raw)
