"""A reader downloads and erases their data: nothing links to the token afterwards, every count
stays exact, the token is revoked, other readers' replies survive under placeholders."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Enum, String, Text, func, select

from engage.extensions import db
from engage.models import Article, Ban, BanScope, Comment, CommentStatus, ModerationAction
from engage.services import counters, reader_data
from helpers import new_token, post_comment, rate

ART = "/api/v1/sites/open/articles"


def _rid(token: str) -> str:
    return token.split(".")[0]


def _seed(client, token, other):
    """Reader ``token`` comments, votes, likes and reports; ``other`` replies and likes back."""
    mine = post_comment(client, token, "Bài viết hay, tôi đồng ý.", name="Nguyễn Thị Ánh",
                        site="open", article="a1").get_json()["id"]
    theirs = post_comment(client, other, "Tôi thì không nghĩ vậy.", name="Lê Văn B",
                          site="open", article="a1").get_json()["id"]
    reply = post_comment(client, other, "Trả lời bạn Ánh.", name="Lê Văn B", site="open",
                         article="a1", parent_id=mine).get_json()["id"]
    second = post_comment(client, token, "Bình luận thứ hai ở bài khác.", name="Ánh",
                          site="open", article="a2").get_json()["id"]
    assert rate(client, token, 5, site="open", article="a1").status_code == 200
    assert rate(client, token, 2, site="open", article="a2").status_code == 200
    assert rate(client, other, 4, site="open", article="a1").status_code == 200
    hdr = {"X-Engage-Reader": token}
    assert client.put(f"{ART}/a1/comments/{theirs}/like", headers=hdr).status_code == 200
    assert client.post(f"{ART}/a1/comments/{theirs}/reports", json={"reason": "spam"},
                       headers=hdr).status_code == 201
    assert client.put(f"{ART}/a1/comments/{mine}/like",
                      headers={"X-Engage-Reader": other}).status_code == 200
    return mine, theirs, reply, second


def test_download_lists_everything_tied_to_the_token(client, open_site):
    token, other = new_token(client), new_token(client)
    mine, theirs, _, second = _seed(client, token, other)
    response = client.get("/api/v1/reader/data", headers={"X-Engage-Reader": token})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Cache-Control"] == "private, no-store"
    data = response.get_json()
    assert data["reader"]["id"] == _rid(token)
    assert [c["id"] for c in data["comments"]] == [mine, second]
    assert data["comments"][0]["author_name"] == "Nguyễn Thị Ánh"
    assert data["comments"][0]["text"] == "Bài viết hay, tôi đồng ý."
    assert {(r["article"], r["stars"]) for r in data["ratings"]} == {("a1", 5), ("a2", 2)}
    assert [like["comment_id"] for like in data["likes"]] == [theirs]
    assert [(r["comment_id"], r["reason"]) for r in data["reports"]] == [(theirs, "spam")]
    assert client.get("/api/v1/reader/data").status_code == 401


def test_erasure_leaves_nothing_linked_and_counts_exact(app, client, open_site, now):
    token, other = new_token(client), new_token(client)
    mine, theirs, reply, second = _seed(client, token, other)
    rid = _rid(token)
    with app.app_context():
        db.session.add(Ban(site_id=1, scope=BanScope.READER, value=rid, reason="test",
                           until=now + timedelta(days=1)))
        db.session.commit()
    response = client.delete("/api/v1/reader", headers={"X-Engage-Reader": token})
    assert response.status_code == 200
    assert response.get_json() == {"erased": {"comments": 2, "ratings": 2, "likes": 1,
                                              "reports": 1}}
    with app.app_context():
        assert reader_data.rows_naming(db.session, rid) == 0
        # Every text column of every table: the id appears nowhere.
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, (String, Text)) and not isinstance(column.type, Enum):
                    hits = db.session.execute(select(func.count()).select_from(table).where(
                        column.contains(rid))).scalar_one()
                    assert hits == 0, f"{table.name}.{column.name}"
        erased = db.session.get(Comment, mine)
        assert erased.status is CommentStatus.DELETED
        assert (erased.author_name, erased.body_raw, erased.body_html, erased.network_hash) \
            == ("", "", "", "")
        assert db.session.execute(select(func.count()).select_from(ModerationAction).where(
            ModerationAction.comment_id.in_([mine, second]),
            ModerationAction.reason == reader_data.ERASURE_REASON)).scalar_one() == 2
        assert counters.verify_counters(db.session) == []
    # The other reader's reply stays, under a placeholder with no author or text.
    thread = client.get(f"{ART}/a1").get_json()
    assert thread["comment_count"] == 2
    assert thread["rating"]["count"] == 1 and thread["rating"]["distribution"]["4"] == 1
    placeholder = next(c for c in thread["comments"] if c["id"] == mine)
    assert placeholder["deleted"] is True and placeholder["author_name"] is None
    assert [r["id"] for r in placeholder["replies"]] == [reply]
    theirs_now = next(c for c in thread["comments"] if c["id"] == theirs)
    assert theirs_now["like_count"] == 0
    assert client.get(f"{ART}/a2").get_json()["rating"]["count"] == 0
    # The token is revoked everywhere, and a second erasure is refused the same way.
    for call in (lambda h: client.delete("/api/v1/reader", headers=h),
                 lambda h: client.get("/api/v1/reader/data", headers=h),
                 lambda h: rate(client, token, 3, site="open", article="a1")):
        revoked = call({"X-Engage-Reader": token})
        assert revoked.status_code == 401
        assert revoked.get_json()["error"]["code"] == "reader_token_invalid"
    # The other reader is untouched.
    assert rate(client, other, 1, site="open", article="a1").status_code == 200


def test_erasure_of_a_reader_with_nothing_stored(app, client, open_site):
    token = new_token(client)
    response = client.delete("/api/v1/reader", headers={"X-Engage-Reader": token})
    assert response.get_json() == {"erased": {"comments": 0, "ratings": 0, "likes": 0,
                                              "reports": 0}}
    with app.app_context():
        assert reader_data.rows_naming(db.session, _rid(token)) == 0


def test_an_erased_readers_vote_is_refused_and_writes_nothing(app, client, open_site):
    """The vote checks the reader itself (PostgreSQL: in the vote's statement): on an article
    that exists and on one the vote would create, an erased token gets 401 and no row."""
    voter, token = new_token(client), new_token(client)
    assert rate(client, voter, 4, site="open", article="exists").status_code == 200
    client.delete("/api/v1/reader", headers={"X-Engage-Reader": token})
    for article in ("exists", "would-be-created"):
        refused = rate(client, token, 5, site="open", article=article)
        assert refused.status_code == 401, article
        assert refused.get_json()["error"]["code"] == "reader_token_invalid"
    with app.app_context():
        assert reader_data.rows_naming(db.session, _rid(token)) == 0
        assert db.session.execute(select(func.count()).select_from(Article).where(
            Article.key == "would-be-created")).scalar_one() == 0
        assert counters.verify_counters(db.session) == []
    summary = client.get("/api/v1/sites/open/articles/exists").get_json()["rating"]
    assert summary["count"] == 1 and summary["distribution"]["4"] == 1


def test_an_erased_readers_comment_is_refused_and_writes_nothing(app, client, open_site):
    """The comment checks the reader in the statement that reads the site (no query of its
    own): on an article that exists and on one the comment would create, an erased token gets
    401, and no comment, claim or article is written."""
    writer, token = new_token(client), new_token(client)
    assert post_comment(client, writer, "Bài có rồi", site="open",
                        article="exists").status_code == 201
    client.delete("/api/v1/reader", headers={"X-Engage-Reader": token})
    for article in ("exists", "would-be-created"):
        refused = post_comment(client, token, "Ý kiến sau khi xoá", site="open", article=article)
        assert refused.status_code == 401, article
        assert refused.get_json()["error"]["code"] == "reader_token_invalid"
    with app.app_context():
        assert reader_data.rows_naming(db.session, _rid(token)) == 0
        assert db.session.execute(select(func.count()).select_from(Comment)).scalar_one() == 1
        assert db.session.execute(select(func.count()).select_from(Article).where(
            Article.key == "would-be-created")).scalar_one() == 0
        assert counters.verify_counters(db.session) == []
