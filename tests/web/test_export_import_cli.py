"""`engage export` → `engage import engage` into a fresh site reproduces the same threads and
counts; private data only on request; the CLI imports a generated Disqus file with a summary;
the site-admin export route is tenant- and role-checked."""
from __future__ import annotations

import json

from sqlalchemy import select

from engage.extensions import db
from engage.models import Article, Comment, Role
from engage.services import accounts, counters, sites
from helpers import login, new_token, post_comment, rate

ART = "/api/v1/sites/open/articles"


def _activity(client):
    """Comments, replies, a reader delete, votes and likes on two articles of ``open``."""
    readers = [new_token(client) for _ in range(4)]
    first = post_comment(client, readers[0], "Bài viết rất hay!", name="Nguyễn Ánh",
                         site="open", article="a1").get_json()["id"]
    post_comment(client, readers[1], "Đồng ý với bạn.", name="Lê Bình", site="open",
                 article="a1", parent_id=first)
    gone = post_comment(client, readers[2], "Tôi sẽ xóa ý này.", name="Trần Chi", site="open",
                        article="a1").get_json()["id"]
    post_comment(client, readers[3], "Trả lời ý sắp xóa.", name="Phạm Dũng", site="open",
                 article="a1", parent_id=gone)
    assert client.delete(f"{ART}/a1/comments/{gone}",
                         headers={"X-Engage-Reader": readers[2]}).status_code == 200
    post_comment(client, readers[1], "Bài thứ hai cũng hay.", name="Lê Bình", site="open",
                 article="a2")
    for reader, stars in zip(readers, (5, 4, 4, 1)):
        rate(client, reader, stars, site="open", article="a1")
    rate(client, readers[0], 3, site="open", article="a2")
    client.put(f"{ART}/a1/comments/{first}/like", headers={"X-Engage-Reader": readers[3]})
    return readers


def _threads(app, slug):
    """Per article key: counters and the comments as (author, text, status, parent position)."""
    with app.app_context():
        site = sites.get_site(db.session, slug)
        out = {}
        for article in db.session.execute(select(Article).where(
                Article.site_id == site.id).order_by(Article.key)).scalars():
            rows = db.session.execute(select(Comment).where(
                Comment.article_id == article.id).order_by(Comment.id)).scalars().all()
            position = {c.id: i for i, c in enumerate(rows)}
            out[article.key] = {
                "counts": (article.comment_count, article.rating_count, article.rating_sum,
                           article.rating_1, article.rating_2, article.rating_3,
                           article.rating_4, article.rating_5),
                "comments": [(c.author_name, c.body_raw, c.body_html, c.status.value,
                              position.get(c.parent_id)) for c in rows]}
        return out


def test_export_then_import_into_a_fresh_site_round_trips(app, client, runner, open_site,
                                                          tmp_path):
    readers = _activity(client)
    path = tmp_path / "open.json"
    result = runner.invoke(args=["engage", "export", "--site", "open", "--format", "json",
                                 "--output", str(path)])
    assert result.exit_code == 0, result.output
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    assert data["format"] == "engage-export" and data["site"]["slug"] == "open"
    assert [a["key"] for a in data["articles"]] == ["a1", "a2"]
    assert any(m["action"] == "reader_delete" for m in data["articles"][0]["moderation"])
    for token in readers:  # no reader ids, no hashed networks unless asked for
        assert token.split(".")[0] not in text
    assert "network_hash" not in text and "reader_id" not in text

    with app.app_context():
        sites.create_site(db.session, "fresh", "Báo Mới", [], premoderation=True)
    imported = runner.invoke(args=["engage", "import", "engage", str(path), "--site", "fresh"])
    assert imported.exit_code == 0, imported.output
    assert "created: 5 comments, 2 articles, 5 votes" in imported.output
    assert _threads(app, "fresh") == _threads(app, "open")
    again = runner.invoke(args=["engage", "import", "engage", str(path), "--site", "fresh"])
    assert "created: 0 comments, 0 articles, 0 votes" in again.output
    assert "already_imported: 5" in again.output
    assert _threads(app, "fresh") == _threads(app, "open")
    with app.app_context():
        assert counters.verify_counters(db.session) == []


def test_export_one_article_and_private_data_on_request(client, runner, open_site):
    readers = _activity(client)
    result = runner.invoke(args=["engage", "export", "--site", "open", "--article", "a2",
                                 "--include-private"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [a["key"] for a in data["articles"]] == ["a2"]
    assert data["articles"][0]["votes"][0]["reader_id"] == readers[0].split(".")[0]
    missing = runner.invoke(args=["engage", "export", "--site", "open", "--article", "nope"])
    assert missing.exit_code != 0 and "article_not_found" in missing.output


def _disqus(threads: int, posts_per_thread: int) -> str:
    parts = ['<?xml version="1.0" encoding="utf-8"?>\n<disqus xmlns="http://disqus.com" '
             'xmlns:dsq="http://disqus.com/disqus-internals">\n']
    for t in range(threads):
        parts.append(f'<thread dsq:id="{t}"><id>bai-{t}</id><link>https://b.vn/bai-{t}</link>'
                     f'<title>Bài số {t}</title><createdAt>2020-01-01T00:00:00Z</createdAt>'
                     f'<isClosed>false</isClosed></thread>\n')
    n = 0
    for t in range(threads):
        for p in range(posts_per_thread):
            n += 1
            parent = f'<parent dsq:id="{n - 1}"/>' if p % 3 else ""
            parts.append(f'<post dsq:id="{n}"><message><![CDATA[<p>Ý kiến số {n} về bài '
                         f'{t}: rất đồng tình!</p>]]></message><createdAt>2020-01-02T00:00:00Z'
                         f'</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>'
                         f'<author><name>Độc giả {n}</name></author><thread dsq:id="{t}"/>'
                         f'{parent}</post>\n')
    parts.append("</disqus>\n")
    return "".join(parts)


def test_cli_imports_a_generated_disqus_file_with_a_summary(app, runner, site, tmp_path):
    path = tmp_path / "disqus.xml"
    path.write_text(_disqus(40, 50), encoding="utf-8")  # 2,000 posts, more than 4 batches
    result = runner.invoke(args=["engage", "import", "disqus", str(path), "--site", site])
    assert result.exit_code == 0, result.output
    assert "created: 2000 comments, 40 articles, 0 votes" in result.output
    assert "failed: 0" in result.output
    with app.app_context():
        assert counters.verify_counters(db.session) == []
        assert db.session.execute(select(Article.comment_count).where(
            Article.key == "bai-7")).scalar_one() == 50
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]>'
                    '<disqus xmlns="http://disqus.com"><thread><title>&a;</title></thread>'
                    '</disqus>', encoding="utf-8")
    refused = runner.invoke(args=["engage", "import", "disqus", str(bomb), "--site", site])
    assert refused.exit_code == 1 and "EntitiesForbidden" in refused.output


def test_site_admin_export_route(app, client, open_site, site, moderator):
    _activity(client)
    with app.app_context():
        accounts.create_moderator(db.session, "chief", "correct horse battery", "Tổng biên tập",
                                  [open_site], Role.ADMIN)
    assert client.get("/api/v1/sites/open/export").status_code == 401
    login(client, *moderator)  # a plain moderator of "news" only
    assert client.get("/api/v1/sites/open/export").get_json()["error"]["code"] \
        == "site_not_found"
    assert client.get("/api/v1/sites/news/export").status_code == 403
    other = app.test_client()
    login(other, "chief", "correct horse battery")
    response = other.get("/api/v1/sites/open/export?article=a1")
    assert response.status_code == 200
    body = response.get_json()
    assert [a["key"] for a in body["articles"]] == ["a1"]
    assert "reader_id" not in response.get_data(as_text=True)
