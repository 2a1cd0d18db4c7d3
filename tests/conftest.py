"""Shared fixtures: the app on each database backend, its client, CLI runner and factories.

Backends: SQLite always; PostgreSQL when ``ENGAGE_TEST_DATABASE_URL`` is set.  ``.ci/run`` sets it
and ``ENGAGE_REQUIRE_PG=1``, which turns a missing PostgreSQL into a failure instead of a skip.
"""
from __future__ import annotations

import os
import secrets
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from engage import create_app
from engage.domain.moderation.wordlists import clear_matcher_cache
from engage.extensions import db
from engage.services import accounts, sites
from engage.models import Role

REPO_ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("ENGAGE_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite", "postgresql"]


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
        if uri.startswith("postgresql"):
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"))
            db.session.commit()
        db.create_all()
    return app


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
