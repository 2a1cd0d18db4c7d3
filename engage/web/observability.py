"""Operations wiring: Prometheus metrics (prometheus_client) and JSON logs with the request id.

Metrics are prometheus_client objects at module level.  Under gunicorn, set the environment
variable ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory before the workers start
(``config/gunicorn.conf.py`` does): prometheus_client then keeps every worker's values in files
there, ``/metrics`` adds them up (``MultiProcessCollector``), and the gunicorn hook
``child_exit`` marks a dead worker's files (prometheus_client docs, "Multiprocess Mode").
"""
from __future__ import annotations

import ipaddress
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Iterable

from flask import Flask, g, has_request_context, request
from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from pythonjsonlogger.json import JsonFormatter

ENDPOINT_KEY = "engage.endpoint"  # WSGI environ key: the Flask endpoint that answered
UNMATCHED = "unmatched"           # no route (404) — never the raw path, which is unbounded

REQUESTS = Counter("engage_http_requests_total", "HTTP requests answered, by Flask endpoint.",
                   ["endpoint", "method", "status"])
LATENCY = Histogram("engage_http_request_duration_seconds",
                    "Time from the request reaching the app to its response, by endpoint.",
                    ["endpoint", "method"],
                    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
                             2.5, 5.0, 10.0))
COMMENTS = Counter("engage_comments_total",
                   "Comments submitted, by stored outcome (approved, pending, rejected, spam) "
                   "or 'replayed' for a retry answered from the first post.", ["outcome"])


class MetricsMiddleware:
    """WSGI middleware, outermost: counts and times every request, including those the read
    fast path answers without Flask.  The endpoint label comes from ``environ[ENDPOINT_KEY]``
    (set by Flask's ``after_request`` or by the fast path), so labels stay bounded."""

    def __init__(self, wsgi_app: Callable) -> None:
        self.wsgi_app = wsgi_app
        # ``labels()`` validates and locks on every call; the labelled children are cached
        # here (a bounded set: endpoints × methods × statuses) to keep the hot reads cheap.
        self._children: dict[tuple[str, str, str], tuple] = {}

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        status: list[str] = []

        def recording_start_response(code: str, headers, exc_info=None):
            status.append(code[:3])
            return start_response(code, headers, exc_info)

        try:
            return self.wsgi_app(environ, recording_start_response)
        finally:
            key = (environ.get(ENDPOINT_KEY, UNMATCHED), environ.get("REQUEST_METHOD", ""),
                   status[-1] if status else "500")
            children = self._children.get(key)
            if children is None:
                children = self._children[key] = (REQUESTS.labels(*key),
                                                   LATENCY.labels(*key[:2]))
            children[0].inc()
            children[1].observe(time.perf_counter() - started)

    def close(self) -> None:
        """Pass ``close`` through to the wrapped app (the fast path returns pinned connections)."""
        close = getattr(self.wsgi_app, "close", None)
        if close is not None:
            close()


def queue_size_family(sizes: dict[str, int]) -> GaugeMetricFamily:
    """The moderation queue gauge, computed at scrape time from the database.

    :param sizes: ``{site_slug: pending comments}`` (``services.ops.pending_queue_sizes``).
    """
    family = GaugeMetricFamily("engage_moderation_queue_size",
                               "Comments waiting for a moderator, per site.", labels=["site"])
    for site, count in sorted(sizes.items()):
        family.add_metric([site], count)
    return family


def metrics_allowed(remote_addr: str | None, authorization: str | None, networks: list,
                    token: str) -> bool:
    """Whether a client may read ``/metrics``.

    :param remote_addr: the client address (after ProxyFix's trusted hops).
    :param authorization: the ``Authorization`` header, if any.
    :param networks: parsed ``METRICS_ALLOWED_NETWORKS``.
    :param token: ``METRICS_TOKEN``; empty disables bearer access.
    """
    import hmac

    if token and authorization and authorization.startswith("Bearer "):
        if hmac.compare_digest(authorization[7:].encode(), token.encode()):
            return True
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in networks)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (and ``endpoint``) to every record logged during a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = g.get("request_id", "")
            record.endpoint = request.endpoint or UNMATCHED
        return True


_ANSI_STYLE = re.compile(r"\x1b\[[0-9;]*m")


class PlainJsonFormatter(JsonFormatter):
    """python-json-logger's formatter with terminal colour codes taken out of the message:
    Werkzeug's development server colours its request lines on a terminal (``\x1b[32m…``),
    which a JSON log line should not carry (new-user review)."""

    def process_log_record(self, log_record: dict) -> dict:
        """Strip ANSI SGR sequences from ``message``; everything else as the library does."""
        message = log_record.get("message")
        if isinstance(message, str) and "\x1b" in message:
            log_record["message"] = _ANSI_STYLE.sub("", message)
        return super().process_log_record(log_record)


def json_formatter() -> logging.Formatter:
    """One JSON object per line: time, level, logger, message, request id, and any extras."""
    return PlainJsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                         rename_fields={"asctime": "time", "levelname": "level",
                                        "name": "logger"},
                         datefmt="%Y-%m-%dT%H:%M:%S%z")


def configure_logging(app: Flask) -> None:
    """Send log records to stderr, as JSON when ``LOG_JSON`` (once per process).

    Under ``TESTING`` nothing is installed: pytest captures records itself.
    """
    if app.testing:
        return
    root = logging.getLogger()
    if any(getattr(h, "engage", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.engage = True  # type: ignore[attr-defined]
    handler.addFilter(RequestIdFilter())
    if app.config["LOG_JSON"]:
        handler.setFormatter(json_formatter())
    root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])


def register_observability(app: Flask) -> None:
    """Record each request's endpoint for the metrics middleware, and configure logging."""
    app.config["METRICS_NETWORKS"] = [ipaddress.ip_network(n, strict=False)
                                      for n in app.config["METRICS_ALLOWED_NETWORKS"]]
    configure_logging(app)

    @app.after_request
    def _endpoint(response):
        request.environ[ENDPOINT_KEY] = request.endpoint or UNMATCHED
        return response


def multiprocess_dir() -> str | None:
    """``PROMETHEUS_MULTIPROC_DIR`` when set (gunicorn), else ``None`` (one process)."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
