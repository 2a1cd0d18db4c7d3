"""Domain errors: each carries a stable ``code`` that the web layer maps to a status and a message."""
from __future__ import annotations

from typing import Any


class EngageError(Exception):
    """Base of every error a use case reports to its caller.

    :param code: stable machine-readable code, e.g. ``"stars_out_of_range"``; the web layer's
        table in ``engage/web/errors.py`` gives its HTTP status and translated message.
    :param params: values for the message (``limit=3000``) and for the client (``field="text"``).
    """

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class InvalidInput(EngageError):
    """The request is well-formed but a value breaks a rule (HTTP 400/422)."""


class NotFound(EngageError):
    """The site, article or comment does not exist for this caller (HTTP 404)."""


class Unauthorized(EngageError):
    """A reader token is missing, malformed or forged (HTTP 401)."""


class Forbidden(EngageError):
    """The action is not allowed in this state: comments or ratings closed (HTTP 403)."""


class Conflict(EngageError):
    """Someone else changed the thing first, e.g. a comment already moderated (HTTP 409)."""


class TooMany(EngageError):
    """A rule-based quota (not the request-rate limiter) is used up, e.g. votes per network (429)."""
