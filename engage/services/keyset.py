"""Keyset ("load more") pagination of comments: sort orders, opaque cursors, "after the cursor".

Never OFFSET: a page starts strictly after the last item shown, compared on the whole sort key
(a row-value comparison the thread indexes serve), so comments arriving between two pages never
shift, skip or repeat the ones already listed (Markus Winand, "We need tool support for keyset
pagination", use-the-index-luke.com/no-offset).
"""
from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from sqlalchemy import tuple_

from engage.domain.errors import InvalidInput
from engage.models import Comment

SORTS = ("newest", "oldest", "most_liked")
_MAX_ID = 2**31


def sort_columns(sort: str) -> tuple:
    """The columns a sort orders by, most significant first; every sort ends with a unique id.

    ``most_liked`` is ``(like_count, created_at, id)``: among equally liked comments the newer
    comes first.
    """
    if sort == "most_liked":
        return Comment.like_count, Comment.created_at, Comment.id
    return Comment.created_at, Comment.id


def sort_key(sort: str, comment: Comment) -> tuple:
    """The comment's values of :func:`sort_columns`, in the same order."""
    if sort == "most_liked":
        return comment.like_count, comment.created_at, comment.id
    return comment.created_at, comment.id


def encode_cursor(sort: str, created_at: datetime, comment_id: int,
                  like_count: int | None = None) -> str:
    """Opaque cursor: the sort and the last item's sort key (``like_count`` for most liked)."""
    key: list = [created_at.isoformat(), comment_id]
    if sort == "most_liked":
        key.insert(0, like_count)
    return base64.urlsafe_b64encode(json.dumps([sort, *key]).encode()).decode().rstrip("=")


def cursor_after(sort: str, comment: Comment) -> str:
    """The cursor that continues after ``comment`` in ``sort`` order."""
    return encode_cursor(sort, comment.created_at, comment.id,
                         comment.like_count if sort == "most_liked" else None)


def decode_cursor(cursor: str, sort: str) -> tuple:
    """Parse a cursor made by :func:`encode_cursor` for the same sort into its sort key.

    :returns: ``(created_at, id)``, or ``(like_count, created_at, id)`` for ``most_liked``.
    :raises InvalidInput: ``cursor_invalid`` (malformed, another sort's, or out of range).
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        got_sort, *key = json.loads(raw)
        if got_sort != sort or len(key) != (3 if sort == "most_liked" else 2):
            raise ValueError(cursor)
        likes = key.pop(0) if sort == "most_liked" else 0
        stamp, comment_id = key
        when = datetime.fromisoformat(stamp)
        if (type(comment_id) is not int or not 0 < comment_id < _MAX_ID or when.tzinfo is None
                or type(likes) is not int or not 0 <= likes < _MAX_ID):
            raise ValueError(cursor)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("cursor_invalid", field="cursor") from None
    return (likes, when, comment_id) if sort == "most_liked" else (when, comment_id)


def apply_keyset(query, sort: str, cursor: str | None):
    """Order ``query`` by ``sort`` and keep only rows after ``cursor`` (when given)."""
    columns = sort_columns(sort)
    descending = sort != "oldest"
    if cursor:
        key, after = tuple_(*columns), tuple_(*decode_cursor(cursor, sort))
        query = query.where(key < after if descending else key > after)
    return query.order_by(*(c.desc() if descending else c.asc() for c in columns))
