"""The moderation audit log: search it (scoped to the moderator's sites) and export it as CSV."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session, aliased

from engage.domain.errors import InvalidInput
from engage.models import Comment, ModerationAction, ModerationActionKind, Moderator, Site
from engage.services.scope import moderator_site_ids

EXPORT_MAX_ROWS = 100_000  # one CSV; narrow the dates for more
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class AuditQuery:
    """Search terms, all optional: moderator (username), action, comment id, reader id, site
    id, and a ``[since, until)`` time range (aware datetimes)."""

    moderator: str = ""
    action: str = ""
    comment_id: int | None = None
    reader: str = ""
    site_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class AuditRow:
    """One audit row with the names a person reads: moderator, site, the comment's reader."""

    action: ModerationAction
    moderator: str
    site: str
    reader: str


def _statement(moderator_id: int, q: AuditQuery):
    """The scoped, filtered query, newest first (``(created_at, id)`` descending).

    :raises InvalidInput: ``action_invalid``, ``window_invalid`` (``until`` before ``since``).
    """
    by = aliased(Moderator)
    stmt = (select(ModerationAction, by.username, Site.slug, Comment.reader_id)
            .join(Site, Site.id == ModerationAction.site_id)
            .outerjoin(by, by.id == ModerationAction.moderator_id)
            .outerjoin(Comment, Comment.id == ModerationAction.comment_id)
            .where(ModerationAction.site_id.in_(moderator_site_ids(moderator_id))))
    if q.moderator:
        stmt = stmt.where(by.username == q.moderator)
    if q.action:
        try:
            stmt = stmt.where(ModerationAction.action == ModerationActionKind(q.action))
        except ValueError:
            raise InvalidInput("action_invalid", field="action") from None
    if q.comment_id is not None:
        stmt = stmt.where(ModerationAction.comment_id == q.comment_id)
    if q.reader:
        stmt = stmt.where(Comment.reader_id == q.reader)
    if q.site_id is not None:
        stmt = stmt.where(ModerationAction.site_id == q.site_id)
    if q.since and q.until and q.until <= q.since:
        raise InvalidInput("window_invalid", field="until")
    if q.since:
        stmt = stmt.where(ModerationAction.created_at >= q.since)
    if q.until:
        stmt = stmt.where(ModerationAction.created_at < q.until)
    return stmt.order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())


def search(session: Session, moderator_id: int, q: AuditQuery, limit: int = 100,
           before: tuple[datetime, int] | None = None) -> list[AuditRow]:
    """Audit rows of the moderator's sites matching ``q``, newest first.

    :param before: keyset position ``(created_at, id)`` of the last row already shown.
    :raises InvalidInput: as :func:`_statement`.
    """
    stmt = _statement(moderator_id, q)
    if before is not None:
        stmt = stmt.where(tuple_(ModerationAction.created_at, ModerationAction.id)
                          < tuple_(*before))
    return [AuditRow(a, m or "", s, r or "")
            for a, m, s, r in session.execute(stmt.limit(limit))]


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def encode_cursor(row: AuditRow) -> str:
    """The keyset position after ``row`` as an opaque ``next_cursor``
    (``<µs since epoch>.<id>``)."""
    stamp = row.action.created_at
    stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)
    return f"{(stamp - _EPOCH) // timedelta(microseconds=1)}.{row.action.id}"


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The ``before`` position of :func:`search` from a :func:`encode_cursor` value.

    :raises InvalidInput: ``cursor_invalid`` when malformed or out of range.
    """
    micros, _, raw_id = cursor.partition(".")
    try:
        if not (micros.isascii() and micros.isdigit() and raw_id.isascii() and raw_id.isdigit()
                and len(micros) <= 18 and 0 < int(raw_id) < 2**31):
            raise ValueError(cursor)
        return _EPOCH + timedelta(microseconds=int(micros)), int(raw_id)
    except (ValueError, OverflowError):
        raise InvalidInput("cursor_invalid", field="cursor") from None


def csv_safe(value: object) -> str:
    """A cell value that spreadsheets will not run as a formula (OWASP "CSV Injection"):
    text starting with ``= + - @``, tab or carriage return gets a leading single quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


CSV_HEADER = ("id", "time_utc", "site", "moderator", "action", "comment_id", "article_id",
              "reader", "from_status", "to_status", "reason_code", "note", "undoes_id",
              "request_id")


def export_csv(session: Session, moderator_id: int, q: AuditQuery) -> Iterator[str]:
    """The matching rows as CSV text chunks (header first, at most :data:`EXPORT_MAX_ROWS`).

    Every free-text cell passes :func:`csv_safe`; times are ISO 8601 UTC.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    rows = session.execute(_statement(moderator_id, q).limit(EXPORT_MAX_ROWS)
                           .execution_options(yield_per=1000))
    for n, (a, m, s, r) in enumerate(rows, 1):
        writer.writerow([a.id, a.created_at.isoformat(), csv_safe(s), csv_safe(m or ""),
                         a.action.value, a.comment_id or "", a.article_id or "", csv_safe(r or ""),
                         csv_safe(a.from_status), csv_safe(a.to_status),
                         csv_safe(a.reason_code), csv_safe(a.reason), a.undoes_id or "",
                         csv_safe(a.request_id)])
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
