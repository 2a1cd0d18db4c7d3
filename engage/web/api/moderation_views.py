"""The moderator JSON API (``/api/v1/moderation/…``) for a newsroom's CMS: the queue, decisions,
undo and the audit log, with the same scoping, rules and errors as the workspace pages.

Authenticated by a per-site API key (``Authorization: Bearer ek_…``, made by a site admin on
the settings page) or by the moderator's session cookie; with the session, writes also need
its CSRF token in ``X-CSRFToken`` (the queue answer carries it), because the API blueprint is
otherwise CSRF-exempt (reader calls carry no cookies).
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, g, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from engage.domain.errors import Unauthorized
from engage.domain.moderation.reasons import reason_text
from engage.extensions import csrf, db
from engage.models import CommentStatus, ModerationActionKind
from engage.models.types import utcnow
from engage.services import api_keys, assist, audit, moderation_actions
from engage.services.moderation_actions import ActionResult
from engage.services.moderation_queue import check_scope, queue_counts, queue_page
from engage.web.api.openapi import documented
from engage.web.api.responses import AssistAgreement, AuditLog, DecisionResult, ModerationQueue
from engage.web.api.schemas import (
    AgreementQuery, AuditQuery, DecisionBody, QueueQuery, parse_body)
from engage.web.api.views import bp, iso
from engage.web.moderation.audit_views import audit_query
from engage.web.moderation.params import days_arg, limit_arg, site_arg
from engage.web.moderation.queue_views import QUEUE_MAX, queue_filter


def _reason_json(reason: dict) -> dict:
    """A stored reason with its wording in Vietnamese and English."""
    return {**reason, "text": {"vi": reason_text(reason.get("code", ""), "vi"),
                               "en": reason_text(reason.get("code", ""), "en")}}


def _moderator(write: bool = False):
    """The caller: a per-site API key (``Authorization: Bearer ek_…``, no cookie, so no CSRF)
    or the logged-in moderator (writes need the session's CSRF token).

    :raises Unauthorized: ``api_key_invalid``; ``moderator_login_required``.
    """
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, key = header.partition(" ")
        moderator = (api_keys.moderator_for_key(db.session, key.strip())
                     if scheme.lower() == "bearer" else None)
        if moderator is None:
            raise Unauthorized("api_key_invalid")
        return moderator
    if not current_user.is_authenticated:
        raise Unauthorized("moderator_login_required")
    if write:
        csrf.protect()
    return current_user.moderator


def _private(payload: dict):
    response = jsonify(payload)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _item_json(i) -> dict:
    c, h = i.comment, i.history
    return {
        "id": c.id, "site": i.site.slug, "status": c.status.value,
        "article": {"id": i.article.id, "key": i.article.key, "title": i.article.title,
                    "url": i.article.url},
        "author_name": c.author_name, "text": c.body_raw, "html": c.body_html,
        "parent_id": c.parent_id, "created_at": iso(c.created_at),
        "report_count": c.report_count, "reader": c.reader_id,
        "parent": None if i.parent is None else {"id": i.parent.id, "text": i.parent.body_raw,
                                                 "author_name": i.parent.author_name},
        "history": {"approved": h.approved, "rejected": h.rejected, "spam": h.spam,
                    "pending": h.pending, "bans": h.bans,
                    "first_seen": iso(h.first_seen) if h.first_seen else None},
        "reasons": [_reason_json(r) for r in c.moderation_reasons or ()],
        "assist": _assist_json(c)}


def _assist_json(comment) -> dict | None:
    """The moderation assistant's stored risk and its words; ``None`` when never scored."""
    if comment.assist_risk is None:
        return None
    return {"risk": round(comment.assist_risk, 4), "terms": comment.assist_terms or []}


@bp.get("/moderation/queue")
@documented(responses={200: ModerationQueue}, query=QueueQuery, auth="moderator_api",
            tag="moderation", errors=(404, 422))
def moderation_queue():
    """``?status=pending|reported|approved|rejected|spam|deleted&site=&article=&reason=&reader=
    &order=oldest|newest|risk&cursor=&limit=`` → counts, items, ``next_cursor``, ``csrf_token``.

    :raises Unauthorized: ``moderator_login_required`` without a moderator session.
    ``site`` is an id or a slug, ``article`` an id or a key (unique among the moderator's sites,
    or give ``site``); ``sort`` is accepted for ``order``; ``limit`` 1..200 (default 50: out of
    range is 422, not clamped).

    :raises InvalidInput: ``status_invalid``, ``sort_invalid``, ``limit_invalid``,
        ``cursor_invalid``, ``article_ambiguous``, …
    :raises NotFound: a site, article or reader filter outside the moderator's sites.
    """
    mod_id = _moderator().id
    flt = queue_filter(mod_id).validated()
    limit = limit_arg(50, QUEUE_MAX)
    check_scope(db.session, mod_id, site_id=flt.site_id, article_id=flt.article_id,
                reader=flt.reader)
    page = queue_page(db.session, mod_id, flt, limit, request.args.get("cursor") or None)
    return _private({"counts": queue_counts(db.session, mod_id, flt.site_id, flt.article_id),
                     "items": [_item_json(i) for i in page.items],
                     "next_cursor": page.next_cursor,
                     "csrf_token": None if request.headers.get("Authorization")
                     else generate_csrf()})


def _result_json(result: ActionResult) -> dict:
    return {"done": result.done, "skipped": [
        {"id": s.comment_id, "status": s.status, "by": s.by,
         "at": iso(s.at) if s.at else None} for s in result.skipped]}


@bp.post("/moderation/decisions")
@documented(responses={200: DecisionResult}, body=DecisionBody, auth="moderator_api",
            tag="moderation", errors=(403, 404, 409))
def moderation_decide():
    """One decision on 1..200 comments → ``{"done": [...], "skipped": [...]}`` (200).

    :raises NotFound: ``comment_not_found`` when any id is outside the moderator's sites.
    :raises InvalidInput: as :func:`engage.services.moderation_actions.decide`.
    """
    moderator = _moderator(write=True)
    body = parse_body(DecisionBody)
    result = moderation_actions.decide(
        db.session, moderator, body.ids, ModerationActionKind(body.action),
        CommentStatus(body.expected), utcnow(), reason_code=body.reason_code, note=body.note,
        request_id=g.request_id)
    return _private(_result_json(result))


@bp.post("/moderation/actions/<int(max=2147483647):action_id>/undo")
@documented(responses={200: DecisionResult}, auth="moderator_api", tag="moderation",
            errors=(403, 404, 409, 422))
def moderation_undo(action_id: int):
    """Undo one of the moderator's recent decisions (its whole batch) → done/skipped.

    :raises NotFound: ``action_not_found``.  :raises InvalidInput: ``undo_expired``, …
    :raises Conflict: ``already_undone``.
    """
    moderator = _moderator(write=True)
    result = moderation_actions.undo(db.session, moderator, action_id, utcnow(),
                                     current_app.config["MODERATION_UNDO_WINDOW_S"],
                                     g.request_id)
    return _private(_result_json(result))


@bp.get("/moderation/audit")
@documented(responses={200: AuditLog}, query=AuditQuery, auth="moderator_api",
            tag="moderation", errors=(404, 422))
def moderation_audit():
    """The audit log (``moderator, action, comment, reader, site, since, until`` as the page;
    ``site`` an id or a slug), newest first, ``limit`` rows (1..200, default 200; out of range
    is 422, not clamped), then older ones from ``cursor`` (the previous ``next_cursor``).

    :raises InvalidInput: ``param_invalid``, ``date_invalid``, ``action_invalid``,
        ``limit_invalid``, ``cursor_invalid``.
    :raises NotFound: a site, comment, reader or moderator outside the moderator's sites.
    """
    mod_id = _moderator().id
    q = audit_query(mod_id)
    limit = limit_arg(200, 200)
    cursor = request.args.get("cursor", "")
    before = audit.decode_cursor(cursor) if cursor else None
    check_scope(db.session, mod_id, site_id=q.site_id, comment_id=q.comment_id,
                reader=q.reader, moderator_name=q.moderator)
    rows = audit.search(db.session, mod_id, q, limit, before)
    return _private({"next_cursor": audit.encode_cursor(rows[-1]) if len(rows) == limit
                     else None, "items": [{
        "id": r.action.id, "at": iso(r.action.created_at), "site": r.site,
        "moderator": r.moderator, "action": r.action.action.value,
        "comment_id": r.action.comment_id, "reader": r.reader,
        "from": r.action.from_status, "to": r.action.to_status,
        "reason_code": r.action.reason_code, "note": r.action.reason,
        "undoes_id": r.action.undoes_id, "request_id": r.action.request_id} for r in rows]})


@bp.get("/moderation/assist/agreement")
@documented(responses={200: AssistAgreement}, query=AgreementQuery, auth="moderator_api",
            tag="moderation", errors=(404, 422))
def assist_agreement():
    """How often moderators agreed with the assistant's hold / no-hold on their sites.

    ``?site=<slug or id>`` (one of the moderator's sites), ``?days=N`` (decisions of the last
    N days, 1..365; default all).  Answers :meth:`engage.services.assist.Agreement.as_json`.

    :raises Unauthorized: ``moderator_login_required`` / ``api_key_invalid``.
    :raises InvalidInput: ``days_invalid``, ``param_invalid``.
    :raises NotFound: ``site_not_found`` for an unknown site or another tenant's (alike).
    """
    mod_id = _moderator().id
    site_id = site_arg(mod_id)
    days = days_arg(0)
    since = utcnow() - timedelta(days=days) if days else None
    result = assist.agreement(db.session, mod_id,
                              float(current_app.config["ASSIST_HOLD_THRESHOLD"]), since=since,
                              site_id=site_id)
    return _private(result.as_json())
