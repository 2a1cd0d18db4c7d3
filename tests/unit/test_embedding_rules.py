"""Embedding rules: exact origins, validated theme values, webhook signatures and backoff,
canonical article URLs."""
import hashlib
import hmac

import pytest

from engage.domain.embedding import (
    backoff_seconds, normalise_article_url, origin_allowed, origin_of, sign_webhook, theme_css,
    url_article_key, validate_origins, validate_theme)
from engage.domain.errors import InvalidInput


def test_valid_origins_are_kept_in_order_without_duplicates():
    given = ["https://baodemo.vn", "http://127.0.0.2:8080", "https://baodemo.vn",
             "http://[::1]:5000", "https://tin-tuc.bao.vn"]
    assert validate_origins(given) == ["https://baodemo.vn", "http://127.0.0.2:8080",
                                       "http://[::1]:5000", "https://tin-tuc.bao.vn"]


@pytest.mark.parametrize("origin", [
    "*", "null", "", "https://baodemo.vn/", "https://baodemo.vn/path", "HTTPS://baodemo.vn",
    "https://BaoDemo.vn", "ftp://baodemo.vn", "https://baodemo.vn:443", "http://baodemo.vn:80",
    "https://baodemo.vn:0", "https://baodemo.vn:65536", "https://baodemo.vn:080",
    "https://*.baodemo.vn", "https://baodemo.vn?x=1", "https://user@baodemo.vn", "baodemo.vn",
    "https://-bad.vn", " https://baodemo.vn", "https://baodemo.vn\n"])
def test_anything_but_an_exact_browser_origin_is_refused(origin):
    with pytest.raises(InvalidInput) as err:
        validate_origins([origin])
    assert err.value.code == "origin_invalid"


def test_too_many_origins_are_refused():
    with pytest.raises(InvalidInput) as err:
        validate_origins([f"https://s{i}.vn" for i in range(21)])
    assert err.value.code == "too_many_origins"


def test_origin_match_is_exact():
    allowed = ["https://baodemo.vn"]
    assert origin_allowed("https://baodemo.vn", allowed)
    for other in ("https://baodemo.vn.evil.vn", "http://baodemo.vn", "https://www.baodemo.vn",
                  "null", None, "", "https://baodemo.vn:8443"):
        assert not origin_allowed(other, allowed), other
    assert not origin_allowed("null", ["null"])  # even if it slipped into a list


def test_theme_values_are_validated_and_rendered_as_variables():
    theme = validate_theme({"accent": "#0A5", "text": "#112233", "font": "serif", "radius": 6})
    assert theme == {"accent": "#0a5", "text": "#112233", "font": "serif", "radius": 6}
    css = theme_css(theme)
    assert css.startswith(":root {") and "--engage-accent: #0a5;" in css
    assert "--engage-text: #112233;" in css and "--engage-radius: 6px;" in css
    assert "--engage-font: Georgia" in css
    assert theme_css({}) == ""


@pytest.mark.parametrize("theme", [
    {"accent": "red"}, {"accent": "#12"}, {"accent": "#1234"}, {"accent": "#12345g"},
    {"accent": "#123; background:url(x)"}, {"text": 123}, {"font": "Comic Sans"},
    {"font": "serif; } body { display:none"}, {"radius": 25}, {"radius": -1}, {"radius": True},
    {"radius": "4px"}, {"radius": 4.5}, {"shadow": "#000"}])
def test_invalid_theme_values_are_refused(theme):
    with pytest.raises(InvalidInput) as err:
        validate_theme(theme)
    assert err.value.code == "theme_invalid"


def test_webhook_signature_is_hmac_sha256_over_timestamp_dot_body():
    secret, body = b"k" * 32, '{"event":"comment.published","tên":"Lan"}'.encode()
    expected = hmac.new(secret, b"1764504000." + body, hashlib.sha256).hexdigest()
    assert sign_webhook(secret, 1764504000, body) == "sha256=" + expected
    assert sign_webhook(secret, 1764504001, body) != sign_webhook(secret, 1764504000, body)
    assert sign_webhook(b"x" * 32, 1764504000, body) != sign_webhook(secret, 1764504000, body)


def test_backoff_doubles_from_the_base_up_to_the_cap():
    assert [backoff_seconds(n, 30, 3600) for n in range(1, 10)] == [
        30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


@pytest.mark.parametrize("given", [
    "https://BaoDemo.vn/thoi-su/bai-1.html",
    "HTTPS://baodemo.vn:443/thoi-su/bai-1.html",
    "https://baodemo.vn/thoi-su/bai-1.html#binh-luan",
    "https://baodemo.vn/thoi-su/bai-1.html?utm_source=zalo&utm_medium=share",
    "https://baodemo.vn/thoi-su/bai-1.html?fbclid=abc&zarsrc=31",
])
def test_one_article_one_canonical_url(given):
    assert normalise_article_url(given) == "https://baodemo.vn/thoi-su/bai-1.html"


def test_canonical_url_keeps_meaningful_query_and_ports():
    assert normalise_article_url("http://127.0.0.2:8080/a/?id=5&utm_campaign=x") == \
        "http://127.0.0.2:8080/a?id=5"
    assert normalise_article_url("https://baodemo.vn") == "https://baodemo.vn/"
    assert origin_of("http://127.0.0.2:8080/a?id=5") == "http://127.0.0.2:8080"


@pytest.mark.parametrize("bad", ["/relative", "javascript:alert(1)", "ftp://a.vn/x",
                                 "https://a.vn/x y", "https://user:pw@a.vn/", "https:///x",
                                 "https://a.vn:99999/", "https://a.vn/" + "x" * 2000])
def test_bad_article_urls_are_refused(bad):
    with pytest.raises(InvalidInput) as err:
        normalise_article_url(bad)
    assert err.value.code == "article_url_invalid"


def test_url_article_key_is_a_valid_stable_key():
    from engage.services.sites import ARTICLE_KEY_RE

    key = url_article_key("https://baodemo.vn/thoi-su/bai-1.html")
    assert key == "u-" + hashlib.sha256(b"https://baodemo.vn/thoi-su/bai-1.html").hexdigest()[:40]
    assert ARTICLE_KEY_RE.match(key)
    assert key != url_article_key("https://baodemo.vn/thoi-su/bai-2.html")


def test_keys_and_slugs_with_a_trailing_newline_are_refused():
    from engage.services.sites import ARTICLE_KEY_RE, SLUG_RE, WEBHOOK_URL_RE

    assert SLUG_RE.match("news") and not SLUG_RE.match("news\n")
    assert ARTICLE_KEY_RE.match("bai-1") and not ARTICLE_KEY_RE.match("bai-1\n")
    assert WEBHOOK_URL_RE.match("https://cms.vn/hook")
    assert not WEBHOOK_URL_RE.match("https://cms.vn/hook\n")
