"""The busiest SQLite write (a comment POST) on a pinned DBAPI connection, without the ORM.

On SQLite a statement costs SQLite tens of microseconds, and SQLAlchemy's per-statement and
per-transaction machinery (execution context, events, the session's begin and commit) several
times that.  Under gunicorn (``sync -w2``, wrk ``-c16``) a comment POST cost the workers 8.0 ms
of CPU through the session and 5.1 ms this way, 1.6× the requests per second
(``bench/ab.py --base f3f3c60``, December 2026; with the checkpoints moved off the request).
This module runs the same Core statements, compiled once, on the DBAPI connection the web layer
keeps open per thread (``engage.web.fastpath.PublicReadFastPath.pinned_connection``), with
SQLAlchemy's own bind and result processors applied, so every value is stored and read back
exactly as through a session (tests compare the rows written both ways).

Transactions keep the guarantees of :func:`engage.services.tx.write_transaction`: the writer
lock, ``BEGIN IMMEDIATE``, commit or roll back as one, checkpoints after the lock is released.
A driver error is raised as SQLAlchemy's (``sqlalchemy.exc.DBAPIError.instance``), so the web
layer answers it exactly as one raised through a session.
"""
from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from sqlalchemy import exc
from sqlalchemy.engine import Dialect, Engine

from engage.services import tx

log = logging.getLogger(__name__)


class PinnedConnection(Protocol):
    """Gives this thread's pinned SQLite DBAPI connection (autocommit: ``isolation_level`` is
    ``None``, set by :func:`engage.services.tx.install_engine_events`) and its engine, or
    ``None`` when none can be pinned (the caller then goes through the session)."""

    def __call__(self) -> tuple[sqlite3.Connection, Engine] | None: ...


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
        compiled = statement.compile(dialect=dialect, column_keys=column_keys)
        if "POSTCOMPILE" in compiled.string:
            raise ValueError("statement needs per-execution compiling (POSTCOMPILE)")
        prefetch = [*compiled.insert_prefetch, *compiled.update_prefetch]
        if prefetch:
            raise ValueError("a column takes a Python-side default: "
                             + ", ".join(c.key for c in prefetch))
        self.sql = compiled.string
        self.keys = list(compiled.positiontup or ())
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

    def parameters(self, values: Mapping[str, Any]) -> list:
        """The positional DBAPI parameters for ``values`` (keyed by bind parameter name).

        :raises KeyError: a required parameter is missing.
        """
        out = []
        for key, constant, process in self._params:
            if key is None:
                out.append(constant)
            else:
                value = values[key]
                out.append(process(value) if process is not None else value)
        return out

    def rows(self, conn: sqlite3.Connection, values: Mapping[str, Any]) -> list[tuple]:
        """Run the statement; all result rows as tuples of processed values (``[]`` for a
        statement returning nothing).

        :raises sqlalchemy.exc.DBAPIError: the driver failed (its error wrapped as SQLAlchemy
            would wrap it).
        """
        params = self.parameters(values)
        try:
            cursor = conn.execute(self.sql, params)
            raw = cursor.fetchall()
            cursor.close()
        except sqlite3.Error as err:
            raise exc.DBAPIError.instance(self.sql, params, err, sqlite3.Error) from err
        results = self._results
        if not any(results):
            return raw
        return [tuple(p(v) if p is not None else v for p, v in zip(results, row)) for row in raw]

    def mapping(self, conn: sqlite3.Connection, values: Mapping[str, Any]) -> dict | None:
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
def direct_write(conn: sqlite3.Connection, bind: Engine) -> Iterator[sqlite3.Connection]:
    """One write transaction on the pinned connection ``conn`` of ``bind``'s SQLite database:
    behind the writer lock (:func:`engage.services.tx._sqlite_writer_lock`), ``BEGIN
    IMMEDIATE``, commit at the end, roll back on any error; then a checkpoint now and then
    (:func:`engage.services.tx._checkpoint_now_and_then`), as ``write_transaction`` does.

    :raises sqlalchemy.exc.DBAPIError: BEGIN or COMMIT failed (e.g. ``database is locked``
        after the busy timeout); nothing was written.
    """
    with tx._sqlite_writer_lock(bind.url.database):  # looked up per call: benches time it
        try:
            _driver(conn, "BEGIN IMMEDIATE")
            yield conn
            _driver(conn, "COMMIT")
        except BaseException:
            _roll_back(conn)
            raise
    tx._checkpoint_now_and_then(bind)


def _roll_back(conn: sqlite3.Connection) -> None:
    """Roll back whatever ``conn`` holds open, so the pinned connection is usable again.

    A failing rollback is logged, not raised: the error that caused it is the one to answer
    (SQLite rolls a transaction back itself when the connection closes).
    """
    try:
        if conn.in_transaction:
            conn.rollback()
    except sqlite3.Error:
        log.warning("rollback of a direct SQLite write failed", exc_info=True)


def _driver(conn: sqlite3.Connection, sql: str) -> None:
    """Run a transaction-control statement, wrapping a driver error as SQLAlchemy does."""
    try:
        conn.execute(sql)
    except sqlite3.Error as err:
        raise exc.DBAPIError.instance(sql, (), err, sqlite3.Error) from err
