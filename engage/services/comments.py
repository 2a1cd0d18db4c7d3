"""Comment use cases: submit (normalise → moderate → store) and read published threads."""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, tuple_, update
from sqlalchemy.orm import Session

from engage.domain.comments import CommentLimits, prepare_comment
from engage.domain.errors import InvalidInput, NotFound
from engage.domain.moderation.pipeline import CommentContext, Decision, run_pipeline
from engage.models import Article, Comment, CommentStatus
from engage.services.sites import article_for_write, ensure_open, find_article, get_site
from engage.services.tx import write_transaction

_STATUS_BY_DECISION = {
    Decision.ACCEPT: CommentStatus.APPROVED,
    Decision.HOLD: CommentStatus.PENDING,
    Decision.SPAM: CommentStatus.SPAM,
    Decision.REJECT: CommentStatus.REJECTED,
}
SORTS = ("newest", "oldest")


@dataclass(frozen=True)
class SubmitResult:
    """The stored comment's id and status (``pending`` under pre-moderation)."""

    id: int
    status: CommentStatus


def submit_comment(session: Session, site_slug: str, article_key: str, reader_id: str,
                   author_name: str, text: str, parent_id: int | None, network_hash: str,
                   now: datetime, limits: CommentLimits) -> SubmitResult:
    """Store a reader's comment after normalising, checking, rendering and moderating it.

    A reply must answer a published comment of the same article; a reply to a reply attaches
    to the top-level comment (threads are two levels deep, DESIGN.md §6).  The published count
    moves in the same transaction when the comment is published at once (post-moderation).

    :raises InvalidInput: the text/name rules of :func:`prepare_comment`; ``parent_invalid``.
    :raises NotFound: ``site_not_found``, ``article_not_found``.
    :raises Forbidden: ``comments_closed``.
    """
    prepared = prepare_comment(author_name, text, limits)
    with write_transaction(session):
        site = get_site(session, site_slug)
        article = article_for_write(session, site, article_key, now)
        ensure_open(article.comments_open, "comments_closed")
        top_parent = _resolve_parent(session, article, parent_id)
        verdict = run_pipeline(CommentContext(text=prepared.text, now=now,
                                              premoderation=site.premoderation,
                                              is_reply=top_parent is not None))
        status = _STATUS_BY_DECISION[verdict.decision]
        comment = Comment(
            site_id=site.id, article_id=article.id, parent_id=top_parent, reader_id=reader_id,
            author_name=prepared.author_name, body_raw=prepared.text, body_html=prepared.html,
            sanitizer_version=prepared.sanitizer_version, status=status,
            moderation_reasons=[r.as_json() for r in verdict.reasons],
            network_hash=network_hash, created_at=now, updated_at=now,
            published_at=now if status is CommentStatus.APPROVED else None)
        session.add(comment)
        if status is CommentStatus.APPROVED:
            session.execute(update(Article).where(Article.id == article.id)
                            .values(comment_count=Article.comment_count + 1,
                                    version=Article.version + 1))
        session.flush()
        result = SubmitResult(comment.id, status)
    return result


def _resolve_parent(session: Session, article: Article, parent_id: int | None) -> int | None:
    """Return the top-level comment id a reply attaches to, or ``None`` for a new thread.

    :raises InvalidInput: ``parent_invalid`` when the parent is missing, unpublished or on
        another article.
    """
    if parent_id is None:
        return None
    parent = session.get(Comment, parent_id)
    if (parent is None or parent.article_id != article.id
            or parent.status is not CommentStatus.APPROVED):
        raise InvalidInput("parent_invalid", field="parent_id")
    return parent.parent_id or parent.id


def encode_cursor(sort: str, created_at: datetime, comment_id: int) -> str:
    """Opaque keyset cursor for "load more": the sort and the last item's (created_at, id)."""
    raw = json.dumps([sort, created_at.isoformat(), comment_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[datetime, int]:
    """Parse a cursor made by :func:`encode_cursor` for the same sort.

    :raises InvalidInput: ``cursor_invalid``.
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        got_sort, stamp, comment_id = json.loads(raw)
        when = datetime.fromisoformat(stamp)
        if got_sort != sort or type(comment_id) is not int or when.tzinfo is None:
            raise ValueError(cursor)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("cursor_invalid", field="cursor") from None
    return when, comment_id


@dataclass(frozen=True)
class ThreadPage:
    """One page of published top-level comments with their published replies.

    ``items`` are ``(comment, [replies oldest first])``; ``next_cursor`` is ``None`` at the end.
    """

    article: Article | None
    items: list[tuple[Comment, list[Comment]]]
    next_cursor: str | None


def thread_page(session: Session, site_slug: str, article_key: str, *, sort: str = "newest",
                cursor: str | None = None, limit: int = 20) -> ThreadPage:
    """Read one page of an article's published thread with keyset pagination (never OFFSET).

    Stable while comments arrive: the cursor is the last item's ``(created_at, id)``, so a new
    comment never shifts later pages.  Two queries whatever the page size.

    :raises NotFound: ``site_not_found``; ``article_not_found`` on sites that do not create
        articles on first use (those answer an empty thread instead).
    :raises InvalidInput: ``sort_invalid``, ``cursor_invalid``.
    """
    if sort not in SORTS:
        raise InvalidInput("sort_invalid", field="sort")
    site = get_site(session, site_slug)
    article = find_article(session, site, article_key)
    if article is None:
        if not site.auto_create_articles:
            raise NotFound("article_not_found")
        return ThreadPage(None, [], None)
    key = tuple_(Comment.created_at, Comment.id)
    query = select(Comment).where(Comment.article_id == article.id,
                                  Comment.status == CommentStatus.APPROVED,
                                  Comment.parent_id.is_(None))
    if cursor:
        after = tuple_(*decode_cursor(cursor, sort))
        query = query.where(key < after if sort == "newest" else key > after)
    if sort == "newest":
        query = query.order_by(Comment.created_at.desc(), Comment.id.desc())
    else:
        query = query.order_by(Comment.created_at, Comment.id)
    rows = list(session.execute(query.limit(limit + 1)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    replies: dict[int, list[Comment]] = {c.id: [] for c in rows}
    if rows:
        for reply in session.execute(
                select(Comment).where(Comment.parent_id.in_(list(replies)),
                                      Comment.status == CommentStatus.APPROVED)
                .order_by(Comment.created_at, Comment.id)).scalars():
            replies[reply.parent_id].append(reply)
    next_cursor = encode_cursor(sort, rows[-1].created_at, rows[-1].id) if more else None
    return ThreadPage(article, [(c, replies[c.id]) for c in rows], next_cursor)
