"""HTTP caching of public reads: ETag + Cache-Control on the article data, counts and the widget
page; 304 on a conditional GET; every write that changes a public read changes its ETag."""
import pytest

from helpers import ARTICLE, csrf_token, login, new_token, post_comment, rate

API = f"/api/v1/sites/news/articles/{ARTICLE}"
WIDGET = f"/widget/news/{ARTICLE}"
COUNTS = f"/api/v1/sites/news/counts?articles={ARTICLE}"
PUBLIC = "public, max-age=10, stale-while-revalidate=30"


@pytest.mark.parametrize("url", [API, WIDGET, COUNTS])
def test_public_reads_are_cacheable_and_conditional(client, site, url):
    rate(client, new_token(client), 4)
    first = client.get(url)
    assert first.status_code == 200 and first.headers["Cache-Control"] == PUBLIC
    etag = first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag and again.headers["Cache-Control"] == PUBLIC
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_widget_page_304_keeps_its_frame_policy(client, site):
    first = client.get(WIDGET)
    again = client.get(WIDGET, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert "https://news.example" in again.headers["Content-Security-Policy"]


def test_widget_validator_covers_sort_and_language(client, site):
    etags = {client.get(WIDGET + query).headers["ETag"]
             for query in ("", "?sort=oldest", "?lang=en", "?sort=oldest&lang=en")}
    assert len(etags) == 4


def _etags(client) -> dict:
    return {url: client.get(url).headers["ETag"] for url in (API, WIDGET, COUNTS)}


def _moderate(client, comment_id: int, action: str, expected: str) -> None:
    page = client.get("/moderation/").get_data(as_text=True)
    response = client.post(f"/moderation/comments/{comment_id}", data={
        "csrf_token": csrf_token(page), "action": action, "expected": expected,
        "reason_code": "off_topic" if action == "reject" else ""})
    assert response.status_code == 302


def test_every_write_that_changes_a_public_read_changes_its_etag(client, site, moderator):
    """Ratings, moderation, likes, edits and deletions, each checked on the article data, the
    widget page and (where the counts change) the listing counts; the previous validator
    then gets the new body, never a 304."""
    author, reader = new_token(client), new_token(client)
    mod = client.application.test_client()
    assert login(mod, *moderator).status_code == 302
    comment = post_comment(client, author, "Bài viết rất hay").get_json()["id"]
    comment_url = f"{API}/comments/{comment}"
    steps = [
        ("rate", True, lambda: rate(client, reader, 4)),
        ("change vote", True, lambda: rate(client, reader, 2)),
        ("unrate", True, lambda: client.delete(API + "/rating",
                                               headers={"X-Engage-Reader": reader})),
        ("approve", True, lambda: _moderate(mod, comment, "approve", "pending")),
        ("like", False, lambda: client.put(comment_url + "/like",
                                           headers={"X-Engage-Reader": reader})),
        ("unlike", False, lambda: client.delete(comment_url + "/like",
                                                headers={"X-Engage-Reader": reader})),
        ("edit", True, lambda: client.patch(comment_url, json={"text": "Bài viết rất, rất hay"},
                                            headers={"X-Engage-Reader": author})),
        ("approve edit", True, lambda: _moderate(mod, comment, "approve", "pending")),
        ("reject", True, lambda: _moderate(mod, comment, "reject", "approved")),
        ("restore", True, lambda: _moderate(mod, comment, "approve", "rejected")),
        ("delete", True, lambda: client.delete(comment_url,
                                               headers={"X-Engage-Reader": author})),
    ]
    before = _etags(client)
    for name, counts_change, write in steps:
        response = write()
        assert response is None or response.status_code < 300, (name, response.get_json())
        after = _etags(client)
        assert after[API] != before[API], name
        assert after[WIDGET] != before[WIDGET], name
        assert (after[COUNTS] != before[COUNTS]) is counts_change, name
        for url in (API, WIDGET):
            assert client.get(url, headers={"If-None-Match": before[url]}).status_code == 200
            assert client.get(url, headers={"If-None-Match": after[url]}).status_code == 304
        before = after
