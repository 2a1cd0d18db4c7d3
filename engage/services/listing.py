"""Listing-page reads: counts and rating summaries for many articles in one query."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    false, Connection, Float, String, and_, any_, bindparam, cast, func, select)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from engage.domain.errors import InvalidInput, NotFound
from engage.domain.ratings import RatingSummary, bayesian_average
from engage.models import Article, Site
from engage.services.sites import SLUG_RE, get_site, validate_article_key

MAX_ARTICLES_PER_REQUEST = 100


_SITE_T, _ARTICLE_T = Site.__table__, Article.__table__
_BINS = [_ARTICLE_T.c[f"rating_{n}"] for n in range(1, 6)]
# Built once (a listing page calls this on every view): the site row, outer-joined to the
# requested articles, so one statement tells an unknown site from unknown articles.
_COUNTS_QUERY = (
    select(_SITE_T.c.id, _ARTICLE_T.c.key, _ARTICLE_T.c.comment_count, *_BINS)
    .select_from(_SITE_T.outerjoin(_ARTICLE_T, and_(
        _ARTICLE_T.c.site_id == _SITE_T.c.id,
        _ARTICLE_T.c.key.in_(bindparam("keys", expanding=True)))))
    .where(_SITE_T.c.slug == bindparam("slug")))


def parse_article_keys(raw: str) -> list[str]:
    """The distinct keys of ``?articles=a,b,c`` in order.

    :raises InvalidInput: ``too_many_articles`` above 100 keys, ``article_key_invalid``.
    """
    keys = list(dict.fromkeys(k for k in raw.split(",") if k))
    if len(keys) > MAX_ARTICLES_PER_REQUEST:
        raise InvalidInput("too_many_articles", field="articles", limit=MAX_ARTICLES_PER_REQUEST)
    for key in keys:
        validate_article_key(key, field="articles")
    return keys


def article_counts_on(connection: Connection, site_slug: str, keys: list[str]) -> dict[str, dict]:
    """Published comment count and rating summary per requested key, in one query.

    Unknown keys answer zero counts (a listing page may show articles nobody has touched).
    :param keys: from :func:`parse_article_keys`.
    :raises NotFound: ``site_not_found``.
    """
    if not SLUG_RE.match(site_slug):
        raise NotFound("site_not_found")
    rows = connection.execute(_COUNTS_QUERY, {"slug": site_slug, "keys": keys}).all()
    return counts_from_rows(keys, rows)


def counts_query_for(dialect, n_keys: int, *, versions_only: bool = False):
    """:data:`_COUNTS_QUERY` compiled for ``dialect`` for callers that run it on a raw DBAPI
    connection (the read fast path), where re-expanding the IN list on every call cost more
    than the query; cache the result per :func:`counts_query_key`.

    On PostgreSQL the keys are one array parameter (``key = ANY(:keys)``): one statement for
    any number of keys, and two parameters, which psycopg's query-conversion cache takes (it
    skips statements of more than 50 parameters: ``MAX_CACHED_STATEMENT_PARAMS`` in
    ``psycopg/_queries.py``; the regular-expression split of the 51-parameter form was a
    sixth of a 50-article counts request).  Elsewhere, ``n_keys`` plain parameters ``k0`` ….

    With ``versions_only`` the rows are ``(site id, key, version)`` instead of the counts: the
    article's ``version`` moves in the same transaction as every write that changes its counts
    (the invariant the article read's ETag rests on), so these rows identify the counts answer
    (:func:`counts_signature`) for a fraction of the fetching.

    :returns: a SQLAlchemy ``Compiled``; its parameters are :func:`counts_query_params`.
    """
    if dialect.name == "postgresql":
        match = _ARTICLE_T.c.key == any_(bindparam("keys", type_=ARRAY(String)))
    else:
        match = (_ARTICLE_T.c.key.in_([bindparam(f"k{i}") for i in range(n_keys)])
                 if n_keys else false())
    columns = ((_ARTICLE_T.c.version,) if versions_only else (_ARTICLE_T.c.comment_count, *_BINS))
    stmt = (select(_SITE_T.c.id, _ARTICLE_T.c.key, *columns)
            .select_from(_SITE_T.outerjoin(_ARTICLE_T, and_(
                _ARTICLE_T.c.site_id == _SITE_T.c.id, match)))
            .where(_SITE_T.c.slug == bindparam("slug")))
    return stmt.compile(dialect=dialect)


def counts_query_key(dialect, n_keys: int) -> int:
    """Which compiled :func:`counts_query_for` serves ``n_keys`` keys (one for all on
    PostgreSQL, one per number of keys elsewhere)."""
    return 0 if dialect.name == "postgresql" else n_keys


def counts_query_params(dialect, site_slug: str, keys: list[str]) -> dict:
    """The parameters of :func:`counts_query_for` for ``site_slug`` and ``keys``."""
    if dialect.name == "postgresql":
        return {"slug": site_slug, "keys": keys}
    params: dict = {f"k{i}": key for i, key in enumerate(keys)}
    params["slug"] = site_slug
    return params


def counts_signature(site_slug: str, keys: list[str], version_rows) -> tuple | None:
    """What a counts answer depends on, from ``counts_query_for(…, versions_only=True)``'s
    rows: the site, the keys asked for in their order, and each found article's version.

    Equal signatures mean equal answers as long as every write that changes an article's
    counts bumps its version (see :func:`counts_query_for`); a cached answer found under a
    signature read *before* a write is never older than that signature, because it was
    computed after it.  ``None`` when there is no row (no such site: the full query answers).
    """
    if not version_rows:
        return None
    return (site_slug, tuple(keys), tuple(sorted(
        (row[1], row[2]) for row in version_rows if row[1] is not None)), version_rows[0][0])


def counts_from_rows(keys: list[str], rows) -> dict[str, dict]:
    """The counts answer from :data:`_COUNTS_QUERY`'s rows ``(site id, key, comments, bins…)``.

    :raises NotFound: ``site_not_found`` (no row at all: the site does not exist).
    """
    if not rows:
        raise NotFound("site_not_found")
    found = {row[1]: row for row in rows if row[1] is not None}
    answer = {}
    for key in keys:
        row = found.get(key)
        answer[key] = ({"comments": row[2], "rating": RatingSummary(tuple(row[3:8])).as_json()}
                       if row is not None else {"comments": 0, "rating": _EMPTY.as_json()})
    return answer


_EMPTY = RatingSummary()


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
