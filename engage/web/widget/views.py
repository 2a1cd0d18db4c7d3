"""Widget views: the iframe page (readable without JavaScript) and the embed script."""
from __future__ import annotations

import logging
from importlib.metadata import version as distribution_version

from flask import (Blueprint, current_app, g, make_response, render_template, request,
                   send_from_directory, url_for)

from flask_babel import gettext as _
from limits import parse_many

from engage.domain import embedding
from engage.extensions import csrf, db, limiter
from engage.models.types import utcnow
from engage.services import comments, live, ratings, sites
from engage.services.sites import article_for_url, get_site, validate_article_key
from engage.web.cache import etag_for, not_modified, public_cache_headers
from engage.web.keys import network_key
from engage.web.i18n import display_average, display_datetime

bp = Blueprint("widget", __name__)
log = logging.getLogger(__name__)
ENGAGE_VERSION = distribution_version("engage")


@bp.get("/embed.js")
def embed_js():
    """The embed script a news site pastes (no dependencies, no third-party requests)."""
    response = send_from_directory(current_app.static_folder, "embed.js", max_age=300)
    response.headers["Access-Control-Allow-Origin"] = "*"  # a public script, no credentials
    return response


@bp.get("/count.js")
def count_js():
    """The listing-page badge script (one batched counts request per 100 articles)."""
    response = send_from_directory(current_app.static_folder, "count.js", max_age=300)
    response.headers["Access-Control-Allow-Origin"] = "*"  # a public script, no credentials
    return response


@bp.post("/widget/no-script")
@csrf.exempt
def no_script():
    """Where the widget's forms land when JavaScript is off: nothing is stored, say why."""
    return render_template("errors/error.html", status=400,
                           message=_("Vui lòng bật JavaScript để đánh giá và bình luận.")), 400


MODES = ("all", "rating", "comments")


@bp.get("/widget-theme/<site>.css")
def theme_css(site: str):
    """The site's theme as CSS variables (validated values only, see ``domain.embedding``)."""
    css = embedding.theme_css(get_site(db.session, site).theme or {})
    response = current_app.response_class(css, mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/widget/<site>/<article>")
def article_widget(site: str, article: str):
    """The iframe page: rating box and comment section for one article.

    ``?mode=rating`` shows only the rating box, ``?mode=comments`` only the comments.
    """
    site_row = get_site(db.session, site)
    validate_article_key(article)
    return _widget_page(site_row, article)


@bp.get("/widget-url/<site>")
def url_widget(site: str):
    """The iframe page for an article named by its URL (``?url=``, under an allowed origin)."""
    site_row = get_site(db.session, site)
    key = article_for_url(db.session, site_row, request.args.get("url", ""), utcnow(),
                          may_create=_may_create_article)
    return _widget_page(site_row, key)


def _may_create_article() -> bool:
    """Whether this client's IP network may create one more article row from a page view
    (``LIMIT_ARTICLE_URL_CREATES``; only creations count, views of known articles do not).
    Past the limit the page still shows: the row waits for the thread's first write, so a
    reader on a busy carrier network never sees an error (new-user review: every GET of a new
    URL under the site's origin created a row, without limit).

    Counted on Flask-Limiter's current storage (its in-memory fallback while Redis is away);
    a storage error answers ``False``: no row rather than an unbounded number of them.
    """
    if not limiter.enabled:
        return True
    try:
        strategy = limiter.limiter
        return all(strategy.hit(item, "article-url-creates", network_key())
                   for item in parse_many(current_app.config["LIMIT_ARTICLE_URL_CREATES"]))
    except Exception:  # noqa: BLE001 - the page must show; the row can wait for a write
        log.warning("article creation limit unavailable", exc_info=True)
        return False


def _widget_page(site_row, article: str):
    """Render the widget for one article of ``site_row`` (the key already validated)."""
    site = site_row.slug
    g.site_locale, g.site_timezone = site_row.locale, site_row.timezone
    g.frame_ancestors = " ".join(["'self'", *site_row.allowed_origins])
    sort = request.args.get("sort", "newest")
    sort = sort if sort in comments.SORTS else "newest"  # a page, not an API: no 422 here
    mode = request.args.get("mode", "all")
    mode = mode if mode in MODES else "all"
    etag = widget_etag(site_row, article, sort, mode)
    unchanged = not_modified(etag)
    if unchanged is not None:
        return unchanged
    cfg = current_app.config
    live_settings = _live_settings(site, article)  # before the thread is read (its cursor)
    page = comments.thread_page(db.session, site, article, sort=sort,
                                limit=cfg["COMMENTS_PAGE_SIZE"])
    summary = ratings.summary_of(page.article)
    response = make_response(render_template(
        "widget/article.html", site=site_row, article_key=article, article=page.article,
        summary=summary, average_text=display_average(summary.average), page=page,
        fmt_time=display_datetime, max_chars=cfg["COMMENT_MAX_CHARS"], sort=sort,
        name_max=cfg["AUTHOR_NAME_MAX_CHARS"], mode=mode, live=live_settings))
    response.set_etag(etag)
    return public_cache_headers(response)


def _live_settings(site: str, article: str) -> dict:
    """What ``widget-live.js`` needs: the cursor of "published since now" (taken before the
    thread is read, so a comment published in between comes again rather than never), the
    polling periods in seconds, the page size cap, the public max-age, how long a cached copy
    may be served in all (max-age + stale-while-revalidate: after a write of their own, a
    reader's next load within it reads the article past the cache) and the counts URL."""
    cfg = current_app.config
    return {"since": live.live_cursor_at(utcnow()), "pollS": cfg["WIDGET_POLL_S"],
            "maxS": cfg["WIDGET_POLL_MAX_S"], "limit": cfg["COMMENTS_PAGE_SIZE_MAX"],
            "cacheS": cfg["PUBLIC_MAX_AGE_S"],
            "staleS": cfg["PUBLIC_MAX_AGE_S"] + cfg["PUBLIC_STALE_WHILE_REVALIDATE_S"],
            "countsUrl": url_for("api.get_counts", site=site, articles=article)}


def widget_etag(site_row, article: str, sort: str, mode: str) -> str:
    """The widget page's validator: everything the page is rendered from.

    The article's version (bumped in the same transaction by every write that changes what
    readers see), every column of the site row (name, locale, time zone, origins, settings,
    theme), the sort, the mode (all, rating-only, comments-only) and ``?lang=``, the page size,
    the live-thread polling settings, and the package version (templates change with it).
    The live cursor in the page is not: any cursor taken at or after the version's last
    publication gives the same comments.  Reader-specific state is never in the
    page: the widget fetches it from ``…/me``.
    """
    cfg = current_app.config
    version = sites.article_version(db.session, site_row.slug, article)
    site_state = [getattr(site_row, column.key) for column in site_row.__table__.columns]
    return etag_for("widget", version, site_state, article, sort, mode,
                    request.args.get("lang", ""), cfg["COMMENTS_PAGE_SIZE"],
                    cfg["WIDGET_POLL_S"], cfg["WIDGET_POLL_MAX_S"], cfg["PUBLIC_MAX_AGE_S"],
                    cfg["PUBLIC_STALE_WHILE_REVALIDATE_S"], ENGAGE_VERSION)
