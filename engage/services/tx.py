"""Transactions: one per use case; SQLite writers take the write lock up front (BEGIN IMMEDIATE)."""
from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session

_IMMEDIATE = contextvars.ContextVar("engage_sqlite_immediate", default=False)
_installed = False


def install_engine_events() -> None:
    """Register SQLite connection settings once per process (idempotent).

    pysqlite's own transaction handling is turned off and Engage emits BEGIN itself, the recipe
    in SQLAlchemy's SQLite dialect docs ("Serializable isolation / Savepoints / Transactional
    DDL"); a write transaction begins IMMEDIATE so concurrent writers queue on busy_timeout
    instead of failing with "database is locked" when upgrading a read lock.
    """
    global _installed
    if _installed:
        return
    _installed = True

    @event.listens_for(Engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - trivial wiring
        if type(dbapi_connection).__module__.startswith("sqlite3"):
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    @event.listens_for(Engine, "begin")
    def _on_begin(conn):
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE" if _IMMEDIATE.get() else "BEGIN")


@contextmanager
def write_transaction(session: Session) -> Iterator[Session]:
    """Run the block as one write transaction: commit at the end, roll back on any error.

    A read transaction left open by earlier code in the request (e.g. the login loader) is
    closed first, so the write begins fresh and, on SQLite, IMMEDIATE.
    """
    current = session() if isinstance(session, scoped_session) else session
    if current.in_transaction():
        current.commit()
    marker = _IMMEDIATE.set(True)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        _IMMEDIATE.reset(marker)
