"""The assistant in the posting path, the queue and the agreement figure, over HTTP."""
import shutil

import pytest

from engage.extensions import db
from engage.models import Comment, CommentStatus, Role
from engage.services import accounts, sites
from helpers import csrf_token, login, new_token, post_comment

pytestmark = pytest.mark.usefixtures("assist_extra")
TOXIC = "Mày đồ rác rưởi quá"  # no listed word: only the model holds it
CLEAN = "Cảm ơn tác giả, bài viết rất hay"


@pytest.fixture
def assist_app(app_factory, small_model_file, tmp_path):
    """An app whose post-moderated site ``open`` has the small model, and a moderator."""
    def build(**overrides):
        models = tmp_path / "models"
        models.mkdir(exist_ok=True)
        shutil.copy(small_model_file, models / "open.joblib")
        app = app_factory(ASSIST_MODEL_DIR=str(models), **overrides)
        with app.app_context():
            sites.create_site(db.session, "open", "Open News", [], premoderation=False,
                              auto_create_articles=True)
            accounts.create_moderator(db.session, "mod", "correct horse battery", "BTV",
                                      ["open"], Role.MODERATOR)
        return app
    return build


def _comment(app, cid) -> Comment:
    with app.app_context():
        return db.session.get(Comment, cid)


def test_risky_comment_is_held_with_its_score_and_words_clean_one_published(assist_app):
    app = assist_app()
    client = app.test_client()
    token = new_token(client)
    toxic = post_comment(client, token, TOXIC, site="open")
    clean = post_comment(client, new_token(client), CLEAN, site="open")
    assert toxic.get_json()["status"] == "pending" and clean.get_json()["status"] == "approved"
    held, published = _comment(app, toxic.get_json()["id"]), _comment(app, clean.get_json()["id"])
    assert held.status is CommentStatus.PENDING and held.assist_risk >= 0.5
    assert [r["code"] for r in held.moderation_reasons] == ["assist_risk"]
    assert held.moderation_reasons[0]["decision"] == "hold"
    terms = {t["term"] for t in held.assist_terms}
    assert "rác" in terms or "rưởi" in terms
    for t in held.assist_terms:
        (start, end), = t["spans"]
        assert TOXIC[start:end] == t["term"]
    assert published.assist_risk < 0.5 and published.moderation_reasons == []


def test_the_model_never_rejects_unless_an_admin_turns_it_on(assist_app):
    default = assist_app(ASSIST_HOLD_THRESHOLD=0.0)  # every comment is "risky" enough
    response = post_comment(default.test_client(), new_token(default.test_client()), TOXIC,
                            site="open")
    assert _comment(default, response.get_json()["id"]).status is CommentStatus.PENDING


def test_rejects_at_the_threshold_when_configured(assist_app):
    app = assist_app(ASSIST_REJECT=True, ASSIST_REJECT_THRESHOLD=0.5)
    client = app.test_client()
    toxic = post_comment(client, new_token(client), TOXIC, site="open").get_json()
    clean = post_comment(client, new_token(client), CLEAN, site="open").get_json()
    assert toxic["status"] == "rejected" and clean["status"] == "approved"
    assert _comment(app, toxic["id"]).status is CommentStatus.REJECTED


def test_hold_off_scores_and_stores_only(assist_app):
    app = assist_app(ASSIST_HOLD=False)
    client = app.test_client()
    toxic = post_comment(client, new_token(client), TOXIC, site="open").get_json()
    assert toxic["status"] == "approved"
    assert _comment(app, toxic["id"]).assist_risk >= 0.5


def test_an_edit_is_scored_again(assist_app):
    app = assist_app()
    client = app.test_client()
    token = new_token(client)
    cid = post_comment(client, token, CLEAN, site="open").get_json()["id"]
    before = _comment(app, cid).assist_risk
    response = client.patch(f"/api/v1/sites/open/articles/bai-viet-1/comments/{cid}",
                            json={"text": TOXIC}, headers={"X-Engage-Reader": token})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "pending"
    assert _comment(app, cid).assist_risk > before


def test_queue_sorts_by_risk_and_shows_score_and_words(assist_app):
    app = assist_app(ASSIST_HOLD_THRESHOLD=0.0)  # hold everything so all three are queued
    client = app.test_client()
    ids = [post_comment(client, new_token(client), text, site="open").get_json()["id"]
           for text in (CLEAN, TOXIC, "Mong chính quyền sớm giải quyết")]
    login(client, "mod", "correct horse battery")
    oldest = client.get("/api/v1/moderation/queue").get_json()["items"]
    assert [i["id"] for i in oldest] == ids
    risky = client.get("/api/v1/moderation/queue?order=risk").get_json()["items"]
    risks = [i["assist"]["risk"] for i in risky]
    assert risks == sorted(risks, reverse=True) and risky[0]["id"] == ids[1]
    assert risky[0]["assist"]["terms"][0]["term"]
    bad = client.get("/api/v1/moderation/queue?order=worst")
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "sort_invalid"
    page = client.get("/moderation/?order=risk").get_data(as_text=True)
    assert page.index(f'data-comment-id="{ids[1]}"') < page.index(f'data-comment-id="{ids[0]}"')
    assert "Trợ lý kiểm duyệt: rủi ro" in page and 'class="assist-term"' in page
    assert client.get("/moderation/?order=worst").status_code in (404, 422)


def test_agreement_counts_moderators_last_decisions(assist_app):
    app = assist_app(ASSIST_HOLD_THRESHOLD=0.0, ASSIST_HOLD=False)
    client = app.test_client()
    ids = {text: post_comment(client, new_token(client), text, site="open").get_json()["id"]
           for text in (CLEAN, TOXIC, "Thằng tác giả đồ rác rưởi")}
    login(client, "mod", "correct horse battery")
    empty = client.get("/api/v1/moderation/assist/agreement").get_json()
    assert empty["decided"] == 0 and empty["rate"] is None
    token = csrf_token(client.get("/moderation/?status=approved").get_data(as_text=True))
    for text, action in ((TOXIC, "reject"), ("Thằng tác giả đồ rác rưởi", "spam")):
        response = client.post(f"/moderation/comments/{ids[text]}",
                               data={"csrf_token": token, "action": action,
                                     "expected": "approved",
                                     "reason_code": "insult" if action == "reject" else ""})
        assert response.status_code == 302
    with app.app_context():
        assert [db.session.get(Comment, ids[t]).status.value for t in ids] == [
            "approved", "rejected", "spam"]
    # The agreement uses ASSIST_HOLD_THRESHOLD (0.0 here: the model says "hold" to all).
    figures = client.get("/api/v1/moderation/assist/agreement?site=open&days=7").get_json()
    assert figures == {"decided": 2, "agreed": 2, "rate": 1.0, "hold_at": 0.0,
                       "held_rejected": 2, "held_approved": 0, "passed_rejected": 0,
                       "passed_approved": 0}
    foreign = client.get("/api/v1/moderation/assist/agreement?site=news")
    assert foreign.status_code == 404  # not the moderator's site: the answer of an unknown one
    assert foreign.get_json()["error"]["code"] == "site_not_found"
    assert client.get("/api/v1/moderation/assist/agreement?days=0").status_code == 422
    client.post("/moderation/logout", data={"csrf_token": token})
    assert client.get("/api/v1/moderation/assist/agreement").status_code == 401
