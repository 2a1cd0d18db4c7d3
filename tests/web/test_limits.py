"""Rate limits: JSON 429 with Retry-After; keys by reader token, then IP network."""
from helpers import new_token, post_comment, rate


def test_comment_limit_answers_json_429_with_retry_after(app_factory):
    app = app_factory(LIMIT_COMMENT_POSTS="2/minute")
    client = app.test_client()
    from engage.extensions import db
    from engage.services import sites
    with app.app_context():
        sites.create_site(db.session, "news", "News", auto_create_articles=True)
    token = new_token(client)
    assert post_comment(client, token, "một").status_code == 201
    assert post_comment(client, token, "hai").status_code == 201
    response = post_comment(client, token, "ba")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    body = response.get_json()["error"]
    assert body["code"] == "rate_limited" and "giây" in body["message"]
    # Another reader behind the same network is not blocked by the first one's bucket.
    assert post_comment(client, new_token(client), "bốn").status_code == 201


def test_token_issuance_is_limited_per_network(app_factory):
    app = app_factory(LIMIT_READER_TOKENS="3/hour")
    client = app.test_client()
    for _ in range(3):
        assert client.post("/api/v1/readers").status_code == 201
    assert client.post("/api/v1/readers").status_code == 429
    # Another /24 has its own bucket.
    other = client.post("/api/v1/readers", environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert other.status_code == 201


def test_spoofed_forwarded_for_is_ignored_without_trusted_proxy(app_factory):
    app = app_factory(LIMIT_READER_TOKENS="2/hour")
    client = app.test_client()
    for i in range(2):
        client.post("/api/v1/readers", headers={"X-Forwarded-For": f"203.0.{i}.1"})
    spoofed = client.post("/api/v1/readers", headers={"X-Forwarded-For": "192.0.2.77"})
    assert spoofed.status_code == 429


def test_trusted_proxy_separates_clients(app_factory):
    app = app_factory(LIMIT_READER_TOKENS="1/hour", TRUSTED_PROXY_HOPS=1)
    client = app.test_client()
    assert client.post("/api/v1/readers", headers={"X-Forwarded-For": "203.0.113.5"}).status_code == 201
    assert client.post("/api/v1/readers", headers={"X-Forwarded-For": "198.51.100.5"}).status_code == 201
    assert client.post("/api/v1/readers", headers={"X-Forwarded-For": "203.0.113.6"}).status_code == 429


def test_rating_limit(app_factory):
    app = app_factory(LIMIT_RATING_WRITES="3/minute")
    client = app.test_client()
    from engage.extensions import db
    from engage.services import sites
    with app.app_context():
        sites.create_site(db.session, "news", "News", auto_create_articles=True)
    token = new_token(client)
    codes = [rate(client, token, 1 + i % 5).status_code for i in range(4)]
    assert codes == [200, 200, 200, 429]
