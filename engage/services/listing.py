"""Listing-page reads: counts and rating summaries for many articles in one query."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engage.domain.errors import InvalidInput
from engage.models import Article
from engage.services.ratings import summary_of
from engage.services.sites import get_site, validate_article_key

MAX_ARTICLES_PER_REQUEST = 100


def article_counts(session: Session, site_slug: str, keys: list[str]) -> dict[str, dict]:
    """Published comment count and rating summary for each requested article key.

    Unknown keys answer zero counts (a listing page may show articles nobody has touched).
    :raises InvalidInput: ``too_many_articles`` above 100 keys, ``article_key_invalid``.
    :raises NotFound: ``site_not_found``.
    """
    if len(keys) > MAX_ARTICLES_PER_REQUEST:
        raise InvalidInput("too_many_articles", field="articles", limit=MAX_ARTICLES_PER_REQUEST)
    for key in keys:
        validate_article_key(key)
    site = get_site(session, site_slug)
    found = {a.key: a for a in session.execute(
        select(Article).where(Article.site_id == site.id, Article.key.in_(keys))).scalars()}
    return {key: {"comments": found[key].comment_count if key in found else 0,
                  "rating": summary_of(found.get(key)).as_json()} for key in keys}
