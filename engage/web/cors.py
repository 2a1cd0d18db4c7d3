"""CORS for the public JSON API: answered only to a site's exact allowed origins.

A news site may render Engage natively (fetch from its own pages) and ``count.js`` runs on
listing pages, so the reader API answers cross-origin requests — but only for the origins the
site listed (exact string match with the browser's ``Origin`` header: no patterns, never
``*``, never ``null``) and without credentials (the reader token travels in a header, no
cookies).  The site comes from the URL (``/api/v1/sites/<site>/…``); the integration API
(server to server) and the moderator API never answer CORS.

Own code rather than flask-cors: its ``origins`` (a string, list or regex, default ``"*"``,
with ``allow_headers="*"``) are fixed when the extension or decorator is set up, while here
each site's list lives in the database and is looked up per request; what is needed is the
exact-match check and four headers.
"""
from __future__ import annotations

from flask import Flask, Response, g, request

from engage.domain.embedding import origin_allowed
from engage.domain.errors import EngageError
from engage.extensions import db
from engage.services.sites import get_site

ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE"
ALLOWED_HEADERS = "Content-Type, X-Engage-Reader, Idempotency-Key, If-None-Match"
EXPOSED_HEADERS = "ETag, Retry-After, Idempotent-Replayed, X-Request-Id"
PREFLIGHT_MAX_AGE_S = 600
_PUBLIC_PREFIX = "api."
_NO_CORS_ENDPOINTS = ("api.integration_", "api.moderation_")


def _site_origins() -> list[str] | None:
    """The allowed origins of the site this API request names, or ``None`` (no site in the
    URL, an unknown site, or a route that never answers CORS)."""
    endpoint = request.endpoint or ""
    slug = (request.view_args or {}).get("site")
    if endpoint == "api.create_reader":  # a native client names its site: POST /readers?site=
        slug = request.args.get("site")
    if (not endpoint.startswith(_PUBLIC_PREFIX) or endpoint.startswith(_NO_CORS_ENDPOINTS)
            or not isinstance(slug, str)):
        return None
    if "cors_origins" not in g:
        try:
            g.cors_origins = list(get_site(db.session, slug).allowed_origins)
        except EngageError:
            g.cors_origins = None
    return g.cors_origins


def register_cors(app: Flask) -> None:
    """Answer preflights before routing reaches a view, and add CORS headers after."""

    @app.before_request
    def _preflight():
        if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
            return None
        origins = _site_origins()
        response = Response(status=204)
        response.headers["Vary"] = "Origin"
        origin = request.headers.get("Origin")
        if origins is not None and origin_allowed(origin, origins):
            response.headers.update({
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": ALLOWED_METHODS,
                "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE_S)})
        return response

    @app.after_request
    def _cors(response: Response):
        if not request.path.startswith("/api/"):
            return response
        response.vary.add("Origin")  # a shared cache must not mix answers for two origins
        origin = request.headers.get("Origin")
        origins = _site_origins() if origin else None
        if origins is not None and origin_allowed(origin, origins):
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        return response
