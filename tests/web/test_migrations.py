"""The Alembic migrations build exactly the schema the models declare, on each backend."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from engage.extensions import db


def test_upgrade_matches_models_and_downgrades(app):
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == [], diff
        assert "comment" in inspect(db.engine).get_table_names()
        downgrade(revision="base")
        assert "comment" not in inspect(db.engine).get_table_names()


def test_upgrade_keeps_the_data_of_an_older_schema(app):
    """A database created at the first revision and holding a site, an article, a vote and an
    approved comment upgrades to head (``flask db upgrade``'s ``upgrade()``) with every row,
    the new columns filled by their server defaults, and counters that still match the rows."""
    from engage.services.counters import verify_counters

    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(revision="0001")
        now = "2026-11-30 05:00:00+00:00"
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO site (id, slug, name, allowed_origins, timezone, locale, premoderation,"
                " auto_create_articles, created_at) VALUES (1, 'bao', 'Báo Cũ', '[]',"
                " 'Asia/Ho_Chi_Minh', 'vi', false, true, :now)"), {"now": now})
            conn.execute(text(
                "INSERT INTO article (id, site_id, key, title, url, comments_open, ratings_open,"
                " created_at, rating_count, rating_sum, rating_1, rating_2, rating_3, rating_4,"
                " rating_5, comment_count) VALUES (1, 1, 'bai-cu', 'Bài cũ', '', true, true, :now,"
                " 1, 4, 0, 0, 0, 1, 0, 1)"), {"now": now})
            conn.execute(text("INSERT INTO reader (id, network_hash, created_at)"
                              " VALUES ('r1', 'n1', :now)"), {"now": now})
            conn.execute(text(
                "INSERT INTO rating (id, article_id, reader_id, stars, network_hash, created_at,"
                " updated_at) VALUES (1, 1, 'r1', 4, 'n1', :now, :now)"), {"now": now})
            conn.execute(text(
                "INSERT INTO comment (id, site_id, article_id, reader_id, author_name, body_raw,"
                " body_html, sanitizer_version, status, moderation_reasons, network_hash,"
                " created_at, updated_at, published_at) VALUES (1, 1, 1, 'r1', 'Lan',"
                " 'Bài hay', '<p>Bài hay</p>', 1, 'approved', '[]', 'n1', :now, :now, :now)"),
                {"now": now})
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
            article = conn.execute(text(
                "SELECT title, rating_count, rating_sum, comment_count, version FROM article"
            )).one()
            comment = conn.execute(text(
                "SELECT body_html, status, like_count, report_count FROM comment")).one()
            threshold = conn.execute(text("SELECT report_threshold FROM site")).scalar_one()
        assert diff == [], diff
        assert tuple(article) == ("Bài cũ", 1, 4, 1, 1)
        assert tuple(comment) == ("<p>Bài hay</p>", "approved", 0, 0)
        assert threshold == 3
        assert verify_counters(db.session) == []
        db.session.remove()
