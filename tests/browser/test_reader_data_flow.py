"""In a real browser: a reader who voted downloads their data as a JSON file, then erases it;
the vote is gone from the article and the widget forgets the token."""
from __future__ import annotations

import json

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip (or fail, with ENGAGE_REQUIRE_BROWSER=1) before use
    expect = None

pytestmark = pytest.mark.browser


def test_download_then_erase_from_the_widget(engage_server, browser_context, artifacts_dir):
    errors: list[str] = []
    page = browser_context.new_page()
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(f"{engage_server.base_url}/widget/demo/bai-du-lieu-doc-gia")
    section = page.locator('[data-role="my-data"]')
    expect(section).to_be_hidden()  # no token yet: nothing to download

    page.locator('label[for="engage-star-4"]').click()
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.locator('[data-role="count"]')).to_have_text("1")
    page.locator("body").click()
    expect(section).to_be_visible()

    with page.expect_download() as info:
        page.get_by_role("button", name="Tải dữ liệu của tôi").click()
    download = info.value
    assert download.suggested_filename == "engage-my-data.json"
    data = json.loads(download.path().read_text(encoding="utf-8"))
    assert [(r["article"], r["stars"]) for r in data["ratings"]] == [("bai-du-lieu-doc-gia", 4)]

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Xóa dữ liệu của tôi").click()
    expect(page.locator('[data-role="data-status"]')).to_have_text(
        "Đã xóa toàn bộ dữ liệu của bạn.")
    page.screenshot(path=str(artifacts_dir / "20-reader-data-erased.png"), full_page=True)
    assert page.evaluate("window.localStorage.getItem('engage:reader')") is None
    page.reload()
    expect(page.locator('[data-role="summary-empty"]')).to_be_visible()
    assert not errors, errors
