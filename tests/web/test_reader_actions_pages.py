"""Pages for reader actions: the widget's like/report controls and sort, the "reported" queue tab."""
import json
import re

from sqlalchemy import select

from engage.extensions import db
from engage.models import Article, Comment, CommentStatus, Site
from engage.services import sites
from helpers import ARTICLE, csrf_token, login, new_token, post_comment


def _config(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="engage-config">(.*?)</script>', html,
                      re.S)
    return json.loads(match.group(1))


def test_widget_shows_like_and_report_controls_and_vietnamese_messages(client, open_site):
    token = new_token(client)
    cid = post_comment(client, token, "Bình luận đầu", site="open").get_json()["id"]
    client.put(f"/api/v1/sites/open/articles/{ARTICLE}/comments/{cid}/like",
               headers={"X-Engage-Reader": new_token(client)})
    html = client.get(f"/widget/open/{ARTICLE}").get_data(as_text=True)
    like = re.search(r'<button[^>]*data-role="like"[^>]*>.*?</button>', html, re.S).group(0)
    assert 'aria-pressed="false"' in like and "Thích" in like
    assert '<span class="engage-like-count" data-role="like-count">1</span>' in like
    assert 'data-role="report"' in html and 'aria-expanded="false"' in html
    messages = _config(html)["messages"]
    assert messages["deleted"] == "Bình luận đã bị xóa" and messages["cancel"] == "Hủy"
    assert [key for key, _ in messages["reportReasons"]] == [
        "spam", "offensive", "off_topic", "misinformation", "other"]
    assert "widget-actions.js" in html
    english = _config(client.get(f"/widget/open/{ARTICLE}?lang=en").get_data(as_text=True))
    assert english["messages"]["delete"] != messages["delete"]


def test_widget_names_a_reported_comment_in_both_languages(client, open_site):
    """The report button's "reported" state (set by widget-actions.js) has its own wording."""
    html = client.get(f"/widget/open/{ARTICLE}").get_data(as_text=True)
    assert _config(html)["messages"]["reportDone"] == "Đã báo cáo"
    english = client.get(f"/widget/open/{ARTICLE}?lang=en").get_data(as_text=True)
    assert _config(english)["messages"]["reportDone"] == "Reported"


def test_widget_keeps_its_empty_state_for_a_thread_that_empties(client, open_site):
    """The empty-state line is always in the page, hidden while comments are shown, so the
    widget can show it when a client-side change (an edit held again, a delete) empties the
    thread; it used to be rendered only for a thread empty from the start."""
    empty = client.get(f"/widget/open/{ARTICLE}").get_data(as_text=True)
    line = re.search(r'<p class="engage-empty" data-role="empty"[^>]*>', empty).group(0)
    assert "hidden" not in line
    post_comment(client, new_token(client), "Bình luận duy nhất", site="open")
    filled = client.get(f"/widget/open/{ARTICLE}").get_data(as_text=True)
    line = re.search(r'<p class="engage-empty" data-role="empty"([^>]*)>([^<]*)</p>',
                     filled)
    assert "hidden" in line.group(1) and line.group(2) == "Chưa có bình luận nào."


def test_widget_sort_form_works_without_javascript(client, open_site):
    token = new_token(client)
    first = post_comment(client, token, "Cũ hơn", site="open").get_json()["id"]
    second = post_comment(client, token, "Mới hơn", site="open").get_json()["id"]
    client.put(f"/api/v1/sites/open/articles/{ARTICLE}/comments/{first}/like",
               headers={"X-Engage-Reader": new_token(client)})  # another reader's like
    newest = client.get(f"/widget/open/{ARTICLE}").get_data(as_text=True)
    assert newest.index(f'data-id="{second}"') < newest.index(f'data-id="{first}"')
    liked = client.get(f"/widget/open/{ARTICLE}?sort=most_liked").get_data(as_text=True)
    assert liked.index(f'data-id="{first}"') < liked.index(f'data-id="{second}"')
    assert '<option value="most_liked" selected>' in liked
    assert _config(liked)["sort"] == "most_liked"
    assert client.get(f"/widget/open/{ARTICLE}?sort=bogus").status_code == 200


def test_reported_tab_lists_comments_withheld_by_reports(app, client, moderator):
    with app.app_context():
        db.session.execute(Site.__table__.update().values(premoderation=False))
        db.session.commit()
    token = new_token(client)
    cid = post_comment(client, token, "Nội dung bị báo cáo").get_json()["id"]
    url = f"/api/v1/sites/news/articles/{ARTICLE}/comments/{cid}/reports"
    for i in range(3):  # three readers on three networks (the threshold counts networks)
        net = {"REMOTE_ADDR": f"198.51.{100 + i}.7"}
        reporter = client.post("/api/v1/readers", environ_base=net).get_json()["token"]
        assert client.post(url, json={"reason": "misinformation"}, environ_base=net,
                           headers={"X-Engage-Reader": reporter}).status_code == 201
    login(client, *moderator)
    page = client.get("/moderation/?status=reported").get_data(as_text=True)
    assert "Bị báo cáo" in page and f'data-comment-id="{cid}"' in page
    assert '<span class="badge" data-status="reported">1</span>' in page
    assert "Bị độc giả báo cáo" in page and "3 lượt báo cáo" in page
    response = client.post(f"/moderation/comments/{cid}", data={
        "csrf_token": csrf_token(page), "action": "approve", "expected": "pending"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Comment, cid).status is CommentStatus.APPROVED
        assert db.session.execute(select(Article.comment_count)).scalar_one() == 1
    assert f'data-comment-id="{cid}"' not in client.get("/moderation/?status=reported").get_data(
        as_text=True)


def test_rating_count_unit_is_singular_for_one_vote_in_english(app, client, open_site):
    """Found by a new-user test: "4.0/5 · 1 ratings"."""
    from helpers import new_token, rate

    assert rate(client, new_token(client), 4, site="open", article="a1").status_code == 200
    english = client.get("/widget/open/a1?lang=en").get_data(as_text=True)
    assert re.search(r'data-role="count">1</span> <span data-role="count-unit">rating</span>',
                     english)
    assert '"votesOne": "rating"' in english and '"votesMany": "ratings"' in english
    rate(client, new_token(client), 5, site="open", article="a1")
    vietnamese = client.get("/widget/open/a1").get_data(as_text=True)
    assert 'data-role="count">2</span> <span data-role="count-unit">lượt đánh giá</span>' \
        in vietnamese


def test_widget_messages_have_no_key_twice(client, open_site):
    """A message key given twice silently replaced the first (the comment-posted message was
    once overwritten by a placeholder's), so the widget's configuration must not repeat one."""
    html = client.get(f"/widget/open/{ARTICLE}").get_data(as_text=True)
    raw = re.search(r'<script[^>]*id="engage-config"[^>]*>(.*?)</script>', html, re.S).group(1)

    def unique(pairs):
        keys = [key for key, _ in pairs]
        assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
        return dict(pairs)

    json.loads(raw, object_pairs_hook=unique)
