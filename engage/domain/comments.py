"""Comment rules: normalise and check what a reader typed, then render it (DESIGN.md §6)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from engage.domain.errors import InvalidInput
from engage.domain.text.normalize import (
    char_length,
    fold_for_comparison,
    normalize_author_name,
    normalize_comment_text,
)
from engage.domain.text.sanitize import SANITIZER_VERSION, render_comment_html

# Names a reader may not take, compared after folding (case, accents, width): they would pass
# a reader's words off as the newsroom's.
RESERVED_AUTHOR_NAMES = ("Ban biên tập", "Quản trị viên", "admin", "administrator",
                         "moderator", "Engage")


@dataclass(frozen=True)
class CommentLimits:
    """Length limits in characters (Unicode code points after normalisation)."""

    min_chars: int = 1
    max_chars: int = 3000
    name_max_chars: int = 50


@dataclass(frozen=True)
class PreparedComment:
    """A comment ready to store: normalised text and name, rendered HTML, sanitizer version."""

    author_name: str
    text: str
    html: str
    sanitizer_version: int


def prepare_comment(author_name: str, text: str, limits: CommentLimits,
                    extra_reserved: Iterable[str] = ()) -> PreparedComment:
    """Normalise, check and render a new comment.

    Lengths are checked on the normalised text *before* any rendering work, so an oversized
    body costs no sanitizer time.

    :param extra_reserved: more reserved names (e.g. the site's moderators' display names).
    :raises InvalidInput: ``text_empty``, ``text_too_short``, ``text_too_long``,
        ``author_name_empty``, ``author_name_too_long``, ``author_name_reserved``.
    """
    name = normalize_author_name(author_name)
    if not name:
        raise InvalidInput("author_name_empty", field="author_name")
    if char_length(name) > limits.name_max_chars:
        raise InvalidInput("author_name_too_long", field="author_name",
                           limit=limits.name_max_chars)
    folded = fold_for_comparison(name)
    reserved = {fold_for_comparison(n) for n in (*RESERVED_AUTHOR_NAMES, *extra_reserved)}
    if folded in reserved:
        raise InvalidInput("author_name_reserved", field="author_name")
    body = normalize_comment_text(text)
    length = char_length(body)
    if length == 0:
        raise InvalidInput("text_empty", field="text")
    if length < limits.min_chars:
        raise InvalidInput("text_too_short", field="text", limit=limits.min_chars)
    if length > limits.max_chars:
        raise InvalidInput("text_too_long", field="text", limit=limits.max_chars, length=length)
    return PreparedComment(name, body, render_comment_html(body), SANITIZER_VERSION)
