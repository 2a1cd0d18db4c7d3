"""Readiness details, Prometheus metrics (labels by endpoint, access rule), JSON logs, 503s."""
import json
import logging
import os
import re
import threading

import pytest
from sqlalchemy.exc import OperationalError

from engage.services import comments as comment_service
from engage.web.observability import RequestIdFilter, json_formatter
from engage.web.security import RequestIds
from helpers import ARTICLE, new_token, post_comment, rate


def _sample(text: str, name: str, **labels) -> float:
    """The value of one sample in Prometheus text format (0 when absent)."""
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith(f"{name}{{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_readyz_reports_database_and_limiter_storage(client):
    body = client.get("/readyz").get_json()
    assert body == {"status": "ok", "database": "up",
                    "limiter": {"storage": "memory", "storage_reachable": True}}


def test_readyz_with_rate_limiting_switched_off_says_so(app_factory):
    """Flask-Limiter builds no storage when disabled: readiness reported a 500 (an assertion
    inside the library) for a Redis URI with limits off (found by a fresh-eyes test)."""
    app = app_factory(RATELIMIT_ENABLED=False,
                      RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")  # never contacted
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["limiter"] == {"storage": "disabled", "storage_reachable": True}


def test_metrics_count_requests_by_endpoint_not_path(client, open_site):
    scrape = lambda: client.get("/metrics").get_data(as_text=True)
    before = scrape()
    token = new_token(client)
    rate(client, token, 5, site="open")
    client.get(f"/api/v1/sites/open/articles/{ARTICLE}")          # Flask builds it
    client.get(f"/api/v1/sites/open/articles/{ARTICLE}")          # the fast path answers
    client.get("/no/such/path/12345")
    after = scrape()
    labels = {"endpoint": "api.get_article", "method": "GET", "status": "200"}
    assert _sample(after, "engage_http_requests_total", **labels) \
        - _sample(before, "engage_http_requests_total", **labels) == 2
    assert _sample(after, "engage_http_requests_total", endpoint="api.put_rating",
                   status="200") - _sample(before, "engage_http_requests_total",
                                           endpoint="api.put_rating", status="200") == 1
    assert _sample(after, "engage_http_requests_total", endpoint="unmatched", status="404") >= 1
    assert "/no/such/path" not in after
    assert _sample(after, "engage_http_request_duration_seconds_count",
                   endpoint="api.get_article", method="GET") >= 2


def test_metrics_count_comments_by_outcome_and_queue_size(client, site):
    scrape = lambda: client.get("/metrics").get_data(as_text=True)
    before = _sample(scrape(), "engage_comments_total", outcome="pending")
    assert post_comment(client, new_token(client), "Bài viết hay quá").status_code == 201
    after = scrape()
    assert _sample(after, "engage_comments_total", outcome="pending") - before == 1
    assert _sample(after, "engage_moderation_queue_size", site="news") == 1  # pre-moderated


def test_metrics_are_not_public(app_factory):
    app = app_factory(METRICS_ALLOWED_NETWORKS=["10.0.0.0/8"], METRICS_TOKEN="s3cret-token")
    client = app.test_client()
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", environ_base=outside).status_code == 404
    assert client.get("/metrics", environ_base=outside,
                      headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert client.get("/metrics", environ_base=outside,
                      headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.2.3.4"}).status_code == 200
    assert client.get("/metrics").status_code == 404  # 127.0.0.1 is not in the list here


def test_request_id_is_echoed_or_generated_and_in_error_bodies(client):
    given = client.get("/api/v1/sites/none/articles/x", headers={"X-Request-ID": "abc-12345678"})
    assert given.headers["X-Request-ID"] == "abc-12345678"
    assert given.get_json()["error"]["request_id"] == "abc-12345678"
    insane = client.get("/api/v1/sites/none/articles/x", headers={"X-Request-ID": "<script>"})
    generated = insane.headers["X-Request-ID"]
    assert generated != "<script>" and re.fullmatch(r"[0-9a-f]{24,}", generated)
    assert insane.get_json()["error"]["request_id"] == generated
    again = client.get("/api/v1/sites/none/articles/x").headers["X-Request-ID"]
    assert again != generated


def test_generated_request_ids_differ_across_threads_and_forked_processes():
    ids = RequestIds()
    seen: list[str] = []
    threads = [threading.Thread(target=lambda: seen.extend(ids() for _ in range(2000)))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(seen)) == 8000
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a fresh prefix, as a gunicorn worker forked from its master
        os.write(write, ids().encode())
        os._exit(0)
    os.waitpid(pid, 0)
    child = os.read(read, 64).decode()
    os.close(read), os.close(write)
    assert child[:16] != ids()[:16] and len(child) == 24


def test_log_records_are_json_with_the_request_id(app):
    record = logging.LogRecord("engage.test", logging.WARNING, __file__, 1, "Lưu %s", ("ý kiến",),
                               None)
    with app.test_request_context("/readyz", headers={"X-Request-ID": "req-0000aaaa"}):
        app.preprocess_request()
        RequestIdFilter().filter(record)
    line = json.loads(json_formatter().format(record))
    assert line["message"] == "Lưu ý kiến" and line["level"] == "WARNING"
    assert line["request_id"] == "req-0000aaaa" and line["logger"] == "engage.test"
    assert line["endpoint"] == "health.readyz" and "time" in line


def test_json_log_lines_carry_no_terminal_colour_codes():
    # Werkzeug's dev server colours its request lines on a terminal; a JSON line kept them
    import logging
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1,
                               '127.0.0.1 - - "\x1b[32mGET /demo/ HTTP/1.1\x1b[0m" 200 -', None,
                               None)
    line = json.loads(json_formatter().format(record))
    assert line["message"] == '127.0.0.1 - - "GET /demo/ HTTP/1.1" 200 -'


@pytest.mark.parametrize("method", ["get", "post"])
def test_database_unreachable_answers_503_json_with_retry_after(client, site, monkeypatch, method):
    token = new_token(client)

    def unreachable(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(comment_service, "thread_page", unreachable)
    monkeypatch.setattr(comment_service, "submit_comment", unreachable)
    response = (client.get(f"/api/v1/sites/news/articles/{ARTICLE}/comments") if method == "get"
                else post_comment(client, token, "Xin chào"))
    assert response.status_code == 503
    # DB_RETRY_AFTER_S is 5; Flask-Limiter rewrites the header of a limited route as
    # "seconds until" (truncated), so a POST may read 4.
    assert int(response.headers["Retry-After"]) in (4, 5)
    error = response.get_json()["error"]
    assert error["code"] == "service_unavailable" and error["request_id"]
