"""Request ids and security headers (CSP, nosniff, referrer policy) on every response."""
from __future__ import annotations

import re
import secrets

from flask import Flask, g, request

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
BASE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'")


def register_security(app: Flask) -> None:
    """Give each request an id and each response its security headers.

    Views that are framed (the widget) set ``g.frame_ancestors``; everything else may not be
    framed at all (``frame-ancestors 'none'``).
    """

    @app.before_request
    def _request_id():
        given = request.headers.get("X-Request-Id", "")
        g.request_id = given if _REQUEST_ID.match(given) else secrets.token_hex(8)

    @app.after_request
    def _headers(response):
        ancestors = g.get("frame_ancestors") or "'none'"
        response.headers.setdefault("Content-Security-Policy",
                                    f"{BASE_CSP}; frame-ancestors {ancestors}")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if ancestors == "'none'":
            response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers["X-Request-Id"] = g.get("request_id", "")
        return response
