"""The plain records every import source yields, in file order."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class ArticleRecord:
    """An article (Disqus thread, WordPress post).  ``key``: the Engage article key, or ``None``
    when the source gave nothing usable (then ``problem`` says why)."""

    source_id: str
    key: str | None
    title: str = ""
    url: str = ""
    created_at: datetime | None = None
    comments_open: bool = True
    problem: str = ""


@dataclass(frozen=True)
class CommentRecord:
    """A comment.  ``import_key`` is unique within the source ("disqus:123"); ``parent_key``
    names the parent's import key; ``status`` is an Engage state name; ``text`` is plain text
    (already converted from the source's HTML)."""

    import_key: str
    article_source_id: str
    parent_key: str | None
    author_name: str
    text: str
    created_at: datetime
    status: str
    like_count: int = 0


@dataclass(frozen=True)
class VotesRecord:
    """An article's individual votes (native format only): stars and time, no reader."""

    article_source_id: str
    votes: list[tuple[int, datetime]] = field(default_factory=list)


@dataclass(frozen=True)
class SkippedRecord:
    """Something the file holds that is not imported (pingbacks…), with the reason."""

    source_key: str
    reason: str
