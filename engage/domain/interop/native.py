"""Engage's own JSON export (``engage export --format json``, :data:`FORMAT` version 1) →
records, so an export imports into another site (or another Engage) unchanged."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import BinaryIO

from engage.domain.interop.keys import parse_time
from engage.domain.interop.records import ArticleRecord, CommentRecord, VotesRecord

FORMAT = "engage-export"
VERSION = 1


class NotAnExport(ValueError):
    """The file is not an Engage export of a version this code reads."""


def parse_native(source: BinaryIO) -> Iterator[ArticleRecord | CommentRecord | VotesRecord]:
    """Yield each article, its votes, then its comments (parents before replies, as exported).

    Comment import keys are ``engage:<exporting site>:<comment id>``, so importing the same
    export twice creates nothing new.  The whole file is read at once (exports are written by
    ``engage export``, one site at a time).
    :raises NotAnExport: wrong ``format`` or ``version``, or not JSON.
    """
    try:
        data = json.load(source)
    except (ValueError, UnicodeDecodeError) as err:
        raise NotAnExport(f"not JSON: {err}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("version") != VERSION:
        raise NotAnExport(f"expected format {FORMAT!r} version {VERSION}")
    origin = str(data.get("site", {}).get("slug", ""))
    for article in data.get("articles", []):
        key = str(article["key"])
        yield ArticleRecord(source_id=key, key=key, title=article.get("title", ""),
                            url=article.get("url", ""),
                            created_at=parse_time(article.get("created_at") or ""),
                            comments_open=bool(article.get("comments_open", True)))
        yield VotesRecord(key, [(int(v["stars"]), parse_time(v["created_at"]))
                                for v in article.get("votes", [])])
        for c in article.get("comments", []):
            parent = c.get("parent_id")
            yield CommentRecord(
                import_key=f"engage:{origin}:{c['id']}", article_source_id=key,
                parent_key=f"engage:{origin}:{parent}" if parent else None,
                author_name=c.get("author_name") or "", text=c.get("text") or "",
                created_at=parse_time(c["created_at"]), status=c["status"])
