"""The issue's targets on the ViHSD dev split, training on its train split (test split unused).

The corpus is research-only (its README): it is read from ../shared/corpora, never copied, and
the model trained here lives in a temporary folder for this session only.
"""
from datetime import datetime, timezone

import pytest

pytestmark = pytest.mark.usefixtures("assist_extra")


@pytest.fixture(scope="session")
def vihsd_model(corpora_dir, assist_extra):
    """One model trained on the whole ViHSD train split per session (about 40-70 s)."""
    from engage.assist.model import fit_model
    from engage.assist.training import read_labelled

    folder = corpora_dir / "vi-moderation" / "vihsd"
    rows = read_labelled(folder / "train.csv", "vihsd")
    model = fit_model([r.text for r in rows], [r.label for r in rows],
                      {"trained_at": datetime.now(timezone.utc).isoformat()})
    return model, read_labelled(folder / "dev.csv", "vihsd")


def test_vihsd_dev_meets_the_issue_targets(vihsd_model):
    from engage.assist.training import evaluate

    model, dev = vihsd_model
    report = evaluate(model, dev, timing_rows=0)
    assert report["rows"] == 2672
    assert report["labels"] == {"clean": 2190, "hate": 270, "offensive": 212}
    assert report["macro_f1"] >= 0.63, report
    assert report["auc"] >= 0.92, report
    assert report["top20_capture"] >= 0.74, report
