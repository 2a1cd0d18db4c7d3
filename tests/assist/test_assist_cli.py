"""`engage assist train` on a site's history and `engage assist evaluate`, through the runner."""
import csv
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select

from assist_data import generated_history
from engage.extensions import db
from engage.models import Article, Comment, CommentStatus, Site
from engage.services import sites

pytestmark = pytest.mark.usefixtures("assist_extra")
STATUS = {"clean": CommentStatus.APPROVED, "rejected": CommentStatus.REJECTED}
T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)


def _seed_history(app, examples, extra_status=()):
    """Store the examples as decided comments of site ``news`` (plus other states)."""
    with app.app_context():
        sites.create_site(db.session, "news", "Báo", [], premoderation=True,
                          auto_create_articles=True)
        site_id = db.session.execute(select(Site.id)).scalar_one()
        article = Article(site_id=site_id, key="a1")
        db.session.add(article)
        db.session.flush()
        rows = [(e.text, STATUS[e.label], []) for e in examples] + list(extra_status)
        db.session.execute(insert(Comment), [{
            "site_id": site_id, "article_id": article.id, "reader_id": f"r{i}",
            "author_name": "Độc giả", "body_raw": text, "body_html": f"<p>{text}</p>",
            "sanitizer_version": 1, "status": status, "moderation_reasons": reasons,
            "created_at": T0 + timedelta(seconds=i), "updated_at": T0}
            for i, (text, status, reasons) in enumerate(rows)])
        db.session.commit()


def _csv(path, examples):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows((e.text, e.label) for e in examples)
    return path


def test_train_from_site_history_writes_the_sites_model(app_factory, tmp_path):
    app = app_factory(ASSIST_MODEL_DIR=str(tmp_path / "models"))
    # Pending, deleted and ban-decided comments are no training data.
    _seed_history(app, generated_history(1000, 160), extra_status=[
        ("Bình luận chờ", CommentStatus.PENDING, []),
        ("Đã xóa", CommentStatus.DELETED, []),
        ("Bị cấm", CommentStatus.REJECTED, [{"code": "reader_banned", "decision": "reject"}])])
    result = app.test_cli_runner().invoke(args=["engage", "assist", "train", "--site", "news"])
    assert result.exit_code == 0, result.output
    assert "trained on 1,160 comments (clean 1,000, rejected 160)" in result.output
    assert "warning: only 1,160 decisions" in result.output and "8,840 more" in result.output
    assert ("validation on 116 held-out comments (a model fitted on the other 1,044): "
            "macro-F1") in result.output
    path = tmp_path / "models" / "news.joblib"
    assert path.is_file() and str(path) in result.output
    from engage.assist.model import load_model

    meta = load_model(path).meta
    assert meta["sources"] == {"site:news": 1160} and meta["counts"]["rejected"] == 160
    assert meta["trained_at"].startswith(str(datetime.now(timezone.utc).year))


def test_train_refuses_too_little_history_and_says_how_much(app_factory, tmp_path):
    app = app_factory(ASSIST_MODEL_DIR=str(tmp_path / "models"))
    _seed_history(app, generated_history(300, 40))
    result = app.test_cli_runner().invoke(args=["engage", "assist", "train", "--site", "news"])
    assert result.exit_code != 0
    assert "340 decisions, need at least 1,000 (660 more)" in result.output
    assert "40 rejections, need at least 150 (110 more)" in result.output
    assert not (tmp_path / "models" / "news.joblib").exists()
    unknown = app.test_cli_runner().invoke(args=["engage", "assist", "train", "--site", "nope"])
    assert unknown.exit_code != 0 and "site_not_found" in unknown.output


def test_train_with_extra_data_and_evaluate_prints_the_figures(app_factory, tmp_path):
    app = app_factory(ASSIST_MODEL_DIR=str(tmp_path / "models"))
    _seed_history(app, generated_history(300, 40))
    extra = _csv(tmp_path / "extra.csv", generated_history(700, 120, seed=3))
    out = tmp_path / "custom.joblib"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["engage", "assist", "train", "--site", "news", "--extra-data",
                                 str(extra), "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file() and not (tmp_path / "models" / "news.joblib").exists()
    dataset = _csv(tmp_path / "dev.csv", generated_history(200, 50, seed=4))
    result = runner.invoke(args=["engage", "assist", "evaluate", "--model", str(out),
                                 "--dataset", str(dataset), "--format", "csv", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert {"macro_f1", "auc", "top20_capture", "p50_ms", "p99_ms", "model_mb",
            "file_mb"} <= set(report)
    assert report["rows"] == 250 and report["auc"] > 0.9 and report["p50_ms"] > 0
    table = runner.invoke(args=["engage", "assist", "evaluate", "--model", str(out),
                                "--dataset", str(dataset)])
    assert table.exit_code == 0 and "macro-F1 over the labels" in table.output
    assert "toxic comments in the riskiest 20%" in table.output


def test_evaluate_refuses_a_bad_file_clearly(app_factory, tmp_path, small_model_file):
    app = app_factory()
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=[
        "engage", "assist", "evaluate", "--model", str(small_model_file), "--dataset", str(bad)])
    assert result.exit_code != 0 and "unknown columns" in result.output
    not_model = tmp_path / "x.joblib"
    not_model.write_bytes(b"not a model")
    result = app.test_cli_runner().invoke(args=[
        "engage", "assist", "evaluate", "--model", str(not_model), "--dataset",
        str(_csv(tmp_path / "d.csv", generated_history(10, 5)))])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "not an Engage assistant model" in result.output
