"""Transactions: one per use case; SQLite writers take the write lock up front (BEGIN IMMEDIATE)."""
from __future__ import annotations

import contextvars
import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from sqlalchemy import event, text
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
        if (conn.dialect.name == "sqlite"
                and conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT"):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if _IMMEDIATE.get() else "BEGIN")


_THREAD_LOCKS: dict[str, threading.Lock] = {}
_REGISTRY_LOCK = threading.Lock()


@contextmanager
def _sqlite_writer_lock(database: str | None) -> Iterator[None]:
    """Queue SQLite writers on a kernel lock instead of SQLite's busy handler.

    SQLite's busy handler polls with sleeps of 1, 2, 5 … 100 ms, so under concurrent writers
    most time is spent asleep while the lock is already free.  A thread lock (this process)
    plus ``flock`` on ``<database>.writelock`` (other processes) hands the write lock over as
    soon as it is released; BEGIN IMMEDIATE then never waits.  In-memory databases skip it.
    """
    if not database or database == ":memory:":
        yield
        return
    with _REGISTRY_LOCK:
        thread_lock = _THREAD_LOCKS.setdefault(database, threading.Lock())
    with thread_lock:
        fd = os.open(database + ".writelock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the flock


@contextmanager
def write_transaction(session: Session, *, durable: bool = True) -> Iterator[Session]:
    """Run the block as one write transaction: commit at the end, roll back on any error.

    A read transaction left open by earlier code in the request (e.g. the login loader) is
    closed first, so the write begins fresh and, on SQLite, IMMEDIATE (behind
    :func:`_sqlite_writer_lock`).

    :param durable: ``False`` lets PostgreSQL acknowledge the commit before its WAL reaches disk
        (``SET LOCAL synchronous_commit = off``, PostgreSQL manual §30.4 "Asynchronous Commit"):
        a crash can lose the last fraction of a second of such writes, never half of one, and
        the rows and their aggregates stay consistent.  Used for votes and likes only.
    """
    current = session() if isinstance(session, scoped_session) else session
    if current.in_transaction():
        current.commit()
    bind = current.get_bind()
    lock = (_sqlite_writer_lock(bind.url.database) if bind.dialect.name == "sqlite"
            else nullcontext())
    with lock:
        marker = _IMMEDIATE.set(True)
        try:
            if not durable and bind.dialect.name == "postgresql":
                session.execute(text("SET LOCAL synchronous_commit = off"))
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            _IMMEDIATE.reset(marker)
