"""The audit log page (search, keyset "older" link) and its CSV export."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import Response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from engage.domain.errors import InvalidInput
from engage.domain.moderation.decisions import reject_reason_text
from engage.extensions import db
from engage.models import ModerationActionKind
from engage.services import audit
from engage.services.moderation_queue import check_scope, moderator_sites
from engage.web.i18n import display_datetime, select_timezone
from engage.web.moderation.params import int_arg, site_arg
from engage.web.moderation.views import bp

# What each audit row's action is called on the page (the CSV keeps the codes).
ACTION_LABELS = {
    ModerationActionKind.APPROVE: _l("Duyệt"),
    ModerationActionKind.REJECT: _l("Từ chối"),
    ModerationActionKind.SPAM: _l("Đánh dấu spam"),
    ModerationActionKind.REMOVE_VOTES: _l("Xóa lượt đánh giá"),
    ModerationActionKind.RESET_RATINGS: _l("Đặt lại đánh giá"),
    ModerationActionKind.WITHHOLD: _l("Tạm ẩn do độc giả báo cáo"),
    ModerationActionKind.READER_EDIT: _l("Độc giả sửa"),
    ModerationActionKind.READER_DELETE: _l("Độc giả xóa"),
    ModerationActionKind.UNDO: _l("Hoàn tác"),
}

PAGE = 100


def _day(name: str, shift: int = 0, alias: str = "") -> datetime | None:
    """``yyyy-mm-dd`` (an HTML date input) as the start of that day (+``shift`` days) in the
    workspace's time zone (Asia/Ho_Chi_Minh by default).

    :param alias: another name read when ``name`` is absent (``from`` for ``since``).
    :raises InvalidInput: ``date_invalid`` (with the ``field`` at fault), also when ``name``
        and ``alias`` are both given.
    """
    raw, other = request.args.get(name, ""), request.args.get(alias, "") if alias else ""
    if raw and other:
        raise InvalidInput("date_invalid", field=alias)
    raw, name = (raw, name) if raw else (other, alias or name)
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw) + timedelta(days=shift)
        start = datetime.combine(day, time(), ZoneInfo(select_timezone()))
        start.astimezone(timezone.utc)  # 0001-01-01 at +07:00 is before year 1 in UTC
    except (ValueError, OverflowError):
        raise InvalidInput("date_invalid", field=name) from None
    return start


def audit_query(moderator_id: int) -> audit.AuditQuery:
    """The search terms from the query string; the ``until`` day is included.  ``site`` is an
    id or a slug (:func:`~engage.web.moderation.params.site_arg`); ``from``/``to`` are read as
    ``since``/``until``.

    :raises InvalidInput: ``param_invalid``, ``date_invalid``.
    :raises NotFound: ``site_not_found``.
    """
    return audit.AuditQuery(
        moderator=request.args.get("moderator", "")[:64], action=request.args.get("action", ""),
        comment_id=int_arg("comment"), reader=request.args.get("reader", "")[:32],
        site_id=site_arg(moderator_id), since=_day("since", alias="from"),
        until=_day("until", 1, alias="to"))


def _scoped_query():
    q = audit_query(current_user.moderator.id)
    check_scope(db.session, current_user.moderator.id, site_id=q.site_id,
                comment_id=q.comment_id, reader=q.reader, moderator_name=q.moderator)
    return q


def _cursor() -> tuple[datetime, int] | None:
    """The "older" link's keyset position from ``before_at`` (an aware ISO 8601 time) and
    ``before_id`` (a row id); ``None`` when neither is given.

    :raises InvalidInput: ``cursor_invalid`` (with the ``field`` at fault) when only one of the
        two is given or either is malformed: a half cursor used to be ignored silently, showing
        the first page again as if it were the older one.
    """
    stamp, raw_id = request.args.get("before_at", ""), request.args.get("before_id", "")
    if not stamp and not raw_id:
        return None
    if not (raw_id.isascii() and raw_id.isdigit() and len(raw_id) <= 10
            and 0 < int(raw_id) < 2**31):
        raise InvalidInput("cursor_invalid", field="before_id")
    try:
        at = datetime.fromisoformat(stamp)
    except ValueError:
        raise InvalidInput("cursor_invalid", field="before_at") from None
    if at.tzinfo is None:
        raise InvalidInput("cursor_invalid", field="before_at")
    return at, int(raw_id)


@bp.get("/audit")
@login_required
def audit_log():
    """Search the audit log of the moderator's sites, newest first, 100 rows a page."""
    q = _scoped_query()
    before = _cursor()
    rows = audit.search(db.session, current_user.moderator.id, q, PAGE, before)
    rest = {k: v for k, v in request.args.items() if k not in ("before_at", "before_id")}
    return render_template("moderation/audit.html", rows=rows, q=request.args, q_rest=rest,
                           actions=[(k.value, ACTION_LABELS[k]) for k in ModerationActionKind],
                           action_labels=ACTION_LABELS,
                           sites=moderator_sites(db.session, current_user.moderator.id),
                           more=len(rows) == PAGE, fmt_time=display_datetime,
                           reject_text=reject_reason_text)


@bp.get("/audit.csv")
@login_required
def audit_csv():
    """The matching rows as CSV (formula-looking cells neutralised), as an attachment."""
    q = _scoped_query()
    body = "".join(audit.export_csv(db.session, current_user.moderator.id, q))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="engage-audit.csv"',
        "Cache-Control": "private, no-store"})
