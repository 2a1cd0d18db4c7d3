"""The shipped word lists: format, curation rules, origins, and how a site's lists combine."""
import re

import pytest

from engage.domain.moderation import wordlists
from engage.domain.moderation.entries import term_keys
from engage.domain.moderation.matcher import WordMatcher
from engage.domain.moderation.wordlists import (
    WORDLISTS_DIR, WordLists, compile_wordlists, default_matcher, load_wordlists, matcher_for,
    parse_wordlist)

LISTS = load_wordlists()
ORIGIN_RE = re.compile(r"#\s*(vn-badwords|ViHOS)(,\s*(vn-badwords|ViHOS))?\s*$")

# Political and topical words a news site must never hold or reject by default (issue 5):
# parties, states, regimes, regions, politics and news topics.
TOPICAL = {"cộng", "đảng", "tàu", "trung", "việt", "mỹ", "nga", "dân", "bò đỏ", "ba que",
           "phản động", "bán nước", "độc tài", "tham nhũng", "chế độ", "bắc kỳ", "công an",
           "lũ", "chó", "não", "tù", "giết", "cướp", "chết", "đái"}


def entries_with_lines(name):
    for line in (WORDLISTS_DIR / name).read_text(encoding="utf-8").splitlines():
        if line.split("#", 1)[0].strip():
            yield line


@pytest.mark.parametrize("name", ["banned.txt", "suspect.txt"])
def test_every_entry_names_an_mit_origin(name):
    for line in entries_with_lines(name):
        assert ORIGIN_RE.search(line), line


def test_lists_are_small_and_without_duplicates():
    assert 30 <= len(LISTS.banned) <= 200 and 50 <= len(LISTS.suspect) <= 400
    assert len(set(LISTS.banned)) == len(LISTS.banned)
    assert len(set(LISTS.suspect)) == len(LISTS.suspect)
    assert not set(LISTS.banned) & {e.lstrip("=") for e in LISTS.suspect}


def test_no_entry_is_refused_or_normalises_to_one_letter():
    matcher = default_matcher()
    assert matcher.refused == ()
    for entry in LISTS.banned + LISTS.suspect:
        tokens, _ = term_keys(entry.lstrip("="))
        assert sum(len(t.exact) for t in tokens) >= 2, entry


def test_no_political_or_topical_entry_stands_alone():
    for entry in LISTS.banned + LISTS.suspect:
        assert entry.lstrip("=") not in TOPICAL, entry
        assert not {"cộng", "đảng", "tàu", "phản động", "độc tài"} & set(entry.split()), entry


@pytest.mark.parametrize("text", [
    "Người dân vùng lũ cần giúp đỡ", "Con chó nhà tôi rất khôn", "Ăn óc heo bổ não?",
    "Đội ngũ ngư dân ngủ lại trên tàu", "Bé lớn nhanh quá", "Cái lon bia", "Còn đi học",
    "Bố mẹ tôi khỏe", "Cộng đồng mạng (CĐM) phản ứng", "Mua máy giặt Dell", "đái tháo đường",
    "Nguyễn Văn Nguyên", "Chết mê chết mệt", "hôm nay đi đâu", "Bắc kim thang cà lang bí rợ",
])
def test_shipped_lists_pass_ordinary_news_comments(text):
    matcher = default_matcher()
    assert matcher.banned(text) == [] and matcher.suspect(text) == [], text


@pytest.mark.parametrize("text,tier", [
    ("Địt mẹ mày", "banned"), ("đ.ị.t m.ẹ m.à.y", "banned"), ("THẰNG CHÓ", "banned"),
    ("thg ngu", "banned"), ("máu loz", "banned"), ("Ｃｍｍ", "banned"),
    ("đồ ngu", "suspect"), ("vãi lồn", "suspect"), ("dm", "suspect"), ("đéo", "suspect"),
])
def test_shipped_lists_catch_what_they_should(text, tier):
    matcher = default_matcher()
    if tier == "banned":
        assert matcher.banned(text), text
    else:
        assert not matcher.banned(text) and matcher.suspect(text), text


def test_parse_wordlist_drops_comments_and_blanks():
    assert parse_wordlist("# head\n\n ngu  # why\n=lồn\n") == ("ngu", "=lồn")


def test_site_lists_add_to_the_defaults_and_compile_once():
    site = WordLists.of(banned=["đồ khùng"], suspect=["=trẻ trâu"])
    first = default_matcher(site)
    assert first is default_matcher(WordLists.of(["đồ khùng"], ["=trẻ trâu"]))
    assert first.banned("Đồ KHÙNG") and not default_matcher().banned("Đồ KHÙNG")
    assert first.version != default_matcher().version


def test_matcher_for_builds_only_on_a_miss():
    calls = []

    def build():
        calls.append(1)
        return WordLists.of(["abc xyz"])

    key = ("site", 42, 7)
    assert matcher_for(key, build) is matcher_for(key, build)
    assert calls == [1]


def test_compile_wordlists_is_cached_by_content():
    lists = WordLists.of(["abc xyz"], ["=def"], ["abc abk"])
    assert compile_wordlists(lists) is compile_wordlists(WordLists.of(["abc xyz"], ["=def"],
                                                                      ["abc abk"]))
    assert isinstance(compile_wordlists(lists), WordMatcher)


def test_lists_load_from_another_folder(tmp_path):
    (tmp_path / "banned.txt").write_text("abc xyz\n", encoding="utf-8")
    (tmp_path / "suspect.txt").write_text("", encoding="utf-8")
    (tmp_path / "variants.txt").write_text("", encoding="utf-8")
    assert wordlists.load_wordlists(tmp_path) == WordLists(("abc xyz",), (), ())
