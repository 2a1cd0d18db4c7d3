"""In a real browser, from the keyboard: like another reader's comment (one's own is refused),
report, edit and delete one's own comment, sort.

Uses its own post-moderated site on the session's `engage serve` (created with the CLI), so the
demo flow's queue counts are untouched.  Screenshots go to ``test-artifacts/``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip (or fail, with ENGAGE_REQUIRE_BROWSER=1) before use
    expect = None

pytestmark = pytest.mark.browser

SITE = "thu-nghiem"
AUTHOR = "Nguyễn Văn Bình"
OTHER = "Trần Thị Lan"
TEXT = "Bài viết rõ ràng, cảm ơn tòa soạn."
EDITED = "Bài viết rõ ràng và đầy đủ, cảm ơn tòa soạn."


def _json(method: str, url: str, body: dict | None = None, token: str | None = None) -> dict:
    """One JSON request to the running server (as a reader, with ``token``)."""
    request = urllib.request.Request(url, method=method, data=None if body is None else
                                     json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json",
                                              **({"X-Engage-Reader": token} if token else {})})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def actions_site(engage_server):
    """A post-moderated site that creates articles on first use, on the running server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENGAGE_")}
    env["ENGAGE_DATABASE_URL"] = engage_server.database_url
    script = Path(sys.executable).parent / "engage"
    subprocess.run([str(script), "create-site", SITE, "--name", "Báo Thử Nghiệm",
                    "--post-moderation", "--auto-create-articles"], env=env, check=True,
                   capture_output=True, timeout=60)
    return SITE


def test_like_report_edit_delete_from_the_keyboard(engage_server, actions_site, browser_context,
                                                   artifacts_dir):
    errors: list[str] = []
    page = browser_context.new_page()
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    # Another reader's comment, posted through the API: the one this reader likes.
    api = f"{engage_server.base_url}/api/v1"
    other = _json("POST", f"{api}/readers")["token"]
    _json("POST", f"{api}/sites/{actions_site}/articles/bai-hanh-dong/comments",
          {"author_name": OTHER, "text": "Ý kiến của một độc giả khác."}, other)
    page.goto(f"{engage_server.base_url}/widget/{actions_site}/bai-hanh-dong")

    # --- post: published at once, and editable by its author ---------------------------------
    page.get_by_label("Ý kiến của bạn").fill(TEXT)
    page.get_by_label("Họ tên").fill(AUTHOR)
    page.wait_for_timeout(3100)  # the pipeline holds forms sent within 3 s of display (bots)
    page.get_by_role("button", name="Gửi bình luận").click()
    comment = page.locator('[data-role="thread"] .engage-comment').filter(has_text=AUTHOR)
    expect(comment).to_have_count(1)
    expect(page.locator('[data-role="comment-count"]')).to_have_text("2")
    edit = comment.get_by_role("button", name="Sửa", exact=True)
    expect(edit).to_be_visible()

    # --- one's own comment cannot be liked: the refusal is said, nothing changes ---------------
    own_like = comment.locator('[data-role="like"]')
    own_like.focus()
    page.keyboard.press("Enter")
    expect(page.locator('[data-role="thread-status"]')).to_contain_text(
        "không thể thích bình luận của chính mình")
    expect(own_like).to_have_attribute("aria-pressed", "false")

    # --- like another reader's comment, unlike, like again with Enter and Space ----------------
    theirs = page.locator('[data-role="thread"] .engage-comment').filter(has_text=OTHER)
    like = theirs.locator('[data-role="like"]')
    like.focus()
    page.keyboard.press("Enter")
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like.locator('[data-role="like-count"]')).to_have_text("1")
    page.keyboard.press("Space")
    expect(like).to_have_attribute("aria-pressed", "false")
    expect(like.locator('[data-role="like-count"]')).to_have_text("0")
    page.keyboard.press("Enter")
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like).to_be_focused()

    # --- report: one's own comment offers none (the server refuses it at any time; a second
    # new-user review found the button there); another's: Escape closes and gives focus back,
    # then a reason is sent and the button says so -----------------------------------------------
    expect(comment.get_by_role("button", name="Báo cáo", exact=True)).to_have_count(0)
    report = theirs.get_by_role("button", name="Báo cáo", exact=True)
    report.focus()
    page.keyboard.press("Enter")
    expect(report).to_have_attribute("aria-expanded", "true")
    expect(theirs.get_by_role("radio", name="Spam, quảng cáo")).to_be_focused()
    page.keyboard.press("Escape")
    expect(theirs.locator(".engage-report")).to_have_count(0)
    expect(report).to_be_focused()
    page.keyboard.press("Enter")
    theirs.get_by_role("radio", name="Lạc đề").check()
    theirs.get_by_label("Ghi chú (không bắt buộc)").fill("Không liên quan")
    theirs.get_by_role("button", name="Gửi báo cáo").click()
    expect(theirs.locator(".engage-report")).to_have_count(0)
    expect(theirs.get_by_role("button", name="Đã báo cáo", exact=True)).to_be_visible()

    # --- edit: the textarea takes focus and holds the text; saving re-renders ------------------
    edit.click()
    area = comment.get_by_label("Sửa bình luận")
    expect(area).to_be_focused()
    expect(area).to_have_value(TEXT)
    area.fill(EDITED)
    comment.get_by_role("button", name="Lưu", exact=True).click()
    expect(comment.locator(".engage-text")).to_have_text(EDITED)
    expect(comment.locator(".engage-edited")).to_have_text("đã sửa")
    page.screenshot(path=str(artifacts_dir / "10-reader-actions.png"), full_page=True)

    # --- sort by most liked, then delete after an inline confirmation ---------------------------
    # Wait for the re-sorted thread to replace the old nodes: clicking one that is about to be
    # replaced would lose the confirmation.
    comment.evaluate("el => el.setAttribute('data-before-sort', '')")
    page.get_by_label("Sắp xếp").select_option("most_liked")
    expect(page.locator("[data-before-sort]")).to_have_count(0)
    expect(theirs.locator('[data-role="like"]')).to_have_attribute("aria-pressed", "true")
    expect(page.locator('[data-role="thread"] .engage-comment').first).to_contain_text(OTHER)
    comment.get_by_role("button", name="Xóa", exact=True).first.click()
    expect(comment.get_by_text("Xóa bình luận này?")).to_be_visible()
    comment.locator(".engage-confirm").get_by_role("button", name="Xóa").click()
    expect(page.locator('[data-role="thread-status"]')).to_have_text("Đã xóa bình luận.")
    expect(page.locator('[data-role="thread"] .engage-comment')).to_have_count(1)  # theirs
    expect(page.locator('[data-role="comment-count"]')).to_have_text("1")
    # Only the deliberate refusals (own like and own report, 422) and the favicon may log a
    # resource error.
    unexpected = [e for e in errors if "(UNPROCESSABLE ENTITY)" not in e and "404" not in e]
    assert not unexpected, errors
