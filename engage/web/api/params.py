"""Query-string parameters of the public reads, parsed the same way by views and the fast path."""
from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs

from engage.domain.errors import InvalidInput
from engage.services.keyset import SORTS


HUGE = 10**18


def ascii_int(raw: str) -> int | None:
    """The value of an ASCII decimal string, or ``None`` if it is not one.

    Any number of digits is read; beyond 10**18 the value is 10**18 (a page limit is capped
    and an id that large names nothing anyway), so Python's 4,300-digit ``int()`` limit never
    turns a long query parameter into a 500.
    """
    if not (raw.isascii() and raw.isdigit()):
        return None
    digits = raw.lstrip("0")
    return HUGE if len(digits) > 18 else int(digits or "0")


def parse_page_args(get: Callable[[str], str | None], default_limit: int,
                    max_limit: int) -> dict:
    """``sort``, ``cursor`` and ``limit`` for a comment page (limit capped at ``max_limit``).

    :param get: looks a query parameter up (``request.args.get``).
    :raises InvalidInput: ``limit_invalid`` unless the limit is a positive ASCII integer;
        ``sort_invalid`` for an unknown sort — checked here, before any conditional GET, so a
        bad request never answers 304 (found by schemathesis).
    """
    sort = get("sort") or "newest"
    if sort not in SORTS:
        raise InvalidInput("sort_invalid", field="sort")
    raw = get("limit")
    value = None if raw is None else ascii_int(raw)
    if raw is None:
        limit = default_limit
    elif value:
        limit = min(value, max_limit)
    else:
        raise InvalidInput("limit_invalid", field="limit")
    return {"sort": sort, "cursor": get("cursor"), "limit": limit}


def strict_query_value(query_string: bytes, name: str, code: str) -> str | None:
    """The values of ``name`` in the raw query string, percent-decoded as strict UTF-8 and
    joined with commas (``None`` when absent): ``?articles=a&articles=b,c`` reads as
    ``"a,b,c"``, so a list given as repeated parameters (OpenAPI's ``explode``, what
    ``URLSearchParams.append`` builds) loses no value.

    Werkzeug keeps undecodable bytes as their ``%XX`` escapes, so ``?articles=%ED%A0%80`` (a
    lone surrogate's bytes) read as the key ``"%ED%A0%80"``, which looks valid, while the same
    bytes in a path decode to U+FFFD and are refused.  This reads the bytes themselves.

    :raises InvalidInput: ``code`` (``field=name``) when a value is not valid UTF-8.
    """
    try:
        values = parse_qs(query_string.decode("latin-1"), keep_blank_values=True,
                          encoding="utf-8", errors="strict").get(name)
    except UnicodeDecodeError:
        raise InvalidInput(code, field=name) from None
    return ",".join(values) if values else None
