"""The OpenAPI 3.1 document of ``/api/v1``, generated from the routes and their pydantic models.

Each API view carries an :class:`Operation` (``@documented(...)``, placed right under the route
decorator): the request body model (the very schema ``parse_body`` validates with), the query
model, the response models and the error statuses.  :func:`build_document` walks the app's URL
map, so a route nobody documented is visible: ``tests/web/test_openapi.py`` fails on any
``/api/v1`` rule without an :class:`Operation`.  There is no hand-kept copy of the document.

Schemas come from pydantic (``models_json_schema``, JSON Schema 2020-12, which OpenAPI 3.1
adopts whole: OpenAPI 3.1.0 §4.8.24).
"""
from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from engage.services.sites import SLUG_RE
from engage.web.api.responses import ErrorBody

API_PREFIX = "/api/v1"
REF = "#/components/schemas/{model}"
HTML = "text/html"
JSON_OBJECT = "application/json"

ERROR_DESCRIPTIONS = {
    400: "Malformed request: not JSON, duplicate keys, NUL, bad Idempotency-Key",
    401: "Reader token or moderator session missing or invalid",
    403: "Closed, not yours, or no longer editable",
    404: "No such site, article or comment (or no such path)",
    409: "A moderator acted on the comment at the same moment",
    413: "Request body too large",
    415: "Content-Type must be application/json",
    422: "Invalid values (``details.fields`` names them)",
    429: "Rate limited (see Retry-After)",
}
HEADERS = {
    "Idempotency-Key": {"schema": {"type": "string", "pattern": "^[!-~]{1,255}$"},
                        "description": "A retry with the same key and body gets the first "
                                       "answer again (Idempotent-Replayed: true)."},
    "If-None-Match": {"schema": {"type": "string"},
                      "description": "An ETag from an earlier answer: 304 when unchanged."},
}
SECURITY_SCHEMES = {
    "readerToken": {"type": "apiKey", "in": "header", "name": "X-Engage-Reader",
                    "description": "The signed anonymous reader token from POST /readers."},
    "moderatorSession": {"type": "apiKey", "in": "cookie", "name": "session",
                         "description": "A moderator's session cookie (/moderation/login)."},
    "moderatorApiKey": {"type": "http", "scheme": "bearer",
                        "description": "A per-site moderator API key (Authorization: Bearer "
                                       "ek_…, made on the workspace settings page); no cookie, "
                                       "so no CSRF token."},
    "siteApiKey": {"type": "http", "scheme": "bearer",
                   "description": "The site's integration key (Authorization: Bearer ek_…, "
                                  "`engage create-api-key`), for a CMS, server to server."},
}
# Auth kind → the security schemes that satisfy it (any one of them).  "moderator_api": the
# JSON moderator API, by session (writes also need X-CSRFToken, else 403) or by API key.
AUTH = {"reader": ("readerToken",), "moderator": ("moderatorSession",),
        "moderator_api": ("moderatorSession", "moderatorApiKey"), "site_key": ("siteApiKey",)}
# Path segments with a known syntax (engage.services.sites): a site slug and an article key
# (the same language as ARTICLE_KEY_RE, written without its lookahead: one letter or digit).
_KEY_CHAR = "[A-Za-z0-9._~:@!$&'()*+,;=%-]"
PATH_STRINGS = {
    "site": {"type": "string", "pattern": SLUG_RE.pattern, "example": "demo"},
    "article": {"type": "string", "maxLength": 200, "example": "bai-1",
                "pattern": f"^{_KEY_CHAR}*[A-Za-z0-9]{_KEY_CHAR}*$"},
}
_RULE_ARG = re.compile(r"<(?:(?P<conv>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")


@dataclass(frozen=True)
class Operation:
    """What the document says about one view.

    ``responses``: status → a response model, :data:`HTML` for a page, :data:`JSON_OBJECT`
    for free-form JSON, or ``None`` for no body
    (304).  ``errors``: the error statuses it may answer, each with :class:`ErrorBody`; a
    ``body`` adds 400/413/415/422 and ``auth`` adds 401 by itself.  ``auth``: a key of
    :data:`AUTH`.  ``headers``: request header names from :data:`HEADERS`.
    """

    summary: str
    description: str
    tag: str
    responses: Mapping[int, type[BaseModel] | str | None]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    auth: str | None = None
    headers: tuple[str, ...] = ()

    def error_statuses(self) -> list[int]:
        """The declared errors plus those its body and auth imply, sorted."""
        implied = {400, 413, 415, 422} if self.body else set()
        if self.auth:
            implied.add(401)
        return sorted(set(self.errors) | implied)

    def models(self) -> list[tuple[type[BaseModel], str]]:
        """Every model the operation names with its JSON Schema mode (for the components)."""
        found = [(m, "serialization") for m in self.responses.values() if isinstance(m, type)]
        return found + [(m, "validation") for m in (self.body,) if m]


def documented(*, responses: Mapping[int, type[BaseModel] | str | None], tag: str = "public",
               body: type[BaseModel] | None = None, query: type[BaseModel] | None = None,
               errors: tuple[int, ...] = (), auth: str | None = None,
               headers: tuple[str, ...] = ()) -> Callable:
    """Decorate an API view (directly under its ``@bp.get``/``@bp.post``…) with its contract.

    The summary and description are the view's docstring (first line, rest).
    :raises ValueError: an unknown ``auth`` or header name (at import, not at request time).
    """
    if auth is not None and auth not in AUTH:
        raise ValueError(f"unknown auth {auth!r}")
    unknown = set(headers) - set(HEADERS)
    if unknown:
        raise ValueError(f"undocumented headers {sorted(unknown)}")

    def decorate(view: Callable) -> Callable:
        doc = inspect.getdoc(view) or view.__name__
        summary, _, description = doc.partition("\n")
        view.openapi = Operation(summary=summary.strip(), description=description.strip(),  # type: ignore[attr-defined]
                                 tag=tag, responses=dict(responses), body=body, query=query,
                                 errors=tuple(errors), auth=auth, headers=tuple(headers))
        return view

    return decorate


def api_operations(app: Flask) -> list[tuple[str, str, Any, Operation | None]]:
    """``(rule, method, rule object, operation or None)`` for every ``/api/v1`` route and method."""
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(API_PREFIX):
            continue
        operation = getattr(app.view_functions[rule.endpoint], "openapi", None)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.rule, method, rule, operation))
    return found


def _path_parameters(rule: str) -> tuple[str, list[dict]]:
    """The OpenAPI path template of a werkzeug rule and its path parameters."""
    params = []
    for match in _RULE_ARG.finditer(rule):
        conv, args = match.group("conv") or "default", match.group("args") or ""
        name = match.group("name")
        if conv in ("int", "id"):
            schema: dict[str, Any] = {"type": "integer", "minimum": 0}
            limit = re.search(r"max=(\d+)", args)
            if limit:
                schema["maximum"] = int(limit.group(1))
        else:  # werkzeug's default converter: one non-empty path segment
            schema = dict(PATH_STRINGS.get(name, {"type": "string", "minLength": 1,
                                                  "pattern": "^[^/]+$"}))
        params.append({"name": name, "in": "path", "required": True,
                       "schema": schema})
    return _RULE_ARG.sub(lambda m: "{" + m.group("name") + "}", rule), params


def _query_parameters(model: type[BaseModel] | None) -> list[dict]:
    """One query parameter per field of ``model`` (flat fields only)."""
    if model is None:
        return []
    properties = model.model_json_schema()["properties"]
    return [{"name": name, "in": "query", "required": info.is_required(),
             "schema": {k: v for k, v in properties[name].items() if k != "title"},
             **({"description": info.description} if info.description else {})}
            for name, info in model.model_fields.items()]


def _ref(model: type[BaseModel]) -> dict:
    return {"$ref": REF.format(model=model.__name__)}


def _responses(operation: Operation) -> dict:
    out: dict[str, Any] = {}
    for status, model in operation.responses.items():
        entry: dict[str, Any] = {"description": "OK" if status < 300 else "Not modified"}
        if model == HTML:
            entry["content"] = {HTML: {"schema": {"type": "string"}}}
        elif model == JSON_OBJECT:
            entry["content"] = {JSON_OBJECT: {"schema": {"type": "object"}}}
        elif isinstance(model, type):
            entry["content"] = {"application/json": {"schema": _ref(model)}}
        out[str(status)] = entry
    for status in operation.error_statuses():
        out[str(status)] = {"description": ERROR_DESCRIPTIONS.get(status, "Error"),
                            "content": {"application/json": {"schema": _ref(ErrorBody)}}}
        if status == 429:
            out[str(status)]["headers"] = {"Retry-After": {"schema": {"type": "integer"}}}
    return out


def _operation_object(endpoint: str, method: str, operation: Operation, path_params: list):
    lang = {"name": "lang", "in": "query", "required": False,
            "schema": {"type": "string"}, "description": "vi (default) or en: message language"}
    params = path_params + _query_parameters(operation.query) + [lang] + [
        {"name": name, "in": "header", "required": False, **HEADERS[name]}
        for name in operation.headers]
    obj: dict[str, Any] = {"operationId": f"{endpoint.replace('.', '_')}_{method.lower()}",
                           "summary": operation.summary, "tags": [operation.tag],
                           "parameters": params, "responses": _responses(operation)}
    if operation.description:
        obj["description"] = operation.description
    if operation.body is not None:
        obj["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": _ref(operation.body)}}}
    obj["security"] = [{scheme: []} for scheme in AUTH[operation.auth]] if operation.auth else []
    return obj


def _version() -> str:
    try:
        return version("engage")
    except PackageNotFoundError:  # running from a checkout without an install
        return "0"


def build_document(app: Flask) -> dict:
    """The OpenAPI 3.1 document of every documented ``/api/v1`` route of ``app``.

    :returns: a JSON-serialisable dict; undocumented routes are left out (and a test fails).
    """
    paths: dict[str, dict] = {}
    models: dict[str, tuple[type[BaseModel], str]] = {"ErrorBody": (ErrorBody, "serialization")}
    for rule_text, method, rule, operation in api_operations(app):
        if operation is None:
            continue
        path, path_params = _path_parameters(rule_text)
        paths.setdefault(path, {})[method.lower()] = _operation_object(
            rule.endpoint, method, operation, path_params)
        models.update({m.__name__: (m, mode) for m, mode in operation.models()})
    _, schemas = models_json_schema(list(models.values()), ref_template=REF)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Engage API", "version": _version(),
                 "description": "Ratings, comments and moderation for news sites. Errors are "
                                "{\"error\": {\"code\", \"message\", \"request_id\", "
                                "\"details\"?}}; messages in Vietnamese unless ?lang=en."},
        "paths": paths,
        "components": {"schemas": schemas.get("$defs", {}), "securitySchemes": {
            **SECURITY_SCHEMES, "moderatorSession": {
                **SECURITY_SCHEMES["moderatorSession"],
                "name": app.config.get("SESSION_COOKIE_NAME", "session")}}},
    }
