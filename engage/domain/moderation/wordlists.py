"""Word lists: the defaults shipped in ``config/wordlists/``, per-site additions, compiled once.

A list file is UTF-8 text, one entry per line; ``#`` starts a comment. An entry is one or more
syllables separated by spaces (or any punctuation, as readers type them); a trailing ``*`` makes
the last syllable a prefix ("địt*"). ``banned.txt`` entries reject and are matched with their
accents; ``suspect.txt`` entries hold and are matched with accents folded away.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from engage.domain.moderation.matcher import WordMatcher

WORDLISTS_DIR = Path(__file__).resolve().parents[3] / "config" / "wordlists"
BANNED_FILE = "banned.txt"
SUSPECT_FILE = "suspect.txt"
VARIANTS_FILE = "variants.txt"

# Compiled matchers kept per process: the defaults plus one per site whose lists differ (a
# 2,000-term matcher takes a few MB).
_CACHE_SIZE = 64


@dataclass(frozen=True)
class WordLists:
    """Entries of the banned and suspect lists, and groups of syllable spellings.

    Order is kept and duplicates are harmless. ``variants`` lines name spellings readers use
    for one another inside phrases ("lồn loz lol"): every entry of two or more syllables
    also matches with them.
    """

    banned: tuple[str, ...] = ()
    suspect: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()

    def __add__(self, other: WordLists) -> WordLists:
        """Both lists' entries: the defaults plus a site's own, ``defaults + site``."""
        return WordLists(self.banned + other.banned, self.suspect + other.suspect,
                         self.variants + other.variants)

    @classmethod
    def of(cls, banned: Iterable[str] = (), suspect: Iterable[str] = (),
           variants: Iterable[str] = ()) -> WordLists:
        """Lists from any iterables of entries (e.g. rows a site admin edited)."""
        return cls(tuple(banned), tuple(suspect), tuple(variants))


def parse_wordlist(text: str) -> tuple[str, ...]:
    """The entries of a list file: comments (from ``#``) and blank lines dropped."""
    entries = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return tuple(e for e in entries if e)


@lru_cache(maxsize=8)
def load_wordlists(directory: Path = WORDLISTS_DIR) -> WordLists:
    """Read ``banned.txt``, ``suspect.txt`` and ``variants.txt`` from ``directory``.

    :param directory: defaults to the shipped ``config/wordlists/``.
    :raises OSError: a list file is missing or unreadable.
    """
    def read(name: str) -> tuple[str, ...]:
        return parse_wordlist((directory / name).read_text(encoding="utf-8"))

    return WordLists(read(BANNED_FILE), read(SUSPECT_FILE), read(VARIANTS_FILE))


_cache: OrderedDict[Hashable, WordMatcher] = OrderedDict()
_lock = threading.Lock()


def matcher_for(key: Hashable, build: Callable[[], WordLists]) -> WordMatcher:
    """Return the matcher cached under ``key``, compiling ``build()`` on the first call.

    ``key`` must change whenever the lists change, e.g. ``(site_id, site.wordlist_version)``
    with the version bumped on every edit; ``build`` is only called on a miss, so a service
    need not load a site's rows on every comment. Least recently used entries are dropped.

    :param key: any hashable identifying the lists' content.
    :param build: returns the lists to compile.
    """
    with _lock:
        matcher = _cache.get(key)
        if matcher is not None:
            _cache.move_to_end(key)
            return matcher
    matcher = WordMatcher.compile(*_entries(build()))
    with _lock:
        _cache[key] = matcher
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return matcher


def _entries(lists: WordLists) -> tuple[tuple[str, ...], ...]:
    return lists.banned, lists.suspect, lists.variants


def compile_wordlists(lists: WordLists) -> WordMatcher:
    """Compile ``lists``, cached by their content (the dataclass is its own key)."""
    return matcher_for(("lists", lists), lambda: lists)


def default_matcher(extra: WordLists = WordLists()) -> WordMatcher:
    """The shipped defaults plus ``extra`` (a site's own entries), compiled once per content.

    :param extra: entries added on top of ``config/wordlists/``.
    """
    return compile_wordlists(load_wordlists() + extra)


def clear_matcher_cache() -> None:
    """Forget every compiled matcher (tests that reuse site ids across databases)."""
    with _lock:
        _cache.clear()
