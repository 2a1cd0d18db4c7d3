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
