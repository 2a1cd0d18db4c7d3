"""Decisions from the workspace: one comment, a selection (bulk) and undo.  POST + CSRF only."""
from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engage.domain.errors import Conflict, EngageError, NotFound
from engage.extensions import db
from engage.models import CommentStatus, ModerationActionKind
from engage.models.types import utcnow
from engage.services import moderation_actions
from engage.services.moderation_actions import ActionResult
from engage.web.errors import message_for
from engage.web.i18n import display_datetime
from engage.web.moderation.forms import ActionForm, BulkForm, UndoForm
from engage.web.moderation.views import STATUS_LABELS, bp


def _back(form) -> str:
    """The queue page the moderator came from (only a local /moderation/ path), else the queue."""
    target = form.back.data or ""
    if target.startswith("/moderation/") and "//" not in target and "\\" not in target:
        return target
    return url_for("moderation.queue")


def _flash_result(result: ActionResult, undo: bool = False) -> None:
    """Say what changed and, for each comment left alone, who handled it and when."""
    if result.done:
        text = (_("Đã hoàn tác %(n)s bình luận.", n=len(result.done)) if undo
                else _("Đã xử lý %(n)s bình luận.", n=len(result.done)))
        flash(text, "ok")
    for s in result.skipped:
        flash(_("Bình luận #%(id)s đã được xử lý trước đó. Trạng thái hiện tại: %(status)s.",
                id=s.comment_id, status=STATUS_LABELS.get(s.status, s.status))
              + (" " + _("Người xử lý: %(by)s, lúc %(at)s.", by=s.by or _("độc giả"),
                         at=display_datetime(s.at)) if s.at else ""), "error")


def _decide(form, ids: list[int]) -> None:
    try:
        result = moderation_actions.decide(
            db.session, current_user.moderator, ids, ModerationActionKind(form.action.data),
            CommentStatus(form.expected.data), utcnow(),
            reason_code=form.reason_code.data or "", note=form.reason.data or "",
            request_id=g.request_id)
    except NotFound:
        abort(404)
    except EngageError as err:
        flash(message_for(err.code, err.params), "error")
        return
    _flash_result(result)


@bp.post("/comments/<int(max=2147483647):comment_id>")
@login_required
def act(comment_id: int):
    """Approve, reject (reason code + optional note) or mark spam one comment."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    _decide(form, [comment_id])
    return redirect(_back(form))


@bp.post("/bulk")
@login_required
def bulk():
    """One decision on the ticked comments, or on every comment of the page."""
    form = BulkForm()
    if not form.validate_on_submit():
        abort(400)
    _decide(form, form.selected())
    return redirect(_back(form))


@bp.post("/actions/<int(max=2147483647):action_id>/undo")
@login_required
def undo(action_id: int):
    """Undo one of the moderator's recent decisions (a bulk one as a whole)."""
    form = UndoForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        result = moderation_actions.undo(db.session, current_user.moderator, action_id,
                                         utcnow(), current_app.config["MODERATION_UNDO_WINDOW_S"],
                                         g.request_id)
    except NotFound:
        abort(404)
    except (Conflict, EngageError) as err:
        flash(message_for(err.code, err.params), "error")
    else:
        _flash_result(result, undo=True)
    return redirect(_back(form))
