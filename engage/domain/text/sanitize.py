"""Render normalised comment text as safe HTML; the only module in Engage that imports bleach.

bleach's maintainers ended its maintenance in June 2026, so every use of it stays behind
:func:`render_comment_html`: swapping it out means rewriting this module only. Stored HTML
records :data:`SANITIZER_VERSION`, so a policy change can re-render every comment.
"""

import html
import re
import threading
from urllib.parse import urlsplit

import bleach
from bleach.sanitizer import BleachSanitizerFilter

#: Bump whenever the output for some input changes; stored HTML with an older version is
#: re-rendered from the stored plain text.
SANITIZER_VERSION = 1

ALLOWED_TAGS = frozenset({"p", "br", "a"})
ALLOWED_ATTRIBUTES = {"a": ["href", "rel", "target"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https"})

#: ``nofollow ugc`` tells search engines the link is user content (Google's "Qualify your
#: outbound links" guidance); ``noopener noreferrer`` keeps the opened page away from
#: ``window.opener`` and the comment page URL (HTML Living Standard §4.6.6 link types).
LINK_REL = "nofollow ugc noopener noreferrer"
LINK_TARGET = "_blank"

# The linker sees the *escaped* text (html.escape turned & < > " ' into &amp; &lt; &gt;
# &quot; &#x27;) and bleach's tokenizer leaves entities unconsumed, so the pattern works on
# entity text. bleach's own URL_RE is not used: it only knows a 2012 TLD list (no .dev,
# .app, .online), links bare "setup.py" as http://setup.py, and pulls "&quot;", "&#x27;",
# "!" and "]" that follow a URL into the link.
#
# Shape, after RFC 3986 §3 with the "unsafe" characters of RFC 1738 §2.2 excluded as bleach
# does ({ } | \ ^ `), and GitHub-Flavored-Markdown-style trailing punctuation handling:
#   - an explicit http:// or https:// scheme, not preceded by a word character;
#   - any non-space character, &amp; and &#x27; (a typed & or '), and balanced (...) or
#     [...] groups one level deep (https://vi.wikipedia.org/wiki/Huế_(thành_phố));
#   - the last character is not . , ! ? : ; … nor an entity, so "see https://a.vn/x." and
#     "(https://a.vn/x)" leave the punctuation and brackets outside the link.
_CHAR = r"[^\s&<>\"'()\[\]{}\\^`|]"
_END_CHAR = r"[^\s&<>\"'()\[\]{}\\^`|.,!?:;\u2026]"
_ENTITY = r"&amp;|&\#x27;"
_GROUP = rf"\((?:{_CHAR}|{_ENTITY})*\)|\[(?:{_CHAR}|{_ENTITY})*\]"
URL_RE = re.compile(
    rf"(?<!\w)https?://(?:{_CHAR}|{_ENTITY}|{_GROUP})*(?:{_END_CHAR}|{_GROUP})",
    re.IGNORECASE,
)

_HTTP_HREF_RE = re.compile(r"https?://", re.IGNORECASE)
_PARAGRAPH_BREAK_RE = re.compile(r"\n{2,}")


def _is_linkable(href: str) -> bool:
    """Tell whether an escaped ``href`` is an http(s) URL with a host that parses.

    The ``bleach.clean`` gate drops an ``href`` it cannot parse (``http://[/]``: "Invalid
    IPv6 URL") but keeps the ``<a>``, leaving a link to nowhere; refuse such URLs here so
    they stay plain text. bleach parses the value with non-ASCII removed and lowercased,
    so both forms are checked.

    :param href: the attribute value as linkify found it (entities not yet decoded).
    :returns: whether to make it a link.
    """
    url = html.unescape(href)
    if not _HTTP_HREF_RE.match(url):
        return False
    try:
        hostname = urlsplit(url).hostname
        urlsplit(re.sub(r"[^\x00-\x7f]", "", url).lower())
    except ValueError:
        return False
    return bool(hostname)


# After the gate every anchor is exactly <a href="…"> (the gate re-serialises it); the fixed
# rel/target attributes are added then, which keeps ~40 characters per link out of
# html5lib's character-by-character attribute states.
_GATED_ANCHOR_RE = re.compile(r'<a href="([^"<>]*)">')
_LINK_ATTRIBUTES = rf'<a href="\1" rel="{LINK_REL}" target="{LINK_TARGET}">'
_EMPTY_GATED_ANCHOR_RE = re.compile(r'^<a href="([^"<>]*)"></a>$', re.M)

# Characters html5lib's input stream rewrites or reports (NUL becomes U+FFFD, C0/C1 controls,
# surrogates and noncharacters are parse errors; HTML Living Standard §13.2.3.5): an ``href``
# holding one is gated through the tokenizer, so the token gate never has to mimic it.
_TOKENIZER_REWRITES_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")


def _anchor(match: re.Match) -> str:
    """Replace one URL match (escaped text) by its link, or leave it as text."""
    href = match.group(0)
    if not _is_linkable(href):
        return href
    return f'<a href="{href}">{href}</a>'


class CommentRenderer:
    """Turn normalised plain text into the HTML stored with a comment.

    Pipeline: escape → linkify http(s) URLs (:data:`URL_RE` on the escaped text) →
    ``bleach.clean`` with the ``p br a`` allowlist as the gate on every link → paragraphs and
    ``<br>``.

    The gate parses every piece of markup derived from the reader's text — each link — with
    html5lib.  The text between links is ``html.escape`` output, which holds no ``<`` and only
    complete entities, so html5lib would pass it through unchanged (bleach leaves entities
    unconsumed); parsing it anyway cost most of the render (a 3,000-character comment of
    pasted HTML: ~2,000 entity tokens), so the links alone go through the gate, as the tokens
    html5lib would have read from them (:meth:`gate_anchors`).
    ``tests/unit/test_sanitize.py`` checks the output equals gating the whole text on the XSS
    and naughty-strings corpora and on generated text.  The ``<p>``/``<br>`` structure is
    added last, from fixed strings at the newlines (html5lib's cost grows with the number of
    tags).  bleach's ``Cleaner`` keeps parser state and is not thread-safe, so each thread gets
    its own.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def _cleaner(self) -> bleach.Cleaner:
        cleaner = getattr(self._local, "cleaner", None)
        if cleaner is None:
            cleaner = self._local.cleaner = bleach.Cleaner(
                tags=ALLOWED_TAGS,
                attributes=ALLOWED_ATTRIBUTES,
                protocols=ALLOWED_PROTOCOLS,
                strip=False,
            )
        return cleaner

    def render(self, text: str) -> str:
        """Render normalised comment text as HTML.

        Everything the reader typed is shown as text: ``<script>`` comes out as
        ``&lt;script&gt;``, a typed ``&amp;`` as ``&amp;amp;``. Deterministic.

        :param text: output of
            :func:`engage.domain.text.normalize.normalize_comment_text`.
        :returns: one ``<p>…</p>`` per paragraph, ``""`` for empty text.
        """
        escaped = html.escape(text.strip("\n"), quote=True)
        if not escaped:
            return ""
        gated = _GATED_ANCHOR_RE.sub(_LINK_ATTRIBUTES, self.gate_links(escaped))
        paragraphs = [p for p in _PARAGRAPH_BREAK_RE.split(gated) if p]
        return "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in paragraphs)

    def gate_whole(self, escaped: str) -> str:
        """The reference gate: linkify, then pass the whole escaped text through bleach.

        :meth:`render` gates only the links (same output, checked by the tests against this
        method); this is also its fallback should the gate ever change a link's shape.

        :param escaped: ``html.escape(text, quote=True)`` output.
        """
        return self._cleaner().clean(URL_RE.sub(_anchor, escaped))

    def gate_links(self, escaped: str) -> str:
        """Linkify escaped text, passing every link (and only the links) through the gate.

        Each distinct link goes to the gate once, as ``<a href="…"></a>``: its text is the same
        escaped text as its ``href`` and is put back after the gate.  If the gate ever changes
        a link's shape, the whole text is gated the original way (:meth:`gate_whole`).

        :param escaped: ``html.escape(text, quote=True)`` output.
        :returns: the escaped text with each URL replaced by its gated ``<a href="…">…</a>``.
        """
        hrefs, spans = [], []
        for match in URL_RE.finditer(escaped):
            if _is_linkable(match.group(0)):
                hrefs.append(match.group(0))
                spans.append(match.span())
        if not hrefs:
            return escaped
        distinct = list(dict.fromkeys(hrefs))  # a URL repeated is gated once
        gated = self.gate_anchors(distinct)
        opened = _EMPTY_GATED_ANCHOR_RE.findall(gated)
        if len(opened) != len(distinct) or gated.count("\n") != len(distinct) - 1:
            return self.gate_whole(escaped)
        gate = dict(zip(distinct, opened))
        out, last = [], 0
        for (start, end), text in zip(spans, hrefs):
            out += (escaped[last:start], f'<a href="{gate[text]}">{text}</a>')
            last = end
        out.append(escaped[last:])
        return "".join(out)

    def gate_anchors(self, hrefs: list[str]) -> str:
        """Pass ``<a href="…"></a>`` for each escaped URL through bleach's sanitizer filter.

        ``bleach.clean`` would tokenize markup Engage wrote itself (``<a href="`` + a
        :data:`URL_RE` match, which holds no quote, ``<``, ``>`` or whitespace, + ``"></a>``)
        and, through html5lib's character-by-character tokenizer, arrive at exactly one
        start tag carrying the value unchanged (bleach leaves entities unconsumed), an end tag
        and a newline. Those tokens are built directly and handed to bleach's own
        ``BleachSanitizerFilter`` and serializer, so bleach still decides which protocols and
        attributes pass and how values are written, at about a third of the cost (56 distinct
        links: 3.1 ms → 1.2 ms, ``bench/bench_render.py``). A value with a character the
        tokenizer would rewrite (:data:`_TOKENIZER_REWRITES_RE`) goes through
        ``bleach.clean`` instead. ``tests/unit/test_sanitize.py`` checks both against
        :meth:`gate_whole`.

        :param hrefs: distinct URL matches in escaped text, in order; not empty.
        :returns: one gated ``<a …></a>`` per line, in the same order.
        """
        cleaner = self._cleaner()
        if any(_TOKENIZER_REWRITES_RE.search(h) for h in hrefs):
            return cleaner.clean("\n".join(f'<a href="{h}"></a>' for h in hrefs))
        tokens: list[dict] = []
        for href in hrefs:
            tokens += (
                {"type": "StartTag", "name": "a", "namespace": None,
                 "data": {(None, "href"): href}},
                {"type": "EndTag", "name": "a", "namespace": None},
                {"type": "SpaceCharacters", "data": "\n"},
            )
        tokens.pop()
        filtered = BleachSanitizerFilter(
            source=iter(tokens),
            allowed_tags=cleaner.tags,
            attributes=cleaner.attributes,
            strip_disallowed_tags=cleaner.strip,
            strip_html_comments=cleaner.strip_comments,
            css_sanitizer=cleaner.css_sanitizer,
            allowed_protocols=cleaner.protocols,
        )
        for filter_class in cleaner.filters:
            filtered = filter_class(source=filtered)
        return cleaner.serializer.render(filtered)


_renderer = CommentRenderer()


def render_comment_html(text: str) -> str:
    """Render normalised comment text with the project's renderer.

    :param text: output of
        :func:`engage.domain.text.normalize.normalize_comment_text`.
    :returns: sanitized HTML made only of ``p``, ``br`` and http(s) ``a`` elements.
    """
    return _renderer.render(text)
