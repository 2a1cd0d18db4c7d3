"""End to end, in a real browser: the demo article, a rating, a comment, moderation, publication.

Drives Debian Chromium (Playwright, sync API) against a real `engage serve` started by the
``engage_server`` fixture (see conftest.py).  Screenshots go to ``test-artifacts/``.
"""
from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip (or fail, with ENGAGE_REQUIRE_BROWSER=1) before use
    expect = None

pytestmark = pytest.mark.browser

FIRST_RATING = "Hãy trở thành người đầu tiên đánh giá cho bài viết này!"
AUTHOR = "Trần Thị Bích Ngọc"
LINK_TEXT = "https://vi.wikipedia.org/wiki/Đồng_Tháp"
LINK_HREF_PREFIX = "https://vi.wikipedia.org/wiki/"
COMMENT = f"Mùa nước nổi năm nay thật đẹp! Xem thêm tại {LINK_TEXT}."
COMMENT_BEFORE_LINK = "Mùa nước nổi năm nay thật đẹp! Xem thêm tại"
PENDING_NOTICE = "đang chờ ban biên tập duyệt"
INITIAL_MIN_HEIGHT_PX = 320  # embed.js: the iframe starts at min-height:320px
RESIZED_ABOVE_PX = 600


def _widget(page):
    """The widget iframe, scrolled into view (embed.js makes it loading=lazy)."""
    iframe = page.locator("iframe")
    expect(iframe).to_have_count(1)
    iframe.scroll_into_view_if_needed()
    return iframe, page.frame_locator("iframe")


def _expect_resized(page, iframe) -> None:
    """embed.js applied the height posted by widget.js: a real height, not the 320 px minimum."""
    page.wait_for_function(
        "([el, min]) => el.getBoundingClientRect().height > min",
        arg=[iframe.element_handle(), RESIZED_ABOVE_PX])
    box = iframe.bounding_box()
    assert box is not None and box["height"] > RESIZED_ABOVE_PX, box
    style = iframe.evaluate("el => ({height: el.style.height, minHeight: el.style.minHeight})")
    assert re.fullmatch(r"\d+px", style["height"]), style
    assert int(style["height"][:-2]) > INITIAL_MIN_HEIGHT_PX, style
    assert style["minHeight"] in ("0", "0px"), style


def _expect_rating(frame, count: str, average: str) -> None:
    expect(frame.locator('[data-role="summary-empty"]')).to_be_hidden()
    expect(frame.locator('[data-role="summary-filled"]')).to_be_visible()
    expect(frame.locator('[data-role="count"]')).to_have_text(count)
    expect(frame.locator('[data-role="average"]')).to_have_text(average)
    expect(frame.locator('[data-role="bin"][data-stars="4"]')).to_have_text(count)


def test_demo_rate_comment_moderate_publish(engage_server, browser_context, artifacts_dir):
    base = engage_server.base_url
    requests: list[str] = []
    console_errors: list[str] = []
    page_errors: list[str] = []

    def on_console(msg) -> None:
        if msg.type != "error":
            return
        where = (msg.location or {}).get("url", "")
        if urlsplit(where).path == "/favicon.ico" and "404" in msg.text:
            return  # the demo site has no favicon; the browser asks anyway
        console_errors.append(f"{msg.text} @ {where}")

    browser_context.on("request", lambda request: requests.append(request.url))
    browser_context.on("console", on_console)
    page = browser_context.new_page()
    page.on("pageerror", lambda err: page_errors.append(str(err)))

    # --- the demo article with the empty widget ---------------------------------------------
    page.goto(f"{base}/demo/")
    expect(page.locator("h1")).to_contain_text("Mùa nước nổi")
    iframe, frame = _widget(page)
    expect(frame.get_by_text(FIRST_RATING)).to_be_visible()
    expect(frame.locator('[data-role="summary-filled"]')).to_be_hidden()
    expect(frame.locator('[data-role="empty"]')).to_be_visible()
    _expect_resized(page, iframe)
    page.screenshot(path=str(artifacts_dir / "01-demo-before.png"), full_page=True)

    # --- rate 4 stars (the radios are visually hidden: click the label) ----------------------
    frame.locator('label[for="engage-star-4"]').click()
    expect(frame.locator("#engage-star-4")).to_be_checked()
    frame.get_by_role("button", name="Gửi đánh giá").click()
    expect(frame.locator('[data-role="rating-status"]')).to_have_text(
        "Cảm ơn bạn! Bạn đã đánh giá 4/5 sao.")
    _expect_rating(frame, "1", "4,0")
    expect(frame.get_by_text(FIRST_RATING)).to_be_hidden()

    # --- post a Vietnamese comment with a link: pre-moderation holds it ------------------------
    frame.get_by_label("Ý kiến của bạn").fill(COMMENT)
    frame.get_by_label("Họ tên").fill(AUTHOR)
    frame.get_by_role("button", name="Gửi bình luận").click()
    expect(frame.locator('[data-role="comment-status"]')).to_contain_text(PENDING_NOTICE)
    expect(frame.get_by_label("Ý kiến của bạn")).to_have_value("")
    expect(frame.locator('[data-role="thread"] .engage-comment')).to_have_count(0)
    page.screenshot(path=str(artifacts_dir / "02-demo-comment-pending.png"), full_page=True)

    # --- the moderator approves it ------------------------------------------------------------
    mod = browser_context.new_page()
    mod.on("pageerror", lambda err: page_errors.append(str(err)))
    mod.goto(f"{base}/moderation/login")
    mod.get_by_label("Tên đăng nhập").fill(engage_server.username)
    mod.get_by_label("Mật khẩu").fill(engage_server.password)
    mod.get_by_role("button", name="Đăng nhập", exact=True).click()
    expect(mod.get_by_role("heading", name="Hàng đợi kiểm duyệt")).to_be_visible()
    item = mod.locator(".queue-item").filter(has_text=AUTHOR)
    expect(item).to_have_count(1)
    expect(item.locator(".text")).to_contain_text(COMMENT_BEFORE_LINK)
    # The queue shows the text exactly as typed (links not clickable, matched words marked).
    expect(item.locator(".text")).to_contain_text(LINK_TEXT)
    expect(item.locator(".text a")).to_have_count(0)
    expect(mod.locator('.badge[data-status="pending"]')).to_have_text("1")
    mod.screenshot(path=str(artifacts_dir / "03-moderation-queue.png"), full_page=True)
    item.get_by_role("button", name="Duyệt").click()
    expect(mod.locator(".queue-item").filter(has_text=AUTHOR)).to_have_count(0)
    expect(mod.locator('.badge[data-status="pending"]')).to_have_text("0")
    expect(mod.locator('.badge[data-status="approved"]')).to_have_text("1")
    mod.close()

    # --- the reader reloads: the comment is published, diacritics and link intact ------------
    page.reload()
    iframe, frame = _widget(page)
    comment = frame.locator('[data-role="thread"] .engage-comment').filter(has_text=AUTHOR)
    expect(comment).to_have_count(1)
    expect(comment.locator(".engage-author")).to_have_text(AUTHOR)
    expect(comment.locator(".engage-text")).to_contain_text(COMMENT_BEFORE_LINK)
    expect(comment.locator(".engage-text")).to_contain_text(COMMENT)
    link = comment.locator(".engage-text a")
    expect(link).to_have_count(1)
    expect(link).to_have_text(LINK_TEXT)
    href = link.get_attribute("href") or ""
    assert href.startswith(LINK_HREF_PREFIX), href
    assert unquote(href) == LINK_TEXT, href
    rel = (link.get_attribute("rel") or "").split()
    assert "nofollow" in rel and "ugc" in rel, rel
    expect(frame.locator('[data-role="comment-count"]')).to_have_text("1")
    expect(frame.locator('[data-role="empty"]')).to_be_hidden()
    _expect_rating(frame, "1", "4,0")
    expect(frame.locator("#engage-star-4")).to_be_checked()  # the reader's own vote is remembered
    _expect_resized(page, iframe)
    page.screenshot(path=str(artifacts_dir / "04-demo-after.png"), full_page=True)

    # --- nothing left the server, nothing broke -----------------------------------------------
    foreign = [url for url in requests
               if urlsplit(url).scheme in ("http", "https", "ws", "wss")
               and urlsplit(url).netloc != engage_server.host]
    assert not foreign, f"requests to other hosts: {foreign}"
    assert any(urlsplit(url).path.startswith("/widget/") for url in requests), requests
    assert not page_errors, page_errors
    assert not console_errors, console_errors
