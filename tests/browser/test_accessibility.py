"""WCAG 2.1 A/AA in Chromium with axe-core (from npm, tests/browser/js): the widget empty,
rated, with a reply thread, offering and showing new comments and in an error state, and the
moderator queue.

axe is injected as a script tag, which the pages' CSP (no inline script) forbids, so these
pages are opened in a context that bypasses CSP — for the checker only; every other browser
test runs with the real policy.
"""
from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip (or fail, with ENGAGE_REQUIRE_BROWSER=1) before use
    expect = None

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "js" / "node_modules" / "axe-core" / "axe.min.js"
SITE = "kiem-tra-a11y"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(" ") + " :: " + n.failureSummary)}));
}"""


@pytest.fixture(scope="module")
def axe_path() -> Path:
    """axe-core as `npm ci` in tests/browser/js installs it (.ci/run does)."""
    if not AXE.is_file():
        if os.environ.get("ENGAGE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{AXE} missing: run `npm ci` in tests/browser/js", pytrace=False)
        pytest.skip(f"{AXE} missing: run `npm ci` in tests/browser/js")
    return AXE


@pytest.fixture(scope="module")
def a11y_site(engage_server, engage_cli):
    """A post-moderated site with an article that has a rating and a thread with replies."""
    engage_cli("create-site", SITE, "--name", "Báo Kiểm Tra", "--post-moderation",
               "--auto-create-articles")
    api = engage_server.base_url + "/api/v1"

    def call(method, path, body, token=None):
        req = urllib.request.Request(api + path, method=method, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json",
                                              **({"X-Engage-Reader": token} if token else {})})
        with urllib.request.urlopen(req, timeout=30) as response:
            return json.loads(response.read())

    for stars in (5, 4, 4):
        call("PUT", f"/sites/{SITE}/articles/da-danh-gia/rating", {"stars": stars},
             call("POST", "/readers", {})["token"])
    token = call("POST", "/readers", {})["token"]
    parent = call("POST", f"/sites/{SITE}/articles/co-tra-loi/comments",
                  {"author_name": "Đặng Thu Thảo", "text": "Mùa lũ năm nay đến sớm."}, token)
    for i in range(5):  # more than the first three replies: the "more replies" button shows
        call("POST", f"/sites/{SITE}/articles/co-tra-loi/comments",
             {"author_name": f"Độc giả {i}", "text": f"Trả lời số {i} về mùa lũ.",
              "parent_id": parent["id"]}, call("POST", "/readers", {})["token"])
    return SITE


@pytest.fixture
def a11y_context(chromium):
    context = chromium.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh",
                                   viewport={"width": 1280, "height": 900}, bypass_csp=True)
    context.set_default_timeout(15_000)
    yield context
    context.close()


def _violations(page, axe_path: Path) -> list[dict]:
    page.add_script_tag(path=str(axe_path))
    return page.evaluate(RUN_AXE, WCAG_TAGS)


@pytest.mark.parametrize("article,lang", [("trong", "vi"), ("da-danh-gia", "vi"),
                                          ("co-tra-loi", "vi"), ("co-tra-loi", "en")])
def test_widget_has_no_wcag_violations(engage_server, a11y_site, a11y_context, axe_path,
                                       article, lang):
    page = a11y_context.new_page()
    page.goto(f"{engage_server.base_url}/widget/{SITE}/{article}?lang={lang}")
    expect(page.locator("#engage-rating-title")).to_be_visible()
    if article == "co-tra-loi":
        expect(page.locator(".engage-reply")).to_have_count(3)
        expect(page.locator('[data-role="more-replies"]')).to_be_visible()
    if article == "da-danh-gia":
        expect(page.locator('[data-role="summary-filled"]')).to_be_visible()
    assert _violations(page, axe_path) == []


def test_live_thread_notice_and_inserted_comment_have_no_wcag_violations(
        engage_server, a11y_site, a11y_context, axe_path):
    page = a11y_context.new_page()
    page.goto(f"{engage_server.base_url}/widget/{SITE}/song-dong")
    api = engage_server.base_url + "/api/v1"
    token = json.loads(urllib.request.urlopen(urllib.request.Request(
        api + "/readers", data=b"{}", method="POST",
        headers={"Content-Type": "application/json"}), timeout=30).read())["token"]
    urllib.request.urlopen(urllib.request.Request(
        f"{api}/sites/{SITE}/articles/song-dong/comments", method="POST",
        data=json.dumps({"author_name": "Võ Minh Khang", "text": "Vừa đọc xong, rất hay."}).encode(),
        headers={"Content-Type": "application/json", "X-Engage-Reader": token}), timeout=30)
    # Coming back to the tab checks at once (the default poll is 30 s).
    page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
    notice = page.get_by_role("button", name="1 bình luận mới")
    expect(notice).to_be_visible()
    assert _violations(page, axe_path) == []
    notice.click()
    expect(page.locator(".engage-comment")).to_have_count(1)
    assert _violations(page, axe_path) == []


def test_widget_error_state_has_no_wcag_violations(engage_server, a11y_site, a11y_context,
                                                   axe_path):
    page = a11y_context.new_page()
    page.goto(f"{engage_server.base_url}/widget/{SITE}/loi")
    page.get_by_label("Họ tên").fill("Lý Thị Mai")
    page.get_by_role("button", name="Gửi bình luận").click()  # empty text: the server says why
    expect(page.locator('[data-role="comment-status"]')).to_have_text(
        "Vui lòng nhập nội dung bình luận.")
    page.get_by_role("button", name="Gửi đánh giá").click()  # no star chosen
    expect(page.locator('[data-role="rating-status"]')).to_have_text("Vui lòng chọn số sao.")
    expect(page.get_by_label("Họ tên")).to_have_value("Lý Thị Mai")  # typed text kept
    assert _violations(page, axe_path) == []


def test_the_checker_finds_a_known_violation(a11y_context, axe_path):
    """Control: the same run reports what it should, so an empty list above means something."""
    page = a11y_context.new_page()
    page.set_content('<html><body><img src="data:,"><button></button></body></html>')
    found = {v["id"] for v in _violations(page, axe_path)}
    assert {"html-has-lang", "image-alt", "button-name"} <= found, found


def test_moderation_queue_has_no_wcag_violations(engage_server, engage_cli, a11y_context,
                                                 axe_path):
    # Its own pre-moderated site and moderator: the demo flow's queue counts stay untouched.
    password = "mat-khau-kiem-tra-a11y"
    engage_cli("create-site", "kiem-duyet-a11y", "--name", "Báo Kiểm Duyệt",
               "--auto-create-articles")
    engage_cli("create-moderator", "a11y", "--site", "kiem-duyet-a11y", "--password", password)
    token = json.loads(urllib.request.urlopen(urllib.request.Request(
        engage_server.base_url + "/api/v1/readers", data=b"{}", method="POST",
        headers={"Content-Type": "application/json"}), timeout=30).read())["token"]
    urllib.request.urlopen(urllib.request.Request(
        engage_server.base_url + "/api/v1/sites/kiem-duyet-a11y/articles/a11y/comments",
        method="POST", data=json.dumps({"author_name": "Hồ Văn Nam",
                                        "text": "Chờ duyệt: xem thêm https://example.com/a"}).encode(),
        headers={"Content-Type": "application/json", "X-Engage-Reader": token}), timeout=30)
    page = a11y_context.new_page()
    page.goto(f"{engage_server.base_url}/moderation/login")
    assert _violations(page, axe_path) == []
    page.get_by_label("Tên đăng nhập").fill("a11y")
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    expect(page.locator(".queue-item").filter(has_text="Hồ Văn Nam")).to_have_count(1)
    assert _violations(page, axe_path) == []
