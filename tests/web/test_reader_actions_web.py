"""Reader actions over HTTP: likes, reports, edit/delete, own state, retries — shapes and errors."""
import json
from datetime import datetime, timezone
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from engage.extensions import db
from engage.models import (
    Article, Comment, CommentLike, CommentReport, ModerationAction, RequestClaim)
from engage.services import counters, sites
from helpers import ARTICLE, http_json, new_token, post_comment

BASE = f"/api/v1/sites/open/articles/{ARTICLE}"


def _h(token, **extra):
    return {"X-Engage-Reader": token, **extra}


def _rows(app):
    with app.app_context():
        return tuple(db.session.execute(select(func.count()).select_from(m)).scalar_one()
                     for m in (Comment, CommentLike, CommentReport, ModerationAction))


def _no_drift(app):
    with app.app_context():
        assert counters.verify_counters(db.session) == []


@pytest.fixture
def posted(client, open_site):
    """A published comment by ``author`` on site ``open``: ``(author_token, comment_id)``."""
    token = new_token(client)
    response = post_comment(client, token, "Bài viết rất hay", site="open")
    assert response.status_code == 201
    return token, response.get_json()["id"]


def test_like_unlike_shapes_public_count_and_etag(app, client, posted):
    _, cid = posted
    fan = new_token(client)
    etag = client.get(BASE).headers["ETag"]
    liked = client.put(f"{BASE}/comments/{cid}/like", headers=_h(fan))
    assert liked.status_code == 200
    assert liked.get_json() == {"id": cid, "like_count": 1, "liked": True}
    assert client.put(f"{BASE}/comments/{cid}/like", headers=_h(fan)).get_json()["like_count"] == 1
    read = client.get(BASE, headers={"If-None-Match": etag})
    assert read.status_code == 200 and read.get_json()["comments"][0]["like_count"] == 1
    assert "liked_by_me" not in read.get_data(as_text=True)  # never in the cached read
    gone = client.delete(f"{BASE}/comments/{cid}/like", headers=_h(fan))
    assert gone.get_json() == {"id": cid, "like_count": 0, "liked": False}
    assert client.get(BASE).get_json()["comments"][0]["like_count"] == 0
    _no_drift(app)


def test_own_state_is_private_and_per_reader(client, posted):
    author, cid = posted
    fan = new_token(client)
    client.put(f"{BASE}/comments/{cid}/like", headers=_h(fan))
    client.put(f"{BASE}/rating", json={"stars": 4}, headers=_h(fan))
    mine = client.get(f"{BASE}/me", headers=_h(fan))
    assert mine.headers["Cache-Control"] == "private, no-store"
    assert mine.get_json() == {"rating": 4, "liked": [cid], "reported": [], "own": [],
                               "editable_until": {}}
    client.post(f"{BASE}/comments/{cid}/reports", json={"reason": "spam"}, headers=_h(fan))
    # the widget offers no second report after a reload (a new-user review saw the form again)
    assert client.get(f"{BASE}/me", headers=_h(fan)).get_json()["reported"] == [cid]
    body = client.get(f"{BASE}/me", headers=_h(author)).get_json()
    assert body["own"] == [cid] and body["editable_until"][str(cid)].endswith("Z")
    assert body["reported"] == []  # per reader
    assert client.get(f"{BASE}/me").status_code == 401


def test_report_flow_and_threshold_through_http(app, client, posted):
    _, cid = posted
    tokens = [new_token(client) for _ in range(3)]
    first = client.post(f"{BASE}/comments/{cid}/reports", json={"reason": "offensive",
                                                                 "note": "Xúc phạm người khác"},
                        headers=_h(tokens[0]))
    assert first.status_code == 201 and first.get_json() == {"id": cid, "reported": True}
    repeat = client.post(f"{BASE}/comments/{cid}/reports", json={"reason": "spam"},
                         headers=_h(tokens[0]))
    assert repeat.status_code == 200
    for token in tokens[1:]:  # same network: counted as reports, not towards withholding
        assert client.post(f"{BASE}/comments/{cid}/reports", json={"reason": "spam"},
                           headers=_h(token)).status_code == 201
    assert client.get(BASE).get_json()["comment_count"] == 1
    for i in range(2):  # two more networks reach the threshold of three
        net = {"REMOTE_ADDR": f"203.0.{113 + i}.9"}
        other = client.post("/api/v1/readers", environ_base=net).get_json()["token"]
        assert client.post(f"{BASE}/comments/{cid}/reports", json={"reason": "spam"},
                           headers=_h(other), environ_base=net).status_code == 201
    body = client.get(BASE).get_json()
    assert body["comments"] == [] and body["comment_count"] == 0
    assert _rows(app) == (1, 0, 5, 1)
    _no_drift(app)


def test_edit_and_delete_through_http(app, client, posted):
    author, cid = posted
    edited = client.patch(f"{BASE}/comments/{cid}", json={"text": "Đã sửa <b>lại</b>"},
                          headers=_h(author))
    assert edited.status_code == 200
    body = edited.get_json()
    assert body["status"] == "approved" and body["html"] == "<p>Đã sửa &lt;b&gt;lại&lt;/b&gt;</p>"
    assert body["edited_at"].endswith("Z")
    assert client.get(BASE).get_json()["comments"][0]["edited"] is True
    other = client.patch(f"{BASE}/comments/{cid}", json={"text": "x"}, headers=_h(new_token(client)))
    assert other.status_code == 403 and other.get_json()["error"]["code"] == "comment_not_yours"
    gone = client.delete(f"{BASE}/comments/{cid}", headers=_h(author))
    assert gone.get_json() == {"id": cid, "status": "deleted"}
    assert client.delete(f"{BASE}/comments/{cid}", headers=_h(author)).status_code == 200
    assert client.get(BASE).get_json()["comment_count"] == 0
    _no_drift(app)


def test_edit_window_closed_is_403_with_a_clear_code(app_factory):
    app = app_factory(COMMENT_EDIT_WINDOW_S=0)
    client = app.test_client()
    with app.app_context():
        sites.create_site(db.session, "open", "Open", premoderation=False, auto_create_articles=True)
    token = new_token(client)
    cid = post_comment(client, token, "Bình luận", site="open").get_json()["id"]
    for response in (client.patch(f"{BASE}/comments/{cid}", json={"text": "sửa"}, headers=_h(token)),
                     client.delete(f"{BASE}/comments/{cid}", headers=_h(token))):
        assert response.status_code == 403
        error = response.get_json()["error"]
        assert error["code"] == "edit_window_closed" and "phút" in error["message"]


def test_deleted_parent_is_a_placeholder_in_the_api_and_the_widget(client, posted):
    author, cid = posted
    replier = new_token(client)
    post_comment(client, replier, "Tôi đồng ý", site="open", parent_id=cid)
    client.delete(f"{BASE}/comments/{cid}", headers=_h(author))
    [item] = client.get(BASE).get_json()["comments"]
    assert item["deleted"] is True and item["author_name"] is None and item["html"] is None
    assert [r["html"] for r in item["replies"]] == ["<p>Tôi đồng ý</p>"]
    html = client.get(f"/widget/open/{ARTICLE}").get_data(as_text=True)
    assert "Bình luận đã bị xóa" in html and "Tôi đồng ý" in html
    assert "Bài viết rất hay" not in html


def test_other_sites_comments_are_404(app, client, posted):
    _, cid = posted
    with app.app_context():
        sites.create_site(db.session, "rival", "Rival", premoderation=False,
                          auto_create_articles=True)
    token = new_token(client)
    other = f"/api/v1/sites/rival/articles/{ARTICLE}/comments/{cid}"
    post_comment(client, token, "ở trang khác", site="rival")  # the rival article exists
    for response in (client.put(other + "/like", headers=_h(token)),
                     client.post(other + "/reports", json={"reason": "spam"}, headers=_h(token)),
                     client.patch(other, json={"text": "x"}, headers=_h(token)),
                     client.delete(other, headers=_h(token)),
                     client.put(f"{BASE}/comments/999999/like", headers=_h(token)),
                     client.put(f"{BASE}/comments/{2**40}/like", headers=_h(token))):
        assert response.status_code == 404, response.get_json()
    assert _rows(app) == (2, 0, 0, 0)


BAD = [
    ("post", "/reports", {"reason": "rude"}, 422),
    ("post", "/reports", {"reason": "spam", "note": "x" * 501}, 422),
    ("post", "/reports", {"reason": "spam", "extra": 1}, 422),
    ("post", "/reports", {"reason": None}, 422),
    ("post", "/reports", {}, 422),
    ("post", "/reports", [1], 422),
    ("patch", "", {"text": ""}, 422),
    ("patch", "", {"text": 5}, 422),
    ("patch", "", {"text": "x" * 3001}, 422),
    ("patch", "", {"text": "ok", "author_name": "Admin"}, 422),
    ("patch", "", {"text": "a\u0000b"}, 400),
]


@pytest.mark.parametrize("method,suffix,body,status", BAD)
def test_bad_bodies_are_4xx_and_store_nothing(app, client, posted, method, suffix, body, status):
    author, cid = posted
    before = _rows(app)
    response = getattr(client, method)(f"{BASE}/comments/{cid}{suffix}", json=body,
                                       headers=_h(author))
    assert response.status_code == status, response.get_json()
    assert "error" in response.get_json()
    assert _rows(app) == before
    with app.app_context():
        assert db.session.get(Comment, cid).body_raw == "Bài viết rất hay"


@pytest.mark.parametrize("method,suffix", [("put", "/like"), ("delete", "/like"),
                                           ("post", "/reports"), ("patch", ""), ("delete", "")])
def test_reader_actions_need_a_valid_token(app, client, posted, method, suffix):
    _, cid = posted
    for headers in ({}, {"X-Engage-Reader": "forged.token"}):
        response = getattr(client, method)(f"{BASE}/comments/{cid}{suffix}", json={},
                                           headers=headers)
        assert response.status_code == 401
    assert _rows(app) == (1, 0, 0, 0)


def test_like_writes_are_rate_limited_per_reader(app_factory):
    app = app_factory(LIMIT_LIKE_WRITES="3/minute")
    client = app.test_client()
    with app.app_context():
        sites.create_site(db.session, "open", "Open", premoderation=False, auto_create_articles=True)
    author, token = new_token(client), new_token(client)
    cid = post_comment(client, author, "Bình luận", site="open").get_json()["id"]
    assert client.put(f"{BASE}/comments/999/like", headers=_h(token)).status_code == 404
    codes = [client.put(f"{BASE}/comments/{cid}/like", headers=_h(token)).status_code
             for _ in range(4)]
    assert codes == [200, 200, 200, 429]  # the 404 did not use up the quota
    assert client.put(f"{BASE}/comments/{cid}/like", headers=_h(new_token(client))).status_code == 200


# --- retries and doubles of comment posts -----------------------------------------------------

def test_idempotency_key_replays_and_refuses_reuse(app, client, open_site):
    token = new_token(client)
    headers = _h(token, **{"Idempotency-Key": "5f1c2a9e-retry"})
    first = client.post(f"{BASE}/comments", json={"author_name": "An", "text": "Xin chào"},
                        headers=headers)
    # The same body, keys in another order and spaced differently: the same request.
    again = client.post(f"{BASE}/comments", data='{ "text": "Xin chào",  "author_name": "An" }',
                        content_type="application/json", headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json() and again.data == first.data
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    other = client.post(f"{BASE}/comments", json={"author_name": "An", "text": "Khác"},
                        headers=headers)
    assert other.status_code == 422
    assert other.get_json()["error"]["code"] == "idempotency_key_reused"
    assert _rows(app)[0] == 1


@pytest.mark.parametrize("key", ["", "có dấu", "a b", "x" * 256, "tab\there"])
def test_malformed_idempotency_key_is_400(app, client, open_site, key):
    token = new_token(client)
    response = client.post(f"{BASE}/comments", json={"author_name": "An", "text": "Xin chào"},
                           headers={"X-Engage-Reader": token, "Idempotency-Key": key.encode().decode("latin-1")})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "idempotency_key_invalid"
    assert _rows(app)[0] == 0


def test_same_text_within_a_minute_gets_the_first_comment(app, client, open_site):
    token = new_token(client)
    first = post_comment(client, token, "Tuyệt vời", site="open")
    double = post_comment(client, token, "Tuyệt vời", site="open")
    assert double.status_code == 201 and double.get_json() == first.get_json()
    assert double.headers["Idempotent-Replayed"] == "true"
    assert post_comment(client, new_token(client), "Tuyệt vời", site="open").get_json()["id"] != \
        first.get_json()["id"]
    assert client.get(BASE).get_json()["comment_count"] == 2


def test_replays_do_not_use_up_the_post_quota(app_factory):
    app = app_factory(LIMIT_COMMENT_POSTS="2/minute")
    client = app.test_client()
    with app.app_context():
        sites.create_site(db.session, "open", "Open", premoderation=False, auto_create_articles=True)
    token = new_token(client)
    for _ in range(4):
        assert post_comment(client, token, "Một lần thôi", site="open").status_code == 201
    assert post_comment(client, token, "Lần hai", site="open").status_code == 201
    assert post_comment(client, token, "Lần ba", site="open").status_code == 429


# --- through a real threaded server -----------------------------------------------------------

def test_twenty_concurrent_likes_by_one_reader_through_http(app, live_server, open_site):
    app.config["LIMIT_LIKE_WRITES"] = "1000/minute"
    author = http_json("POST", live_server + "/api/v1/readers")[1]["token"]
    token = http_json("POST", live_server + "/api/v1/readers")[1]["token"]
    _, posted = http_json("POST", live_server + BASE + "/comments", author,
                      {"author_name": "An", "text": "Thích thì bấm"})
    url = f"{live_server}{BASE}/comments/{posted['id']}/like"
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda _: http_json("PUT", url, token), range(20)))
    assert {status for status, _ in results} == {200}
    assert {body["like_count"] for _, body in results} == {1}
    assert http_json("GET", live_server + BASE)[1]["comments"][0]["like_count"] == 1
    assert _rows(app)[1] == 1
    _no_drift(app)


@pytest.mark.parametrize("with_key", [True, False], ids=["idempotency-key", "same-text"])
def test_identical_concurrent_posts_through_http_make_one_comment(app, live_server, open_site,
                                                                   with_key):
    app.config["LIMIT_COMMENT_POSTS"] = "1000/minute"
    token = http_json("POST", live_server + "/api/v1/readers")[1]["token"]
    headers = {"Idempotency-Key": "double-click-1"} if with_key else {}
    body = {"author_name": "An", "text": "Gửi hai lần"}
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda _: http_json("POST", live_server + BASE + "/comments", token,
                                                body, headers), range(10)))
    assert {status for status, _ in results} == {201}
    assert len({json.dumps(answer, sort_keys=True) for _, answer in results}) == 1
    assert _rows(app)[0] == 1
    with app.app_context():
        assert db.session.execute(select(Article.comment_count)).scalar_one() == 1
        assert db.session.execute(select(func.count()).select_from(RequestClaim)).scalar_one() \
            == (2 if with_key else 1)
    _no_drift(app)


def test_an_edited_parent_awaiting_review_is_not_shown_as_deleted(app, client, site, moderator):
    """Found by a new-user test: on a pre-moderated site, editing a published comment that has
    published replies sent it back to the queue, and readers were told it was deleted."""
    from engage.models import CommentStatus, Moderator, ModerationActionKind
    from engage.services import moderation_actions

    author, replier = new_token(client), new_token(client)
    cid = post_comment(client, author, "Ý kiến đầu").get_json()["id"]

    def approve(comment_id):
        with app.app_context():
            mod = db.session.execute(db.select(Moderator)).scalar_one()
            done = moderation_actions.decide(db.session, mod, [comment_id],
                                             ModerationActionKind.APPROVE,
                                             CommentStatus.PENDING, datetime.now(timezone.utc))
            assert len(done.done) == 1

    approve(cid)
    reply = post_comment(client, replier, "Tôi đồng ý", parent_id=cid).get_json()["id"]
    approve(reply)
    edited = client.patch(f"/api/v1/sites/news/articles/{ARTICLE}/comments/{cid}",
                          json={"text": "Ý kiến đã sửa"}, headers=_h(author))
    assert edited.status_code == 200 and edited.get_json()["status"] == "pending"
    [item] = client.get(f"/api/v1/sites/news/articles/{ARTICLE}").get_json()["comments"]
    assert item["placeholder"] == "pending" and item["deleted"] is False
    assert item["html"] is None and [r["id"] for r in item["replies"]] == [reply]
    page = client.get(f"/widget/news/{ARTICLE}").get_data(as_text=True)
    assert "Bình luận đang chờ duyệt lại" in page and "Bình luận đã bị xóa" not in page
    english = client.get(f"/widget/news/{ARTICLE}?lang=en").get_data(as_text=True)
    assert "This comment is awaiting review again" in english


def test_a_reader_cannot_like_their_own_comment(app, client, open_site):
    """"Most liked" ranks what other readers liked: one's own like is refused (422), another
    reader's counts, and taking back a like is always allowed."""
    author, other = new_token(client), new_token(client)
    cid = post_comment(client, author, "Của tôi", site="open").get_json()["id"]
    own = client.put(f"{BASE}/comments/{cid}/like", headers=_h(author))
    assert own.status_code == 422 and own.get_json()["error"]["code"] == "like_own_comment"
    assert "không thể thích bình luận của chính mình" in own.get_json()["error"]["message"]
    assert client.put(f"{BASE}/comments/{cid}/like", headers=_h(other)).get_json()[
        "like_count"] == 1
    assert client.delete(f"{BASE}/comments/{cid}/like", headers=_h(author)).status_code == 200
    assert _rows(app)[1] == 1
