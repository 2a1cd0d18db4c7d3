"""Live threads in a real browser (issue #11): while one reader's widget is open, another reader's
comment is approved; the first reader is offered "1 bình luận mới" within the poll interval and
a click inserts it, once, without moving the page.  A hidden tab polls less and less often.

The server polls fast for these tests (``WIDGET_POLL_S``), its own instance of `engage serve`.
"""
from __future__ import annotations

import json
import time
import urllib.request

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip (or fail, with ENGAGE_REQUIRE_BROWSER=1) before use
    expect = None

pytestmark = pytest.mark.browser

POLL_S = 0.5
MAX_S = 4.0
ARTICLE = "bai-truc-tiep"
SECOND_AUTHOR = "Lê Văn Hai"
SECOND_TEXT = "Tôi đọc bài này từ sáng, cảm ơn toà soạn!"


@pytest.fixture(scope="module")
def poll_server(start_engage):
    """`engage serve` polling every POLL_S seconds (at most MAX_S)."""
    return start_engage({"ENGAGE_WIDGET_POLL_S": str(POLL_S),
                         "ENGAGE_WIDGET_POLL_MAX_S": str(MAX_S)})


def _post_as_new_reader(base: str, article: str, name: str, text: str) -> int:
    def call(method, path, body, token=None):
        req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method=method,
                                     headers={"Content-Type": "application/json",
                                              **({"X-Engage-Reader": token} if token else {})})
        with urllib.request.urlopen(req, timeout=10) as response:
            return json.loads(response.read())

    token = call("POST", "/api/v1/readers", {})["token"]
    return call("POST", f"/api/v1/sites/demo/articles/{article}/comments",
                {"author_name": name, "text": text}, token)["id"]


def _moderator_page(context, server):
    page = context.new_page()
    page.goto(f"{server.base_url}/moderation/login")
    page.get_by_label("Tên đăng nhập").fill(server.username)
    page.get_by_label("Mật khẩu").fill(server.password)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    expect(page.get_by_role("heading", name="Hàng đợi kiểm duyệt")).to_be_visible()
    return page


def _approve(mod, author: str) -> None:
    mod.reload()
    item = mod.locator(".queue-item").filter(has_text=author)
    expect(item).to_have_count(1)
    item.get_by_role("button", name="Duyệt").click()
    expect(mod.locator(".queue-item").filter(has_text=author)).to_have_count(0)


def _polls(page) -> int:
    return page.evaluate("window.Engage.live.polls")


def test_an_approved_comment_is_offered_and_inserted_in_place(poll_server, chromium):
    base = poll_server.base_url
    contexts = [chromium.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh",
                                     viewport={"width": 1000, "height": 600}) for _ in range(3)]
    first_ctx, second_ctx, mod_ctx = contexts
    errors: list[str] = []
    try:
        for context in contexts:
            context.set_default_timeout(15_000)
        mod = _moderator_page(mod_ctx, poll_server)
        for name in ("Độc giả Một", "Độc giả Hai"):  # two published comments to start with
            _post_as_new_reader(base, ARTICLE, name, f"Ý kiến của {name}.")
            _approve(mod, name)

        reader = first_ctx.new_page()
        reader.on("pageerror", lambda err: errors.append(str(err)))
        statuses: list[int] = []
        reader.on("response", lambda r: statuses.append(r.status) if "/counts?" in r.url else None)
        polled: list[dict] = []
        reader.on("request", lambda r: polled.append(r.headers) if "/counts?" in r.url else None)
        reader.goto(f"{base}/widget/demo/{ARTICLE}")
        thread = reader.locator('[data-role="thread"] > .engage-comment')
        expect(thread).to_have_count(2)
        notice = reader.locator('[data-role="new-comments"]')
        expect(notice).to_be_hidden()

        # The second reader posts; pre-moderation holds it.
        other = second_ctx.new_page()
        other.on("pageerror", lambda err: errors.append(str(err)))
        other.goto(f"{base}/widget/demo/{ARTICLE}")
        other.get_by_label("Ý kiến của bạn").fill(SECOND_TEXT)
        other.get_by_label("Họ tên").fill(SECOND_AUTHOR)
        other.get_by_role("button", name="Gửi bình luận").click()
        expect(other.locator('[data-role="comment-status"]')).to_contain_text("chờ ban biên tập")

        # Unchanged counts are answered 304 (If-None-Match), and nothing is offered.
        polls = _polls(reader)
        reader.wait_for_function("n => window.Engage.live.polls >= n", arg=polls + 2)
        assert 304 in statuses, statuses
        # Our own validator, and a shared cache may answer (no "Cache-Control: no-cache").
        assert "if-none-match" in polled[-1] and polled[-1]["cache-control"] == "max-age=10"
        expect(notice).to_be_hidden()

        _approve(mod, SECOND_AUTHOR)
        approved = time.monotonic()
        expect(notice).to_have_text("1 bình luận mới", timeout=(POLL_S + 2) * 1000)
        assert time.monotonic() - approved < POLL_S + 2
        expect(thread).to_have_count(2)  # offered, not inserted until asked

        notice.evaluate("el => el.scrollIntoView({block: 'center'})")
        before = reader.evaluate("window.scrollY")
        assert before > 0  # the page really scrolls here
        notice_top = notice.evaluate("el => el.getBoundingClientRect().top")
        notice.click()

        newest = thread.first
        expect(newest.locator(".engage-author")).to_have_text(SECOND_AUTHOR)
        expect(newest.locator(".engage-text")).to_have_text(SECOND_TEXT)
        expect(thread).to_have_count(3)
        expect(notice).to_be_hidden()
        expect(reader.locator('[data-role="comment-count"]')).to_have_text("3")
        expect(newest.locator(".engage-comment-body")).to_be_focused()
        assert reader.evaluate("window.scrollY") == before  # the reader's place is kept …
        top = newest.evaluate("el => el.getBoundingClientRect().top")
        assert notice_top <= top < 600  # … and the new comment is right there, in view

        # Later polls neither offer it again nor insert a second copy.
        polls = _polls(reader)
        reader.wait_for_function("n => window.Engage.live.polls >= n", arg=polls + 2)
        expect(notice).to_be_hidden()
        ids = thread.evaluate_all("els => els.map(el => el.getAttribute('data-id'))")
        assert len(ids) == len(set(ids)) == 3, ids
        assert not errors, errors
    finally:
        for context in contexts:
            context.close()


def test_the_readers_own_published_comment_is_shown_once(poll_server, chromium, cli_for):
    cli_for(poll_server)("create-site", "nhanh", "--name", "Báo Nhanh", "--post-moderation",
                         "--auto-create-articles")
    context = chromium.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda err: errors.append(str(err)))
        page.goto(f"{poll_server.base_url}/widget/nhanh/bai-cua-toi")
        page.get_by_label("Ý kiến của bạn").fill("Bình luận của chính tôi.")
        page.get_by_label("Họ tên").fill("Phạm Thị Tư")
        page.wait_for_timeout(3_200)  # a form sent within 3 s of loading is held as too fast
        page.get_by_role("button", name="Gửi bình luận").click()
        expect(page.locator('[data-role="comment-status"]')).to_have_text(
            "Bình luận của bạn đã được đăng.")
        thread = page.locator('[data-role="thread"] > .engage-comment')
        expect(thread).to_have_count(1)
        expect(page.locator('[data-role="comment-count"]')).to_have_text("1")
        polls = _polls(page)
        page.wait_for_function("n => window.Engage.live.polls >= n", arg=polls + 2)
        expect(page.locator('[data-role="new-comments"]')).to_be_hidden()
        expect(thread).to_have_count(1)
        assert not errors, errors
    finally:
        context.close()


# Page Visibility emulation: Chromium has no switch for it, so the page's `document.hidden`
# reads a flag the test flips, and the test sends the `visibilitychange` event itself.
HIDDEN_SWITCH = """
Object.defineProperty(Document.prototype, "hidden", {configurable: true,
  get() { return Boolean(window.__engageHidden); }});
Object.defineProperty(Document.prototype, "visibilityState", {configurable: true,
  get() { return window.__engageHidden ? "hidden" : "visible"; }});
"""
SET_HIDDEN = """hidden => { window.__engageHidden = hidden;
  document.dispatchEvent(new Event("visibilitychange")); }"""


def test_a_hidden_tab_backs_off_and_checks_at_once_when_shown(poll_server, chromium):
    context = chromium.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    try:
        context.add_init_script(HIDDEN_SWITCH)
        page = context.new_page()
        times: list[float] = []
        page.on("request", lambda r: times.append(time.monotonic()) if "/counts?" in r.url else None)
        answered: list[int] = []
        for event in ("requestfinished", "requestfailed"):
            page.on(event, lambda r: answered.append(1) if "/counts?" in r.url else None)
        page.goto(f"{poll_server.base_url}/widget/demo/bai-an-tab")
        page.wait_for_function("() => window.Engage.live.polls >= 2")
        assert page.evaluate("window.Engage.live.delay") == POLL_S * 1000

        page.evaluate(SET_HIDDEN, True)
        page.wait_for_function("ms => window.Engage.live.delay === ms", arg=MAX_S * 1000,
                               timeout=4 * MAX_S * 1000)
        page.wait_for_function("n => window.Engage.live.polls >= n", arg=_polls(page) + 1,
                               timeout=2 * MAX_S * 1000)
        gaps = [b - a for a, b in zip(times, times[1:])]
        # While hidden, each wait doubled (1 s, 2 s, then the 4 s cap) instead of staying at 0.5 s.
        assert max(gaps) >= 0.9 * MAX_S, gaps
        assert any(0.9 * 2 * POLL_S <= g < 0.9 * 4 * POLL_S for g in gaps), gaps
        assert page.evaluate("window.Engage.live.delay") == MAX_S * 1000

        deadline = time.monotonic() + 5
        while len(answered) < len(times):  # no poll in flight: the next one is the tab's own
            assert time.monotonic() < deadline, (len(answered), len(times))
            page.wait_for_timeout(20)
        shown_at = time.monotonic()
        count = len(times)
        page.evaluate(SET_HIDDEN, False)
        page.wait_for_function("n => window.Engage.live.polls >= n", arg=_polls(page) + 1)
        assert len(times) > count and times[count] - shown_at < POLL_S  # at once, not after 4 s
        assert page.evaluate("window.Engage.live.delay") == POLL_S * 1000
    finally:
        context.close()


def test_errors_back_off_honour_retry_after_and_finally_stop(poll_server, chromium):
    """The page's clock is Playwright's (``page.clock``), so the waits pass at once."""
    context = chromium.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    try:
        page = context.new_page()
        answers = [(503, {"Retry-After": "3"})] + [(500, {})] * 10
        asked: list[float] = []

        def refuse(route):
            asked.append(time.monotonic())
            status, headers = answers[len(asked) - 1]
            route.fulfill(status=status, headers=headers, content_type="application/json",
                          body='{"error": {"code": "x", "message": "x", "request_id": "x"}}')

        page.route("**/counts?*", refuse)
        page.clock.install()
        page.goto(f"{poll_server.base_url}/widget/demo/bai-loi")
        waits = []
        for n in range(1, 7):
            page.clock.run_for(int(page.evaluate("window.Engage.live.delay")))
            page.wait_for_function("n => window.Engage.live.polls >= n", arg=n)
            page.wait_for_timeout(50)  # the refused answer settles
            waits.append(page.evaluate("window.Engage.live.delay"))
        # n failures wait 0.5 s · 2ⁿ up to the 4 s cap; the 503's Retry-After (3 s) beats its
        # 1 s; the sixth failure stops polling (until the tab is shown again).
        assert waits[:5] == [3000, 2000, 4000, 4000, 4000], waits
        assert page.evaluate("window.Engage.live.stopped") is True
        page.clock.run_for(60_000)
        page.wait_for_timeout(200)
        assert len(asked) == 6, asked
    finally:
        context.close()
