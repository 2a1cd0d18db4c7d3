"""Liveness, readiness (database and limiter storage, with details) and Prometheus metrics."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy.exc import SQLAlchemyError

from engage.extensions import db, limiter
from engage.services.ops import database_answers, pending_queue_sizes
from engage.web.observability import metrics_allowed, multiprocess_dir, queue_size_family

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The process answers."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    """Ready when the database answers; the limiter's storage is reported, not required.

    ``limiter.storage`` is ``memory`` (one process by configuration), ``redis`` (shared),
    ``memory-fallback`` (Redis unreachable: limits are counted per process until it answers
    again), or ``disabled`` (``RATELIMIT_ENABLED`` off: nothing to reach);
    ``limiter.storage_reachable`` is a fresh ping of the configured storage.
    Answers 503 while the database is down.
    """
    try:
        database_answers(db.session)
        database = "up"
    except SQLAlchemyError:
        database = "down"
    ready = database == "up"
    body = {"status": "ok" if ready else "unavailable", "database": database,
            "limiter": limiter_state()}
    return jsonify(body), 200 if ready else 503


def limiter_state() -> dict:
    """The limiter's storage as Flask-Limiter currently uses it (see :func:`readyz`)."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        # Flask-Limiter builds no storage when disabled (``limiter.storage`` asserts).
        return {"storage": "disabled", "storage_reachable": True}
    uri = str(current_app.config.get("RATELIMIT_STORAGE_URI", "memory://"))
    scheme = uri.split("://", 1)[0]
    if scheme == "memory":
        return {"storage": "memory", "storage_reachable": True}
    # Flask-Limiter keeps its fallback switch in ``_storage_dead`` (flask_limiter/_extension.py,
    # set when a storage call fails, cleared when a periodic ``check()`` succeeds).
    dead = bool(getattr(limiter, "_storage_dead", False))
    return {"storage": "memory-fallback" if dead else scheme,
            "storage_reachable": bool(limiter.storage.check())}


class _Scrape:
    """What one scrape reports: the process (or multiprocess) registry plus the queue gauge."""

    def __init__(self, base, queue_sizes: dict[str, int] | None) -> None:
        self.base, self.queue_sizes = base, queue_sizes

    def collect(self):
        yield from self.base.collect()
        if self.queue_sizes is not None:
            yield queue_size_family(self.queue_sizes)


@bp.get("/metrics")
def metrics():
    """Prometheus text format; 404 unless the client is allowed (``METRICS_*`` settings)."""
    cfg = current_app.config
    if not cfg["METRICS_ENABLED"] or not metrics_allowed(
            request.remote_addr, request.headers.get("Authorization"),
            cfg["METRICS_NETWORKS"], cfg["METRICS_TOKEN"]):
        abort(404)
    path = multiprocess_dir()
    if path:
        base = CollectorRegistry()
        MultiProcessCollector(base, path=path)
    else:
        base = REGISTRY
    try:
        sizes = pending_queue_sizes(db.session)
    except SQLAlchemyError:
        sizes = None  # the request metrics still matter most during an outage
    finally:
        db.session.rollback()
    return generate_latest(_Scrape(base, sizes)), 200, {"Content-Type": CONTENT_TYPE_LATEST,
                                                        "Cache-Control": "no-store"}
