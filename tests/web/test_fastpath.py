"""The WSGI fast path answers unchanged public reads without Flask, and never serves stale."""
import sqlite3

import pytest

from engage.web.api import views
from helpers import ARTICLE, new_token, rate

BASE = f"/api/v1/sites/open/articles/{ARTICLE}"


@pytest.fixture
def body_builds(monkeypatch):
    """Count how often the Flask view builds the article body."""
    calls = []
    real = views._article_body

    def counting(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(views, "_article_body", counting)
    return calls


def test_repeat_and_conditional_reads_skip_flask(client, open_site, body_builds):
    rate(client, new_token(client), 5, site="open")
    first = client.get(BASE)
    etag = first.headers["ETag"]
    assert len(body_builds) == 1
    again = client.get(BASE)
    assert again.data == first.data and again.headers["ETag"] == etag
    assert "nosniff" in again.headers["X-Content-Type-Options"]
    assert client.get(BASE, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(BASE, headers={"If-None-Match": f'"other", W/{etag}'}).status_code == 304
    head = client.head(BASE)
    assert head.status_code == 200 and head.data == b""
    assert len(body_builds) == 1


def test_a_write_makes_the_next_read_fresh(client, open_site, body_builds):
    etag = client.get(BASE).headers["ETag"]
    rate(client, new_token(client), 2, site="open")
    response = client.get(BASE, headers={"If-None-Match": etag})
    assert response.status_code == 200 and response.get_json()["rating"]["count"] == 1
    assert len(body_builds) == 2


def test_page_arguments_are_part_of_the_validator(client, open_site):
    assert client.get(BASE).headers["ETag"] != client.get(BASE + "?limit=5").headers["ETag"]
    assert client.get(BASE + "?limit=bad").status_code == 422  # falls through to Flask


def test_counts_conditional_get(client, open_site):
    url = f"/api/v1/sites/open/counts?articles={ARTICLE},b"
    first = client.get(url)
    assert first.get_json()["articles"]["b"]["comments"] == 0
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    rate(client, new_token(client), 4, site="open")
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 200
    assert client.get("/api/v1/sites/nope/counts?articles=a").status_code == 404


def test_an_unknown_sort_is_422_even_with_a_matching_etag(client, open_site):
    """schemathesis found ``If-None-Match: *`` with ``sort=bogus`` answering 304."""
    assert rate(client, new_token(client), 4, site="open").status_code == 200  # it exists
    for headers in ({}, {"If-None-Match": "*"}):
        response = client.get(f"/api/v1/sites/open/articles/{ARTICLE}?sort=bogus",
                              headers=headers)
        assert response.status_code == 422
        assert response.get_json()["error"]["code"] == "sort_invalid"


def _ask_at_once(cold, threads: int) -> list:
    """``threads`` new threads call ``cold.reader_active`` together (behind a barrier); their
    answers: ``False`` asked on a pinned connection, ``None`` no pin (ask the session)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    start = threading.Barrier(threads)

    def ask(_):
        start.wait()
        return cold.reader_active("nobody")

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(ask, range(threads)))


def test_threads_on_a_cold_worker_wait_for_the_compiled_statements(app, monkeypatch):
    """The first request compiles the fast path's statements; a second thread arriving
    meanwhile must not see the engine without them (it raised AttributeError, a 500)."""
    import time

    from engage.web import fastpath

    real = fastpath.READER_EXISTS

    class SlowToCompile:
        def compile(self, **kw):
            time.sleep(0.2)  # widen the window between publishing the engine and compiling
            return real.compile(**kw)

    monkeypatch.setattr(fastpath, "READER_EXISTS", SlowToCompile())
    cold = fastpath.PublicReadFastPath(app, app.wsgi_app)
    try:
        answers = _ask_at_once(cold, 4)
    finally:
        cold.close()
    # False: asked on a pinned connection; None: no connection left to pin, ask the session.
    assert set(answers) <= {False, None} and False in answers


def test_listing_counts_come_from_the_cache_until_an_article_changes(client, open_site,
                                                                     monkeypatch):
    """The fast path keeps each counts answer under its articles' versions: a repeat request
    does not build the body again, and every change — a vote, a new article, a reader's
    erasure — shows at once (the cached answer is never older than the versions read)."""
    from engage.services import listing
    from engage.web import fastpath

    builds = []
    real = listing.counts_from_rows

    def counting(keys, rows):
        builds.append(keys)
        return real(keys, rows)

    monkeypatch.setattr(fastpath, "counts_from_rows", counting)
    url = f"/api/v1/sites/open/counts?articles={ARTICLE},other"
    voter = new_token(client)
    rate(client, voter, 5, site="open")
    first = client.get(url)
    assert first.get_json()["articles"][ARTICLE]["rating"]["count"] == 1
    again = client.get(url)
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    assert len(builds) == 1
    steps = [
        (lambda: rate(client, new_token(client), 3, site="open"), ARTICLE, 2),
        (lambda: rate(client, new_token(client), 4, site="open", article="other"), "other", 1),
        (lambda: client.delete("/api/v1/reader", headers={"X-Engage-Reader": voter}),
         ARTICLE, 1),
    ]
    for write, key, count in steps:
        assert write().status_code == 200
        answer = client.get(url).get_json()["articles"]
        assert answer[key]["rating"]["count"] == count
    assert len(builds) == 4


def test_threads_arriving_at_once_pin_no_more_than_the_budget(app, monkeypatch):
    """The budget (half the pool) is reserved before the checkout: 25 threads arriving at once
    used to pass the check together and pin the whole pool, and the sessions then timed out
    (503s in the fifty-readers test under CI load)."""
    import time

    from engage.web import fastpath

    cold = fastpath.PublicReadFastPath(app, app.wsgi_app)
    engine = cold.engine
    real = engine.raw_connection

    def slow_checkout():
        time.sleep(0.05)  # every thread passes the budget check before any checkout ends
        return real()

    monkeypatch.setattr(engine, "raw_connection", slow_checkout)
    budget = max(1, app.config["DB_POOL_SIZE"] // 2)
    try:
        answers = _ask_at_once(cold, 12)
        pinned = [conn for conn in cold._pinned if hasattr(conn, "close")]
        assert len(cold._pinned) == len(pinned) == budget
        # the threads within the budget asked on their pin; the others asked the session
        assert answers.count(False) == budget and answers.count(None) == 12 - budget
    finally:
        cold.close()
    assert cold._pinned == []


def test_a_connection_is_pinned_for_direct_writes_on_both_databases(app, backend):
    found = app.extensions["engage_fastpath"].pinned_connection()
    if backend == "postgresql":
        import psycopg
        assert isinstance(found.driver, psycopg.Connection) and found.driver.autocommit
        assert found.engine.dialect.name == "postgresql"
    else:
        assert isinstance(found.driver, sqlite3.Connection)
        assert found.driver.isolation_level is None
        assert found.engine.url.database.endswith(".sqlite3")
    assert app.extensions["engage_fastpath"].pinned_connection().driver is found.driver
    found.discard()  # a failed connection: the thread pins a fresh one
    assert app.extensions["engage_fastpath"].pinned_connection().driver is not found.driver
