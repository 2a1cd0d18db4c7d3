"""Site integration: the per-site API key and article registration from the CMS."""
from __future__ import annotations

import hmac
import unicodedata
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engage.domain.embedding import hash_api_key
from engage.domain.errors import InvalidInput, NotFound, Unauthorized
from engage.models import Article
from engage.services.sites import find_article, get_site, validate_article_key
from engage.services.tx import write_transaction

API_KEY_PREFIX = "ek_"


def create_api_key(session: Session, slug: str) -> str:
    """Issue a new API key for a site, replacing any earlier one; only its hash is stored.

    :returns: the key (``ek_`` + 43 URL-safe characters, 256 random bits), shown once.
    :raises NotFound: ``site_not_found``.
    """
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    with write_transaction(session):
        get_site(session, slug).api_key_hash = hash_api_key(key)
    return key


def authenticate(session: Session, slug: str, authorization: str | None):
    """The site whose API key is in ``Authorization: Bearer <key>``.

    :raises Unauthorized: ``api_key_invalid`` — missing, malformed or wrong key, and also an
        unknown site (the answer does not tell which sites exist).
    """
    scheme, _, key = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not key.startswith(API_KEY_PREFIX):
        raise Unauthorized("api_key_invalid")
    try:
        site = get_site(session, slug)
    except NotFound:  # the same answer as a wrong key
        raise Unauthorized("api_key_invalid") from None
    if not site.api_key_hash or not hmac.compare_digest(site.api_key_hash, hash_api_key(key)):
        raise Unauthorized("api_key_invalid")
    return site


# Publication times a CMS may set (UTC): an archive's oldest article to any scheduled one.  The
# bounds keep every date sum inside Python's ``datetime`` (year 1..9999): a time near either end
# broke the conversion to UTC (``0001-01-01T00:00:00+14:00``) or the auto-close date (9999-12-31
# plus N days), a 500 for every comment on the article (new-user review, December 2026).
PUBLISHED_AT_MIN = datetime(1900, 1, 1, tzinfo=timezone.utc)
PUBLISHED_AT_MAX = datetime(2200, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class ArticleFields:
    """What a CMS may set on an article; ``None`` leaves a field as it is.

    ``published_at`` is aware (UTC or any offset); ``url`` an absolute http(s) URL.
    """

    title: str | None = None
    url: str | None = None
    published_at: datetime | None = None
    comments_open: bool | None = None


def register_article(session: Session, site, key: str, fields: ArticleFields,
                     now: datetime) -> tuple[Article, bool]:
    """Create or update one article of the authenticated site, in one transaction.

    Closing comments takes effect for the next post at once (the pipeline's first check).
    :returns: the article and whether it was created.
    :raises InvalidInput: ``article_key_invalid``; ``published_at_out_of_range`` (outside
        :data:`PUBLISHED_AT_MIN` .. :data:`PUBLISHED_AT_MAX`).
    """
    validate_article_key(key)
    published = fields.published_at
    if published is not None and not PUBLISHED_AT_MIN <= published < PUBLISHED_AT_MAX:
        raise InvalidInput("published_at_out_of_range", field="published_at")
    with write_transaction(session):
        article = find_article(session, site, key, for_update=True)
        created = article is None
        if created:
            article = Article(site_id=site.id, key=key, created_at=now)
            try:
                with session.begin_nested():
                    session.add(article)
            except IntegrityError:  # created by a reader's first write a moment ago
                created, article = False, find_article(session, site, key, for_update=True)
        changed = False
        for name in ("title", "url", "published_at", "comments_open"):
            value = getattr(fields, name)
            if name == "title" and value is not None:
                value = unicodedata.normalize("NFC", value)
            if value is not None and getattr(article, name) != value:
                setattr(article, name, value)
                changed = True
        if changed and not created:
            article.version = Article.version + 1  # public reads show comments_open
        session.flush()
        session.refresh(article)
    return article, created
