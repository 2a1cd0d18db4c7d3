"""The widget's layout and its state after client-side changes, in Chromium: the reader-data
actions are two separate controls, a reported comment says so, a thread left without comments
shows its empty state, and the embedding iframe follows the widget's height down as well as up.

Uses its own post-moderated site on the session's `engage serve` (created with the CLI), so the
demo flow's counts are untouched.  The news page embedding the widget is served by Playwright
(page.route) at http://news.test, one of the site's allowed origins.
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

SITE = "bo-cuc"
NEWS = "http://news.test"
OTHER, AUTHOR = "Trần Thị Lan", "Nguyễn Văn Bình"
# Three links: more than the site's link limit (2), so this edit is held for moderation again.
HELD_EDIT = "Xem https://a.example/1 và https://b.example/2 và https://c.example/3"


def _json(method: str, url: str, body: dict | None = None, token: str | None = None) -> dict:
    """One JSON request to the running server (as a reader, with ``token``)."""
    request = urllib.request.Request(url, method=method, data=None if body is None else
                                     json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json",
                                              **({"X-Engage-Reader": token} if token else {})})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def layout_site(engage_cli):
    """A post-moderated site that creates articles on first use and may be framed by NEWS."""
    engage_cli("create-site", SITE, "--name", "Báo Bố Cục", "--origin", NEWS,
               "--post-moderation", "--auto-create-articles")
    return SITE


class Reader:
    """A reader token, and comments posted with it through the API on one article."""

    def __init__(self, server, article: str):
        self.api = f"{server.base_url}/api/v1"
        self.article_url = f"{self.api}/sites/{SITE}/articles/{article}"
        self.token = _json("POST", f"{self.api}/readers")["token"]

    def comment(self, author: str, text: str) -> int:
        """Post a comment (published at once on this post-moderated site); its id."""
        return _json("POST", f"{self.article_url}/comments",
                     {"author_name": author, "text": text}, self.token)["id"]


def _as_reader(page, reader: Reader) -> None:
    """Give every frame of ``page`` the reader's token before the widget reads it."""
    page.add_init_script(f"try {{ localStorage.setItem('engage:reader', {json.dumps(reader.token)}); }}"
                         " catch (e) {}")


def _widget_page(context, server, article: str) -> object:
    """A news page on NEWS with the embed snippet for ``article``; the page, loaded."""
    html = (f'<!doctype html><html lang="vi"><meta charset="utf-8"><title>Bài</title>'
            f"<h1>Bài viết</h1><p>Nội dung.</p>"
            f'<div data-engage-site="{SITE}" data-engage-article="{article}"></div>'
            f'<script src="{server.base_url}/embed.js" async></script><p>Chân trang.</p>')
    context.route(f"{NEWS}/**", lambda route: route.fulfill(
        status=200, content_type="text/html; charset=utf-8", body=html))
    page = context.new_page()
    page.goto(f"{NEWS}/bai-viet.html")
    return page


def test_reader_data_actions_are_two_separate_controls(engage_server, layout_site,
                                                       browser_context, artifacts_dir):
    reader = Reader(engage_server, "bai-du-lieu")
    page = browser_context.new_page()
    _as_reader(page, reader)
    page.goto(f"{engage_server.base_url}/widget/{SITE}/bai-du-lieu")
    download = page.get_by_role("button", name="Tải dữ liệu của tôi", exact=True)
    erase = page.get_by_role("button", name="Xóa dữ liệu của tôi", exact=True)
    expect(download).to_be_visible()
    expect(erase).to_be_visible()
    page.locator('[data-role="my-data"]').screenshot(path=str(artifacts_dir / "40-my-data.png"))
    first, second = download.bounding_box(), erase.bounding_box()
    same_line = abs(first["y"] - second["y"]) < first["height"] / 2
    # side by side with a visible gap (a separator dot between), or on lines of their own
    assert (not same_line) or second["x"] - (first["x"] + first["width"]) >= 16, (first, second)
    expect(page.locator('[data-role="my-data"] .engage-sep')).to_be_visible()
    expect(page.locator('[data-role="my-data"] .engage-sep')).to_have_attribute(
        "aria-hidden", "true")
