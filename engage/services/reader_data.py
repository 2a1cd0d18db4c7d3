"""A reader's data rights: download everything tied to their token, or erase it.

Vietnam's Decree 13/2023/ND-CP (Art. 9: the data subject's rights to access and to deletion)
and the GDPR (Art. 15 access, Art. 17 erasure) are why; the reader token is the only identity
Engage has for a reader (DESIGN.md §3), so "their data" is every row carrying its id.

Tables that carry a reader id: ``reader``, ``comment``, ``rating``, ``comment_like``,
``comment_report``, ``request_claim``, ``mail_subscription`` (with the address the reader
gave for reply notices) and ``ban`` (scope ``reader``).  A table added later
that stores a reader id must be added here; ``tests/services/test_reader_data_service.py``
scans every column of every table for the id after an erasure, so it will say so.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from engage.domain.errors import Unauthorized
from engage.models import (
    Article, Ban, BanScope, Comment, CommentLike, CommentReport, CommentStatus, ModerationAction,
    MailSubscription, ModerationActionKind, Rating, Reader, RequestClaim, Site)
from engage.services import notices
from engage.services.tx import write_transaction

ERASURE_REASON = "reader_erasure"


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(timezone.utc).isoformat().replace(
        "+00:00", "Z")


def is_active(session: Session, reader_id: str) -> bool:
    """Whether the token's reader id is still issued (erased readers' ids are gone)."""
    return session.execute(READER_EXISTS, {"id": reader_id}).first() is not None


# Built once: every request carrying a reader token asks it (``engage.web.keys.reader_id``),
# usually on the read fast path's pinned connection.
READER_EXISTS = select(Reader.__table__.c.id).where(Reader.__table__.c.id == bindparam("id"))
# The same row held against erasure until the transaction ends: ``FOR KEY SHARE`` on PostgreSQL
# (conflicts only with the erasure's ``FOR UPDATE`` and ``DELETE``, not with other writers of
# the same reader); SQLite renders no locking clause, its write lock already serialises.
READER_HELD = READER_EXISTS.with_for_update(read=True, key_share=True)


def hold_reader(session: Session, reader_id: str) -> None:
    """Inside a write transaction, first: check that ``reader_id`` was not erased and keep it
    so until commit, so an erasure racing this write either waits for it (and then erases what
    it wrote) or wins, and this write finds no reader (:func:`erase_reader` locks the row
    ``FOR UPDATE`` before it reads anything).  Every write storing a reader's row holds it.

    :raises Unauthorized: ``reader_token_invalid`` (the reader was erased).
    """
    if session.execute(READER_HELD, {"id": reader_id}).first() is None:
        raise Unauthorized("reader_token_invalid")


def export_reader_data(session: Session, reader_id: str) -> dict:
    """Everything stored under ``reader_id``, as one JSON-ready dict.

    Shape: ``{"reader": {"id", "created_at", "network_hash"}, "comments": [...],
    "ratings": [...], "likes": [...], "reports": [...], "mail": [...]}``; ``mail`` lists the
    addresses the reader left for reply notices (only they ever see them); each item names its site and
    article; times ISO 8601 UTC.  ``network_hash`` is the keyed hash of the IP network the
    token was issued from (never the address).

    :raises Unauthorized: ``reader_token_invalid`` when the reader was erased.
    """
    reader = session.get(Reader, reader_id)
    if reader is None:
        raise Unauthorized("reader_token_invalid")
    where = (Site.id == Article.site_id)
    comments = session.execute(
        select(Comment, Site.slug, Article.key).join(Article, Article.id == Comment.article_id)
        .join(Site, where).where(Comment.reader_id == reader_id).order_by(Comment.id)).all()
    ratings = session.execute(
        select(Rating, Site.slug, Article.key).join(Article, Article.id == Rating.article_id)
        .join(Site, where).where(Rating.reader_id == reader_id).order_by(Rating.id)).all()
    likes = session.execute(
        select(CommentLike.comment_id, CommentLike.created_at)
        .where(CommentLike.reader_id == reader_id).order_by(CommentLike.id)).all()
    reports = session.execute(
        select(CommentReport).where(CommentReport.reader_id == reader_id)
        .order_by(CommentReport.id)).scalars().all()
    return {
        "reader": {"id": reader.id, "created_at": _iso(reader.created_at),
                   "network_hash": reader.network_hash},
        "comments": [{"id": c.id, "site": slug, "article": key, "parent_id": c.parent_id,
                      "author_name": c.author_name, "text": c.body_raw, "html": c.body_html,
                      "status": c.status.value, "created_at": _iso(c.created_at),
                      "edited_at": _iso(c.edited_at), "network_hash": c.network_hash}
                     for c, slug, key in comments],
        "ratings": [{"site": slug, "article": key, "stars": r.stars,
                     "created_at": _iso(r.created_at), "updated_at": _iso(r.updated_at)}
                    for r, slug, key in ratings],
        "likes": [{"comment_id": cid, "created_at": _iso(at)} for cid, at in likes],
        "reports": [{"comment_id": r.comment_id, "reason": r.reason.value, "note": r.note,
                     "created_at": _iso(r.created_at)} for r in reports],
        "mail": notices.reader_addresses(session, reader_id),
    }


@dataclass(frozen=True)
class ErasureResult:
    """What an erasure removed: comments blanked into placeholders, votes, likes, reports."""

    comments: int
    ratings: int
    likes: int
    reports: int


def erase_reader(session: Session, reader_id: str, now: datetime) -> ErasureResult:
    """Erase every row tied to ``reader_id`` and revoke the token, in one transaction.

    Comments become ``deleted`` placeholders with no author, text, network or reader id (their
    published replies stay, as for a reader's own delete), each with an audit row; votes,
    likes and reports are removed and the article aggregates and comment counts they fed are
    moved by exactly what was removed; claims and reader bans go; the ``reader`` row goes last,
    so the token no longer verifies (:func:`is_active`).

    :raises Unauthorized: ``reader_token_invalid`` when already erased (the caller's token
        is no longer valid).
    """
    with write_transaction(session):
        # The reader row first, FOR UPDATE: writes in flight hold it (:func:`hold_reader`), so
        # this waits for them and then erases what they stored; later writes wait for this
        # transaction and then find no reader.  (Seen without it: a comment posted at the same
        # moment as the erasure stayed published under an erased reader.)
        if session.execute(READER_EXISTS.with_for_update(), {"id": reader_id}).first() is None:
            raise Unauthorized("reader_token_invalid")
        comments = _erase_comments(session, reader_id, now)
        ratings = _remove_ratings(session, reader_id)
        likes = _remove_reactions(session, CommentLike, "like_count", reader_id)
        reports = _remove_reactions(session, CommentReport, "report_count", reader_id)
        session.execute(delete(RequestClaim).where(RequestClaim.reader_id == reader_id))
        notices.erase_reader(session, reader_id)  # addresses and the mail sent to them
        session.execute(delete(Ban).where(Ban.scope == BanScope.READER, Ban.value == reader_id))
        session.execute(delete(Reader).where(Reader.id == reader_id))
    return ErasureResult(comments, ratings, likes, reports)


def _erase_comments(session: Session, reader_id: str, now: datetime) -> int:
    rows = session.execute(
        select(Comment.id, Comment.site_id, Comment.article_id, Comment.status)
        .where(Comment.reader_id == reader_id).order_by(Comment.id).with_for_update()).all()
    if not rows:
        return 0
    session.execute(
        update(Comment).where(Comment.id.in_([r.id for r in rows])).values(
            status=CommentStatus.DELETED, reader_id="", author_name="", body_raw="",
            body_html="", network_hash="", moderation_reasons=[], published_at=None,
            updated_at=now).execution_options(synchronize_session=False))
    published = Counter(r.article_id for r in rows if r.status is CommentStatus.APPROVED)
    for article_id in sorted({r.article_id for r in rows}):
        session.execute(update(Article).where(Article.id == article_id).values(
            comment_count=Article.comment_count - published[article_id],
            version=Article.version + 1))
    session.add_all(ModerationAction(
        site_id=r.site_id, comment_id=r.id, moderator_id=None,
        action=ModerationActionKind.READER_DELETE, reason=ERASURE_REASON,
        from_status=r.status.value, to_status=CommentStatus.DELETED.value, created_at=now)
        for r in rows if r.status is not CommentStatus.DELETED)
    return len(rows)


def _remove_ratings(session: Session, reader_id: str) -> int:
    votes = session.execute(
        select(Rating.id, Rating.article_id, Rating.stars).where(Rating.reader_id == reader_id)
        .order_by(Rating.article_id).with_for_update()).all()
    by_article: dict[int, Counter] = defaultdict(Counter)
    for vote in votes:
        by_article[vote.article_id][vote.stars] += 1
    for article_id, bins in sorted(by_article.items()):
        values = {f"rating_{stars}": getattr(Article, f"rating_{stars}") - n
                  for stars, n in bins.items()}
        session.execute(update(Article).where(Article.id == article_id).values(
            **values, rating_count=Article.rating_count - sum(bins.values()),
            rating_sum=Article.rating_sum - sum(s * n for s, n in bins.items()),
            version=Article.version + 1))
    if votes:
        session.execute(delete(Rating).where(Rating.id.in_([v.id for v in votes])))
    return len(votes)


def _remove_reactions(session: Session, model, column: str, reader_id: str) -> int:
    """Delete the reader's likes or reports and move each comment's counter down by one."""
    comment_ids = session.execute(
        select(model.comment_id).where(model.reader_id == reader_id)).scalars().all()
    if not comment_ids:
        return 0
    session.execute(delete(model).where(model.reader_id == reader_id))
    session.execute(update(Comment).where(Comment.id.in_(comment_ids)).values(
        {column: getattr(Comment, column) - 1}).execution_options(synchronize_session=False))
    return len(comment_ids)


def rows_naming(session: Session, reader_id: str) -> int:
    """How many rows still carry ``reader_id`` in a reader-id column (0 after an erasure)."""
    total = 0
    for column in (Reader.id, Comment.reader_id, Rating.reader_id, CommentLike.reader_id,
                   CommentReport.reader_id, RequestClaim.reader_id, Ban.value,
                   MailSubscription.reader_id):
        total += session.execute(select(func.count()).where(column == reader_id)).scalar_one()
    return total
