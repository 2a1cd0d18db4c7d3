"""Query-string parameters of the public reads, parsed the same way by views and the fast path."""
from __future__ import annotations

from collections.abc import Callable

from engage.domain.errors import InvalidInput


def parse_page_args(get: Callable[[str], str | None], default_limit: int,
                    max_limit: int) -> dict:
    """``sort``, ``cursor`` and ``limit`` for a comment page (limit capped at ``max_limit``).

    :param get: looks a query parameter up (``request.args.get``).
    :raises InvalidInput: ``limit_invalid`` unless the limit is a positive ASCII integer.
    """
    raw = get("limit")
    if raw is None:
        limit = default_limit
    elif raw.isascii() and raw.isdigit() and int(raw) > 0:
        limit = min(int(raw), max_limit)
    else:
        raise InvalidInput("limit_invalid", field="limit")
    return {"sort": get("sort") or "newest", "cursor": get("cursor"), "limit": limit}
