"""In Chromium: a moderator clears a queue of 30 comments with the keyboard only (j/k/a/r/s/x,
bulk), undoes one decision, and the counts, the published thread and the audit log agree.

Runs against the shared `engage serve` of conftest.py on the demo site, on an article of its
own (the queue is filtered to it, so other browser tests' comments never interfere).
Screenshots of the queue, the audit log and the dashboard go to ``test-artifacts/``.
"""
from __future__ import annotations

import json
import sqlite3
import urllib.request

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip (or fail, with ENGAGE_REQUIRE_BROWSER=1) before use
    expect = None

pytestmark = pytest.mark.browser

ARTICLE = "hang-doi-ban-phim"
N = 30
PER_TOKEN = 5  # LIMIT_COMMENT_POSTS allows 5 a minute per reader token


def _post(base: str, path: str, body: dict | None = None, token: str = "") -> dict:
    request = urllib.request.Request(base + path, method="POST",
                                     data=json.dumps(body).encode() if body else None,
                                     headers={"Content-Type": "application/json",
                                              **({"X-Engage-Reader": token} if token else {})})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _seed(base: str) -> list[int]:
    """30 pending comments from 6 readers on the test's own article, oldest first."""
    ids = []
    for i in range(N):
        if i % PER_TOKEN == 0:
            token = _post(base, "/api/v1/readers")["token"]
        ids.append(_post(base, f"/api/v1/sites/demo/articles/{ARTICLE}/comments",
                         {"author_name": f"Bạn đọc {i // PER_TOKEN + 1}",
                          "text": f"Ý kiến thứ {i + 1} về hàng đợi kiểm duyệt"}, token)["id"])
    return ids


def _article_id(database_url: str) -> int:
    path = database_url.removeprefix("sqlite:///")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT id FROM article WHERE key = ?", (ARTICLE,)).fetchone()[0]


def _press(page, key: str) -> None:
    """A key that submits a form: wait for the queue page to come back."""
    with page.expect_navigation():
        page.keyboard.press(key)


def _select(page, count: int) -> None:
    """x, then j, ``count`` times: tick the current comment and move on."""
    for _ in range(count):
        page.keyboard.press("x")
        page.keyboard.press("j")


def _reject_with(page, digit: str) -> None:
    """r opens the reason dialog; a digit picks the reason; Enter confirms (and submits)."""
    page.keyboard.press("r")
    expect(page.locator("#reject-dialog")).to_be_visible()
    page.keyboard.press(digit)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_keyboard_only_clears_queue_undo_and_everything_agrees(engage_server, browser_context,
                                                               artifacts_dir):
    base = engage_server.base_url
    ids = _seed(base)
    queue_url = f"{base}/moderation/?article={_article_id(engage_server.database_url)}"
    page = browser_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))

    def on_console(msg) -> None:
        where = (msg.location or {}).get("url", "")
        if msg.type == "error" and not where.endswith("/favicon.ico"):  # no favicon: fine
            errors.append(f"{msg.text} @ {where}")

    page.on("console", on_console)
    page.goto(f"{base}/moderation/login")
    page.get_by_label("Tên đăng nhập").fill(engage_server.username)
    page.get_by_label("Mật khẩu").fill(engage_server.password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Hàng đợi kiểm duyệt")).to_be_visible()
    page.goto(queue_url)
    expect(page.locator(".queue-item")).to_have_count(N)
    expect(page.locator('.badge[data-status="pending"]')).to_have_text(str(N))
    page.screenshot(path=str(artifacts_dir / "05-workspace-queue.png"), full_page=True)

    page.keyboard.press("?")
    expect(page.locator("#help-dialog")).to_be_visible()
    page.keyboard.press("?")
    expect(page.locator("#help-dialog")).to_be_hidden()

    _press(page, "a")                       # approve #1
    page.keyboard.press("j")
    _reject_with(page, "2")                 # reject #3 ("hate")
    _press(page, "s")                       # spam #2 (now the first)
    _select(page, 10)                       # x/j over #4..#13, bulk approve
    _press(page, "a")
    page.keyboard.press("j")
    page.keyboard.press("k")                # back to the first: #14
    _select(page, 15)                       # #14..#28, bulk reject ("insult")
    _reject_with(page, "1")
    expect(page.locator(".queue-item")).to_have_count(2)
    _press(page, "a")                       # approve #29 …
    _press(page, "u")                       # … undo it: back in the queue
    expect(page.locator(".queue-item")).to_have_count(2)
    expect(page.locator(".flash-ok")).to_contain_text("Đã hoàn tác 1 bình luận.")
    _select(page, 2)                        # #29, #30: bulk spam
    _press(page, "s")
    expect(page.locator(".queue-item")).to_have_count(0)

    approved = {ids[0], *ids[3:13]}
    rejected = {ids[2], *ids[13:28]}
    spam = {ids[1], ids[28], ids[29]}
    for status, expected in (("pending", 0), ("approved", len(approved)),
                             ("rejected", len(rejected)), ("spam", len(spam))):
        expect(page.locator(f'.badge[data-status="{status}"]')).to_have_text(str(expected))

    # The published thread shows exactly the approved comments, and its count agrees.
    thread = page.request.get(f"{base}/api/v1/sites/demo/articles/{ARTICLE}?limit=50").json()
    assert {c["id"] for c in thread["comments"]} == approved
    assert thread["comment_count"] == len(approved)

    # The audit log: one row per decision (30 + the undone approve) and one undo row; replaying
    # it gives every comment's final state.
    rows = page.request.get(f"{base}/api/v1/moderation/audit").json()["items"]
    mine = [r for r in rows if r["comment_id"] in set(ids)]
    assert len(mine) == N + 2
    assert sum(r["action"] == "undo" for r in mine) == 1
    final = {}
    for r in sorted(mine, key=lambda r: r["id"]):
        assert final.get(r["comment_id"], "pending") == r["from"]
        final[r["comment_id"]] = r["to"]
    assert {c for c, s in final.items() if s == "approved"} == approved
    assert {c for c, s in final.items() if s == "rejected"} == rejected
    assert {c for c, s in final.items() if s == "spam"} == spam
    assert {r["reason_code"] for r in mine if r["action"] == "reject"} == {"hate", "insult"}

    page.goto(f"{base}/moderation/audit")
    expect(page.locator(".audit-row").first).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "06-workspace-audit.png"), full_page=True)
    page.goto(f"{base}/moderation/dashboard")
    expect(page.locator("svg.chart")).to_have_count(6)
    page.screenshot(path=str(artifacts_dir / "07-workspace-dashboard.png"), full_page=True)
    assert not errors, errors
