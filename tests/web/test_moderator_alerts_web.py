"""Moderators set their alert address and per-site switches on their account page, and site
admins set the queue thresholds on the settings page (CSRF-protected forms)."""
from sqlalchemy import select

from engage.extensions import db
from engage.models import Membership, Moderator, Role, Site
from engage.services import sites
from helpers import csrf_token, login


def _moderator(app):
    with app.app_context():
        return db.session.execute(select(Moderator)).scalar_one()


def test_a_moderator_sets_their_alerts(app, client, moderator, open_site):
    with app.app_context():
        mod = db.session.execute(select(Moderator)).scalar_one()
        other = db.session.execute(select(Site).where(Site.slug == open_site)).scalar_one()
        db.session.add(Membership(moderator_id=mod.id, site_id=other.id, role=Role.MODERATOR))
        sites.create_site(db.session, "far", "Not Mine", [])
        far = db.session.execute(select(Site).where(Site.slug == "far")).scalar_one().id
        db.session.commit()
        news = db.session.execute(select(Site).where(Site.slug == "news")).scalar_one().id
        open_id = other.id
    login(client, *moderator)
    page = client.get("/moderation/account/alerts").get_data(as_text=True)
    assert "Thông báo qua e-mail" in page and "Not Mine" not in page
    assert f'name="digest" value="{news}"' in page
    response = client.post("/moderation/account/alerts", data={
        "csrf_token": csrf_token(page), "email": "Mod@News.Example",
        "digest": [str(open_id), str(far)], "daily": [str(news)]})
    assert response.status_code == 302
    with app.app_context():
        assert _moderator(app).email == "Mod@news.example"
        prefs = {m.site_id: (m.alert_digest, m.alert_daily) for m in db.session.execute(
            select(Membership)).scalars()}
    assert prefs == {news: (False, True), open_id: (True, False)}  # "far" is not theirs
    bad = client.post("/moderation/account/alerts", data={
        "csrf_token": csrf_token(page), "email": "not an address"})
    assert bad.status_code == 200 and "Địa chỉ e-mail không hợp lệ." in bad.get_data(as_text=True)
    assert _moderator(app).email == "Mod@news.example"
    # Without the CSRF token nothing changes.
    assert client.post("/moderation/account/alerts", data={"email": ""}).status_code == 403
    assert _moderator(app).email == "Mod@news.example"


def test_an_admin_sets_the_queue_thresholds(app, client, moderator):
    with app.app_context():
        db.session.execute(select(Membership)).scalar_one().role = Role.ADMIN
        site_id = db.session.execute(select(Site.id)).scalar_one()
        db.session.commit()
    login(client, *moderator)
    page = client.get(f"/moderation/sites/{site_id}/settings").get_data(as_text=True)
    client.post(f"/moderation/sites/{site_id}/settings", data={
        "csrf_token": csrf_token(page), "first_n_hold": "0", "report_threshold": "3",
        "alert_pending": "15", "alert_oldest_minutes": "0"})
    with app.app_context():
        site = db.session.execute(select(Site)).scalar_one()
        assert (site.alert_pending, site.alert_oldest_minutes) == (15, 0)


def test_alert_commands(app, runner, moderator):
    result = runner.invoke(args=["engage", "moderator-alerts", "mod", "--email", "Mod@X.vn",
                                 "--site", "news", "--no-digest"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert _moderator(app).email == "Mod@x.vn"
        assert db.session.execute(select(Membership.alert_digest)).scalar_one() is False
    bad = runner.invoke(args=["engage", "moderator-alerts", "mod", "--email", "x@"])
    assert bad.exit_code != 0 and "email_invalid" in bad.output
    # No SMTP host configured: the worker refuses to run rather than queue silently forever.
    result = runner.invoke(args=["engage", "send-mail"])
    assert result.exit_code != 0 and "MAIL_SMTP_HOST" in result.output
