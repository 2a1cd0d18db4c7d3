"""The site export for a site's admins (``GET /api/v1/sites/{site}/export``): what
``engage export`` writes, through the moderator session."""
from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

from engage.domain.errors import InvalidInput, Unauthorized
from engage.extensions import db
from engage.models.types import utcnow
from engage.services import export
from engage.web.api.openapi import documented
from engage.web.api.responses import SiteExport
from engage.web.api.schemas import ExportQuery
from engage.web.api.views import bp


@bp.get("/sites/<site>/export")
@documented(responses={200: SiteExport}, query=ExportQuery, auth="moderator",
            tag="moderation", errors=(403, 404, 422))
def export_site(site: str):
    """Export the site (or one article) as Engage JSON; site admins only.

    Articles, comments in every state with parents, votes, aggregates and moderation history;
    reader ids and hashed networks only with ``include_private=true``.  ``format`` may only
    be ``json`` (the default, as ``engage export --format``): another would otherwise be
    answered with JSON as if it had been understood.

    :raises InvalidInput: ``format_invalid``, ``include_private_invalid`` (422).
    """
    if not current_user.is_authenticated:
        raise Unauthorized("moderator_login_required")
    if (request.args.get("format") or "json") != "json":
        raise InvalidInput("format_invalid", field="format")
    flag = request.args.get("include_private", "false")
    if flag not in ("true", "false"):
        raise InvalidInput("include_private_invalid", field="include_private")
    site_row = export.require_site_admin(db.session, current_user.moderator.id, site)
    include = flag == "true"
    body = export.header(site_row, utcnow(), include)
    body["articles"] = list(export.export_articles(db.session, site_row,
                                                   request.args.get("article"), include))
    response = jsonify(body)
    response.headers["Cache-Control"] = "private, no-store"
    return response
