"""Two Engage instances (separate gunicorn masters on different ports) on one PostgreSQL and one
Redis: limits are global, concurrent votes leave exact aggregates, counters never drift.

Needs ``ENGAGE_TEST_DATABASE_URL`` and ``ENGAGE_TEST_REDIS_URL`` (``.ci/run`` sets both, with
``ENGAGE_REQUIRE_PG=1`` / ``ENGAGE_REQUIRE_REDIS=1`` turning a missing one into a failure).
The schema is built with the migrations (``engage init-db`` = ``flask db upgrade``).
"""
import json
import os
import secrets
import subprocess
import sys
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from helpers import http_json
from servers import Gunicorn, require

PG_URL = os.environ.get("ENGAGE_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("ENGAGE_TEST_REDIS_URL", "")
BIN = Path(sys.executable).parent
COMMENT_LIMIT = 5
VOTES = 200


@pytest.fixture
def instances(tmp_path):
    if not PG_URL:
        require("ENGAGE_REQUIRE_PG", "the two-instance test needs ENGAGE_TEST_DATABASE_URL")
    if not REDIS_URL:
        require("ENGAGE_REQUIRE_REDIS", "the two-instance test needs ENGAGE_TEST_REDIS_URL")
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:  # the suite's scratch database
        conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ENGAGE_", "PROMETHEUS_"))}
    env.update({
        "ENGAGE_DEPLOYMENT": "production", "ENGAGE_SECRET_KEY": secrets.token_hex(32),
        "ENGAGE_DATABASE_URL": PG_URL, "ENGAGE_RATELIMIT_STORAGE_URI": REDIS_URL,
        "ENGAGE_RATELIMIT_KEY_PREFIX": "engage-two-" + secrets.token_hex(4),
        "ENGAGE_LIMIT_COMMENT_POSTS": f"{COMMENT_LIMIT}/minute",
        "ENGAGE_LIMIT_READER_TOKENS": "100000/minute", "ENGAGE_LIMIT_RATING_WRITES": "1000/minute",
        "ENGAGE_RATING_NETWORK_DAILY_CAP": "0", "ENGAGE_DB_POOL_SIZE": "3",
        "ENGAGE_DB_MAX_OVERFLOW": "2"})
    for cmd in (["init-db"], ["create-site", "news", "--name", "Báo Tin Tức",
                              "--post-moderation", "--auto-create-articles"]):
        subprocess.run([str(BIN / "engage"), *cmd], env=env, check=True, capture_output=True)
    servers = [Gunicorn(env, tmp_path / f"engage-{i}.log", workers=2, worker_class="gthread")
               for i in range(2)]
    try:
        for server in servers:
            server.wait_ready()
        yield servers, env
    finally:
        for server in servers:
            server.stop()


def _token(base: str) -> str:
    status, body = http_json("POST", base + "/api/v1/readers")
    assert status == 201, body
    return body["token"]


def test_limits_and_counts_are_global_across_two_instances(instances):
    servers, env = instances
    bases = [s.url for s in servers]
    assert servers[0].port != servers[1].port
    article = bases[0] + "/api/v1/sites/news/articles/{}"

    # One reader posts 2N comments, alternating instances: exactly N pass in total.
    writer = _token(bases[0])
    statuses = [http_json("POST", article.replace(bases[0], bases[i % 2]).format("limit")
                          + "/comments", writer,
                          {"author_name": "Lan", "text": f"Ý kiến thứ {i}"})[0]
                for i in range(2 * COMMENT_LIMIT)]
    assert Counter(statuses) == {201: COMMENT_LIMIT, 429: COMMENT_LIMIT}, statuses

    # 200 readers vote at once, split across both instances; the first 50 double-click on
    # the other instance too (same vote): still 200 votes, exact per-star counts.
    with ThreadPoolExecutor(max_workers=32) as pool:
        tokens = list(pool.map(lambda i: _token(bases[i % 2]), range(VOTES)))
        calls = [(bases[i % 2], tokens[i], 1 + i % 5) for i in range(VOTES)]
        calls += [(bases[(i + 1) % 2], tokens[i], 1 + i % 5) for i in range(50)]
        results = list(pool.map(lambda c: http_json(
            "PUT", c[0] + "/api/v1/sites/news/articles/votes/rating", c[1], {"stars": c[2]}),
            calls))
    assert {status for status, _ in results} == {200}, Counter(s for s, _ in results)
    expected = Counter(1 + i % 5 for i in range(VOTES))
    for base in bases:
        with urllib.request.urlopen(base + "/api/v1/sites/news/articles/votes") as response:
            rating = json.loads(response.read())["rating"]
        assert rating["count"] == VOTES
        assert rating["distribution"] == {str(s): expected[s] for s in range(1, 6)}

    check = subprocess.run([str(BIN / "engage"), "verify-counters"], env=env,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
