"""The moderation queue as JSON (``/api/v1/moderation/queue``) for a newsroom's CMS.

Read-only and authenticated by the moderator's session; scoped, like every moderator route, to
the moderator's own sites.  Decisions, reasons (in both languages) and matched spans are the
ones the pipeline stored on each comment.
"""
from __future__ import annotations

from flask import current_app, jsonify, request
from flask_login import current_user

from engage.domain.errors import InvalidInput, Unauthorized
from engage.domain.moderation.reasons import reason_text
from engage.extensions import db
from engage.models import CommentStatus
from engage.services import moderation
from engage.web.api.openapi import documented
from engage.web.api.responses import ModerationQueue
from engage.web.api.schemas import QueueQuery
from engage.web.api.views import bp, iso


def _reason_json(reason: dict) -> dict:
    """A stored reason with its wording in Vietnamese and English."""
    return {**reason, "text": {"vi": reason_text(reason.get("code", ""), "vi"),
                               "en": reason_text(reason.get("code", ""), "en")}}


@bp.get("/moderation/queue")
@documented(responses={200: ModerationQueue}, query=QueueQuery, auth="moderator",
            tag="moderation", errors=(422,))
def moderation_queue():
    """``?status=pending|approved|rejected|spam|deleted|reported&limit=`` (oldest first).

    :raises Unauthorized: ``moderator_login_required`` without a moderator session.
    :raises InvalidInput: ``status_invalid``, ``limit_invalid``.
    """
    if not current_user.is_authenticated:
        raise Unauthorized("moderator_login_required")
    raw = request.args.get("status", "pending")
    reported = raw == "reported"
    try:
        status = CommentStatus.PENDING if reported else CommentStatus(raw)
    except ValueError:
        raise InvalidInput("status_invalid", field="status") from None
    limit = request.args.get("limit", "50")
    if not (limit.isascii() and limit.isdigit() and 0 < int(limit) <= 200):
        raise InvalidInput("limit_invalid", field="limit")
    mod_id = current_user.moderator.id
    items = moderation.queue(db.session, mod_id, status, int(limit), reported=reported)
    response = jsonify({
        "counts": moderation.queue_counts(db.session, mod_id),
        "items": [{
            "id": i.comment.id, "site": i.site.slug, "status": i.comment.status.value,
            "article": {"key": i.article.key, "title": i.article.title, "url": i.article.url},
            "author_name": i.comment.author_name, "text": i.comment.body_raw,
            "html": i.comment.body_html, "parent_id": i.comment.parent_id,
            "created_at": iso(i.comment.created_at),
            "report_count": getattr(i.comment, "report_count", 0),
            "reasons": [_reason_json(r) for r in i.comment.moderation_reasons or ()],
        } for i in items]})
    response.headers["Cache-Control"] = "private, no-store"
    return response
