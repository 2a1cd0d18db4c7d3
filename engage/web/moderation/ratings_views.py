"""Moderator views for an article's votes: by network and time, remove a batch, reset."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engage.domain.errors import NotFound
from engage.extensions import db
from engage.models.types import utcnow
from engage.services import rating_admin, ratings
from engage.web.i18n import display_average, display_datetime
from engage.web.moderation.forms import RemoveVotesForm, ResetRatingsForm
from engage.web.moderation.views import bp


def _article_or_404(article_id: int):
    try:
        return rating_admin.scoped_article(db.session, current_user.moderator.id, article_id)
    except NotFound:
        abort(404)


@bp.get("/articles/<int(max=2147483647):article_id>/ratings")
@login_required
def article_ratings(article_id: int):
    """Votes on one article grouped by hashed network over the last ``hours`` hours."""
    article = _article_or_404(article_id)
    try:
        hours = max(1, min(int(request.args.get("hours", 24)), 24 * 90))
    except ValueError:
        hours = 24
    now = utcnow()
    groups = rating_admin.votes_by_network(db.session, current_user.moderator.id, article_id,
                                           now - timedelta(hours=hours), now + timedelta(seconds=1))
    summary = ratings.summary_of(article)
    return render_template("moderation/ratings.html", article=article, groups=groups,
                           hours=hours, summary=summary,
                           average_text=display_average(summary.average),
                           remove_form=RemoveVotesForm(hours=hours), reset_form=ResetRatingsForm(),
                           fmt_time=display_datetime, fmt_mean=_mean_text)


def _mean_text(mean_stars: float) -> str:
    """A network's mean vote with the locale's decimal mark, as the article's average is shown
    ("4,5" in Vietnamese; the column said "4.5" beside a "5,0/5" header)."""
    return display_average(Decimal(str(round(mean_stars, 1))))


@bp.post("/articles/<int(max=2147483647):article_id>/ratings/remove")
@login_required
def remove_votes(article_id: int):
    """Remove the votes of the window (and network, when given); recompute; audit."""
    form = RemoveVotesForm()
    if not form.validate_on_submit():
        abort(400)
    now = utcnow()
    try:
        removed = rating_admin.remove_votes(
            db.session, current_user.moderator, article_id, now - timedelta(hours=form.hours.data),
            now + timedelta(seconds=1), form.network_hash.data or None, form.reason.data, now,
            g.request_id)
    except NotFound:
        abort(404)
    flash(_("Đã xóa %(n)s lượt đánh giá.", n=removed), "ok")
    return redirect(url_for("moderation.article_ratings", article_id=article_id,
                            hours=form.hours.data))


@bp.post("/articles/<int(max=2147483647):article_id>/ratings/reset")
@login_required
def reset_ratings(article_id: int):
    """Delete every vote of the article; audit."""
    form = ResetRatingsForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        removed = rating_admin.reset_ratings(db.session, current_user.moderator, article_id,
                                             form.reason.data, utcnow(), g.request_id)
    except NotFound:
        abort(404)
    flash(_("Đã xóa %(n)s lượt đánh giá.", n=removed), "ok")
    return redirect(url_for("moderation.article_ratings", article_id=article_id))
