"""Moderator query parameters that used to be ignored (``sort``, ``limit``, ``days``, the audit
API's ``cursor``/``from``) now answer 4xx when malformed, and the queue's ``site``/``article``
filters take the slug and article key that queue items report, not only internal ids."""
import re
import pytest
from sqlalchemy import select

from engage.extensions import db
from engage.models import (
    CommentStatus, Membership, Moderator, ModerationActionKind, Role, Site)
from engage.models.types import utcnow
from engage.services import accounts, moderation_actions, sites
from helpers import ARTICLE, assert_api_error, login, new_token, post_comment


@pytest.fixture
def setup(app, client, site):
    """``news`` (the moderator's) with two held comments, ``rival`` (not theirs) with one."""
    with app.app_context():
        sites.create_site(db.session, "rival", "Báo Đối Thủ", [], premoderation=True,
                          auto_create_articles=True)
        accounts.create_moderator(db.session, "boss", "correct horse battery", "Tổng biên tập",
                                  [site], Role.ADMIN)
    token = new_token(client)
    ids = [post_comment(client, token, f"Bình luận {i}").get_json()["id"] for i in range(2)]
    post_comment(client, token, "Ở trang khác", article="bai-khac")
    post_comment(client, token, "Của đối thủ", site="rival")
    login(client, "boss", "correct horse battery")
    return ids


def _page_error(response, status: int, message: str) -> None:
    assert response.status_code == status
    assert f"<p>{message}</p>" in response.get_data(as_text=True)


# sort / order ----------------------------------------------------------------------------

def test_queue_sort_bogus_is_refused(client, setup):
    # before: 200, the unknown name ignored
    assert_api_error(client.get("/api/v1/moderation/queue?sort=bogus"), 422, "sort_invalid", "sort")
    _page_error(client.get("/moderation/?sort=bogus"), 422, "Kiểu sắp xếp không hợp lệ.")
    assert_api_error(client.get("/api/v1/moderation/queue?order=oldest&sort=newest"), 422,
               "sort_invalid", "sort")


def test_queue_sort_is_read_as_order(client, setup):
    newest = client.get("/api/v1/moderation/queue?sort=newest&article=" + ARTICLE).get_json()
    assert [i["id"] for i in newest["items"]] == setup[::-1]


# limit -----------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["abc", "0", "-1", "201", "9" * 30])
def test_queue_limit_malformed_or_out_of_range_is_refused(client, setup, value):
    _page_error(client.get(f"/moderation/?limit={value}"), 422, "Số lượng không hợp lệ.")
    assert_api_error(client.get(f"/api/v1/moderation/queue?limit={value}"), 422, "limit_invalid",
               "limit")


def test_queue_limit_sizes_the_page(client, setup):
    assert len(client.get("/api/v1/moderation/queue?limit=1").get_json()["items"]) == 1
    assert client.get("/moderation/?limit=200").status_code == 200
    page = client.get("/moderation/?limit=1").get_data(as_text=True)
    assert page.count('data-comment-id="') == 1
    next_link = re.search(r'<a class="next" href="([^"]+)"', page).group(1)
    assert "limit=1" in next_link  # the next page keeps the size asked for


# audit API -------------------------------------------------------------------------------

@pytest.mark.parametrize("query, code, field", [
    ("cursor=abc", "cursor_invalid", "cursor"),
    ("cursor=1.0", "cursor_invalid", "cursor"),
    ("cursor=999999999999999999.1", "cursor_invalid", "cursor"),
    ("from=abc", "date_invalid", "from"),
    ("to=abc", "date_invalid", "to"),
    ("from=2026-01-01&since=2026-01-02", "date_invalid", "from"),
    ("limit=abc", "limit_invalid", "limit"),
    ("limit=201", "limit_invalid", "limit"),
])
def test_audit_api_refuses_malformed_paging_and_days(client, setup, query, code, field):
    assert_api_error(client.get(f"/api/v1/moderation/audit?{query}"), 422, code, field)


def test_audit_api_pages_with_next_cursor(app, client, setup):
    with app.app_context():
        boss = db.session.execute(select(Moderator).where(Moderator.username == "boss")
                                  ).scalar_one()
        for cid in setup:
            moderation_actions.decide(db.session, boss, [cid], ModerationActionKind.APPROVE,
                                      CommentStatus.PENDING, utcnow())
    first = client.get("/api/v1/moderation/audit?limit=1").get_json()
    assert [r["comment_id"] for r in first["items"]] == [setup[1]] and first["next_cursor"]
    second = client.get(f"/api/v1/moderation/audit?limit=1&cursor={first['next_cursor']}")
    assert [r["comment_id"] for r in second.get_json()["items"]] == [setup[0]]
    last = client.get(f"/api/v1/moderation/audit?limit=2&cursor={first['next_cursor']}")
    assert last.get_json()["next_cursor"] is None
    assert client.get("/api/v1/moderation/audit?from=2000-01-01").get_json()["items"]
    assert client.get("/api/v1/moderation/audit?from=2999-01-01").get_json()["items"] == []


# dashboard days --------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["abc", "-1", "0", "366", "99999"])
def test_dashboard_days_out_of_range_is_refused(client, setup, value):
    _page_error(client.get(f"/moderation/dashboard?days={value}"), 422,
                "Số ngày phải từ 1 đến 365.")


def test_dashboard_days_sets_the_window(client, setup):
    response = client.get("/moderation/dashboard?days=3")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Số bình luận chờ duyệt (3 ngày)" in page and "14 ngày" not in page
    assert "(14 ngày)" in client.get("/moderation/dashboard").get_data(as_text=True)


# assistant agreement ---------------------------------------------------------------------

def test_agreement_site_must_be_one_of_the_moderators(app, client, setup):
    for slug in ("zzz", "rival"):  # unknown and foreign alike
        assert_api_error(client.get(f"/api/v1/moderation/assist/agreement?site={slug}"), 404,
                   "site_not_found")
    assert_api_error(client.get("/api/v1/moderation/assist/agreement?site=a_b"), 422,
               "param_invalid", "site")
    with app.app_context():
        news = db.session.execute(select(Site.id).where(Site.slug == "news")).scalar_one()
    for site in ("news", news):
        assert client.get(f"/api/v1/moderation/assist/agreement?site={site}").status_code == 200


# site slug and article key filters -------------------------------------------------------

def test_queue_site_filter_takes_the_slug(client, setup):
    items = client.get("/api/v1/moderation/queue?site=news").get_json()["items"]
    assert len(items) == 3 and {i["site"] for i in items} == {"news"}
    assert client.get("/moderation/?site=news").status_code == 200


def test_queue_article_filter_takes_the_key(client, setup):
    api = client.get(f"/api/v1/moderation/queue?article={ARTICLE}").get_json()
    assert [i["id"] for i in api["items"]] == setup
    assert {i["article"]["key"] for i in api["items"]} == {ARTICLE}
    by_id = client.get(f"/api/v1/moderation/queue?article={api['items'][0]['article']['id']}")
    assert [i["id"] for i in by_id.get_json()["items"]] == setup
    page = client.get(f"/moderation/?article={ARTICLE}&site=news")
    assert page.status_code == 200 and "Ở trang khác" not in page.get_data(as_text=True)


def test_queue_article_key_unknown_or_foreign_is_404(client, setup):
    for query in ("article=khong-co", "article=khong-co&site=news", "article=bai-khac&site=rival"):
        assert_api_error(client.get(f"/api/v1/moderation/queue?{query}"), 404, "article_not_found"
                   if "rival" not in query else "site_not_found")
    _page_error(client.get("/moderation/?article=khong-co"), 404, "Không tìm thấy bài viết.")
    assert_api_error(client.get("/api/v1/moderation/queue?article=a%20b"), 422, "article_key_invalid")


def test_queue_article_key_on_two_of_my_sites_needs_the_site(app, client, setup):
    with app.app_context():
        rival = db.session.execute(select(Site.id).where(Site.slug == "rival")).scalar_one()
        boss = db.session.execute(select(Moderator.id).where(Moderator.username == "boss"))
        db.session.add(Membership(moderator_id=boss.scalar_one(), site_id=rival,
                                  role=Role.MODERATOR))
        db.session.commit()
    assert_api_error(client.get(f"/api/v1/moderation/queue?article={ARTICLE}"), 422,
               "article_ambiguous", "article")
    one = client.get(f"/api/v1/moderation/queue?article={ARTICLE}&site=rival").get_json()
    assert [i["site"] for i in one["items"]] == ["rival"]
