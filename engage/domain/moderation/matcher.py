"""Compiled word lists: a trie over syllable keys that finds listed terms in linear time.

Terms and text go through the same keys (:mod:`.vietnamese`), so "hoà"/"hòa", "ĐỊT"/"địt",
"l0n"/"lon" or a fullwidth spelling meet on one key. A term matches whole syllables only: "ngu"
never matches inside "người", "nguồn" or "Nguyễn". Banned terms are matched on the exact key
(accents count: "ngủ" is not "ngu"); suspect terms on the accent-folded key.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from engage.domain.moderation.entries import parse_variants, spellings, term_keys
from engage.domain.moderation.vietnamese import Token, join_letters, split_letter_runs, tokenize

# Bumped whenever key computation changes, so a cached matcher is never reused across versions.
MATCHING_VERSION = "1"

# Syllable keys remembered per trie for one-syllable wildcard entries (cleared when full).
_WILD_MEMO_SIZE = 50_000
_UNSEEN = object()


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
        # Whether a one-syllable wildcard entry ("địt*") exists, and what each syllable key seen
        # so far matched among them: syllables repeat, so the prefix test runs once per key.
        self._root_wild = False
        self._wild_memo: dict[str, str | None] = {}

    def add(self, keys: list[str], term: str, wildcard: bool) -> None:
        """Insert a term; with ``wildcard`` its last key is a prefix of the last syllable."""
        node = self.root
        for key in keys[:-1] if wildcard else keys:
            node = node.children.setdefault(key, _Node())
        if wildcard:
            last = keys[-1]
            node.wild.setdefault(len(last), {}).setdefault(last, term)
            if node is self.root:
                self._root_wild = True
                self._wild_memo.clear()
        elif node.term is None:
            node.term = term
        self.size += 1

    @staticmethod
    def _wild_term(node: _Node, key: str) -> str | None:
        """The longest wildcard prefix of ``node`` that ``key`` starts with, as its term."""
        for length in sorted(node.wild, reverse=True):
            term = node.wild[length].get(key[:length])
            if term is not None:
                return term
        return None

    def scan(self, keys: list[str]) -> list[tuple[int, int, str]]:
        """The longest term starting at each key: ``(first index, last index, term)``.

        One dict lookup per key rules out the keys that start no term; from the others the
        walk is bounded by the longest term, so a scan is linear in the length of the text.
        """
        root, found = self.root, []
        wild_hits: dict[int, str] = {}
        if self._root_wild:  # one-syllable entries ending in "*"
            memo = self._wild_memo
            for i, key in enumerate(keys):
                term = memo.get(key, _UNSEEN)
                if term is _UNSEEN:
                    term = self._wild_term(root, key)
                    if len(memo) >= _WILD_MEMO_SIZE:
                        memo.clear()
                    memo[key] = term
                if term is not None:
                    wild_hits[i] = term
        children = root.children
        starts = [i for i, key in enumerate(keys) if key in children]
        for i in starts:
            node = children[keys[i]]
            best = (i, node.term) if node.term is not None else None
            for j in range(i + 1, len(keys)):
                key = keys[j]
                if node.wild:  # only inside phrases that end in a wildcard
                    term = self._wild_term(node, key)
                    if term is not None:
                        best = (j, term)
                node = node.children.get(key)
                if node is None:
                    break
                if node.term is not None:
                    best = (j, node.term)
            if best is None and i in wild_hits:
                best = (i, wild_hits[i])
            if best is not None:
                found.append((i, best[0], best[1]))
        if wild_hits:
            walked = set(starts)
            found.extend((i, i, term) for i, term in wild_hits.items() if i not in walked)
        return found


class WordMatcher:
    """Banned and suspect terms compiled once; find them in any number of texts.

    Build with :meth:`compile` (or :func:`engage.domain.moderation.wordlists.compile_wordlists`
    which caches by list content). Safe to share between threads: a scan reads the tries and
    only writes two caches (the last text's tokens, the wildcard memo) with single, atomic
    assignments.

    :param version: identifies the lists and the matching rules the matcher was built from.
    :param refused: entries that were left out (see :func:`.entries.term_keys`).
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
            phrases, one group per string (see :func:`.entries.parse_variants`).
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
                for keys in spellings(parsed[0], index, folded=not exact):
                    trie.add(keys, entry, parsed[1])
        return cls(tries, digest.hexdigest()[:16], tuple(refused))

    @property
    def sizes(self) -> dict[str, int]:
        """Spellings compiled per trie: ``banned``, ``folded`` and ``exact`` (suspect)."""
        return {name: trie.size for name, trie in self._tries.items()}

    def _streams(self, text: str) -> list[list[Token]]:
        """The token stream of ``text``, and when letters are spelt out one by one ("đ.ị.t
        m.ẹ"), a second stream with every such run rejoined into a word.

        The last text is remembered: the banned and suspect checks scan the same comment.
        """
        last = self._last
        if last is not None and last[0] == text:
            return last[1]
        tokens = tokenize(text)
        streams = [tokens]
        runs = split_letter_runs(text, tokens)
        if runs:
            joined, done = [], 0
            for first, final in runs:
                joined += tokens[done:first]
                joined.append(join_letters(tokens[first:final + 1]))
                done = final + 1
            streams.append(joined + tokens[done:])
        self._last = (text, streams)
        return streams

    def _find(self, names: tuple[str, ...], text: str) -> list[Match]:
        """The longest match of the named tries at every token, in text order."""
        found: set[Match] = set()
        for tokens in self._streams(text):
            exact = folded = None
            for name in names:
                trie = self._tries[name]
                if not trie.size:
                    continue
                if name == "folded":
                    keys = folded = folded or [t.folded for t in tokens]
                else:
                    keys = exact = exact or [t.exact for t in tokens]
                for first, last, term in trie.scan(keys):
                    found.add(Match(tokens[first].start, tokens[last].end, term))
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
