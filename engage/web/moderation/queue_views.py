"""The queue page: one queue with its counts, filters, keyset paging and the undo panel."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engage.domain.moderation.decisions import REJECT_REASONS
from engage.domain.moderation.reasons import REASON_TEXT, reason_text
from engage.extensions import db
from engage.models.types import utcnow
from engage.services import moderation_actions, rating_admin
from engage.services.moderation_queue import (
    COUNT_CAP, QUEUES, QueueFilter, ReaderHistory, check_scope, moderator_sites, queue_counts,
    queue_page)
from engage.web.i18n import select_timezone
from engage.web.moderation.forms import ActionForm, BulkForm, UndoForm
from engage.web.moderation.params import article_arg, limit_arg, order_arg, site_arg
from engage.web.moderation.views import bp

QUEUE_MAX = 200  # the most items one queue page (or API call) shows


def page_formatters():
    """Per-request formatters for a page of many items: the time zone and the wording are
    looked up once, not per item (Flask-Babel's per-call look-ups dominated a 50-item page).

    :returns: ``(fmt_time, history_line, reason_labels)``: ``dd/mm/yyyy HH:MM`` in the
        workspace's zone; the reader's record as one line; reason code → wording.
    """
    zone = ZoneInfo(select_timezone())
    words = {"approved": _("đã duyệt %(n)s"), "rejected": _("từ chối %(n)s"),
             "spam": _("spam %(n)s"), "bans": _("bị cấm %(n)s lần"), "first": _("lần đầu %(at)s")}

    def fmt_time(value: datetime) -> str:
        return value.astimezone(zone).strftime("%d/%m/%Y %H:%M")

    def history_line(h: ReaderHistory) -> str:
        parts = [words[k] % {"n": getattr(h, k)} for k in ("approved", "rejected", "spam", "bans")]
        if h.first_seen:
            parts.append(words["first"] % {"at": fmt_time(h.first_seen)})
        return " · ".join(parts)

    locale = str(get_locale())
    return fmt_time, history_line, {code: reason_text(code, locale) for code in REASON_TEXT}


def queue_filter(moderator_id: int) -> QueueFilter:
    """The queue, filters and order from the query string (validated by the service).

    ``site`` is an id or a slug, ``article`` an id or a key (see
    :func:`~engage.web.moderation.params.site_arg`, :func:`~engage.web.moderation.params.article_arg`);
    ``sort`` is accepted for ``order``.

    :raises InvalidInput: ``param_invalid``, ``article_key_invalid``, ``sort_invalid``, …
    :raises NotFound: ``site_not_found``, ``article_not_found`` (unknown or another tenant's).
    """
    site_id = site_arg(moderator_id)
    return QueueFilter(queue=request.args.get("status", "pending"), site_id=site_id,
                       article_id=article_arg(moderator_id, site_id),
                       reason=request.args.get("reason", ""),
                       reader=request.args.get("reader", ""), order=order_arg())


@bp.get("/")
@login_required
def queue():
    """One queue (pending by default), oldest first, with counts, filters and the undo panel.

    Filters naming another site's site, article or reader answer 404 (no oracle); ``limit``
    (1..200, default ``QUEUE_PAGE_SIZE``) as the JSON API's, out of range 422 ``limit_invalid``.
    """
    mod_id, cfg, now = current_user.moderator.id, current_app.config, utcnow()
    fmt_time, history_line, reason_labels = page_formatters()
    flt = queue_filter(mod_id).validated()
    check_scope(db.session, mod_id, site_id=flt.site_id, article_id=flt.article_id,
                reader=flt.reader)
    page = queue_page(db.session, mod_id, flt, limit_arg(cfg["QUEUE_PAGE_SIZE"], QUEUE_MAX),
                      request.args.get("cursor") or None)
    return render_template(
        "moderation/queue.html", page=page, items=page.items, flt=flt, queues=QUEUES,
        counts=queue_counts(db.session, mod_id, flt.site_id, flt.article_id),
        sites=moderator_sites(db.session, mod_id), reject_reasons=REJECT_REASONS,
        pipeline_reasons=list(REASON_TEXT), form=ActionForm(), bulk_form=BulkForm(),
        undo_form=UndoForm(), back=request.full_path.rstrip("?"), fmt_time=fmt_time,
        history_line=history_line, reason_labels=reason_labels, count_cap=COUNT_CAP,
        act_base=url_for("moderation.act", comment_id=0)[:-1],
        ratings_base=url_for("moderation.article_ratings", article_id=0)[:-len("0/ratings")],
        recent=moderation_actions.recent_decisions(db.session, mod_id, now,
                                                   cfg["MODERATION_UNDO_WINDOW_S"]),
        alarms=rating_admin.velocity_alarms(db.session, mod_id, now,
                                            min_votes=cfg["VELOCITY_MIN_VOTES"],
                                            factor=float(cfg["VELOCITY_FACTOR"])))
