"""The assist extra is optional: without scikit-learn the core runs and a model file is skipped
with one logged warning (runs whether or not the extra is installed)."""
import logging
import subprocess
import sys

from sqlalchemy import select

from engage import assist
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
