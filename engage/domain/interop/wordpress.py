"""WordPress WXR (WordPress eXtended RSS, Tools → Export) → records.

Each ``<item>`` is a post (``<wp:post_id>``, ``<title>``, ``<link>``, ``<wp:post_type>``,
``<wp:comment_status>``, ``<wp:post_date_gmt>``) holding its ``<wp:comment>`` elements
(``<wp:comment_id>``, ``<wp:comment_author>``, ``<wp:comment_date_gmt>``,
``<wp:comment_content>``, ``<wp:comment_approved>`` 1/0/spam/trash, ``<wp:comment_type>``,
``<wp:comment_parent>``).  WXR 1.0–1.2 differ only in the namespace URI, which is ignored.
Author e-mails, URLs and IPs are never read.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from engage.domain.interop.html_text import html_to_text
from engage.domain.interop.keys import article_key_from, parse_time
from engage.domain.interop.records import ArticleRecord, CommentRecord, SkippedRecord
from engage.domain.interop.xml_stream import child_text, local, records_at

APPROVAL = {"1": "approved", "approve": "approved", "0": "pending", "hold": "pending",
            "spam": "spam", "trash": "deleted", "post-trashed": "deleted"}
POST_TYPES = {"post", "page"}


def parse_wordpress(source: BinaryIO) -> Iterator[ArticleRecord | CommentRecord | SkippedRecord]:
    """Yield each post with comments as an :class:`ArticleRecord`, then its comments.

    Pingbacks and trackbacks, and comments on attachments or other post types, are yielded as
    :class:`SkippedRecord` with the reason.
    :raises engage.domain.interop.xml_stream.XmlRefused: unsafe or malformed XML.
    """
    for item in records_at(source, 2, {"item"}):
        comments = [c for c in item if local(c.tag) == "comment"]
        if not comments:
            continue
        post_id = child_text(item, "post_id")
        if child_text(item, "post_type") not in POST_TYPES:
            for c in comments:
                yield SkippedRecord(f"wordpress:{child_text(c, 'comment_id')}",
                                    "post_type_not_imported")
            continue
        key, problem = article_key_from(post_id, child_text(item, "link"))
        yield ArticleRecord(source_id=post_id, key=key, title=child_text(item, "title"),
                            url=child_text(item, "link"),
                            created_at=parse_time(child_text(item, "post_date_gmt")),
                            comments_open=child_text(item, "comment_status") != "closed",
                            problem=problem)
        for c in comments:
            yield _comment(c, post_id)


def _comment(element, post_id: str) -> CommentRecord | SkippedRecord:
    comment_id = child_text(element, "comment_id")
    kind = child_text(element, "comment_type")
    if kind in ("pingback", "trackback"):
        return SkippedRecord(f"wordpress:{comment_id}", kind)
    parent = child_text(element, "comment_parent")
    created = (parse_time(child_text(element, "comment_date_gmt"))
               or parse_time(child_text(element, "comment_date")) or parse_time("1970-01-01"))
    return CommentRecord(
        import_key=f"wordpress:{comment_id}", article_source_id=post_id,
        parent_key=f"wordpress:{parent}" if parent not in ("", "0") else None,
        author_name=child_text(element, "comment_author"),
        text=html_to_text(child_text(element, "comment_content")), created_at=created,
        status=APPROVAL.get(child_text(element, "comment_approved"), "pending"))
