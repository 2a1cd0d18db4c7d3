"""The moderator workspace over HTTP: login, CSRF, the queue, actions, revocation, scoping."""
import re

from sqlalchemy import select

from engage.extensions import db
from engage.models import Article, Comment, CommentStatus, ModerationAction
from engage.services import accounts, sites
from helpers import ARTICLE, csrf_token, login, new_token, post_comment


def _pending(client):
    token = new_token(client)
    return post_comment(client, token, "Bình luận chờ duyệt https://example.vn").get_json()["id"]


def test_queue_requires_login(client):
    response = client.get("/moderation/")
    assert response.status_code == 302 and "/moderation/login" in response.headers["Location"]


def test_wrong_password_and_unknown_user_get_the_same_message(client, moderator):
    a = login(client, "mod", "wrong password!").get_data(as_text=True)
    b = login(client, "ghost", "wrong password!").get_data(as_text=True)
    msg = "Tên đăng nhập hoặc mật khẩu không đúng."
    assert msg in a and msg in b


def test_login_without_csrf_token_is_refused(client, moderator):
    response = client.post("/moderation/login", data={"username": "mod",
                                                      "password": "correct horse battery"})
    assert response.status_code == 403 or "Đăng nhập" in response.get_data(as_text=True)
    assert client.get("/moderation/").status_code == 302


def test_approve_flow_publishes_and_audits(app, client, moderator):
    cid = _pending(client)
    assert login(client, *moderator).status_code == 302
    page = client.get("/moderation/").get_data(as_text=True)
    assert f'data-comment-id="{cid}"' in page and "duyệt trước mọi bình luận" in page
    response = client.post(f"/moderation/comments/{cid}", data={
        "csrf_token": csrf_token(page), "action": "approve", "expected": "pending"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Comment, cid).status is CommentStatus.APPROVED
        assert db.session.execute(select(Article.comment_count)).scalar_one() == 1
        assert db.session.execute(select(ModerationAction.to_status)).scalar_one() == "approved"
    public = client.get(f"/api/v1/sites/news/articles/{ARTICLE}").get_json()
    assert [c["id"] for c in public["comments"]] == [cid]


def test_action_without_csrf_is_refused_and_changes_nothing(app, client, moderator):
    cid = _pending(client)
    login(client, *moderator)
    response = client.post(f"/moderation/comments/{cid}", data={"action": "approve",
                                                                 "expected": "pending"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Comment, cid).status is CommentStatus.PENDING


def test_actions_refuse_get(client, moderator):
    cid = _pending(client)
    login(client, *moderator)
    assert client.get(f"/moderation/comments/{cid}").status_code == 405


def test_other_sites_moderator_gets_404(app, client, moderator):
    cid = _pending(client)
    with app.app_context():
        sites.create_site(db.session, "rival", "Rival")
        accounts.create_moderator(db.session, "rival", "rival-password", "R", ["rival"])
    login(client, "rival", "rival-password")
    page = client.get("/moderation/").get_data(as_text=True)
    assert f'data-comment-id="{cid}"' not in page
    response = client.post(f"/moderation/comments/{cid}", data={
        "csrf_token": csrf_token(page), "action": "approve", "expected": "pending"})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Comment, cid).status is CommentStatus.PENDING


def test_logout_revokes_captured_session_cookie(app, moderator):
    thief = app.test_client()
    victim = app.test_client()
    login(victim, *moderator)
    cookie = victim.get_cookie("engage_session")
    thief.set_cookie("engage_session", cookie.value)
    assert thief.get("/moderation/").status_code == 200
    page = victim.get("/moderation/").get_data(as_text=True)
    victim.post("/moderation/logout", data={"csrf_token": csrf_token(page)})
    assert thief.get("/moderation/").status_code == 302


def test_conflict_is_reported_not_overwritten(app, moderator):
    one, two = app.test_client(), app.test_client()
    cid = _pending(one)
    login(one, *moderator)
    login(two, *moderator)
    page_one = one.get("/moderation/").get_data(as_text=True)
    page_two = two.get("/moderation/").get_data(as_text=True)
    one.post(f"/moderation/comments/{cid}", data={"csrf_token": csrf_token(page_one),
                                                  "action": "approve", "expected": "pending"})
    two.post(f"/moderation/comments/{cid}", data={"csrf_token": csrf_token(page_two),
                                                  "action": "spam", "expected": "pending"})
    notice = two.get("/moderation/").get_data(as_text=True)
    assert "đã được xử lý trước đó" in notice
    with app.app_context():
        assert db.session.get(Comment, cid).status is CommentStatus.APPROVED


def test_session_cookie_flags(app, client, moderator):
    response = login(client, *moderator)
    header = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in header and re.search("SameSite=Lax", header, re.I)


def test_huge_comment_id_is_404_not_500(client, moderator):
    login(client, *moderator)
    page = client.get("/moderation/").get_data(as_text=True)
    response = client.post("/moderation/comments/9223372036854775808", data={
        "csrf_token": csrf_token(page), "action": "approve", "expected": "pending"})
    assert response.status_code == 404


def test_conflict_notice_names_the_state_in_vietnamese(app, moderator):
    one, two = app.test_client(), app.test_client()
    cid = _pending(one)
    login(one, *moderator)
    login(two, *moderator)
    p1, p2 = (c.get("/moderation/").get_data(as_text=True) for c in (one, two))
    one.post(f"/moderation/comments/{cid}", data={"csrf_token": csrf_token(p1),
                                                  "action": "approve", "expected": "pending"})
    two.post(f"/moderation/comments/{cid}", data={"csrf_token": csrf_token(p2),
                                                  "action": "reject", "expected": "pending",
                                                  "reason_code": "insult"})
    notice = two.get("/moderation/").get_data(as_text=True)
    assert "Trạng thái hiện tại: Đã duyệt." in notice
    assert re.search(r"Người xử lý: Biên tập viên, lúc \d\d/\d\d/\d{4} \d\d:\d\d\.", notice)


def test_oversized_form_bodies_get_a_413_page_not_a_500(app, client, moderator):
    """Found by a new-user test: the workspace's error page built the logout form, which read
    the refused body again and turned the 413 into a 500 (the login form needs no login)."""
    limit = app.config["MAX_CONTENT_LENGTH"]
    big = {"username": "mod", "password": "x" * (limit + 5000)}
    response = client.post("/moderation/login", data=big)
    assert response.status_code == 413
    assert "<html" in response.get_data(as_text=True).lower()
    comment_id = _pending(client)
    assert login(client, *moderator).status_code == 302
    for path in (f"/moderation/comments/{comment_id}", "/moderation/bulk"):
        response = client.post(path, data={"note": "x" * (limit + 5000)})
        assert response.status_code == 413, path


def test_workspace_error_pages_lead_back_to_the_queue(client, moderator):
    """A new-user test found the error page bare: a status and one sentence, no way back."""
    assert login(client, *moderator).status_code == 302
    page = client.get("/moderation/?status=bogus")
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert 'href="/moderation/"' in html and "Về hàng đợi kiểm duyệt" in html
    english = client.get("/moderation/?status=bogus&lang=en").get_data(as_text=True)
    assert "Back to the moderation queue" in english


def test_form_errors_are_in_the_workspace_language(client, moderator):
    """A new-user test saw WTForms' English ("This field is required.", "Field cannot be
    longer than 254 characters.") on Vietnamese pages; they now come from Engage's catalogue."""
    assert login(client, *moderator).status_code == 302
    page = client.get("/moderation/account/password").get_data(as_text=True)
    wrong_names = client.post("/moderation/account/password",
                              data={"csrf_token": csrf_token(page), "old": "x", "new": "y"})
    html = wrong_names.get_data(as_text=True)
    assert "Vui lòng điền mục này." in html and "This field is required." not in html
    alerts = client.get("/moderation/account/alerts").get_data(as_text=True)
    too_long = client.post("/moderation/account/alerts",
                           data={"csrf_token": csrf_token(alerts), "email": "a" * 1000})
    html = too_long.get_data(as_text=True)
    assert "Tối đa 254 ký tự." in html and "Field cannot be longer" not in html
    english = client.post("/moderation/account/password?lang=en",
                          data={"csrf_token": csrf_token(page)}).get_data(as_text=True)
    assert "Please fill in this field." in english and "Vui lòng" not in english
