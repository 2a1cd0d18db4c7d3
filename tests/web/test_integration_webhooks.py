"""Site integration: API-key article registration from a CMS, and signed webhooks delivered
from the outbox to a real local HTTP receiver, with retries and exponential backoff."""
import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from engage.extensions import db
from engage.models import Article, CommentStatus, ModerationActionKind, Moderator, Site, WebhookDelivery
from engage.models.types import utcnow
from engage.services import moderation, webhooks
from helpers import ARTICLE, new_token, post_comment

URL = f"/api/v1/sites/news/integration/articles/{ARTICLE}"


class Receiver:
    """A CMS endpoint on a loopback port: records every POST; answers the queued statuses
    (then 200)."""

    def __init__(self):
        self.requests, self.statuses = [], []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append((dict(self.headers), body))
                self.send_response(outer.statuses.pop(0) if outer.statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/engage-hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


def _api_key(runner, slug="news") -> str:
    result = runner.invoke(args=["engage", "create-api-key", slug])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def _secret(runner, slug, *extra) -> bytes:
    result = runner.invoke(args=["engage", "webhook-secret", slug, *extra])
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    assert len(secret) == 64 and int(secret, 16) >= 0
    return secret.encode("ascii")  # receivers key the HMAC with the text they were shown


def _deliver(runner):
    result = runner.invoke(args=["engage", "deliver-webhooks"])
    assert result.exit_code == 0, result.output


def _verify(secret: bytes, headers: dict, body: bytes) -> bool:
    """What a receiver does: recompute the HMAC over "<timestamp>." + body."""
    signed = headers["X-Engage-Timestamp"].encode() + b"." + body
    expected = "sha256=" + hmac.new(secret, signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["X-Engage-Signature"])


# --- API key and article registration ------------------------------------------------------------
def test_api_key_is_stored_only_as_a_hash(app, runner, site):
    key = _api_key(runner)
    assert key.startswith("ek_") and len(key) == 46
    with app.app_context():
        stored = db.session.query(Site).filter_by(slug="news").one().api_key_hash
    assert stored == hashlib.sha256(key.encode()).hexdigest() and key not in stored


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer ek_wrong", "Basic ek_x",
                                           "ek_{key}", "Bearer {key}x"])
def test_missing_or_wrong_key_is_401_and_nothing_stored(app, client, runner, site, authorization):
    key = _api_key(runner)
    headers = {"Authorization": authorization.format(key=key)} if authorization is not None else {}
    response = client.put(URL, json={"title": "Tin mới"}, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "api_key_invalid"
    with app.app_context():
        assert db.session.query(Article).count() == 0


def test_register_then_update_an_article(app, client, runner, site):
    auth = {"Authorization": f"Bearer {_api_key(runner)}"}
    created = client.put(URL, headers=auth, json={
        "title": "Mùa nước nổi về", "url": "https://news.example/thoi-su/mua-nuoc-noi.html",
        "published_at": "2026-11-30T07:30:00+07:00", "comments_open": True})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["published_at"] == "2026-11-30T00:30:00Z" and body["comments_open"] is True
    version = client.get(f"/api/v1/sites/news/articles/{ARTICLE}").headers["ETag"]
    closed = client.put(URL, headers=auth, json={"comments_open": False})
    assert closed.status_code == 200
    assert closed.get_json()["title"] == "Mùa nước nổi về"  # absent fields stay
    data = client.get(f"/api/v1/sites/news/articles/{ARTICLE}")
    assert data.headers["ETag"] != version and data.get_json()["comments_open"] is False
    refused = post_comment(client, new_token(client), "Bình luận sau khi đóng")
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "comments_closed"


@pytest.mark.parametrize("body", [
    {"published_at": "2026-11-30T07:30:00"},          # naive: ambiguous
    {"published_at": "hôm qua"}, {"url": "javascript:alert(1)"}, {"url": "/relative"},
    {"title": ""}, {"title": "x" * 301}, {"comments_open": "yes"}, {"author": "x"},
    # the ends of datetime's range: a 500 each before (UTC conversion, auto-close date)
    {"published_at": "0001-01-01T00:00:00+14:00"}, {"published_at": "9999-12-31T23:59:59-12:00"},
    {"published_at": "9999-12-31T23:59:59Z"}, {"published_at": "1899-12-31T23:59:59Z"},
    {"published_at": "2200-01-01T07:00:00+07:00"},
])
def test_bad_article_fields_are_422_and_nothing_stored(app, client, runner, site, body):
    response = client.put(URL, json=body, headers={"Authorization": f"Bearer {_api_key(runner)}"})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.query(Article).count() == 0


def test_publication_times_at_the_bounds_are_stored(app, client, runner, site):
    auth = {"Authorization": f"Bearer {_api_key(runner)}"}
    for given, stored in (("1900-01-01T07:00:00+07:00", "1900-01-01T00:00:00Z"),
                          ("2199-12-31T23:59:59Z", "2199-12-31T23:59:59Z")):
        response = client.put(URL, headers=auth, json={"published_at": given})
        assert response.status_code in (200, 201), response.get_json()
        assert response.get_json()["published_at"] == stored


def test_a_key_opens_only_its_own_site(app, client, runner, site, open_site):
    other_key = _api_key(runner, "open")
    response = client.put(URL, json={"title": "x"}, headers={"Authorization": f"Bearer {other_key}"})
    assert response.status_code == 401
    unknown = client.put("/api/v1/sites/nope/integration/articles/a", json={"title": "x"},
                         headers={"Authorization": f"Bearer {other_key}"})
    assert unknown.status_code == 401  # no oracle for which sites exist


# --- Webhooks ------------------------------------------------------------------------------------
def _hooked(runner, slug, url):
    result = runner.invoke(args=["engage", "update-site", slug, "--webhook-url", url])
    assert result.exit_code == 0, result.output


def test_published_comment_is_delivered_signed(app, client, runner, open_site, receiver):
    _hooked(runner, "open", receiver.url)
    secret = _secret(runner, "open")
    posted = post_comment(client, new_token(client), "Cảm ơn tòa soạn!", site="open")
    assert posted.get_json()["status"] == "approved"
    assert receiver.requests == []  # nothing is sent inside the request
    _deliver(runner)
    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    payload = json.loads(body)
    assert payload["event"] == "comment.published" and payload["comment_id"] == posted.get_json()["id"]
    assert payload["site"] == "open" and payload["article"] == ARTICLE
    assert headers["X-Engage-Event"] == "comment.published"
    assert _verify(secret, headers, body)
    assert not _verify(secret, {**headers, "X-Engage-Timestamp": "1"}, body)
    _deliver(runner)
    assert len(receiver.requests) == 1  # delivered once
    with app.app_context():
        row = db.session.query(WebhookDelivery).one()
        assert row.delivered_at is not None and row.attempts == 1


def test_moderator_publication_and_removal_are_delivered_in_order(
        app, client, runner, site, moderator, receiver):
    _hooked(runner, "news", receiver.url)
    posted = post_comment(client, new_token(client), "Chờ duyệt")
    comment_id = posted.get_json()["id"]
    with app.app_context():
        assert db.session.query(WebhookDelivery).count() == 0  # pending: nothing public changed
        mod = db.session.query(Moderator).one()
        moderation.moderate(db.session, mod, comment_id, ModerationActionKind.APPROVE,
                            CommentStatus.PENDING, utcnow())
        moderation.moderate(db.session, mod, comment_id, ModerationActionKind.REJECT,
                            CommentStatus.APPROVED, utcnow(), reason_code="off_topic")
    _deliver(runner)
    assert [json.loads(b)["event"] for _, b in receiver.requests] == [
        "comment.published", "comment.removed"]


def test_reader_deleting_a_published_comment_sends_removed(client, runner, open_site, receiver):
    _hooked(runner, "open", receiver.url)
    token = new_token(client)
    comment_id = post_comment(client, token, "Tôi sẽ xóa", site="open").get_json()["id"]
    deleted = client.delete(f"/api/v1/sites/open/articles/{ARTICLE}/comments/{comment_id}",
                            headers={"X-Engage-Reader": token})
    assert deleted.status_code == 200, deleted.get_json()
    _deliver(runner)
    assert [(json.loads(b)["event"], json.loads(b)["comment_id"]) for _, b in receiver.requests] \
        == [("comment.published", comment_id), ("comment.removed", comment_id)]


def test_failed_delivery_is_retried_with_exponential_backoff(app, runner, open_site, client,
                                                             receiver):
    _hooked(runner, "open", receiver.url)
    post_comment(client, new_token(client), "Thử lại", site="open")
    receiver.statuses = [500, 503]
    policy = webhooks.DeliveryPolicy(max_attempts=3, backoff_base_s=30, backoff_max_s=3600,
                                     lease_s=60, batch=10)
    send = webhooks.http_sender(5.0)
    start = utcnow()
    clock = {"now": start}
    with app.app_context():
        key = app.extensions["engage_keys"]["webhook"]
        assert webhooks.deliver_due(db.session, key, policy, send, lambda: clock["now"]) == 1
        row = db.session.query(WebhookDelivery).one()
        assert (row.attempts, row.last_error) == (1, "HTTP 500")
        assert row.next_attempt_at == start + timedelta(seconds=30)
        clock["now"] = start + timedelta(seconds=29)
        assert webhooks.deliver_due(db.session, key, policy, send, lambda: clock["now"]) == 0
        clock["now"] = start + timedelta(seconds=30)
        assert webhooks.deliver_due(db.session, key, policy, send, lambda: clock["now"]) == 1
        db.session.expire_all()
        row = db.session.get(WebhookDelivery, row.id)
        assert row.attempts == 2 and row.next_attempt_at == clock["now"] + timedelta(seconds=60)
        clock["now"] += timedelta(seconds=60)
        assert webhooks.deliver_due(db.session, key, policy, send, lambda: clock["now"]) == 1
        db.session.expire_all()
        row = db.session.get(WebhookDelivery, row.id)
        assert row.attempts == 3 and row.delivered_at == clock["now"] and row.failed_at is None
    assert len(receiver.requests) == 3
    assert len({h["X-Engage-Delivery"] for h, _ in receiver.requests}) == 1  # one delivery id


def test_delivery_gives_up_after_max_attempts(app, runner, open_site, client):
    _hooked(runner, "open", "http://127.0.0.1:9/unreachable")  # discard port: refused
    post_comment(client, new_token(client), "Không ai nghe", site="open")
    policy = webhooks.DeliveryPolicy(max_attempts=2, backoff_base_s=1, backoff_max_s=1,
                                     lease_s=60, batch=10)
    now = utcnow()
    with app.app_context():
        key = app.extensions["engage_keys"]["webhook"]
        send = webhooks.http_sender(2.0)
        webhooks.deliver_due(db.session, key, policy, send, lambda: now)
        webhooks.deliver_due(db.session, key, policy, send, lambda: now + timedelta(seconds=5))
        row = db.session.query(WebhookDelivery).one()
        assert row.attempts == 2 and row.failed_at is not None and row.delivered_at is None
        assert "Connection refused" in row.last_error or "URLError" in row.last_error
        assert webhooks.deliver_due(db.session, key, policy, send,
                                    lambda: now + timedelta(days=1)) == 0


def test_rotating_the_secret_changes_the_signature(app, runner, open_site, client, receiver):
    _hooked(runner, "open", receiver.url)
    old = _secret(runner, "open")
    new = _secret(runner, "open", "--rotate")
    assert old != new and _secret(runner, "open") == new
    post_comment(client, new_token(client), "Khóa mới", site="open")
    _deliver(runner)
    headers, body = receiver.requests[0]
    assert _verify(new, headers, body) and not _verify(old, headers, body)


def test_no_webhook_url_no_outbox_rows(app, client, open_site):
    post_comment(client, new_token(client), "Không có webhook", site="open")
    with app.app_context():
        assert db.session.query(WebhookDelivery).count() == 0


def test_bad_webhook_url_is_refused(app, runner, open_site):
    result = runner.invoke(args=["engage", "update-site", "open", "--webhook-url", "ftp://x"])
    assert result.exit_code != 0 and "webhook_url_invalid" in result.output
