"""Ban a reader or IP network from the moderation queue ("ban from here")."""
from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engage.domain.errors import InvalidInput, NotFound
from engage.extensions import db
from engage.models import BanScope
from engage.models.types import utcnow
from engage.services import bans
from engage.web.errors import message_for
from engage.web.moderation.forms import BanForm
from engage.web.moderation.views import bp


@bp.post("/comments/<int(max=2147483647):comment_id>/ban")
@login_required
def ban(comment_id: int):
    """Ban the comment's author or network for N days (0: for good); optionally reject theirs."""
    form = BanForm()
    if not form.validate_on_submit():
        abort(400)
    now = utcnow()
    until = now + timedelta(days=form.days.data) if form.days.data else None
    try:
        rejected = bans.ban_from_comment(db.session, current_user.moderator, comment_id,
                                         BanScope(form.scope.data), until, form.reason.data,
                                         now, bool(form.reject_comments.data), g.request_id)
    except NotFound:
        abort(404)
    except InvalidInput as err:
        flash(message_for(err.code, err.params), "error")
    else:
        flash(_("Đã cấm. %(n)s bình luận bị từ chối.", n=rejected), "ok")
    return redirect(request.referrer if request.referrer and request.referrer.startswith(
        request.host_url) else url_for("moderation.queue"))
