"""Vietnamese matching keys: split text into syllable tokens and fold each the way readers vary it.

The keys are a *matching copy* only; the stored comment is never changed. Every token keeps the
``(start, end)`` offsets of the characters it came from, so a match is reported on the text as
stored (the output of :func:`engage.domain.text.normalize.normalize_comment_text`).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

# Invisible characters readers slip between letters ("đ\u200bịt"): ZERO WIDTH SPACE, ZERO WIDTH
# NON-JOINER, ZERO WIDTH JOINER, WORD JOINER, ZERO WIDTH NO-BREAK SPACE and SOFT HYPHEN
# (Unicode §23.2, §23.8). normalize_comment_text already drops them from stored text; here they
# are part of a word and left out of its keys, so raw text matches too.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_DROP_INVISIBLE = str.maketrans("", "", _INVISIBLE)

# A token is a run of letters, digits, combining marks (a mark left over from NFD input or from
# marks typed in a non-canonical order), invisible characters and the look-alikes "@" and "$"
# ("c@c", "$ex"), plus "!" between two of those ("đ!t"). "_" is a word character for ``re``
# but a separator here: tokenize() scans a copy with "_" turned into spaces (same offsets).
_WORD_CHARS = f"[\\w\u0300-\u036f@${_INVISIBLE}]"
_TOKEN_RE = re.compile(f"{_WORD_CHARS}+(?:!{_WORD_CHARS}+)*")

# Vietnamese vowel-quality marks (circumflex U+0302, breve U+0306, horn U+031B) and tone marks
# (grave U+0300, acute U+0301, tilde U+0303, hook above U+0309, dot below U+0323). Canonical
# ordering (Unicode §3.11) sorts marks by combining class only, and circumflex, breve, acute,
# grave, tilde and hook all have class 230, so "e + U+0301 + U+0302" stays apart from "ế"
# (e + U+0302 + U+0301) under NFC. Putting quality marks first lets NFC compose both orders.
_QUALITY_MARKS = frozenset("\u0302\u0306\u031b")
_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
_MARK_RUN_RE = re.compile("[\u0300-\u036f]{2,}")

# Look-alikes of Vietnamese letters from other scripts, after casefolding: the Cyrillic and
# Greek rows of Unicode's confusables.txt (UTS #39 §4) that look like Latin lowercase letters,
# and ð (U+00F0, Icelandic eth, which legacy Vietnamese fonts produce for đ).
_LOOKALIKES = str.maketrans({
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j",
    "ѕ": "s", "ԁ": "d", "һ": "h", "ԛ": "q", "ԝ": "w", "к": "k", "м": "m", "т": "t", "в": "b",
    "н": "h", "α": "a", "ο": "o", "ν": "v", "ι": "i", "κ": "k", "τ": "t", "ρ": "p", "υ": "u",
    "ð": "đ",
})

# Digit and symbol substitutions inside a word ("l0n", "đ1t", "c4c", "$ex", "đ!t"), the common
# leet forms; applied only to tokens that also hold a letter, so numbers ("2024", "100") are
# never read as words. "1" is "l" before a vowel ("1ồn") and "i" elsewhere ("đ1t").
_LEET = {"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
_CONSONANTS = "bcdđghklmnpqrstvx"


def _letters_folding_to(bases: str) -> str:
    """Every lowercase letter whose base (marks removed) is in ``bases``: "a" → "aàáảãạăằ…"."""
    found = [chr(c) for c in range(0x61, 0x1F00)
             if chr(c).islower() and unicodedata.normalize("NFD", chr(c))[0] in bases]
    return "".join(found)


_VOWELS = _letters_folding_to("aeiouy")
_BACK_VOWELS = _letters_folding_to("aou")  # a ă â o ô ơ u ư with any tone
_DIGIT_ONE_RE = re.compile(f"1(?=[{_VOWELS}])")

# Teencode spellings, judged from the letter-level differences in ViLexNorm (Nguyen et al.,
# EACL 2024; used only to decide these rules, nothing of it is shipped): "j" for "i" inside a
# word ("đjt", "mje"), "j" for "gi" at its start ("jờ"); "f" for "ph" ("fò"); "w" for "qu"
# before a vowel ("wá"); "k" for "c" where Vietnamese spelling requires "c" (before a, ă, â,
# o, ô, ơ, u, ư: "kặc", "kon") and for a final "c" ("cặk"); Telex "dd" for "đ" ("ddm").
# "z" is deliberately not mapped: it stands for v, d or gi, and "zái" must not become "vái".
_TEENCODE = (
    (re.compile("^dd"), "đ"),
    (re.compile("^j"), "gi"),
    (re.compile("j"), "i"),
    (re.compile("^f"), "ph"),
    (re.compile(f"^w(?=[{_VOWELS}])"), "qu"),
    (re.compile(f"k(?=[{_BACK_VOWELS}])"), "c"),
    (re.compile(f"(?<=[{_VOWELS}])k$"), "c"),
)

# Three or more of the same letter collapse to one ("nguuuu", "lozzz"); two are kept because
# Vietnamese spells "boong", "xoong" and teencode keeps "đmm" apart from "đm".
_REPEAT_RE = re.compile(r"(.)\1{2,}")

# Tone placement (issue 5): old style puts the tone of an open oa/oe/uy syllable on the second
# vowel ("hoà", "thuý"), new style on the first ("hòa", "thúy"). Only these open syllables move;
# a closed syllable ("hoàng") is written alike in both styles, and after "q" the "u" belongs to
# the consonant ("quý"), so neither moves.
_OPEN_OA_OE_UY_RE = re.compile(f"^([{_CONSONANTS}]*)(o[ae]|uy)$")


def _fold_table() -> dict[int, str]:
    """Map each precomposed Latin letter to its base letter, and đ to d (for accent folding)."""
    table = {ord("đ"): "d"}
    for code in range(0x00C0, 0x1F00):
        decomposed = unicodedata.normalize("NFD", chr(code))
        if len(decomposed) > 1 and decomposed[0].isascii() and decomposed[0].isalpha():
            table[code] = decomposed[0]
    for code in range(0x0300, 0x0370):
        table[code] = None  # a stray combining mark folds to nothing
    return table


_FOLD = _fold_table()


class Token(NamedTuple):
    """One syllable-like token of the text.

    :param start: offset of its first character in the text as given.
    :param end: offset just after its last character.
    :param exact: the accent-preserving key (banned words are matched on it).
    :param folded: ``exact`` without any mark and with đ → d (suspect words are matched on it).
    :param letter: ``True`` when the token is one character that can be part of a word spelt
        letter by letter ("đ.ị.t").
    """

    start: int
    end: int
    exact: str
    folded: str
    letter: bool


def _reorder_marks(text: str) -> str:
    """NFD, quality marks before tone marks within each run of marks, then NFC."""
    decomposed = unicodedata.normalize("NFD", text)
    reordered = _MARK_RUN_RE.sub(
        lambda m: "".join(sorted(m.group(), key=lambda c: c not in _QUALITY_MARKS)), decomposed)
    return unicodedata.normalize("NFC", reordered)


def normalize_tone_placement(syllable: str) -> str:
    """Move the tone of an open oa/oe/uy syllable to the first vowel (old → new style).

    "hoà" → "hòa", "thuý" → "thúy", "khoẻ" → "khỏe"; "hoàng" and "quý" are unchanged.
    Source: the rule in issue 5 (new-style placement for open oa/oe/uy syllables only).

    :param syllable: one lowercase NFC syllable.
    :returns: the syllable with its tone on the first vowel of the pair, or unchanged.
    """
    decomposed = unicodedata.normalize("NFD", syllable)
    tones = [c for c in decomposed if c in _TONE_MARKS]
    if len(tones) != 1:
        return syllable
    base = unicodedata.normalize("NFC", decomposed.replace(tones[0], ""))
    match = _OPEN_OA_OE_UY_RE.match(base)
    if match is None or match.group(1).endswith("q"):
        return syllable
    cut = match.end(1) + 1
    return unicodedata.normalize("NFC", base[:cut] + tones[0] + base[cut:])


def fold_accents(key: str) -> str:
    """Drop every mark and map đ → d, on a casefolded key: "ngủ" → "ngu", "đụ" → "du"."""
    return key.translate(_FOLD)


@lru_cache(maxsize=65536)
def syllable_keys(token: str) -> tuple[str, str]:
    """Compute the exact and folded matching keys of one token, in this order.

    NFKC (UAX #15: fullwidth "ｄｍ" → "dm") and casefold (Unicode §3.13); vowel marks before
    tone marks, then NFC, so NFD input in any mark order composes; look-alike letters from
    other scripts; digit/symbol substitutions in words; teencode spellings; runs of one letter
    shortened; old-style tone placement moved (see :func:`normalize_tone_placement`).
    Cached: a comment repeats most of its syllables, and a site's readers repeat them more.

    :param token: a token as found in the text.
    :returns: ``(exact, folded)``.
    """
    key = unicodedata.normalize("NFKC", token.translate(_DROP_INVISIBLE)).casefold()
    if not key.isascii():
        key = _reorder_marks(key).translate(_LOOKALIKES)
    if not key.isalpha() and any(c.isalpha() for c in key):
        key = _DIGIT_ONE_RE.sub("l", key).replace("1", "i")
        key = "".join(_LEET.get(c, c) for c in key)
    for pattern, replacement in _TEENCODE:
        key = pattern.sub(replacement, key)
    key = normalize_tone_placement(_REPEAT_RE.sub(r"\1", key))
    return key, fold_accents(key)


@lru_cache(maxsize=65536)
def _token_info(raw: str) -> tuple[str, str, bool] | None:
    """Keys and the single-letter flag of a token, or ``None`` when it is no word at all."""
    exact, folded = syllable_keys(raw)
    composed = raw if len(raw) == 1 else unicodedata.normalize("NFC",
                                                               raw.translate(_DROP_INVISIBLE))
    letter = len(composed) == 1 and (composed.isalpha() or composed in _LEET or composed == "1")
    if not letter and not any(c.isalpha() for c in exact):
        return None
    return exact, folded, letter


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens with their keys and offsets.

    Tokens made only of digits or symbols ("2024", "@@") are left out: they are never words.
    A single digit is kept as a letter, so that "l.0.n" can be rejoined.

    :param text: any text; offsets index this exact string.
    :returns: the tokens in text order.
    """
    # The hot loop of the pipeline (a 1,000-character comment has ~200 tokens): local names,
    # and tuple.__new__ instead of the NamedTuple constructor, make it about a third faster.
    tokens: list[Token] = []
    append, info_of, new = tokens.append, _token_info, tuple.__new__
    for match in _TOKEN_RE.finditer(text.replace("_", " ")):
        raw = match.group()
        info = info_of(raw)
        if info is None:
            continue
        start, end = match.span()
        if raw[0] in _INVISIBLE or raw[-1] in _INVISIBLE:  # spans cover visible characters
            stripped = raw.strip(_INVISIBLE)
            start += raw.index(stripped[0])
            end = start + len(stripped)
        append(new(Token, (start, end, *info)))
    return tokens


# What may separate the letters of a word spelt out letter by letter: dots, dashes, slashes,
# stars, pipes, plus signs, underscores, tildes, middle dots and bullets, and spaces. Invisible
# characters need no place here: they are part of the word (see _INVISIBLE).
_SPLIT_SEPARATOR_RE = re.compile(r"[\s.\-_*/|+~·•]{1,3}")


def split_letter_runs(text: str, tokens: list[Token]) -> list[tuple[int, int]]:
    """Find runs of single letters separated by dots, dashes or spaces ("đ.ị.t", "n g u").

    A run needs at least two letters when a separator is punctuation, and at least three when
    every separator is whitespace: "đ m" is as often two abbreviations ("đi mày") as one word.

    :param text: the text the tokens came from.
    :param tokens: the output of :func:`tokenize`.
    :returns: ``(first, last)`` token index pairs (inclusive) of each run.
    """
    runs: list[tuple[int, int]] = []
    letters = [i for i, t in enumerate(tokens) if t.letter]  # usually none or a few
    k = 0
    while k < len(letters):
        first = last = letters[k]
        spaces_only = True
        while k + 1 < len(letters) and letters[k + 1] == last + 1:
            gap = text[tokens[last].end:tokens[last + 1].start]
            if not _SPLIT_SEPARATOR_RE.fullmatch(gap):
                break
            spaces_only = spaces_only and gap.isspace()
            last += 1
            k += 1
        if last - first + 1 >= (3 if spaces_only else 2):
            runs.append((first, last))
        k += 1
    return runs


def join_letters(tokens: list[Token]) -> Token:
    """Merge a run of single-letter tokens into one token spelling the word ("đ", "ị", "t")."""
    exact, folded = syllable_keys("".join(t.exact for t in tokens))
    return Token(tokens[0].start, tokens[-1].end, exact, folded, False)
