"""Transactions: one per use case; SQLite writers take the write lock up front (BEGIN IMMEDIATE)."""
from __future__ import annotations

import contextvars
import fcntl
import itertools
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, scoped_session

log = logging.getLogger(__name__)
_IMMEDIATE = contextvars.ContextVar("engage_sqlite_immediate", default=False)
_installed = False


def install_engine_events() -> None:
    """Register SQLite connection settings once per process (idempotent).

    pysqlite's own transaction handling is turned off and Engage emits BEGIN itself, the recipe
    in SQLAlchemy's SQLite dialect docs ("Serializable isolation / Savepoints / Transactional
    DDL"); a write transaction begins IMMEDIATE so concurrent writers queue on busy_timeout
    instead of failing with "database is locked" when upgrading a read lock.  SQLite's automatic
    checkpoint is turned off (``wal_autocheckpoint=0``): :func:`write_transaction` checkpoints
    after releasing the writer lock instead (:func:`_checkpoint_now_and_then`).
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
            cursor.execute("PRAGMA wal_autocheckpoint=0")
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


# Write transactions between two WAL checkpoints, per process and database.  SQLite's own
# automatic checkpoint runs when a commit leaves 1,000 pages or more in the WAL ("Write-Ahead
# Logging" §"Automatic Checkpoint", sqlite.org/wal.html), inside that commit, i.e. while
# Engage's writer lock is held: every writer of every process waited for a copy of ~4 MB and
# two fsyncs.  Two processes posting 3,000 comments: the longest lock hold 634 and 563 ms with
# SQLite's checkpoints, 5.1 and 9.1 ms with these; request p99 13.6 -> 8.5 ms
# (``bench/bench_writes.py``, December 2026).  A comment or a vote writes 5-10 pages, so 100
# write transactions keep the WAL near SQLite's default size.
CHECKPOINT_EVERY = 100
# Frames (pages) a WAL may hold after an unlocked checkpoint before the next one is taken with
# the writer lock held.  Writers append while an unlocked checkpoint copies, so under a steady
# stream of writes it may never catch up, and the WAL only starts over once every frame has
# been copied ("checkpoint starvation", sqlite.org/wal.html §"Avoiding Excessively Large WAL
# Files"); a checkpoint that writers wait for always can.  4,000 frames: 16 MB of 4 KB pages.
WAL_FRAMES_LIMIT = 4000
_write_counts: dict[str, itertools.count] = {}


def _checkpoint_now_and_then(bind: Engine, database: str | None) -> None:
    """Every :data:`CHECKPOINT_EVERY`-th write transaction, checkpoint the WAL.

    Called after the writer lock is released.  A PASSIVE checkpoint copies what it can without
    waiting for readers or writers (sqlite.org/pragma.html#pragma_wal_checkpoint), so writers
    go on appending to the WAL while it runs; the first writer after a complete checkpoint
    starts the WAL over from its beginning.  When the WAL still holds :data:`WAL_FRAMES_LIMIT`
    frames or more, not all copied, it is checkpointed again behind the writer lock (nothing is
    appended meanwhile; most frames are already copied).  Frames a reader's snapshot still needs
    wait for a later checkpoint either way.  In-memory databases have no WAL and are skipped.

    :param bind: the engine of the write that just committed.
    :param database: its SQLite file's path (``bind.url.database``).
    """
    if not database or database == ":memory:":
        return
    with _REGISTRY_LOCK:
        counter = _write_counts.setdefault(database, itertools.count(1))
    if next(counter) % CHECKPOINT_EVERY:
        return
    try:
        raw = bind.raw_connection()  # autocommit already (isolation_level None, above)
        try:
            checkpoint = raw.driver_connection.execute
            _busy, frames, copied = checkpoint("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if frames >= WAL_FRAMES_LIMIT and copied < frames:
                with _sqlite_writer_lock(database):
                    checkpoint("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            raw.close()
    except (SQLAlchemyError, sqlite3.Error, OSError):
        # The write has committed: its answer stands.  A later write checkpoints again.
        log.warning("SQLite WAL checkpoint failed", exc_info=True)


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
    sqlite = bind.dialect.name == "sqlite"
    lock = _sqlite_writer_lock(bind.url.database) if sqlite else nullcontext()
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
    if sqlite:
        _checkpoint_now_and_then(bind, bind.url.database)
