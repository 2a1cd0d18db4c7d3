"""Query-string parameters shared by the workspace pages (and the moderator JSON API that reads
the same filters): one parser each, so every page refuses a bad value the same way."""
from __future__ import annotations

from flask import request

from engage.domain.errors import InvalidInput


def int_arg(name: str) -> int | None:
    """An optional positive integer query parameter (absent or empty: ``None``).

    Ids beyond the database's integer range are returned as read: the scope check
    (``check_scope``) answers them as unknown (404), like any id the moderator cannot see.

    :raises InvalidInput: ``param_invalid`` when present but not 1–12 ASCII digits.
    """
    raw = request.args.get(name, "")
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 12):
        raise InvalidInput("param_invalid", field=name)
    return int(raw)
