"""Moderation use cases, the stable entry points: the queue, counts and one decision.

The queue page with filters and paging lives in :mod:`engage.services.moderation_queue`;
decisions, bulk decisions and undo in :mod:`engage.services.moderation_actions`.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from engage.models import CommentStatus
from engage.services.moderation_actions import TARGET_STATUS, moderate
from engage.services.moderation_queue import QueueFilter, QueueItem, queue_counts, queue_page

__all__ = ["TARGET_STATUS", "QueueItem", "moderate", "queue", "queue_counts"]


def queue(session: Session, moderator_id: int, status: CommentStatus = CommentStatus.PENDING,
          limit: int = 50, *, reported: bool = False, sort: str = "oldest") -> list[QueueItem]:
    """The first page of comments in one state on the moderator's sites, oldest first.

    :param reported: only comments that reader reports sent back to the queue (with
        ``status=pending``: the "reported" view, awaiting a moderator).
    :param sort: ``oldest``, or ``risk``: highest moderation-assistant risk first, comments
        without a score last, ties oldest first.
    :raises InvalidInput: ``sort_invalid``.
    """
    name = "reported" if reported else status.value
    return queue_page(session, moderator_id, QueueFilter(queue=name, order=sort), limit).items
