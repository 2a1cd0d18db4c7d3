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
    """A published comment, or a placeholder above published replies (no author, no HTML):
    ``placeholder`` is ``deleted`` (``deleted`` true too), ``pending`` (awaiting a moderator
    again) or ``hidden`` (rejected), and null for a published comment.
    ``html`` is sanitized (``engage.domain.text.sanitize``); times are ISO 8601 UTC."""

    id: int
    author_name: str | None
    html: str | None
    deleted: bool
    placeholder: Literal["deleted", "pending", "hidden"] | None
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
    """One page of top-level comments (with replies) or, with ``?parent=``, of replies; with
    ``?since=``, the comments published after that cursor (flat, oldest publication first),
    ``next_cursor`` to pass as ``since`` next time (never null) and the article's published
    ``comment_count`` (only in this form).  A comment may come again after a short overlap:
    de-duplicate by ``id``."""

    comments: list[ThreadItem] | list[CommentView]
    next_cursor: str | None
    comment_count: int | None = Field(default=None, ge=0)


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
    reported: list[int]
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
    """The article a queued comment belongs to (``title``/``url`` empty until the CMS sets them)."""

    id: int
    key: str
    title: str
    url: str


class QueueParent(Closed):
    """The comment a queued reply answers: its raw text and author."""

    id: int
    text: str
    author_name: str


class ReaderRecord(Closed):
    """The comment's reader on that site: comments per state, bans (expired ones too), and
    when the reader was first seen (ISO 8601 UTC; null if unknown)."""

    approved: int = Field(ge=0)
    rejected: int = Field(ge=0)
    spam: int = Field(ge=0)
    pending: int = Field(ge=0)
    bans: int = Field(ge=0)
    first_seen: str | None


class AssistScore(Closed):
    """The moderation assistant's risk (0–1, rounded to 4 places) and the words behind it
    (``[{"term", "weight", "spans"}]``)."""

    risk: float = Field(ge=0, le=1)
    terms: list[dict[str, Any]]


CommentState = Literal["pending", "approved", "rejected", "spam", "deleted"]


class QueueItem(Closed):
    """One comment in the moderation queue, raw text included (moderators only); ``reader``
    is the reader id, ``assist`` null when the comment was never scored."""

    id: int
    site: str
    status: CommentState
    article: QueueArticle
    author_name: str
    text: str
    html: str
    parent_id: int | None
    created_at: str
    report_count: int = Field(ge=0)
    reader: str
    parent: QueueParent | None
    history: ReaderRecord
    reasons: list[QueueReason]
    assist: AssistScore | None


class ModerationQueue(Closed):
    """``GET /moderation/queue``: counts per queue (each capped: a value above the cap means
    "more than"), one page of items, the cursor of the next page (null on the last), and the
    session's CSRF token for writes (null when called with an API key)."""

    counts: dict[Literal["pending", "approved", "rejected", "spam", "deleted", "reported"], int]
    items: list[QueueItem]
    next_cursor: str | None
    csrf_token: str | None


class SkippedComment(Closed):
    """A comment left alone: its state is no longer the one the moderator saw.  ``by``/``at``:
    the last audit row's moderator ("" for the reader's own action) and time, or null."""

    id: int
    status: str
    by: str
    at: str | None


class DecisionResult(Closed):
    """``POST /moderation/decisions`` and undo: the comment ids changed, and those skipped."""

    done: list[int]
    skipped: list[SkippedComment]


class AuditEntry(Closed):
    """One audit row.  ``moderator`` and ``reader`` are "" for a reader's own action or a
    removed comment; ``from``/``to`` the states; ``note`` the moderator's note."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: int
    at: str
    site: str
    moderator: str
    action: Literal["approve", "reject", "spam", "remove_votes", "reset_ratings", "withhold",
                    "reader_edit", "reader_delete", "undo"]
    comment_id: int | None
    reader: str
    from_: str = Field(alias="from")
    to: str
    reason_code: str
    note: str
    undoes_id: int | None
    request_id: str


class AuditLog(Closed):
    """``GET /moderation/audit``: at most ``limit`` rows, newest first; ``next_cursor`` (null on
    the last page) asks for the older ones."""

    next_cursor: str | None
    items: list[AuditEntry] = Field(max_length=200)


class AssistAgreement(Closed):
    """How often moderators' last decisions matched the assistant's hold (risk ≥ ``hold_at``)
    or no-hold; ``rate`` = agreed / decided (4 places), null before any decision."""

    decided: int = Field(ge=0)
    agreed: int = Field(ge=0)
    rate: float | None = Field(ge=0, le=1)
    hold_at: float
    held_rejected: int = Field(ge=0)
    held_approved: int = Field(ge=0)
    passed_rejected: int = Field(ge=0)
    passed_approved: int = Field(ge=0)


class IntegrationArticle(Closed):
    """``PUT …/integration/articles/{article}``: the article as stored after the write."""

    site: str
    article: str
    title: str
    url: str
    published_at: str | None
    comments_open: bool
    comment_count: int = Field(ge=0)
    rating_count: int = Field(ge=0)


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


class ExportedMail(Closed):
    """An address the reader left with a comment for reply notices, and whether confirmed."""

    comment_id: int
    email: str
    confirmed: bool


class ReaderData(Closed):
    """``GET /reader/data``: everything stored under the reader's token."""

    reader: ExportedReader
    comments: list[ExportedComment]
    ratings: list[ExportedRating]
    likes: list[ExportedLike]
    reports: list[ExportedReport]
    mail: list[ExportedMail]


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
