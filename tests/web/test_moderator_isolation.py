"""Generated tenant-isolation and CSRF checks over every moderator route in ``app.url_map``.

A moderator of site A calls each route with site B's comment, article, reader, site, audit
row and moderator: every call answers 404 and nothing of B changes.  A route added without a
case here fails :func:`test_every_moderator_route_has_an_isolation_case`.  Every route that
accepts POST refuses it without a CSRF token (403) and refuses GET (405).
"""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from engage.extensions import db
from engage.models import (
    Article, Ban, Comment, Membership, ModerationAction, ModerationActionKind, Moderator, Rating,
    Role, Site, SiteApiKey, SiteWord, WordListKind)
from engage.models.types import utcnow
from engage.services import accounts, api_keys, moderation_actions, sites
from engage.models import CommentStatus
from helpers import csrf_token, login, new_token, post_comment, rate

# Routes with no object ids to misuse: the login form, logout, the password change and the
# alert settings (which only touch one's own account and memberships: another site's id in the
# alert form is ignored, see test_moderator_alerts_web).  Everything else must have cases below.
NO_IDS = {"moderation.login", "moderation.logout", "moderation.change_password",
          "moderation.alerts_page"}
# Of those, the ones whose GET shows a form and changes nothing.
FORM_PAGES = {"moderation.login", "moderation.change_password", "moderation.alerts_page"}
# Routes that take no ids but show data: checked to show nothing of site B.  The dashboard and
# the assistant's agreement are also here: without ``?site=`` they must show nothing of B (their
# ``?site=``, by id or slug, is a case: 404 like an unknown site).
NO_IDS_READS = {"moderation.dashboard_page", "api.assist_agreement"}


def is_moderator_route(rule) -> bool:
    """Moderator routes: the workspace blueprint and the JSON API under /api/v1/moderation."""
    return rule.endpoint.startswith("moderation.") or rule.rule.startswith("/api/v1/moderation")


def cases(b: dict) -> dict[str, list[tuple[str, str, dict]]]:
    """(method, url, form-or-json) per endpoint, each naming one of B's things."""
    c, a, r, act, s, m = b["comment"], b["article"], b["reader"], b["action"], b["site"], b["mod"]
    form = {"action": "approve", "expected": "pending", "reason": "Lý do", "scope": "reader",
            "days": "1", "hours": "24", "confirm": "y"}
    return {
        "moderation.queue": [("GET", f"/moderation/?site={s}", {}),
                             ("GET", "/moderation/?site=rival", {}),
                             ("GET", f"/moderation/?article={a}", {}),
                             ("GET", "/moderation/?article=bai-viet-1&site=rival", {}),
                             ("GET", f"/moderation/?reader={r}", {})],
        "moderation.act": [("POST", f"/moderation/comments/{c}", form)],
        "moderation.bulk": [("POST", "/moderation/bulk", {**form, "ids": [c]}),
                            ("POST", "/moderation/bulk",
                             {**form, "all_on_page": "y", "page_ids": [c]})],
        "moderation.undo": [("POST", f"/moderation/actions/{act}/undo", {})],
        "moderation.ban": [("POST", f"/moderation/comments/{c}/ban", form)],
        "moderation.article_ratings": [("GET", f"/moderation/articles/{a}/ratings", {})],
        "moderation.remove_votes": [("POST", f"/moderation/articles/{a}/ratings/remove", form)],
        "moderation.reset_ratings": [("POST", f"/moderation/articles/{a}/ratings/reset", form)],
        "moderation.dashboard_page": [("GET", f"/moderation/dashboard?site={s}", {}),
                                      ("GET", "/moderation/dashboard?site=rival", {})],
        "moderation.audit_log": [("GET", f"/moderation/audit?{q}", {}) for q in (
            f"comment={c}", f"reader={r}", f"site={s}", f"moderator={m}")],
        "moderation.audit_csv": [("GET", f"/moderation/audit.csv?{q}", {}) for q in (
            f"comment={c}", f"reader={r}", f"site={s}", f"moderator={m}")],
        "moderation.site_settings_page": [
            ("GET", f"/moderation/sites/{s}/settings", {}),
            ("GET", f"/moderation/sites/{s}/settings?sentence=lừa+đảo", {})],
        "moderation.save_settings": [("POST", f"/moderation/sites/{s}/settings", {
            "first_n_hold": "0", "report_threshold": "1", "premoderation": ""})],
        "moderation.add_word": [("POST", f"/moderation/sites/{s}/words", {
            "kind": "banned", "entry": "từ mới"})],
        "moderation.remove_word": [("POST", f"/moderation/sites/{s}/words/{b['word']}/delete", {}),
                                   ("POST", f"/moderation/sites/{b['own_site']}/words/"
                                            f"{b['word']}/delete", {})],
        "moderation.create_api_key": [("POST", f"/moderation/sites/{s}/api-keys",
                                       {"name": "CMS"})],
        "moderation.revoke_api_key": [
            ("POST", f"/moderation/sites/{s}/api-keys/{b['key']}/revoke", {}),
            ("POST", f"/moderation/sites/{b['own_site']}/api-keys/{b['key']}/revoke", {})],
        "moderation.site_members_page": [("GET", f"/moderation/sites/{s}/moderators", {})],
        "moderation.add_member": [("POST", f"/moderation/sites/{s}/moderators", {
            "username": "mod", "role": "admin"})],
        "moderation.create_member": [("POST", f"/moderation/sites/{s}/moderators/new", {
            "username": "intruder", "display_name": "Kẻ lạ", "password": "intruder-password",
            "role": "admin"})],
        "moderation.change_member_role": [
            ("POST", f"/moderation/sites/{site}/moderators/{b['mod_id']}/role",
             {"role": "moderator"}) for site in (s, b["own_site"])],
        "moderation.remove_member": [
            ("POST", f"/moderation/sites/{site}/moderators/{b['mod_id']}/remove", {})
            for site in (s, b["own_site"])],
        "api.moderation_queue": [("GET", f"/api/v1/moderation/queue?{q}", {}) for q in (
            f"site={s}", "site=rival", f"article={a}", "article=bai-viet-1&site=rival",
            f"reader={r}")],
        "api.assist_agreement": [("GET", f"/api/v1/moderation/assist/agreement?site={q}", {})
                                 for q in ("rival", s)],
        "api.moderation_decide": [("JSON", "/api/v1/moderation/decisions", {
            "ids": [c], "action": "approve", "expected": "pending"})],
        "api.moderation_undo": [("JSON", f"/api/v1/moderation/actions/{act}/undo", None)],
        "api.moderation_audit": [("GET", f"/api/v1/moderation/audit?{q}", {}) for q in (
            f"comment={c}", f"reader={r}", f"site={s}", f"moderator={m}")],
    }


def snapshot(app, site_id: int) -> dict:
    """Everything of site B a moderator could change."""
    with app.app_context():
        s = db.session
        return {
            "site": s.execute(select(Site.__table__).where(Site.id == site_id)).all(),
            "comments": s.execute(select(Comment.id, Comment.status, Comment.published_at)
                                  .where(Comment.site_id == site_id).order_by(Comment.id)).all(),
            "articles": s.execute(select(Article.__table__).where(Article.site_id == site_id)).all(),
            "ratings": s.execute(select(Rating.__table__).join(
                Article, Article.id == Rating.article_id).where(Article.site_id == site_id)).all(),
            "audit": s.execute(select(ModerationAction.__table__).where(
                ModerationAction.site_id == site_id)).all(),
            "bans": s.execute(select(Ban.__table__).where(Ban.site_id == site_id)).all(),
            "words": s.execute(select(SiteWord.__table__).where(SiteWord.site_id == site_id)).all(),
            "members": s.execute(select(Membership.__table__).where(
                Membership.site_id == site_id)).all(),
            "keys": s.execute(select(SiteApiKey.__table__).where(
                SiteApiKey.site_id == site_id)).all(),
            "moderators": s.execute(select(Moderator.username, Moderator.session_version)
                                    .order_by(Moderator.id)).all(),
        }


@pytest.fixture
def site_b(app, client, moderator):
    """Site B with a pending and a just-approved comment (an undoable audit row), a vote, a
    word-list entry and an admin of its own (``mod_id``); returns B's ids (and A's site id, ``own_site``:
    B's entry must not be reachable through A's settings either).  A's moderator is made an
    admin of A, so refusals come from scoping, not from the role."""
    with app.app_context():
        sites.create_site(db.session, "rival", "Báo Đối Thủ", [], premoderation=True,
                          auto_create_articles=True)
        accounts.create_moderator(db.session, "rivalmod", "rival-password", "Đối thủ", ["rival"],
                                  Role.ADMIN)
        db.session.execute(update(Membership).values(role=Role.ADMIN))
        rival_site = db.session.execute(select(Site.id).where(Site.slug == "rival")).scalar_one()
        own_site = db.session.execute(select(Site.id).where(Site.slug == "news")).scalar_one()
        word = SiteWord(site_id=rival_site, kind=WordListKind.SUSPECT, entry="lừa đảo")
        db.session.add(word)
        db.session.commit()
        word_id = word.id
        rival = db.session.execute(select(Moderator).where(
            Moderator.username == "rivalmod")).scalar_one()
        api_keys.create_key(db.session, rival, rival_site, "CMS B", utcnow())
        key_id = db.session.execute(select(SiteApiKey.id)).scalar_one()
    token = new_token(client)
    cid = post_comment(client, token, "Bình luận của trang B", site="rival").get_json()["id"]
    other = post_comment(client, token, "Một bình luận khác", site="rival").get_json()["id"]
    rate(client, token, 4, site="rival")
    with app.app_context():
        rival = db.session.execute(select(Moderator).where(
            Moderator.username == "rivalmod")).scalar_one()
        moderation_actions.decide(db.session, rival, [other], ModerationActionKind.APPROVE,
                                  CommentStatus.PENDING, utcnow(), request_id="b-req")
        comment = db.session.get(Comment, cid)
        action = db.session.execute(select(ModerationAction.id)).scalar_one()
        return {"comment": cid, "article": comment.article_id, "reader": comment.reader_id,
                "site": comment.site_id, "action": action, "mod": "rivalmod", "word": word_id,
                "own_site": own_site, "key": key_id, "mod_id": rival.id}


def _call(client, method, url, data, token):
    if method == "GET":
        return client.get(url)
    if method == "JSON":
        return client.post(url, json=data, headers={"X-CSRFToken": token})
    return client.post(url, data={**data, "csrf_token": token})


def test_every_moderator_route_has_an_isolation_case(app):
    routes = {r.endpoint for r in app.url_map.iter_rules() if is_moderator_route(r)}
    keys = ("comment", "article", "reader", "action", "site", "mod", "word", "own_site", "key",
            "mod_id")
    covered = set(cases({k: 1 for k in keys})) | NO_IDS | NO_IDS_READS
    assert routes - covered == set(), "add isolation cases for these routes"
    assert covered - routes == set(), "cases for routes that no longer exist"


def test_site_a_moderator_gets_404_for_site_b_ids_and_b_is_unchanged(app, client, moderator,
                                                                      site_b):
    before = snapshot(app, site_b["site"])
    login(client, *moderator)
    token = csrf_token(client.get("/moderation/").get_data(as_text=True))
    for endpoint, calls in cases(site_b).items():
        for method, url, data in calls:
            response = _call(client, method, url, data, token)
            assert response.status_code == 404, (endpoint, url, response.status_code)
    assert snapshot(app, site_b["site"]) == before


def _methods(app, endpoint: str) -> set[str]:
    return {m for r in app.url_map.iter_rules() if r.endpoint == endpoint for m in r.methods}


def test_state_changing_routes_need_csrf_and_refuse_get(app, client, moderator, site_b):
    login(client, *moderator)
    posting = [r for r in app.url_map.iter_rules()
               if is_moderator_route(r) and r.methods & {"POST", "PUT", "PATCH", "DELETE"}]
    assert posting, "no state-changing moderator routes found"
    by_endpoint = cases(site_b)
    for rule in posting:
        if rule.endpoint in NO_IDS:
            url = rule.rule
        else:
            url = next(u for m, u, _ in by_endpoint[rule.endpoint] if m in ("POST", "JSON"))
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            response = client.open(url, method=method, data={"action": "approve"})
            assert response.status_code == 403, (rule.endpoint, method, response.status_code)
        if rule.endpoint in FORM_PAGES:  # GET shows the form, changing nothing
            continue
        try:  # the same path may also be a page (settings form): then GET is that read view
            reader, _ = app.url_map.bind("localhost").match(url.split("?")[0], method="GET")
        except Exception:  # noqa: BLE001 - werkzeug raises MethodNotAllowed / NotFound
            reader = None
        if reader is None:
            assert client.get(url).status_code == 405, rule.endpoint
        else:
            assert reader != rule.endpoint and "GET" not in _methods(app, rule.endpoint), reader


def test_the_same_reads_work_for_site_bs_own_moderator(app, client, site_b):
    """Control: the 404s above come from scoping, not from malformed calls."""
    login(client, "rivalmod", "rival-password")
    token = csrf_token(client.get("/moderation/").get_data(as_text=True))
    for endpoint, calls in cases(site_b).items():
        for method, url, data in calls:
            if method == "GET" and f"/sites/{site_b['own_site']}/" not in url:
                assert _call(client, method, url, data, token).status_code == 200, url
    response = _call(client, "JSON", "/api/v1/moderation/decisions", {
        "ids": [site_b["comment"]], "action": "approve", "expected": "pending"}, token)
    assert response.status_code == 200 and response.get_json()["done"] == [site_b["comment"]]


def test_dashboard_shows_nothing_of_site_b(app, client, moderator, site_b):
    login(client, *moderator)
    with app.app_context():
        rival = db.session.get(Site, site_b["site"])
        article = db.session.get(Article, site_b["article"])
        shown = article.title or article.key
        assert article.comment_count == 1  # B has an approved comment: it would be listed
    page = client.get("/moderation/dashboard").get_data(as_text=True)
    assert rival.name not in page and shown not in page and "Chưa có dữ liệu." in page
    login(client, "rivalmod", "rival-password")  # control: B's own moderator sees it
    assert shown in client.get("/moderation/dashboard").get_data(as_text=True)


def test_assist_agreement_counts_nothing_of_site_b(app, client, moderator, site_b):
    with app.app_context():  # B's approved comment becomes a scored, decided one
        db.session.execute(update(Comment).where(Comment.site_id == site_b["site"])
                           .values(assist_risk=0.9))
        db.session.commit()
    login(client, *moderator)
    response = client.get("/api/v1/moderation/assist/agreement")
    assert response.status_code == 200 and response.get_json()["decided"] == 0
    # B's slug answers exactly as a slug that exists nowhere: 404, no oracle
    foreign = client.get("/api/v1/moderation/assist/agreement?site=rival")
    unknown = client.get("/api/v1/moderation/assist/agreement?site=zzz")
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.get_json()["error"]["code"] == unknown.get_json()["error"]["code"] == \
        "site_not_found"
    login(client, "rivalmod", "rival-password")  # control: B's own moderator counts it
    assert client.get("/api/v1/moderation/assist/agreement?site=rival").get_json()[
        "decided"] == 1
