"""The assist extra is optional: without scikit-learn the core runs and a model file is skipped
with one logged warning (runs whether or not the extra is installed)."""
import logging
import subprocess
import sys
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from engage import assist, create_app
from engage.config import ConfigError
from engage.domain.moderation.checks import check_assist_risk
from engage.domain.moderation.pipeline import CommentContext, Decision, run_pipeline
from engage.extensions import db
from engage.models import Comment
from engage.services import sites
from helpers import new_token, post_comment


def test_the_core_never_imports_scikit_learn():
    code = ("import sys, engage, engage.cli, engage.services.comments, engage.web;"
            "from engage import create_app;"
            "create_app({'TESTING': True, 'SECRET_KEY': 'x' * 32});"
            "bad = [m for m in ('sklearn', 'joblib', 'numpy', 'scipy') if m in sys.modules];"
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_posting_works_without_the_extra_and_warns_once(app_factory, tmp_path, monkeypatch,
                                                        caplog):
    models = tmp_path / "models"
    models.mkdir()
    (models / "open.joblib").write_bytes(b"a model the worker cannot load without the extra")
    for name in ("sklearn", "joblib", "engage.assist.model", "engage.assist.training"):
        monkeypatch.setitem(sys.modules, name, None)  # import fails as if not installed
    assert not assist.available()
    app = app_factory(ASSIST_MODEL_DIR=str(models))
    with app.app_context():
        sites.create_site(db.session, "open", "Open", [], premoderation=False,
                          auto_create_articles=True)
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger="engage.services.assist"):
        first = post_comment(client, new_token(client), "Bài viết hay quá", site="open")
        second = post_comment(client, new_token(client), "Cảm ơn tác giả nhiều", site="open")
    assert first.status_code == 201 and first.get_json()["status"] == "approved"
    assert second.status_code == 201 and second.get_json()["status"] == "approved"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "scikit-learn is not installed" in warnings[0]
    with app.app_context():
        assert db.session.execute(select(Comment.assist_risk)).scalars().all() == [None, None]
    result = app.test_cli_runner().invoke(args=["engage", "assist", "train", "--site", "open"])
    assert result.exit_code != 0 and "pip install 'engage[assist]'" in result.output


def test_a_site_without_a_model_is_not_scored(app_factory, tmp_path, caplog):
    app = app_factory(ASSIST_MODEL_DIR=str(tmp_path / "none"))
    with app.app_context():
        sites.create_site(db.session, "open", "Open", [], premoderation=False,
                          auto_create_articles=True)
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger="engage.services.assist"):
        response = post_comment(client, new_token(client), "Bài viết hay quá", site="open")
    assert response.get_json()["status"] == "approved" and not caplog.records
    with app.app_context():
        assert db.session.execute(select(Comment.assist_risk)).scalar_one() is None


@pytest.mark.parametrize("key, value", [("ASSIST_HOLD_THRESHOLD", 1.5),
                                        ("ASSIST_REJECT_THRESHOLD", -0.1),
                                        ("ASSIST_HOLD_THRESHOLD", "0.5"),
                                        ("ASSIST_TOP_TERMS", 50)])
def test_assist_settings_are_validated(key, value):
    with pytest.raises(ConfigError, match=key):
        create_app({"TESTING": True, "SECRET_KEY": "x" * 32, key: value})


@pytest.mark.parametrize("risk, hold_at, reject_at, expected", [
    (None, 0.5, 0.9, None),
    (0.49, 0.5, None, None),
    (0.5, 0.5, None, Decision.HOLD),
    (0.99, 0.5, None, Decision.HOLD),     # no reject threshold: never rejects
    (0.99, None, None, None),             # holding off: scores only
    (0.95, 0.5, 0.95, Decision.REJECT),
    (0.94, 0.5, 0.95, Decision.HOLD),
])
def test_the_check_holds_at_the_threshold_and_rejects_only_when_set(risk, hold_at, reject_at,
                                                                     expected):
    ctx = CommentContext(text="Mày đồ rác rưởi", now=datetime(2026, 11, 30, tzinfo=timezone.utc),
                         premoderation=False, assist_risk=risk,
                         assist_terms=(("rác", 1.2, 8, 11), ("Mày", 2.0, 0, 3)),
                         assist_hold_at=hold_at, assist_reject_at=reject_at)
    reason = check_assist_risk(ctx)
    if expected is None:
        assert reason is None
    else:
        assert reason.code == "assist_risk" and reason.decision is expected
        assert reason.spans == ((0, 3), (8, 11))
    assert run_pipeline(ctx).decision is (expected or Decision.ACCEPT)
