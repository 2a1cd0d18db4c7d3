"""Tests for engage.domain.text.normalize: what is stored and counted for reader text."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engage.domain.text.normalize import (
    char_length,
    fold_for_comparison,
    normalize_author_name,
    normalize_comment_text,
)

VIET_NFC = "Tiếng Việt có dấu: Huế, Đà Nẵng, người, ươn"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # 👨‍👩‍👧
RAINBOW_FLAG = "\U0001f3f3\ufe0f\u200d\U0001f308"  # 🏳️‍🌈

# Text biased towards the characters the rules act on, mixed with arbitrary text.
_TRICKY = st.sampled_from(
    [
        "a", "Việt", "e\u0301", "\u0323\u0302", " ", "\t", "\n", "\r", "\r\n", "\u2028",
        "\u2029", "\x85", "\x00", "\x1b", "\x9b", "\u00a0", "\u3000", "\u202e", "\u2066",
        "\u200b", "\u200c", "\u200d", "\ufeff", "\u00ad", "\ufe0f", "\U0001f468", "\u2764",
        "\u219a", "\u2190\u0338", "\U0001f3fd", "\ud800",
    ]
)
TEXT = st.one_of(st.text(), st.lists(_TRICKY, max_size=30).map("".join))


def test_nfd_and_nfc_vietnamese_store_identically():
    nfd = unicodedata.normalize("NFD", VIET_NFC)
    assert nfd != VIET_NFC
    assert normalize_comment_text(nfd) == VIET_NFC
    assert normalize_comment_text(VIET_NFC) == VIET_NFC
    assert normalize_author_name(nfd) == VIET_NFC


def test_old_and_new_tone_placement_are_not_unified():
    # "hoà" (old style, mark on a) and "hòa" (new style, mark on o) are both NFC already;
    # choosing between them is a spelling rule, not normalisation.
    old, new = "ho\u00e0", "h\u00f2a"
    assert normalize_comment_text(old) == old
    assert normalize_comment_text(new) == new
    assert normalize_comment_text(old) != normalize_comment_text(new)


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\u2028", "\u2029", "\x85", "\x0b", "\x0c"])
def test_newlines_become_line_feed(newline):
    assert normalize_comment_text(f"một{newline}hai") == "một\nhai"


def test_crlf_counts_as_one_newline():
    assert normalize_comment_text("a\r\n\r\nb") == "a\n\nb"


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x08", "\x1b", "\x1f", "\x7f"])
def test_c0_controls_and_del_are_removed(control):
    assert normalize_comment_text(f"ab{control}cd") == "abcd"


@pytest.mark.parametrize("control", ["\x80", "\x9b", "\x9f"])
def test_c1_controls_are_removed(control):
    assert normalize_comment_text(f"xin{control}chào") == "xinchào"


def test_ansi_escape_loses_its_escape_character():
    assert normalize_comment_text("\x1b[31mđỏ") == "[31mđỏ"


def test_tab_becomes_space():
    assert normalize_comment_text("a\tb") == "a b"


def test_rlo_override_is_removed():
    # "Trojan Source": U+202E would display "invoice_fdp.exe" as "invoice_exe.pdf".
    assert normalize_comment_text("invoice_\u202efdp.exe") == "invoice_fdp.exe"


@pytest.mark.parametrize(
    "char", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
             "\u2069", "\u200e", "\u200f", "\u061c"],
)
def test_bidi_controls_are_removed(char):
    assert normalize_comment_text(f"ab{char}cd") == "abcd"


@pytest.mark.parametrize("char", ["\u200b", "\u200c", "\u2060", "\ufeff", "\u180e", "\u00ad"])
def test_zero_width_characters_and_soft_hyphen_are_removed_inside_a_word(char):
    assert normalize_comment_text(f"Ngh{char}ệ An") == "Nghệ An"


def test_removing_an_invisible_character_lets_nfc_compose():
    assert normalize_comment_text("e\u200b\u0301") == "\u00e9"
    assert normalize_comment_text("e\u200d\u0301") == "\u00e9"


@pytest.mark.parametrize(
    "emoji",
    [
        FAMILY,
        RAINBOW_FLAG,
        "\U0001f3f4\u200d\u2620\ufe0f",  # pirate flag 🏴‍☠️
        "\U0001f469\U0001f3fd\u200d\U0001f4bb",  # woman technologist, medium skin tone
        "\U0001f469\u200d\u2764\ufe0f\u200d\U0001f468",  # couple with heart
        "\u2764\ufe0f\u200d\U0001f525",  # heart on fire
        "\U0001f408\u200d\u2b1b",  # black cat
        "\U0001f43b\u200d\u2744\ufe0f",  # polar bear
        "\U0001f468\u200d\U0001f9b0",  # man, red hair
        "\U0001f6b6\u200d\u27a1\ufe0f",  # person walking facing right (Emoji 15.1)
    ],
)
def test_emoji_zwj_sequences_are_preserved_intact(emoji):
    assert normalize_comment_text(f"Vui quá {emoji}!") == f"Vui quá {emoji}!"
    assert normalize_author_name(emoji) == emoji


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\u200db", "ab"),
        ("\u200d\U0001f468", "\U0001f468"),
        ("\U0001f468\u200d", "\U0001f468"),
        ("\U0001f468\u200da", "\U0001f468a"),
        ("a\u200d\U0001f468", "a\U0001f468"),
        ("\U0001f468\u200d\u200d\U0001f469", "\U0001f468\U0001f469"),
        ("\U0001f468\u200d \U0001f469", "\U0001f468 \U0001f469"),
    ],
)
def test_zwj_outside_emoji_sequences_is_dropped(raw, expected):
    assert normalize_comment_text(raw) == expected


@pytest.mark.parametrize(
    "emoji",
    [
        "\U0001f1fb\U0001f1f3",  # flag of Viet Nam (regional indicators)
        "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",  # England
        "\u2764\ufe0f",  # red heart, emoji presentation (VS16)
        "\u263a\ufe0e",  # smiling face, text presentation (VS15)
        "#\ufe0f\u20e3",  # keycap #
        "\u845b\U000e0100",  # ideographic variation sequence
    ],
)
def test_flags_tags_keycaps_and_variation_selectors_are_kept(emoji):
    assert normalize_comment_text(emoji) == emoji


def test_trailing_whitespace_is_stripped_on_each_line():
    assert normalize_comment_text("một  \nhai\u00a0\u3000\nba") == "một\nhai\nba"


def test_leading_spaces_on_a_line_are_kept():
    assert normalize_comment_text("  thụt lề\n    hai") == "  thụt lề\n    hai"


def test_leading_and_trailing_blank_lines_are_trimmed():
    assert normalize_comment_text("\n \n\t\nnội dung\n\n   \n") == "nội dung"


def test_three_or_more_newlines_collapse_to_one_blank_line():
    assert normalize_comment_text("a\n\n\nb\n\n\n\n\n\nc") == "a\n\nb\n\nc"
    assert normalize_comment_text("a\n \n\t\n  \nb") == "a\n\nb"


def test_single_blank_line_is_kept():
    assert normalize_comment_text("a\n\nb\nc") == "a\n\nb\nc"


@pytest.mark.parametrize("raw", ["", "   ", "\n\n", "\u200b\u202e\u00ad", "\t\r\n\x00"])
def test_text_with_nothing_visible_normalises_to_empty(raw):
    assert normalize_comment_text(raw) == ""
    assert normalize_author_name(raw) == ""


def test_lone_surrogate_becomes_replacement_character():
    result = normalize_comment_text("a\ud800b")
    assert result == "a\ufffdb"
    assert result.encode("utf-8").decode("utf-8") == result


def test_char_length_counts_code_points_after_normalisation():
    assert char_length(normalize_comment_text(unicodedata.normalize("NFD", "Việt"))) == 4
    assert char_length(normalize_comment_text(FAMILY)) == 5
    # One astral code point is 1 character although UTF-16 (JS str.length) needs 2 units.
    assert char_length("\U0001f600") == 1
    assert char_length(normalize_comment_text("a\u200bb\u202e")) == 2


def test_author_name_newlines_tabs_and_space_runs_become_one_space():
    raw = "  Nguyễn\tVăn\r\n\u00a0 A\u2028B  "
    assert normalize_author_name(raw) == "Nguyễn Văn A B"


def test_author_name_loses_controls_bidi_and_zero_width():
    assert normalize_author_name("Ban\u202e Bi\u200bên\x07 Tập\u2066") == "Ban Biên Tập"


@pytest.mark.parametrize(
    "variant",
    [
        "Ban Biên Tập",
        "ban biên tập",
        "BAN BIÊN TẬP",
        "BAN BIEN TAP",
        "Ban Bien Tap",
        unicodedata.normalize("NFD", "Ban Biên Tập"),
        "  Ban   Biên\tTập ",
        "Ban\nBiên\u00a0Tập",
        "Ban Bi\u200bên T\u00adập",
        "\uff22\uff41\uff4e \uff22\uff49\uff45\uff4e \uff34\uff41\uff50",  # fullwidth
    ],
)
def test_reserved_name_variants_fold_equal(variant):
    assert fold_for_comparison(variant) == fold_for_comparison("Ban biên tập")


@pytest.mark.parametrize(
    "variant", ["admin", "ADMIN", "Admin", "\uff41\uff44\uff4d\uff49\uff4e", "\uff21\uff24\uff2d\uff29\uff2e"]
)
def test_admin_variants_fold_equal(variant):
    assert fold_for_comparison(variant) == fold_for_comparison("admin") == "admin"


@pytest.mark.parametrize("d", ["Đ", "đ", "Ð", "ð", "D"])
def test_vietnamese_d_and_its_lookalike_fold_to_d(d):
    assert fold_for_comparison(f"{d}ức") == "duc"


def test_fold_keeps_different_names_apart():
    assert fold_for_comparison("Ban biên tập viên") != fold_for_comparison("Ban biên tập")
    assert fold_for_comparison("admin1") != fold_for_comparison("admin")
    assert fold_for_comparison("Ban Biên") != fold_for_comparison("BanBiên")


@given(TEXT)
def test_normalize_comment_text_is_idempotent(raw):
    once = normalize_comment_text(raw)
    assert normalize_comment_text(once) == once


@given(TEXT)
def test_normalize_author_name_is_idempotent_and_single_line(raw):
    once = normalize_author_name(raw)
    assert normalize_author_name(once) == once
    assert "\n" not in once and "  " not in once and once == once.strip()


@given(TEXT)
def test_nfc_and_nfd_input_normalise_to_the_same_string(raw):
    expected = normalize_comment_text(raw)
    for form in ("NFC", "NFD"):
        assert normalize_comment_text(unicodedata.normalize(form, raw)) == expected
        assert normalize_author_name(unicodedata.normalize(form, raw)) == normalize_author_name(raw)


@given(TEXT)
def test_normalised_text_holds_no_forbidden_characters(raw):
    text = normalize_comment_text(raw)
    assert unicodedata.is_normalized("NFC", text)
    assert text.encode("utf-8").decode("utf-8") == text  # no lone surrogates
    forbidden = set("\r\t\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                    "\u200e\u200f\u061c\u200b\u200c\u2060\ufeff\u180e\u00ad")
    for char in text:
        assert char not in forbidden
        assert char == "\n" or unicodedata.category(char) != "Cc"
    assert "\n\n\n" not in text and text == text.strip("\n")
    assert all(line == line.rstrip() for line in text.split("\n"))


@given(TEXT)
def test_fold_is_stable(raw):
    assert fold_for_comparison(fold_for_comparison(raw)) == fold_for_comparison(raw)
