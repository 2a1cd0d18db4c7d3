"""Benchmark the moderation pipeline (issue 5): time per 1,000-character comment with 2,000-term
lists, and the compile time of a 5,000-term list. Prints figures; asserts nothing.

    .venv/bin/python bench/bench_moderation.py [--comments 500] [--seed 5]

Lists are the shipped defaults plus synthetic Vietnamese syllables (onset + rhyme + tone), so no
corpus is needed; comments are random syllable text with punctuation, a link and some listed
terms, each distinct. "cold" clears the per-syllable key cache before every comment (a worst
case: a process that has never seen these words); "warm" is a process that has.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engage.domain.moderation.matcher import WordMatcher  # noqa: E402
from engage.domain.moderation.pipeline import (  # noqa: E402
    DEFAULT_CHECKS, CommentContext, run_pipeline)
from engage.domain.moderation.vietnamese import syllable_keys  # noqa: E402
from engage.domain.moderation.wordlists import load_wordlists  # noqa: E402

ONSETS = ["", "b", "c", "ch", "d", "đ", "g", "gi", "h", "k", "kh", "l", "m", "n", "ng", "nh",
          "ph", "qu", "r", "s", "t", "th", "tr", "v", "x"]
RHYMES = ["a", "ai", "am", "an", "ang", "anh", "ao", "at", "ay", "âm", "ân", "âu", "ăn", "e",
          "em", "en", "eo", "ê", "ên", "i", "ia", "im", "in", "inh", "o", "oa", "oi", "om", "on",
          "ong", "ô", "ôi", "ông", "ơ", "ơi", "ơn", "u", "ui", "um", "un", "ung", "uy", "ư",
          "ưa", "ươi", "ương", "iên", "iêt", "uôn", "uông"]
TONES = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]


def syllable(rng: random.Random) -> str:
    """A random Vietnamese-shaped syllable with a tone on its first vowel."""
    rhyme = rng.choice(RHYMES)
    tone = rng.choice(TONES)
    rhyme = unicodedata.normalize("NFC", rhyme[0] + tone + rhyme[1:]) if tone else rhyme
    return rng.choice(ONSETS) + rhyme


def synthetic_terms(rng: random.Random, count: int) -> list[str]:
    """Terms of one to three syllables; some wildcards and some accent-keeping entries."""
    terms = []
    for _ in range(count):
        term = " ".join(syllable(rng) for _ in range(rng.choice((1, 2, 2, 3))))
        if rng.random() < 0.05:
            term += "*"
        terms.append(term)
    return terms


def lists_of(rng: random.Random, size: int) -> tuple[list[str], list[str], tuple[str, ...]]:
    """Banned and suspect lists of ``size`` entries in all: the defaults plus synthetic terms."""
    defaults = load_wordlists()
    extra = synthetic_terms(rng, size - len(defaults.banned) - len(defaults.suspect))
    half = len(extra) // 2
    suspect = [("=" + t if rng.random() < 0.5 else t) for t in extra[half:]]
    return ([*defaults.banned, *extra[:half]], [*defaults.suspect, *suspect],
            defaults.variants)


def comment(rng: random.Random, hits: list[str], length: int = 1000) -> str:
    """About ``length`` characters of syllables, punctuation, one link and two listed terms."""
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < length - 60:
        word = syllable(rng)
        if rng.random() < 0.1:
            word += rng.choice([",", ".", "!", "?", " -", " 🙂"])
        words.append(word.capitalize() if rng.random() < 0.05 else word)
    for term in rng.sample(hits, 2):
        words.insert(rng.randrange(len(words)), term.rstrip("*").lstrip("="))
    words.insert(rng.randrange(len(words)), "https://example.vn/bai-viet")
    return " ".join(words)[:length]


def time_pipeline(texts: list[str], matcher: WordMatcher, cold: bool) -> list[float]:
    """Milliseconds per comment through every check of the pipeline."""
    now = datetime.now(timezone.utc)
    recent = tuple(texts[-20:])
    times = []
    for text in texts:
        if cold:
            syllable_keys.cache_clear()
        ctx = CommentContext(text=text, now=now, premoderation=False, wordlists=matcher,
                             link_limit=2, recent_texts=recent, form_age_seconds=30.0)
        started = time.perf_counter()
        run_pipeline(ctx, DEFAULT_CHECKS)
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    """Print the pipeline and compile figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=500)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    banned, suspect, variants = lists_of(rng, 2000)
    matcher = WordMatcher.compile(banned, suspect, variants)
    texts = [comment(rng, banned + suspect) for _ in range(args.comments)]
    print(f"lists: {len(banned) + len(suspect)} terms ({len(banned)} banned, {len(suspect)} "
          f"suspect), {sum(matcher.sizes.values())} compiled spellings")
    print(f"comments: {len(texts)} distinct, {statistics.mean(map(len, texts)):.0f} characters")
    for label, cold in (("cold", True), ("warm", False), ("warm", False)):
        times = sorted(time_pipeline(texts, matcher, cold))
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        print(f"pipeline ({label} syllable cache): median {statistics.median(times):.3f} ms, "
              f"p99 {p99:.3f} ms per comment")

    for size in (2000, 5000):
        banned, suspect, variants = lists_of(random.Random(size), size)
        runs = []
        for _ in range(5):
            syllable_keys.cache_clear()
            started = time.perf_counter()
            WordMatcher.compile(banned, suspect, variants)
            runs.append(time.perf_counter() - started)
        print(f"compile {size} terms (cold caches): median {statistics.median(runs) * 1000:.0f} ms,"
              f" max {max(runs) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
