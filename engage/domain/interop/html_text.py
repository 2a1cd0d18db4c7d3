"""Comment HTML from other systems (Disqus messages, WordPress comment content) to plain text.

Engage stores comments as plain text and renders them itself (DESIGN.md §6), so imported
markup becomes text: block ends and ``<br>`` become line breaks, links keep their address,
entities are decoded (the standard library's HTML tokenizer, ``html.parser``, which never
fetches or executes anything), scripts and styles are dropped with their content.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = {"p", "div", "blockquote", "li", "ul", "ol", "pre", "h1", "h2", "h3", "h4", "h5",
           "h6", "tr", "table"}
_DROPPED = {"script", "style"}


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.dropping = 0
        self.href: str | None = None
        self.link_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED:
            self.dropping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a":
            self.href = dict(attrs).get("href") or None
            self.link_text = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED:
            self.dropping = max(0, self.dropping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a" and self.href:
            shown = "".join(self.link_text).strip()
            if self.href.startswith(("http://", "https://")) and self.href not in shown:
                self.parts.append(f" ({self.href})")
            self.href = None

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.parts.append(data)
            if self.href is not None:
                self.link_text.append(data)


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: paragraphs separated by a blank line, ``<br>`` kept as
    a line break, ``<a href>`` followed by its http(s) address when the text does not show it.

    >>> html_to_text("<p>Chào <b>bạn</b> &amp; mọi người</p><p>Hai<br>dòng</p>")
    'Chào bạn & mọi người\\n\\nHai\\ndòng'
    """
    collector = _TextCollector()
    collector.feed(markup)
    collector.close()
    text = "".join(collector.parts).replace("\r\n", "\n")
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
