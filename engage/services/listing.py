"""Listing-page reads: counts and rating summaries for many articles in one query."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Float, cast, func, select
from sqlalchemy.orm import Session

from engage.domain.errors import InvalidInput
from engage.domain.ratings import bayesian_average
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


@dataclass(frozen=True)
class RankedArticle:
    """An article in a "top rated" list with its Bayesian score."""

    article: Article
    score: float


def top_rated(session: Session, site_slug: str, *, days: int, limit: int, now: datetime,
              min_votes: int, prior_votes: float) -> list[RankedArticle]:
    """Articles first seen in the last ``days`` days, ranked by Bayesian average.

    Score = ``(C·m + Σstars) / (C + n)`` (:func:`engage.domain.ratings.bayesian_average`) with
    ``C = prior_votes`` and ``m`` the mean star value over the candidates; articles with fewer
    than ``min_votes`` votes are not ranked at all.  Ties break on more votes, then newer id.

    :raises InvalidInput: ``days_invalid`` (1–365), ``limit_invalid`` (1–50).
    :raises NotFound: ``site_not_found``.
    """
    if not 1 <= days <= 365:
        raise InvalidInput("days_invalid", field="days")
    if not 1 <= limit <= 50:
        raise InvalidInput("limit_invalid", field="limit")
    site = get_site(session, site_slug)
    window = (Article.site_id == site.id, Article.created_at >= now - timedelta(days=days),
              Article.rating_count >= max(min_votes, 1))
    total, count = session.execute(select(func.sum(Article.rating_sum),
                                          func.sum(Article.rating_count)).where(*window)).one()
    if not count:
        return []
    prior_mean = float(total) / float(count)
    score = ((cast(Article.rating_sum, Float) + prior_votes * prior_mean)
             / (cast(Article.rating_count, Float) + prior_votes))
    rows = session.execute(select(Article).where(*window)
                           .order_by(score.desc(), Article.rating_count.desc(), Article.id.desc())
                           .limit(limit)).scalars()
    return [RankedArticle(a, bayesian_average(a.rating_sum, a.rating_count, prior_mean,
                                              prior_votes)) for a in rows]
