"""Refuse request text that no database stores as sent: NUL in query parameters and form fields,
malformed UTF-8 in form bodies (JSON bodies: :func:`engage.web.api.schemas.parse_body`).

PostgreSQL's ``text`` cannot hold U+0000 (psycopg raises ``DataError``: a 500), while SQLite
stores it, so the same request was a server error on one database and a stored NUL on the
other (a new-user review found both: the login form, the widget URL, the audit filters, the
settings forms).  Werkzeug keeps the bytes of a malformed UTF-8 sequence in a form field as
their ``%XX`` escapes, so ``%ED%A0%80`` (a lone surrogate's bytes) became the banned word
``"%ED%A0%80"``.  Browsers send neither; a client that does gets a clear 4xx before any view
runs, so nothing is stored half-way.
"""
from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Flask, request

from engage.web.errors import RequestError

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Query parameters that are never stored nor queried and fall back instead of failing: ``lang``
# picks the language and any other value means the default (engage.web.i18n.select_locale;
# the OpenAPI document says so, and schemathesis holds the API to it).
_FALLBACK_PARAMETERS = frozenset({"lang"})


def nul_query_parameter(query_string: bytes) -> str | None:
    """The name of the first query parameter whose name or value holds NUL (``%00``), else
    ``None``; ``lang`` is not checked (:data:`_FALLBACK_PARAMETERS`).  Malformed UTF-8 is left
    alone here: Werkzeug keeps it as ``%XX`` text, which is valid URL text (a page address may
    hold any escaped byte), and the views check their own parameters (e.g.
    :func:`engage.web.api.params.strict_query_value`)."""
    if b"%00" not in query_string:  # the usual case: nothing to parse
        return None
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True,
                                 encoding="utf-8", errors="replace"):
        if name in _FALLBACK_PARAMETERS:
            continue
        if "\x00" in name or "\x00" in value:
            return name.replace("\x00", "") or "?"
    return None


def unstorable_form_field(body: bytes) -> str | None:
    """The name of the first field of an ``application/x-www-form-urlencoded`` body that is
    not valid UTF-8 (raw or percent-escaped) or holds NUL, else ``None`` (``"?"`` when the
    name itself is the malformed part)."""
    if body.isascii() and b"%" not in body and b"\x00" not in body:  # the usual short form
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = body.decode("utf-8", errors="replace")
        bad = next((raw for raw in text.split("&") if "\ufffd" in raw), "")
        return _name_of(bad)
    for raw in text.split("&"):
        try:
            pairs = parse_qsl(raw, keep_blank_values=True, encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            return _name_of(raw)
        for name, value in pairs:
            if "\x00" in name or "\x00" in value:
                return name.replace("\x00", "") or "?"
    return None


def _name_of(raw: str) -> str:
    """The field name of one raw ``name=value`` pair, or ``"?"`` when it is not readable."""
    pairs = parse_qsl(raw, keep_blank_values=True, encoding="utf-8", errors="replace")
    name = pairs[0][0] if pairs else ""
    return name if name and "\ufffd" not in name and "\x00" not in name else "?"


def register_input_guard(app: Flask) -> None:
    """Check every request's query string and form body before any view, right after the
    request id is given (:func:`engage.web.security.register_security`) and before the CSRF
    check reads the form.

    Answers: a query parameter holding NUL, 422 ``param_invalid`` (``field`` names it); a form
    field holding NUL or malformed UTF-8, 400 ``input_characters_invalid`` — JSON for the API,
    the error page for pages (:func:`engage.web.errors.error_response`).
    """
    def _refuse_unstorable_input():
        name = nul_query_parameter(request.query_string)
        if name is not None:
            raise RequestError(422, "param_invalid", field=name)
        if request.mimetype not in _FORM_TYPES:
            return
        if request.mimetype == _FORM_TYPES[0]:
            name = unstorable_form_field(request.get_data(cache=True))
        else:  # multipart: Werkzeug has decoded the fields; NUL is what is left to refuse
            name = next((key for key, value in request.form.items(multi=True)
                         if "\x00" in key or "\x00" in value), None)
        if name is not None:
            raise RequestError(400, "input_characters_invalid", field=name)

    app.before_request_funcs.setdefault(None, []).insert(1, _refuse_unstorable_input)
