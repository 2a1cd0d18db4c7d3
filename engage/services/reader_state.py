"""One reader's own state on an article: their vote, their likes and reports, the comments they
may still edit.

Kept out of the public article read, which is the same for everyone and cached by version
(ETag, CDN); this small per-reader read is never cached (DESIGN.md §9).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engage.domain.errors import NotFound
from engage.models import Comment, CommentLike, CommentReport, CommentStatus, Rating
from engage.services.comment_edits import EDITABLE, editable_until
from engage.services.sites import find_article, get_site, validate_article_key

# A reader's likes (and reports) listed per article; far more than a page of comments, bounded
# all the same.
LIKED_MAX = 1000


@dataclass(frozen=True)
class ReaderState:
    """``rating``: stars or ``None``; ``liked``: ids of published comments the reader likes;
    ``reported``: ids of published comments the reader reported (one report per reader and
    comment, so the widget offers no second one); ``own``: ids of the reader's comments they
    may still edit or delete, with the end of each one's window."""

    rating: int | None = None
    liked: list[int] = field(default_factory=list)
    own: dict[int, datetime] = field(default_factory=dict)
    reported: list[int] = field(default_factory=list)


def reader_state(session: Session, site_slug: str, article_key: str, reader_id: str,
                 now: datetime, window_s: int) -> ReaderState:
    """Read the reader's own state on one article (four indexed queries).

    :param window_s: the edit window (``COMMENT_EDIT_WINDOW_S``).
    :raises NotFound: ``site_not_found``; ``article_not_found`` on sites that do not create
        articles on first use (the others answer an empty state, as the public read does).
    :raises InvalidInput: ``article_key_invalid``.
    """
    site = get_site(session, site_slug)
    article = find_article(session, site, validate_article_key(article_key))
    if article is None:
        if not site.auto_create_articles:
            raise NotFound("article_not_found")
        return ReaderState()
    rating = session.execute(select(Rating.stars).where(
        Rating.article_id == article.id, Rating.reader_id == reader_id)).scalar_one_or_none()
    liked = session.execute(
        select(CommentLike.comment_id).join(Comment, Comment.id == CommentLike.comment_id)
        .where(CommentLike.reader_id == reader_id, Comment.article_id == article.id,
               Comment.status == CommentStatus.APPROVED)
        .order_by(CommentLike.comment_id).limit(LIKED_MAX)).scalars().all()
    reported = session.execute(
        select(CommentReport.comment_id).join(Comment, Comment.id == CommentReport.comment_id)
        .where(CommentReport.reader_id == reader_id, Comment.article_id == article.id,
               Comment.status == CommentStatus.APPROVED)
        .order_by(CommentReport.comment_id).limit(LIKED_MAX)).scalars().all()
    own = session.execute(
        select(Comment.id, Comment.created_at).where(
            Comment.article_id == article.id, Comment.reader_id == reader_id,
            Comment.status.in_(EDITABLE),
            Comment.created_at >= now - timedelta(seconds=window_s))
        .order_by(Comment.id)).all()
    return ReaderState(rating, list(liked),
                       {cid: editable_until(created, window_s) for cid, created in own},
                       list(reported))
