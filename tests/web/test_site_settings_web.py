"""Site settings for site admins: settings form, word lists (version bump refreshes the
matcher), the "test a sentence" box, and plain moderators refused."""
import re

from sqlalchemy import select, update

from engage.extensions import db
from engage.models import Comment, CommentStatus, Membership, Role, Site, SiteWord
from helpers import csrf_token, login, new_token, post_comment


def _admin(app):
    with app.app_context():
        db.session.execute(update(Membership).values(role=Role.ADMIN))
        db.session.commit()
        return db.session.execute(select(Site.id).where(Site.slug == "news")).scalar_one()


def _site(app):
    with app.app_context():
        return db.session.execute(select(Site).where(Site.slug == "news")).scalar_one()


def test_plain_moderator_is_refused(app, client, moderator):
    site_id = _site(app).id
    login(client, *moderator)
    assert client.get(f"/moderation/sites/{site_id}/settings").status_code == 403
    token = csrf_token(client.get("/moderation/").get_data(as_text=True))
    response = client.post(f"/moderation/sites/{site_id}/words", data={
        "csrf_token": token, "kind": "banned", "entry": "từ mới"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.execute(select(SiteWord)).first() is None


def test_admin_saves_settings(app, client, moderator):
    site_id = _admin(app)
    login(client, *moderator)
    page = client.get(f"/moderation/sites/{site_id}/settings").get_data(as_text=True)
    assert "Cài đặt: Báo Tin Tức" in page
    client.post(f"/moderation/sites/{site_id}/settings", data={
        "csrf_token": csrf_token(page), "auto_close_days": "14", "first_n_hold": "2",
        "link_limit": "", "report_threshold": "5"})
    site = _site(app)
    assert (site.premoderation, site.auto_close_days, site.first_n_hold, site.link_limit,
            site.report_threshold) == (False, 14, 2, None, 5)
    client.post(f"/moderation/sites/{site_id}/settings", data={
        "csrf_token": csrf_token(page), "premoderation": "y", "first_n_hold": "500",
        "report_threshold": "5"})
    assert "Giá trị không hợp lệ: first_n_hold" in client.get(
        f"/moderation/sites/{site_id}/settings").get_data(as_text=True)
    assert _site(app).first_n_hold == 2


def test_word_added_refreshes_matcher_and_test_box(app, client, moderator):
    site_id = _admin(app)
    before = _site(app).wordlist_version
    token = new_token(client)
    first = post_comment(client, token, "Con ốc bươu vàng phá lúa").get_json()["id"]
    login(client, *moderator)
    page = client.get(f"/moderation/sites/{site_id}/settings").get_data(as_text=True)
    client.post(f"/moderation/sites/{site_id}/words", data={
        "csrf_token": csrf_token(page), "kind": "suspect", "entry": "ốc bươu"})
    assert _site(app).wordlist_version == before + 1
    second = post_comment(client, token, "Lại là ỐC BƯƠU nữa rồi").get_json()["id"]
    with app.app_context():
        codes = [[r["code"] for r in db.session.get(Comment, i).moderation_reasons]
                 for i in (first, second)]
    assert "suspect_word" not in codes[0] and "suspect_word" in codes[1]
    result = client.get(f"/moderation/sites/{site_id}/settings?sentence=Ốc+bươu+vàng").get_data(
        as_text=True)
    assert "<mark>Ốc bươu</mark> vàng" in result and "Cần kiểm duyệt: <bdi>ốc bươu</bdi>" in result
    client.post(f"/moderation/sites/{site_id}/words", data={
        "csrf_token": csrf_token(page), "kind": "suspect", "entry": "đ"})
    assert "Mục không hợp lệ" in client.get(f"/moderation/sites/{site_id}/settings").get_data(
        as_text=True)
    [word_id] = re.findall(r'data-word-id="(\d+)"', result)
    client.post(f"/moderation/sites/{site_id}/words/{word_id}/delete",
                data={"csrf_token": csrf_token(page)})
    assert _site(app).wordlist_version == before + 2
    third = post_comment(client, token, "ốc bươu lần ba").get_json()["id"]
    with app.app_context():
        assert "suspect_word" not in [r["code"] for r in
                                      db.session.get(Comment, third).moderation_reasons]
        assert db.session.get(Comment, third).status is CommentStatus.PENDING  # premoderation


def test_api_key_shown_once_scoped_audited_and_revocable(app, client, moderator):
    site_id = _admin(app)
    [cid] = [post_comment(client, new_token(client), "Chờ hệ thống CMS duyệt").get_json()["id"]]
    login(client, *moderator)
    page = client.get(f"/moderation/sites/{site_id}/settings").get_data(as_text=True)
    client.post(f"/moderation/sites/{site_id}/api-keys", data={
        "csrf_token": csrf_token(page), "name": "CMS toà soạn"})
    page = client.get(f"/moderation/sites/{site_id}/settings").get_data(as_text=True)
    key = re.search(r"(ek_[A-Za-z0-9_-]{40,})", page).group(1)
    assert key not in client.get(f"/moderation/sites/{site_id}/settings").get_data(as_text=True)
    with app.app_context():
        from engage.models import SiteApiKey
        stored = db.session.execute(select(SiteApiKey)).scalar_one()
        assert key not in stored.key_hash and len(stored.key_hash) == 64
    api = app.test_client()  # no cookies at all
    auth = {"Authorization": f"Bearer {key}"}
    body = api.get("/api/v1/moderation/queue", headers=auth).get_json()
    assert [i["id"] for i in body["items"]] == [cid]
    decided = api.post("/api/v1/moderation/decisions", headers=auth, json={
        "ids": [cid], "action": "approve", "expected": "pending"})
    assert decided.status_code == 200 and decided.get_json()["done"] == [cid]
    [row] = api.get("/api/v1/moderation/audit", headers=auth).get_json()["items"]
    assert row["moderator"].startswith("api-") and row["comment_id"] == cid
    assert api.get("/api/v1/moderation/queue",
                   headers={"Authorization": "Bearer ek_forged"}).status_code == 401
    key_id = re.search(r'data-key-id="(\d+)"', page).group(1)
    client.post(f"/moderation/sites/{site_id}/api-keys/{key_id}/revoke",
                data={"csrf_token": csrf_token(page)})
    assert api.get("/api/v1/moderation/queue", headers=auth).status_code == 401
