"""The moderation queue as JSON (``/api/v1/moderation/queue``) for a newsroom's CMS.

Read-only and authenticated by the moderator's session; scoped, like every moderator route, to
the moderator's own sites.  Decisions, reasons (in both languages) and matched spans are the
ones the pipeline stored on each comment.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, jsonify, request
from flask_login import current_user

from engage.domain.errors import InvalidInput, Unauthorized
from engage.domain.moderation.reasons import reason_text
from engage.extensions import db
from engage.models import CommentStatus
from engage.models.types import utcnow
from engage.services import assist, moderation
from engage.web.api.views import bp, iso


def _reason_json(reason: dict) -> dict:
    """A stored reason with its wording in Vietnamese and English."""
    return {**reason, "text": {"vi": reason_text(reason.get("code", ""), "vi"),
                               "en": reason_text(reason.get("code", ""), "en")}}


def _assist_json(comment) -> dict | None:
    """The stored risk and its words, or ``None`` when the comment was never scored."""
    if comment.assist_risk is None:
        return None
    return {"risk": round(comment.assist_risk, 4), "terms": comment.assist_terms or []}


@bp.get("/moderation/queue")
def moderation_queue():
    """``?status=pending|approved|rejected|spam|deleted|reported&limit=&sort=oldest|risk``.

    Each item carries ``assist``: the moderation assistant's ``risk`` and ``terms`` (``null``
    when the comment was not scored); ``sort=risk`` puts the riskiest first.

    :raises Unauthorized: ``moderator_login_required`` without a moderator session.
    :raises InvalidInput: ``status_invalid``, ``limit_invalid``, ``sort_invalid``.
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
    items = moderation.queue(db.session, mod_id, status, int(limit), reported=reported,
                             sort=request.args.get("sort", "oldest"))
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
            "assist": _assist_json(i.comment),
        } for i in items]})
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/moderation/assist/agreement")
def assist_agreement():
    """How often moderators agreed with the assistant's hold / no-hold on their sites.

    ``?site=<slug>`` (one of the moderator's sites), ``?days=N`` (decisions of the last N days;
    default all).  Answers :meth:`engage.services.assist.Agreement.as_json`.

    :raises Unauthorized: ``moderator_login_required``.
    :raises InvalidInput: ``days_invalid``.
    """
    if not current_user.is_authenticated:
        raise Unauthorized("moderator_login_required")
    days = request.args.get("days", "")
    if days and not (days.isascii() and days.isdigit() and 0 < int(days) <= 365):
        raise InvalidInput("days_invalid", field="days")
    since = utcnow() - timedelta(days=int(days)) if days else None
    cfg = current_app.config
    result = assist.agreement(db.session, current_user.moderator.id,
                              float(cfg["ASSIST_HOLD_THRESHOLD"]), since=since,
                              site_slug=request.args.get("site") or None)
    response = jsonify(result.as_json())
    response.headers["Cache-Control"] = "private, no-store"
    return response
