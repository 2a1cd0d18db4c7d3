"""Gather the plain facts the moderation pipeline needs about one comment (DESIGN.md §7).

The checks never query anything; this module does, in a few indexed queries, and hands them a
:class:`~engage.domain.moderation.pipeline.CommentContext`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, func, or_, select

from engage.domain.moderation.pipeline import BanInfo, CommentContext
from engage.domain.moderation.wordlists import WordLists, load_wordlists, matcher_for
from engage.models import Ban, BanScope, Comment, CommentStatus, SiteWord, WordListKind

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
class ModerationSettings:
    """Global pipeline settings from config: form-age bounds in seconds."""

    min_form_seconds: float = 3.0
    max_form_seconds: float | None = 7200.0


def site_matcher(conn: Connection, site_id: int, wordlist_version: int):
    """The compiled default + site word lists, cached per ``(site, wordlist_version)``."""
    def build() -> WordLists:
        rows = conn.execute(_SITE_WORDS, {"site_id": site_id}).all()
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


def comment_context(conn: Connection, *, site, article, text: str, now: datetime,
                    reader_id: str, network_hash: str, is_reply: bool, honeypot: str,
                    form_age_ms: int | None, settings: ModerationSettings,
                    exclude_comment: int | None = None) -> CommentContext:
    """Build the pipeline's facts for a new (or edited) comment.

    :param site: a row with ``id``, ``premoderation``, ``auto_close_days``, ``link_limit``,
        ``first_n_hold``, ``wordlist_version``.
    :param article: a row with ``comments_open``, ``premoderation`` (None: the site's),
        ``published_at`` and ``created_at`` (auto-close counts from publication, else first use).
    :param exclude_comment: an edited comment's id, so its own old text is no duplicate.
    """
    params = {"site_id": site.id, "reader_id": reader_id, "network_hash": network_hash}
    bans = tuple(BanInfo(scope.value, until) for scope, until in conn.execute(_BANS, params))
    recent = _RECENT if exclude_comment is None else _RECENT.where(_C.c.id != exclude_comment)
    premoderation = site.premoderation if article.premoderation is None else article.premoderation
    return CommentContext(
        text=text, now=now, premoderation=premoderation, is_reply=is_reply,
        article_open=article.comments_open,
        published_at=article.published_at or article.created_at,
        auto_close_days=site.auto_close_days, bans=bans, honeypot=honeypot,
        form_age_seconds=None if form_age_ms is None else form_age_ms / 1000.0,
        min_form_seconds=settings.min_form_seconds, max_form_seconds=settings.max_form_seconds,
        recent_texts=tuple(conn.execute(recent, params).scalars()),
        wordlists=site_matcher(conn, site.id, site.wordlist_version),
        link_limit=site.link_limit,
        reader_approved_count=(conn.execute(_APPROVED, params).scalar_one()
                               if site.first_n_hold else 0),
        first_n_hold=site.first_n_hold)
