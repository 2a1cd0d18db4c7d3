"""The moderator workspace's layout in Chromium, at a desktop width and a phone's (390 x 844):
the queue with a held comment fits the phone without sideways scrolling, and the dashboard
shows a hold reason's whole wording on both.

Runs on its own `engage serve` (start_engage), so the shared server's demo queue, which other
browser tests count, is untouched.  Screenshots go to ``test-artifacts/``.
"""
from __future__ import annotations

import json
import urllib.request

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip (or fail, with ENGAGE_REQUIRE_BROWSER=1) before use
    expect = None

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# engage/domain/moderation/reasons.py: PREMODERATION, the reason every comment of the
# pre-moderated demo site is held with.
HOLD_REASON = "Trang hoặc bài viết đang bật duyệt trước mọi bình luận."


def _post(url: str, body: dict | None = None, token: str = "") -> dict:
    request = urllib.request.Request(url, method="POST",
                                     data=json.dumps(body).encode() if body else None,
                                     headers={"Content-Type": "application/json",
                                              **({"X-Engage-Reader": token} if token else {})})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def held(start_engage):
    """A fresh server whose pre-moderated demo site holds two comments (long words included)."""
    server = start_engage({})
    token = _post(f"{server.base_url}/api/v1/readers")["token"]
    for text in ("Bài viết rất hay, cảm ơn tác giả! Mùa nước nổi ở Đồng Tháp thật đẹp.",
                 "Xem thêm https://baodemo.vn/mua-nuoc-noi-ve-nguoi-dan-dong-thap-tat-bat"):
        _post(f"{server.base_url}/api/v1/sites/demo/articles/bai-bo-cuc/comments",
              {"author_name": "Nguyễn Thị Lan", "text": text}, token)
    return server


def _login(page, server) -> None:
    page.goto(f"{server.base_url}/moderation/login")
    page.get_by_label("Tên đăng nhập").fill(server.username)
    page.get_by_label("Mật khẩu").fill(server.password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Hàng đợi kiểm duyệt")).to_be_visible()


def _overflow(page) -> dict:
    """The document's scroll width and the elements reaching past the viewport's right edge."""
    return page.evaluate("""() => ({
        scrollWidth: document.documentElement.scrollWidth,
        wide: [...document.querySelectorAll("body *")]
            .filter(el => el.getBoundingClientRect().right > innerWidth + 0.5)
            .slice(0, 8).map(el => el.tagName + "." + el.className)})""")


def test_queue_fits_a_phone_without_sideways_scrolling(held, chromium, artifacts_dir):
    context = chromium.new_context(locale="vi-VN", viewport=PHONE)
    try:
        page = context.new_page()
        _login(page, held)
        expect(page.locator(".queue-item").first).to_be_visible()
        result = _overflow(page)
        page.screenshot(path=str(artifacts_dir / "30-queue-phone.png"), full_page=True)
        assert result["scrollWidth"] <= PHONE["width"], result
        # the controls that used to run off-screen are still there, and inside the viewport
        for selector in ('.filters select[name="reason"]', '.bulk select[name="reason_code"]',
                         ".queue-item .actions select", ".queue-item .actions .reject"):
            box = page.locator(selector).first.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (
                selector, box)
    finally:
        context.close()


def _reason_label(page) -> dict:
    """The hold-reason chart's label: its text, and how far it reaches against its bar."""
    return page.evaluate("""() => {
        const svg = [...document.querySelectorAll("figure")]
            .find(f => f.querySelector("figcaption").textContent.includes("lý do giữ lại"))
            .querySelector("svg");
        const label = svg.querySelector("text.label");
        const bar = svg.querySelector("rect");
        const svgBox = svg.getBoundingClientRect();
        const lines = [...label.querySelectorAll("tspan")].map(t => t.textContent);
        return {text: lines.length ? lines.join(" ") : label.textContent,
                labelRight: label.getBoundingClientRect().right,
                labelLeft: label.getBoundingClientRect().left,
                barLeft: bar.getBoundingClientRect().left,
                svgLeft: svgBox.left, svgRight: svgBox.right};
    }""")


def test_dashboard_shows_a_hold_reason_whole(held, chromium, artifacts_dir):
    context = chromium.new_context(locale="vi-VN", viewport=DESKTOP)
    try:
        page = context.new_page()
        _login(page, held)
        with page.expect_navigation():  # one decided held comment: the chart has a row
            page.locator(".queue-item .actions .approve").first.click()
        for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(viewport)
            page.goto(f"{held.base_url}/moderation/dashboard")
            label = _reason_label(page)
            page.screenshot(path=str(artifacts_dir / f"32-dashboard-{name}.png"), full_page=True)
            # the whole wording, word spaces and all (the lines it wraps onto join with a space)
            assert " ".join(label["text"].split()) == HOLD_REASON, label
            # drawn beside its bar, not under it, and inside the chart
            assert label["labelRight"] <= label["barLeft"], (name, label)
            assert label["svgLeft"] - 1 <= label["labelLeft"], (name, label)  # glyph bearing
            assert label["svgRight"] <= viewport["width"], (name, label)
            assert _overflow(page)["scrollWidth"] <= viewport["width"], (name, _overflow(page))
    finally:
        context.close()


@pytest.fixture(scope="module")
def decided(start_engage):
    """A fresh server whose demo site has an approved comment (an audit row) and a vote."""
    server = start_engage({})
    token = _post(f"{server.base_url}/api/v1/readers")["token"]
    _post(f"{server.base_url}/api/v1/sites/demo/articles/bai-nhat-ky/comments",
          {"author_name": "Trần Văn Bình", "text": "Ý kiến để duyệt cho nhật ký kiểm duyệt."},
          token)
    return server


def test_moderation_tables_and_long_names_fit_a_phone(decided, chromium, artifacts_dir):
    """The audit log, the members and the settings pages at 390 px: a wide table scrolls in its
    own box and a 40-digit API key name wraps; the page never scrolls sideways (second
    new-user review: 727, 849 and 438 px)."""
    context = chromium.new_context(locale="vi-VN", viewport=PHONE)
    try:
        page = context.new_page()
        _login(page, decided)
        page.locator(".queue-item .actions button", has_text="Duyệt").first.click()
        expect(page.locator(".queue-item")).to_have_count(0)
        page.goto(f"{decided.base_url}/moderation/sites/1/settings")
        page.get_by_label("Tên khóa").fill("1" * 40)
        page.get_by_label("Tên khóa").press("Enter")
        expect(page.locator(".keys-list li").filter(has_text="1" * 40)).to_have_count(1)
        for path, name in (("/moderation/audit", "audit"), ("/moderation/sites/1/moderators",
                                                            "members"),
                           ("/moderation/sites/1/settings", "settings")):
            page.goto(decided.base_url + path)
            page.screenshot(path=str(artifacts_dir / f"33-{name}-phone.png"), full_page=True)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], (path, width)
        page.goto(f"{decided.base_url}/moderation/audit")
        expect(page.get_by_role("cell", name="Duyệt", exact=True)).to_have_count(1)
        expect(page.get_by_role("cell", name="Chờ duyệt → Đã duyệt", exact=True)).to_have_count(1)
    finally:
        context.close()
