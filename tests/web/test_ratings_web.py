"""Ratings over HTTP: caching, stuffing caps, top-rated, structured data, moderator tools."""
import hashlib
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engage.extensions import db
from engage.models import Article, Membership, ModerationAction, Moderator, Rating, Role, Site
from engage.models.types import utcnow
from engage.services import counters, sites
from helpers import ARTICLE, csrf_token, http_json, login, new_token, rate

BASE = f"/api/v1/sites/news/articles/{ARTICLE}"


def test_article_read_has_etag_and_public_cache_control(client, site):
    response = client.get(BASE)
    assert response.status_code == 200 and response.headers["ETag"]
    cache_control = response.headers["Cache-Control"]
    assert "public" in cache_control and "max-age=10" in cache_control
    assert "stale-while-revalidate=30" in cache_control
    again = client.get(BASE, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_every_public_change_changes_the_etag(client, open_site):
    url = f"/api/v1/sites/open/articles/{ARTICLE}"
    token = new_token(client)
    etags = [client.get(url).headers["ETag"]]
    rate(client, token, 4, site="open")
    etags.append(client.get(url).headers["ETag"])
    rate(client, token, 2, site="open")  # changed vote
    etags.append(client.get(url).headers["ETag"])
    client.post(url + "/comments", json={"author_name": "An", "text": "Chào"},
                headers={"X-Engage-Reader": token})
    etags.append(client.get(url).headers["ETag"])
    client.delete(url + "/rating", headers={"X-Engage-Reader": token})
    etags.append(client.get(url).headers["ETag"])
    assert len(set(etags)) == len(etags)
    stale = client.get(url, headers={"If-None-Match": etags[0]})
    assert stale.status_code == 200 and stale.get_json()["comment_count"] == 1


def test_repeat_reads_are_identical_and_fresh(client, open_site):
    url = f"/api/v1/sites/open/articles/{ARTICLE}"
    token = new_token(client)
    rate(client, token, 5, site="open")
    first, second = client.get(url), client.get(url)
    assert first.data == second.data and first.get_json()["rating"]["count"] == 1
    rate(client, new_token(client), 1, site="open")
    assert client.get(url).get_json()["rating"]["count"] == 2


def test_counts_support_conditional_get(client, site):
    url = f"/api/v1/sites/news/counts?articles={ARTICLE}"
    etag = client.get(url).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    rate(client, new_token(client), 3)
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200


def test_own_vote_read_is_private(client, site):
    token = new_token(client)
    rate(client, token, 3)
    response = client.get(BASE + "/rating", headers={"X-Engage-Reader": token})
    assert response.headers["Cache-Control"] == "private, no-store"


def test_network_cap_refuses_new_votes_but_allows_changes(app_factory):
    app = app_factory(RATING_NETWORK_DAILY_CAP=3)
    client = app.test_client()
    with app.app_context():
        sites.create_site(db.session, "news", "News", auto_create_articles=True)
    tokens = [new_token(client) for _ in range(4)]
    assert [rate(client, t, 5).status_code for t in tokens[:3]] == [200, 200, 200]
    capped = rate(client, tokens[3], 5)
    assert capped.status_code == 429 and capped.get_json()["error"]["code"] == "network_vote_cap"
    assert rate(client, tokens[0], 1).status_code == 200  # changing a vote is fine
    other_network = rate(client, tokens[3], 5, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert other_network.status_code == 200
    assert rate(client, tokens[3], 4, article="another").status_code == 200  # per article


def _seed_votes(app, site_slug, key, votes, created=None):
    with app.app_context():
        site = db.session.execute(select(Site).where(Site.slug == site_slug)).scalar_one()
        article = Article(site_id=site.id, key=key, title=key.upper(), url=f"https://x/{key}")
        db.session.add(article)
        db.session.flush()
        for i, stars in enumerate(votes):
            db.session.add(Rating(article_id=article.id, reader_id=f"{key}-{i}", stars=stars,
                                  network_hash=hashlib.sha256(f"net{i % 3}".encode()).hexdigest(), created_at=created or utcnow(),
                                  updated_at=created or utcnow()))
        db.session.commit()
        counters.verify_counters(db.session, fix=True)
        return article.id


def test_top_rated_uses_bayesian_average(app, client, site):
    _seed_votes(app, "news", "one-five", [5])
    _seed_votes(app, "news", "few-fives", [5] * 5)
    _seed_votes(app, "news", "many-high", [5] * 80 + [4] * 20)
    _seed_votes(app, "news", "many-low", [2] * 50)
    body = client.get("/api/v1/sites/news/top-rated?days=7&limit=10").get_json()
    keys = [a["article"] for a in body["articles"]]
    assert keys == ["many-high", "few-fives", "many-low"]  # one 5-star vote is not ranked
    assert body["articles"][0]["rating"]["count"] == 100
    assert client.get("/api/v1/sites/news/top-rated?days=0").status_code == 422
    assert client.get("/api/v1/sites/news/top-rated?limit=x").status_code == 422


def test_top_rated_window(app, client, site):
    _seed_votes(app, "news", "old", [5] * 10)
    with app.app_context():
        db.session.execute(Article.__table__.update().values(
            created_at=utcnow() - timedelta(days=30)))
        db.session.commit()
    assert client.get("/api/v1/sites/news/top-rated?days=7").get_json()["articles"] == []
    assert len(client.get("/api/v1/sites/news/top-rated?days=31").get_json()["articles"]) == 1


def test_structured_data_off_by_default_and_exact_when_enabled(app, client, site):
    _seed_votes(app, "news", "recipe", [5, 4, 4, 4])
    url = "/api/v1/sites/news/articles/recipe/structured-data"
    assert client.get(url).get_json() == {"jsonld": None}
    with app.app_context():
        db.session.execute(Site.__table__.update().values(structured_data_type="Recipe"))
        db.session.commit()
    rating = client.get(url).get_json()["jsonld"]["aggregateRating"]
    assert rating["ratingValue"] == "4.3" and rating["ratingCount"] == 4
    assert client.get("/api/v1/sites/news/articles/empty/structured-data").get_json() == {"jsonld": None}


def test_moderator_removes_a_networks_votes_and_audit_is_written(app, client, moderator):
    article_id = _seed_votes(app, "news", "brigaded", [1] * 9)
    login(client, *moderator)
    page = client.get(f"/moderation/articles/{article_id}/ratings?hours=24").get_data(as_text=True)
    assert page.count("<code>") == 3  # three networks
    assert page.count("<td>1,0</td>") == 3 and "1.0" not in page  # the decimal comma, as above
    with app.app_context():
        target = db.session.execute(select(Rating.network_hash).limit(1)).scalar_one()
    response = client.post(f"/moderation/articles/{article_id}/ratings/remove", data={
        "csrf_token": csrf_token(page), "hours": "24", "network_hash": target,
        "reason": "brigade from one network"})
    assert response.status_code == 302
    with app.app_context():
        article = db.session.get(Article, article_id)
        assert article.rating_count == 6
        row = db.session.execute(select(ModerationAction)).scalar_one()
        assert (row.from_status, row.to_status) == ("votes:9", "votes:6")
        assert counters.verify_counters(db.session) == []


def test_moderator_reset_needs_confirmation(app, client, moderator):
    article_id = _seed_votes(app, "news", "reset-me", [3, 4])
    login(client, *moderator)
    page = client.get(f"/moderation/articles/{article_id}/ratings").get_data(as_text=True)
    token = csrf_token(page)
    url = f"/moderation/articles/{article_id}/ratings/reset"
    assert client.post(url, data={"csrf_token": token, "reason": "test"}).status_code == 400
    assert client.post(url, data={"csrf_token": token, "reason": "test",
                                  "confirm": "y"}).status_code == 302
    with app.app_context():
        assert db.session.get(Article, article_id).rating_count == 0
        assert db.session.execute(select(func.count()).select_from(Rating)).scalar_one() == 0


def test_other_sites_article_votes_are_404(app, client, moderator):
    with app.app_context():
        sites.create_site(db.session, "rival", "Rival")
    article_id = _seed_votes(app, "rival", "theirs", [5, 5])
    login(client, *moderator)
    assert client.get(f"/moderation/articles/{article_id}/ratings").status_code == 404
    page = client.get("/moderation/").get_data(as_text=True)
    for action in ("remove", "reset"):
        response = client.post(f"/moderation/articles/{article_id}/ratings/{action}", data={
            "csrf_token": csrf_token(page), "hours": "24", "reason": "xxx", "confirm": "y"})
        assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Article, article_id).rating_count == 2


def test_velocity_alarm_shows_on_the_queue(app, client, moderator):
    _seed_votes(app, "news", "burst", [5] * 25)
    login(client, *moderator)
    page = client.get("/moderation/").get_data(as_text=True)
    assert 'role="alert"' in page and "BURST" in page


def test_fifty_readers_at_once_through_http(app, live_server, site):
    app.config["RATING_NETWORK_DAILY_CAP"] = 0
    app.config["LIMIT_READER_TOKENS"] = "1000/hour"
    tokens = [http_json("POST", live_server + "/api/v1/readers")[1]["token"] for _ in range(50)]
    url = live_server + BASE + "/rating"
    with ThreadPoolExecutor(max_workers=25) as pool:
        answers = list(pool.map(lambda it: http_json("PUT", url, it[1],
                                                     {"stars": it[0] % 5 + 1}),
                                enumerate(tokens)))
    assert [status for status, _ in answers] == [200] * 50, [a for a in answers if a[0] != 200]
    summary = http_json("GET", live_server + BASE)[1]["rating"]
    assert summary["count"] == 50
    assert sum(int(k) * v for k, v in summary["distribution"].items()) == sum(
        i % 5 + 1 for i in range(50))
    with app.app_context():
        assert counters.verify_counters(db.session) == []


def test_one_reader_twenty_concurrent_votes_through_http(app, live_server, site):
    app.config["LIMIT_RATING_WRITES"] = "1000/minute"
    token = http_json("POST", live_server + "/api/v1/readers")[1]["token"]
    url = live_server + BASE + "/rating"
    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(lambda i: http_json("PUT", url, token, {"stars": i % 5 + 1}), range(20)))
    assert http_json("GET", live_server + BASE)[1]["rating"]["count"] == 1
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Rating)).scalar_one() == 1
        assert counters.verify_counters(db.session) == []


def test_dashboard_site_filter_narrows_the_velocity_alarms(app, client, moderator):
    _seed_votes(app, "news", "burst", [5] * 25)
    with app.app_context():
        sites.create_site(db.session, "calm", "Báo Yên Tĩnh", [], premoderation=False)
        ids = dict(db.session.execute(select(Site.slug, Site.id)).all())
        mod_id = db.session.execute(select(Moderator.id)).scalar_one()
        db.session.add(Membership(moderator_id=mod_id, site_id=ids["calm"], role=Role.MODERATOR))
        db.session.commit()
    login(client, *moderator)
    assert "BURST" in client.get("/moderation/dashboard").get_data(as_text=True)
    assert "BURST" in client.get(f"/moderation/dashboard?site={ids['news']}").get_data(
        as_text=True)
    calm = client.get(f"/moderation/dashboard?site={ids['calm']}").get_data(as_text=True)
    assert "BURST" not in calm and 'role="alert"' not in calm
