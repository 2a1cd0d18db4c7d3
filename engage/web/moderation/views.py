"""Moderator workspace: the blueprint, login and logout (queue, actions and audit live in
``queue_views``, ``actions_views`` and ``audit_views``)."""
from __future__ import annotations

from flask import (
    Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from engage.extensions import db, limiter
from engage.services import accounts
from engage.web.keys import network_key
from engage.web.moderation.auth import ModeratorUser
from engage.domain.errors import InvalidInput
from engage.web.errors import message_for
from engage.web.moderation.forms import LoginForm, LogoutForm, PasswordForm

bp = Blueprint("moderation", __name__)

STATUS_LABELS = {"pending": _l("Chờ duyệt"), "approved": _l("Đã duyệt"),
                 "rejected": _l("Đã từ chối"), "spam": _l("Spam"), "deleted": _l("Đã xóa")}


@bp.context_processor
def _forms() -> dict:
    """Every workspace page carries the logout form (POST + CSRF).

    Built with ``formdata=None``: only its CSRF token is rendered, and reading the request body
    here would raise again inside the error page of a body that was refused (413 → 500, found
    by a new-user test posting 70 KB to the login form).
    """
    return {"logout_form": LogoutForm(formdata=None), "status_labels": STATUS_LABELS}


def _account_key() -> str:
    """Login attempts count per username typed, known or not (so the limit is no oracle)."""
    return "login-account:" + request.form.get("username", "")[:64].casefold()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LIMIT_LOGIN"], key_func=network_key,
               methods=["POST"])
@limiter.limit(lambda: current_app.config["LIMIT_LOGIN_ACCOUNT"], key_func=_account_key,
               methods=["POST"])
def login():
    """Log in; the same message for an unknown user and a wrong password."""
    form = LoginForm()
    if form.validate_on_submit():
        moderator = accounts.authenticate(db.session, form.username.data, form.password.data)
        if moderator is not None:
            session.clear()  # nothing from before the login survives into the new session
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


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's password: every other session of this moderator ends; this one goes on."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            moderator = accounts.change_password(db.session, current_user.moderator.id,
                                                 form.current_password.data,
                                                 form.new_password.data)
        except InvalidInput as err:
            flash(message_for(err.code, err.params), "error")
        else:
            session.clear()
            login_user(ModeratorUser(moderator))
            flash(_("Đã đổi mật khẩu. Mọi phiên đăng nhập khác đã bị đăng xuất."), "ok")
            return redirect(url_for("moderation.queue"))
    return render_template("moderation/password.html", form=form)
