"""The busiest write (a comment POST) on a pinned DBAPI connection, without the ORM.

On SQLite a statement costs SQLite tens of microseconds, and SQLAlchemy's per-statement and
per-transaction machinery (execution context, events, the session's begin and commit) several
times that.  Under gunicorn (``sync -w2``, wrk ``-c16``) a comment POST cost the workers 8.0 ms
of CPU through the session and 5.1 ms this way, 1.6× the requests per second
(``bench/ab.py --base f3f3c60``, December 2026; with the checkpoints moved off the request).
On PostgreSQL the session path's two statements (the site row, the one-statement write) and
its commit spent more time in SQLAlchemy and psycopg's result building than waiting on the
server (py-spy ``--idle`` of one worker: 0.8 ms of 5.5 ms waiting), so the same holds there:
the workers' CPU per comment POST fell from 4.49 to 3.16 ms, 1.29× the requests per second
(``bench/ab.py --base 4c9d4c8 --backend postgresql``, December 2026).

This module runs the same Core statements, compiled once, on the DBAPI connection the web layer
keeps open per thread (``engage.web.fastpath.PublicReadFastPath.pinned_connection``), with
SQLAlchemy's own bind and result processors applied, so every value is stored and read back
exactly as through a session (tests compare the rows written both ways).

Transactions keep the guarantees of :func:`engage.services.tx.write_transaction`: on SQLite the
writer lock and ``BEGIN IMMEDIATE``, commit or roll back as one, checkpoints after the lock is
released.  A driver error is raised as SQLAlchemy's (``sqlalchemy.exc.DBAPIError.instance``), so
the web layer answers it exactly as one raised through a session, and a dead pinned connection
is given back as unusable (a server restart must not leave a thread holding a dead connection).
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any, NamedTuple, Protocol

from sqlalchemy import exc
from sqlalchemy.engine import Dialect, Engine

from engage.services import tx

log = logging.getLogger(__name__)


class Pinned(NamedTuple):
    """This thread's pinned DBAPI connection and what belongs with it.

    ``driver``: a ``sqlite3.Connection`` (autocommit: ``isolation_level`` is ``None``, set by
    :func:`engage.services.tx.install_engine_events`) or a ``psycopg.Connection`` (autocommit);
    ``engine``: the engine it was checked out from; ``discard``: gives it back to the pool as
    invalid, so the thread pins a fresh one next time.
    """

    driver: Any
    engine: Engine
    discard: Callable[[], None]


class PinnedConnection(Protocol):
    """Gives this thread's :class:`Pinned` connection, or ``None`` when none can be pinned
    (the caller then goes through the session)."""

    def __call__(self) -> Pinned | None: ...


class ConnectionLost(Exception):
    """The pinned connection was found dead at its first statement: nothing was written, and
    it was discarded; the caller may go through the session instead (its pooled connection
    is pinged first with ``DB_POOL_PRE_PING``; without it, a connection the same restart
    killed answers 503 once, as every session path does)."""


class Precompiled:
    """A Core statement compiled once for ``dialect`` and run on a DBAPI connection.

    Bind values pass through the processors SQLAlchemy itself would apply
    (``TypeEngine.dialect_impl(dialect).bind_processor``: enums to their stored strings, JSON
    to text, aware datetimes to SQLite's text format), and result columns through the result
    processors (text back to ``datetime``, JSON, ``bool``).  Bound constants of the statement
    (``comment_count + 1``, ``status = 'approved'``) are processed once here.

    :param statement: a Core statement whose parameters are all plain ``bindparam`` s or
        constants.
    :param column_keys: an INSERT's columns given per execution (each a parameter of its
        name), as ``Connection.execute(insert, {column: value})`` would render it.
    :raises ValueError: at construction, for a statement SQLAlchemy must finish compiling per
        execution (``POSTCOMPILE``: expanding ``IN``, a literal rendered late) or whose insert
        takes a Python-side column default (this class would not compute it).
    """

    def __init__(self, statement: Any, dialect: Dialect,
                 column_keys: Sequence[str] | None = None) -> None:
        # Held, so the statement outlives this entry: :func:`precompiled` keys by its id.
        self.statement = statement
        compiled = statement.compile(dialect=dialect, column_keys=column_keys)
        if "POSTCOMPILE" in compiled.string:
            raise ValueError("statement needs per-execution compiling (POSTCOMPILE)")
        prefetch = [*compiled.insert_prefetch, *compiled.update_prefetch]
        if prefetch:
            raise ValueError("a column takes a Python-side default: "
                             + ", ".join(c.key for c in prefetch))
        self.sql = compiled.string
        # Positional (sqlite3: ``?``) or named (psycopg: ``%(name)s``) parameters.
        self.named = compiled.positiontup is None
        self.keys = list(compiled.binds) if self.named else list(compiled.positiontup)
        self._error = dialect.loaded_dbapi.Error
        self._params: list[tuple[str | None, Any, Callable | None]] = []
        for name in self.keys:
            bind = compiled.binds[name]
            if bind.callable is not None:
                raise ValueError(f"bind parameter {name!r} has a Python-side default")
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if bind.required:
                self._params.append((bind.key, None, process))
            else:  # a constant of the statement: processed once
                value = bind.effective_value
                self._params.append((None, process(value) if process else value, None))
        # A select's columns, or an INSERT/UPDATE's RETURNING columns (``exported_columns``).
        columns = list(getattr(statement, "exported_columns", ()))
        self.columns = [c.key for c in columns]
        self._results = [c.type.dialect_impl(dialect).result_processor(dialect, None)
                         for c in columns]

    def parameters(self, values: Mapping[str, Any]) -> list | dict:
        """The DBAPI parameters for ``values`` (keyed by bind parameter name): a list in the
        statement's order for a positional paramstyle, a dict for a named one.

        :raises KeyError: a required parameter is missing.
        """
        out = []
        for key, constant, process in self._params:
            if key is None:
                out.append(constant)
            else:
                value = values[key]
                out.append(process(value) if process is not None else value)
        return dict(zip(self.keys, out)) if self.named else out

    def rows(self, conn: Any, values: Mapping[str, Any]) -> list[tuple]:
        """Run the statement on the DBAPI connection ``conn`` (``sqlite3`` or ``psycopg``,
        both have ``execute``); all result rows as tuples of processed values (``[]`` for a
        statement returning nothing).

        :raises sqlalchemy.exc.DBAPIError: the driver failed (its error wrapped as SQLAlchemy
            would wrap it).
        """
        params = self.parameters(values)
        try:
            cursor = conn.execute(self.sql, params)
            # Not ``cursor.description``: psycopg builds it per call (a Column per column).
            raw = cursor.fetchall() if self.columns else []
            cursor.close()
        except self._error as err:
            raise exc.DBAPIError.instance(self.sql, params, err, self._error) from err
        results = self._results
        if not any(results):
            return raw
        return [tuple(p(v) if p is not None else v for p, v in zip(results, row)) for row in raw]

    def mapping(self, conn: Any, values: Mapping[str, Any]) -> dict | None:
        """The first result row as ``{column key: value}``, or ``None`` when there is none."""
        rows = self.rows(conn, values)
        return dict(zip(self.columns, rows[0])) if rows else None


_COMPILED: dict[tuple[int, str, tuple[str, ...]], Precompiled] = {}


def precompiled(statement: Any, dialect: Dialect,
                column_keys: Sequence[str] | None = None) -> Precompiled:
    """:class:`Precompiled` for a module-level statement, built once per process and dialect.

    The cache is keyed by the statement object's identity: pass statements built once (module
    constants), never one built per call.
    """
    key = (id(statement), dialect.name, tuple(column_keys or ()))
    found = _COMPILED.get(key)
    if found is None:
        found = _COMPILED[key] = Precompiled(statement, dialect, column_keys)
    return found


@contextmanager
def direct_write(pinned: Pinned) -> Iterator[Any]:
    """One write transaction on the pinned connection: on SQLite behind the writer lock
    (:func:`engage.services.tx._sqlite_writer_lock`) and ``BEGIN IMMEDIATE``, on PostgreSQL a
    plain ``BEGIN``; commit at the end, roll back on any error; on SQLite a checkpoint now and
    then afterwards (:func:`engage.services.tx._checkpoint_now_and_then`), as
    ``write_transaction`` does.  A dead connection is discarded (:attr:`Pinned.discard`).

    :raises ConnectionLost: ``BEGIN`` found the connection dead (the dialect's
        ``is_disconnect``): nothing was written.
    :raises sqlalchemy.exc.DBAPIError: BEGIN or COMMIT failed otherwise (e.g. ``database is
        locked`` after the busy timeout); nothing was written.
    """
    conn, bind = pinned.driver, pinned.engine
    sqlite = bind.dialect.name == "sqlite"
    # The lock is looked up per call: the benches time it.
    with tx._sqlite_writer_lock(bind.url.database) if sqlite else nullcontext():
        try:
            _begin(pinned, "BEGIN IMMEDIATE" if sqlite else "BEGIN")
            yield conn
            _driver(conn, bind.dialect, "COMMIT")
        except BaseException as err:
            if not isinstance(err, ConnectionLost):
                _roll_back(pinned, dead=isinstance(err, exc.DBAPIError) and _is_disconnect(
                    pinned, err))
            raise
    if sqlite:
        tx._checkpoint_now_and_then(bind)


def _begin(pinned: Pinned, sql: str) -> None:
    """Begin the transaction (:func:`first_use`)."""
    with first_use(pinned):
        _driver(pinned.driver, pinned.engine.dialect, sql)


@contextmanager
def first_use(pinned: Pinned) -> Iterator[None]:
    """Around the first statement a request runs on a pinned connection: a connection found
    dead (the dialect's ``is_disconnect``: a server restart, a closed connection) is discarded
    and reported as :class:`ConnectionLost`, so the caller can go through the session instead.

    :raises ConnectionLost: the connection was dead; nothing ran.
    :raises sqlalchemy.exc.DBAPIError: any other driver error, unchanged.
    """
    try:
        yield
    except exc.DBAPIError as err:
        if _is_disconnect(pinned, err):
            pinned.discard()
            raise ConnectionLost() from err
        raise


def _is_disconnect(pinned: Pinned, err: exc.DBAPIError) -> bool:
    """Whether ``err`` means the pinned connection is dead (the dialect's ``is_disconnect``,
    which also looks at the connection itself: psycopg's ``closed``/``broken``).  An error of
    another connection (the session's, while judging) or of a statement (a constraint, a
    trigger) leaves the pinned connection usable after the rollback."""
    return pinned.engine.dialect.is_disconnect(err.orig, pinned.driver, None)


def _roll_back(pinned: Pinned, dead: bool) -> None:
    """Roll back whatever the connection holds open, so the pinned connection is usable again;
    a dead one (``dead``: the error was a disconnect) or one whose rollback fails is discarded
    instead.

    A failing rollback is logged, not raised: the error that caused it is the one to answer
    (the server rolls a transaction back itself when the connection closes).
    """
    if not dead:
        try:  # both drivers roll back the open transaction, if any, even in autocommit
            pinned.driver.rollback()
            return
        except pinned.engine.dialect.loaded_dbapi.Error:
            log.warning("rollback of a direct write failed", exc_info=True)
    pinned.discard()


def _driver(conn: Any, dialect: Dialect, sql: str) -> None:
    """Run a transaction-control statement, wrapping a driver error as SQLAlchemy does."""
    error = dialect.loaded_dbapi.Error
    try:
        conn.execute(sql)
    except error as err:
        raise exc.DBAPIError.instance(sql, (), err, error) from err
