"""The public JSON API through the Flask test client: shapes, errors, nothing stored on failure."""
import pytest
from sqlalchemy import func, select

from engage.extensions import db
from engage.models import Article, Comment, Rating, Reader
from helpers import ARTICLE, new_token, post_comment, rate

BASE = f"/api/v1/sites/news/articles/{ARTICLE}"


def _rows(app):
    with app.app_context():
        return tuple(db.session.execute(select(func.count()).select_from(m)).scalar_one()
                     for m in (Article, Rating, Comment))


def test_reader_token_is_issued_and_recorded(app, client):
    token = new_token(client)
    assert len(token) == 66
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Reader)).scalar_one() == 1
        assert db.session.get(Reader, token.split(".")[0]).network_hash != "127.0.0.1"


def test_article_data_shape_for_untouched_article(client, site):
    body = client.get(BASE).get_json()
    assert body["rating"] == {"count": 0, "average": None,
                              "distribution": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}}
    assert body["comments"] == [] and body["next_cursor"] is None
    assert body["comments_open"] is True


def test_rate_then_read(client, site):
    token = new_token(client)
    response = rate(client, token, 4)
    assert response.status_code == 200
    assert response.get_json() == {"mine": 4, "rating": {"count": 1, "average": 4.0,
                                   "distribution": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0}}}
    assert rate(client, token, 2).get_json()["rating"]["distribution"]["2"] == 1
    assert client.get(BASE).get_json()["rating"]["count"] == 1
    mine = client.get(BASE + "/rating", headers={"X-Engage-Reader": token})
    assert mine.get_json() == {"mine": 2} and "no-store" in mine.headers["Cache-Control"]
    gone = client.delete(BASE + "/rating", headers={"X-Engage-Reader": token})
    assert gone.get_json()["rating"]["count"] == 0


def test_comment_flow_pending_then_counts(client, site):
    token = new_token(client)
    response = post_comment(client, token, "Tin rất hữu ích, cảm ơn!")
    assert response.status_code == 201
    assert response.get_json()["status"] == "pending" and response.get_json()["id"] > 0
    counts = client.get(f"/api/v1/sites/news/counts?articles={ARTICLE},other").get_json()
    assert counts["articles"][ARTICLE]["comments"] == 0
    assert counts["articles"]["other"]["rating"]["count"] == 0


def test_published_comment_shape(client, open_site):
    token = new_token(client)
    post_comment(client, token, "Xin chào <b>bạn</b>", site="open")
    body = client.get(f"/api/v1/sites/open/articles/{ARTICLE}").get_json()
    [comment] = body["comments"]
    assert comment["author_name"] == "Độc giả" and comment["parent_id"] is None
    assert comment["html"] == "<p>Xin chào &lt;b&gt;bạn&lt;/b&gt;</p>"
    assert comment["created_at"].endswith("Z") and comment["replies"] == []
    assert body["comment_count"] == 1


BAD_STARS = [0, 6, "5", True, 5.5, None, [], {}]


@pytest.mark.parametrize("stars", BAD_STARS, ids=repr)
def test_bad_stars_answer_422_and_store_nothing(app, client, site, stars):
    token = new_token(client)
    response = rate(client, token, stars)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_failed"
    assert response.get_json()["error"]["message"]  # Vietnamese by default
    assert _rows(app) == (0, 0, 0)


@pytest.mark.parametrize("headers,code", [({}, "reader_token_missing"),
                                          ({"X-Engage-Reader": "forged.token"}, "reader_token_invalid"),
                                          ({"X-Engage-Reader": "A" * 22 + "." + "B" * 43}, "reader_token_invalid")])
def test_missing_or_forged_token_is_401(app, client, site, headers, code):
    for response in (client.put(BASE + "/rating", json={"stars": 3}, headers=headers),
                     client.post(BASE + "/comments", json={"author_name": "A", "text": "x"},
                                 headers=headers),
                     client.delete(BASE + "/rating", headers=headers)):
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == code
    assert _rows(app) == (0, 0, 0)


@pytest.mark.parametrize("body,status", [
    ({"author_name": "A", "text": ""}, 422),
    ({"author_name": "A", "text": "   \n  "}, 422),
    ({"author_name": "A", "text": "x" * 3001}, 422),
    ({"author_name": "", "text": "ok"}, 422),
    ({"author_name": "A"}, 422),
    ({"author_name": "A", "text": 5}, 422),
    ({"author_name": "A", "text": "ok", "extra": 1}, 422),
    ({"author_name": "A", "text": "ok", "parent_id": "1"}, 422),
    ({"author_name": "A", "text": "ok", "parent_id": 12345}, 422),
    ({"author_name": "Quản Trị Viên", "text": "ok"}, 422),
    ([1, 2], 422),
])
def test_bad_comment_bodies_store_nothing(app, client, site, body, status):
    token = new_token(client)
    response = client.post(BASE + "/comments", json=body, headers={"X-Engage-Reader": token})
    assert response.status_code == status, response.get_json()
    assert "error" in response.get_json()
    assert _rows(app) == (0, 0, 0)


@pytest.mark.parametrize("raw,content_type,status", [
    ("{not json", "application/json", 400),
    ('{"stars": NaN}', "application/json", 400),
    ('{"stars": Infinity}', "application/json", 400),
    ('{"stars": 4}', "text/plain", 415),
    ('"\\ud800"', "application/json", 400),
    ('{"stars": 4, "x": "a\\u0000b"}', "application/json", 400),
    ("[" * 20000 + "]" * 20000, "application/json", 400),
    (b"\xff\xfe", "application/json", 400),
])
def test_malformed_json_is_4xx(app, client, site, raw, content_type, status):
    token = new_token(client)
    response = client.put(BASE + "/rating", data=raw, content_type=content_type,
                          headers={"X-Engage-Reader": token})
    assert response.status_code == status
    assert response.get_json()["error"]["code"] in ("invalid_json", "unsupported_media_type")
    assert _rows(app) == (0, 0, 0)


def test_oversized_body_is_413(client, site):
    token = new_token(client)
    response = client.post(BASE + "/comments", data='{"text": "' + "x" * 70000 + '"}',
                           content_type="application/json", headers={"X-Engage-Reader": token})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


def test_unknown_site_is_404(client):
    token = new_token(client)
    for response in (client.get("/api/v1/sites/nope/articles/a"), rate(client, token, 3, site="nope"),
                     post_comment(client, token, "x", site="nope"),
                     client.get("/api/v1/sites/nope/counts?articles=a")):
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "site_not_found"


def test_bad_article_key_and_unknown_route(client, site):
    token = new_token(client)
    assert rate(client, token, 3, article="a" * 201).status_code == 422
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert client.post(BASE).status_code == 405


def test_counts_caps_at_100(client, site):
    keys = ",".join(f"a{i}" for i in range(101))
    assert client.get(f"/api/v1/sites/news/counts?articles={keys}").status_code == 422


def test_errors_carry_request_id(client, site):
    response = client.get("/api/v1/sites/nope/articles/a", headers={"X-Request-Id": "abc12345test"})
    assert response.get_json()["error"]["request_id"] == "abc12345test"
    assert response.headers["X-Request-Id"] == "abc12345test"


def test_english_error_messages_on_request(client):
    response = client.get("/api/v1/sites/nope/articles/a?lang=en")
    vi = client.get("/api/v1/sites/nope/articles/a").get_json()["error"]["message"]
    assert vi == "Không tìm thấy trang báo."
    assert response.get_json()["error"]["message"] != vi


def test_405_on_api_is_json_with_allow(client):
    response = client.get("/api/v1/readers")
    assert response.status_code == 405 and response.mimetype == "application/json"
    assert "POST" in response.headers["Allow"]
    assert client.get("/api").mimetype == "application/json"


@pytest.mark.parametrize("limit", ["abc", "1.5", "0", "-1", "0x10", "٣", ""])
def test_bad_limit_is_422(client, site, limit):
    response = client.get(f"{BASE}?limit={limit}")
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "limit_invalid"


def test_limit_above_maximum_is_capped(client, site):
    assert client.get(f"{BASE}?limit=100000").status_code == 200


def test_duplicate_json_keys_are_refused(app, client, site):
    token = new_token(client)
    response = client.put(BASE + "/rating", data='{"stars": 5, "stars": 1}',
                          content_type="application/json", headers={"X-Engage-Reader": token})
    assert response.status_code == 400 and _rows(app) == (0, 0, 0)


@pytest.mark.parametrize("key", ["x%3Cscript%3E", "a%00b", "a" * 201, ".", ".."])
def test_bad_article_keys_are_refused_on_read_and_write(app, client, site, key):
    assert client.get(f"/api/v1/sites/news/articles/{key}").status_code in (404, 422)
    token = new_token(client)
    assert rate(client, token, 3, article=key).status_code in (404, 422)
    assert _rows(app) == (0, 0, 0)


def test_parent_id_beyond_integer_range_is_422(client, site):
    token = new_token(client)
    response = post_comment(client, token, "ok", parent_id=2**40)
    assert response.status_code == 422


def test_rejected_posts_do_not_use_up_the_quota(app_factory):
    app = app_factory(LIMIT_COMMENT_POSTS="2/minute")
    client = app.test_client()
    from engage.services import sites as site_service
    with app.app_context():
        site_service.create_site(db.session, "news", "News", auto_create_articles=True)
    token = new_token(client)
    for _ in range(5):
        assert post_comment(client, token, "ok", name="").status_code == 422
    assert post_comment(client, token, "một").status_code == 201
    assert post_comment(client, token, "hai").status_code == 201
    limited = post_comment(client, token, "ba")
    assert limited.status_code == 429
    seconds = int(limited.headers["Retry-After"])
    told = limited.get_json()["error"]["details"]["retry_after"]
    assert abs(told - seconds) <= 1 and 0 < seconds <= 60  # same figure, to the second


def test_honeypot_and_form_age_are_accepted_fields(client, site):
    token = new_token(client)
    response = post_comment(client, token, "ok", website="", elapsed_ms=5000)
    assert response.status_code == 201
    assert post_comment(client, token, "ok2", elapsed_ms=-1).status_code == 422


@pytest.mark.parametrize("path", ["/api/v1/sites/a%00b/articles/x", "/api/v1/sites/%F0%9F%98%80/counts",
                                  "/widget/a%00b/x", "/api/v1/sites/news/articles/a%00b/comments"])
def test_nul_and_odd_names_in_paths_never_reach_the_database(client, site, path):
    response = client.get(path)
    assert response.status_code in (404, 422)
