"""Shared fixtures: the app on each database backend, its client, CLI runner and factories.

Backends: SQLite always; PostgreSQL when ``ENGAGE_TEST_DATABASE_URL`` is set.  ``.ci/run`` sets it
and ``ENGAGE_REQUIRE_PG=1``, which turns a missing PostgreSQL into a failure instead of a skip.

Under pytest-xdist (``make test`` runs ``-n auto``) each worker gets its own PostgreSQL database
and Redis db, derived here from ``ENGAGE_TEST_DATABASE_URL`` / ``ENGAGE_TEST_REDIS_URL`` before
any test module reads them (see ``tests/workers.py``); subprocesses inherit the derived values.
"""
from __future__ import annotations

import atexit
import os
import secrets
import shutil
import tempfile
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from engage import create_app
from engage.domain.moderation.wordlists import clear_matcher_cache
from engage.extensions import db
from engage.services import accounts, api_keys, sites
from engage.models import Role
from workers import use_worker_resources

use_worker_resources()  # before anything reads ENGAGE_TEST_* (test modules, subprocesses)

REPO_ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("ENGAGE_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite", "postgresql"]


# The longest single test (the whole XSS/naughty-string corpus through the API, minutes).
LONGEST_FIRST = ("tests/web/test_corpora_http.py::test_corpora_through_api_moderation_and_widget",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist, hand out the longest test first, so it does not leave one worker
    running alone at the end while the other has finished (order is otherwise unchanged)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    first = [item for item in items if item.nodeid.startswith(LONGEST_FIRST)]
    items[:] = first + [item for item in items if item not in first]


def _flag(name: str) -> bool:
    return os.environ.get(name, "") in ("1", "true", "yes")


@pytest.fixture(scope="session")
def corpora_dir() -> Path:
    """``../shared/corpora`` (or ``$ENGAGE_CORPORA``); skipped when absent unless required."""
    path = Path(os.environ.get("ENGAGE_CORPORA") or REPO_ROOT.parent / "shared" / "corpora")
    if not path.is_dir():
        if _flag("ENGAGE_REQUIRE_CORPORA"):
            pytest.fail(f"corpora required but not found at {path}")
        pytest.skip(f"corpora not found at {path}")
    return path


def _database_uri(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'engage-test.sqlite3'}"
    if not PG_URL:
        if _flag("ENGAGE_REQUIRE_PG"):
            pytest.fail("ENGAGE_REQUIRE_PG=1 but ENGAGE_TEST_DATABASE_URL is not set")
        pytest.skip("PostgreSQL tests need ENGAGE_TEST_DATABASE_URL")
    return PG_URL


# One digest of everything in PostgreSQL's ``public`` schema: relations and their columns, types,
# defaults, constraints, indexes, functions and triggers.  Equal to the digest taken right after
# ``create_all`` means the schema is still exactly that one, so emptying the tables gives the
# same database as dropping and re-creating it (a test that migrated, dropped or altered
# anything changes the digest and gets a real rebuild).
_PG_SCHEMA_DIGEST = text("""
SELECT md5(coalesce(string_agg(item, '|' ORDER BY item), '')) FROM (
  SELECT 'r:' || c.relname::text || ':' || c.relkind::text || ':' || coalesce(a.attname::text, '') || ':'
         || coalesce(format_type(a.atttypid, a.atttypmod), '') || ':'
         || coalesce(a.attnotnull::text, '') || ':'
         || coalesce(pg_get_expr(d.adbin, d.adrelid), '') AS item
    FROM pg_class c
    LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'i:' || indexdef FROM pg_indexes WHERE schemaname = 'public'
  UNION ALL
  SELECT 'k:' || conrelid::regclass::text || ':' || conname::text || ':' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'f:' || proname::text || ':' || md5(prosrc) FROM pg_proc
   WHERE pronamespace = 'public'::regnamespace
  UNION ALL
  SELECT 't:' || t.tgrelid::regclass::text || ':' || t.tgname::text FROM pg_trigger t
    JOIN pg_class c ON c.oid = t.tgrelid
   WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal
) AS items
""")
_pg_fresh_digest: dict[str, str] = {}  # database URI → digest right after create_all
_sqlite_template: Path | None = None    # a SQLite file holding create_all's schema, no rows


def _empty_pg_schema(uri: str) -> bool:
    """Delete every row and restart every sequence when ``uri``'s schema is the one this
    process built last (see ``_PG_SCHEMA_DIGEST``); False when it must be rebuilt instead."""
    known = _pg_fresh_digest.get(uri)
    if known is None or db.session.execute(_PG_SCHEMA_DIGEST).scalar_one() != known:
        return False
    sequences = db.session.execute(text(
        "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")).scalars().all()
    statements = [f'DELETE FROM "{table.name}"' for table in reversed(db.metadata.sorted_tables)]
    statements += [f'ALTER SEQUENCE "{name}" RESTART' for name in sequences]
    try:
        db.session.execute(text("; ".join(statements)))
        db.session.commit()
    except Exception:  # e.g. a RESTRICT foreign key a test's rows trip: rebuild instead
        db.session.rollback()
        return False
    return True


def _fresh_schema(uri: str) -> None:
    """Give ``uri`` (inside an app context) the models' schema and no rows, as a drop and
    ``create_all`` would; an existing SQLite file keeps its rows, as ``create_all`` does."""
    global _sqlite_template
    if uri.startswith("postgresql"):
        if _empty_pg_schema(uri):
            return
        db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"))
        db.session.commit()
        db.create_all()
        _pg_fresh_digest[uri] = db.session.execute(_PG_SCHEMA_DIGEST).scalar_one()
        db.session.commit()
        return
    path = Path(uri.removeprefix("sqlite:///")) if uri.startswith("sqlite:///") else None
    if path is None or path.name == ":memory:" or "?" in uri or path.exists():
        db.create_all()
        return
    if _sqlite_template is None:  # built once per process, copied for every new file
        folder = Path(tempfile.mkdtemp(prefix="engage-sqlite-template-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        template = folder / "template.sqlite3"
        engine = create_engine(f"sqlite:///{template}")
        db.metadata.create_all(engine)
        engine.dispose()
        _sqlite_template = template
    shutil.copyfile(_sqlite_template, path)


def make_app(uri: str, **overrides):
    """An app on ``uri`` with a fresh schema (``init_app`` gives memory:// limits a fresh store)."""
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": uri,
        "SECRET_KEY": secrets.token_hex(32),
        "RATELIMIT_STORAGE_URI": "memory://",
        **overrides,
    }
    app = create_app(config)
    clear_matcher_cache()  # compiled word lists are cached by site id, which every test reuses
    with app.app_context():
        _fresh_schema(uri)
    return app


# Argon2id at production cost (RFC 9106's second set: 64 MiB, 3 passes, 4 lanes) takes ~0.1-0.3 s
# of CPU per hash; the suite hashes hundreds of test passwords, a quarter of its CPU time.  Tests
# hash with the same argon2id code at the lowest cost instead; the production parameters are
# checked by tests/services/test_password_cost.py, and `engage serve`/gunicorn test servers
# (other processes) keep them.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """Moderator and API-key hashing at argon2id's lowest cost (see ``CHEAP_HASHER``)."""
    monkeypatch.setattr(accounts, "_hasher", CHEAP_HASHER)
    monkeypatch.setattr(api_keys, "_hasher", CHEAP_HASHER)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """The database backend under test (tests using ``app`` run once per backend)."""
    return request.param


@pytest.fixture
def app_factory(backend, tmp_path):
    """Build apps on the current backend with extra settings; cleaned up after the test."""
    made = []

    def factory(**overrides):
        app = make_app(_database_uri(backend, tmp_path), **overrides)
        made.append(app)
        return app

    yield factory
    for app in made:
        app.wsgi_app.close()  # the read fast path's pinned connections
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app_on():
    """Build apps on a given database URI (a private server, a named SQLite file) with extra
    settings, like ``app_factory``; cleaned up after the test."""
    made = []

    def factory(uri: str, **overrides):
        app = make_app(uri, **overrides)
        made.append(app)
        return app

    yield factory
    for app in made:
        app.wsgi_app.close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(app_factory):
    """The default test app (limits as in defaults.toml)."""
    return app_factory()


@pytest.fixture
def client(app):
    """A test client of ``app``."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner of ``app``."""
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An app context, for service tests that call services directly."""
    with app.app_context():
        yield db.session


NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def now() -> datetime:
    """A fixed aware UTC clock for services."""
    return NOW


@pytest.fixture
def site(app):
    """A pre-moderated site ``news`` that creates articles on first use."""
    with app.app_context():
        sites.create_site(db.session, "news", "Báo Tin Tức", ["https://news.example"],
                          premoderation=True, auto_create_articles=True)
    return "news"


@pytest.fixture
def open_site(app):
    """A post-moderated site ``open`` (comments published at once)."""
    with app.app_context():
        sites.create_site(db.session, "open", "Open News", [], premoderation=False,
                          auto_create_articles=True)
    return "open"


@pytest.fixture
def moderator(app, site):
    """A moderator of site ``news``: ``(username, password)``."""
    with app.app_context():
        accounts.create_moderator(db.session, "mod", "correct horse battery", "Biên tập viên",
                                  [site], Role.MODERATOR)
    return "mod", "correct horse battery"


@pytest.fixture
def live_server(app):
    """The app behind a real threaded HTTP server on a free loopback port (concurrency tests)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
