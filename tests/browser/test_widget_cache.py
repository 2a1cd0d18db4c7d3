"""The widget page is public and cached (max-age + stale-while-revalidate), the same for every
reader; a reader's own write must still show when they reload right after it (a new-user
review saw the totals from before their vote beside "Bạn đã đánh giá 2/5 sao").  Its own
instance of `engage serve`, so the demo article starts with no votes."""
from __future__ import annotations

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip (or fail, with ENGAGE_REQUIRE_BROWSER=1) before use
    expect = None

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(start_engage):
    """`engage serve` with the shipped cache times (10 s max-age, 30 s stale-while-revalidate)."""
    return start_engage({})


def test_a_reload_right_after_voting_shows_the_vote_in_the_totals(server, browser_context):
    page = browser_context.new_page()
    page.goto(f"{server.base_url}/demo/")
    frame = page.frame_locator("iframe")
    expect(frame.locator('[data-role="summary-filled"]')).to_be_hidden()
    frame.locator('label[for="engage-star-4"]').click()
    frame.get_by_role("button", name="Gửi đánh giá").click()
    expect(frame.locator('[data-role="count"]')).to_have_text("1")
    page.reload()  # the iframe's page comes from the browser's cache, as before the vote
    frame = page.frame_locator("iframe")
    expect(frame.locator('[data-role="rating-status"]')).to_contain_text("4/5")
    expect(frame.locator('[data-role="summary-filled"]')).to_be_visible()
    expect(frame.locator('[data-role="count"]')).to_have_text("1")
    expect(frame.locator('[data-role="average"]')).to_have_text("4,0")
    expect(frame.locator('[data-role="bin"][data-stars="4"]')).to_have_text("1")
