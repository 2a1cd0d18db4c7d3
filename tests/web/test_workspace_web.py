"""The workspace over HTTP: reason-coded reject, bulk (one audit row each), select-all-on-page,
undo, filters and paging, the audit page and CSV, login limiting, the JSON moderator API."""
import csv
import io
import re

from sqlalchemy import func, select

from engage.extensions import db
from engage.models import Article, Comment, CommentStatus, ModerationAction
from engage.services import counters
from helpers import ARTICLE, csrf_token, login, new_token, post_comment


def _pending(client, n, article=ARTICLE, text="Bình luận số {i}"):
    token = new_token(client)
    return [post_comment(client, token, text.format(i=i), article=article).get_json()["id"]
            for i in range(n)]


def _statuses(app, ids):
    with app.app_context():
        return [db.session.get(Comment, i).status for i in ids]


def _audit(app):
    with app.app_context():
        return db.session.execute(select(ModerationAction).order_by(
            ModerationAction.id)).scalars().all()


def _page(client, url="/moderation/"):
    return client.get(url).get_data(as_text=True)


def test_reject_needs_reason_code_and_stores_it(app, client, moderator):
    [cid] = _pending(client, 1)
    login(client, *moderator)
    token = csrf_token(_page(client))
    client.post(f"/moderation/comments/{cid}", data={"csrf_token": token, "action": "reject",
                                                       "expected": "pending"})
    assert "Vui lòng chọn lý do từ chối." in _page(client)
    assert _statuses(app, [cid]) == [CommentStatus.PENDING] and _audit(app) == []
    client.post(f"/moderation/comments/{cid}", data={
        "csrf_token": token, "action": "reject", "expected": "pending",
        "reason_code": "hate", "reason": "Kích động vùng miền"})
    [row] = _audit(app)
    assert (row.reason_code, row.reason, row.from_status, row.to_status) == (
        "hate", "Kích động vùng miền", "pending", "rejected")
    assert row.request_id and row.site_id and row.moderator_id


def test_bulk_selected_writes_one_audit_row_per_comment(app, client, moderator):
    ids = _pending(client, 4)
    login(client, *moderator)
    token = csrf_token(_page(client))
    response = client.post("/moderation/bulk", data={
        "csrf_token": token, "action": "approve", "expected": "pending", "ids": ids[:3],
        "back": "/moderation/?status=pending"})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/moderation/?status=pending")
    assert _statuses(app, ids) == [CommentStatus.APPROVED] * 3 + [CommentStatus.PENDING]
    rows = _audit(app)
    assert sorted(r.comment_id for r in rows) == sorted(ids[:3])
    assert len({r.request_id for r in rows}) == 1
    with app.app_context():
        assert db.session.execute(select(Article.comment_count)).scalar_one() == 3
        assert counters.verify_counters(db.session) == []
    public = client.get(f"/api/v1/sites/news/articles/{ARTICLE}").get_json()
    assert sorted(c["id"] for c in public["comments"]) == sorted(ids[:3])


def test_select_all_on_page_uses_the_pages_ids(app, client, moderator):
    ids = _pending(client, 3)
    login(client, *moderator)
    page = _page(client)
    assert all(f'name="page_ids" value="{i}"' in page for i in ids)
    client.post("/moderation/bulk", data={
        "csrf_token": csrf_token(page), "action": "reject", "expected": "pending",
        "all_on_page": "y", "page_ids": ids, "reason_code": "advertising"})
    assert _statuses(app, ids) == [CommentStatus.REJECTED] * 3
    assert [r.reason_code for r in _audit(app)] == ["advertising"] * 3


def test_bulk_with_bad_ids_is_a_400_and_changes_nothing(app, client, moderator):
    ids = _pending(client, 1)
    login(client, *moderator)
    token = csrf_token(_page(client))
    for bad in (["abc"], [str(2**40)], []):
        response = client.post("/moderation/bulk", data={
            "csrf_token": token, "action": "approve", "expected": "pending", "ids": bad})
        assert response.status_code in (302, 400, 404), bad
    assert _statuses(app, ids) == [CommentStatus.PENDING] and _audit(app) == []


def test_undo_from_the_queue_restores_counts_and_audits(app, client, moderator):
    ids = _pending(client, 2)
    login(client, *moderator)
    token = csrf_token(_page(client))
    client.post("/moderation/bulk", data={"csrf_token": token, "action": "approve",
                                          "expected": "pending", "ids": ids})
    page = _page(client)
    [action] = re.findall(r'/moderation/actions/(\d+)/undo', page)
    response = client.post(f"/moderation/actions/{action}/undo", data={"csrf_token": token})
    assert response.status_code == 302
    assert "Đã hoàn tác 2 bình luận." in _page(client)
    assert _statuses(app, ids) == [CommentStatus.PENDING] * 2
    rows = _audit(app)
    assert [r.action.value for r in rows].count("undo") == 2
    with app.app_context():
        assert db.session.execute(select(Article.comment_count)).scalar_one() == 0
    assert client.get(f"/api/v1/sites/news/articles/{ARTICLE}").get_json()["comments"] == []
    again = client.post(f"/moderation/actions/{action}/undo", data={"csrf_token": token})
    assert again.status_code == 302 and "Thao tác này đã được hoàn tác." in _page(client)


def test_undo_window_is_configurable(app_factory):
    app = app_factory(MODERATION_UNDO_WINDOW_S=0)
    from engage.services import accounts, sites
    from engage.models import Role
    with app.app_context():
        sites.create_site(db.session, "news", "Báo", [], premoderation=True,
                          auto_create_articles=True)
        accounts.create_moderator(db.session, "mod", "correct horse battery", "B", ["news"],
                                  Role.MODERATOR)
    client = app.test_client()
    ids = _pending(client, 1)
    login(client, "mod", "correct horse battery")
    token = csrf_token(_page(client))
    client.post(f"/moderation/comments/{ids[0]}", data={"csrf_token": token,
                                                         "action": "spam", "expected": "pending"})
    page = _page(client)
    assert "/undo" not in page
    action_id = _audit(app)[0].id
    client.post(f"/moderation/actions/{action_id}/undo", data={"csrf_token": token})
    assert "Đã quá thời hạn hoàn tác" in _page(client)
    assert _statuses(app, ids) == [CommentStatus.SPAM]


def test_queue_filters_tabs_history_and_paging(app_factory):
    app = app_factory(QUEUE_PAGE_SIZE=2)
    from engage.services import accounts, sites
    with app.app_context():
        sites.create_site(db.session, "news", "Báo", [], premoderation=True,
                          auto_create_articles=True)
        accounts.create_moderator(db.session, "mod", "correct horse battery", "B", ["news"])
    client = app.test_client()
    ids = _pending(client, 3) + _pending(client, 1, article="bai-khac")
    login(client, "mod", "correct horse battery")
    first = _page(client)
    assert re.findall(r'data-comment-id="(\d+)"', first) == [str(i) for i in ids[:2]]
    assert 'data-status="pending">4<' in first and 'data-status="reported">0<' in first
    assert "đã duyệt 0" in first and "<bdi class=\"author\">Độc giả</bdi>" in first
    nxt = re.search(r'class="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert re.findall(r'data-comment-id="(\d+)"', _page(client, nxt)) == [str(i) for i in ids[2:]]
    with app.app_context():
        other = db.session.execute(select(Article.id).where(Article.key == "bai-khac")).scalar_one()
    by_article = _page(client, f"/moderation/?article={other}")
    assert re.findall(r'data-comment-id="(\d+)"', by_article) == [str(ids[3])]
    assert client.get("/moderation/?status=bogus").status_code == 422
    assert client.get("/moderation/?cursor=garbage").status_code == 422
    assert client.get("/moderation/?article=a%20b").status_code == 422  # not a key
    assert client.get("/moderation/?article=12x").status_code == 404  # a key, unknown


def test_audit_page_search_and_csv(app, client, moderator):
    ids = _pending(client, 2)
    login(client, *moderator)
    token = csrf_token(_page(client))
    client.post(f"/moderation/comments/{ids[0]}", data={"csrf_token": token,
                                                         "action": "approve", "expected": "pending"})
    client.post(f"/moderation/comments/{ids[1]}", data={
        "csrf_token": token, "action": "reject", "expected": "pending", "reason_code": "other",
        "reason": "=cmd|' /C calc'!A0"})
    page = _page(client, "/moderation/audit?action=reject")
    assert re.findall(r'data-comment-id="(\d+)"', page) == [str(ids[1])]
    # the page speaks the moderator's language, not the stored codes (second new-user review)
    row = page[page.index('data-action="reject"'):]
    row = row[:row.index("</tr>")]
    assert "<td>Từ chối</td>" in row and "Chờ duyệt → Đã từ chối" in row
    assert "Lý do khác:" in row and "ghi chú bắt buộc" not in row
    assert '<option value="reject" selected>Từ chối</option>' in page
    english = _page(client, "/moderation/audit?action=reject&lang=en")
    assert '<option value="reject" selected>Reject</option>' in english
    assert "Pending → Rejected" in english
    page = _page(client, f"/moderation/audit?comment={ids[0]}")
    assert re.findall(r'data-comment-id="(\d+)"', page) == [str(ids[0])]
    assert 'data-comment-id' not in _page(client, "/moderation/audit?since=2099-01-01")
    assert client.get("/moderation/audit?since=31/12/2026").status_code == 422
    response = client.get("/moderation/audit.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers[
        "Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {r["action"] for r in rows} == {"approve", "reject"}
    [rejected] = [r for r in rows if r["action"] == "reject"]
    assert rejected["note"] == "'=cmd|' /C calc'!A0" and rejected["moderator"] == "mod"


def test_login_is_limited_per_account_with_the_same_message(app_factory):
    app = app_factory(LIMIT_LOGIN_ACCOUNT="3/minute", LIMIT_LOGIN="100/minute")
    client = app.test_client()
    for _ in range(3):
        assert login(client, "ghost", "wrong password!").status_code == 200
    assert login(client, "ghost", "wrong password!").status_code == 429
    # another name from the same network is still allowed
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in login(
        client, "someone", "wrong password!").get_data(as_text=True)


def test_json_api_decisions_undo_and_audit(app, client, moderator):
    ids = _pending(client, 2)
    assert client.post("/api/v1/moderation/decisions", json={}).status_code == 401
    login(client, *moderator)
    body = client.get("/api/v1/moderation/queue").get_json()
    assert [i["id"] for i in body["items"]] == ids and body["items"][0]["history"]["pending"] == 2
    decision = {"ids": ids, "action": "reject", "expected": "pending", "reason_code": "vulgar"}
    assert client.post("/api/v1/moderation/decisions", json=decision).status_code == 403
    headers = {"X-CSRFToken": body["csrf_token"]}
    response = client.post("/api/v1/moderation/decisions", json=decision, headers=headers)
    assert response.status_code == 200 and response.get_json() == {"done": ids, "skipped": []}
    again = client.post("/api/v1/moderation/decisions", json=decision, headers=headers).get_json()
    assert again["done"] == [] and [s["status"] for s in again["skipped"]] == ["rejected"] * 2
    bad = client.post("/api/v1/moderation/decisions", json={**decision, "reason_code": "nope"},
                      headers=headers)
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "reason_invalid"
    audit = client.get("/api/v1/moderation/audit").get_json()["items"]
    assert len(audit) == 2 and {a["reason_code"] for a in audit} == {"vulgar"}
    undo = client.post(f"/api/v1/moderation/actions/{audit[0]['id']}/undo", headers=headers)
    assert undo.status_code == 200 and sorted(undo.get_json()["done"]) == sorted(ids)
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(ModerationAction)).scalar_one() == 4
    assert _statuses(app, ids) == [CommentStatus.PENDING] * 2


def test_password_change_revokes_other_sessions_and_keeps_this_one(app, moderator):
    thief, victim = app.test_client(), app.test_client()
    login(victim, *moderator)
    thief.set_cookie("engage_session", victim.get_cookie("engage_session").value)
    assert thief.get("/moderation/").status_code == 200
    form = victim.get("/moderation/account/password").get_data(as_text=True)
    wrong = victim.post("/moderation/account/password", data={
        "csrf_token": csrf_token(form), "current_password": "not the password",
        "new_password": "a brand new passphrase"})
    assert wrong.status_code == 200 and "Mật khẩu hiện tại không đúng." in wrong.get_data(
        as_text=True)
    assert thief.get("/moderation/").status_code == 200
    victim.post("/moderation/account/password", data={
        "csrf_token": csrf_token(form), "current_password": moderator[1],
        "new_password": "a brand new passphrase"})
    assert victim.get("/moderation/").status_code == 200
    assert thief.get("/moderation/").status_code == 302
    fresh = app.test_client()
    assert login(fresh, "mod", moderator[1]).status_code == 200  # old password: refused
    assert login(fresh, "mod", "a brand new passphrase").status_code == 302


def test_deleted_tab_offers_no_decisions(app, client, moderator):
    [cid] = _pending(client, 1)
    with app.app_context():
        db.session.execute(Comment.__table__.update().values(status=CommentStatus.DELETED))
        db.session.commit()
    login(client, *moderator)
    page = _page(client, "/moderation/?status=deleted")
    assert f'data-comment-id="{cid}"' in page
    assert f'action="/moderation/comments/{cid}"' not in page and 'id="bulk-form"' not in page
    client.post(f"/moderation/comments/{cid}", data={
        "csrf_token": csrf_token(_page(client)), "action": "approve", "expected": "deleted"})
    assert "Tác giả đã xóa bình luận này" in _page(client)
    assert _statuses(app, [cid]) == [CommentStatus.DELETED]
