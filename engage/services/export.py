"""Export a site (or one article) as Engage JSON: articles, threads, votes, aggregates and
moderation history, for a newspaper leaving or backing up (``engage export``, and the
moderator API for site admins).

Private data — reader ids and hashed IP networks — is left out unless asked for
(``include_private``).  The format is read back by ``engage import engage``
(``engage.domain.interop.native``); articles are yielded one at a time so a large site is
written without holding it in memory.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from engage.domain.errors import Forbidden, NotFound
from engage.domain.interop.native import FORMAT, VERSION
from engage.models import (
    Article, Comment, Membership, ModerationAction, Moderator, Rating, Role, Site)
from engage.services.sites import get_site, validate_article_key


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(timezone.utc).isoformat().replace(
        "+00:00", "Z")


def header(site: Site, now: datetime, include_private: bool) -> dict:
    """The export's envelope, without its articles."""
    return {"format": FORMAT, "version": VERSION, "exported_at": _iso(now),
            "include_private": include_private,
            "site": {"slug": site.slug, "name": site.name}}


def require_site_admin(session: Session, moderator_id: int, site_slug: str) -> Site:
    """The site, when this moderator is one of its admins.

    :raises NotFound: ``site_not_found`` (also for a site the moderator does not belong to,
        so another tenant's slugs are not revealed).
    :raises Forbidden: ``site_admin_required`` for a plain moderator of the site.
    """
    site = get_site(session, site_slug)
    role = session.execute(select(Membership.role).where(
        Membership.moderator_id == moderator_id, Membership.site_id == site.id)
    ).scalar_one_or_none()
    if role is None:
        raise NotFound("site_not_found")
    if role is not Role.ADMIN:
        raise Forbidden("site_admin_required")
    return site


def export_articles(session: Session, site: Site, article_key: str | None = None,
                    include_private: bool = False) -> Iterator[dict]:
    """Yield each article of ``site`` (or only ``article_key``) as an export dict, by id.

    Per article: ``key``, ``title``, ``url``, ``created_at``, ``comments_open``,
    ``ratings_open``, ``comment_count`` (published), ``rating`` (``count``, ``sum``,
    ``distribution``), ``votes`` (stars and time), ``comments`` (every state, parents before
    replies) and ``moderation`` (the audit rows, moderator by username).

    :raises InvalidInput: ``article_key_invalid``.
    :raises NotFound: ``article_not_found`` when ``article_key`` names no article.
    """
    query = select(Article.id).where(Article.site_id == site.id).order_by(Article.id)
    if article_key is not None:
        query = query.where(Article.key == validate_article_key(article_key))
    ids = session.execute(query).scalars().all()
    if article_key is not None and not ids:
        raise NotFound("article_not_found")
    for article_id in ids:
        yield _article(session, session.get(Article, article_id), include_private)
        session.expunge_all()  # keep the session's identity map small on big sites


def _article(session: Session, article: Article, include_private: bool) -> dict:
    votes = session.execute(select(Rating).where(Rating.article_id == article.id)
                            .order_by(Rating.id)).scalars()
    comments = session.execute(select(Comment).where(Comment.article_id == article.id)
                               .order_by(Comment.id)).scalars()
    history = _history(session, article.id)
    bins = [article.rating_1, article.rating_2, article.rating_3, article.rating_4,
            article.rating_5]
    return {
        "key": article.key, "title": article.title, "url": article.url,
        "created_at": _iso(article.created_at), "comments_open": article.comments_open,
        "ratings_open": article.ratings_open, "comment_count": article.comment_count,
        "rating": {"count": article.rating_count, "sum": article.rating_sum,
                   "distribution": {str(i + 1): n for i, n in enumerate(bins)}},
        "votes": [{"stars": v.stars, "created_at": _iso(v.created_at),
                   **({"reader_id": v.reader_id, "network_hash": v.network_hash}
                      if include_private else {})} for v in votes],
        "comments": [_comment(c, include_private) for c in comments],
        "moderation": history,
    }


def _comment(c: Comment, include_private: bool) -> dict:
    return {"id": c.id, "parent_id": c.parent_id, "author_name": c.author_name,
            "text": c.body_raw, "html": c.body_html, "status": c.status.value,
            "created_at": _iso(c.created_at), "published_at": _iso(c.published_at),
            "edited_at": _iso(c.edited_at), "like_count": c.like_count,
            "report_count": c.report_count, "moderation_reasons": c.moderation_reasons or [],
            **({"reader_id": c.reader_id, "network_hash": c.network_hash}
               if include_private else {})}


def _history(session: Session, article_id: int) -> list[dict]:
    """The audit rows of the article and of its comments, oldest first."""
    comment_ids = select(Comment.id).where(Comment.article_id == article_id)
    rows = session.execute(
        select(ModerationAction, Moderator.username)
        .outerjoin(Moderator, Moderator.id == ModerationAction.moderator_id)
        .where((ModerationAction.article_id == article_id)
               | ModerationAction.comment_id.in_(comment_ids))
        .order_by(ModerationAction.id)).all()
    return [{"comment_id": a.comment_id, "action": a.action.value, "reason": a.reason,
             "from_status": a.from_status, "to_status": a.to_status, "moderator": username,
             "created_at": _iso(a.created_at)} for a, username in rows]
