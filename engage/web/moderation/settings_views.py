"""Site settings for site admins: moderation settings, the site's word lists, a test box."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engage.domain.errors import EngageError
from engage.domain.moderation.matcher import merge_spans
from engage.extensions import db
from engage.models import WordListKind
from engage.models.types import utcnow
from engage.services import api_keys, site_settings
from engage.web.i18n import display_datetime
from engage.web.errors import message_for
from engage.web.moderation.forms import SettingsForm, WordForm
from engage.web.moderation.views import bp


@bp.context_processor
def _admin_sites() -> dict:
    """The sites the logged-in moderator administers (the "Settings" links)."""
    def sites():
        if not current_user.is_authenticated or not hasattr(current_user, "moderator"):
            return []
        return site_settings.admin_sites(db.session, current_user.moderator.id)
    return {"admin_sites": sites}


@bp.get("/sites/<int(max=2147483647):site_id>/settings")
@login_required
def site_settings_page(site_id: int):
    """The settings form, the word lists and, with ``?sentence=``, what in it matches."""
    mod_id = current_user.moderator.id
    site = site_settings.admin_site(db.session, mod_id, site_id)
    sentence = request.args.get("sentence", "")
    banned, suspect = (site_settings.try_sentence(db.session, mod_id, site_id, sentence)
                       if sentence else ([], []))
    spans = [{"spans": [list(s) for s in merge_spans(banned + suspect)]}]
    return render_template("moderation/settings.html", site=site, form=SettingsForm(obj=site),
                           word_form=WordForm(), fmt_time=display_datetime,
                           keys=api_keys.list_keys(db.session, mod_id, site_id),
                           words=site_settings.words(db.session, mod_id, site_id),
                           sentence=sentence, banned=banned, suspect=suspect, spans=spans)


def _done(site_id: int):
    return redirect(url_for("moderation.site_settings_page", site_id=site_id))


@bp.post("/sites/<int(max=2147483647):site_id>/settings")
@login_required
def save_settings(site_id: int):
    """Store the moderation settings."""
    form = SettingsForm()
    if not form.validate_on_submit():
        site_settings.admin_site(db.session, current_user.moderator.id, site_id)  # 404 first
        flash(_("Giá trị không hợp lệ: %(fields)s", fields=", ".join(form.errors)), "error")
        return _done(site_id)
    site_settings.update_settings(db.session, current_user.moderator, site_id,
                                  site_settings.Settings(
                                      bool(form.premoderation.data), form.auto_close_days.data,
                                      form.first_n_hold.data, form.link_limit.data,
                                      form.report_threshold.data, form.alert_pending.data,
                                      form.alert_oldest_minutes.data))
    flash(_("Đã lưu cài đặt."), "ok")
    return _done(site_id)


@bp.post("/sites/<int(max=2147483647):site_id>/words")
@login_required
def add_word(site_id: int):
    """Add a banned or suspect entry."""
    form = WordForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        site_settings.add_word(db.session, current_user.moderator, site_id,
                               WordListKind(form.kind.data), form.entry.data)
    except EngageError as err:
        if err.code not in ("entry_invalid", "entry_exists"):
            raise
        flash(message_for(err.code, err.params), "error")
    else:
        flash(_("Đã thêm “%(entry)s”.", entry=form.entry.data), "ok")
    return _done(site_id)


@bp.post("/sites/<int(max=2147483647):site_id>/words/<int(max=2147483647):word_id>/delete")
@login_required
def remove_word(site_id: int, word_id: int):
    """Remove an entry."""
    # The CSRF token is checked by CSRFProtect before any POST view runs.
    site_settings.remove_word(db.session, current_user.moderator, site_id, word_id)
    flash(_("Đã xóa mục khỏi danh sách."), "ok")
    return _done(site_id)


@bp.post("/sites/<int(max=2147483647):site_id>/api-keys")
@login_required
def create_api_key(site_id: int):
    """Create a per-site API key; it is shown once, in the notice."""
    name = request.form.get("name", "")
    try:
        key = api_keys.create_key(db.session, current_user.moderator, site_id, name, utcnow())
    except EngageError as err:
        if err.code != "name_invalid":
            raise
        flash(message_for(err.code, err.params), "error")
    else:
        flash(_("Khóa API mới (chỉ hiện một lần, hãy lưu lại ngay): %(key)s", key=key), "ok")
    return _done(site_id)


@bp.post("/sites/<int(max=2147483647):site_id>/api-keys/<int(max=2147483647):key_id>/revoke")
@login_required
def revoke_api_key(site_id: int, key_id: int):
    """Revoke a key at once."""
    api_keys.revoke_key(db.session, current_user.moderator, site_id, key_id)
    flash(_("Đã thu hồi khóa API."), "ok")
    return _done(site_id)
