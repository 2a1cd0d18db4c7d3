"""The moderator workspace's layout in Chromium, at a desktop width and a phone's (390 x 844):
the queue with a held comment fits the phone without sideways scrolling.

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
