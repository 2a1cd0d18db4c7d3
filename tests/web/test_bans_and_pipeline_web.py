"""The moderation pipeline end to end: bans without an oracle, word lists, spans in the queue."""
from datetime import timedelta

from sqlalchemy import select

from engage.extensions import db
from engage.models import Article, Ban, Comment, CommentStatus, ModerationAction, SiteWord, WordListKind
from engage.services import counters, sites
from helpers import ARTICLE, csrf_token, login, new_token, post_comment


def _open_site(app):
    with app.app_context():
        sites.create_site(db.session, "open", "Open", premoderation=False,
                          auto_create_articles=True)


def test_banned_reader_gets_the_same_answer_and_is_stored_rejected(app, client, moderator):
    token = new_token(client)
    first = post_comment(client, token, "Bình luận bình thường").get_json()
    login(client, *moderator)
    page = client.get("/moderation/").get_data(as_text=True)
    response = client.post(f"/moderation/comments/{first['id']}/ban", data={
        "csrf_token": csrf_token(page), "scope": "reader", "days": "7", "reason": "spam"})
    assert response.status_code == 302
    later = post_comment(client, token, "Tôi lại bình luận đây")
    other = post_comment(client, new_token(client), "Một độc giả khác")
    assert later.status_code == other.status_code == 201
    assert later.get_json().keys() == other.get_json().keys()
    assert later.get_json()["status"] == other.get_json()["status"] == "pending"
    with app.app_context():
        stored = db.session.get(Comment, later.get_json()["id"])
        assert stored.status is CommentStatus.REJECTED
        assert stored.moderation_reasons[0]["code"] == "reader_banned"
        assert db.session.execute(select(Ban)).scalar_one().until is not None


def test_ban_with_reject_clears_published_comments_and_counts(app, client, moderator):
    with app.app_context():
        from engage.models import Site
        db.session.execute(Site.__table__.update().values(premoderation=False))
        db.session.commit()
    token = new_token(client)
    ids = [post_comment(client, token, f"Bình luận số {i} của tôi").get_json()["id"]
           for i in range(3)]
    assert client.get(f"/api/v1/sites/news/articles/{ARTICLE}").get_json()["comment_count"] == 3
    login(client, *moderator)
    page = client.get("/moderation/?status=approved").get_data(as_text=True)
    client.post(f"/moderation/comments/{ids[0]}/ban", data={
        "csrf_token": csrf_token(page), "scope": "network", "days": "0", "reason": "brigade",
        "reject_comments": "y"})
    assert client.get(f"/api/v1/sites/news/articles/{ARTICLE}").get_json()["comment_count"] == 0
    with app.app_context():
        assert db.session.execute(select(Ban)).scalar_one().until is None
        assert len(db.session.execute(select(ModerationAction)).scalars().all()) == 3
        assert counters.verify_counters(db.session) == []


def test_ban_on_another_sites_comment_is_404(app, client, moderator):
    _open_site(app)
    cid = post_comment(client, new_token(client), "Ở trang khác", site="open").get_json()["id"]
    login(client, *moderator)
    page = client.get("/moderation/").get_data(as_text=True)
    response = client.post(f"/moderation/comments/{cid}/ban", data={
        "csrf_token": csrf_token(page), "scope": "reader", "days": "1", "reason": "x"})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.execute(select(Ban)).first() is None


def test_banned_word_is_rejected_and_suspect_word_held_with_spans(app, client, moderator):
    _open_site(app)
    with app.app_context():
        from engage.models import Site
        open_id = db.session.execute(select(Site.id).where(Site.slug == "open")).scalar_one()
        db.session.add_all([SiteWord(site_id=open_id, kind=WordListKind.BANNED, entry="xấu xa"),
                            SiteWord(site_id=open_id, kind=WordListKind.SUSPECT, entry="lừa đảo")])
        db.session.execute(Site.__table__.update().where(Site.id == open_id)
                           .values(wordlist_version=Site.wordlist_version + 1))
        db.session.commit()
    rejected = post_comment(client, new_token(client), "Bọn X.Ấ.U X.A quá", site="open")
    held = post_comment(client, new_token(client), "Trang này LỪA  ĐẢO người dùng", site="open")
    fine = post_comment(client, new_token(client), "Người nguồn Nguyễn ngủ ngon", site="open")
    assert rejected.get_json()["status"] == "rejected"
    assert held.get_json()["status"] == "pending"
    assert fine.get_json()["status"] == "approved"
    with app.app_context():
        comment = db.session.get(Comment, held.get_json()["id"])
        [reason] = [r for r in comment.moderation_reasons if r["code"] == "suspect_word"]
        start, end = reason["spans"][0]
        assert comment.body_raw[start:end].lower().replace(" ", "") == "lừađảo"
        from engage.services import accounts
        accounts.create_moderator(db.session, "om", "open-password", "O", ["open"])
    login(client, "om", "open-password")
    page = client.get("/moderation/").get_data(as_text=True)
    assert "<mark>LỪA  ĐẢO</mark>" in page
    assert "Có từ ngữ cần kiểm duyệt." in page


def test_moderation_queue_json_returns_decisions_reasons_and_spans(app, client, moderator):
    with app.app_context():
        from engage.models import Site
        news_id = db.session.execute(select(Site.id).where(Site.slug == "news")).scalar_one()
        db.session.add(SiteWord(site_id=news_id, kind=WordListKind.SUSPECT, entry="lừa đảo"))
        db.session.commit()
    cid = post_comment(client, new_token(client), "Đây là lừa đảo!").get_json()["id"]
    assert client.get("/api/v1/moderation/queue").status_code == 401
    login(client, *moderator)
    body = client.get("/api/v1/moderation/queue").get_json()
    [item] = body["items"]
    assert item["id"] == cid and item["status"] == "pending" and body["counts"]["pending"] == 1
    codes = {r["code"]: r for r in item["reasons"]}
    assert codes["suspect_word"]["decision"] == "hold"
    start, end = codes["suspect_word"]["spans"][0]
    assert item["text"][start:end] == "lừa đảo"
    assert codes["suspect_word"]["text"]["en"] == "Contains a word that needs review."
    assert client.get("/api/v1/moderation/queue?status=bogus").status_code == 422
    assert client.get("/api/v1/moderation/queue?limit=0").status_code == 422


def test_moderation_queue_json_is_scoped_to_the_moderators_sites(app, client, moderator):
    _open_site(app)
    post_comment(client, new_token(client), "Trang khác, chờ duyệt", site="open")
    with app.app_context():
        from engage.models import Site
        db.session.execute(Site.__table__.update().where(Site.slug == "open")
                           .values(premoderation=True))
        db.session.commit()
    post_comment(client, new_token(client), "Ở trang open", site="open")
    login(client, *moderator)
    assert client.get("/api/v1/moderation/queue").get_json()["items"] == []


def test_zalgo_text_is_held_even_on_a_post_moderated_site(app, client, open_site):
    """A newcomer's find: 'a' + 2,990 combining acute accents was published at once."""
    token = new_token(client)
    zalgo = post_comment(client, token, "Bình luận " + "a" + "\u0301" * 2990, site=open_site)
    plain = post_comment(client, token, "Bình luận có dấu tiếng Việt đầy đủ: ệ ỗ ữ ặ.",
                         site=open_site)
    assert zalgo.status_code == 201 and plain.status_code == 201
    assert zalgo.get_json()["status"] == "pending"
    assert plain.get_json()["status"] == "approved"
    with app.app_context():
        held = db.session.get(Comment, zalgo.get_json()["id"])
        assert held.status is CommentStatus.PENDING
        assert [r["code"] for r in held.moderation_reasons] == ["stacked_marks"]
