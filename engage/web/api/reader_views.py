"""Reader actions on comments under /api/v1: like, report, edit, delete — and the reader's own state.

Attached to the public API blueprint.  Every write takes the reader token from
``X-Engage-Reader``, parses a strict body, calls one service (one transaction) and is limited
per reader (falling back to the IP network); only accepted writes use up the quota.
"""
from __future__ import annotations

from flask import current_app, jsonify

from engage.extensions import db, limiter
from engage.models import ReportReason
from engage.models.types import utcnow
from engage.services import comment_edits, reactions, reader_state
from engage.web.api.openapi import documented
from engage.web.api.responses import (
    DeleteResult, EditResult, LikeResult, ReaderState, ReportResult)
from engage.web.api.schemas import EditBody, ReportBody, parse_body
from engage.web.api.views import accepted, bp, comment_limits, iso
from engage.web.keys import network_hash, reader_claim, reader_id, reader_or_network_key

COMMENT = "/sites/<site>/articles/<article>/comments/<id:comment_id>"


def _limited(name: str):
    """The per-reader write limit named ``name`` in config, read at request time."""
    return limiter.limit(lambda: current_app.config[name], key_func=reader_or_network_key,
                         deduct_when=accepted)


def _like(site: str, article: str, comment_id: int, liked: bool):
    result = reactions.set_like(db.session, site, article, comment_id, reader_claim(), liked,
                                utcnow(), check_reader=True)
    return jsonify({"id": comment_id, "like_count": result.like_count, "liked": result.liked})


@bp.put(COMMENT + "/like")
@documented(responses={200: LikeResult}, auth="reader", errors=(403, 404, 422, 429))
@_limited("LIMIT_LIKE_WRITES")
def like_comment(site: str, article: str, comment_id: int):
    """Like a published comment (liking it again changes nothing) → its like count."""
    return _like(site, article, comment_id, True)


@bp.delete(COMMENT + "/like")
@documented(responses={200: LikeResult}, auth="reader", errors=(403, 404, 422, 429))
@_limited("LIMIT_LIKE_WRITES")
def unlike_comment(site: str, article: str, comment_id: int):
    """Take one's like back (no like: nothing changes) → the like count."""
    return _like(site, article, comment_id, False)


@bp.post(COMMENT + "/reports")
@documented(responses={200: ReportResult, 201: ReportResult}, body=ReportBody,
            auth="reader", errors=(403, 404, 429))
@_limited("LIMIT_REPORTS")
def report_comment(site: str, article: str, comment_id: int):
    """Report a published comment with a reason: 201 the first time, 200 for a repeat."""
    reader = reader_claim()  # the report holds the reader row itself (check_reader)
    body = parse_body(ReportBody)
    created = reactions.report_comment(db.session, site, article, comment_id, reader,
                                       ReportReason(body.reason), body.note, network_hash(),
                                       utcnow(), check_reader=True)
    return jsonify({"id": comment_id, "reported": True}), 201 if created else 200


@bp.patch(COMMENT)
@documented(responses={200: EditResult}, body=EditBody, auth="reader",
            errors=(403, 404, 409, 429))
@_limited("LIMIT_COMMENT_EDITS")
def edit_comment(site: str, article: str, comment_id: int):
    """Edit one's own comment within the window; it is moderated again → status and HTML."""
    reader = reader_id()
    body = parse_body(EditBody)
    result = comment_edits.edit_comment(db.session, site, article, comment_id, reader,
                                        body.text, utcnow(), comment_limits(),
                                        current_app.config["COMMENT_EDIT_WINDOW_S"],
                                        assist=current_app.extensions["engage_assist"])
    return jsonify({"id": result.id, "status": result.status.value, "html": result.html,
                    "edited_at": iso(result.edited_at) if result.edited_at else None})


@bp.delete(COMMENT)
@documented(responses={200: DeleteResult}, auth="reader", errors=(403, 404, 409, 422, 429))
@_limited("LIMIT_COMMENT_EDITS")
def delete_comment(site: str, article: str, comment_id: int):
    """Delete one's own comment within the window (deleting it again changes nothing)."""
    result = comment_edits.delete_comment(db.session, site, article, comment_id, reader_id(),
                                          utcnow(), current_app.config["COMMENT_EDIT_WINDOW_S"])
    return jsonify({"id": result.id, "status": "deleted"})


@bp.get("/sites/<site>/articles/<article>/me")
@documented(responses={200: ReaderState}, auth="reader", errors=(404, 422))
def get_reader_state(site: str, article: str):
    """The reader's own state: their vote, the comments they like and reported, the ones
    they may still edit (uncached: the public article read stays the same for everyone)."""
    state = reader_state.reader_state(db.session, site, article, reader_id(), utcnow(),
                                      current_app.config["COMMENT_EDIT_WINDOW_S"])
    response = jsonify({"rating": state.rating, "liked": state.liked,
                        "reported": state.reported, "own": list(state.own),
                        "editable_until": {str(k): iso(v) for k, v in state.own.items()}})
    response.headers["Cache-Control"] = "private, no-store"
    return response
