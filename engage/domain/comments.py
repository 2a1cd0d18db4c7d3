"""Comment rules: normalise and check what a reader typed, then render it (DESIGN.md §6)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from engage.domain.errors import InvalidInput
from engage.domain.text.normalize import (
    char_length,
    fold_for_comparison,
    normalize_author_name,
    normalize_comment_text,
)
from engage.domain.text.sanitize import SANITIZER_VERSION, render_comment_html

# Names a reader may not take: they would pass a reader's words off as the newsroom's.  Compared
# by :func:`author_name_key`; the longer ones also may not appear inside a name.
RESERVED_AUTHOR_NAMES = ("Ban biên tập", "Biên tập viên", "Quản trị viên", "Ban quản trị",
                         "Tòa soạn", "BBT", "admin", "administrator", "moderator", "Engage")
_CONTAINED_MIN = 7  # reserved keys at least this long are refused anywhere inside a name

# Latin look-alikes from other scripts, the common subset of Unicode TR #39 confusables.txt
# (Cyrillic and Greek lower case; names are case-folded first).
_CONFUSABLES = str.maketrans({
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j",
    "ѕ": "s", "ԁ": "d", "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "к": "k", "м": "m", "т": "t",
    "в": "b", "н": "h", "α": "a", "ο": "o", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ϲ": "c",
})


@lru_cache(maxsize=4096)
def author_name_key(name: str) -> str:
    """The form in which author names are compared for impersonation.

    Cached (a pure function of the string): every comment compares its name with the same
    reserved names and the site's moderators, and folding them each time was a fifth of a
    comment POST's CPU time (profiled with ``bench/run.py``'s comment path).

    Folded (NFKC, case, diacritics, đ → d: :func:`fold_for_comparison`), Cyrillic/Greek
    look-alikes mapped to Latin (Unicode TR #39), then only letters and digits kept — so
    "Ban biên tập.", "BAN-BIEN-TAP", "Bаn biên tập" (Cyrillic а) and "ＡＤＭＩＮ" all compare
    equal to their plain forms.
    """
    folded = fold_for_comparison(name).translate(_CONFUSABLES)
    return "".join(ch for ch in folded if ch.isalnum())


def is_reserved_name(name: str, extra_reserved: Iterable[str] = ()) -> bool:
    """Whether ``name`` impersonates the newsroom, the site or one of its moderators."""
    key = author_name_key(name)
    for reserved in (*RESERVED_AUTHOR_NAMES, *extra_reserved):
        reserved_key = author_name_key(reserved)
        if reserved_key and (key == reserved_key
                             or (len(reserved_key) >= _CONTAINED_MIN and reserved_key in key)):
            return True
    return False


@dataclass(frozen=True)
class CommentLimits:
    """Length limits in characters (Unicode code points after normalisation)."""

    min_chars: int = 1
    max_chars: int = 3000
    name_max_chars: int = 50


@dataclass(frozen=True)
class PreparedText:
    """A comment text ready to store: normalised, rendered, with the sanitizer version."""

    text: str
    html: str
    sanitizer_version: int


@dataclass(frozen=True)
class PreparedComment:
    """A comment ready to store: normalised text and name, rendered HTML, sanitizer version."""

    author_name: str
    text: str
    html: str
    sanitizer_version: int


def prepare_text(text: str, limits: CommentLimits) -> PreparedText:
    """Normalise, check and render a comment's text (a new comment's, or an edit's).

    The length is checked on the normalised text *before* any rendering work, so an oversized
    body costs no sanitizer time.

    :raises InvalidInput: ``text_empty``, ``text_too_short``, ``text_too_long``.
    """
    body = normalize_comment_text(text)
    length = char_length(body)
    if length == 0:
        raise InvalidInput("text_empty", field="text")
    if length < limits.min_chars:
        raise InvalidInput("text_too_short", field="text", limit=limits.min_chars)
    if length > limits.max_chars:
        raise InvalidInput("text_too_long", field="text", limit=limits.max_chars, length=length)
    return PreparedText(body, render_comment_html(body), SANITIZER_VERSION)


def prepare_comment(author_name: str, text: str, limits: CommentLimits,
                    extra_reserved: Iterable[str] = ()) -> PreparedComment:
    """Normalise, check and render a new comment: its author name, then :func:`prepare_text`.

    :param extra_reserved: more reserved names: the site's name and its moderators' display
        names (see :func:`is_reserved_name`).
    :raises InvalidInput: ``author_name_empty``, ``author_name_too_long``,
        ``author_name_reserved``; the text rules of :func:`prepare_text`.
    """
    name = normalize_author_name(author_name)
    if not name:
        raise InvalidInput("author_name_empty", field="author_name")
    if char_length(name) > limits.name_max_chars:
        raise InvalidInput("author_name_too_long", field="author_name",
                           limit=limits.name_max_chars)
    if is_reserved_name(name, extra_reserved):
        raise InvalidInput("author_name_reserved", field="author_name")
    body = prepare_text(text, limits)
    return PreparedComment(name, body.text, body.html, body.sanitizer_version)
