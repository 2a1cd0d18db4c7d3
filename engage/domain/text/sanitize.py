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
from bleach.linkifier import Linker

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


def _set_link_attributes(attrs: dict, new: bool) -> dict | None:
    """bleach linkify callback: keep only http(s) links and set ``rel`` and ``target``.

    :param attrs: bleach's attribute map, keyed by ``(namespace, name)`` plus ``"_text"``.
    :param new: whether linkify created the link (always, as readers cannot type tags).
    :returns: the adjusted map, or ``None`` to leave the text unlinked.
    """
    href = attrs.get((None, "href"), "")
    # bleach prefixes "http://" to scheme-less matches; require the scheme in the text too,
    # so only what the reader typed as a URL becomes a link.
    if not _is_linkable(href) or not _HTTP_HREF_RE.match(attrs.get("_text", href)):
        return None
    attrs[(None, "rel")] = LINK_REL
    attrs[(None, "target")] = LINK_TARGET
    return attrs


class CommentRenderer:
    """Turn normalised plain text into the HTML stored with a comment.

    Pipeline: escape → paragraphs and ``<br>`` → linkify http(s) URLs → ``bleach.clean``
    with the ``p br a`` allowlist as the final gate. bleach's ``Linker`` and ``Cleaner``
    keep parser state and are not thread-safe, so each thread gets its own pair.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def _tools(self) -> tuple[Linker, bleach.Cleaner]:
        tools = getattr(self._local, "tools", None)
        if tools is None:
            linker = Linker(
                callbacks=[_set_link_attributes],
                skip_tags=None,
                parse_email=False,
                url_re=URL_RE,
            )
            cleaner = bleach.Cleaner(
                tags=ALLOWED_TAGS,
                attributes=ALLOWED_ATTRIBUTES,
                protocols=ALLOWED_PROTOCOLS,
                strip=False,
            )
            tools = self._local.tools = (linker, cleaner)
        return tools

    def render(self, text: str) -> str:
        """Render normalised comment text as HTML.

        Everything the reader typed is shown as text: ``<script>`` comes out as
        ``&lt;script&gt;``, a typed ``&amp;`` as ``&amp;amp;``. Deterministic.

        :param text: output of
            :func:`engage.domain.text.normalize.normalize_comment_text`.
        :returns: one ``<p>…</p>`` per paragraph, ``""`` for empty text.
        """
        linker, cleaner = self._tools()
        escaped = html.escape(text, quote=True)
        paragraphs = [p for p in _PARAGRAPH_BREAK_RE.split(escaped.strip("\n")) if p]
        if not paragraphs:
            return ""
        markup = "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in paragraphs)
        return cleaner.clean(linker.linkify(markup))


_renderer = CommentRenderer()


def render_comment_html(text: str) -> str:
    """Render normalised comment text with the project's renderer.

    :param text: output of
        :func:`engage.domain.text.normalize.normalize_comment_text`.
    :returns: sanitized HTML made only of ``p``, ``br`` and http(s) ``a`` elements.
    """
    return _renderer.render(text)
