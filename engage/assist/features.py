"""The model's view of a comment: the moderation layer's Vietnamese keys, one per word.

Pure Python (no scikit-learn): the same folding the word lists use
(:func:`engage.domain.moderation.vietnamese.tokenize` — NFKC, casefold, tone-mark placement,
teencode, leet digits, repeated letters, letters split by dots rejoined), so "Đ.ị.t", "đjt" and
"ĐỊT" are one feature, and the model and the word lists never disagree about what a word is.
"""
from __future__ import annotations

from dataclasses import dataclass

from engage.domain.moderation.vietnamese import Token, join_letters, split_letter_runs, tokenize


CLEAN = "clean"


@dataclass(frozen=True)
class Example:
    """One labelled comment: its text and lowercase label (:data:`CLEAN` = acceptable)."""

    text: str
    label: str


def model_tokens(text: str) -> list[Token]:
    """The comment's word tokens with letter-by-letter runs ("n.g.u") joined into one word.

    :param text: the comment as stored (``normalize_comment_text`` output) or any text.
    :returns: tokens in text order; each has ``start``/``end`` offsets into ``text`` and the
        accent-preserving key ``exact``.
    """
    tokens = tokenize(text)
    runs = split_letter_runs(text, tokens)
    if not runs:
        return tokens
    joined: list[Token] = []
    position = 0
    for first, last in runs:
        joined.extend(tokens[position:first])
        joined.append(join_letters(tokens[first:last + 1]))
        position = last + 1
    joined.extend(tokens[position:])
    return joined


def model_text(text: str) -> str:
    """The normalised text the classifier reads: the tokens' exact keys joined by spaces.

    "Thằng  NGUUU đ.ị.t" → "thằng ngu địt".  Emoji and punctuation are dropped (the tokenizer
    keeps words only).
    """
    return " ".join(t.exact for t in model_tokens(text))
