"""Thin views of the public API: parse → call one service → serialise."""
from __future__ import annotations

from datetime import timezone

from flask import Blueprint, current_app, jsonify, request

from engage.domain.comments import CommentLimits
from engage.extensions import csrf, db, limiter
from engage.models.types import utcnow
from engage.services import comments, listing, ratings, readers
from engage.web.api.schemas import CommentBody, RatingBody, parse_body
from engage.web.keys import network_hash, network_key, reader_id, reader_or_network_key

bp = Blueprint("api", __name__)
csrf.exempt(bp)  # no cookies here: the reader token travels in a header (DESIGN.md §3)


def _limit(name: str):
    """A Flask-Limiter limit whose value is read from config at request time."""
    return lambda: current_app.config[name]


def comment_limits() -> CommentLimits:
    """The comment length limits from config."""
    cfg = current_app.config
    return CommentLimits(cfg["COMMENT_MIN_CHARS"], cfg["COMMENT_MAX_CHARS"],
                         cfg["AUTHOR_NAME_MAX_CHARS"])


def iso(value) -> str:
    """ISO 8601 in UTC with a ``Z``."""
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def comment_json(comment, replies=()) -> dict:
    """A published comment as the API shows it (never the raw text's HTML-unsafe form)."""
    data = {"id": comment.id, "author_name": comment.author_name, "html": comment.body_html,
            "created_at": iso(comment.created_at), "parent_id": comment.parent_id}
    if comment.parent_id is None:
        data["replies"] = [comment_json(r) for r in replies]
    return data


def page_args() -> dict:
    """``sort``, ``cursor`` and a capped ``limit`` from the query string."""
    cfg = current_app.config
    try:
        limit = int(request.args.get("limit", cfg["COMMENTS_PAGE_SIZE"]))
    except ValueError:
        limit = cfg["COMMENTS_PAGE_SIZE"]
    return {"sort": request.args.get("sort", "newest"), "cursor": request.args.get("cursor"),
            "limit": max(1, min(limit, cfg["COMMENTS_PAGE_SIZE_MAX"]))}


@bp.post("/readers")
@limiter.limit(_limit("LIMIT_READER_TOKENS"), key_func=network_key)
def create_reader():
    """Issue an anonymous reader token."""
    token = readers.issue_reader(db.session, current_app.extensions["engage_keys"]["reader"],
                                 network_hash(), utcnow())
    return jsonify({"token": token}), 201


@bp.get("/sites/<site>/articles/<article>")
def get_article(site: str, article: str):
    """The widget's data: rating summary, first page of published comments, open flags."""
    page = comments.thread_page(db.session, site, article, **page_args())
    art = page.article
    return jsonify({
        "site": site, "article": article,
        "title": art.title if art else "",
        "rating": ratings.summary_of(art).as_json(),
        "comment_count": art.comment_count if art else 0,
        "comments": [comment_json(c, r) for c, r in page.items],
        "next_cursor": page.next_cursor,
        "comments_open": art.comments_open if art else True,
        "ratings_open": art.ratings_open if art else True,
    })


@bp.get("/sites/<site>/articles/<article>/comments")
def list_comments(site: str, article: str):
    """One page of published comments ("load more")."""
    page = comments.thread_page(db.session, site, article, **page_args())
    return jsonify({"comments": [comment_json(c, r) for c, r in page.items],
                    "next_cursor": page.next_cursor})


@bp.put("/sites/<site>/articles/<article>/rating")
@limiter.limit(_limit("LIMIT_RATING_WRITES"), key_func=reader_or_network_key)
def put_rating(site: str, article: str):
    """Vote or change one's vote."""
    reader = reader_id()
    body = parse_body(RatingBody)
    result = ratings.rate_article(db.session, site, article, reader, body.stars,
                                  network_hash(), utcnow())
    return jsonify({"rating": result.summary.as_json(), "mine": result.mine})


@bp.delete("/sites/<site>/articles/<article>/rating")
@limiter.limit(_limit("LIMIT_RATING_WRITES"), key_func=reader_or_network_key)
def delete_rating(site: str, article: str):
    """Withdraw one's vote."""
    result = ratings.withdraw_rating(db.session, site, article, reader_id())
    return jsonify({"rating": result.summary.as_json(), "mine": None})


@bp.get("/sites/<site>/articles/<article>/rating")
def get_my_rating(site: str, article: str):
    """The reader's own vote (uncached; the public summary is cacheable on its own)."""
    mine = ratings.reader_vote(db.session, site, article, reader_id())
    response = jsonify({"mine": mine})
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/sites/<site>/articles/<article>/comments")
@limiter.limit(_limit("LIMIT_COMMENT_POSTS"), key_func=reader_or_network_key)
def post_comment(site: str, article: str):
    """Submit a comment; 201 with its id and status (``pending`` under pre-moderation)."""
    reader = reader_id()
    body = parse_body(CommentBody)
    result = comments.submit_comment(db.session, site, article, reader, body.author_name,
                                     body.text, body.parent_id, network_hash(), utcnow(),
                                     comment_limits())
    return jsonify({"id": result.id, "status": result.status.value}), 201


@bp.get("/sites/<site>/counts")
def get_counts(site: str):
    """Published comment counts and rating summaries for ``?articles=a,b,c`` (at most 100)."""
    keys = [k for k in request.args.get("articles", "").split(",") if k]
    return jsonify({"articles": listing.article_counts(db.session, site, list(dict.fromkeys(keys)))})
