"""Live threads (issue #11): the comments published since a point, in publication order.

An open widget polls the cacheable counts read; when the published count grows it offers
"N bình luận mới", and a click asks ``GET …/comments?since=CURSOR`` for just those comments.
The order is *publication* (``published_at``, then id), not creation: under pre-moderation a
comment written an hour ago is new to readers when a moderator approves it.

``published_at`` is the approving transaction's clock, and transactions commit in any order,
so a comment approved at 12:00:00.100 may become visible after one approved at 12:00:00.200
was already read.  The cursor handed back therefore never moves past ``now - OVERLAP``: the
comments of the last few seconds come again on the next call and the client drops those it
already shows (by id) — never a missed comment, at the cost of a few repeated ones.
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from engage.domain.errors import InvalidInput
from engage.models import Article, Comment, CommentStatus
from engage.services.comments import _published_article

# Longer than any write transaction of Engage runs (they hold no lock across requests).
OVERLAP = timedelta(seconds=10)
_MAX_ID = 2**31
_TAG = "published"


@dataclass(frozen=True)
class LivePage:
    """Comments published after a cursor, oldest publication first.

    ``comments``: published comments, top-level and replies alike (``parent_id`` says which);
    ``next_cursor``: where the next call starts (after the last comment returned when the page
    is full, else ``now - OVERLAP`` unless ``since`` was later); ``comment_count``: the article's published count
    read in the same transaction.
    """

    article: Article | None
    comments: list[Comment]
    next_cursor: str
    comment_count: int


def encode_live_cursor(published_at: datetime, comment_id: int) -> str:
    """Opaque cursor at ``(published_at, comment_id)`` in publication order (id 0: the instant)."""
    raw = json.dumps([_TAG, published_at.isoformat(), comment_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def live_cursor_at(now: datetime) -> str:
    """The cursor a freshly rendered widget starts from: ``now - OVERLAP`` (see module doc)."""
    return encode_live_cursor(now - OVERLAP, 0)


def decode_live_cursor(cursor: str) -> tuple[datetime, int]:
    """Parse a cursor made by :func:`encode_live_cursor`.

    :returns: ``(published_at, id)``, the time aware.
    :raises InvalidInput: ``cursor_invalid`` on the field ``since`` (malformed, a page cursor,
        naive time, id out of range).
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        tag, stamp, comment_id = json.loads(raw)
        when = datetime.fromisoformat(stamp)
        if (tag != _TAG or type(comment_id) is not int or not 0 <= comment_id < _MAX_ID
                or when.tzinfo is None):
            raise ValueError(cursor)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("cursor_invalid", field="since") from None
    return when, comment_id


def published_since(session: Session, site_slug: str, article_key: str, since: str, *,
                    limit: int, now: datetime) -> LivePage:
    """At most ``limit`` comments of the article published after ``since``, oldest first.

    One indexed range read (``ix_comment_published``).  Only published (approved) comments;
    a comment withheld and approved again is published again, so it comes again (clients
    de-duplicate by id).

    :param since: from the widget page's config or a previous ``next_cursor``.
    :param now: the clock, for the overlap bound.
    :raises InvalidInput: ``cursor_invalid`` (field ``since``), ``article_key_invalid``.
    :raises NotFound: ``site_not_found``; ``article_not_found`` on sites that do not create
        articles on first use.
    """
    after = decode_live_cursor(since)
    article = _published_article(session, site_slug, article_key)
    if article is None:
        return LivePage(None, [], since, 0)
    key = tuple_(Comment.published_at, Comment.id)
    rows = list(session.execute(
        select(Comment).where(Comment.article_id == article.id,
                              Comment.status == CommentStatus.APPROVED,
                              Comment.published_at.is_not(None),
                              key > tuple_(*after))
        .order_by(Comment.published_at, Comment.id).limit(limit)).scalars())
    # A full page: more may follow at once, so continue exactly after it.  Otherwise every
    # comment published up to now is here: resume at ``now - OVERLAP`` (module doc).
    resume = ((rows[-1].published_at, rows[-1].id) if len(rows) == limit
              else max(after, (now - OVERLAP, 0)))
    return LivePage(article, rows, encode_live_cursor(*resume), article.comment_count)
