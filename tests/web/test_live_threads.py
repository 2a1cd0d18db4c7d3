"""Live threads (issue #11): ``GET …/comments?since=`` lists what was published after a cursor,
in publication order, and the widget page carries the cursor and the polling settings."""
from __future__ import annotations

import json
import re
from datetime import timedelta

from engage.extensions import db
from engage.models import CommentStatus, ModerationActionKind, Moderator
from engage.models.types import utcnow
from engage.services import moderation_actions, sites
from engage.services.keyset import encode_cursor
from engage.services.live import OVERLAP, decode_live_cursor, encode_live_cursor
from helpers import ARTICLE, new_token, post_comment

URL = f"/api/v1/sites/news/articles/{ARTICLE}/comments"


def _approve(app, ids, when):
    with app.app_context():
        mod = db.session.execute(db.select(Moderator)).scalar_one()
        result = moderation_actions.decide(db.session, mod, ids, ModerationActionKind.APPROVE,
                                           CommentStatus.PENDING, when)
        assert len(result.done) == len(ids), result


def _post(client, text, **extra) -> int:
    response = post_comment(client, new_token(client), text, **extra)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _since(client, cursor, **params):
    response = client.get(URL, query_string={"since": cursor, **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_since_lists_published_comments_in_publication_order(app, client, moderator):
    now = utcnow()
    first, second = _post(client, "Viết trước, duyệt sau."), _post(client, "Viết sau, duyệt trước.")
    _post(client, "Vẫn chờ duyệt.")  # pending: never listed
    _approve(app, [second], now - timedelta(seconds=120))
    _approve(app, [first], now - timedelta(seconds=119))
    start = encode_live_cursor(now - timedelta(seconds=300), 0)

    data = _since(client, start)
    assert [c["id"] for c in data["comments"]] == [second, first]  # approval order, not writing
    assert data["comment_count"] == 2
    assert all(c["parent_id"] is None and c["html"] and not c["deleted"] for c in data["comments"])
    when, comment_id = decode_live_cursor(data["next_cursor"])
    assert comment_id == 0 and now - OVERLAP <= when <= utcnow() - OVERLAP  # resumes at now − overlap
    assert _since(client, data["next_cursor"])["comments"] == []

    reply = _post(client, "Trả lời bình luận đầu.", parent_id=first)
    _approve(app, [reply], utcnow())
    later = _since(client, data["next_cursor"])
    assert [(c["id"], c["parent_id"]) for c in later["comments"]] == [(reply, first)]
    assert later["comment_count"] == 3
    # Published less than OVERLAP ago: the next call repeats it (a late commit is never missed).
    assert [c["id"] for c in _since(client, later["next_cursor"])["comments"]] == [reply]


def test_a_full_page_continues_right_after_its_last_comment(app, client, moderator):
    now = utcnow()
    ids = [_post(client, f"Bình luận số {i}.") for i in range(3)]
    for offset, comment_id in enumerate(ids):
        _approve(app, [comment_id], now - timedelta(seconds=60 - offset))
    cursor, seen = encode_live_cursor(now - timedelta(seconds=90), 0), []
    for _ in range(3):
        page = _since(client, cursor, limit=1)
        seen += [c["id"] for c in page["comments"]]
        cursor = page["next_cursor"]
    assert seen == ids
    assert _since(client, cursor, limit=1)["comments"] == []


def test_the_widget_page_carries_the_cursor_and_the_polling_settings(app_factory):
    app = app_factory(WIDGET_POLL_S=12, WIDGET_POLL_MAX_S=96)
    client = app.test_client()
    with app.app_context():
        sites.create_site(db.session, "news", "Báo Tin Tức", [], premoderation=False,
                          auto_create_articles=True)
    before = utcnow()
    html = client.get(f"/widget/news/{ARTICLE}").get_data(as_text=True)
    config = json.loads(re.search(r'id="engage-config">(.*?)</script>', html, re.S).group(1))
    live = config["live"]
    assert (live["pollS"], live["maxS"], live["limit"]) == (12, 96, 50)
    assert live["countsUrl"] == f"/api/v1/sites/news/counts?articles={ARTICLE}"
    when, _ = decode_live_cursor(live["since"])
    assert before - OVERLAP <= when <= utcnow() - OVERLAP
    assert config["messages"]["newMany"] == "{n} bình luận mới"
    assert 'data-role="new-comments" hidden' in html
    # Published after the page was rendered: the page's cursor finds it.
    comment = _post(client, "Mới đăng sau khi trang hiện ra.", site="news")
    assert [c["id"] for c in _since(client, live["since"])["comments"]] == [comment]


def test_bad_since_requests_are_refused(app, client, site):
    cases = [({"since": "không-phải-con-trỏ"}, "cursor_invalid"),
             ({"since": encode_cursor("newest", utcnow(), 5)}, "cursor_invalid"),  # a page cursor
             ({"since": encode_live_cursor(utcnow().replace(tzinfo=None), 1)}, "cursor_invalid"),
             ({"since": encode_live_cursor(utcnow(), 2**31)}, "cursor_invalid"),
             ({"since": encode_live_cursor(utcnow(), 0), "parent": "1"}, "param_invalid"),
             ({"since": encode_live_cursor(utcnow(), 0),
               "cursor": encode_cursor("newest", utcnow(), 5)}, "param_invalid"),
             ({"since": encode_live_cursor(utcnow(), 0), "limit": "0"}, "limit_invalid")]
    for params, code in cases:
        response = client.get(URL, query_string=params)
        assert response.status_code == 422, (params, response.get_json())
        assert response.get_json()["error"]["code"] == code, params
    missing = client.get("/api/v1/sites/khong-co/articles/a/comments",
                         query_string={"since": encode_live_cursor(utcnow(), 0)})
    assert missing.status_code == 404
