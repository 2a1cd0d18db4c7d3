"""The dashboard: queue health, outcomes, approval per reason, ratings, top articles, alarms."""
from __future__ import annotations

from flask import current_app, render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engage.domain.moderation.reasons import reason_text
from engage.extensions import db
from engage.models.types import utcnow
from engage.services import dashboard, rating_admin
from engage.services.moderation_queue import moderator_sites
from engage.web.i18n import select_timezone
from engage.web.moderation import charts
from engage.web.moderation.params import days_arg, site_arg
from engage.web.moderation.views import STATUS_LABELS, bp


def _charts(d: dashboard.Dashboard) -> dict:
    """The dashboard's SVG charts, labelled in the workspace's language."""
    days = [day.strftime("%d/%m") for day in d.days]
    points = [t.strftime("%d/%m") for t, _, _ in d.pending[:-1]] + [_("bây giờ")]
    locale = str(get_locale())
    statuses = ("approved", "pending", "rejected", "spam", "deleted")
    return {
        "pending": charts.line_chart([n for _, n, _ in d.pending], points,
                                     _("Số bình luận chờ duyệt")),
        "oldest": charts.line_chart([round(h, 1) for _, _, h in d.pending], points,
                                    _("Tuổi bình luận chờ lâu nhất (giờ)"), " h"),
        "outcomes": charts.stacked_bars(days, {s: [c.get(s, 0) for _, c in d.outcomes]
                                               for s in statuses},
                                        {s: str(STATUS_LABELS[s]) for s in statuses},
                                        _("Bình luận mỗi ngày theo kết quả")),
        "reasons": charts.hbars([(reason_text(code, locale), ok / n * 100,
                                  f"{ok / n * 100:.0f}% ({ok}/{n})")
                                 for code, ok, n in d.reasons], _("Tỷ lệ được duyệt theo lý do"),
                                maximum=100),
        "ratings": charts.stacked_bars(days, {str(s): [c.get(str(s), 0) for _, c in
                                                       d.ratings_per_day] for s in range(1, 6)},
                                       {str(s): f"{s}★" for s in range(1, 6)},
                                       _("Lượt đánh giá mỗi ngày")),
        "distribution": charts.hbars([(f"{s}★", n, str(n)) for s, n in
                                      zip(range(5, 0, -1), reversed(d.distribution))],
                                     _("Phân bố số sao"), color="#c98a00"),
    }


@bp.get("/dashboard")
@login_required
def dashboard_page():
    """Charts over the last ``days`` days (1..365, default 14; out of range 422, as every day
    window) of the moderator's sites (server-side SVG); ``?site=`` (an id or slug, as on the
    queue) narrows them to one site.

    :raises InvalidInput: ``param_invalid`` for a ``site`` that is neither id nor slug,
        ``days_invalid`` (422).
    :raises NotFound: ``site_not_found`` for a site the moderator is not a member of (404, as
        the queue: no oracle for other sites' ids).
    """
    mod_id, cfg, now = current_user.moderator.id, current_app.config, utcnow()
    site_id = site_arg(mod_id)
    d = dashboard.build(db.session, mod_id, now, select_timezone(), days=days_arg(14),
                        min_votes=cfg["TOP_RATED_MIN_VOTES"], site_id=site_id)
    alarms = rating_admin.velocity_alarms(db.session, mod_id, now,
                                          min_votes=cfg["VELOCITY_MIN_VOTES"],
                                          factor=float(cfg["VELOCITY_FACTOR"]), site_id=site_id)
    return render_template("moderation/dashboard.html", d=d, charts=_charts(d), alarms=alarms,
                           sites=moderator_sites(db.session, mod_id), site_id=site_id)
