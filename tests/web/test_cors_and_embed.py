"""Cross-origin safety and the embed surface: CORS only to a site's exact origins, the widget's
frame-ancestors, modes, theme and URL-named articles, the two scripts and their size."""
import gzip
from pathlib import Path

import pytest

from engage.extensions import db
from engage.models import Article, Site
from engage.services import sites
from helpers import ARTICLE, new_token, post_comment, rate

ALLOWED = "https://news.example"
STATIC = Path(__file__).resolve().parents[2] / "engage" / "static"
GZIP_BUDGET_BYTES = 4096  # issue #8: embed.js at most 4 KB gzipped (count.js held to the same)


def _counts(client, origin=None):
    headers = {"Origin": origin} if origin else {}
    return client.get(f"/api/v1/sites/news/counts?articles={ARTICLE},b", headers=headers)


def test_allowed_origin_gets_its_own_origin_back(client, site):
    response = _counts(client, ALLOWED)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "Origin" in response.headers["Vary"]
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://news.example",
                                    "https://news.example.evil.example", "*"])
def test_other_origins_get_no_cors_access(client, site, origin):
    response = _counts(client, origin)
    assert response.status_code == 200  # the data is public; the browser withholds it
    assert "Access-Control-Allow-Origin" not in response.headers


def test_no_api_response_ever_says_star_or_null(client, site):
    for origin in (ALLOWED, "null", "https://evil.example", None):
        for url in (f"/api/v1/sites/news/articles/{ARTICLE}", "/api/v1/sites/news/counts",
                    "/api/v1/sites/nope/counts", "/api/v1/readers"):
            value = client.get(url, headers={"Origin": origin} if origin else {}).headers.get(
                "Access-Control-Allow-Origin")
            assert value in (None, ALLOWED), (origin, url, value)


def test_repeat_reads_from_the_fast_path_still_answer_cors(client, site):
    url = f"/api/v1/sites/news/articles/{ARTICLE}"
    first = client.get(url)
    assert "Origin" in first.headers["Vary"]  # shared caches keep the two answers apart
    again = client.get(url)  # served by the WSGI fast path (no Origin)
    assert "Origin" in again.headers["Vary"] and "Access-Control-Allow-Origin" not in again.headers
    cross = client.get(url, headers={"Origin": ALLOWED})
    assert cross.headers["Access-Control-Allow-Origin"] == ALLOWED
    conditional = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert conditional.status_code == 304 and "Origin" in conditional.headers["Vary"]


def test_preflight_allows_the_reader_header_for_allowed_origins_only(client, site):
    url = f"/api/v1/sites/news/articles/{ARTICLE}/rating"
    ask = {"Access-Control-Request-Method": "PUT",
           "Access-Control-Request-Headers": "content-type, x-engage-reader"}
    ok = client.options(url, headers={"Origin": ALLOWED, **ask})
    assert ok.status_code == 204
    assert ok.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "PUT" in ok.headers["Access-Control-Allow-Methods"]
    allowed_headers = ok.headers["Access-Control-Allow-Headers"].lower()
    assert "x-engage-reader" in allowed_headers and "content-type" in allowed_headers
    refused = client.options(url, headers={"Origin": "https://evil.example", **ask})
    assert refused.status_code == 204
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert "Access-Control-Allow-Methods" not in refused.headers


def test_cross_origin_write_from_an_allowed_origin(client, site):
    token = new_token(client)
    url = f"/api/v1/sites/news/articles/{ARTICLE}/rating"
    headers = {"Origin": ALLOWED, "X-Engage-Reader": token}
    response = client.put(url, json={"stars": 4}, headers=headers)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    error = client.put(url, json={"stars": 9}, headers=headers)
    assert error.status_code == 422  # errors carry CORS too, so the page can read the message
    assert error.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_reader_tokens_answer_cors_for_the_named_site(client, site):
    named = client.post("/api/v1/readers?site=news", headers={"Origin": ALLOWED})
    assert named.status_code == 201
    assert named.headers["Access-Control-Allow-Origin"] == ALLOWED
    unnamed = client.post("/api/v1/readers", headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in unnamed.headers


def test_integration_api_never_answers_cors(client, site):
    response = client.put(f"/api/v1/sites/news/integration/articles/{ARTICLE}",
                          json={"title": "x"}, headers={"Origin": ALLOWED})
    assert response.status_code == 401
    assert "Access-Control-Allow-Origin" not in response.headers
    preflight = client.options(f"/api/v1/sites/news/integration/articles/{ARTICLE}", headers={
        "Origin": ALLOWED, "Access-Control-Request-Method": "PUT"})
    assert "Access-Control-Allow-Origin" not in preflight.headers


def test_widget_frame_ancestors_follow_the_site_setting(app, client, site):
    with app.app_context():
        sites.update_site(db.session, "news", origins=["https://a.example", "http://127.0.0.2:8000"])
    csp = client.get(f"/widget/news/{ARTICLE}").headers["Content-Security-Policy"]
    ancestors = csp.split("frame-ancestors", 1)[1].split(";")[0].split()
    assert ancestors == ["'self'", "https://a.example", "http://127.0.0.2:8000"]
    assert "X-Frame-Options" not in client.get(f"/widget/news/{ARTICLE}").headers
    cors = _counts(client, ALLOWED)  # the old origin lost CORS with the change
    assert "Access-Control-Allow-Origin" not in cors.headers


def test_invalid_origins_are_refused_and_nothing_changes(app, runner, site):
    result = runner.invoke(args=["engage", "update-site", "news", "--origin", "https://ok.example",
                                 "--origin", "https://*.example"])
    assert result.exit_code != 0 and "origin_invalid" in result.output
    with app.app_context():
        assert db.session.query(Site).filter_by(slug="news").one().allowed_origins == [ALLOWED]


def test_modes_show_only_their_part(client, site):
    rating_only = client.get(f"/widget/news/{ARTICLE}?mode=rating").get_data(as_text=True)
    assert 'data-role="rate-form"' in rating_only and 'data-role="comment-form"' not in rating_only
    comments_only = client.get(f"/widget/news/{ARTICLE}?mode=comments").get_data(as_text=True)
    assert 'data-role="comment-form"' in comments_only and 'data-role="rate-form"' not in comments_only
    both = client.get(f"/widget/news/{ARTICLE}?mode=bogus").get_data(as_text=True)
    assert 'data-role="comment-form"' in both and 'data-role="rate-form"' in both


def test_site_theme_becomes_css_variables(app, client, runner, site):
    plain = client.get(f"/widget/news/{ARTICLE}").get_data(as_text=True)
    assert "/widget-theme/news.css" not in plain
    result = runner.invoke(args=["engage", "update-site", "news", "--theme",
                                 '{"accent": "#0A5C36", "font": "serif", "radius": 8}'])
    assert result.exit_code == 0, result.output
    html = client.get(f"/widget/news/{ARTICLE}").get_data(as_text=True)
    assert 'href="/widget-theme/news.css"' in html
    css = client.get("/widget-theme/news.css")
    assert css.mimetype == "text/css"
    body = css.get_data(as_text=True)
    assert "--engage-accent: #0a5c36;" in body and "--engage-radius: 8px;" in body
    bad = runner.invoke(args=["engage", "update-site", "news", "--theme", '{"accent": "red"}'])
    assert bad.exit_code != 0 and "theme_invalid" in bad.output
    assert "--engage-accent: #0a5c36;" in client.get("/widget-theme/news.css").get_data(as_text=True)


def test_url_named_article_is_one_thread_under_an_allowed_origin(app, client, site):
    first = client.get("/widget-url/news?url=https://news.example/thoi-su/bai-1.html%3Futm_source%3Dzalo")
    assert first.status_code == 200
    again = client.get("/widget-url/news?url=https://NEWS.example/thoi-su/bai-1.html%23binh-luan")
    assert again.status_code == 200
    with app.app_context():
        rows = db.session.query(Article).all()
        assert [(a.url, a.key[:2]) for a in rows] == [("https://news.example/thoi-su/bai-1.html", "u-")]
        key = rows[0].key
    assert f"/api/v1/sites/news/articles/{key}" in first.get_data(as_text=True)
    assert f"/api/v1/sites/news/articles/{key}" in again.get_data(as_text=True)
    foreign = client.get("/widget-url/news?url=https://evil.example/x")
    assert foreign.status_code == 422
    assert "Địa chỉ bài viết không thuộc trang báo này." in foreign.get_data(as_text=True)
    assert client.get("/widget-url/news?url=javascript:alert(1)").status_code == 422
    with app.app_context():
        assert db.session.query(Article).count() == 1


def test_widget_is_readable_without_javascript(client, open_site):
    rate(client, new_token(client), 5, site="open")
    post_comment(client, new_token(client), "Bài viết rất hữu ích cho bà con vùng lũ.",
                 name="Nguyễn Thị Hoa", site="open")
    html = client.get(f"/widget/open/{ARTICLE}").get_data(as_text=True)
    # The server HTML itself carries the summary, the thread and working forms.
    assert ">5,0<" in html and "Nguyễn Thị Hoa" in html
    assert "Bài viết rất hữu ích cho bà con vùng lũ." in html
    assert 'action="/widget/no-script"' in html


@pytest.mark.parametrize("name", ["embed.js", "count.js"])
def test_scripts_are_served_and_small(client, name):
    source = (STATIC / name).read_bytes()
    with client.get(f"/{name}") as response:
        assert response.status_code == 200 and "javascript" in response.mimetype
        assert response.get_data() == source
    assert len(gzip.compress(source, compresslevel=9)) <= GZIP_BUDGET_BYTES
    text = source.decode()
    assert "https://" not in text and "http://" not in text  # every URL is Engage's own origin
    for third_party in ("googleapis", "cdn", "gstatic", "jsdelivr", "unpkg", "document.cookie"):
        assert third_party not in text


def test_preflights_use_up_no_quota(app_factory):
    # Token issuance is limited per IP network, the same key a preflight would be counted on.
    app = app_factory(LIMIT_READER_TOKENS="2/minute")
    with app.app_context():
        sites.create_site(db.session, "news", "Báo", [ALLOWED], premoderation=False,
                          auto_create_articles=True)
    client = app.test_client()
    url = "/api/v1/readers?site=news"
    for _ in range(5):
        preflight = client.options(url, headers={"Origin": ALLOWED,
                                                 "Access-Control-Request-Method": "POST"})
        assert preflight.status_code == 204
        assert preflight.headers["Access-Control-Allow-Origin"] == ALLOWED
    for _ in range(2):
        response = client.post(url, headers={"Origin": ALLOWED})
        assert response.status_code == 201, response.get_json()
        assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    third = client.post(url, headers={"Origin": ALLOWED})
    assert third.status_code == 429  # the limit itself holds, and is readable cross-origin
    assert third.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "Retry-After" in third.headers["Access-Control-Expose-Headers"]


def test_page_views_create_url_articles_only_within_the_network_limit(app_factory):
    # before: every GET of a new URL under the site's origin created an article row, unbounded
    app = app_factory(LIMIT_ARTICLE_URL_CREATES="2/hour")
    client = app.test_client()
    with app.app_context():
        from engage.services import sites as site_service
        site_service.create_site(db.session, "news", "News", ["https://news.example"],
                                 auto_create_articles=True)

    def urls():
        with app.app_context():
            return sorted(u for (u,) in db.session.query(Article.url))

    for n in (1, 2, 1, 1, 3, 4):  # views of a known article use up nothing
        assert client.get(f"/widget-url/news?url=https://news.example/bai-{n}").status_code == 200
    assert urls() == ["https://news.example/bai-1", "https://news.example/bai-2"]
    page = client.get("/widget-url/news?url=https://news.example/bai-5")
    assert page.status_code == 200 and 'data-role="comment-form"' in page.get_data(as_text=True)
    other = client.get("/widget-url/news?url=https://news.example/bai-6",
                       environ_base={"REMOTE_ADDR": "198.51.100.7"})  # another network
    assert other.status_code == 200
    assert urls() == ["https://news.example/bai-1", "https://news.example/bai-2",
                      "https://news.example/bai-6"]

