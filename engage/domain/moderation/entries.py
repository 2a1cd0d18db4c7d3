"""How a word-list entry becomes trie keys: syllables, wildcard, and readers' spellings.

An entry's spellings are its syllables written apart or together ("con mẹ", "conmẹ") and, for
phrases, each syllable's variants from ``variants.txt`` ("máu lồn", "máu loz").
"""
from __future__ import annotations

import itertools
from collections.abc import Iterable

from engage.domain.moderation.vietnamese import Token, tokenize

# A term of up to this many syllables also matches with any of its syllables written together
# ("con mẹ" → "conmẹ"): 2^(n-1) spellings. Longer terms match split or fully joined only.
_MAX_JOIN_VARIANTS_SYLLABLES = 4

# At most this many spellings of one entry are compiled from syllable variants.
_MAX_SPELLINGS = 64


def _join_variants(keys: list[str]) -> Iterable[list[str]]:
    """The spellings of a multi-syllable term with some syllables written together."""
    if len(keys) <= _MAX_JOIN_VARIANTS_SYLLABLES:
        for glue in itertools.product((False, True), repeat=len(keys) - 1):
            merged = [keys[0]]
            for key, join in zip(keys[1:], glue):
                if join:
                    merged[-1] += key
                else:
                    merged.append(key)
            yield merged
    else:
        yield keys
        yield ["".join(keys)]


def term_keys(entry: str) -> tuple[list[Token], bool] | None:
    """Parse a list entry into its syllable tokens and wildcard flag.

    Syllables are separated by spaces or punctuation, exactly as in a comment; a trailing
    ``*`` makes the last syllable a prefix. Entries that normalise to a single letter ("đ'",
    "b`") are refused (issue 5: they would match initials and abbreviations).

    :returns: ``None`` for an entry that cannot be used.
    """
    entry = entry.strip()
    wildcard = entry.endswith("*")
    tokens = tokenize(entry.rstrip("*"))
    if not tokens or sum(len(t.exact) for t in tokens) < 2:
        return None
    return tokens, wildcard


def parse_variants(lines: Iterable[str]) -> dict[str, tuple[Token, ...]]:
    """Index groups of interchangeable syllable spellings by each member's exact key.

    :param lines: one group per string, spellings separated by spaces ("lồn loz lol lone").
    """
    index: dict[str, tuple[Token, ...]] = {}
    for line in lines:
        group = tuple(t for t in tokenize(line))
        for token in group:
            index[token.exact] = group
    return index


def _variant_keys(tokens: list[Token], variants: dict[str, tuple[Token, ...]],
               folded: bool) -> Iterable[list[str]]:
    """The keys of an entry with each syllable replaced by its variant spellings.

    Only entries of two or more syllables are expanded: the other syllables give the context
    that makes "lol" in "xạo lol" unambiguous, while "lol" alone is a laugh.
    """
    if len(tokens) < 2:
        options = [[t] for t in tokens]
    else:
        options = [list(variants.get(t.exact, (t,))) for t in tokens]
    seen = set()
    for combo in itertools.islice(itertools.product(*options), _MAX_SPELLINGS):
        keys = tuple(t.folded if folded else t.exact for t in combo)
        if keys not in seen:
            seen.add(keys)
            yield list(keys)


def spellings(tokens: list[Token], variants: dict[str, tuple[Token, ...]],
              folded: bool) -> Iterable[list[str]]:
    """Every key sequence an entry is compiled under: variant spellings of its syllables, each
    with its syllables split or written together ("con mẹ" → "conmẹ").

    :param tokens: the entry's syllables (:func:`term_keys`).
    :param variants: the index from :func:`parse_variants`.
    :param folded: use accent-folded keys (suspect entries) instead of exact ones.
    """
    for keys in _variant_keys(tokens, variants, folded):
        yield from _join_variants(keys)
