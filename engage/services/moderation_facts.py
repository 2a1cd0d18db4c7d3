"""Gather the plain facts the moderation pipeline needs about one comment (DESIGN.md §7).

The checks never query anything; this module does, in a few indexed queries, and hands them a
:class:`~engage.domain.moderation.pipeline.CommentContext`.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, case, exists, func, or_, select

from engage.domain.moderation.pipeline import BanInfo, CommentContext
from engage.domain.moderation.wordlists import WordLists, load_wordlists, matcher_for
from engage.models import Ban, BanScope, Comment, CommentStatus, Site, SiteWord, WordListKind

RECENT_TEXTS = 20  # the reader's last comments compared for duplicates
_C, _B, _W = Comment.__table__, Ban.__table__, SiteWord.__table__
_BANS = select(_B.c.scope, _B.c.until).where(
    _B.c.site_id == bindparam("site_id"),
    or_((_B.c.scope == BanScope.READER) & (_B.c.value == bindparam("reader_id")),
        (_B.c.scope == BanScope.NETWORK) & (_B.c.value == bindparam("network_hash"))))
_RECENT = (select(_C.c.body_raw).where(_C.c.site_id == bindparam("site_id"),
                                       _C.c.reader_id == bindparam("reader_id"))
           .order_by(_C.c.created_at.desc()).limit(RECENT_TEXTS))
_APPROVED = select(func.count()).select_from(_C).where(
    _C.c.site_id == bindparam("site_id"), _C.c.reader_id == bindparam("reader_id"),
    _C.c.status == CommentStatus.APPROVED)
_SITE_WORDS = select(_W.c.kind, _W.c.entry).where(_W.c.site_id == bindparam("site_id"))


@dataclass(frozen=True)
class PrefetchedFacts:
    """Facts about the reader read together with the site and article row (the comment POST's
    first statement, :func:`prefetch_columns`), so that judging a new comment costs no further
    query in the usual case.

    :param recent_texts: the reader's last :data:`RECENT_TEXTS` comment texts on the site.
    :param any_ban: whether a ban row (active or expired) names the reader or the network; only
        then are the bans themselves read.
    :param approved_count: the reader's published comments on the site (0 when the site has no
        first-comments hold, which is the only check that reads it).
    """

    recent_texts: tuple[str, ...]
    any_ban: bool
    approved_count: int


_S = Site.__table__


def prefetch_columns(dialect: str) -> list:
    """The columns of :class:`PrefetchedFacts` as scalar subqueries, to be selected with the
    ``site`` row (bind parameters ``reader_id`` and ``network_hash``; ``slug`` names the site).

    The recent texts come back as one JSON array (``json_agg`` on PostgreSQL,
    ``json_group_array`` on SQLite): :func:`prefetched_from` turns the row into the dataclass.
    """
    own = (_C.c.site_id == _S.c.id, _C.c.reader_id == bindparam("reader_id"))
    site_id = (select(_S.c.id).where(_S.c.slug == bindparam("slug")).correlate(None)
               .scalar_subquery())
    recent = (select(_C.c.body_raw.label("body"))
              .where(_C.c.site_id == site_id, _C.c.reader_id == bindparam("reader_id"))
              .order_by(_C.c.created_at.desc()).limit(RECENT_TEXTS).subquery())
    aggregate = func.json_agg if dialect == "postgresql" else func.json_group_array
    return [
        select(aggregate(recent.c.body)).scalar_subquery().label("f_recent"),
        exists().where(_B.c.site_id == _S.c.id, or_(
            (_B.c.scope == BanScope.READER) & (_B.c.value == bindparam("reader_id")),
            (_B.c.scope == BanScope.NETWORK) & (_B.c.value == bindparam("network_hash")))
        ).label("f_any_ban"),
        case((_S.c.first_n_hold > 0,
              select(func.count()).select_from(_C)
              .where(*own, _C.c.status == CommentStatus.APPROVED).scalar_subquery()),
             else_=0).label("f_approved"),
    ]


def prefetched_from(row) -> PrefetchedFacts:
    """:class:`PrefetchedFacts` from a row holding :func:`prefetch_columns` (a mapping)."""
    recent = row["f_recent"]
    if isinstance(recent, str):  # SQLite's JSON is text; psycopg decodes json itself
        recent = json.loads(recent)
    return PrefetchedFacts(tuple(recent or ()), bool(row["f_any_ban"]), int(row["f_approved"] or 0))


@dataclass(frozen=True)
class ModerationSettings:
    """Global pipeline settings from config: form-age bounds in seconds."""

    min_form_seconds: float = 3.0
    max_form_seconds: float | None = 7200.0


def site_matcher(connection: Callable[[], Connection], site_id: int, wordlist_version: int):
    """The compiled default + site word lists, cached per ``(site, wordlist_version)``.

    :param connection: gives the connection to read the site's words with, called only when
        the cache misses (e.g. ``session.connection``, which would otherwise begin a
        transaction for nothing).
    """
    def build() -> WordLists:
        rows = connection().execute(_SITE_WORDS, {"site_id": site_id}).all()
        own = WordLists(tuple(e for k, e in rows if k is WordListKind.BANNED),
                        tuple(e for k, e in rows if k is WordListKind.SUSPECT))
        return _defaults() + own
    return matcher_for(("site", site_id, wordlist_version), build)


def _defaults() -> WordLists:
    """The shipped lists, read once per process."""
    global _DEFAULTS
    if _DEFAULTS is None:
        _DEFAULTS = load_wordlists()
    return _DEFAULTS


_DEFAULTS: WordLists | None = None


def comment_context(connection: Callable[[], Connection], *, site, article, text: str, now: datetime,
                    reader_id: str, network_hash: str, is_reply: bool, honeypot: str,
                    form_age_ms: int | None, settings: ModerationSettings,
                    exclude_comment: int | None = None,
                    prefetched: PrefetchedFacts | None = None) -> CommentContext:
    """Build the pipeline's facts for a new (or edited) comment.

    :param connection: gives the connection to query with, called only when a fact must be
        queried (no prefetched facts, a ban to read, word lists not cached): a new comment in
        the usual case queries nothing here.
    :param site: a row with ``id``, ``premoderation``, ``auto_close_days``, ``link_limit``,
        ``first_n_hold``, ``wordlist_version``.
    :param article: a row with ``comments_open``, ``premoderation`` (None: the site's),
        ``published_at`` and ``created_at`` (auto-close counts from publication, else first use).
    :param exclude_comment: an edited comment's id, so its own old text is no duplicate.
    :param prefetched: the reader's facts already read with the site row (a new comment);
        without them (an edit) they are queried here.
    """
    params = {"site_id": site.id, "reader_id": reader_id, "network_hash": network_hash}
    if prefetched is None:
        conn = connection()
        recent = _RECENT if exclude_comment is None else _RECENT.where(_C.c.id != exclude_comment)
        recent_texts = tuple(conn.execute(recent, params).scalars())
        approved = (conn.execute(_APPROVED, params).scalar_one() if site.first_n_hold else 0)
    else:
        recent_texts, approved = prefetched.recent_texts, prefetched.approved_count
    bans = (tuple(BanInfo(scope.value, until)
                  for scope, until in connection().execute(_BANS, params))
            if prefetched is None or prefetched.any_ban else ())
    premoderation = site.premoderation if article.premoderation is None else article.premoderation
    return CommentContext(
        text=text, now=now, premoderation=premoderation, is_reply=is_reply,
        article_open=article.comments_open,
        published_at=article.published_at or article.created_at,
        auto_close_days=site.auto_close_days, bans=bans, honeypot=honeypot,
        form_age_seconds=None if form_age_ms is None else form_age_ms / 1000.0,
        min_form_seconds=settings.min_form_seconds, max_form_seconds=settings.max_form_seconds,
        recent_texts=recent_texts,
        wordlists=site_matcher(connection, site.id, site.wordlist_version),
        link_limit=site.link_limit,
        reader_approved_count=approved,
        first_n_hold=site.first_n_hold)
