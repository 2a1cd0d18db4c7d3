"""Request bodies of the public API: one strict schema each, and the JSON parser in front of them."""
from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from flask import request
from pydantic import (
    AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictStr,
    ValidationError)

from engage.domain.moderation.reasons import REASON_TEXT
from engage.web.errors import RequestError

Schema = TypeVar("Schema", bound=BaseModel)


# Text fields refuse NUL (``parse_body`` answers 400 before validation; the pattern says so in
# the OpenAPI document, so generated clients and fuzzers know).
NO_NUL = r"^[^\x00]*$"


def _integral_float(value: Any) -> Any:
    """``2.0`` is the integer 2 in JSON Schema (2020-12 §6.1.1 "integer": any number with a zero
    fractional part), so the document's ``integer`` fields take it; ``2.5``, ``"2"`` and
    ``true`` stay refused by the strict validation that follows."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    return value


def integer(ge: int, le: int) -> Any:
    """An integer field in ``ge..le`` that also takes an integral float (see above); the bounds
    come before the validator so the JSON Schema says ``minimum``/``maximum``."""
    return Annotated[int, Field(ge=ge, le=le), BeforeValidator(_integral_float)]


class StrictBody(BaseModel):
    """Base for request bodies: unknown fields refused; no coercion ("5" is not 5, true is not 1)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class RatingBody(StrictBody):
    """``PUT …/rating``: ``{"stars": 1..5}``."""

    stars: integer(1, 5)  # type: ignore[valid-type]


class CommentBody(StrictBody):
    """``POST …/comments``: the name and text as typed; exact limits are checked after
    normalisation by the domain, these bounds only cap the work done on absurd input."""

    author_name: str = Field(max_length=1000, pattern=NO_NUL)
    text: str = Field(max_length=50_000, pattern=NO_NUL)
    parent_id: integer(1, 2**31 - 1) | None = None  # type: ignore[valid-type]
    # Bot signals for the moderation pipeline: the hidden "website" field people never fill,
    # and milliseconds between the form's display and its submission.
    website: str = Field(default="", max_length=500, pattern=NO_NUL)
    elapsed_ms: integer(0, 2**31 - 1) | None = None  # type: ignore[valid-type]
    # Optional address for reply notices (issue #11): confirmed by mail before any notice,
    # never shown; "" is the same as leaving it out.  Validated by the domain (422
    # ``email_invalid``); this bound only caps absurd input.
    email: str | None = Field(default=None, max_length=1000, pattern=NO_NUL)


class EditBody(StrictBody):
    """``PATCH …/comments/{id}``: the new text (limits checked after normalisation, as above)."""

    text: str = Field(max_length=50_000, pattern=NO_NUL)


class ReportBody(StrictBody):
    """``POST …/comments/{id}/reports``: a reason from the fixed list and an optional note
    (at most 500 characters after normalisation; this bound only caps absurd input)."""

    reason: Literal["spam", "offensive", "off_topic", "misinformation", "other"]
    note: str = Field(default="", max_length=5_000, pattern=NO_NUL)


class PageQuery(BaseModel):
    """Query of a comment page: ``sort``, an opaque ``cursor`` from the previous page, ``limit``
    (capped at ``COMMENTS_PAGE_SIZE_MAX``).  Parsed by ``engage.web.api.params.parse_page_args``
    (shared with the read fast path); this model is what the OpenAPI document publishes, and
    the schemathesis run checks the two agree."""

    sort: Literal["newest", "oldest", "most_liked", ""] = Field(
        default="newest", description="empty: newest (as a no-JS form sends it)")
    cursor: str | None = None
    limit: int | None = Field(default=None, ge=1)


class RepliesQuery(PageQuery):
    """``GET …/comments``: a page of top-level comments or, with ``parent``, of its replies, or,
    with ``since``, the comments published after that cursor."""

    parent: int | None = Field(default=None, ge=1, le=2**31 - 1)
    since: str | None = Field(default=None, description=(
        "live threads: an opaque cursor (the widget page's, or a previous since-answer's "
        "next_cursor); answers the comments published after it, flat, oldest publication "
        "first, with comment_count; not with parent or cursor"))


class ReaderQuery(BaseModel):
    """``POST /readers``: ``site``, the slug of the site whose page asks (for its CORS
    headers); an unknown site answers 404."""

    site: str | None = None


class CountsQuery(BaseModel):
    """``GET …/counts?articles=a,b,c``: at most 100 distinct article keys, comma-separated
    (the parameter may also repeat: ``?articles=a&articles=b,c`` asks for the same three)."""

    articles: str = ""


class TopRatedQuery(BaseModel):
    """``GET …/top-rated``: ``days`` 1..365 and ``limit`` 1..50."""

    days: int = Field(default=7, ge=1, le=365)
    limit: int = Field(default=10, ge=1, le=50)


ReasonCode = Literal[tuple(REASON_TEXT)]  # the queue's reason filter: a stored code only


def _row_id() -> Any:
    """An optional row id query parameter (``engage.web.moderation.params.int_arg``)."""
    return Field(default=None, ge=1, le=2**31 - 1)


class QueueQuery(BaseModel):
    """``GET /moderation/queue``: which queue, filters (``site`` an id or a slug, ``article`` an
    id or a key; one outside the moderator's sites answers 404), order (``sort`` is read as
    ``order``), an opaque ``cursor`` from
    ``next_cursor``, and at most ``limit`` (1..200) items.  Read by
    ``engage.web.moderation.queue_views.queue_filter``; this model is what the document says."""

    status: Literal["pending", "reported", "approved", "rejected", "spam", "deleted"] = "pending"
    site: int | str | None = Field(default=None, description="a site id or slug")
    article: int | str | None = Field(
        default=None, description="an article id, or its key (give site when the key is on "
        "several of your sites: 422 article_ambiguous); unknown: 404 article_not_found")
    reason: ReasonCode | None = Field(
        default=None, description="a stored reason code (another answers 422 reason_invalid)")
    reader: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,32}$",
                               description="a reader id")
    order: Literal["oldest", "newest", "risk"] = Field(
        default="oldest", description="risk: the moderation assistant's score, riskiest first")
    cursor: str | None = None
    limit: int = Field(default=50, ge=1, le=200)


class AuditQuery(BaseModel):
    """``GET /moderation/audit``: the audit page's search (``site`` an id or a slug, ``comment``
    an id; ``since``/``until`` days in the workspace's time zone, ``until`` included), at most
    ``limit`` rows, older ones from ``cursor`` (the previous answer's ``next_cursor``)."""

    moderator: str | None = Field(default=None, description="a username (first 64 characters)")
    action: Literal["approve", "reject", "spam", "remove_votes", "reset_ratings", "withhold",
                    "reader_edit", "reader_delete", "undo"] | None = None
    comment: int | None = _row_id()
    reader: str | None = Field(default=None, description="a reader id (first 32 characters)")
    site: int | str | None = Field(default=None, description="a site id or slug")
    since: date | None = None
    until: date | None = None
    cursor: str | None = None
    limit: int = Field(default=200, ge=1, le=200)


class AgreementQuery(BaseModel):
    """``GET /moderation/assist/agreement``: one of the moderator's sites (its slug or id; an
    unknown or another tenant's answers 404), decisions of the last ``days`` (1..365; default
    all)."""

    site: str | None = None
    days: int | None = Field(default=None, ge=1, le=365)


class ExportQuery(BaseModel):
    """``GET /sites/{site}/export``: one ``article`` key only, reader ids and hashed networks
    only when ``include_private`` is ``true``; ``format`` is ``json`` (another answers 422)."""

    article: str | None = None
    include_private: Literal["true", "false"] = "false"
    format: Literal["json"] = Field(default="json", description="the only export format")


class ArticleBody(StrictBody):
    """``PUT …/integration/articles/{article}`` from a CMS: any of the fields; absent ones stay
    as they are.  ``published_at`` is an RFC 3339 time with an offset (a naive time is refused:
    it would be ambiguous) from 1900 up to 2200 (UTC, not included); ``url`` an absolute
    http(s) URL."""

    model_config = ConfigDict(extra="forbid", strict=False)  # JSON times arrive as strings

    title: StrictStr | None = Field(default=None, min_length=1, max_length=300)
    url: StrictStr | None = Field(default=None, max_length=2000,
                                  pattern=r"^https?://[^\s/?#]+(?:[/?#]\S*)?$")
    published_at: AwareDatetime | None = None
    comments_open: StrictBool | None = None


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict:
    """Refuse ``{"stars": 5, "stars": 1}``: RFC 8259 §4 leaves duplicates undefined."""
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key")
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"JSON constant {name} is not allowed")


def _check_strings(value: Any) -> None:
    """Refuse NUL and lone surrogates anywhere (PostgreSQL cannot store them; SQLite would)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise RequestError(400, "invalid_json", reason="nul")
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise RequestError(400, "invalid_json", reason="surrogate") from None
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def parse_body(schema: type[Schema]) -> Schema:
    """Parse the request's JSON body strictly into ``schema``.

    :raises RequestError: 415 ``unsupported_media_type``; 400 ``invalid_json`` (not UTF-8, not
        JSON, NaN/Infinity, duplicate keys, NUL, lone surrogates, nesting too deep);
        422 ``validation_failed``
        with the offending fields.
    """
    if request.mimetype != "application/json":
        raise RequestError(415, "unsupported_media_type")
    try:
        data = json.loads(request.get_data(cache=True).decode("utf-8"),
                          parse_constant=_reject_constant, object_pairs_hook=_no_duplicate_keys)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise RequestError(400, "invalid_json") from None
    _check_strings(data)
    try:
        return schema.model_validate(data)
    except ValidationError as err:
        fields = sorted({".".join(str(p) for p in e["loc"]) or "body" for e in err.errors()})
        raise RequestError(422, "validation_failed", fields=fields) from None


class DecisionBody(StrictBody):
    """``POST /api/v1/moderation/decisions``: one decision on 1..200 comments, with the state
    the moderator saw; ``reason_code`` from the fixed rejection list (required for reject)."""

    ids: list[int] = Field(min_length=1, max_length=200)
    action: Literal["approve", "reject", "spam"]
    expected: Literal["pending", "approved", "rejected", "spam"]
    reason_code: str = Field(default="", max_length=32)
    note: str = Field(default="", max_length=500)
