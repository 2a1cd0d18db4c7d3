"""Training and scoring without a database: data floors, validation figures, the fast path."""
from datetime import datetime, timezone

import numpy as np
import pytest

from assist_data import generated_history
from engage.assist.features import CLEAN, Example, model_text

pytestmark = pytest.mark.usefixtures("assist_extra")
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


def test_model_text_uses_the_moderation_normaliser():
    assert model_text("Thằng  NGUUU đ.ị.t, hoà thuý 😀") == "thằng ngu địt hòa thúy"


def test_training_on_a_small_generated_history_works_and_ranks_toxic_first():
    from engage.assist.training import train

    model, warnings = train(generated_history(1000, 200), NOW, sources={"site:news": 1200})
    assert model.meta["trained_at"] == NOW.isoformat()
    assert model.meta["counts"] == {"clean": 1000, "rejected": 200}
    assert model.meta["fitted_rows"] == 1200  # refitted on every row after validation
    assert model.meta["validation_fitted_rows"] + model.meta["validation_rows"] == 1200
    assert model.meta["validation"]["auc"] > 0.95  # separable made-up data
    assert warnings and "10,000" in warnings[0] and "8,800 more" in warnings[0]
    toxic, clean = model.risks(["Bọn mày óc chó lắm", "Cảm ơn tác giả, bài viết rất hay"])
    assert toxic > 0.5 > clean


@pytest.mark.parametrize("clean, rejected, needed", [
    (900, 99, ["999 decisions, need at least 1,000 (1 more)",
               "99 rejections, need at least 150 (51 more)"]),
    (1000, 100, ["100 rejections, need at least 150 (50 more)"]),
])
def test_training_refuses_too_little_data_saying_how_much_is_needed(clean, rejected, needed):
    from engage.assist.training import TrainingRefused, check_amount, train

    with pytest.raises(TrainingRefused) as err:
        check_amount(generated_history(clean, rejected))
    for part in needed:
        assert part in str(err.value)
    with pytest.raises(TrainingRefused):
        train(generated_history(clean, rejected), NOW)


def test_enough_data_under_ten_thousand_only_warns():
    from engage.assist.training import check_amount

    assert check_amount(generated_history(950, 150)) == [
        "only 1,100 decisions: the model will be weak; 10,000 or more (8,900 more) are "
        "recommended."]


def test_training_refuses_without_any_approved_comment():
    from engage.assist.training import TrainingRefused, check_amount

    with pytest.raises(TrainingRefused, match="no approved comments"):
        check_amount([Example("Bọn mày óc chó", "rejected")] * 1000)


def test_no_warning_from_ten_thousand_decisions():
    from engage.assist.training import check_amount

    assert check_amount(generated_history(9000, 1000)) == []


def test_fast_scoring_matches_scikit_learn_and_terms_point_into_the_text(small_model_file):
    from engage.assist.model import load_model

    model = load_model(small_model_file)
    texts = [e.text for e in generated_history(150, 50, seed=99)] + [
        "Đ.ị.t mẹ bọn mày, ngu như bò!!!", "", "😀😀", "a", "Rất hay 2024 www.vnexpress.net"]
    fast = np.array([model.score(t).risk for t in texts])
    assert np.abs(fast - model.risks(texts)).max() < 1e-5
    score = model.score("Thằng tác giả ngu như bò quá")
    assert score.terms and len(score.terms) <= 5
    assert [t.weight for t in score.terms] == sorted((t.weight for t in score.terms),
                                                     reverse=True)
    for term in score.terms:
        assert "Thằng tác giả ngu như bò quá"[term.start:term.end] == term.text
    assert {t.text for t in score.terms} & {"ngu", "bò"}
    assert model.score("Thằng tác giả ngu như bò quá", top=0).terms == ()


def test_model_file_round_trip_and_refuses_other_files(small_model_file, tmp_path):
    from engage.assist.model import load_model

    model = load_model(small_model_file)
    assert model.labels == [CLEAN, "rejected"]
    assert small_model_file.stat().st_size < 5 * 2**20
    other = tmp_path / "other.joblib"
    import joblib

    joblib.dump({"format": 99}, other)
    with pytest.raises(ValueError, match="not an Engage assistant model"):
        load_model(other)


def test_evaluate_reports_the_issue_figures(small_model_file):
    from engage.assist.model import load_model
    from engage.assist.training import evaluate

    report = evaluate(load_model(small_model_file), generated_history(300, 60, seed=7),
                      timing_rows=50)
    assert report["rows"] == 360 and report["labels"] == {"clean": 300, "rejected": 60}
    assert report["auc"] > 0.95 and report["top20_capture"] > 0.9
    assert report["macro_f1"] > 0.9
    assert 0 < report["p50_ms"] <= report["p99_ms"]


def test_evaluate_counts_labels_the_model_does_not_know_as_wrong(small_model_file):
    from engage.assist.model import load_model
    from engage.assist.training import evaluate

    rows = [Example(e.text, CLEAN if e.label == CLEAN else "offensive")
            for e in generated_history(100, 30, seed=5)]
    report = evaluate(load_model(small_model_file), rows, timing_rows=0)
    assert report["auc"] > 0.95  # the ranking still works across label names
    assert report["macro_f1"] < 0.5  # but "offensive" is never predicted
