"""Redis going away never unlimits and never breaks writes: Flask-Limiter's in-memory fallback.

A private ``redis-server`` (free port, no persistence) is started, killed and restarted by the
test itself; the shared Redis is never touched.  Needs the ``redis-server`` binary (skipped
without it, failed with ``ENGAGE_REQUIRE_REDIS=1``).
"""
import logging
import time

import pytest
import redis

from engage.extensions import db
from engage.services import sites
from helpers import new_token, post_comment
from servers import PrivateRedis

FALLBACK_LOG = "falling back to in-memory storage"


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path)
    yield server
    server.kill()


def _app(app_on, redis_url, tmp_path):
    app = app_on(f"sqlite:///{tmp_path / 'fallback.sqlite3'}", RATELIMIT_STORAGE_URI=redis_url,
                   LIMIT_COMMENT_POSTS="2/minute", LIMIT_READER_TOKENS="1000/minute")
    with app.app_context():
        sites.create_site(db.session, "news", "News", auto_create_articles=True)
    return app


def _limit_holds(client) -> None:
    """A fresh reader gets exactly its 2 comments a minute, then a JSON 429 — never a 500."""
    token = new_token(client)
    codes = [post_comment(client, token, f"ý kiến số {i}").status_code for i in range(3)]
    assert codes == [201, 201, 429]


def _storage(client) -> str:
    return client.get("/readyz").get_json()["limiter"]["storage"]


def _wait_for_redis_again(client, seconds: float = 70) -> None:
    """Writes make Flask-Limiter re-check its storage (after 1, 2, 4 … 32 s of backoff)."""
    deadline = time.monotonic() + seconds
    while _storage(client) != "redis":
        assert time.monotonic() < deadline, "the limiter never went back to Redis"
        client.post("/api/v1/readers")
        time.sleep(0.25)


def test_redis_down_at_start_mid_run_and_back(private_redis, app_on, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="flask-limiter")
    app = _app(app_on, private_redis.url, tmp_path)          # nothing listens on the port yet
    client = app.test_client()

    started = time.monotonic()
    _limit_holds(client)                              # start down: per-process limits
    assert time.monotonic() - started < 5             # no hang on the dead storage
    assert _storage(client) == "memory-fallback"
    assert client.get("/readyz").get_json()["limiter"]["storage_reachable"] is False
    _limit_holds(client)
    assert sum(FALLBACK_LOG in r.getMessage() for r in caplog.records) == 1  # logged once

    private_redis.start()                             # Redis arrives: limits go back to it
    _wait_for_redis_again(client)
    _limit_holds(client)
    keys = redis.Redis.from_url(private_redis.url).keys("LIMITS:*")
    assert keys, "the limits are counted in Redis again"

    caplog.clear()
    private_redis.kill()                              # Redis dies mid-run
    _limit_holds(client)
    assert _storage(client) == "memory-fallback"
    _limit_holds(client)
    assert sum(FALLBACK_LOG in r.getMessage() for r in caplog.records) == 1

    private_redis.start()                             # and comes back (empty: no persistence)
    _wait_for_redis_again(client)
    _limit_holds(client)
    assert redis.Redis.from_url(private_redis.url).keys("LIMITS:*")
