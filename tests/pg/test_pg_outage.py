"""PostgreSQL stopped mid-run: every read and write answers 503 JSON with Retry-After within the
pool/connect timeouts, nothing is half-written, and the app recovers without a restart.

Runs against a PRIVATE cluster (``initdb`` + ``pg_ctl`` on a free port, see ``servers.py``);
the shared server on 5432 is never stopped.  Skipped without the PostgreSQL server binaries,
failed instead with ``ENGAGE_REQUIRE_PG=1``.
"""
import time

import pytest

from engage.extensions import db
from engage.services import sites
from engage.services.counters import verify_counters
from helpers import ARTICLE, new_token, post_comment, rate
from servers import PrivatePostgres

ARTICLE_URL = f"/api/v1/sites/open/articles/{ARTICLE}"
COUNTS_URL = f"/api/v1/sites/open/counts?articles={ARTICLE}"
BOUND_S = 4.0  # DB_CONNECT_TIMEOUT_S (2) + margin; a refused port fails at once


@pytest.fixture
def private_pg():
    server = PrivatePostgres()
    server.start()
    yield server
    server.remove()


def _answers_503(response, started: float) -> None:
    assert time.monotonic() - started < BOUND_S, "no hang while the database is down"
    assert response.status_code == 503, response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    error = response.get_json()["error"]
    assert error["code"] == "service_unavailable" and error["request_id"]


def test_postgres_outage_answers_503_and_recovers(private_pg, app_on):
    app = app_on(private_pg.url, DB_CONNECT_TIMEOUT_S=2, DB_POOL_TIMEOUT_S=2,
                   DB_RETRY_AFTER_S=7)
    client = app.test_client()
    with app.app_context():
        sites.create_site(db.session, "open", "Open", [], premoderation=False,
                          auto_create_articles=True)
    token, other = new_token(client), new_token(client)
    assert rate(client, token, 5, site="open").status_code == 200
    assert post_comment(client, token, "Trước sự cố", site="open").status_code == 201
    etag = client.get(ARTICLE_URL).headers["ETag"]
    assert client.get(ARTICLE_URL).status_code == 200       # the fast path pins a connection
    assert client.get(COUNTS_URL).status_code == 200

    private_pg.stop()
    calls = [
        lambda: client.get(ARTICLE_URL),                        # fast path → Flask → 503
        lambda: client.get(ARTICLE_URL, headers={"If-None-Match": etag}),
        lambda: client.get(COUNTS_URL),
        lambda: client.get(f"/widget/open/{ARTICLE}", headers={"Accept": "application/json"}),
        lambda: rate(client, other, 1, site="open"),
        lambda: post_comment(client, other, "Trong sự cố", site="open"),
        lambda: client.post("/api/v1/readers"),
    ]
    for call in calls * 2:                                      # twice: no state kept broken
        started = time.monotonic()
        _answers_503(call(), started)
    started = time.monotonic()
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["database"] == "down"
    assert time.monotonic() - started < BOUND_S

    private_pg.start()                                          # no app restart
    deadline = time.monotonic() + 15
    while client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, "did not recover"
        time.sleep(0.2)
    body = client.get(ARTICLE_URL).get_json()
    assert body["rating"]["count"] == 1 and body["comment_count"] == 1  # outage wrote nothing
    assert client.get(ARTICLE_URL).status_code == 200           # fast path reconnected
    assert client.get(ARTICLE_URL, headers={"If-None-Match": etag}).status_code == 304
    assert rate(client, other, 1, site="open").status_code == 200
    assert client.get(ARTICLE_URL).get_json()["rating"]["count"] == 2
    with app.app_context():
        assert verify_counters(db.session) == []
