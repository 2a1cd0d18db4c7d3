"""Site integration API: a CMS registers or updates its articles with the site's API key.

``PUT /api/v1/sites/{site}/integration/articles/{article}`` with ``Authorization: Bearer
<key>`` (``engage create-api-key``).  Server to server: no CORS, no reader token.
"""
from __future__ import annotations

from flask import jsonify, request

from engage.extensions import db
from engage.models.types import utcnow
from engage.services import integration
from engage.web.api.openapi import documented
from engage.web.api.responses import IntegrationArticle
from engage.web.api.schemas import ArticleBody, parse_body
from engage.web.api.views import bp, iso


@bp.put("/sites/<site>/integration/articles/<article>")
@documented(responses={200: IntegrationArticle, 201: IntegrationArticle}, body=ArticleBody,
            auth="site_key", tag="integration")
def integration_put_article(site: str, article: str):
    """Create or update an article: 201 when created, 200 when updated."""
    site_row = integration.authenticate(db.session, site, request.headers.get("Authorization"))
    body = parse_body(ArticleBody)
    row, created = integration.register_article(
        db.session, site_row, article, integration.ArticleFields(**body.model_dump()), utcnow())
    return jsonify({
        "site": site, "article": row.key, "title": row.title, "url": row.url,
        "published_at": iso(row.published_at) if row.published_at else None,
        "comments_open": row.comments_open, "comment_count": row.comment_count,
        "rating_count": row.rating_count}), 201 if created else 200
