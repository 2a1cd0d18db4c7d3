"""A moderator's own alert settings: the address and, per site, the queue digest and the daily
summary (sent by ``engage send-mail``; see engage.services.mod_alerts)."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engage.domain.errors import InvalidInput
from engage.extensions import db
from engage.services import alert_prefs
from engage.web.errors import message_for
from engage.web.moderation.forms import AlertsForm
from engage.web.moderation.views import bp


def _ids(name: str) -> set[int]:
    return {int(v) for v in request.form.getlist(name) if v.isascii() and v.isdigit()
            and len(v) < 10}


@bp.route("/account/alerts", methods=["GET", "POST"])
@login_required
def alerts_page():
    """Show and save one's alert settings (only one's own sites can be switched)."""
    moderator_id = current_user.moderator.id
    form = AlertsForm()
    if form.validate_on_submit():
        try:
            alert_prefs.save_alerts(db.session, moderator_id, form.email.data or "",
                                    _ids("digest"), _ids("daily"),
                                    current_app.extensions["engage_keys"]["mail"])
        except InvalidInput as err:
            form.email.errors = [message_for(err.code, err.params)]
        else:
            flash(_("Đã lưu cài đặt thông báo."), "ok")
            return redirect(url_for("moderation.alerts_page"))
    email, sites = alert_prefs.my_alerts(db.session, moderator_id)
    if request.method == "GET":
        form.email.data = email
    return render_template("moderation/alerts.html", form=form, sites=sites)
