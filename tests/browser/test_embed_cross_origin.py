"""The embed on a real news page from another origin, in Debian Chromium.

The news pages are served from 127.0.0.2 (allowed origin) and 127.0.0.3 (not allowed); Engage
is the session's `engage serve` on 127.0.0.1.  Checked: several widgets and one inserted after
load, lazy iframes that resize, rating, posting, replying, liking and reporting across
origins; count.js fills 30 badges with one request (and 130 with two, and long keys in
requests under gunicorn's request line limit); the other origin can neither frame the widget
nor read the API; nothing is requested from any third host.  Also the star control from the
keyboard alone, and screenshots of the demo page in both languages.
"""
from __future__ import annotations

import json
import re
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip (or fail, with ENGAGE_REQUIRE_BROWSER=1) before use
    expect = None

pytestmark = pytest.mark.browser

SITE = "bao-nhung"
NEWS_HOST, OTHER_HOST = "127.0.0.2", "127.0.0.3"
SEEDED_AUTHOR, SEEDED_TEXT = "Phạm Minh Châu", "Nước về sớm, bà con cần chuẩn bị kỹ."
AUTHOR = "Võ Thị Sáu"
TEXT = "Cảm ơn phóng viên đã đưa tin kịp thời."
REPLY = "Đồng ý với chị, thông tin rất hữu ích."


class Pages:
    """A tiny static web server for the news site's pages on one loopback address."""

    def __init__(self, host: str):
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                if self.path == "/favicon.ico":  # browsers ask; a news site has one
                    self.send_response(204)
                    self.end_headers()
                    return
                body = pages.get(urlsplit(self.path).path)
                self.send_response(200 if body is not None else 404)
                data = (body or "not found").encode()
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.origin = f"http://{host}:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def news(engage_cli):
    """The allowed news origin (127.0.0.2) and a stranger (127.0.0.3), and a post-moderated
    site on the running Engage that allows only the first."""
    allowed, stranger = Pages(NEWS_HOST), Pages(OTHER_HOST)
    engage_cli("create-site", SITE, "--name", "Báo Nhúng", "--origin", allowed.origin,
               "--post-moderation", "--auto-create-articles")
    try:
        yield allowed, stranger
    finally:
        allowed.close()
        stranger.close()


def _api(engage, method, path, body=None, token=None):
    """A JSON call straight to Engage (seeding data as another reader would)."""
    req = urllib.request.Request(engage + "/api/v1" + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json",
                                          **({"X-Engage-Reader": token} if token else {})})
    with urllib.request.urlopen(req, timeout=30) as response:
        return json.loads(response.read())


def _token(engage) -> str:
    return _api(engage, "POST", "/readers", {})["token"]


def _article_page(engage: str) -> str:
    return f"""<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>Báo Nhúng — Mùa nước nổi</title></head><body>
<h1>Mùa nước nổi về</h1><p>Bài viết của một tờ báo khác nguồn gốc.</p>
<div id="w1" data-engage-site="{SITE}" data-engage-article="bai-cheo"></div>
<div id="w2" data-engage-site="{SITE}" data-engage-article="bai-cheo-2" data-engage-mode="rating"></div>
<div id="later"></div>
<script src="{engage}/embed.js" async></script>
<script>
setTimeout(function () {{  /* a single-page site brings a new article after load */
  var d = document.createElement("div");
  d.id = "w3"; d.setAttribute("data-engage-site", "{SITE}");
  d.setAttribute("data-engage-article", "bai-spa"); d.setAttribute("data-engage-mode", "comments");
  document.getElementById("later").appendChild(d);
}}, 400);
</script></body></html>"""


def _track(context, errors: list[str]) -> list[str]:
    urls: list[str] = []
    context.on("request", lambda request: urls.append(request.url))
    context.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return urls


def _hosts(urls: list[str]) -> set[str]:
    return {urlsplit(u).netloc for u in urls if urlsplit(u).scheme in ("http", "https", "ws", "wss")}


def test_widgets_work_across_origins(engage_server, news, browser_context, artifacts_dir):
    allowed, _ = news
    engage = engage_server.base_url
    seeded = _api(engage, "POST", f"/sites/{SITE}/articles/bai-cheo/comments",
                  {"author_name": SEEDED_AUTHOR, "text": SEEDED_TEXT}, _token(engage))
    assert seeded["status"] == "approved"
    allowed.pages["/bai-cheo.html"] = _article_page(engage)
    errors: list[str] = []
    urls = _track(browser_context, errors)
    page = browser_context.new_page()
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(allowed.origin + "/bai-cheo.html")

    # Three widgets, one of them inserted after load (MutationObserver), each a lazy iframe.
    expect(page.locator("[data-engage-site] iframe")).to_have_count(3)
    for frame_el in page.locator("[data-engage-site] iframe").all():
        assert frame_el.get_attribute("loading") == "lazy"
        assert frame_el.get_attribute("src").startswith(engage + "/widget/")
    assert "mode=rating" in page.locator("#w2 iframe").get_attribute("src")
    page.locator("#w3 iframe").scroll_into_view_if_needed()
    spa = page.frame_locator("#w3 iframe")
    expect(spa.locator('[data-role="comment-form"]')).to_be_visible()
    expect(spa.locator('[data-role="rate-form"]')).to_have_count(0)
    page.locator("#w2 iframe").scroll_into_view_if_needed()
    expect(page.frame_locator("#w2 iframe").locator('[data-role="rate-form"]')).to_be_visible()
    expect(page.frame_locator("#w2 iframe").locator('[data-role="comment-form"]')).to_have_count(0)

    iframe = page.locator("#w1 iframe")
    iframe.scroll_into_view_if_needed()
    frame = page.frame_locator("#w1 iframe")
    expect(frame.locator(".engage-comment").filter(has_text=SEEDED_AUTHOR)).to_have_count(1)
    page.wait_for_function("el => el.style.height !== '' && el.style.minHeight === '0px'",
                           arg=iframe.element_handle())
    first_height = iframe.bounding_box()["height"]
    inner = frame.locator("html").evaluate("el => el.scrollHeight")
    assert abs(first_height - inner) <= 2, (first_height, inner)

    # Rate.
    frame.locator('label[for="engage-star-5"]').click()
    frame.get_by_role("button", name="Gửi đánh giá").click()
    expect(frame.locator('[data-role="rating-status"]')).to_have_text("Cảm ơn bạn! Bạn đã đánh giá 5/5 sao.")
    expect(frame.locator('[data-role="average"]')).to_have_text("5,0")

    # Like and report the other reader's comment.
    seeded_li = frame.locator(".engage-comment").filter(has_text=SEEDED_AUTHOR).first
    like = seeded_li.locator('[data-role="like"]').first
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like.locator('[data-role="like-count"]')).to_have_text("1")
    seeded_li.locator('[data-role="report"]').first.click()
    frame.get_by_label("Spam, quảng cáo").check()
    frame.get_by_role("button", name="Gửi báo cáo").click()
    expect(frame.locator('[data-role="thread-status"]')).to_have_text(
        "Cảm ơn bạn! Ban biên tập sẽ xem xét báo cáo.")

    # Post (published at once on this site), then reply to the other reader.
    page.wait_for_timeout(3100)  # the pipeline holds forms sent within 3 s of display
    frame.get_by_label("Ý kiến của bạn").fill(TEXT)
    frame.get_by_label("Họ tên").fill(AUTHOR)
    frame.get_by_role("button", name="Gửi bình luận").click()
    expect(frame.locator('[data-role="comment-status"]')).to_have_text("Bình luận của bạn đã được đăng.")
    expect(frame.locator(".engage-comment").filter(has_text=TEXT)).to_have_count(1)
    seeded_li = frame.locator(".engage-comment").filter(has_text=SEEDED_AUTHOR).first
    seeded_li.get_by_role("button", name="Trả lời").first.click()
    expect(frame.locator('[data-role="replying-text"]')).to_have_text(f"Đang trả lời {SEEDED_AUTHOR}")
    frame.get_by_label("Ý kiến của bạn").fill(REPLY)
    frame.get_by_role("button", name="Gửi bình luận").click()
    reply = frame.locator(".engage-replies .engage-reply").filter(has_text=REPLY)
    expect(reply).to_have_count(1)
    expect(frame.locator('[data-role="comment-count"]')).to_have_text("3")

    # The iframe grew with its content (a new height posted and applied).
    page.wait_for_function("([el, h]) => el.getBoundingClientRect().height > h + 50",
                           arg=[iframe.element_handle(), first_height])
    iframe.screenshot(path=str(artifacts_dir / "embed-cross-origin.png"))

    assert _hosts(urls) <= {engage_server.host, urlsplit(allowed.origin).netloc}, _hosts(urls)
    assert not errors, errors


def test_count_badges_fill_with_one_request(engage_server, news, browser_context):
    allowed, _ = news
    engage = engage_server.base_url
    _api(engage, "PUT", f"/sites/{SITE}/articles/dem-1/rating", {"stars": 4}, _token(engage))
    for text in ("Bình luận thứ nhất", "Bình luận thứ hai"):
        _api(engage, "POST", f"/sites/{SITE}/articles/dem-2/comments",
             {"author_name": "Lan", "text": text}, _token(engage))
    badges = "\n".join(
        f'<li>Bài {i} <span data-engage-count="{"both" if i == 1 else "comments"}" '
        f'data-engage-article="dem-{i}">…</span></li>' for i in range(30))
    many = "\n".join(f'<span data-engage-count data-engage-article="nhieu-{i}">…</span>'
                     for i in range(130))
    allowed.pages["/chuyen-muc.html"] = (
        f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Chuyên mục</title>'
        f'</head><body><ul>{badges}</ul><script src="{engage}/count.js" '
        f'data-engage-site="{SITE}"></script></body></html>')
    allowed.pages["/nhieu.html"] = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Many</title></head>'
        f'<body>{many}<script src="{engage}/count.js" data-engage-site="{SITE}"></script>'
        f'</body></html>')
    errors: list[str] = []
    urls = _track(browser_context, errors)
    page = browser_context.new_page()
    page.goto(allowed.origin + "/chuyen-muc.html")
    expect(page.locator("[data-engage-filled]")).to_have_count(30)
    expect(page.locator('[data-engage-article="dem-2"]')).to_have_text("2 bình luận")
    expect(page.locator('[data-engage-article="dem-1"]')).to_have_text("0 bình luận · 4,0★ (1 lượt đánh giá)")
    expect(page.locator('[data-engage-article="dem-7"]')).to_have_text("0 bình luận")
    counts = [u for u in urls if urlsplit(u).path == f"/api/v1/sites/{SITE}/counts"]
    assert len(counts) == 1, counts

    urls.clear()
    page.goto(allowed.origin + "/nhieu.html")
    expect(page.locator("[data-engage-filled]")).to_have_count(130)
    expect(page.locator('[data-engage-article="nhieu-129"]')).to_have_text("0 comments")
    counts = [u for u in urls if urlsplit(u).path == f"/api/v1/sites/{SITE}/counts"]
    assert len(counts) == 2, counts  # 100 keys per request, the API's limit
    # English counts one vote as "vote" (a new-user test saw "(1 votes)").
    allowed.pages["/one.html"] = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>One</title></head>'
        f'<body><span data-engage-count="both" data-engage-article="dem-1">…</span>'
        f'<script src="{engage}/count.js" data-engage-site="{SITE}"></script></body></html>')
    page.goto(allowed.origin + "/one.html")
    expect(page.locator('[data-engage-article="dem-1"]')).to_have_text("0 comments · 4.0★ (1 vote)")
    assert _hosts(urls) <= {engage_server.host, urlsplit(allowed.origin).netloc}
    assert not errors, errors


def test_count_badges_with_long_keys_split_requests_under_the_request_line_limit(
        engage_server, news, browser_context):
    """60 keys of 150 characters (the ``:`` encodes to 3): one request of all of them would be
    a 9,800-character target, which gunicorn answers "414 URI Too Long" (its request line
    limit is 4,094 bytes); before, every badge on such a listing page stayed empty."""
    allowed, _ = news
    engage = engage_server.base_url
    keys = [(f"{i:02d}:" + "ha-noi-tang-cuong-kiem-tra-an-toan-thuc-pham-dip-tet-" * 3)[:150]
            for i in range(60)]
    _api(engage, "POST", f"/sites/{SITE}/articles/{keys[-1]}/comments",
         {"author_name": "Lan", "text": "Bình luận ở bài cuối danh sách"}, _token(engage))
    badges = "\n".join(f'<span data-engage-count data-engage-article="{k}">…</span>'
                       for k in keys)
    allowed.pages["/dai.html"] = (
        f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Dài</title></head>'
        f'<body>{badges}<script src="{engage}/count.js" data-engage-site="{SITE}"></script>'
        f'</body></html>')
    errors: list[str] = []
    urls = _track(browser_context, errors)
    page = browser_context.new_page()
    page.goto(allowed.origin + "/dai.html")
    expect(page.locator("[data-engage-filled]")).to_have_count(60)
    expect(page.locator(f'[data-engage-article="{keys[-1]}"]')).to_have_text("1 bình luận")
    counts = [urlsplit(u) for u in urls if urlsplit(u).path == f"/api/v1/sites/{SITE}/counts"]
    targets = [f"{u.path}?{u.query}" for u in counts]
    assert all(len(t) <= 3800 for t in targets), [len(t) for t in targets]
    assert len(targets) == 3, [len(t) for t in targets]  # 24 + 24 + 12 keys of 154 characters
    assert not errors, errors


def test_a_stranger_origin_can_neither_frame_nor_read(engage_server, news, browser_context):
    allowed, stranger = news
    engage = engage_server.base_url
    stranger.pages["/copy.html"] = _article_page(engage)
    allowed.pages["/probe.html"] = stranger.pages["/probe.html"] = (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>x</title></head>'
        '<body></body></html>')
    read = f"""async () => {{
        try {{ const r = await fetch("{engage}/api/v1/sites/{SITE}/counts?articles=a");
               return "read " + r.status; }}
        catch (e) {{ return "refused"; }} }}"""
    page = browser_context.new_page()
    page.goto(allowed.origin + "/probe.html")
    assert page.evaluate(read) == "read 200"  # control: the allowed origin reads it

    console: list[str] = []
    page = browser_context.new_page()
    page.on("console", lambda msg: console.append(msg.text))
    page.goto(stranger.origin + "/probe.html")
    assert page.evaluate(read) == "refused"
    page.goto(stranger.origin + "/copy.html")
    expect(page.locator("#w1 iframe")).to_have_count(1)
    page.locator("#w1 iframe").scroll_into_view_if_needed()
    page.wait_for_function("() => [...document.querySelectorAll('iframe')].length === 3")
    page.locator("#w3 iframe").scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelectorAll('iframe').length === 3")
    page.wait_for_timeout(1500)
    children = [f for f in page.frames if f != page.main_frame]
    # The browser refused to render Engage inside the stranger's page (CSP frame-ancestors):
    # each iframe holds Chromium's error page, never the widget.
    assert len(children) == 3 and all(f.url.startswith("chrome-error://") for f in children), \
        [f.url for f in children]
    assert any("frame-ancestors" in text for text in console), console


def test_friendly_errors_keep_the_typed_text(engage_server, engage_cli, news, browser_context):
    engage = engage_server.base_url
    key = engage_cli("create-api-key", SITE)

    def cms(body):  # the newspaper's CMS, server to server
        req = urllib.request.Request(
            f"{engage}/api/v1/sites/{SITE}/integration/articles/bai-loi", method="PUT",
            data=json.dumps(body).encode(), headers={"Content-Type": "application/json",
                                                     "Authorization": f"Bearer {key}"})
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status

    assert cms({"title": "Bài có lỗi", "comments_open": True}) == 201
    page = browser_context.new_page()
    page.goto(f"{engage}/widget/{SITE}/bai-loi")
    page.locator('label[for="engage-star-3"]').click()
    page.get_by_role("button", name="Gửi đánh giá").click()  # the reader now has a token
    expect(page.locator('[data-role="rating-status"]')).to_contain_text("3/5")
    token = page.evaluate("localStorage.getItem('engage:reader')")

    # The CMS closes comments while the reader is typing.
    assert cms({"comments_open": False}) == 200
    page.wait_for_timeout(3100)
    page.get_by_label("Ý kiến của bạn").fill("Ý kiến gửi sau khi đóng.")
    page.get_by_label("Họ tên").fill(AUTHOR)
    page.get_by_role("button", name="Gửi bình luận").click()
    expect(page.locator('[data-role="comment-status"]')).to_have_text("Bài viết này đã đóng bình luận.")
    expect(page.get_by_label("Ý kiến của bạn")).to_have_value("Ý kiến gửi sau khi đóng.")

    # Reopened; the reader has used the per-minute quota: told how long to wait, in English.
    assert cms({"comments_open": True}) == 200
    for i in range(5):
        _api(engage, "POST", f"/sites/{SITE}/articles/bai-loi/comments",
             {"author_name": AUTHOR, "text": f"Bình luận nhanh số {i}"}, token)
    page.goto(f"{engage}/widget/{SITE}/bai-loi?lang=en")
    page.wait_for_timeout(3100)
    page.get_by_label("Your comment").fill("One more thought.")
    page.get_by_label("Name").fill(AUTHOR)
    page.get_by_role("button", name="Post comment").click()
    status = page.locator('[data-role="comment-status"]')
    expect(status).to_contain_text("Please try again in")
    assert re.search(r"in \d+ seconds\.$", status.text_content()), status.text_content()
    expect(page.get_by_label("Your comment")).to_have_value("One more thought.")


def test_character_counter_counts_like_the_server(engage_server, news, browser_context):
    """Code points after NFC, as the server counts: a decomposed "ế" (3 code points) is one."""
    page = browser_context.new_page()
    page.goto(f"{engage_server.base_url}/widget/{SITE}/bai-dem-ky-tu")
    counter = page.locator('[data-role="counter"]')
    expect(counter).to_have_text("Còn 3000 ký tự")
    decomposed = "Tie\u0302\u0301ng Vie\u0323\u0302t 👍"  # "Tiếng Việt 👍" typed in NFD
    page.get_by_label("Ý kiến của bạn").fill(decomposed)
    expect(counter).to_have_text(f"Còn {3000 - 12} ký tự")
    page.get_by_label("Ý kiến của bạn").fill("ạ" * 3001)
    expect(counter).to_have_text("Vượt quá 1 ký tự")
    # Zero-width, bidi and trailing blanks are dropped by the server before counting.
    page.get_by_label("Ý kiến của bạn").fill("a\u200bb\u202ec \n\n\n\nd\u00ad  \n\n")
    expect(counter).to_have_text(f"Còn {3000 - len('abc' + chr(10) * 2 + 'd')} ký tự")


def test_star_control_by_keyboard_alone(engage_server, news, browser_context):
    page = browser_context.new_page()
    page.goto(f"{engage_server.base_url}/widget/{SITE}/bai-ban-phim")
    for _ in range(15):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "stars":
            break
    assert page.evaluate("document.activeElement.id") == "engage-star-1"
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.id") == "engage-star-4"
    expect(page.locator("#engage-star-4")).to_be_checked()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Gửi đánh giá"
    page.keyboard.press("Enter")
    expect(page.locator('[data-role="rating-status"]')).to_have_text(
        "Cảm ơn bạn! Bạn đã đánh giá 4/5 sao.")
    expect(page.locator('[data-role="average"]')).to_have_text("4,0")
    # The focused star shows a visible focus ring (keyboard users see where they are).
    page.locator("#engage-star-4").focus()
    page.keyboard.press("ArrowLeft")
    outline = page.evaluate("getComputedStyle(document.querySelector('label[for=engage-star-3]')).outlineStyle")
    assert outline == "solid", outline


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_demo_page_screenshots_in_both_languages(engage_server, browser_context, artifacts_dir, lang):
    page = browser_context.new_page()
    page.goto(f"{engage_server.base_url}/demo/?lang={lang}")
    iframe = page.locator("iframe")
    iframe.scroll_into_view_if_needed()
    frame = page.frame_locator("iframe")
    heading = {"vi": "ĐÁNH GIÁ", "en": "RATING"}[lang]
    expect(frame.locator("#engage-rating-title")).to_have_text(heading)
    expect(frame.locator("html")).to_have_attribute("lang", lang)
    page.wait_for_function("el => el.style.minHeight === '0px'", arg=iframe.element_handle())
    path = artifacts_dir / f"demo-{lang}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
