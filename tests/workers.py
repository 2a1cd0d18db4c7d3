"""Per-worker test resources under pytest-xdist (used by ``conftest.py``)."""
from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit


def worker_urls(worker: str, database_url: str, redis_url: str) -> tuple[str, str]:
    """The ``(database URL, Redis URL)`` of xdist worker ``worker`` (``"gw0"``, ``"gw1"`` …).

    The database is the base one's name plus ``_gw<i>`` on the same server (``test`` →
    ``test_gw0``).  The Redis db counts up from the base db (3 → 3, 4, 5 …) and, past 15, down
    from it (15 → 15, 14, 13 …), so workers never share a db and stay in Redis' 0..15.  Empty
    URLs stay empty.  Raises ``ValueError`` when no such Redis db exists (too many workers).
    """
    index = int(worker.removeprefix("gw"))
    if database_url:
        parts = urlsplit(database_url)
        name = parts.path.lstrip("/") or "postgres"
        database_url = urlunsplit(parts._replace(path=f"/{name}_gw{index}"))
    if redis_url:
        parts = urlsplit(redis_url)
        base = int(parts.path.lstrip("/") or 0)
        number = base + index if base + index <= 15 else base - index
        if number < 0:
            raise ValueError(f"no Redis db left for worker {worker} (base db {base})")
        redis_url = urlunsplit(parts._replace(path=f"/{number}"))
    return database_url, redis_url


def create_database(url: str) -> None:
    """``CREATE DATABASE`` for ``url``'s database when it is missing (connected to the same
    server's ``postgres`` database).  Without psycopg, or when the server cannot be reached,
    nothing happens: the PostgreSQL tests then skip or fail as they would without it."""
    try:
        import psycopg
        from psycopg import sql
    except ImportError:
        return
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    try:
        with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True,
                             connect_timeout=5) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                return
            try:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            except psycopg.errors.DuplicateDatabase:  # created meanwhile: fine
                pass
    except psycopg.OperationalError:
        return


def use_worker_resources() -> None:
    """In a pytest-xdist worker (``PYTEST_XDIST_WORKER`` set), point ``ENGAGE_TEST_DATABASE_URL``
    and ``ENGAGE_TEST_REDIS_URL`` at this worker's own database and Redis db (see
    :func:`worker_urls`), creating the database when missing.  Outside xdist: no change."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    database_url, redis_url = worker_urls(worker,
                                          os.environ.get("ENGAGE_TEST_DATABASE_URL", ""),
                                          os.environ.get("ENGAGE_TEST_REDIS_URL", ""))
    if database_url:
        os.environ["ENGAGE_TEST_DATABASE_URL"] = database_url
        create_database(database_url)
    if redis_url:
        os.environ["ENGAGE_TEST_REDIS_URL"] = redis_url
