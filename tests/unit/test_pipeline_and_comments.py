"""The moderation pipeline's combination rule and comment preparation rules."""
import pytest

from engage.domain.comments import CommentLimits, prepare_comment
from engage.domain.errors import InvalidInput
from engage.domain.moderation.pipeline import (
    CommentContext, Decision, Reason, run_pipeline)
from tests_clock import NOW


def test_premoderation_holds():
    verdict = run_pipeline(CommentContext(text="x", now=NOW, premoderation=True))
    assert verdict.decision is Decision.HOLD
    assert [r.code for r in verdict.reasons] == ["premoderation"]


def test_post_moderation_accepts_without_reasons():
    verdict = run_pipeline(CommentContext(text="x", now=NOW, premoderation=False))
    assert verdict.decision is Decision.ACCEPT and verdict.reasons == ()


def test_most_severe_decision_wins_and_all_reasons_are_kept():
    checks = [lambda c: Reason("a", Decision.HOLD), lambda c: None,
              lambda c: Reason("b", Decision.REJECT), lambda c: Reason("c", Decision.SPAM)]
    verdict = run_pipeline(CommentContext(text="x", now=NOW), checks)
    assert verdict.decision is Decision.REJECT
    assert [r.code for r in verdict.reasons] == ["a", "b", "c"]


def test_reason_json_shape():
    assert Reason("w", Decision.HOLD, ((1, 3),)).as_json() == {
        "code": "w", "decision": "hold", "spans": [[1, 3]]}


LIMITS = CommentLimits(min_chars=1, max_chars=10, name_max_chars=8)


def test_prepare_normalises_and_renders():
    nfd = "Vie\u0323\u0302t"  # "Việt" decomposed
    prepared = prepare_comment("  An  ", nfd, LIMITS)
    assert prepared.text == "Việt" and prepared.author_name == "An"
    assert prepared.html == "<p>Việt</p>"


def test_length_is_counted_after_normalisation():
    # 10 NFD letters with combining marks = 20 code points raw, 10 after NFC.
    assert prepare_comment("An", "e\u0301" * 10, LIMITS).text == "é" * 10
    with pytest.raises(InvalidInput) as err:
        prepare_comment("An", "é" * 11, LIMITS)
    assert err.value.code == "text_too_long" and err.value.params["limit"] == 10


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "\u200b\u200b"])
def test_empty_text_is_refused(text):
    with pytest.raises(InvalidInput) as err:
        prepare_comment("An", text, LIMITS)
    assert err.value.code == "text_empty"


@pytest.mark.parametrize("name,code", [
    ("", "author_name_empty"), ("   ", "author_name_empty"),
    ("123456789", "author_name_too_long"),
    ("Admin", "author_name_reserved"), ("ＡＤＭＩＮ", "author_name_reserved"),
])
def test_author_name_rules(name, code):
    limits = CommentLimits(name_max_chars=8)
    with pytest.raises(InvalidInput) as err:
        prepare_comment(name, "ok", limits)
    assert err.value.code == code


@pytest.mark.parametrize("name", ["Ban biên tập", "BAN BIEN TAP", "Quản trị viên",
                                  "Quan Tri Vien", "Ban  Biên\u00a0Tập"])
def test_reserved_newsroom_names_in_any_form(name):
    with pytest.raises(InvalidInput) as err:
        prepare_comment(name, "ok", CommentLimits())
    assert err.value.code == "author_name_reserved"


def test_extra_reserved_names():
    with pytest.raises(InvalidInput):
        prepare_comment("Biên tập viên Demo", "ok", CommentLimits(),
                        extra_reserved=["Biên Tập Viên demo"])
