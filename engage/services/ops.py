"""Facts for operators: moderation queue sizes and a database round trip (readiness, metrics)."""
from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from engage.models import Comment, CommentStatus, Site


def pending_queue_sizes(session: Session) -> dict[str, int]:
    """Comments waiting for a moderator, per site slug (sites with none are left out).

    One ``GROUP BY`` over the ``ix_comment_queue`` index (site, status, …), run per metrics
    scrape, not per request.

    :returns: ``{site_slug: pending_count}``.
    """
    rows = session.execute(
        select(Site.slug, func.count()).join(Comment, Comment.site_id == Site.id)
        .where(Comment.status == CommentStatus.PENDING).group_by(Site.slug))
    return {slug: count for slug, count in rows}


def database_answers(session: Session) -> None:
    """Run ``SELECT 1`` and end the transaction.

    :raises sqlalchemy.exc.SQLAlchemyError: the database is unreachable or failing.
    """
    try:
        session.execute(text("SELECT 1"))
    finally:
        session.rollback()
