"""Moderation use cases: the moderation queue and moderator actions, scoped to the moderator's sites."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engage.domain.errors import Conflict, InvalidInput, NotFound
from engage.models import (
    Article,
    Comment,
    CommentStatus,
    ModerationAction,
    ModerationActionKind,
    Moderator,
    Site,
)
from engage.services.scope import moderator_site_ids
from engage.services.tx import write_transaction
from engage.services.webhooks import enqueue_comment_change

TARGET_STATUS = {
    ModerationActionKind.APPROVE: CommentStatus.APPROVED,
    ModerationActionKind.REJECT: CommentStatus.REJECTED,
    ModerationActionKind.SPAM: CommentStatus.SPAM,
}


@dataclass(frozen=True)
class QueueItem:
    """A queued comment with the article and site it belongs to."""

    comment: Comment
    article: Article
    site: Site


def queue(session: Session, moderator_id: int, status: CommentStatus = CommentStatus.PENDING,
          limit: int = 50, *, reported: bool = False) -> list[QueueItem]:
    """Comments in one state on the moderator's sites, oldest first.

    :param limit: page size (keyset paging arrives with the workspace issue).
    :param reported: only comments that reader reports sent back to the queue (with
        ``status=pending``: the "reported" view, awaiting a moderator).
    """
    where = [Comment.site_id.in_(moderator_site_ids(moderator_id)), Comment.status == status]
    if reported:
        where.append(Comment.reported_at.is_not(None))
    rows = session.execute(
        select(Comment, Article, Site)
        .join(Article, Article.id == Comment.article_id)
        .join(Site, Site.id == Comment.site_id)
        .where(*where).order_by(Comment.created_at, Comment.id).limit(limit)).all()
    return [QueueItem(c, a, s) for c, a, s in rows]


def queue_counts(session: Session, moderator_id: int) -> dict[str, int]:
    """Number of comments per state on the moderator's sites, every state present (0 if none),
    and ``reported``: pending comments that reader reports sent back to the queue."""
    counts = {status.value: 0 for status in CommentStatus}
    scoped = Comment.site_id.in_(moderator_site_ids(moderator_id))
    for status, n in session.execute(
            select(Comment.status, func.count()).where(scoped).group_by(Comment.status)):
        counts[status.value] = n
    counts["reported"] = session.execute(select(func.count()).select_from(Comment).where(
        scoped, Comment.status == CommentStatus.PENDING,
        Comment.reported_at.is_not(None))).scalar_one()
    return counts


def moderate(session: Session, moderator: Moderator, comment_id: int,
             action: ModerationActionKind, expected: CommentStatus, now: datetime,
             reason: str = "", request_id: str = "") -> CommentStatus:
    """Apply a moderator's decision to one comment, with its audit row, in one transaction.

    The change is a conditional UPDATE on the state the moderator saw (``expected``): when
    another moderator acted first, nothing is overwritten and :class:`Conflict` says so.
    The article's published count moves when the comment enters or leaves ``approved``.

    :raises NotFound: ``comment_not_found`` — also for another site's comment (no oracle).
    :raises Conflict: ``already_moderated`` with ``status``, ``by`` and ``at`` of the last action.
    :raises InvalidInput: ``reason_too_long``; ``already_in_state`` when ``expected`` is the target.
    """
    if len(reason) > 500:
        raise InvalidInput("reason_too_long", field="reason", limit=500)
    target = TARGET_STATUS[action]
    if expected is target:
        raise InvalidInput("already_in_state", field="action")
    with write_transaction(session):
        comment = session.execute(select(Comment).where(
            Comment.id == comment_id,
            Comment.site_id.in_(moderator_site_ids(moderator.id)))).scalar_one_or_none()
        if comment is None:
            raise NotFound("comment_not_found")
        changed = session.execute(
            update(Comment).where(Comment.id == comment_id, Comment.status == expected)
            .values(status=target, updated_at=now,
                    published_at=now if target is CommentStatus.APPROVED else None)
            .execution_options(synchronize_session=False)).rowcount
        if changed != 1:
            raise _conflict(session, comment_id)
        published_delta = (int(target is CommentStatus.APPROVED)
                           - int(expected is CommentStatus.APPROVED))
        if published_delta:
            session.execute(update(Article).where(Article.id == comment.article_id)
                            .values(comment_count=Article.comment_count + published_delta,
                                    version=Article.version + 1))
        session.add(ModerationAction(
            site_id=comment.site_id, comment_id=comment_id, moderator_id=moderator.id,
            action=action, reason=reason, from_status=expected.value, to_status=target.value,
            request_id=request_id, created_at=now))
        enqueue_comment_change(session, comment.article_id, comment_id, expected, target, now)
    return target


def _conflict(session: Session, comment_id: int) -> Conflict:
    """Describe who last acted on the comment, for the "already handled" message."""
    session.rollback()
    status = session.execute(select(Comment.status).where(Comment.id == comment_id)).scalar_one()
    last = session.execute(
        select(ModerationAction, Moderator.display_name)
        .outerjoin(Moderator, Moderator.id == ModerationAction.moderator_id)
        .where(ModerationAction.comment_id == comment_id)
        .order_by(ModerationAction.id.desc()).limit(1)).first()
    if last is None:
        return Conflict("already_moderated", status=status.value, by="", at=None)
    return Conflict("already_moderated", status=status.value, by=last[1] or "",
                    at=last[0].created_at)
