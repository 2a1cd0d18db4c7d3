"""Query parameters with unknown or malformed values answer a clear 4xx (the workspace's error
page, or the API's JSON error with a ``code``) instead of being silently ignored; valid values
keep working.  ``?lang=`` is the one parameter that falls back instead (see ``select_locale``)."""
import re

import pytest
from sqlalchemy import select

from engage.extensions import db
from engage.models import (
    CommentStatus, Membership, ModerationAction, ModerationActionKind, Moderator, Role, Site)
from engage.services import accounts, moderation_actions, sites
from engage.models.types import utcnow
from helpers import assert_api_error, login, new_token, post_comment

QUEUE_IDS = re.compile(r'data-comment-id="(\d+)"')


@pytest.fixture
def setup(app, client, site):
    """Site ``news`` with one held comment, a site ``rival`` the moderator cannot see, and an
    admin of ``news`` logged in; returns the ids."""
    with app.app_context():
        sites.create_site(db.session, "rival", "Báo Đối Thủ", [], premoderation=True,
                          auto_create_articles=True)
        accounts.create_moderator(db.session, "boss", "correct horse battery", "Tổng biên tập",
                                  [site], Role.ADMIN)
        ids = dict(db.session.execute(select(Site.slug, Site.id)).all())
    comment = post_comment(client, new_token(client), "Bình luận chờ duyệt").get_json()["id"]
    login(client, "boss", "correct horse battery")
    return {"news": ids["news"], "rival": ids["rival"], "comment": comment}


def _error_page(response, status: int, message: str) -> None:
    assert response.status_code == status
    assert f"<p>{message}</p>" in response.get_data(as_text=True)


# Queue --------------------------------------------------------------------------------------

def test_queue_refuses_a_reason_code_that_no_comment_can_have(client, setup):
    # before: any lower-case word was accepted and showed an empty queue
    _error_page(client.get("/moderation/?reason=not_a_reason"), 422, "Lý do không hợp lệ.")
    _error_page(client.get("/moderation/?reason=not_a_reason&lang=en"), 422, "Invalid reason.")
    assert_api_error(client.get("/api/v1/moderation/queue?reason=not_a_reason"), 422,
               "reason_invalid", "reason")
    held = client.get("/moderation/?reason=premoderation").get_data(as_text=True)
    assert QUEUE_IDS.findall(held) == [str(setup["comment"])]
    other = client.get("/moderation/?reason=banned_word")
    assert other.status_code == 200 and not QUEUE_IDS.findall(other.get_data(as_text=True))
    api = client.get("/api/v1/moderation/queue?reason=premoderation").get_json()
    assert [i["id"] for i in api["items"]] == [setup["comment"]]


def test_queue_refuses_an_unknown_status_and_a_malformed_or_foreign_site(client, setup):
    _error_page(client.get("/moderation/?status=bogus"), 422, "Trạng thái không hợp lệ.")
    _error_page(client.get("/moderation/?site=BAD!"), 422, "Tham số không hợp lệ.")
    _error_page(client.get("/moderation/?site=-1&lang=en"), 422, "Invalid parameter.")
    # another site's id or slug and ones that exist nowhere answer alike: no oracle
    for site_id in (setup["rival"], 99999, 10**11, "rival", "abc"):
        _error_page(client.get(f"/moderation/?site={site_id}"), 404, "Không tìm thấy trang báo.")
    assert_api_error(client.get("/api/v1/moderation/queue?site=a_b"), 422, "param_invalid", "site")
    assert_api_error(client.get(f"/api/v1/moderation/queue?site={setup['rival']}"), 404,
               "site_not_found")
    own = client.get(f"/moderation/?site={setup['news']}").get_data(as_text=True)
    assert QUEUE_IDS.findall(own) == [str(setup["comment"])]


# Audit log ----------------------------------------------------------------------------------

def _decide_two(app, client):
    ids = [post_comment(client, new_token(client), f"Bình luận {i}").get_json()["id"]
           for i in range(2)]
    with app.app_context():
        boss = db.session.execute(select(Moderator).where(Moderator.username == "boss")).scalar_one()
        for cid in ids:
            moderation_actions.decide(db.session, boss, [cid], ModerationActionKind.APPROVE,
                                      CommentStatus.PENDING, utcnow())
        rows = db.session.execute(select(ModerationAction).order_by(ModerationAction.id)).scalars()
        return ids, [(r.created_at.isoformat(), r.id) for r in rows]


@pytest.mark.parametrize("query", [
    "before_at=2026-01-01T00:00:00%2B00:00",            # half a cursor (used to be ignored)
    "before_id=5",                                      # the other half
    "before_id=abc&before_at=2026-01-01T00:00:00%2B00:00",
    "before_id=0&before_at=2026-01-01T00:00:00%2B00:00",
    "before_id=2147483648&before_at=2026-01-01T00:00:00%2B00:00",
    "before_id=5&before_at=garbage",
    "before_id=5&before_at=2026-01-01T00:00:00",         # naive: ambiguous
])
def test_audit_refuses_a_half_or_malformed_cursor(client, setup, query):
    _error_page(client.get(f"/moderation/audit?{query}"), 422,
                "Tham số phân trang không hợp lệ.")


def test_audit_cursor_error_is_english_with_lang_en(client, setup):
    _error_page(client.get("/moderation/audit?before_id=5&lang=en"), 422,
                "Invalid paging cursor.")


def test_audit_whole_cursor_pages_back(app, client, setup):
    ids, rows = _decide_two(app, client)
    stamp, newest = rows[-1]
    stamp = stamp.replace("+", "%2B")
    page = client.get(f"/moderation/audit?before_at={stamp}&before_id={newest}")
    assert page.status_code == 200
    assert QUEUE_IDS.findall(page.get_data(as_text=True)) == [str(ids[0])]


def test_audit_refuses_an_unknown_action(client, setup):
    _error_page(client.get("/moderation/audit?action=bogus"), 422, "Thao tác không hợp lệ.")
    _error_page(client.get("/moderation/audit.csv?action=bogus"), 422, "Thao tác không hợp lệ.")
    assert_api_error(client.get("/api/v1/moderation/audit?action=bogus"), 422, "action_invalid",
               "action")
    assert client.get("/moderation/audit?action=approve").status_code == 200


def test_audit_day_before_year_one_in_utc_is_refused_not_a_500(client, setup):
    # 0001-01-01 at +07:00 is before the first representable UTC instant
    _error_page(client.get("/moderation/audit?since=0001-01-01"), 422, "Ngày không hợp lệ.")
    assert_api_error(client.get("/api/v1/moderation/audit?since=0001-01-01"), 422, "date_invalid",
               "since")
    assert client.get("/moderation/audit?since=0001-01-02").status_code == 200


# Export -------------------------------------------------------------------------------------

def test_export_refuses_an_unknown_format(client, setup):
    # before: ?format=csv answered 200 with JSON, as if understood
    response = client.get("/api/v1/sites/news/export?format=csv")
    assert_api_error(response, 422, "format_invalid", "format")
    assert response.get_json()["error"]["message"] == \
        "Định dạng xuất không hợp lệ (chỉ hỗ trợ json)."
    english = client.get("/api/v1/sites/news/export?format=xml&lang=en").get_json()["error"]
    assert english["message"] == "Invalid export format (only json is supported)."
    for query in ("", "?format=json", "?format="):
        ok = client.get(f"/api/v1/sites/news/export{query}")
        assert ok.status_code == 200 and ok.get_json()["format"] == "engage-export"


# Dashboard ----------------------------------------------------------------------------------

def test_dashboard_refuses_a_malformed_or_foreign_site(client, setup):
    # before: ?site= was ignored and every site's numbers shown
    _error_page(client.get("/moderation/dashboard?site=a_b"), 422, "Tham số không hợp lệ.")
    _error_page(client.get("/moderation/dashboard?site=a_b&lang=en"), 422, "Invalid parameter.")
    for site_id in (setup["rival"], 99999, "rival", "abc"):
        _error_page(client.get(f"/moderation/dashboard?site={site_id}"), 404,
                    "Không tìm thấy trang báo.")


def test_dashboard_site_filter_narrows_the_numbers(app, client, setup):
    with app.app_context():
        sites.create_site(db.session, "third", "Báo Thứ Ba", [], premoderation=True,
                          auto_create_articles=True)
        third = db.session.execute(select(Site.id).where(Site.slug == "third")).scalar_one()
        boss = db.session.execute(select(Moderator.id).where(Moderator.username == "boss"))
        db.session.add(Membership(moderator_id=boss.scalar_one(), site_id=third,
                                  role=Role.MODERATOR))
        db.session.commit()
    post_comment(client, new_token(client), "Bình luận thứ hai")
    everything = client.get("/moderation/dashboard").get_data(as_text=True)
    assert "<title>bây giờ: 2</title>" in everything and 'name="site"' in everything
    news = client.get(f"/moderation/dashboard?site={setup['news']}").get_data(as_text=True)
    assert "<title>bây giờ: 2</title>" in news
    assert f'<option value="{setup["news"]}" selected>' in news
    empty = client.get(f"/moderation/dashboard?site={third}").get_data(as_text=True)
    assert "<title>bây giờ: 0</title>" in empty


# Reader tokens ------------------------------------------------------------------------------

def test_reader_token_for_an_unknown_site_is_refused(client, site):
    # before: 201 with a token and no CORS headers, for any ?site=
    for slug in ("nope", "BAD!!", "x" * 500):
        assert_api_error(client.post(f"/api/v1/readers?site={slug}"), 404, "site_not_found")
    for query in ("?site=news", "", "?site="):
        assert client.post(f"/api/v1/readers{query}").status_code == 201


# Language -----------------------------------------------------------------------------------

def test_unsupported_lang_falls_back_to_vietnamese_on_pages(client, setup):
    for lang in ("fr", "EN", "vi-VN", ""):
        page = client.get(f"/moderation/dashboard?lang={lang}")
        assert page.status_code == 200 and "<h1>Tổng quan</h1>" in page.get_data(as_text=True)
    assert "<h1>Dashboard</h1>" in client.get("/moderation/dashboard?lang=en").get_data(
        as_text=True)


def test_unsupported_lang_in_the_api_keeps_the_code_and_answers_in_vietnamese(client, site):
    french = client.get("/api/v1/sites/news/articles/bai-viet-1/comments?sort=x&lang=fr")
    english = client.get("/api/v1/sites/news/articles/bai-viet-1/comments?sort=x&lang=en")
    assert french.status_code == english.status_code == 422
    assert french.get_json()["error"]["code"] == english.get_json()["error"]["code"] == \
        "sort_invalid"
    assert french.get_json()["error"]["message"] == "Kiểu sắp xếp không hợp lệ."
    assert english.get_json()["error"]["message"] != "Kiểu sắp xếp không hợp lệ."


# Counts -------------------------------------------------------------------------------------

@pytest.mark.parametrize("articles", ["%ED%A0%80", "bai-viet-1,%ED%A0%80", "%FF"])
def test_counts_refuses_keys_that_are_not_utf8_like_a_path_does(client, site, articles):
    # before: 200 echoing the key "%ED%A0%80" (Werkzeug keeps undecodable bytes escaped)
    assert_api_error(client.get(f"/api/v1/sites/news/counts?articles={articles}"), 422,
               "article_key_invalid", "articles")
    assert_api_error(client.get("/api/v1/sites/news/articles/%ED%A0%80"), 422, "article_key_invalid")


def test_counts_still_reads_a_key_with_an_escaped_percent(client, site):
    body = client.get("/api/v1/sites/news/counts?articles=a%2541,bai-viet-1").get_json()
    assert list(body["articles"]) == ["a%41", "bai-viet-1"]


@pytest.mark.parametrize("origin", [None, "https://elsewhere.example"])  # fast path, Flask view
def test_counts_reads_every_value_of_a_repeated_articles_parameter(client, site, origin):
    # before: ?articles=a&articles=b answered for "a" only (the first value), silently
    from helpers import rate
    rate(client, new_token(client), 4, article="bai-viet-2")
    headers = {"Origin": origin} if origin else {}
    repeated = client.get("/api/v1/sites/news/counts?articles=bai-viet-1&articles=bai-viet-2,b3",
                          headers=headers)
    joined = client.get("/api/v1/sites/news/counts?articles=bai-viet-1,bai-viet-2,b3",
                        headers=headers)
    assert repeated.status_code == 200
    assert list(repeated.get_json()["articles"]) == ["bai-viet-1", "bai-viet-2", "b3"]
    assert repeated.get_json()["articles"]["bai-viet-2"]["rating"]["count"] == 1
    assert repeated.data == joined.data and repeated.headers["ETag"] == joined.headers["ETag"]
    for bad in ("a%3Cb", "ok,..", "x" * 201):  # every key error names this parameter
        assert_api_error(client.get(f"/api/v1/sites/news/counts?articles={bad}",
                                    headers=headers), 422, "article_key_invalid", "articles")
    too_many = "&".join(f"articles=k{i}" for i in range(101))  # the cap counts every value
    assert_api_error(client.get(f"/api/v1/sites/news/counts?{too_many}", headers=headers), 422,
                     "too_many_articles", "articles")
