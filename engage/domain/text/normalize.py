"""Normalise reader-typed text (comment bodies, author names) before it is measured or stored.

Length limits are counted on the *output* of these functions, so the JavaScript widget must
apply the same rules before it counts. Every rule names the Unicode document it comes from.
"""

import re
import unicodedata

# Unicode Standard §5.8 "Newline Guidelines" and UAX #14 (line breaking) classes BK, CR, LF
# and NL: CRLF, CR, VT, FF, NEL (U+0085), LINE SEPARATOR and PARAGRAPH SEPARATOR all end a
# line. They become "\n" before control characters are stripped, so that a CR-only line ending
# or a pasted U+2028 does not glue two words together.
_NEWLINE_RE = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")

# Lone surrogates cannot be encoded as UTF-8 (Unicode §3.9, D91-D93), yet ``json.loads``
# accepts "\ud800". They are replaced with U+FFFD REPLACEMENT CHARACTER (Unicode §3.9, U+FFFD
# substitution) so that storing the text never fails.
_SURROGATE_RE = re.compile("[\ud800-\udfff]")

# General category Cc (Unicode §4.5): C0 controls U+0000-001F, DEL and C1 controls
# U+0080-009F, except LF (kept) and TAB (turned into a space before this runs).
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")

# UAX #9 (Unicode Bidirectional Algorithm) §2.1-2.6: embeddings and overrides LRE, RLE, PDF,
# LRO, RLO (U+202A-202E), isolates LRI, RLI, FSI, PDI (U+2066-2069) and the implicit marks
# LRM, RLM (U+200E, U+200F) and ALM (U+061C). An RLO lets a reader display text in an order
# other than the stored one ("Trojan Source", CVE-2021-42574).
_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"

# Invisible characters that let two strings look identical while differing: ZERO WIDTH SPACE
# U+200B, ZERO WIDTH NON-JOINER U+200C, WORD JOINER U+2060, ZERO WIDTH NO-BREAK SPACE / BOM
# U+FEFF (Unicode §23.8), MONGOLIAN VOWEL SEPARATOR U+180E (no longer whitespace since
# Unicode 6.3) and SOFT HYPHEN U+00AD (Unicode §23.2, invisible unless a line breaks there).
_ZERO_WIDTH = "\u200b\u200c\u2060\ufeff\u180e\u00ad"

_INVISIBLE_RE = re.compile(f"[{_BIDI_CONTROLS}{_ZERO_WIDTH}]")

# A coarse, block-level superset of the Extended_Pictographic property (UTS #51 "Unicode
# Emoji", ED-17a; data in emoji-data.txt), plus the skin-tone modifiers U+1F3FB-1F3FF
# (ED-2). Whole blocks keep the table short and independent of the Unicode version Python
# ships; including a few non-emoji symbols only means a ZWJ between two symbols survives.
_PICTOGRAPHIC = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u24c2\u2934\u2935"
    "\u3030\u303d\u3297\u3299"
    "\u2190-\u21ff"  # Arrows
    "\u2300-\u23ff"  # Miscellaneous Technical
    "\u25a0-\u25ff"  # Geometric Shapes
    "\u2600-\u27bf"  # Miscellaneous Symbols, Dingbats
    "\u2b00-\u2bff"  # Miscellaneous Symbols and Arrows
    "\U0001f000-\U0001faff"  # Mahjong .. Symbols and Pictographs Extended-A
    "\U0001fc00-\U0001fffd"  # reserved for future pictographs (emoji-data.txt)
)

# UTS #51 ED-16 (emoji ZWJ sequence): ZERO WIDTH JOINER U+200D joins two emoji elements, and
# an element may end with VARIATION SELECTOR-16 U+FE0F (emoji presentation, ED-9a) as in
# 🏳️‍🌈. Anywhere else a ZWJ is invisible noise, so it is dropped. (This knowingly also drops
# the ZWJ some Indic and Arabic spellings use; Engage serves Vietnamese text.)
_STRAY_ZWJ_RE = re.compile(
    f"(?<![{_PICTOGRAPHIC}\ufe0f])\u200d|\u200d(?![{_PICTOGRAPHIC}])"
)

_BLANK_RUN_RE = re.compile("\n{3,}")


def _strip_invisible(text: str) -> str:
    """Apply the character rules shared by comment text and author names.

    Newlines are unified, TAB becomes a space, then controls, bidi controls, zero-width
    characters and stray joiners are removed, and the result is NFC-normalised.
    Variation selectors (U+FE00-FE0F, U+E0100-E01EF) are kept: emoji and CJK need them.

    :param text: raw text as the reader sent it.
    :returns: the text with only visible characters, ``"\\n"`` and spaces for layout.
    """
    text = _NEWLINE_RE.sub("\n", text)
    text = _SURROGATE_RE.sub("\ufffd", text)
    text = text.replace("\t", " ")
    text = _CONTROL_RE.sub("", text)
    text = _INVISIBLE_RE.sub("", text)
    # UAX #15 (Unicode Normalization Forms): NFC, so that NFD input from macOS/iOS keyboards
    # ("Việt" as e + U+0323 + U+0302) and precomposed input store and compare identically.
    # Old-style vs new-style tone placement ("hoà"/"hòa") is a spelling choice, not a normal
    # form, and is deliberately left alone here.
    # NFC runs before the ZWJ rule so that the rule sees the same neighbours whether the
    # input was NFC or NFD (U+219A "↚" is pictographic, its NFD "←" + U+0338 ends in a mark),
    # and again after it, because dropping a ZWJ can bring a letter and a mark together.
    text = unicodedata.normalize("NFC", text)
    text = _STRAY_ZWJ_RE.sub("", text)
    return unicodedata.normalize("NFC", text)


def normalize_comment_text(raw: str) -> str:
    """Normalise a comment body for storage, length counting and rendering.

    On top of the character rules (NFC per UAX #15, newline unification, control, bidi
    (UAX #9) and zero-width removal, ZWJ kept only inside emoji sequences per UTS #51),
    trailing whitespace is stripped from each line, leading and trailing blank lines are
    removed and runs of blank lines collapse to a single blank line (one paragraph break).
    Leading spaces on a line are kept. The function is idempotent.

    :param raw: the comment text as the reader typed it.
    :returns: the normalised text; ``""`` if nothing visible remains.
    """
    text = _strip_invisible(raw)
    # str.rstrip() strips every Unicode White_Space character (NBSP, U+3000, ...), not just
    # ASCII spaces, so a line that only holds invisible-looking spaces becomes blank.
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = text.strip("\n")
    return _BLANK_RUN_RE.sub("\n\n", text)


def normalize_author_name(raw: str) -> str:
    """Normalise a display name: the comment character rules, then a single line.

    Newlines and tabs become spaces, runs of any Unicode whitespace collapse to one space,
    and the ends are trimmed.

    :param raw: the name as the reader typed it.
    :returns: the normalised name; ``""`` if nothing visible remains.
    """
    return " ".join(_strip_invisible(raw).split())


def char_length(text: str) -> int:
    """Count the characters of already-normalised text, as the limits count them.

    Characters = Unicode code points after normalisation. The JavaScript widget counts
    ``[...str].length`` after the same normalisation, which iterates code points too (not
    UTF-16 code units as ``str.length`` does, nor grapheme clusters): the family emoji
    👨‍👩‍👧 is 5 characters, "Việt" in NFC is 4.

    :param text: text returned by :func:`normalize_comment_text` or
        :func:`normalize_author_name`.
    :returns: the number of code points.
    """
    return len(text)


# Letters a Vietnamese reader may type for Đ that Unicode does not decompose: đ (U+0111,
# the casefold of Đ U+0110) and ð (U+00F0, casefold of the look-alike Icelandic Ð U+00D0,
# which legacy Vietnamese input methods and fonts sometimes produce).
_D_LIKE = str.maketrans({"\u0111": "d", "\u00f0": "d"})


def fold_for_comparison(s: str) -> str:
    """Fold a string so that names differing only in Unicode form, case or accents match.

    Used to refuse reserved author names whatever their Unicode form: "Ban Biên Tập",
    "BAN BIEN TAP" and fullwidth "ａｄｍｉｎ" fold like "ban bien tap" / "admin". Steps:
    drop format and control characters (general categories Cf, Cc, Cs); NFKC (UAX #15,
    compatibility forms such as fullwidth letters and ligatures), casefold (Unicode §3.13,
    full case folding), NFKC again (as in the derived property NFKC_Casefold); NFD and drop
    every combining mark (categories Mn, Mc, Me: Vietnamese tone and vowel marks, variation
    selectors); map đ and ð to d; NFC; collapse whitespace. Confusables across scripts
    (Cyrillic "а" for Latin "a", UTS #39) are *not* folded.

    :param s: any string, normalised or not.
    :returns: the folded key; compare keys, never display them.
    """
    s = " ".join(s.split())  # before dropping Cc, so that "\n" and "\t" separate words
    s = "".join(c for c in s if unicodedata.category(c) not in {"Cf", "Cc", "Cs"})
    s = unicodedata.normalize("NFKC", s)
    s = unicodedata.normalize("NFKC", s.casefold())
    s = "".join(
        c for c in unicodedata.normalize("NFD", s) if not unicodedata.category(c).startswith("M")
    )
    s = unicodedata.normalize("NFC", s.translate(_D_LIKE))
    return " ".join(s.split())
