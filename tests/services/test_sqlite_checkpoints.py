"""SQLite's WAL checkpoints run after Engage's writer lock is released (``engage.services.tx``).

SQLite's automatic checkpoint ran inside the commit that filled the WAL, while the writer lock
of every process was held; Engage moves it to a backstop threshold and checkpoints every
``CHECKPOINT_EVERY``-th write transaction outside the lock, and behind it only when the WAL
has grown to ``WAL_FRAMES_LIMIT`` frames.
"""
import fcntl
import threading
import time
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Column, Integer, LargeBinary, MetaData, Table, create_engine, insert
from sqlalchemy import event
from sqlalchemy.orm import Session

from engage.services import tx

_META = MetaData()
_BLOBS = Table("blob", _META, Column("id", Integer, primary_key=True), Column("data", LargeBinary))


@pytest.fixture
def engine(tmp_path, monkeypatch):
    # The checkpoint itself, in the writer's thread; the last test runs it on its own thread.
    monkeypatch.setattr(tx, "CHECKPOINT_IN_BACKGROUND", False)
    tx.install_engine_events()
    engine = create_engine(f"sqlite:///{tmp_path / 'wal.sqlite3'}")
    _META.create_all(engine)
    yield engine
    engine.dispose()


def test_the_checkpoint_runs_on_its_own_thread_and_the_writer_does_not_wait_for_it(
        engine, monkeypatch):
    monkeypatch.setattr(tx, "CHECKPOINT_IN_BACKGROUND", True)
    started, release, done = threading.Event(), threading.Event(), threading.Event()
    threads = []
    real = tx._checkpoint

    def slow_checkpoint(bind):  # a checkpoint waiting on a slow disk
        threads.append(threading.current_thread().name)
        started.set()
        release.wait(10)
        real(bind)
        done.set()

    monkeypatch.setattr(tx, "_checkpoint", slow_checkpoint)
    _write(engine, tx.CHECKPOINT_EVERY)  # the hundredth returns with its checkpoint pending
    assert started.wait(10)
    assert not done.is_set()
    _write(engine, tx.CHECKPOINT_EVERY)  # while one is running, the next is queued once
    release.set()
    assert done.wait(10)
    deadline = time.monotonic() + 10
    while len(threads) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(threads) == 2
    assert all(name.startswith("engage-checkpoint") for name in threads)
    assert threading.current_thread().name not in threads


def _write(engine, times: int) -> None:
    with Session(engine) as session:
        for _ in range(times):
            with tx.write_transaction(session):
                session.execute(insert(_BLOBS), {"data": os.urandom(3000)})


def _wal_frames(engine) -> int:
    """Frames in the WAL now (``PRAGMA wal_checkpoint`` reports them, then checkpoints)."""
    raw = engine.raw_connection()
    try:
        _busy, frames, _copied = raw.driver_connection.execute(
            "PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        raw.close()
    return frames


def test_connections_keep_sqlite_s_own_checkpoint_only_as_a_backstop(engine):
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 10_000
        assert conn.exec_driver_sql("PRAGMA journal_size_limit").scalar() == 64 * 1024 * 1024


def test_the_wal_starts_over_after_every_hundredth_write(engine, monkeypatch):
    # Each write adds a page or more; 3 x 100 + 5 writes leave 5 writes' frames after the
    # third checkpoint.  With no checkpoint (the control) the WAL holds all of them.
    _write(engine, 3 * tx.CHECKPOINT_EVERY + 5)
    checkpointed = _wal_frames(engine)
    monkeypatch.setattr(tx, "CHECKPOINT_EVERY", 10**9)
    _write(engine, 3 * 100 + 5)
    unchecked = _wal_frames(engine)
    assert checkpointed <= 5 * 4
    assert unchecked >= 305


def _lock_is_free(tmp_path) -> bool:
    fd = os.open(str(tmp_path / "wal.sqlite3") + ".writelock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def _on_checkpoint(engine, hook) -> None:
    """Call ``hook()`` as each ``PRAGMA wal_checkpoint`` of ``engine``'s connections starts."""
    @event.listens_for(engine, "connect")
    def _trace(dbapi_connection, _record):
        dbapi_connection.set_trace_callback(
            lambda sql: hook() if "wal_checkpoint" in sql else None)

    engine.dispose()  # new connections, traced


def test_the_checkpoint_runs_with_the_writer_lock_free(engine, tmp_path):
    seen: list[bool] = []
    _on_checkpoint(engine, lambda: seen.append(_lock_is_free(tmp_path)))
    _write(engine, 2 * tx.CHECKPOINT_EVERY)
    assert seen == [True, True]


def test_a_wal_the_checkpoint_could_not_empty_is_checkpointed_again_behind_the_lock(
        engine, tmp_path, monkeypatch):
    # A reader's snapshot stops the unlocked checkpoint short of the WAL's end; the reader ends
    # before the second, locked one, which then copies everything, so the next write starts
    # the WAL over.
    monkeypatch.setattr(tx, "WAL_FRAMES_LIMIT", 10)
    _write(engine, tx.CHECKPOINT_EVERY // 2)
    reader = engine.raw_connection()
    reader.driver_connection.execute("BEGIN")
    reader.driver_connection.execute("SELECT count(*) FROM blob").fetchone()
    seen: list[bool] = []

    def hook() -> None:
        seen.append(_lock_is_free(tmp_path))
        if len(seen) == 2:
            reader.driver_connection.execute("COMMIT")

    _on_checkpoint(engine, hook)
    _write(engine, tx.CHECKPOINT_EVERY // 2 + 1)
    reader.close()
    assert seen == [True, False]
    assert _wal_frames(engine) <= 4


def test_a_short_wal_left_behind_a_reader_waits_for_the_next_checkpoint(
        engine, tmp_path):
    _write(engine, tx.CHECKPOINT_EVERY // 2)
    reader = engine.raw_connection()
    reader.driver_connection.execute("BEGIN")
    reader.driver_connection.execute("SELECT count(*) FROM blob").fetchone()
    seen: list[bool] = []
    _on_checkpoint(engine, lambda: seen.append(_lock_is_free(tmp_path)))
    _write(engine, tx.CHECKPOINT_EVERY // 2)
    reader.close()
    assert seen == [True]  # under WAL_FRAMES_LIMIT: no writer waits for it


def test_a_failing_checkpoint_leaves_the_committed_write_standing(engine, monkeypatch, caplog):
    from sqlalchemy import func, select
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    _write(engine, tx.CHECKPOINT_EVERY - 1)

    real = engine.raw_connection

    def none_for_the_checkpoint():  # the session's own checkouts still succeed
        if sys._getframe(1).f_code.co_name == "_checkpoint":
            raise PoolTimeout("QueuePool limit reached")
        return real()

    monkeypatch.setattr(engine, "raw_connection", none_for_the_checkpoint)
    _write(engine, 1)  # the hundredth: its checkpoint finds no connection
    monkeypatch.undo()
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(_BLOBS)).scalar() == 100
    assert "SQLite WAL checkpoint failed" in caplog.text


def test_writers_appending_during_unlocked_checkpoints_cannot_grow_the_wal_without_bound(
        engine, tmp_path, monkeypatch):
    # Three writer threads: some commit lands during almost every unlocked checkpoint, so none
    # ends with the WAL fully copied and only the locked one lets it start over.  The WAL
    # file keeps its largest size, so it tells the peak.
    _write(engine, 20)
    frames_per_write = _wal_frames(engine) / 20  # that checkpoint empties the WAL
    monkeypatch.setattr(tx, "WAL_FRAMES_LIMIT", 200)
    with ThreadPoolExecutor(3) as pool:
        for done in [pool.submit(_write, engine, 700) for _ in range(3)]:
            done.result()
    with engine.connect() as conn:
        page = conn.exec_driver_sql("PRAGMA page_size").scalar()
    wal_bytes = os.path.getsize(str(tmp_path / "wal.sqlite3") + "-wal")
    peak_frames = (wal_bytes - 32) // (page + 24)  # sqlite.org/fileformat2.html §4.1
    # The limit, plus what a few checkpoint intervals add before the WAL starts over (685 to
    # 1,035 frames in five runs, where 2,100 writes grew an unbounded WAL to 6,375).
    assert peak_frames <= 200 + 6 * tx.CHECKPOINT_EVERY * frames_per_write < 2100 * frames_per_write


def test_a_checkpoint_that_cannot_be_queued_leaves_the_write_standing(engine, monkeypatch,
                                                                      caplog):
    from sqlalchemy import func, select

    monkeypatch.setattr(tx, "CHECKPOINT_IN_BACKGROUND", True)

    class ShutDown:
        def submit(self, *args):
            raise RuntimeError("cannot schedule new futures after interpreter shutdown")

    monkeypatch.setattr(tx, "_executor", ShutDown())
    monkeypatch.setattr(tx, "_executor_pid", os.getpid())
    _write(engine, tx.CHECKPOINT_EVERY)  # the hundredth cannot queue its checkpoint
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(_BLOBS)).scalar() == 100
    assert "SQLite WAL checkpoint not queued" in caplog.text
    assert engine.url.database not in tx._queued  # the next hundredth will try again
