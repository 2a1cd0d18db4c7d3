"""Thin views of the public API: parse → call one service → serialise."""
from __future__ import annotations

from datetime import timezone

import json

from flask import Blueprint, current_app, jsonify, request

from engage.domain.comments import CommentLimits
from engage.extensions import csrf, db, limiter
from engage.models import CommentStatus
from engage.models.types import utcnow
from engage.domain.errors import InvalidInput
from engage.domain.mail import MailAddress, normalise_address
from engage.domain.structured_data import aggregate_rating_jsonld
from engage.services import comments, listing, live, ratings, readers, sites
from engage.web.api.params import ascii_int, parse_page_args, strict_query_value
from engage.web.api.retries import REPLAYED_HEADER, first_answers, retry_guard
from engage.web.api.openapi import documented
from engage.web.api.responses import (
    ArticleData, CommentCreated, CommentsPage, CountsResult, MyRating, RatingResult, ReaderToken,
    StructuredData, TopRated)
from engage.web.api.schemas import (
    CommentBody, CountsQuery, PageQuery, RatingBody, ReaderQuery, RepliesQuery, TopRatedQuery,
    parse_body)
from engage.web.converters import ID_MAX
from engage.web.cache import etag_for, json_body_response, not_modified, public_cache_headers
from engage.web.observability import COMMENTS
from engage.web.keys import (
    network_hash, network_key, reader_claim, reader_id, reader_or_network_key)

bp = Blueprint("api", __name__)
csrf.exempt(bp)  # no cookies here: the reader token travels in a header (DESIGN.md §3)


def _limit(name: str):
    """A Flask-Limiter limit whose value is read from config at request time."""
    return lambda: current_app.config[name]


def accepted(response) -> bool:
    """Only writes that were accepted use up a reader's quota: a typo answered 422 stores
    nothing and should not lock the reader out (Flask-Limiter ``deduct_when``)."""
    return response.status_code < 400


def _pinned_runner():
    """The read fast path's per-thread autocommit connection, for single-statement writes
    (``PublicReadFastPath.run_statement``); ``None`` when the app has no fast path."""
    fast = current_app.extensions.get("engage_fastpath")
    return fast.run_statement if fast is not None else None


def _pinned_connection():
    """The read fast path's per-thread DBAPI connection, for the comment POST's
    statements (``PublicReadFastPath.pinned_connection``); ``None`` without a fast path."""
    fast = current_app.extensions.get("engage_fastpath")
    return fast.pinned_connection if fast is not None else None


def comment_limits() -> CommentLimits:
    """The comment length limits from config."""
    cfg = current_app.config
    return CommentLimits(cfg["COMMENT_MIN_CHARS"], cfg["COMMENT_MAX_CHARS"],
                         cfg["AUTHOR_NAME_MAX_CHARS"])


def iso(value) -> str:
    """ISO 8601 in UTC with a ``Z``."""
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def comment_json(comment) -> dict:
    """A published comment as the API shows it: sanitized HTML only, never the raw text.

    A top-level comment that is not published but has published replies is shown only as a
    placeholder above them (no author, no text, no likes), whose ``placeholder`` says why:
    ``deleted`` (by its author, or erased; ``deleted`` is then also true), ``pending`` (waiting
    for a moderator again: edited under pre-moderation, or sent back by reader reports) or
    ``hidden`` (rejected or spam).  A published comment has ``placeholder`` null.
    """
    if comment.status is not CommentStatus.APPROVED:  # a placeholder above published replies
        kind = _PLACEHOLDER.get(comment.status, "hidden")
        return {"id": comment.id, "author_name": None, "html": None,
                "deleted": kind == "deleted", "placeholder": kind,
                "created_at": iso(comment.created_at), "parent_id": comment.parent_id,
                "like_count": 0, "edited": False}
    return {"id": comment.id, "author_name": comment.author_name, "html": comment.body_html,
            "deleted": False, "placeholder": None, "created_at": iso(comment.created_at),
            "parent_id": comment.parent_id, "like_count": comment.like_count,
            "edited": comment.edited_at is not None}


_PLACEHOLDER = {CommentStatus.DELETED: "deleted", CommentStatus.PENDING: "pending"}


def item_json(item) -> dict:
    """A top-level comment with its first replies, their total and the cursor for more."""
    return {**comment_json(item.comment), "replies": [comment_json(r) for r in item.replies],
            "reply_count": item.reply_count, "replies_cursor": item.replies_cursor}


def page_args() -> dict:
    """``sort``, ``cursor`` and ``limit`` from the query string (see ``parse_page_args``)."""
    cfg = current_app.config
    return parse_page_args(request.args.get, cfg["COMMENTS_PAGE_SIZE"],
                           cfg["COMMENTS_PAGE_SIZE_MAX"])


def article_etag(site: str, article: str, version: int, args: dict) -> str:
    """The ETag of an article read: its version and the page arguments (shared with the fast
    path, which must produce the same validator)."""
    return etag_for("article", site, article, version, args["sort"], args["cursor"],
                    args["limit"])


@bp.post("/readers")
@documented(responses={201: ReaderToken}, query=ReaderQuery, errors=(404, 429))
@limiter.limit(_limit("LIMIT_READER_TOKENS"), key_func=network_key)
def create_reader():
    """Issue an anonymous reader token.

    ``?site=<slug>`` (a page rendering natively) makes the answer carry that site's CORS
    headers.  An unknown site is refused (404) instead of issuing a token without them, which
    looked like success to a server-side client and like an opaque CORS failure to a browser.

    :raises NotFound: ``site_not_found`` for a ``site`` that does not exist.
    """
    if request.args.get("site"):
        sites.get_site(db.session, request.args["site"])
    token = readers.issue_reader(db.session, current_app.extensions["engage_keys"]["reader"],
                                 network_hash(), utcnow())
    return jsonify({"token": token}), 201


@bp.get("/sites/<site>/articles/<article>")
@documented(responses={200: ArticleData, 304: None}, query=PageQuery, errors=(404, 422),
            headers=("If-None-Match",))
def get_article(site: str, article: str):
    """The widget's data: rating summary, first page of published comments, open flags.

    Public and cacheable: the ETag is the article's version plus the page arguments, so a
    conditional GET costs one indexed query, and a repeat read is served from the
    per-process cache (``engage.web.cache``).
    """
    args = page_args()
    version = sites.article_version(db.session, site, article)
    etag = article_etag(site, article, version, args) if version is not None else None
    if etag:
        unchanged = not_modified(etag)
        if unchanged is not None:
            return unchanged
        cache = current_app.extensions["engage_read_cache"]
        body = cache.get(etag)
        if body is None:
            body = _article_body(site, article, args)
            cache.put(etag, body)
        return json_body_response(body, etag)
    return json_body_response(_article_body(site, article, args), etag_for(site, article))


def _article_body(site: str, article: str, args: dict) -> bytes:
    """Serialise the article data (raises the service's 404/422 errors)."""
    page = comments.thread_page(db.session, site, article, **args)
    art = page.article
    return json.dumps({
        "site": site, "article": article,
        "title": art.title if art else "",
        "rating": ratings.summary_of(art).as_json(),
        "comment_count": art.comment_count if art else 0,
        "comments": [item_json(item) for item in page.items],
        "next_cursor": page.next_cursor,
        "comments_open": art.comments_open if art else True,
        "ratings_open": art.ratings_open if art else True,
    }, ensure_ascii=False, separators=(",", ":")).encode()


@bp.get("/sites/<site>/articles/<article>/comments")
@documented(responses={200: CommentsPage}, query=RepliesQuery, errors=(404, 422))
def list_comments(site: str, article: str):
    """One page of published comments ("load more"); with ``?parent=ID``, of that one's replies.

    With ``?since=CURSOR`` (live threads): the comments published after the cursor, flat
    (replies carry ``parent_id``), oldest publication first, with ``next_cursor`` to pass as
    ``since`` next time and the article's ``comment_count``; not combined with ``parent`` or
    ``cursor`` (422 ``param_invalid``).
    """
    args = page_args()
    parent = request.args.get("parent")
    since = request.args.get("since")
    if since is not None:
        return _comments_since(site, article, since, parent, args)
    if parent is not None:
        parent_id = ascii_int(parent)
        if parent_id is None:  # not a number (OpenAPI: an integer); a number naming none: 404
            raise InvalidInput("param_invalid", field="parent")
        parent_id = parent_id if parent_id <= ID_MAX else 0
        replies, cursor = comments.replies_page(db.session, site, article, parent_id,
                                                cursor=args["cursor"], limit=args["limit"])
        return jsonify({"comments": [comment_json(r) for r in replies], "next_cursor": cursor})
    page = comments.thread_page(db.session, site, article, **args)
    return jsonify({"comments": [item_json(item) for item in page.items],
                    "next_cursor": page.next_cursor})


def _comments_since(site: str, article: str, since: str, parent: str | None, args: dict):
    """The ``?since=`` answer of :func:`list_comments` (``engage.services.live``).

    :raises InvalidInput: ``param_invalid`` with ``parent`` or ``cursor``; ``cursor_invalid``.
    """
    if parent is not None or args["cursor"] is not None:
        raise InvalidInput("param_invalid", field="since")
    page = live.published_since(db.session, site, article, since, limit=args["limit"],
                                now=utcnow())
    return jsonify({"comments": [comment_json(c) for c in page.comments],
                    "next_cursor": page.next_cursor, "comment_count": page.comment_count})


@bp.put("/sites/<site>/articles/<article>/rating")
@documented(responses={200: RatingResult}, body=RatingBody, auth="reader",
            errors=(403, 404, 429))
@limiter.limit(_limit("LIMIT_RATING_WRITES"), key_func=reader_or_network_key,
               deduct_when=accepted)
def put_rating(site: str, article: str):
    """Vote or change one's vote (the vote itself checks the token's reader was not erased)."""
    reader = reader_claim()
    body = parse_body(RatingBody)
    cfg = current_app.config
    result = ratings.rate_article(db.session, site, article, reader, body.stars,
                                  network_hash(), utcnow(), cfg["RATING_NETWORK_DAILY_CAP"],
                                  durable=not cfg["RATING_ASYNC_COMMIT"], check_reader=True,
                                  run_pinned=_pinned_runner())
    return jsonify({"rating": result.summary.as_json(), "mine": result.mine})


@bp.delete("/sites/<site>/articles/<article>/rating")
@documented(responses={200: RatingResult}, auth="reader", errors=(403, 404, 422, 429))
@limiter.limit(_limit("LIMIT_RATING_WRITES"), key_func=reader_or_network_key,
               deduct_when=accepted)
def delete_rating(site: str, article: str):
    """Withdraw one's vote."""
    result = ratings.withdraw_rating(db.session, site, article, reader_claim(),
                                     durable=not current_app.config["RATING_ASYNC_COMMIT"],
                                     check_reader=True)
    return jsonify({"rating": result.summary.as_json(), "mine": None})


@bp.get("/sites/<site>/articles/<article>/rating")
@documented(responses={200: MyRating}, auth="reader", errors=(404, 422))
def get_my_rating(site: str, article: str):
    """The reader's own vote (uncached; the public summary is cacheable on its own)."""
    mine = ratings.reader_vote(db.session, site, article, reader_id())
    response = jsonify({"mine": mine})
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/sites/<site>/articles/<article>/comments")
@documented(responses={201: CommentCreated}, body=CommentBody, auth="reader",
            errors=(403, 404, 429), headers=("Idempotency-Key",))
@limiter.limit(_limit("LIMIT_COMMENT_POSTS"), key_func=reader_or_network_key,
               deduct_when=first_answers)
def post_comment(site: str, article: str):
    """Submit a comment; 201 with its id and status (``pending`` under pre-moderation).

    A retry (same ``Idempotency-Key`` and body) or a double (same text within a minute) gets
    the first answer again, marked ``Idempotent-Replayed: true``.
    """
    reader = reader_claim()  # the statement reading the site checks the reader was not erased
    body = parse_body(CommentBody)
    result = comments.submit_comment(db.session, site, article, reader, body.author_name,
                                     body.text, body.parent_id, network_hash(), utcnow(),
                                     comment_limits(), honeypot=body.website,
                                     form_age_ms=body.elapsed_ms,
                                     retry=retry_guard(body, site, article),
                                     assist=current_app.extensions["engage_assist"],
                                     contact=_contact(body.email), check_reader=True,
                                     pinned=_pinned_connection())
    COMMENTS.labels("replayed" if result.replayed else result.status.value).inc()
    headers = {REPLAYED_HEADER: "true"} if result.replayed else {}
    return jsonify({"id": result.id, "status": result.shown()}), 201, headers


def _contact(email: str | None) -> MailAddress | None:
    """The reply-notice address of a comment body, validated (``None`` when left empty).

    :raises InvalidInput: ``email_invalid``.
    """
    if email is None or not email.strip():
        return None
    return normalise_address(email, current_app.extensions["engage_keys"]["mail"])


@bp.get("/sites/<site>/counts")
@documented(responses={200: CountsResult, 304: None}, query=CountsQuery, errors=(404, 422),
            headers=("If-None-Match",))
def get_counts(site: str):
    """Published comment counts and rating summaries for ``?articles=a,b,c`` (at most 100;
    ``?articles=a&articles=b,c`` is the same list).

    Keys are checked as in a path (:func:`~engage.services.sites.validate_article_key`), on
    the strictly decoded bytes (:func:`~engage.web.api.params.strict_query_value`).

    :raises InvalidInput: ``article_key_invalid``, ``too_many_articles``.
    :raises NotFound: ``site_not_found``.
    """
    raw = strict_query_value(request.query_string, "articles", "article_key_invalid")
    keys = listing.parse_article_keys(raw or "")
    body = counts_body(listing.article_counts_on(db.session.connection(), site, keys))
    response = current_app.response_class(body, mimetype="application/json")
    response.set_etag(etag_for("counts", body))
    return public_cache_headers(response).make_conditional(request)


def counts_body(counts: dict) -> bytes:
    """The counts response body (shared with the fast path, so both give the same ETag)."""
    return json.dumps({"articles": counts}, ensure_ascii=False, separators=(",", ":")).encode()


def int_arg(name: str, default: int) -> int:
    """An integer query parameter.

    :raises InvalidInput: ``<name>_invalid`` when not an integer.
    """
    raw = request.args.get(name)
    if raw is None:
        return default
    value = ascii_int(raw)
    if value is None:
        raise InvalidInput(f"{name}_invalid", field=name)
    return value


@bp.get("/sites/<site>/top-rated")
@documented(responses={200: TopRated}, query=TopRatedQuery, errors=(404, 422))
def get_top_rated(site: str):
    """Top-rated articles of the last ``days`` days by Bayesian average (``limit`` ≤ 50)."""
    cfg = current_app.config
    ranked = listing.top_rated(db.session, site, days=int_arg("days", 7),
                               limit=int_arg("limit", 10), now=utcnow(),
                               min_votes=cfg["TOP_RATED_MIN_VOTES"],
                               prior_votes=float(cfg["TOP_RATED_PRIOR_VOTES"]))
    response = jsonify({"articles": [
        {"article": r.article.key, "title": r.article.title, "url": r.article.url,
         "score": round(r.score, 3), "rating": ratings.summary_of(r.article).as_json()}
        for r in ranked]})
    return public_cache_headers(response)


@bp.get("/sites/<site>/articles/<article>/structured-data")
@documented(responses={200: StructuredData}, errors=(404, 422))
def get_structured_data(site: str, article: str):
    """The article's schema.org AggregateRating JSON-LD, or ``null`` where none may be shown."""
    site_row = sites.get_site(db.session, site)
    art = sites.find_article(db.session, site_row, sites.validate_article_key(article))
    jsonld = aggregate_rating_jsonld(ratings.summary_of(art), site_row.structured_data_type,
                                     art.title if art else "", art.url if art else "")
    return public_cache_headers(jsonify({"jsonld": jsonld}))
