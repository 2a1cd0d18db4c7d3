"""A WSGI fast path for the hottest public read: article data that has not changed.

Every page view of every article asks for ``GET /api/v1/sites/{site}/articles/{article}``.
Its answer changes only when the article's ``version`` does (every write that changes it bumps
the version in the same transaction), so this layer, in front of Flask, looks the version up
with one indexed query and answers a conditional GET with 304, or a repeat GET from the
per-process body cache, without building a Flask request at all.  Anything else — a first
read, a bad parameter, an unknown site, a database error — falls through to the Flask view,
which is the single source of the body, the errors and the cache entries.
"""
from __future__ import annotations

import atexit
import re
import threading
from collections.abc import Callable, Iterable
from urllib.parse import parse_qs

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from engage.domain.errors import EngageError
from engage.extensions import db
from engage.services.direct import Pinned
from engage.services.reader_data import READER_EXISTS
from engage.services.listing import (
    counts_from_rows, counts_query_for, counts_query_key, counts_query_params, counts_signature,
    parse_article_keys)
from engage.services.sites import ARTICLE_KEY_RE, SLUG_RE, VERSION_QUERY
from engage.web.api.params import parse_page_args
from engage.web.api.views import article_etag, counts_body
from engage.web.cache import ReadCache, etag_for
from engage.web.observability import ENDPOINT_KEY

Answer = tuple[str, list[tuple[str, str]], bytes]
from engage.web.security import request_id_from, security_headers

_ARTICLE_PATH = re.compile(r"^/api/v1/sites/([^/]{1,64})/articles/([^/]{1,200})$")
_COUNTS_PATH = re.compile(r"^/api/v1/sites/([^/]{1,64})/counts$")


class NotPinned(Exception):
    """No pinned connection for this thread and the pinning budget is spent: ask Flask."""


class PublicReadFastPath:
    """WSGI middleware: answers unchanged article reads (304, or 200 from the body cache)."""

    def __init__(self, app: Flask, wsgi_app: Callable) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self._engine = None
        self._local = threading.local()
        self._pinned: list = []
        self._pinned_lock = threading.Lock()
        self._counts_compiled: dict[tuple, object] = {}  # (counts_query_key, versions_only)
        # counts_signature -> (body, ETag): its own LRU, a quarter the size of the bodies' one
        self._counts_answers = ReadCache(max(64, app.config["READ_CACHE_ENTRIES"] // 4))
        self._statements: dict[object, object] = {}  # statement -> compiled (run_statement)
        atexit.register(self.close)
        self.driver_errors: type[Exception] = SQLAlchemyError  # the DBAPI's, once known

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        # Cross-origin reads (Origin header) go to Flask, which answers CORS per site.
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD") and "HTTP_ORIGIN" not in environ:
            path = environ.get("PATH_INFO", "")
            answer = None
            if match := _ARTICLE_PATH.match(path):
                answer, endpoint = self._article(environ, match.group(1), match.group(2)), \
                    "api.get_article"
            elif match := _COUNTS_PATH.match(path):
                answer, endpoint = self._counts(environ, match.group(1)), "api.get_counts"
            if answer is not None:
                environ[ENDPOINT_KEY] = endpoint  # the metrics label Flask would have given
                status, headers, body = answer
                start_response(status, headers)
                return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]
        return self.wsgi_app(environ, start_response)

    def _article(self, environ: dict, site: str, article: str) -> Answer | None:
        """Article data by version: 304, or 200 from the cache, or ``None`` (ask Flask)."""
        cfg = self.app.config
        query = _query(environ)
        try:
            args = parse_page_args(query, cfg["COMMENTS_PAGE_SIZE"], cfg["COMMENTS_PAGE_SIZE_MAX"])
            version = self._version(site, article)
        except (EngageError, SQLAlchemyError, NotPinned, self.driver_errors):
            return None  # Flask answers the error properly
        if version is None:
            return None
        etag = article_etag(site, article, version, args)
        return self._conditional(environ, etag,
                                 lambda: self.app.extensions["engage_read_cache"].get(etag))

    def _counts(self, environ: dict, site: str) -> Answer | None:
        """Listing-page counts, then 304 when the client's copy is current.

        One query reads the articles' versions (:func:`counts_signature`); an answer built
        for the same signature is served from this process's cache, else the counts query
        builds it (and its ETag, the same the Flask view gives).
        """
        try:
            keys = parse_article_keys(",".join(_query_lists(environ).get("articles", ())))
            if not SLUG_RE.match(site):
                return None
            dialect = self.engine.dialect
            params = counts_query_params(dialect, site, keys)
            signature = counts_signature(site, keys, self._raw_rows(
                self._counts_statement(dialect, len(keys), True), params))
            if signature is None:
                return None  # no such site: Flask answers 404
            cached = self._counts_answers.get(signature)
            if cached is None:
                body = counts_body(counts_from_rows(keys, self._raw_rows(
                    self._counts_statement(dialect, len(keys), False), params)))
                cached = (body, etag_for("counts", body))
                self._counts_answers.put(signature, cached)
        except (EngageError, SQLAlchemyError, NotPinned, self.driver_errors):
            return None
        body, etag = cached
        return self._conditional(environ, etag, lambda: body)

    def _counts_statement(self, dialect, n_keys: int, versions_only: bool):
        """:func:`counts_query_for`, compiled once per shape."""
        which = (counts_query_key(dialect, n_keys), versions_only)
        compiled = self._counts_compiled.get(which)
        if compiled is None:
            compiled = self._counts_compiled[which] = counts_query_for(
                dialect, n_keys, versions_only=versions_only)
        return compiled

    def _conditional(self, environ: dict, etag: str, body: Callable[[], bytes | None]
                     ) -> Answer | None:
        """304 if ``If-None-Match`` holds ``etag``; else 200 with ``body()`` unless it is None."""
        cfg = self.app.config
        headers = [("ETag", f'"{etag}"'), ("Cache-Control", (
            f"public, max-age={cfg['PUBLIC_MAX_AGE_S']}, "
            f"stale-while-revalidate={cfg['PUBLIC_STALE_WHILE_REVALIDATE_S']}")),
            ("Vary", "Origin"),
            *security_headers(request_id_from(environ.get("HTTP_X_REQUEST_ID")))]
        if _matches(environ.get("HTTP_IF_NONE_MATCH", ""), etag):
            return "304 NOT MODIFIED", headers, b""
        content = body()
        if content is None:
            return None
        headers += [("Content-Type", "application/json"), ("Content-Length", str(len(content)))]
        return "200 OK", headers, content

    def _version(self, site: str, article: str) -> int | None:
        """:func:`article_version_on` on this thread's pinned DBAPI connection."""
        if not (SLUG_RE.match(site) and ARTICLE_KEY_RE.match(article)):
            return None
        _ = self.engine  # compiles the version query on first use
        rows = self._raw_rows(self._compiled, {"slug": site, "key": article})
        return None if not rows else (rows[0][1] or 0)

    def reader_active(self, reader_id: str) -> bool | None:
        """Whether the reader row exists (its token not revoked by erasure), on this thread's
        pinned connection; ``None`` when the database failed (ask the session instead).

        Every write carrying a token asks this; through the ORM session it opened a
        transaction and cost a quarter of a vote's time (cProfile of the rating PUT).
        """
        _ = self.engine
        try:
            return bool(self._raw_rows(self._reader_compiled, {"id": reader_id}))
        except (SQLAlchemyError, NotPinned, self.driver_errors):
            return None

    def run_statement(self, statement, values: dict) -> list | None:
        """All rows of one statement run in autocommit on this thread's pinned connection, or
        ``None`` when no connection could be pinned or the database failed (the caller runs it
        through the session, which reports the error as every other path does).

        Used for writes that are one statement and safe to run twice (the PostgreSQL vote:
        ``engage.services.ratings.PinnedRunner``).  The statement is compiled once per process;
        bind values go to the driver as given (no SQLAlchemy type processing).
        """
        _ = self.engine
        compiled = self._statements.get(statement)
        if compiled is None:
            compiled = self._statements[statement] = statement.compile(dialect=self.engine.dialect)
        try:
            return self._raw_rows(compiled, values)
        except (SQLAlchemyError, NotPinned, self.driver_errors):
            return None

    def pinned_connection(self) -> Pinned | None:
        """This thread's pinned DBAPI connection (``sqlite3`` or ``psycopg``, autocommit) as a
        :class:`~engage.services.direct.Pinned`, or ``None`` on an in-memory SQLite database
        (its pool hands every user on a thread the same connection, the session's too) or when
        none can be pinned (budget spent, checkout failed): the caller then goes through the
        session.

        Used for the comment POST's statements (``engage.services.direct``).
        """
        engine = self.engine
        if engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"):
            return None
        try:
            conn = self._thread_connection()
        except (SQLAlchemyError, NotPinned, self.driver_errors):
            return None
        return Pinned(conn.driver_connection, engine, lambda: self._discard(conn))

    def _thread_connection(self):
        """This thread's pinned connection, pinned now if it has none (:meth:`_pin`)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._pin()
        return conn

    def _raw_rows(self, compiled, values: dict) -> list:
        """Run a compiled statement on this thread's pinned DBAPI connection; all rows.

        These reads run on every page view, where SQLAlchemy's per-call connection checkout
        and result machinery cost several times the query itself; so each thread keeps one
        pooled DBAPI connection in autocommit and runs statements compiled once.  A failing
        connection is dropped (and returned to the pool as invalid) and the DBAPI error is
        raised, so the request falls through to Flask.
        """
        conn = self._thread_connection()
        params = compiled.construct_params(values)
        if compiled.positiontup:
            params = [params[name] for name in compiled.positiontup]
        try:
            cursor = conn.cursor()
            cursor.execute(compiled.string, params)
            rows = cursor.fetchall()
            cursor.close()
        except self.driver_errors:
            self._discard(conn)
            raise
        return rows

    def _discard(self, conn) -> None:
        """Give this thread's pinned ``conn`` back to the pool as invalid (it failed); the
        thread pins a fresh one on its next use."""
        if getattr(self._local, "conn", None) is conn:
            self._local.conn = None
        with self._pinned_lock:
            if conn not in self._pinned:
                return  # discarded already, or closed with all the pins
            self._pinned.remove(conn)
        conn.invalidate()

    def _pin(self):
        """Check out this thread's connection (autocommit), within the pinning budget.

        At most half the pool stays pinned (one connection per thread): a threaded server with
        more threads than that must leave connections for the sessions.  The slot is reserved
        under the lock *before* the checkout, which may wait on the pool: checking the budget
        and taking the slot in two steps let 25 threads arriving at once pin all ten pooled
        connections, and every other request then timed out on the pool (503; CI, December
        2026, ``test_fifty_readers_at_once_through_http``).

        :raises NotPinned: the budget is spent (or the pins were closed meanwhile).
        :raises sqlalchemy.exc.SQLAlchemyError: the checkout failed (pool timeout, database down).
        """
        budget = max(1, int(self.app.config["DB_POOL_SIZE"]) // 2)
        with self._pinned_lock:
            if len(self._pinned) >= budget:
                raise NotPinned()
            slot = object()
            self._pinned.append(slot)
        conn = None
        try:
            conn = self.engine.raw_connection()
            if self.engine.dialect.name == "postgresql":  # SQLite's is already (tx.py)
                conn.driver_connection.autocommit = True
        except BaseException:
            with self._pinned_lock:
                if slot in self._pinned:
                    self._pinned.remove(slot)
            if conn is not None:
                conn.invalidate()
            raise
        with self._pinned_lock:
            if slot in self._pinned:
                self._pinned[self._pinned.index(slot)] = conn
                return conn
        conn.close()  # close() ran while this thread was checking out
        raise NotPinned()

    def close(self) -> None:
        """Return every pinned connection to the pool (app teardown, process exit)."""
        with self._pinned_lock:
            pinned, self._pinned = self._pinned, []
        for conn in pinned:
            if hasattr(conn, "close"):  # not a slot reserved by a checkout under way
                conn.close()
        self._local = threading.local()

    @property
    def engine(self):
        """The app's engine (created lazily by Flask-SQLAlchemy inside an app context).

        The compiled statements are set before ``_engine`` is published, under a lock: a
        thread that sees the engine also sees them (two threads racing on a cold worker once
        met ``_reader_compiled`` missing).
        """
        if self._engine is None:
            with self._pinned_lock:
                if self._engine is None:
                    with self.app.app_context():
                        engine = db.engine
                    self._compiled = VERSION_QUERY.compile(dialect=engine.dialect)
                    self._reader_compiled = READER_EXISTS.compile(dialect=engine.dialect)
                    self.driver_errors = engine.dialect.loaded_dbapi.Error
                    self._engine = engine
        return self._engine


def _query(environ: dict) -> Callable[[str], str | None]:
    """First value of each query parameter, like ``request.args.get``."""
    query = _query_lists(environ)
    return lambda key: query[key][0] if key in query else None


def _query_lists(environ: dict) -> dict[str, list[str]]:
    """Every value of each query parameter, in order (``?articles=`` may repeat: the counts
    view joins them, :func:`~engage.web.api.params.strict_query_value`)."""
    return parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)


def _matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 §13.1.2 weak comparison of ``If-None-Match`` against our strong ETag."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    tags = (t.strip() for t in if_none_match.split(","))
    return any(t.removeprefix("W/").strip('"') == etag for t in tags)
