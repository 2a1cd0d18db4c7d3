"""`flask engage …` commands through the CLI runner."""
from sqlalchemy import select

from engage.extensions import db
from engage.models import Article, Moderator, Site
from engage.services import accounts


def test_demo_is_idempotent_and_prints_a_working_password(app, runner):
    first = runner.invoke(args=["engage", "demo"])
    second = runner.invoke(args=["engage", "demo"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output
    password = second.output.split("password: ")[1].split()[0]
    with app.app_context():
        assert db.session.execute(select(Site).where(Site.slug == "demo")).scalars().all()
        assert len(db.session.execute(select(Article)).scalars().all()) == 1
        assert len(db.session.execute(select(Moderator)).scalars().all()) == 1
        assert accounts.authenticate(db.session, "demo", password) is not None


def test_create_site_and_moderator(app, runner):
    result = runner.invoke(args=["engage", "create-site", "baoxyz", "--name", "Báo XYZ",
                                 "--origin", "https://baoxyz.vn"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["engage", "create-moderator", "bt1", "--site", "baoxyz",
                                 "--password", "long-enough-password"])
    assert result.exit_code == 0, result.output
    bad = runner.invoke(args=["engage", "create-site", "Bad Slug!", "--name", "x"])
    assert bad.exit_code != 0 and "site_slug_invalid" in bad.output
    bad_origin = runner.invoke(args=["engage", "create-site", "ok", "--name", "x",
                                     "--origin", "https://*.example"])
    assert bad_origin.exit_code != 0


def test_verify_counters_reports_drift_and_fixes(app, runner):
    runner.invoke(args=["engage", "demo"])
    assert runner.invoke(args=["engage", "verify-counters"]).exit_code == 0
    with app.app_context():
        article = db.session.execute(select(Article)).scalar_one()
        article.comment_count = 3  # drift: no published comments exist
        db.session.commit()
    result = runner.invoke(args=["engage", "verify-counters"])
    assert result.exit_code == 1 and "comment_count stored 3 actual 0" in result.output
    assert runner.invoke(args=["engage", "verify-counters", "--fix"]).exit_code == 0
    assert runner.invoke(args=["engage", "verify-counters"]).exit_code == 0
