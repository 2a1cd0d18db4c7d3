"""Response bodies of the JSON API as pydantic models: the OpenAPI document's response schemas.

The views build plain dicts (they are on the hot read path); these models only describe them.
``tests/web/test_openapi.py`` checks real responses against the served document and
schemathesis (``tests/web/test_openapi_fuzz.py``) checks every response it provokes, so a model
that drifts from what a view returns fails a test.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Closed(BaseModel):
    """Base for response bodies: the documented fields are all there is."""

    model_config = ConfigDict(extra="forbid")


class ErrorDetail(Closed):
    """``code``: a stable machine code (``validation_failed``, ``site_not_found``…); ``message``:
    its translation (Vietnamese unless ``?lang=en``); ``request_id``: also in ``X-Request-Id``;
    ``details``: the error's parameters (``fields`` for a 422, ``limit``…), when it has any."""

    code: str
    message: str
    request_id: str
    details: dict[str, Any] | None = None


class ErrorBody(Closed):
    """Every 4xx/5xx answer of ``/api/v1`` (``engage.web.errors.error_response``)."""

    error: ErrorDetail


class ReaderToken(Closed):
    """``POST /readers``: a signed anonymous reader token (66 characters), for ``X-Engage-Reader``."""

    token: str


Distribution = dict[Literal["1", "2", "3", "4", "5"], int]


class RatingSummary(Closed):
    """An article's votes: ``average`` rounded half-up to one decimal (null with no votes)."""

    count: int = Field(ge=0)
    average: float | None = Field(ge=1, le=5)
    distribution: Distribution


class CommentView(Closed):
    """A published comment (or a placeholder: ``deleted`` true, no author, no HTML).
    ``html`` is sanitized (``engage.domain.text.sanitize``); times are ISO 8601 UTC."""

    id: int
    author_name: str | None
    html: str | None
    deleted: bool
    created_at: str
    parent_id: int | None
    like_count: int = Field(ge=0)
    edited: bool


class ThreadItem(CommentView):
    """A top-level comment with its first replies, their total and the cursor for more."""

    replies: list[CommentView]
    reply_count: int = Field(ge=0)
    replies_cursor: str | None


class ArticleData(Closed):
    """``GET /sites/{site}/articles/{article}``: the widget's data."""

    site: str
    article: str
    title: str
    rating: RatingSummary
    comment_count: int = Field(ge=0)
    comments: list[ThreadItem]
    next_cursor: str | None
    comments_open: bool
    ratings_open: bool


class CommentsPage(Closed):
    """One page of top-level comments (with replies) or, with ``?parent=``, of replies."""

    comments: list[ThreadItem] | list[CommentView]
    next_cursor: str | None


class RatingResult(Closed):
    """After a vote: the new summary and the reader's own stars (null once withdrawn)."""

    rating: RatingSummary
    mine: int | None = Field(ge=1, le=5)


class MyRating(Closed):
    """The reader's own vote, or null."""

    mine: int | None = Field(ge=1, le=5)


class CommentCreated(Closed):
    """A submitted comment's id and what the reader is told (DESIGN.md §7)."""

    id: int
    status: Literal["approved", "pending", "rejected"]


class LikeResult(Closed):
    """A comment's like count and whether this reader now likes it."""

    id: int
    like_count: int = Field(ge=0)
    liked: bool


class ReportResult(Closed):
    """A report was recorded (201) or had been already (200)."""

    id: int
    reported: Literal[True]


class EditResult(Closed):
    """An edited comment: its new moderation status and sanitized HTML."""

    id: int
    status: Literal["approved", "pending", "rejected", "spam", "deleted"]
    html: str
    edited_at: str | None


class DeleteResult(Closed):
    """A comment its author deleted."""

    id: int
    status: Literal["deleted"]


class ReaderState(Closed):
    """The reader's own state on one article (never cached)."""

    rating: int | None = Field(ge=1, le=5)
    liked: list[int]
    own: list[int]
    editable_until: dict[str, str]


class ArticleCounts(Closed):
    """One article's published comment count and rating summary."""

    comments: int = Field(ge=0)
    rating: RatingSummary


class CountsResult(Closed):
    """``GET /sites/{site}/counts``: per requested article key."""

    articles: dict[str, ArticleCounts]


class RankedArticle(Closed):
    """An article in the top-rated list with its Bayesian score."""

    article: str
    title: str
    url: str
    score: float
    rating: RatingSummary


class TopRated(Closed):
    """``GET /sites/{site}/top-rated``."""

    articles: list[RankedArticle]


class StructuredData(Closed):
    """schema.org JSON-LD, or null where none may be shown (DESIGN.md §5)."""

    jsonld: dict[str, Any] | None


class ReasonText(Closed):
    """A moderation reason's wording in both languages."""

    vi: str
    en: str


class QueueReason(BaseModel):
    """A stored pipeline reason: ``code``, ``decision``, optional ``spans``/``terms``, text."""

    model_config = ConfigDict(extra="allow")
    code: str
    text: ReasonText


class QueueArticle(Closed):
    """The article a queued comment belongs to."""

    key: str
    title: str
    url: str


class QueueItem(Closed):
    """One comment in the moderation queue, raw text included (moderators only)."""

    id: int
    site: str
    status: Literal["pending", "approved", "rejected", "spam", "deleted"]
    article: QueueArticle
    author_name: str
    text: str
    html: str
    parent_id: int | None
    created_at: str
    report_count: int = Field(ge=0)
    reasons: list[QueueReason]


class ModerationQueue(Closed):
    """``GET /moderation/queue``: counts per queue and the oldest items of one."""

    counts: dict[str, int]
    items: list[QueueItem]


class ExportedReader(Closed):
    """The token's reader: its id, when it was issued, the hashed network it came from."""

    id: str
    created_at: str | None
    network_hash: str


class ExportedComment(Closed):
    """One of the reader's comments, as stored (raw text and rendered HTML)."""

    id: int
    site: str
    article: str
    parent_id: int | None
    author_name: str
    text: str
    html: str
    status: Literal["pending", "approved", "rejected", "spam", "deleted"]
    created_at: str | None
    edited_at: str | None
    network_hash: str


class ExportedRating(Closed):
    """One of the reader's votes."""

    site: str
    article: str
    stars: int = Field(ge=1, le=5)
    created_at: str | None
    updated_at: str | None


class ExportedLike(Closed):
    """A comment the reader likes."""

    comment_id: int
    created_at: str | None


class ExportedReport(Closed):
    """A report the reader sent."""

    comment_id: int
    reason: str
    note: str
    created_at: str | None


class ReaderData(Closed):
    """``GET /reader/data``: everything stored under the reader's token."""

    reader: ExportedReader
    comments: list[ExportedComment]
    ratings: list[ExportedRating]
    likes: list[ExportedLike]
    reports: list[ExportedReport]


class Erasure(Closed):
    """``DELETE /reader``: what was erased; the token is revoked."""

    erased: dict[Literal["comments", "ratings", "likes", "reports"], int]


class ExportSite(Closed):
    """The exported site."""

    slug: str
    name: str


class SiteExport(Closed):
    """``GET /sites/{site}/export``: the ``engage export`` JSON (format ``engage-export`` 1);
    each article holds ``comments``, ``votes``, ``rating``, ``comment_count``, ``moderation``."""

    format: Literal["engage-export"]
    version: Literal[1]
    exported_at: str
    include_private: bool
    site: ExportSite
    articles: list[dict[str, Any]]
