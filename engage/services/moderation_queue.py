"""The moderation queues: one state (or "reported"), filtered, keyset-paged, with the context a
moderator needs for each item (article, parent comment, the reader's history)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Text, and_, cast, func, or_, select
from sqlalchemy.orm import Session

from engage.domain.errors import InvalidInput, NotFound
from engage.domain.moderation.reasons import REASON_TEXT
from engage.models import (
    Article, Ban, BanScope, Comment, CommentStatus, Membership, Moderator, Site)
from engage.services.keyset import apply_keyset, cursor_after
from engage.services.scope import moderator_site_ids

QUEUES = ("pending", "reported", "approved", "rejected", "spam", "deleted")
ORDERS = ("oldest", "newest", "risk")  # risk: the moderation assistant's score, riskiest first
_READER = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


@dataclass(frozen=True)
class QueueFilter:
    """What a queue page shows: ``queue`` (one of :data:`QUEUES`), optional site, article,
    reason code and reader id, and ``order`` (oldest first by default)."""

    queue: str = "pending"
    site_id: int | None = None
    article_id: int | None = None
    reason: str = ""
    reader: str = ""
    order: str = "oldest"

    def validated(self) -> QueueFilter:
        """This filter, checked.

        :raises InvalidInput: ``status_invalid``, ``sort_invalid``, ``reason_invalid`` (a
            reason that is not one of the stored codes, :data:`REASON_TEXT`: it would match
            nothing and show an empty queue as if no comment were held), ``reader_invalid``.
        """
        if self.queue not in QUEUES:
            raise InvalidInput("status_invalid", field="status")
        if self.order not in ORDERS:
            raise InvalidInput("sort_invalid", field="order")
        if self.reason and self.reason not in REASON_TEXT:
            raise InvalidInput("reason_invalid", field="reason")
        if self.reader and not _READER.match(self.reader):
            raise InvalidInput("reader_invalid", field="reader")
        return self


@dataclass(frozen=True)
class ReaderHistory:
    """A reader's record on one site: comments per state, bans (any, incl. expired), first seen."""

    approved: int = 0
    rejected: int = 0
    spam: int = 0
    pending: int = 0
    bans: int = 0
    first_seen: datetime | None = None


@dataclass(frozen=True)
class QueueItem:
    """A queued comment with its article, site, parent comment (replies) and reader history."""

    comment: Comment
    article: Article
    site: Site
    parent: Comment | None = None
    history: ReaderHistory = field(default_factory=ReaderHistory)


@dataclass(frozen=True)
class QueuePage:
    """One page of a queue; ``next_cursor`` continues after its last item (None: last page)."""

    items: list[QueueItem]
    next_cursor: str | None


def queue_page(session: Session, moderator_id: int, flt: QueueFilter, limit: int,
               cursor: str | None = None, *, details: bool = True) -> QueuePage:
    """A page of the moderator's queue, keyset-paged on ``(created_at, id)`` (never OFFSET).

    Served by ``ix_comment_queue (site_id, status, created_at, id)``, or ``ix_comment_thread``
    with an article filter; see ``bench/bench_moderation_queue.py`` for the measured time.
    The reason filter matches the stored reason codes' JSON text (``"code": "<code>"``).

    :param limit: page size, 1..200.
    :param details: also load parents and reader histories (two more queries per page).
    :raises InvalidInput: as :meth:`QueueFilter.validated`, ``cursor_invalid``, ``limit_invalid``.
    """
    flt = flt.validated()
    if not 0 < limit <= 200:
        raise InvalidInput("limit_invalid", field="limit")
    status = CommentStatus.PENDING if flt.queue == "reported" else CommentStatus(flt.queue)
    mine = session.execute(moderator_site_ids(moderator_id)).scalars().all()
    site_ids = [s for s in mine if flt.site_id is None or s == flt.site_id]
    where = [Comment.status == status]
    if flt.queue == "reported":
        where.append(Comment.reported_at.is_not(None))
    if flt.article_id is not None:
        where.append(Comment.article_id == flt.article_id)
    if flt.reader:
        where.append(Comment.reader_id == flt.reader)
    if flt.reason:
        where.append(cast(Comment.moderation_reasons, Text).like(f'%"code": "{flt.reason}"%'))
    # One small keyset query per site (an equality on site_id lets the index deliver the
    # order; "site_id IN (…)" made SQLite sort the whole queue), merged here.
    keys: list[tuple] = []
    for site_id in site_ids:
        if flt.order == "risk":
            query = _risk_keyset(select(_RISK, Comment.id).where(Comment.site_id == site_id,
                                                                 *where), cursor)
        else:
            query = apply_keyset(select(Comment.created_at, Comment.id).where(
                Comment.site_id == site_id, *where), flt.order, cursor)
        keys += session.execute(query.limit(limit + 1)).all()
    if flt.order == "risk":
        keys.sort(key=lambda k: (-k[0], k[1]))
    else:
        keys.sort(reverse=flt.order == "newest")
    keys = keys[:limit + 1]
    more = len(keys) > limit
    ids = [i for _, i in keys[:limit]]
    loaded = {c.id: (c, a, s) for c, a, s in session.execute(
        select(Comment, Article, Site).join(Article, Article.id == Comment.article_id)
        .join(Site, Site.id == Comment.site_id).where(Comment.id.in_(ids)))} if ids else {}
    rows = [loaded[i] for i in ids]
    parents = _parents(session, [c for c, _, _ in rows]) if details else {}
    histories = _histories(session, [c for c, _, _ in rows]) if details else {}
    items = [QueueItem(c, a, s, parents.get(c.parent_id),
                       histories.get((c.site_id, c.reader_id), ReaderHistory()))
             for c, a, s in rows]
    if flt.order == "risk":
        last = keys[limit - 1] if more else None
        return QueuePage(items, f"risk:{last[0]!r}:{last[1]}" if last else None)
    return QueuePage(items, cursor_after(flt.order, rows[-1][0]) if more and rows else None)


# Unscored comments (no assistant, or scored before it was trained) sort after every score.
_RISK = func.coalesce(Comment.assist_risk, -1.0)


def _risk_keyset(query, cursor: str | None):
    """Order by risk (highest first), then id; keep rows after ``cursor`` ("risk:<r>:<id>").

    :raises InvalidInput: ``cursor_invalid``.
    """
    query = query.order_by(_RISK.desc(), Comment.id)
    if not cursor:
        return query
    try:
        tag, risk, last_id = cursor.split(":")
        risk_value, id_value = float(risk), int(last_id)
        if tag != "risk":
            raise ValueError(tag)
    except ValueError:
        raise InvalidInput("cursor_invalid", field="cursor") from None
    return query.where(or_(_RISK < risk_value, and_(_RISK == risk_value, Comment.id > id_value)))


COUNT_CAP = 10_000  # tabs show "10000+" beyond this: counting stops there (GitLab does the same)


def queue_counts(session: Session, moderator_id: int, site_id: int | None = None,
                 article_id: int | None = None) -> dict[str, int]:
    """Comments per state on the moderator's sites (or one site, or one article), every state
    present (0 if none), and ``reported``: pending comments that reader reports sent back.

    Each count stops at ``COUNT_CAP + 1`` (a value above :data:`COUNT_CAP` means "more than"):
    a site's approved comments run into the millions, and counting them on every queue page
    would cost more than the page.  Each count is one bounded index range scan
    (``ix_comment_queue``, ``ix_comment_thread`` with an article, ``ix_comment_reported``).
    """
    counts = dict.fromkeys([*(s.value for s in CommentStatus), "reported"], 0)
    mine = session.execute(moderator_site_ids(moderator_id)).scalars().all()
    for site in (s for s in mine if site_id is None or s == site_id):
        scoped = [Comment.site_id == site]
        if article_id is not None:
            scoped.append(Comment.article_id == article_id)
        for name in counts:
            where = ([Comment.status == CommentStatus.PENDING, Comment.reported_at.is_not(None)]
                     if name == "reported" else [Comment.status == CommentStatus(name)])
            bounded = select(Comment.id).where(*scoped, *where).limit(COUNT_CAP + 1).subquery()
            counts[name] = min(COUNT_CAP + 1, counts[name] + session.execute(
                select(func.count()).select_from(bounded)).scalar_one())
    return counts


def moderator_sites(session: Session, moderator_id: int) -> list[Site]:
    """The sites the moderator works on, by name (for the site filter)."""
    return list(session.execute(select(Site).where(Site.id.in_(moderator_site_ids(moderator_id)))
                                .order_by(Site.name)).scalars())


def _parents(session: Session, comments: list[Comment]) -> dict[int, Comment]:
    ids = {c.parent_id for c in comments if c.parent_id}
    if not ids:
        return {}
    return {p.id: p for p in session.execute(select(Comment).where(Comment.id.in_(ids))).scalars()}


def _histories(session: Session, comments: list[Comment]) -> dict[tuple[int, str], ReaderHistory]:
    """Per (site, reader) of the page: comment counts by state, ban count, first comment time."""
    readers = {c.reader_id for c in comments}
    sites = {c.site_id for c in comments}
    if not readers:
        return {}
    acc: dict[tuple[int, str], dict] = {}
    for site_id, reader_id, status, n, first in session.execute(
            select(Comment.site_id, Comment.reader_id, Comment.status, func.count(),
                   func.min(Comment.created_at))
            .where(Comment.reader_id.in_(readers), Comment.site_id.in_(sites))
            .group_by(Comment.site_id, Comment.reader_id, Comment.status)):
        entry = acc.setdefault((site_id, reader_id), {"first_seen": None})
        entry[status.value] = n
        if first is not None and (entry["first_seen"] is None or first < entry["first_seen"]):
            entry["first_seen"] = first
    for site_id, value, n in session.execute(
            select(Ban.site_id, Ban.value, func.count())
            .where(Ban.scope == BanScope.READER, Ban.value.in_(readers), Ban.site_id.in_(sites))
            .group_by(Ban.site_id, Ban.value)):
        acc.setdefault((site_id, value), {"first_seen": None})["bans"] = n
    return {key: ReaderHistory(
        approved=e.get("approved", 0), rejected=e.get("rejected", 0), spam=e.get("spam", 0),
        pending=e.get("pending", 0), bans=e.get("bans", 0), first_seen=e["first_seen"])
        for key, e in acc.items()}



def check_scope(session: Session, moderator_id: int, *, site_id: int | None = None,
                article_id: int | None = None, reader: str = "", comment_id: int | None = None,
                moderator_name: str = "") -> None:
    """Refuse filter values naming things outside the moderator's sites, as if they did not exist.

    A reader or moderator counts as in scope when they commented / are a member on one of the
    moderator's sites.  Ids beyond the integer range are simply unknown.

    :raises NotFound: ``site_not_found``, ``article_not_found``, ``reader_not_found``,
        ``comment_not_found``, ``moderator_not_found``.
    """
    mine = moderator_site_ids(moderator_id)
    checks = (
        (site_id, "site_not_found", lambda: select(Site.id).where(Site.id == site_id,
                                                                    Site.id.in_(mine))),
        (article_id, "article_not_found", lambda: select(Article.id).where(
            Article.id == article_id, Article.site_id.in_(mine))),
        (comment_id, "comment_not_found", lambda: select(Comment.id).where(
            Comment.id == comment_id, Comment.site_id.in_(mine))),
        (reader or None, "reader_not_found", lambda: select(Comment.id).where(
            Comment.reader_id == reader, Comment.site_id.in_(mine)).limit(1)),
        (moderator_name or None, "moderator_not_found", lambda: select(Membership.site_id).join(
            Moderator, Moderator.id == Membership.moderator_id).where(
            Moderator.username == moderator_name, Membership.site_id.in_(mine)).limit(1)),
    )
    for value, code, query in checks:
        if value is None:
            continue
        if isinstance(value, int) and not 0 < value < 2**31:
            raise NotFound(code)
        if session.execute(query()).first() is None:
            raise NotFound(code)
