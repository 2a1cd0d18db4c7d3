"""Tests for engage.domain.text.sanitize: comment HTML is safe and shows exactly what was typed."""

import html
import json
import re
import unicodedata
from html.parser import HTMLParser

import bleach
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engage.domain.text.normalize import normalize_comment_text
from engage.domain.text.sanitize import (
    LINK_REL,
    SANITIZER_VERSION,
    URL_RE,
    CommentRenderer,
    render_comment_html,
)

REL = 'rel="nofollow ugc noopener noreferrer" target="_blank"'


def link(url: str, text: str | None = None) -> str:
    """Expected markup of one generated link (``url`` already HTML-escaped)."""
    return f'<a href="{url}" {REL}>{url if text is None else text}</a>'


class ParsedComment(HTMLParser):
    """Parse rendered HTML into what a browser would show, recording every tag seen."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.links: list[tuple[dict[str, str | None], str]] = []
        self.paragraphs: list[str] = []
        self.outside = ""
        self._open: list[str] = []
        self._link_text: str | None = None
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        if tag == "p":
            self.paragraphs.append("")
        elif tag == "br":
            assert self._open == ["p"], "<br> outside a paragraph"
            self.paragraphs[-1] += "\n"
            return
        elif tag == "a":
            self._link_text = ""
            self.links.append((dict(attrs), ""))
        self._open.append(tag)

    def handle_endtag(self, tag):
        assert self._open and self._open[-1] == tag, f"unbalanced </{tag}>"
        self._open.pop()
        if tag == "a":
            self.links[-1] = (self.links[-1][0], self._link_text)
            self._link_text = None

    def handle_data(self, data):
        if "p" in self._open:
            self.paragraphs[-1] += data
        else:
            self.outside += data
        if self._link_text is not None:
            self._link_text += data

    def handle_comment(self, data):
        raise AssertionError(f"comment in output: {data!r}")

    def handle_decl(self, decl):
        raise AssertionError(f"declaration in output: {decl!r}")

    def handle_pi(self, data):
        raise AssertionError(f"processing instruction in output: {data!r}")

    @property
    def visible_text(self) -> str:
        return "\n\n".join(self.paragraphs)


def assert_allowlisted(markup: str) -> ParsedComment:
    """Check the output uses only p/br/a, safe attributes and http(s) hrefs."""
    parsed = ParsedComment(markup)
    for tag, attrs in parsed.tags:
        assert tag in {"p", "br", "a"}, tag
        if tag == "a":
            assert sorted(name for name, _ in attrs) == ["href", "rel", "target"]
        else:
            assert attrs == []
    for attrs, text in parsed.links:
        assert re.match(r"https?://", attrs["href"], re.IGNORECASE), attrs["href"]
        assert attrs["rel"] == LINK_REL and attrs["target"] == "_blank"
        assert attrs["href"] == text  # the reader sees exactly where a link goes
    assert parsed.outside == "" and parsed._open == []
    return parsed


def test_sanitizer_version_is_an_int():
    assert SANITIZER_VERSION == 1 and isinstance(SANITIZER_VERSION, int)


def test_empty_text_renders_nothing():
    assert render_comment_html("") == ""


def test_paragraphs_and_line_breaks():
    text = "Đoạn một\ndòng hai\n\nĐoạn hai"
    assert render_comment_html(text) == "<p>Đoạn một<br>dòng hai</p><p>Đoạn hai</p>"


def test_pasted_script_is_shown_as_text():
    html = render_comment_html("<script>alert(1)</script>")
    assert html == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"


def test_pasted_markup_is_neither_executed_nor_stripped():
    html = render_comment_html('<img src=x onerror="alert(1)"><b>đậm</b>')
    assert html == (
        "<p>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&lt;b&gt;đậm&lt;/b&gt;</p>"
    )


def test_ampersand_and_typed_entity_are_shown_as_typed():
    assert render_comment_html("Tôi & bạn") == "<p>Tôi &amp; bạn</p>"
    assert render_comment_html("&amp; &lt;b&gt; &#39;") == (
        "<p>&amp;amp; &amp;lt;b&amp;gt; &amp;#39;</p>"
    )


def test_quotes_are_escaped():
    assert render_comment_html("\"trích\" 'dẫn'") == "<p>&quot;trích&quot; &#x27;dẫn&#x27;</p>"


def test_http_and_https_urls_become_links():
    assert render_comment_html("xem https://vnexpress.net/a-1.html nhé") == (
        f"<p>xem {link('https://vnexpress.net/a-1.html')} nhé</p>"
    )
    assert render_comment_html("http://a.vn") == f"<p>{link('http://a.vn')}</p>"


def test_scheme_is_matched_case_insensitively():
    assert render_comment_html("HTTPS://A.VN/X") == f"<p>{link('HTTPS://A.VN/X')}</p>"


@pytest.mark.parametrize(
    ("text", "before", "url", "after"),
    [
        ("https://a.vn/x.", "", "https://a.vn/x", "."),
        ("https://a.vn/x,", "", "https://a.vn/x", ","),
        ("https://a.vn/x!", "", "https://a.vn/x", "!"),
        ("https://a.vn/x?", "", "https://a.vn/x", "?"),
        ("https://a.vn/x:", "", "https://a.vn/x", ":"),
        ("https://a.vn/x;", "", "https://a.vn/x", ";"),
        ("https://a.vn/x...", "", "https://a.vn/x", "..."),
        ("https://a.vn/x)", "", "https://a.vn/x", ")"),
        ("https://a.vn/x]", "", "https://a.vn/x", "]"),
        ("https://a.vn/x}", "", "https://a.vn/x", "}"),
        ("(see https://a.vn/x)", "(see ", "https://a.vn/x", ")"),
        ("[https://a.vn/x]", "[", "https://a.vn/x", "]"),
        ("(https://a.vn/x).", "(", "https://a.vn/x", ")."),
    ],
)
def test_trailing_punctuation_and_closing_brackets_stay_outside_the_link(
    text, before, url, after
):
    assert render_comment_html(text) == f"<p>{before}{link(url)}{after}</p>"


def test_balanced_parentheses_stay_inside_the_link():
    url = "https://vi.wikipedia.org/wiki/Huế_(thành_phố)"
    assert render_comment_html(url) == f"<p>{link(url)}</p>"
    assert render_comment_html(f"(xem {url})") == f"<p>(xem {link(url)})</p>"


def test_inner_punctuation_and_query_stay_inside_the_link():
    assert render_comment_html("https://a.vn/x.html?q=1,2&p=3#top") == (
        f"<p>{link('https://a.vn/x.html?q=1,2&amp;p=3#top')}</p>"
    )


def test_vietnamese_path_and_idn_host_are_linked():
    url = "https://tiếngviệt.vn/bài-viết/Hà_Nội"
    assert render_comment_html(url) == f"<p>{link(url)}</p>"


def test_any_tld_is_linked():
    # bleach's own URL regex only knows a 2012 TLD list and would skip these.
    for url in ("https://example.dev/x", "https://tin.online", "http://localhost:5000/a"):
        assert render_comment_html(url) == f"<p>{link(url)}</p>"


def test_angle_brackets_around_a_url_stay_outside_the_link():
    assert render_comment_html("<https://example.com>") == (
        f"<p>&lt;{link('https://example.com')}&gt;</p>"
    )
    assert render_comment_html("<https://example.com/path>") == (
        f"<p>&lt;{link('https://example.com/path')}&gt;</p>"
    )


def test_quotes_around_a_url_stay_outside_the_link():
    assert render_comment_html('"https://a.vn/x"') == (
        f"<p>&quot;{link('https://a.vn/x')}&quot;</p>"
    )
    assert render_comment_html("'https://a.vn/x'") == (
        f"<p>&#x27;{link('https://a.vn/x')}&#x27;</p>"
    )


def test_apostrophe_inside_a_url_stays_inside():
    url = "https://en.wikipedia.org/wiki/Hell's_Kitchen"
    assert render_comment_html(url) == f"<p>{link(url.replace(chr(39), '&#x27;'))}</p>"


@pytest.mark.parametrize(
    "text",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(document.cookie)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        "ftp://ftp.example.com/file.txt",
        "mailto:toasoan@example.com",
        "user@example.com",
        "file:///etc/passwd",
    ],
)
def test_non_http_schemes_and_emails_are_not_linked(text):
    html = render_comment_html(text)
    assert "<a" not in html
    assert ParsedComment(html).visible_text == text


def test_javascript_scheme_wrapping_a_domain_does_not_link_the_domain():
    text = "javascript://example.com/%0aalert(1)"
    assert render_comment_html(text) == f"<p>{text}</p>"


def test_userinfo_in_url_gives_only_an_http_link():
    html = render_comment_html("https://user@host.vn/")
    assert html == f"<p>{link('https://user@host.vn/')}</p>"
    assert "mailto" not in html


def test_bare_domains_and_www_are_not_linked():
    # Decision: only what the reader typed with http:// or https:// is linked. bleach would
    # link "www.example.com" as http://www.example.com and "setup.py" as http://setup.py.
    for text in ("www.example.com", "vnexpress.net", "setup.py", "TP.HCM"):
        assert render_comment_html(text) == f"<p>{text}</p>"


def test_scheme_glued_to_a_word_is_not_linked():
    assert render_comment_html("xhttps://a.vn") == "<p>xhttps://a.vn</p>"
    assert render_comment_html("https://") == "<p>https://</p>"


@pytest.mark.parametrize("text", ["HTTP://[/]", "https://[x]/", "https:///x", "https://@/"])
def test_url_without_a_parseable_host_stays_text(text):
    # Found by hypothesis: bleach.clean dropped the href of "HTTP://[/]" ("Invalid IPv6
    # URL") but kept the <a>, leaving a link to nowhere.
    assert render_comment_html(text) == f"<p>{text}</p>"


def test_ipv6_host_is_linked():
    assert render_comment_html("https://[::1]/a") == f"<p>{link('https://[::1]/a')}</p>"


def test_url_right_after_a_colon_is_linked():
    assert render_comment_html("Link:https://a.vn") == f"<p>Link:{link('https://a.vn')}</p>"


def test_two_urls_in_one_line_and_across_lines():
    assert render_comment_html("https://a.vn https://b.vn\nhttps://c.vn") == (
        f"<p>{link('https://a.vn')} {link('https://b.vn')}<br>{link('https://c.vn')}</p>"
    )


def test_renderer_instances_agree():
    text = "Xin chào https://a.vn/(x) <b>"
    assert CommentRenderer().render(text) == render_comment_html(text)


def test_a_repeated_url_and_distinct_urls_are_all_linked():
    text = "https://a.vn/1 https://a.vn/2 https://a.vn/1 (https://a.vn/3)."
    parsed = assert_allowlisted(render_comment_html(text))
    assert [attrs["href"] for attrs, _ in parsed.links] == ["https://a.vn/1", "https://a.vn/2", "https://a.vn/1",
                                         "https://a.vn/3"]


def test_links_only_gate_falls_back_to_gating_everything(monkeypatch):
    renderer = CommentRenderer()
    text = html.escape("Xem https://a.vn/x và <b>đậm</b>", quote=True)
    monkeypatch.setattr(renderer, "gate_anchors", lambda hrefs: f'<a href="{hrefs[0]}" x></a>')
    monkeypatch.setattr(renderer._cleaner(), "clean", lambda value: bleach.clean(
        value, tags={"a"}, attributes={"a": ["href"]}))
    assert renderer.gate_links(text) == bleach.clean(
        URL_RE.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', text),
        tags={"a"}, attributes={"a": ["href"]})


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x7f", "\x9f", "\ud800", "\ufdd0", "\uffff"])
def test_a_url_holding_a_character_the_tokenizer_rewrites_is_gated_by_bleach_clean(
        char, monkeypatch):
    renderer = CommentRenderer()
    escaped = f"Xem https://a.vn/x{char}y&amp;z nhé"
    calls = []
    clean = renderer._cleaner().clean
    monkeypatch.setattr(renderer._cleaner(), "clean",
                        lambda value: calls.append(value) or clean(value))
    hrefs = [m.group(0) for m in URL_RE.finditer(escaped)]
    gated = renderer.gate_anchors(hrefs)
    assert calls == [f'<a href="https://a.vn/x{char}y&amp;z"></a>']
    monkeypatch.undo()
    assert gated == renderer._cleaner().clean(calls[0])


def test_the_token_gate_does_not_call_the_tokenizer_for_plain_urls(monkeypatch):
    renderer = CommentRenderer()
    monkeypatch.setattr(renderer._cleaner(), "clean", lambda value: pytest.fail("tokenized"))
    escaped = html.escape("https://a.vn/tin?x=1&y='2'z và https://Huế.vn/(a)", quote=True)
    assert renderer.gate_anchors([m.group(0) for m in URL_RE.finditer(escaped)]) == (
        '<a href="https://a.vn/tin?x=1&amp;y=&#x27;2&#x27;z"></a>\n'
        '<a href="https://Huế.vn/(a)"></a>')


# --- properties -----------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "https://", "http://", "HTTPS://", "a.vn", "/x", "?q=1", "#top", "@", "(", ")", "[",
        "]", "{", "}", "<", ">", "&", "&amp;", "&lt;", "&#39;", "\"", "'", ".", ",", "!",
        "?", ":", ";", " ", "\n", "\n\n", "Việt", "ế", "\u2026", "javascript:", "www.",
        "<script>", "</p>", "<a href=", "\U0001f600", "\u00a0", "=", "`", "\\",
    ]
)
TEXT = st.one_of(st.text(), st.lists(_PIECES, max_size=25).map("".join))


@settings(deadline=None)
@given(TEXT)
def test_output_is_allowlisted_and_shows_exactly_the_normalised_text(raw):
    text = normalize_comment_text(raw)
    parsed = assert_allowlisted(render_comment_html(text))
    assert parsed.visible_text == text


@settings(deadline=None)
@given(TEXT)
def test_gating_only_the_links_equals_gating_the_whole_text(raw):
    escaped = html.escape(normalize_comment_text(raw), quote=True)
    renderer = CommentRenderer()
    assert renderer.gate_links(escaped) == renderer.gate_whole(escaped)


@settings(deadline=None)
@given(TEXT)
def test_the_token_gate_equals_bleach_clean_on_unnormalised_text(raw):
    escaped = html.escape(raw, quote=True)
    hrefs = list(dict.fromkeys(m.group(0) for m in URL_RE.finditer(escaped)))
    renderer = CommentRenderer()
    if hrefs:
        assert renderer.gate_anchors(hrefs) == renderer._cleaner().clean(
            "\n".join(f'<a href="{h}"></a>' for h in hrefs))


@settings(deadline=None)
@given(TEXT)
def test_rendering_is_deterministic(raw):
    text = normalize_comment_text(raw)
    assert render_comment_html(text) == render_comment_html(text) == CommentRenderer().render(text)


@settings(deadline=None)
@given(TEXT)
def test_nfc_and_nfd_input_render_identically(raw):
    nfc = normalize_comment_text(unicodedata.normalize("NFC", raw))
    nfd = normalize_comment_text(unicodedata.normalize("NFD", raw))
    assert render_comment_html(nfc) == render_comment_html(nfd)


# --- corpora --------------------------------------------------------------------------------


_CORPUS_RENDERER = CommentRenderer()


def _render_checked(raw: str) -> None:
    text = normalize_comment_text(raw)
    parsed = assert_allowlisted(render_comment_html(text))
    assert parsed.visible_text == text, raw
    escaped = html.escape(text, quote=True)
    assert _CORPUS_RENDERER.gate_links(escaped) == _CORPUS_RENDERER.gate_whole(escaped), raw


def test_xss_payload_corpus_stays_inside_the_allowlist(corpora_dir):
    path = corpora_dir / "xss" / "xss-payload-list.txt"
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) > 6000
    for line in lines:
        _render_checked(line)


def test_naughty_strings_corpus_stays_inside_the_allowlist(corpora_dir):
    strings = json.loads((corpora_dir / "blns" / "blns.json").read_text(encoding="utf-8"))
    assert len(strings) > 500
    for raw in strings:
        _render_checked(raw)
