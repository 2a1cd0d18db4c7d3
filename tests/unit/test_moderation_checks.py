"""Every pipeline check on plain facts, their order, and the reason table."""
from dataclasses import replace
from datetime import timedelta
import unicodedata

import pytest

from engage.domain.moderation import checks, reasons
from engage.domain.moderation.matcher import WordMatcher
from engage.domain.moderation.pipeline import (
    DEFAULT_CHECKS, BanInfo, CommentContext, Decision, Reason, run_pipeline)
from tests_clock import NOW

WORDS = WordMatcher.compile(["thằng chó"], ["ngu"])
BASE = CommentContext(text="Bài viết hay, cảm ơn tác giả.", now=NOW, premoderation=False)


def verdict(**facts):
    return run_pipeline(replace(BASE, **facts))


def codes(**facts):
    return [r.code for r in verdict(**facts).reasons]


def test_defaults_accept_a_plain_comment():
    assert verdict().decision is Decision.ACCEPT and verdict().reasons == ()


def test_closed_article_is_rejected():
    assert codes(article_open=False) == ["article_closed"]
    assert verdict(article_open=False).decision is Decision.REJECT


@pytest.mark.parametrize("age_days,closed", [(6.9, False), (7, True), (30, True)])
def test_article_auto_closes_n_days_after_publication(age_days, closed):
    facts = dict(published_at=NOW - timedelta(days=age_days), auto_close_days=7)
    assert codes(**facts) == (["article_auto_closed"] if closed else [])


def test_auto_close_off_without_days_or_publication_time():
    assert codes(published_at=NOW - timedelta(days=900)) == []
    assert codes(auto_close_days=7) == []


def test_auto_close_past_the_end_of_the_calendar_never_closes():
    # a time stored before integration bounded it: 9999-12-31 + 30 days overflowed (a 500)
    far = NOW.replace(year=9999, month=12, day=31)
    assert checks.article_closed(True, far, 30, NOW) is None
    assert checks.article_closed(True, far, 30, far) is None


def test_article_closed_helper_for_early_refusal():
    assert checks.article_closed(True, NOW - timedelta(days=8), 7, NOW) == "article_auto_closed"
    assert checks.article_closed(True, NOW, 7, NOW) is None


@pytest.mark.parametrize("ban,banned", [
    (BanInfo("reader"), True),                                   # permanent
    (BanInfo("network", until=NOW + timedelta(hours=1)), True),  # timed, running
    (BanInfo("reader", until=NOW), False),                       # ended
    (BanInfo("reader", until=NOW - timedelta(days=1)), False),
])
def test_banned_reader_or_network_is_rejected_while_the_ban_runs(ban, banned):
    assert codes(bans=(ban,)) == (["reader_banned"] if banned else [])


def test_honeypot_filled_is_spam():
    assert verdict(honeypot="http://spam").decision is Decision.SPAM
    assert codes(honeypot="   ") == []


@pytest.mark.parametrize("age,code,decision", [
    (0.5, "form_too_fast", Decision.HOLD), (2.99, "form_too_fast", Decision.HOLD),
    (3, None, Decision.ACCEPT), (7200, None, Decision.ACCEPT),
    (7201, "form_too_old", Decision.HOLD),
])
def test_form_age_window(age, code, decision):
    v = verdict(form_age_seconds=age)
    assert [r.code for r in v.reasons] == ([code] if code else []) and v.decision is decision


def test_form_age_unknown_or_window_off():
    assert codes() == []  # no form age sent
    assert codes(form_age_seconds=10**6, max_form_seconds=None) == []


def test_duplicate_of_a_recent_text_is_spam_whatever_the_case_and_spacing():
    text = "Mua hàng giá rẻ tại đây nhé mọi người!"
    v = verdict(text=text, recent_texts=("khác", "MUA hàng  giá rẻ tại đây, nhé mọi người"))
    assert v.decision is Decision.SPAM
    assert v.reasons == (Reason("duplicate", Decision.SPAM, ((0, len(text)),)),)


def test_short_duplicates_are_allowed():
    assert codes(text="Cảm ơn!", recent_texts=("cảm ơn",)) == []


def test_banned_word_rejects_with_spans():
    text = "Đúng là THẰNG   CHÓ."
    v = verdict(text=text, wordlists=WORDS)
    assert v.decision is Decision.REJECT
    (reason,) = v.reasons
    assert reason.code == "banned_word" and [text[a:b] for a, b in reason.spans] == ["THẰNG   CHÓ"]


def test_suspect_word_holds_with_spans():
    text = "Ngủ đi, đồ ngu"
    v = verdict(text=text, wordlists=WORDS)
    assert v.decision is Decision.HOLD
    assert [text[a:b] for a, b in v.reasons[0].spans] == ["Ngủ", "ngu"]


def test_word_checks_off_without_lists():
    assert codes(text="thằng chó") == []


def test_links_above_the_limit_hold_with_spans():
    text = "Xem https://a.example/x, www.b.vn và c.com.vn."
    v = verdict(text=text, link_limit=2)
    assert v.decision is Decision.HOLD
    assert [text[a:b] for a, b in v.reasons[0].spans] == [
        "https://a.example/x", "www.b.vn", "c.com.vn"]
    assert codes(text=text, link_limit=3) == [] and codes(text=text) == []


def test_new_reader_first_comments_are_held():
    assert codes(first_n_hold=3, reader_approved_count=2) == ["new_reader"]
    assert codes(first_n_hold=3, reader_approved_count=3) == []


@pytest.mark.parametrize("text", [
    "Việt Nam", unicodedata.normalize("NFD", "Nghệ An, Huế, Đà Nẵng — ệ ỗ ữ ặ"),
    "שָׁלוֹם", "ภาษาไทย", "a" + "\u0301" * 4, "😀👍🏽 ❤️", "́" + "x"])
def test_text_with_a_few_marks_per_character_passes(text):
    assert codes(text=text) == []


@pytest.mark.parametrize("text,span", [
    ("Chào " + "Z" + "\u0301\u0300\u0302\u0303\u0323" + " bạn", (5, 11)),
    ("ok " + "\u0336" * 40, (3, 43)),  # marks with no base letter
])
def test_zalgo_text_is_held_with_the_stacked_marks_highlighted(text, span):
    v = verdict(text=text)
    assert [r.code for r in v.reasons] == ["stacked_marks"]
    assert v.decision is Decision.HOLD and v.reasons[0].spans == (span,)


def test_premoderation_holds_everything():
    assert codes(premoderation=True) == ["premoderation"]


def test_checks_run_in_design_order_and_most_severe_wins():
    zalgo = "ngu https://a.vn https://b.vn z" + "\u0301" * 6
    v = verdict(text=f"thằng chó {zalgo}", article_open=False,
                bans=(BanInfo("reader"),), honeypot="x", form_age_seconds=1,
                recent_texts=(f"thằng chó {zalgo}",), wordlists=WORDS,
                link_limit=1, first_n_hold=1, premoderation=True, assist_risk=0.9,
                assist_hold_at=0.5)
    assert [r.code for r in v.reasons] == [
        "article_closed", "reader_banned", "honeypot", "form_too_fast", "duplicate",
        "banned_word", "suspect_word", "assist_risk", "too_many_links", "stacked_marks",
        "new_reader", "premoderation"]
    assert v.decision is Decision.REJECT
    assert len(DEFAULT_CHECKS) == 12


def test_every_reason_code_has_vietnamese_and_english_text():
    declared = {v for k, v in vars(reasons).items() if k.isupper() and isinstance(v, str)}
    assert declared == set(reasons.REASON_TEXT)
    for vi, en in reasons.REASON_TEXT.values():
        assert vi and en and vi != en
    assert reasons.reason_text("banned_word", "en") == "Contains a banned word."
    assert reasons.reason_text("banned_word") == "Có từ ngữ bị cấm."
    assert reasons.reason_text("unknown") == "unknown"


def test_duplicate_key_ignores_case_width_and_punctuation():
    assert checks.duplicate_key("ＭＵＡ  hàng!!") == checks.duplicate_key("mua hàng") == "mua hàng"
