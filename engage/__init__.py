"""Engage: self-hosted star ratings, comments and moderation for news sites."""
from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from engage.config import load_config
from engage.domain.identity import derive_key
from engage.extensions import babel, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: config → extensions → blueprints → errors → CLI.  No I/O besides
    reading configuration files.

    :param overrides: settings applied last (tests use this).
    :raises engage.config.ConfigError: on invalid or unsafe settings.
    """
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder="static", static_url_path="/static",
                instance_relative_config=True)
    load_config(app, overrides)
    init_secrets(app)
    init_extensions(app)
    init_assist(app)
    from engage.web import register_web

    register_web(app)
    from engage.web.cache import ReadCache

    app.extensions["engage_read_cache"] = ReadCache(app.config["READ_CACHE_ENTRIES"])
    from engage.web.fastpath import PublicReadFastPath

    app.wsgi_app = PublicReadFastPath(app, app.wsgi_app)  # type: ignore[method-assign]
    app.extensions["engage_fastpath"] = app.wsgi_app
    from engage.web.observability import MetricsMiddleware

    app.wsgi_app = MetricsMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    from engage.cli import engage_cli

    app.cli.add_command(engage_cli)
    return app


def init_secrets(app: Flask) -> None:
    """Derive the per-purpose keys; in development, fall back to a per-process random secret."""
    if not app.config.get("SECRET_KEY"):  # `engage serve` warns; production refused it already
        app.config["SECRET_KEY"] = secrets.token_hex(32)
        app.config["SECRET_KEY_EPHEMERAL"] = True
    secret = app.config["SECRET_KEY"]
    app.extensions["engage_keys"] = {
        "reader": derive_key(secret, "reader-token"),
        "ip": derive_key(secret, "ip-hash"),
        "webhook": derive_key(secret, "webhook"),
        "mail": derive_key(secret, "mail"),
    }


def init_extensions(app: Flask) -> None:
    """Bind the unbound extensions and the proxy fix to this app."""
    from engage.services.tx import install_engine_events

    install_engine_events()
    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    # Flask-Limiter keeps "storage unreachable, use the in-memory fallback" on the (shared)
    # extension object; a new app starts on its own configured storage.
    limiter._storage_dead = False
    skip_app_wide_limit_pass(app)
    login_manager.init_app(app)
    from engage.web.i18n import select_locale, select_timezone

    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone,
                   default_translation_directories=str(Path(__file__).parent / "translations"))


def skip_app_wide_limit_pass(app: Flask) -> bool:
    """Drop Flask-Limiter's app-wide ``before_request`` check when it has nothing to check.

    Flask-Limiter checks each request twice: in ``before_request`` for the default, application
    and meta limits, and in each ``@limiter.limit`` decorator for that route's limits.  Engage
    limits its write routes with decorators only, so the first pass evaluates an empty list on
    every request; its bookkeeping was 7 % of a vote's CPU (in-process A/B, December 2026).
    When the configuration sets none of ``RATELIMIT_DEFAULT``, ``RATELIMIT_APPLICATION`` and
    ``RATELIMIT_META`` the hook is removed; set one and it stays, so those limits apply as
    Flask-Limiter documents.  The decorators' checks, the in-memory fallback and its recovery
    run in the decorator pass either way.

    :returns: whether the pass was removed (``False`` also when limiting is off: Flask-Limiter
        then registers no hook).  ``tests/web/test_limiter_storage.py`` fails if a library
        upgrade registers it otherwise.
    """
    from flask_limiter.constants import ConfigVars

    if any(app.config.get(name) for name in (ConfigVars.DEFAULT_LIMITS,
                                              ConfigVars.APPLICATION_LIMITS,
                                              ConfigVars.META_LIMITS)):
        return False
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit not in hooks:  # RATELIMIT_ENABLED off: never registered
        return False
    hooks.remove(limiter._check_request_limit)
    return True


def init_assist(app: Flask) -> None:
    """The worker's moderation-assistant models (loaded on first use; see engage.services.assist)."""
    from engage.services.assist import AssistRuntime, AssistSettings

    cfg = app.config
    app.extensions["engage_assist"] = AssistRuntime(AssistSettings(
        enabled=bool(cfg["ASSIST_ENABLED"]),
        model_dir=Path(cfg["ASSIST_MODEL_DIR"] or Path(app.instance_path) / "assist"),
        hold_at=float(cfg["ASSIST_HOLD_THRESHOLD"]) if cfg["ASSIST_HOLD"] else None,
        reject_at=float(cfg["ASSIST_REJECT_THRESHOLD"]) if cfg["ASSIST_REJECT"] else None,
        top_terms=int(cfg["ASSIST_TOP_TERMS"])))
