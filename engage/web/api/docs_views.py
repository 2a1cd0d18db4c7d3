"""The API's own description: the OpenAPI document and a reference page rendered from it."""
from __future__ import annotations

import json

from flask import current_app, render_template

from engage.web.api.openapi import HTML, JSON_OBJECT, build_document, documented
from engage.web.api.views import bp


def api_document() -> dict:
    """The app's OpenAPI document, built once per app (routes do not change after start)."""
    cache = current_app.extensions
    if "engage_openapi" not in cache:
        cache["engage_openapi"] = build_document(current_app)
    return cache["engage_openapi"]


@bp.get("/openapi.json")
@documented(responses={200: JSON_OBJECT}, tag="meta")
def openapi_document():
    """This API's OpenAPI 3.1 document (JSON)."""
    body = json.dumps(api_document(), ensure_ascii=False, sort_keys=True, indent=1)
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/docs")
@documented(responses={200: HTML}, tag="meta")
def api_reference():
    """A reference page for people, rendered on the server from the OpenAPI document."""
    document = api_document()
    return render_template("api/reference.html", doc=document,
                           schemas=document["components"]["schemas"],
                           pretty=lambda v: json.dumps(v, ensure_ascii=False, indent=2))
