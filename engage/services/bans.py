"""Bans: bar a reader (token) or an IP network from a site, optionally clearing their comments."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from engage.domain.errors import InvalidInput, NotFound
from engage.models import (
    Article, Ban, BanScope, Comment, CommentStatus, ModerationAction,
    ModerationActionKind, Moderator)
from engage.services.scope import moderator_site_ids
from engage.services.tx import write_transaction
from engage.services.webhooks import enqueue_comment_change


def _comment_in_scope(session: Session, moderator_id: int, comment_id: int) -> Comment:
    comment = session.execute(select(Comment).where(
        Comment.id == comment_id,
        Comment.site_id.in_(moderator_site_ids(moderator_id)))).scalar_one_or_none()
    if comment is None:
        raise NotFound("comment_not_found")
    return comment


def ban_from_comment(session: Session, moderator: Moderator, comment_id: int,
                     scope: BanScope, until: datetime | None, reason: str, now: datetime,
                     reject_comments: bool = False, request_id: str = "") -> int:
    """Ban the author of a comment (their reader token) or their IP network on its site.

    With ``reject_comments``, every pending or published comment of theirs on the site is
    rejected in the same transaction (published counts move, one audit row per comment).

    :returns: the number of comments rejected.
    :raises NotFound: ``comment_not_found`` (also another site's comment).
    :raises InvalidInput: ``reason_too_long``, ``window_invalid`` (``until`` not in the future).
    """
    if len(reason) > 500:
        raise InvalidInput("reason_too_long", field="reason", limit=500)
    if until is not None and until <= now:
        raise InvalidInput("window_invalid", field="until")
    with write_transaction(session):
        comment = _comment_in_scope(session, moderator.id, comment_id)
        value = comment.reader_id if scope is BanScope.READER else comment.network_hash
        if not value:
            raise InvalidInput("ban_target_unknown", field="scope")
        session.add(Ban(site_id=comment.site_id, scope=scope, value=value, reason=reason,
                        moderator_id=moderator.id, until=until, created_at=now))
        if not reject_comments:
            return 0
        match = (Comment.reader_id == value if scope is BanScope.READER
                 else Comment.network_hash == value)
        victims = session.execute(select(Comment).where(
            Comment.site_id == comment.site_id, match,
            Comment.status.in_([CommentStatus.PENDING, CommentStatus.APPROVED]))).scalars().all()
        for victim in victims:
            if victim.status is CommentStatus.APPROVED:
                session.execute(update(Article).where(Article.id == victim.article_id).values(
                    comment_count=Article.comment_count - 1, version=Article.version + 1))
            session.add(ModerationAction(
                site_id=victim.site_id, comment_id=victim.id, moderator_id=moderator.id,
                action=ModerationActionKind.REJECT, reason=f"ban: {reason}"[:500],
                from_status=victim.status.value, to_status=CommentStatus.REJECTED.value,
                request_id=request_id, created_at=now))
            enqueue_comment_change(session, victim.article_id, victim.id, victim.status,
                                   CommentStatus.REJECTED, now)
            victim.status = CommentStatus.REJECTED
            victim.published_at = None
            victim.updated_at = now
        return len(victims)


def lift_ban(session: Session, moderator: Moderator, ban_id: int) -> None:
    """Remove a ban on one of the moderator's sites.

    :raises NotFound: ``ban_not_found``.
    """
    with write_transaction(session):
        removed = session.execute(delete(Ban).where(
            Ban.id == ban_id, Ban.site_id.in_(moderator_site_ids(moderator.id)))).rowcount
        if not removed:
            raise NotFound("ban_not_found")
