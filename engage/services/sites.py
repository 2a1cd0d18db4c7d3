"""Sites and articles: look-ups, creation on first use, and site administration."""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import Connection, and_, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engage.domain.embedding import (
    normalise_article_url, origin_of, url_article_key, validate_origins, validate_theme)
from engage.domain.errors import Forbidden, InvalidInput, NotFound
from engage.models import Article, Site
from engage.services.tx import write_transaction

# \Z, not $: "$" also matches before a trailing newline ("news\n" is not a slug).
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\Z")
# An article key is the CMS's id or a normalised URL path: printable ASCII without spaces.
ARTICLE_KEY_RE = re.compile(r"^(?=.*[A-Za-z0-9])[A-Za-z0-9._~:@!$&'()*+,;=%-]{1,200}\Z")
# Absolute http(s) URL without spaces or control characters (checked again by the HTTP client).
WEBHOOK_URL_RE = re.compile(r"^https?://[^\s/?#]+(?:[/?#][^\s]*)?\Z")


def get_site(session: Session, slug: str) -> Site:
    """Return the site with this slug.

    :raises NotFound: ``site_not_found`` (also for text that cannot be a slug, which is never
        sent to the database).
    """
    if not SLUG_RE.match(slug):
        raise NotFound("site_not_found")
    site = session.execute(select(Site).where(Site.slug == slug)).scalar_one_or_none()
    if site is None:
        raise NotFound("site_not_found")
    return site


def validate_article_key(key: str, field: str = "article") -> str:
    """Return the key if well-formed: 1–200 URL-safe ASCII characters (RFC 3986 unreserved and
    sub-delims), at least one of them a letter or digit (so "." and ".." never name an article).

    :param field: the request field the key came in, named by the error.
    :raises InvalidInput: ``article_key_invalid``.
    """
    if not ARTICLE_KEY_RE.match(key):
        raise InvalidInput("article_key_invalid", field=field)
    return key


def find_article(session: Session, site: Site, key: str, *, for_update: bool = False
                 ) -> Article | None:
    """Return the article (locked FOR UPDATE on PostgreSQL when asked), or ``None``."""
    query = select(Article).where(Article.site_id == site.id, Article.key == key)
    if for_update:
        query = query.with_for_update()
    return session.execute(query).scalar_one_or_none()


def article_for_write(session: Session, site: Site, key: str, now: datetime) -> Article:
    """Return the article for a reader's write, creating it if the site allows creation on use.

    Must run inside :func:`write_transaction`.  The row is locked (PostgreSQL ``FOR UPDATE``;
    SQLite's IMMEDIATE transaction already excludes other writers), so aggregate updates that
    follow are serialised per article.

    :raises NotFound: ``article_not_found`` when absent and creation on use is off.
    """
    validate_article_key(key)
    article = find_article(session, site, key, for_update=True)
    if article is not None:
        return article
    if not site.auto_create_articles:
        raise NotFound("article_not_found")
    article = Article(site_id=site.id, key=key, created_at=now)
    try:
        with session.begin_nested():
            session.add(article)
    except IntegrityError:  # created by a concurrent request a moment ago
        article = find_article(session, site, key, for_update=True)
        assert article is not None
    return article


def create_site(session: Session, slug: str, name: str, origins: Sequence[str] = (),
                *, premoderation: bool = True, auto_create_articles: bool = False,
                timezone: str = "Asia/Ho_Chi_Minh", locale: str = "vi") -> Site:
    """Create a site (tenant).

    :param origins: exact ``scheme://host[:port]`` strings allowed to embed the widget.
    :raises InvalidInput: ``site_slug_invalid``, ``origin_invalid``, ``site_exists``.
    """
    if not SLUG_RE.match(slug):
        raise InvalidInput("site_slug_invalid", field="slug")
    origins = validate_origins(origins)
    with write_transaction(session):
        if session.execute(select(Site.id).where(Site.slug == slug)).first():
            raise InvalidInput("site_exists", field="slug")
        site = Site(slug=slug, name=name, allowed_origins=list(origins),
                    premoderation=premoderation, auto_create_articles=auto_create_articles,
                    timezone=timezone, locale=locale)
        session.add(site)
    return site


def article_for_url(session: Session, site: Site, url: str, now: datetime,
                    may_create: Callable[[], bool] = lambda: True) -> str:
    """The article key for an embed that names its article by URL (``data-engage-url``).

    The URL is normalised and must lie under one of the site's allowed origins (so nobody
    opens threads for other people's pages).  Where the site creates articles on first use,
    the article row is created now with its URL, so moderators see where a thread lives —
    when ``may_create()`` allows it: this runs on a page view (a GET), so the web layer bounds
    how many rows one network may create (``LIMIT_ARTICLE_URL_CREATES``).  A row not created
    here is created by the thread's first comment or vote, without its URL.

    :param may_create: asked only when the row would be created; ``False`` skips creating it.
    :returns: the key (:func:`engage.domain.embedding.url_article_key`).
    :raises InvalidInput: ``article_url_invalid``, ``article_url_not_allowed``.
    """
    normalised = normalise_article_url(url)
    if origin_of(normalised) not in site.allowed_origins:
        raise InvalidInput("article_url_not_allowed", field="url")
    key = url_article_key(normalised)
    if (site.auto_create_articles and find_article(session, site, key) is None
            and may_create()):
        with write_transaction(session):
            if find_article(session, site, key, for_update=True) is None:
                session.add(Article(site_id=site.id, key=key, url=normalised, created_at=now))
    return key


def update_site(session: Session, slug: str, *, origins: Sequence[str] | None = None,
                theme: dict | None = None, webhook_url: str | None = None) -> Site:
    """Change a site's embedding settings; ``None`` leaves a setting as it is.

    :param origins: the full new list of allowed origins (replaces the old one).
    :param theme: the full new theme (see :func:`engage.domain.embedding.validate_theme`).
    :param webhook_url: an absolute http(s) URL, or ``""`` to stop webhooks.
    :raises NotFound: ``site_not_found``.
    :raises InvalidInput: ``origin_invalid``, ``too_many_origins``, ``theme_invalid``,
        ``webhook_url_invalid``.
    """
    clean_origins = validate_origins(origins) if origins is not None else None
    clean_theme = validate_theme(theme) if theme is not None else None
    if webhook_url and (not WEBHOOK_URL_RE.match(webhook_url) or len(webhook_url) > 2000):
        raise InvalidInput("webhook_url_invalid", field="webhook_url")
    with write_transaction(session):
        site = get_site(session, slug)
        if clean_origins is not None:
            site.allowed_origins = clean_origins
        if clean_theme is not None:
            site.theme = clean_theme
        if webhook_url is not None:
            site.webhook_url = webhook_url or None
    return site


def ensure_open(flag: bool, code: str) -> None:
    """Raise ``Forbidden(code)`` unless ``flag`` (comments or ratings open)."""
    if not flag:
        raise Forbidden(code)


_SITE_T, _ARTICLE_T = Site.__table__, Article.__table__
# Built once: this runs on every public read, where building the expression cost more than
# executing it.
VERSION_QUERY = (
    select(_SITE_T.c.id, _ARTICLE_T.c.version).select_from(
        _SITE_T.outerjoin(_ARTICLE_T, and_(_ARTICLE_T.c.site_id == _SITE_T.c.id,
                                           _ARTICLE_T.c.key == bindparam("key"))))
    .where(_SITE_T.c.slug == bindparam("slug")))


def article_version(session: Session, site_slug: str, key: str) -> int | None:
    """The article's read version for ETags in one indexed query (Core, prebuilt statement).

    :returns: the version; 0 when the site exists but the article does not (yet); ``None``
        when the site does not exist or a name is malformed (the caller's full read then
        raises the 404 or 422).
    """
    return article_version_on(session.connection(), site_slug, key)


def article_version_on(connection: Connection, site_slug: str, key: str) -> int | None:
    """:func:`article_version` on a bare connection (the WSGI fast path has no session)."""
    if not SLUG_RE.match(site_slug) or not ARTICLE_KEY_RE.match(key):
        return None
    row = connection.execute(VERSION_QUERY, {"slug": site_slug, "key": key}).first()
    if row is None:
        return None
    return row[1] or 0
