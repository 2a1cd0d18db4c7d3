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
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
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
    checkpoint is moved from 1,000 to :data:`AUTOCHECKPOINT_PAGES` pages: :func:`write_transaction`
    checkpoints after releasing the writer lock instead (:func:`_checkpoint_now_and_then`), and
    the automatic one is left as a backstop for writes that do not go through it (migrations, a
    bulk job's huge transactions).  A WAL file a burst made larger than
    :data:`JOURNAL_SIZE_LIMIT` is cut back to it when the WAL starts over.
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
            cursor.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
            cursor.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
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
    if not _on_disk(database):
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


# Write transactions between two WAL checkpoints, per process and database (with N processes
# writing, checkpoints come N times as often, each copying less).  SQLite's own
# automatic checkpoint runs when a commit leaves 1,000 pages or more in the WAL ("Write-Ahead
# Logging" §"Automatic Checkpoint", sqlite.org/wal.html), inside that commit, i.e. while
# Engage's writer lock is held: every writer of every process waited for a copy of ~4 MB and
# two fsyncs.  Two processes posting 3,000 comments, two rounds: writer-lock hold p99 5.9 and
# 5.7 ms with SQLite's checkpoints, 1.7 and 2.3 ms with these; request p99 10.2 / 9.3 ->
# 5.8 / 8.1 ms (``bench/bench_writes.py``, December 2026; on a slower-disk hour SQLite's
# checkpoints held the lock for up to 634 ms).  A comment or a vote writes 5-10 pages, so 100
# write transactions keep the WAL near SQLite's default size.
CHECKPOINT_EVERY = 100
# Frames (pages) in the WAL at which a checkpoint is taken with the writer lock held.  The WAL
# starts over only when a writer begins after a checkpoint that copied every frame (sqlite.org/
# wal.html §"Avoiding Excessively Large WAL Files"); writers append while an unlocked
# checkpoint copies, so under a steady stream of writes no unlocked one ever ends with the WAL
# fully copied, and the WAL would grow without bound (118 MB in 6 s of three writer threads,
# review of this change).  Behind the lock nothing is appended, and most frames are already
# copied by the unlocked pass.  4,000 frames: 16 MB of 4 KB pages.
WAL_FRAMES_LIMIT = 4000
# SQLite's own automatic checkpoint, as a backstop: pages (40 MB of 4 KB pages), well above
# what Engage's checkpoints let the WAL reach.
AUTOCHECKPOINT_PAGES = 10_000
JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024  # bytes (PRAGMA journal_size_limit)
_write_counts: dict[str, itertools.count] = {}


def _on_disk(database: str | None) -> bool:
    """Whether a SQLite URL's database is a file (not ``sqlite://`` nor ``:memory:``)."""
    return bool(database) and database != ":memory:"


def _checkpoint_now_and_then(bind: Engine) -> None:
    """Every :data:`CHECKPOINT_EVERY`-th write transaction, checkpoint the WAL
    (:func:`_checkpoint`) on this process's checkpoint thread, so the request that happens to
    be the hundredth does not wait for it.

    Called after the writer lock is released.  At most one checkpoint per database waits in
    the queue: a request arriving while one waits adds none.  With
    :data:`CHECKPOINT_IN_BACKGROUND` off the checkpoint runs here, in the caller's thread.
    In-memory databases have no WAL and are skipped.

    A checkpoint copies the WAL's pages into the database file and syncs it: 31 ms a checkpoint
    on this project's CI machine (where an fdatasync takes 0.2 ms: the copying is the cost),
    i.e. 0.3 ms of every write's time while it ran in the request (cProfile of 1,500 comment
    POSTs, December 2026).
    The thread releases the GIL while SQLite works, so requests go on meanwhile.

    :param bind: the engine of the write that just committed (SQLite).
    """
    database = bind.url.database
    if not _on_disk(database):
        return
    with _REGISTRY_LOCK:
        counter = _write_counts.setdefault(database, itertools.count(1))
    if next(counter) % CHECKPOINT_EVERY:
        return
    if not CHECKPOINT_IN_BACKGROUND:
        _checkpoint(bind)
        return
    global _executor, _executor_pid
    with _REGISTRY_LOCK:
        if database in _queued:
            return
        if _executor is None or _executor_pid != os.getpid():  # none yet, or a forked child's
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="engage-checkpoint")
            _executor_pid = os.getpid()
            _queued.clear()
        _queued.add(database)
        executor = _executor
    try:
        executor.submit(_queued_checkpoint, bind, database)
    except RuntimeError:  # interpreter shutting down, or no thread to be had: the next one
        with _REGISTRY_LOCK:
            _queued.discard(database)
        log.warning("SQLite WAL checkpoint not queued", exc_info=True)


# Checkpoints run on one thread per process (``ThreadPoolExecutor``, made after a fork);
# tests of the checkpoint itself turn this off to run it in the writer's thread.
CHECKPOINT_IN_BACKGROUND = True
_executor: ThreadPoolExecutor | None = None
_executor_pid = 0
_queued: set[str] = set()  # databases whose checkpoint waits in the queue


def _queued_checkpoint(bind: Engine, database: str) -> None:
    """The checkpoint thread's task: :func:`_checkpoint`, the database off the queue first (a
    write committing during this checkpoint may then queue the next)."""
    with _REGISTRY_LOCK:
        _queued.discard(database)
    _checkpoint(bind)


def _checkpoint(bind: Engine) -> None:
    """Checkpoint the WAL of ``bind``'s SQLite database.

    A PASSIVE checkpoint copies what it can without waiting for readers or writers
    (sqlite.org/pragma.html#pragma_wal_checkpoint), so writers go on appending to the WAL
    while it runs; the first writer after a complete checkpoint starts the WAL over from its
    beginning.  When the WAL held :data:`WAL_FRAMES_LIMIT` frames or more, it is checkpointed
    again behind the writer lock, so it can start over (nothing is appended meanwhile; most
    frames are already copied).  Frames a reader's snapshot still needs wait for a later
    checkpoint either way.  Drivers other than the standard library's ``sqlite3`` are skipped.
    A failure is logged, never raised: the writes have committed and their answers stand.
    """
    database = bind.url.database
    try:
        raw = bind.raw_connection()  # autocommit already (isolation_level None, above)
        try:
            if not isinstance(raw.driver_connection, sqlite3.Connection):
                return
            checkpoint = raw.driver_connection.execute
            # (busy, frames in the WAL when it began, frames copied); -1s when not in WAL mode
            _busy, frames, _copied = checkpoint("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if frames >= WAL_FRAMES_LIMIT:
                with _sqlite_writer_lock(database):
                    checkpoint("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            raw.close()
    except Exception:  # noqa: BLE001 - the writes have committed: their answers stand
        log.warning("SQLite WAL checkpoint failed", exc_info=True)


def end_read_transaction(session: Session) -> None:
    """Close a read transaction ``session`` left open (commit: it wrote nothing), so that its
    next statement reads the latest committed state: on SQLite an open read transaction keeps
    its snapshot, and would not see what another connection committed since.  A
    ``scoped_session`` with no session yet is left alone (none is made for this).
    """
    if isinstance(session, scoped_session):
        if not session.registry.has():
            return
        session = session()
    if session.in_transaction():
        session.commit()


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
    end_read_transaction(current)
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
        _checkpoint_now_and_then(bind)
