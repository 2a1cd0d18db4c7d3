"""Compiled word lists: a trie over syllable keys that finds listed terms in linear time.

Terms and text go through the same keys (:mod:`.vietnamese`), so "hoà"/"hòa", "ĐỊT"/"địt",
"l0n"/"lon" or a fullwidth spelling meet on one key. A term matches whole syllables only: "ngu"
never matches inside "người", "nguồn" or "Nguyễn". Banned terms are matched on the exact key
(accents count: "ngủ" is not "ngu"); suspect terms on the accent-folded key.
"""
from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from engage.domain.moderation.vietnamese import Token, join_letters, split_letter_runs, tokenize

# Bumped whenever key computation changes, so a cached matcher is never reused across versions.
MATCHING_VERSION = "1"

# A term of up to this many syllables also matches with any of its syllables written together
# ("con mẹ" → "conmẹ"): 2^(n-1) spellings. Longer terms match split or fully joined only.
_MAX_JOIN_VARIANTS_SYLLABLES = 4

# At most this many spellings of one entry are compiled from syllable variants.
_MAX_SPELLINGS = 64


@dataclass(frozen=True, slots=True)
class Match:
    """A listed term found in a text.

    :param start: offset of the first matched character in the text.
    :param end: offset just after the last matched character.
    :param term: the list entry, as written in the list.
    """

    start: int
    end: int
    term: str


class _Node:
    """A trie node: children by syllable key, the term ending here, wildcard prefixes."""

    __slots__ = ("children", "term", "wild")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.term: str | None = None
        # prefix length -> {prefix: term}: a term whose last syllable ends in "*".
        self.wild: dict[int, dict[str, str]] = {}


class _Trie:
    """Terms as sequences of syllable keys."""

    def __init__(self) -> None:
        self.root = _Node()
        self.size = 0

    def add(self, keys: list[str], term: str, wildcard: bool) -> None:
        """Insert a term; with ``wildcard`` its last key is a prefix of the last syllable."""
        node = self.root
        for key in keys[:-1] if wildcard else keys:
            node = node.children.setdefault(key, _Node())
        if wildcard:
            last = keys[-1]
            node.wild.setdefault(len(last), {}).setdefault(last, term)
        elif node.term is None:
            node.term = term
        self.size += 1

    def longest(self, keys: list[str], start: int) -> tuple[int, str] | None:
        """The longest term starting at ``keys[start]``: ``(index of its last key, term)``.

        Work is bounded by the longest term, so scanning a text is linear in its length.
        """
        node, best = self.root, None
        for index in range(start, len(keys)):
            key = keys[index]
            for length, prefixes in node.wild.items():
                term = prefixes.get(key[:length]) if len(key) >= length else None
                if term is not None:
                    best = (index, term)
            node = node.children.get(key)
            if node is None:
                break
            if node.term is not None:
                best = (index, node.term)
        return best


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


def _spellings(tokens: list[Token], variants: dict[str, tuple[Token, ...]],
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


class WordMatcher:
    """Banned and suspect terms compiled once; find them in any number of texts.

    Build with :meth:`compile` (or :func:`engage.domain.moderation.wordlists.compile_wordlists`
    which caches by list content). Thread-safe: scanning only reads the tries.

    :param version: identifies the lists and the matching rules the matcher was built from.
    :param refused: entries that were left out (see :func:`term_keys`).
    """

    def __init__(self, tries: dict[str, _Trie], version: str, refused: tuple[str, ...]) -> None:
        self._tries = tries
        self.version = version
        self.refused = refused
        self._last: tuple[str, list[list[Token]]] | None = None

    @classmethod
    def compile(cls, banned: Iterable[str], suspect: Iterable[str],
                variants: Iterable[str] = ()) -> WordMatcher:
        """Compile two lists of entries into a matcher.

        :param banned: entries that reject, matched on accent-preserving keys.
        :param suspect: entries that hold, matched on accent-folded keys; an entry written
            ``=term`` is matched with its accents, for words whose folded form is an ordinary
            word ("=lồn" must not hold every "lớn").
        :param variants: groups of syllable spellings readers use for one another inside
            phrases, one group per string (see :func:`parse_variants`).
        """
        variants = tuple(variants)
        index = parse_variants(variants)
        tries = {"banned": _Trie(), "folded": _Trie(), "exact": _Trie()}
        refused: list[str] = []
        digest = hashlib.sha256(MATCHING_VERSION.encode())
        for tier, entries in (("variants", variants), ("banned", banned), ("suspect", suspect)):
            digest.update(f"\x00{tier}\n".encode())
            for entry in entries:
                entry = entry.strip()
                digest.update(entry.encode() + b"\n")
                if tier == "variants":
                    continue
                exact = tier == "banned" or entry.startswith("=")
                parsed = term_keys(entry.removeprefix("=") if tier == "suspect" else entry)
                if parsed is None:
                    refused.append(entry)
                    continue
                trie = tries["banned" if tier == "banned" else "exact" if exact else "folded"]
                for keys in _spellings(parsed[0], index, folded=not exact):
                    for joined in _join_variants(keys):
                        trie.add(joined, entry, parsed[1])
        return cls(tries, digest.hexdigest()[:16], tuple(refused))

    @property
    def sizes(self) -> dict[str, int]:
        """Spellings compiled per trie: ``banned``, ``folded`` and ``exact`` (suspect)."""
        return {name: trie.size for name, trie in self._tries.items()}

    def _streams(self, text: str) -> list[list[Token]]:
        """The token stream of ``text``, plus one per run of split letters rejoined.

        The last text is remembered: the banned and suspect checks scan the same comment.
        """
        last = self._last
        if last is not None and last[0] == text:
            return last[1]
        tokens = tokenize(text)
        streams = [tokens]
        for first, final in split_letter_runs(text, tokens):
            joined = join_letters(tokens[first:final + 1])
            streams.append(tokens[:first] + [joined] + tokens[final + 1:])
        self._last = (text, streams)
        return streams

    def _find(self, names: tuple[str, ...], text: str) -> list[Match]:
        """Longest matches of the named tries, each scanned left to right without overlap."""
        found: set[Match] = set()
        for tokens in self._streams(text):
            for name in names:
                trie = self._tries[name]
                if not trie.size:
                    continue
                keys = [t.folded for t in tokens] if name == "folded" else [t.exact for t in tokens]
                index = 0
                while index < len(keys):
                    hit = trie.longest(keys, index)
                    if hit is None:
                        index += 1
                        continue
                    found.add(Match(tokens[index].start, tokens[hit[0]].end, hit[1]))
                    index = hit[0] + 1
        return sorted(found, key=lambda m: (m.start, m.end, m.term))

    def banned(self, text: str) -> list[Match]:
        """Banned terms in ``text`` (exact keys), in text order."""
        return self._find(("banned",), text)

    def suspect(self, text: str) -> list[Match]:
        """Suspect terms in ``text`` (folded keys, exact for ``=`` entries), in text order."""
        return self._find(("folded", "exact"), text)


def merge_spans(matches: Iterable[Match]) -> tuple[tuple[int, int], ...]:
    """Sorted, non-overlapping ``(start, end)`` spans covering the matches."""
    spans: list[list[int]] = []
    for m in sorted(matches, key=lambda m: (m.start, m.end)):
        if spans and m.start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], m.end)
        else:
            spans.append([m.start, m.end])
    return tuple((s, e) for s, e in spans)
