"""Reply notices for readers (issue #11 part 2) through the API, the mail links and a real
SMTP server (aiosmtpd on a free loopback port): double opt-in, notices, one-click
unsubscribe (RFC 8058), and posting that never touches SMTP."""
import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from engage.cli_mail import mail_worker
from engage.extensions import db
from engage.models import (
    Article, Comment, CommentStatus, MailOutbox, MailSubscription, MailSuppression, ModerationActionKind,
    Moderator, Site)
from engage.models.types import utcnow
from engage.services import moderation_actions, sites
from helpers import new_token, post_comment
from smtp_server import SmtpServer, free_port

BASE = "http://engage.test"
ADDRESS = "lan@Example.VN"
STORED = "lan@example.vn"


@pytest.fixture
def smtp():
    server = SmtpServer(free_port()).start()
    yield server
    server.stop()


@pytest.fixture
def app(app_factory, smtp):
    """The test app with mail through the test's SMTP server (overrides conftest's ``app``)."""
    return app_factory(MAIL_SMTP_HOST="127.0.0.1", MAIL_SMTP_PORT=smtp.port,
                       MAIL_SMTP_SECURITY="none", MAIL_FROM="bao@news.example",
                       PUBLIC_BASE_URL=BASE)


def send_mail(app, clock=utcnow) -> int:
    with app.app_context():
        return mail_worker().run_once(clock, alerts=False)


def link(message, kind: str) -> str:
    """The path of the confirm/unsubscribe link in the message's plain-text part."""
    text = message.get_body(("plain",)).get_content()
    match = re.search(rf"{re.escape(BASE)}(/mail/{kind}/\S+)", text)
    assert match, text
    return match.group(1)


def outbox(app, **where):
    with app.app_context():
        return db.session.execute(select(MailOutbox).filter_by(**where)
                                  .order_by(MailOutbox.id)).scalars().all()


def confirmed_reader(client, app, smtp, site):
    """A reader who commented with ADDRESS and confirmed: ``(token, comment id)``."""
    token = new_token(client)
    response = post_comment(client, token, "Bài viết rất hay, cảm ơn tác giả.", name="Lan",
                            site=site, email=ADDRESS)
    assert response.status_code == 201, response.get_json()
    assert send_mail(app) == 1
    [mail] = smtp.recorder.to(STORED)
    assert client.post(link(mail, "confirm")).status_code == 200
    return token, response.get_json()["id"]


def test_reply_notice_needs_double_opt_in_first(client, app, smtp, open_site):
    token = new_token(client)
    first = post_comment(client, token, "Bài viết rất hay, cảm ơn tác giả.", name="Lan",
                         site=open_site, email=ADDRESS)
    assert first.status_code == 201
    assert "email" not in first.get_json()
    parent = first.get_json()["id"]
    # A reply before the address is confirmed queues nothing.
    other = new_token(client)
    assert post_comment(client, other, "Đồng ý với bạn Lan.", name="Minh", site=open_site,
                        parent_id=parent).status_code == 201
    assert [r.kind for r in outbox(app)] == ["confirm"]
    assert send_mail(app) == 1
    [confirm] = smtp.recorder.to(STORED)
    assert confirm.get_content_type() == "multipart/alternative"
    assert "Xác nhận" in confirm["Subject"]
    assert confirm["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert confirm["List-Unsubscribe"].startswith(f"<{BASE}/mail/unsubscribe/")
    path = link(confirm, "confirm")
    # A GET (a mail scanner's prefetch) only shows the button; it confirms nothing.
    page = client.get(path)
    assert page.status_code == 200 and 'method="post"' in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(MailSubscription.confirmed_at)).scalar_one() is None
    assert client.post(path).status_code == 200
    assert post_comment(client, other, "Bổ sung thêm một ý nhỏ.", name="Minh", site=open_site,
                        parent_id=parent).status_code == 201
    assert send_mail(app) == 1
    reply = smtp.recorder.to(STORED)[-1]
    assert "Minh" in reply["Subject"]
    assert "Bổ sung thêm một ý nhỏ." in reply.get_body(("plain",)).get_content()
    assert "Bổ sung thêm một ý nhỏ." in reply.get_body(("html",)).get_content()
    assert len(smtp.recorder.messages) == 2


def test_no_notice_of_ones_own_reply(client, app, smtp, open_site):
    token, parent = confirmed_reader(client, app, smtp, open_site)
    assert post_comment(client, token, "Tôi bổ sung cho chính mình.", name="Lan",
                        site=open_site, parent_id=parent).status_code == 201
    assert send_mail(app) == 0
    assert len(smtp.recorder.messages) == 1  # the confirmation only


def test_published_notice_when_a_moderator_approves(client, app, smtp, site, moderator):
    token, comment_id = confirmed_reader(client, app, smtp, site)
    with app.app_context():
        # The site stores its article's address relative to its pages, as the demo does.
        db.session.execute(update(Article).values(url="/thoi-su/bai-1.html"))
        db.session.commit()
        mod = db.session.execute(select(Moderator)).scalar_one()
        moderation_actions.moderate(db.session, mod, comment_id, ModerationActionKind.APPROVE,
                                    CommentStatus.PENDING, utcnow())
    assert send_mail(app) == 1
    published = smtp.recorder.to(STORED)[-1]
    assert "đã được đăng" in published["Subject"]
    # A mail client has no page to resolve a relative link: it is made absolute against the
    # site's origin.
    article_link = "https://news.example/thoi-su/bai-1.html"
    assert f"Xem bài viết: {article_link}" in published.get_body(("plain",)).get_content()
    assert f'href="{article_link}"' in published.get_body(("html",)).get_content()
    # Approving again after an undo queues nothing new (one key per subscription and event).
    with app.app_context():
        mod = db.session.execute(select(Moderator)).scalar_one()
        action = moderation_actions.recent_decisions(db.session, mod.id, utcnow(), 120)[0]
        moderation_actions.undo(db.session, mod, action.action_id, utcnow(), 120)
        moderation_actions.moderate(db.session, mod, comment_id, ModerationActionKind.APPROVE,
                                    CommentStatus.PENDING, utcnow())
    assert send_mail(app) == 0
    assert len(smtp.recorder.to(STORED)) == 2


def test_one_click_unsubscribe_stops_all_mail(client, app, smtp, open_site):
    _, parent = confirmed_reader(client, app, smtp, open_site)
    header = smtp.recorder.to(STORED)[0]["List-Unsubscribe"]
    path = header.strip("<>").removeprefix(BASE)
    other = new_token(client)
    post_comment(client, other, "Một trả lời đang chờ gửi.", name="Minh", site=open_site,
                 parent_id=parent)
    # RFC 8058 §3.2: the mail client POSTs "List-Unsubscribe=One-Click", no cookie, no CSRF.
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    [queued] = outbox(app, kind="reply")
    assert queued.sent_at is None and queued.last_error == "cancelled: unsubscribed"
    post_comment(client, other, "Trả lời thêm lần nữa.", name="Minh", site=open_site,
                 parent_id=parent)
    again = post_comment(client, new_token(client), "Bình luận mới với cùng địa chỉ.",
                         name="Lan", site=open_site, email=STORED.upper())
    assert again.status_code == 201
    assert send_mail(app) == 0
    assert len(smtp.recorder.messages) == 1
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(MailSubscription)).scalar() == 0
        assert db.session.execute(select(func.count()).select_from(MailSuppression)).scalar() == 1
    assert client.post(path).status_code == 200  # again: still fine, nothing changes
    assert client.post("/mail/unsubscribe/forged.token").status_code == 422
    # A confirmation link used after unsubscribing confirms nothing, and says so.
    confirm_path = link(smtp.recorder.to(STORED)[0], "confirm")
    page = client.post(confirm_path)
    assert page.status_code == 200
    assert "Địa chỉ đã ngừng nhận thư" in page.get_data(as_text=True)
    assert "Đã xác nhận" not in page.get_data(as_text=True)
    footer = smtp.recorder.to(STORED)[0].get_body(("plain",)).get_content()
    assert "Ngừng nhận mọi thư thông báo gửi tới địa chỉ này" in footer


def test_an_invalid_address_is_refused_and_nothing_is_stored(client, app, open_site):
    token = new_token(client)
    response = post_comment(client, token, "Bình luận có địa chỉ sai.", site=open_site,
                            email="lan@@example")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "email_invalid"
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Comment)).scalar() == 0
    assert post_comment(client, token, "Không để lại địa chỉ.", site=open_site,
                        email="").status_code == 201
    assert outbox(app) == []


def test_posting_with_the_smtp_server_down_never_waits_on_it(client, app, smtp, open_site):
    smtp.stop()  # nothing listens on the configured port now
    token = new_token(client)
    started = time.perf_counter()
    response = post_comment(client, token, "Máy chủ thư đang tắt.", site=open_site,
                            email=ADDRESS)
    assert response.status_code == 201
    assert time.perf_counter() - started < 5  # well under MAIL_TIMEOUT_S: SMTP not touched
    [row] = outbox(app)
    assert row.attempts == 0 and row.sent_at is None
    # The worker fails, keeps the mail and retries later with backoff…
    assert send_mail(app) == 1
    [row] = outbox(app)
    assert row.attempts == 1 and row.failed_at is None and row.sent_at is None
    assert row.next_attempt_at >= utcnow() + timedelta(seconds=50)
    assert send_mail(app) == 0  # not due yet
    # …and once the server is back, sends it exactly once.
    smtp.start()
    later = lambda: utcnow() + timedelta(minutes=2)  # noqa: E731
    assert send_mail(app, later) == 1
    assert send_mail(app, later) == 0
    assert len(smtp.recorder.to(STORED)) == 1
    [row] = outbox(app)
    assert row.sent_at is not None and row.attempts == 2


def test_a_refused_recipient_fails_at_once_and_others_still_go(client, app, smtp, open_site):
    smtp.recorder.refuse.add("bad@example.vn")
    post_comment(client, new_token(client), "Địa chỉ bị từ chối.", site=open_site,
                 email="bad@example.vn")
    post_comment(client, new_token(client), "Địa chỉ tốt.", site=open_site, email=ADDRESS)
    assert send_mail(app) == 2
    bad, good = outbox(app)
    assert bad.failed_at is not None and bad.attempts == 1 and "550" in bad.last_error
    assert good.sent_at is not None


def test_reader_data_lists_the_address_and_erasure_deletes_it(client, app, smtp, open_site):
    token, _ = confirmed_reader(client, app, smtp, open_site)
    data = client.get("/api/v1/reader/data", headers={"X-Engage-Reader": token}).get_json()
    assert data["mail"] == [{"comment_id": data["comments"][0]["id"], "email": STORED,
                             "confirmed": True}]
    # Never in what other readers see.
    article = client.get(f"/api/v1/sites/{open_site}/articles/bai-viet-1").get_data(as_text=True)
    assert STORED not in article and "email" not in article
    assert client.delete("/api/v1/reader", headers={"X-Engage-Reader": token}).status_code == 200
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(MailSubscription)).scalar() == 0
    assert outbox(app) == []


def test_english_site_mail_is_in_english(client, app, smtp):
    with app.app_context():
        sites.create_site(db.session, "en-site", "English News", [], premoderation=False,
                          auto_create_articles=True)
        db.session.execute(select(Site).where(Site.slug == "en-site")).scalar_one().locale = "en"
        db.session.commit()
    post_comment(client, new_token(client), "An English comment.", site="en-site", email=ADDRESS)
    send_mail(app)
    [mail] = smtp.recorder.to(STORED)
    assert mail["Subject"].startswith("Confirm")
    assert "Stop all notification mail to this address" in mail.get_body(("plain",)).get_content()
    page = client.get(link(mail, "confirm")).get_data(as_text=True)  # the page in English too
    assert "Confirm notices" in page


def test_the_digest_mail_reaches_the_moderator_once(client, app, smtp, site, moderator):
    with app.app_context():
        db.session.execute(select(Site)).scalar_one().alert_pending = 3
        db.session.execute(select(Moderator)).scalar_one().email = "mod@news.example"
        db.session.commit()
    for i in range(3):
        post_comment(client, new_token(client), f"Bình luận chờ duyệt số {i}.", site=site)
    with app.app_context():
        worker = mail_worker()
        worker.run_once()  # the digest (and the daily summary, if past 07:00 in Hà Nội)
        for i in range(3, 6):  # more arrive: no second digest while the queue stays over
            post_comment(client, new_token(client), f"Bình luận chờ duyệt số {i}.", site=site)
            worker.run_once()
    [digest] = [m for m in smtp.recorder.to("mod@news.example") if "đang chờ" in m["Subject"]]
    assert "3 bình luận đang chờ duyệt" in digest["Subject"]
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Bình luận chờ duyệt số 0." in digest.get_body(("html",)).get_content()


@pytest.mark.parametrize("url,origins,expected", [
    ("/tin/1.html", ["https://bao.vn"], "https://bao.vn/tin/1.html"),
    ("tin/1.html", [], "http://engage.test/tin/1.html"),  # no origin: PUBLIC_BASE_URL
    ("https://khac.vn/a", ["https://bao.vn"], "https://khac.vn/a"),  # absolute stays
    ("javascript:alert(1)", ["https://bao.vn"], ""),  # never a non-http(s) link in a mail
    ("", ["https://bao.vn"], ""),
    (None, [], ""),
])
def test_article_links_in_mail_are_absolute_http(url, origins, expected):
    from types import SimpleNamespace

    from engage.services.mail_messages import absolute_article_url
    assert absolute_article_url(url, SimpleNamespace(allowed_origins=origins), BASE) == expected
