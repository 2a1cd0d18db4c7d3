"""Imported comment HTML to plain text, and import article keys."""
from engage.domain.interop.html_text import html_to_text
from engage.domain.interop.keys import article_key_from, parse_time


def test_paragraphs_breaks_entities_and_links():
    assert html_to_text("<p>Chào <b>bạn</b> &amp; mọi người</p><p>Hai<br>dòng</p>") == \
        "Chào bạn & mọi người\n\nHai\ndòng"
    assert html_to_text('Xem <a href="https://vnexpress.net/a">bài này</a>.') == \
        "Xem bài này (https://vnexpress.net/a)."
    assert html_to_text('<a href="https://x.vn">https://x.vn</a>') == "https://x.vn"
    assert html_to_text('<a href="javascript:alert(1)">bấm</a>') == "bấm"
    assert html_to_text("<script>alert(1)</script>Còn lại<style>p{}</style>") == "Còn lại"
    assert html_to_text("Dòng một\nDòng hai") == "Dòng một\nDòng hai"
    assert html_to_text("&lt;3 &#8211; &#x1F600;") == "<3 – 😀"


def test_article_keys_from_identifiers_and_urls():
    assert article_key_from("bai-1", "https://x.vn/a") == ("bai-1", "")
    assert article_key_from("", "https://x.vn/thoi-su/bai-2.html?utm=1") == (
        "thoi-su%2Fbai-2.html", "")
    assert article_key_from("bài 3", "") == ("b%C3%A0i%203", "")
    assert article_key_from("", "") == (None, "article_key_invalid")


def test_times_are_aware_utc():
    assert parse_time("2020-10-10 02:00:00").isoformat() == "2020-10-10T02:00:00+00:00"
    assert parse_time("2019-05-01T09:00:00Z").tzinfo is not None
    assert parse_time("2019-05-01T16:00:00+07:00").hour == 9
    assert parse_time("0000-00-00 00:00:00") is None and parse_time("junk") is None
