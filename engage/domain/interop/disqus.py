"""Disqus XML export → records (the format of Disqus' "Export comments" e-mail download).

Threads (``<thread dsq:id>``: ``<id>`` the page identifier, ``<link>``, ``<title>``,
``<createdAt>``, ``<isClosed>``) come first, then posts (``<post dsq:id>``: ``<message>`` HTML,
``<createdAt>``, ``<isDeleted>``, ``<isSpam>``, ``<author><name>``, ``<thread dsq:id>``,
optional ``<parent dsq:id>``).  E-mail addresses and IP addresses in the file are never read.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from engage.domain.interop.keys import article_key_from, parse_time
from engage.domain.interop.records import ArticleRecord, CommentRecord
from engage.domain.interop.html_text import html_to_text
from engage.domain.interop.xml_stream import child, child_text, local, records_at


def _dsq_id(element) -> str:
    return next((v for k, v in element.attrib.items() if local(k) == "id"), "")


def parse_disqus(source: BinaryIO) -> Iterator[ArticleRecord | CommentRecord]:
    """Yield an :class:`ArticleRecord` per thread and a :class:`CommentRecord` per post.

    Status: ``isSpam`` → ``spam``; ``isDeleted`` → ``deleted``; otherwise ``approved`` (Disqus
    exports what was published or moderated away, not a pending queue).
    :raises engage.domain.interop.xml_stream.XmlRefused: unsafe or malformed XML.
    """
    for element in records_at(source, 1, {"thread", "post"}):
        if local(element.tag) == "thread":
            identifier, link = child_text(element, "id"), child_text(element, "link")
            key, problem = article_key_from(identifier, link)
            yield ArticleRecord(source_id=_dsq_id(element), key=key,
                                title=child_text(element, "title"), url=link,
                                created_at=parse_time(child_text(element, "createdAt")),
                                comments_open=child_text(element, "isClosed") != "true",
                                problem=problem)
            continue
        thread, parent, author = child(element, "thread"), child(element, "parent"), \
            child(element, "author")
        status = ("spam" if child_text(element, "isSpam") == "true" else
                  "deleted" if child_text(element, "isDeleted") == "true" else "approved")
        yield CommentRecord(
            import_key=f"disqus:{_dsq_id(element)}",
            article_source_id=_dsq_id(thread) if thread is not None else "",
            parent_key=f"disqus:{_dsq_id(parent)}" if parent is not None and _dsq_id(parent)
            else None,
            author_name=child_text(author, "name") if author is not None else "",
            text=html_to_text(child_text(element, "message")),
            created_at=parse_time(child_text(element, "createdAt")) or parse_time("1970-01-01"),
            status=status)
