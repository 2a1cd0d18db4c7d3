"""The suite's own database fixture (``make_app`` in ``tests/conftest.py``): every app starts
from the models' schema with no rows and ids from 1, however the previous one left the
database.  On PostgreSQL the rows are deleted while the schema is unchanged, and the schema is
rebuilt when a test changed it; a new SQLite file is a copy of an empty one."""
import pytest
from sqlalchemy import inspect, select, text

from engage.extensions import db
from engage.models import Site
from engage.services import sites


def _new_site(app, slug: str) -> int:
    with app.app_context():
        return sites.create_site(db.session, slug, slug.title()).id


def _state(app) -> tuple[list[str], set[str]]:
    with app.app_context():
        slugs = db.session.execute(select(Site.slug).order_by(Site.id)).scalars().all()
        return slugs, set(inspect(db.engine).get_table_names())


def test_a_new_app_has_every_table_no_rows_and_ids_from_1(app_factory, backend):
    app = app_factory()
    assert _state(app) == ([], set(db.metadata.tables))
    assert [_new_site(app, "mot"), _new_site(app, "hai")] == [1, 2]
    again = app_factory()
    if backend == "postgresql":  # the one scratch database: emptied, sequences restarted
        assert _state(again) == ([], set(db.metadata.tables))
        assert _new_site(again, "ba") == 1
    else:  # the same SQLite file: create_all keeps what is there
        assert _state(again)[0] == ["mot", "hai"]


@pytest.mark.parametrize("backend", ["postgresql"])  # a new SQLite file is never reused
@pytest.mark.parametrize("change", [
    "DROP TABLE comment_like",
    "ALTER TABLE site ADD COLUMN stray integer",
    "CREATE TABLE stray (id integer)",
    "CREATE INDEX stray_index ON site (name)",
])
def test_a_schema_changed_by_a_test_is_rebuilt(app_factory, backend, change):
    app = app_factory()
    _new_site(app, "mot")
    with app.app_context():
        db.session.execute(text(change))
        db.session.commit()
    again = app_factory()
    assert _state(again) == ([], set(db.metadata.tables))
    with again.app_context():
        columns = {c["name"] for c in inspect(db.engine).get_columns("site")}
        indexes = {i["name"] for i in inspect(db.engine).get_indexes("site")}
    assert "stray" not in columns and "stray_index" not in indexes
    assert _new_site(again, "hai") == 1
