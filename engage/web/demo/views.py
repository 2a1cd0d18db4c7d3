"""Demo views: the seed article page."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from engage.services.demo import DEMO_ARTICLE, DEMO_SITE, DEMO_TITLE
from engage.web.i18n import LOCALES

bp = Blueprint("demo", __name__)


@bp.get("/")
def article():
    """The demo article with the embed snippet pasted at its end (``?lang=en``: the widget in
    English; the article itself stays Vietnamese, as on the newspaper)."""
    origin = request.host_url.rstrip("/")
    lang = request.args.get("lang")
    return render_template("demo/article.html", title=DEMO_TITLE, site=DEMO_SITE,
                           article_key=DEMO_ARTICLE, engage_origin=origin,
                           widget_lang=lang if lang in LOCALES else None)
