"""URL converters shared by the blueprints."""
from __future__ import annotations

from werkzeug.routing import BaseConverter

ID_MAX = 2**31 - 1  # PostgreSQL ``integer``; SQLite would take more, but ids are issued alike


class IdConverter(BaseConverter):
    """A row id in a path: 1–30 ASCII digits; beyond :data:`ID_MAX` it becomes 0, which names
    no row, so the view answers its own 404 instead of overflowing PostgreSQL's integer.

    Werkzeug's ``int(max=…)`` refuses such ids at routing, and with several methods on one rule
    it then answered 405 naming only some of them (found by schemathesis); ``[0-9]`` because
    ``\\d`` would also match other scripts' digits, which ``int()`` accepts.
    """

    regex = r"[0-9]{1,30}"
    part_isolating = True

    def to_python(self, value: str) -> int:
        number = int(value)
        return number if number <= ID_MAX else 0

    def to_url(self, value: int) -> str:
        return str(int(value))
