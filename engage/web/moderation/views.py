"""Moderator workspace views: thin wrappers over services.moderation and services.accounts."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from engage.domain.errors import Conflict, EngageError
from engage.extensions import db, limiter
from engage.models import CommentStatus, ModerationActionKind
from engage.models.types import utcnow
from engage.services import accounts, moderation, rating_admin
from engage.web.errors import message_for
from engage.web.i18n import display_datetime
from engage.web.keys import network_key
from engage.web.moderation.auth import ModeratorUser
from engage.web.moderation.forms import ActionForm, LoginForm, LogoutForm

bp = Blueprint("moderation", __name__)

STATUS_LABELS = {"pending": _l("Chờ duyệt"), "approved": _l("Đã duyệt"),
                 "rejected": _l("Đã từ chối"), "spam": _l("Spam"), "deleted": _l("Đã xóa")}


@bp.context_processor
def _forms() -> dict:
    """Every workspace page carries the logout form (POST + CSRF)."""
    return {"logout_form": LogoutForm(), "status_labels": STATUS_LABELS}


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LIMIT_LOGIN"], key_func=network_key,
               methods=["POST"])
def login():
    """Log in; the same message for an unknown user and a wrong password."""
    form = LoginForm()
    if form.validate_on_submit():
        moderator = accounts.authenticate(db.session, form.username.data, form.password.data)
        if moderator is not None:
            login_user(ModeratorUser(moderator))
            return redirect(url_for("moderation.queue"))
        flash(_("Tên đăng nhập hoặc mật khẩu không đúng."), "error")
    return render_template("moderation/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Log out and revoke every session of this moderator."""
    if not LogoutForm().validate_on_submit():
        abort(400)
    accounts.revoke_sessions(db.session, current_user.moderator.id)
    logout_user()
    return redirect(url_for("moderation.login"))


@bp.get("/")
@login_required
def queue():
    """The moderation queue for one state (pending by default), oldest first (``?sort=risk``:
    riskiest first); ``reported``: the pending comments that reader reports sent back."""
    reported = request.args.get("status") == "reported"
    try:
        status = CommentStatus("pending" if reported else request.args.get("status", "pending"))
    except ValueError:
        abort(404)
    sort = request.args.get("sort", "oldest")
    if sort not in moderation.QUEUE_SORTS:
        abort(404)
    mod_id = current_user.moderator.id
    cfg = current_app.config
    items = moderation.queue(db.session, mod_id, status, cfg["QUEUE_PAGE_SIZE"],
                             reported=reported, sort=sort)
    alarms = rating_admin.velocity_alarms(db.session, mod_id, utcnow(),
                                          min_votes=cfg["VELOCITY_MIN_VOTES"],
                                          factor=float(cfg["VELOCITY_FACTOR"]))
    return render_template("moderation/queue.html", items=items, status=status, alarms=alarms,
                           reported=reported, sort=sort,
                           counts=moderation.queue_counts(db.session, mod_id),
                           statuses=list(CommentStatus), form=ActionForm(),
                           fmt_time=display_datetime)


@bp.post("/comments/<int(max=2147483647):comment_id>")
@login_required
def act(comment_id: int):
    """Approve, reject or mark spam one comment; back to the queue with a notice."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        moderation.moderate(db.session, current_user.moderator, comment_id,
                            ModerationActionKind(form.action.data),
                            CommentStatus(form.expected.data), utcnow(),
                            reason=form.reason.data or "", request_id=g.request_id)
        flash(_("Đã xử lý bình luận #%(id)s.", id=comment_id), "ok")
    except Conflict as err:
        status = STATUS_LABELS.get(err.params.get("status", ""), err.params.get("status", ""))
        flash(message_for(err.code, {}) + " " + _("Trạng thái hiện tại: %(status)s.",
                                                   status=status), "error")
    except EngageError as err:
        if err.code == "comment_not_found":
            abort(404)
        flash(message_for(err.code, err.params), "error")
    return redirect(url_for("moderation.queue", status=form.expected.data))
