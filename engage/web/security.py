"""Request ids and security headers (CSP, nosniff, referrer policy) on every response."""
from __future__ import annotations

import itertools
import os
import re
import secrets

from flask import Flask, g, request
from flask.sessions import SecureCookieSessionInterface

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
BASE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'")


def request_id_from(given: str | None) -> str:
    """The caller's ``X-Request-Id`` when it is a sane token, else a fresh one
    (:func:`new_request_id`)."""
    return given if given and _REQUEST_ID.match(given) else new_request_id()


class RequestIds:
    """Request ids unique across processes and hosts without a syscall per request.

    ``secrets.token_hex`` reads ``os.urandom`` on every call: 2.5 % of a worker's time on the
    conditional GET (py-spy, PostgreSQL, December 2026).  An id only has to be unique, not
    secret (it correlates a response with its log lines), so each process draws 64 random bits
    once (again in a forked child, ``os.register_at_fork``) and counts from there: 16 hex digits
    of prefix and 8 or more of counter.  Two processes collide only if their 64-bit prefixes
    do (birthday bound: about one in 10^8 among half a million processes).
    """

    def __init__(self) -> None:
        self.reset()
        os.register_at_fork(after_in_child=self.reset)

    def reset(self) -> None:
        """A new random prefix and counter (a new process)."""
        self.prefix = secrets.token_hex(8)
        self.counter = itertools.count()  # next() is atomic under the GIL: thread-safe

    def __call__(self) -> str:
        return f"{self.prefix}{next(self.counter):08x}"


new_request_id = RequestIds()


def security_headers(request_id: str, frame_ancestors: str = "'none'") -> list[tuple[str, str]]:
    """The headers every Engage response carries (also used by the WSGI fast path).

    :param frame_ancestors: CSP ``frame-ancestors`` sources; ``'none'`` also sends
        ``X-Frame-Options: DENY`` for old browsers.
    """
    headers = [("Content-Security-Policy", f"{BASE_CSP}; frame-ancestors {frame_ancestors}"),
               ("X-Content-Type-Options", "nosniff"),
               ("Referrer-Policy", "strict-origin-when-cross-origin"),
               ("X-Request-Id", request_id)]
    if frame_ancestors == "'none'":
        headers.append(("X-Frame-Options", "DENY"))
    return headers


def register_security(app: Flask) -> None:
    """Give each request an id and each response its security headers.

    Views that are framed (the widget) set ``g.frame_ancestors``; everything else may not be
    framed at all (``frame-ancestors 'none'``).
    """
    app.session_interface = SessionInterface()

    def _request_id():
        g.request_id = request_id_from(request.headers.get("X-Request-Id"))

    # First of all hooks, so that every error body carries the id (the CSRF check's included).
    app.before_request_funcs.setdefault(None, []).insert(0, _request_id)

    @app.after_request
    def _headers(response):
        for name, value in security_headers(g.get("request_id", ""),
                                            g.get("frame_ancestors") or "'none'"):
            if name == "X-Request-Id":
                response.headers[name] = value
            else:
                response.headers.setdefault(name, value)
        return response


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer built once per secret.

    Flask builds a new ``itsdangerous`` serializer on every request, the API's cookie-less ones
    included (1.5 % of a vote's CPU, py-spy, December 2026).  The serializer holds no
    per-request state, so one per (secret key, fallback keys) serves every request; changing
    the key builds a new one.  Cookies, signing and expiry are Flask's unchanged.
    """

    def __init__(self) -> None:
        self._serializers: dict[tuple, object] = {}

    def get_signing_serializer(self, app: Flask):
        """The serializer Flask would build for ``app``'s current keys (``None`` without one)."""
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            if serializer is not None:
                self._serializers = {keys: serializer}
        return serializer
