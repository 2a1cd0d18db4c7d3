"""Moderator accounts page for site admins: listing, add, create, role, remove; form errors;
plain moderators refused; a removed moderator loses the site at once."""
from sqlalchemy import select, update

from engage.extensions import db
from engage.models import Membership, Moderator, Role, Site
from engage.services import accounts, sites
from helpers import csrf_token, login


def _setup(app):
    """``mod`` (the fixture's moderator) becomes admin of news; ``helper`` moderates it."""
    with app.app_context():
        db.session.execute(update(Membership).values(role=Role.ADMIN))
        db.session.commit()
        accounts.create_moderator(db.session, "helper", "helper-password", "Cộng tác viên",
                                  ["news"])
        site_id = db.session.execute(select(Site.id).where(Site.slug == "news")).scalar_one()
        helper = db.session.execute(select(Moderator.id).where(
            Moderator.username == "helper")).scalar_one()
    return site_id, helper


def _roles(app, site_id):
    with app.app_context():
        return {u: r for u, r in db.session.execute(select(Moderator.username, Membership.role)
                                                    .join(Membership)
                                                    .where(Membership.site_id == site_id))}


def test_plain_moderator_is_refused(app, client, moderator):
    with app.app_context():
        site_id = db.session.execute(select(Site.id)).scalar_one()
    login(client, *moderator)
    assert client.get(f"/moderation/sites/{site_id}/moderators").status_code == 403
    token = csrf_token(client.get("/moderation/").get_data(as_text=True))
    response = client.post(f"/moderation/sites/{site_id}/moderators/new", data={
        "csrf_token": token, "username": "x", "display_name": "X",
        "password": "long-enough-password", "role": "admin"})
    assert response.status_code == 403 and set(_roles(app, site_id)) == {"mod"}
    assert client.get(f"/moderation/sites/{site_id + 99}/moderators").status_code == 404


def test_admin_lists_members_from_the_settings_page(app, client, moderator):
    site_id, _ = _setup(app)
    login(client, *moderator)
    settings = client.get(f"/moderation/sites/{site_id}/settings").get_data(as_text=True)
    assert f'href="/moderation/sites/{site_id}/moderators"' in settings
    page = client.get(f"/moderation/sites/{site_id}/moderators").get_data(as_text=True)
    assert "Tài khoản kiểm duyệt: Báo Tin Tức" in page
    assert "<bdi>helper</bdi></td><td><bdi>Cộng tác viên</bdi>" in page
    assert "Quản trị viên" in page and "Kiểm duyệt viên" in page


def test_create_account_with_form_errors_then_login(app, client, moderator):
    site_id, _ = _setup(app)
    login(client, *moderator)
    url = f"/moderation/sites/{site_id}/moderators/new"
    token = csrf_token(client.get(f"/moderation/sites/{site_id}/moderators").get_data(as_text=True))
    form = {"csrf_token": token, "username": "newbie", "display_name": "Người mới",
            "password": "ngắn", "role": "moderator"}
    response = client.post(url, data=form)
    assert response.status_code == 422
    assert "Mật khẩu phải có từ 10 đến 256 ký tự." in response.get_data(as_text=True)
    response = client.post(url, data={**form, "username": "có dấu", "password": "đủ-dài-rồi-nhé"})
    assert response.status_code == 422 and "không có dấu cách" in response.get_data(as_text=True)
    response = client.post(url, data={**form, "username": "helper", "password": "đủ-dài-rồi-nhé"})
    assert "Tên đăng nhập này đã có người dùng." in response.get_data(as_text=True)
    response = client.post(url, data={**form, "password": "đủ-dài-rồi-nhé"},
                           follow_redirects=True)
    assert "Đã tạo tài khoản newbie." in response.get_data(as_text=True)
    assert _roles(app, site_id)["newbie"] is Role.MODERATOR
    other = app.test_client()
    login(other, "newbie", "đủ-dài-rồi-nhé")
    assert other.get("/moderation/").status_code == 200
    assert other.get(f"/moderation/sites/{site_id}/moderators").status_code == 403


def test_add_existing_change_role_and_remove(app, client, moderator):
    site_id, helper = _setup(app)
    with app.app_context():
        accounts.create_moderator(db.session, "outsider", "outsider-password", "Người ngoài", [])
    login(client, *moderator)
    base = f"/moderation/sites/{site_id}/moderators"
    token = csrf_token(client.get(base).get_data(as_text=True))
    response = client.post(base, data={"csrf_token": token, "username": "nobody",
                                       "role": "admin"})
    assert response.status_code == 422 and "Không có tài khoản kiểm duyệt nào" in \
        response.get_data(as_text=True)
    client.post(base, data={"csrf_token": token, "username": "outsider", "role": "admin"})
    client.post(f"{base}/{helper}/role", data={"csrf_token": token, "role": "admin"})
    assert _roles(app, site_id) == {"mod": Role.ADMIN, "helper": Role.ADMIN,
                                    "outsider": Role.ADMIN}
    assert client.post(f"{base}/{helper}/role", data={"csrf_token": token,
                                                      "role": "owner"}).status_code == 302
    assert _roles(app, site_id)["helper"] is Role.ADMIN
    client.post(f"{base}/{helper}/remove", data={"csrf_token": token})
    assert set(_roles(app, site_id)) == {"mod", "outsider"}


def test_admin_cannot_remove_or_demote_self(app, client, moderator):
    site_id, _ = _setup(app)
    with app.app_context():
        me = db.session.execute(select(Moderator.id).where(
            Moderator.username == "mod")).scalar_one()
    login(client, *moderator)
    base = f"/moderation/sites/{site_id}/moderators/{me}"
    token = csrf_token(client.get("/moderation/").get_data(as_text=True))
    page = client.post(f"{base}/remove", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "Bạn không thể tự xóa hoặc tự hạ quyền của chính mình." in page
    client.post(f"{base}/role", data={"csrf_token": token, "role": "moderator"})
    assert _roles(app, site_id)["mod"] is Role.ADMIN


def test_removed_moderator_loses_the_site_at_once(app, client, moderator):
    site_id, helper = _setup(app)
    other = app.test_client()
    login(other, "helper", "helper-password")
    assert other.get(f"/moderation/?site={site_id}").status_code == 200
    login(client, *moderator)
    token = csrf_token(client.get("/moderation/").get_data(as_text=True))
    client.post(f"/moderation/sites/{site_id}/moderators/{helper}/remove",
                data={"csrf_token": token})
    # No site left: the sessions are revoked, the next request goes to the login page.
    response = other.get(f"/moderation/?site={site_id}")
    assert response.status_code == 302 and "/moderation/login" in response.location


def test_changes_need_csrf_and_post(app, client, moderator):
    site_id, helper = _setup(app)
    login(client, *moderator)
    base = f"/moderation/sites/{site_id}/moderators"
    for url in (base, f"{base}/new", f"{base}/{helper}/role", f"{base}/{helper}/remove"):
        assert client.post(url, data={"role": "admin", "username": "helper"}).status_code == 403
    for url in (f"{base}/new", f"{base}/{helper}/role", f"{base}/{helper}/remove"):
        assert client.get(url).status_code == 405
    assert set(_roles(app, site_id)) == {"mod", "helper"}


def test_removed_moderator_keeps_other_sites_but_loses_this_one_at_once(app, client, moderator):
    site_id, helper = _setup(app)
    with app.app_context():
        sites.create_site(db.session, "second", "Báo Thứ Hai", [], auto_create_articles=True)
        second = db.session.execute(select(Site.id).where(Site.slug == "second")).scalar_one()
        db.session.add(Membership(moderator_id=helper, site_id=second, role=Role.MODERATOR))
        db.session.commit()
    other = app.test_client()
    login(other, "helper", "helper-password")
    assert other.get(f"/moderation/?site={site_id}").status_code == 200
    login(client, *moderator)
    token = csrf_token(client.get("/moderation/").get_data(as_text=True))
    client.post(f"/moderation/sites/{site_id}/moderators/{helper}/remove",
                data={"csrf_token": token})
    assert other.get(f"/moderation/?site={site_id}").status_code == 404  # same session
    assert other.get(f"/moderation/?site={second}").status_code == 200
