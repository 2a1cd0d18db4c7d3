"""Layered configuration: defaults.toml → $ENGAGE_CONFIG → ENGAGE_* env → overrides, then validated."""
from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

DEFAULTS_PATH = Path(__file__).resolve().parent.parent / "config" / "defaults.toml"
SECRET_FILE = "secret_key"


class ConfigError(RuntimeError):
    """A setting is missing or unsafe; raised by :func:`load_config` so the app fails fast."""


#: Settings taken from ``ENGAGE_<KEY>`` verbatim: ``from_prefixed_env`` parses values as JSON
#: where it can, which would turn a password ``true`` into ``True`` or a numeric secret key into
#: an int (Flask docs, ``Config.from_prefixed_env``).
VERBATIM_KEYS = ("SECRET_KEY", "DATABASE_URL", "MAIL_SMTP_USER", "MAIL_SMTP_PASSWORD",
                 "MAIL_FROM", "MAIL_SMTP_HOST")


def load_config(app: Flask, overrides: Mapping[str, Any] | None = None) -> None:
    """Fill ``app.config`` from every layer, later layers winning, then derive and validate.

    :param app: the application being built.
    :param overrides: applied last (tests, embedding); library keys such as
        ``SQLALCHEMY_DATABASE_URI`` or ``RATELIMIT_ENABLED`` work as their docs say.
    :raises ConfigError: an unknown deployment, or production with unsafe settings.
    """
    app.config.from_file(str(DEFAULTS_PATH), load=tomllib.load, text=False)
    deploy_file = os.environ.get("ENGAGE_CONFIG")
    if deploy_file:
        app.config.from_file(deploy_file, load=tomllib.load, text=False)
    app.config.from_prefixed_env("ENGAGE")
    for key in VERBATIM_KEYS:  # secrets and credentials exactly as the environment gives them
        if f"ENGAGE_{key}" in os.environ:
            app.config[key] = os.environ[f"ENGAGE_{key}"]
    if overrides:
        app.config.update(overrides)
    _derive(app)
    _validate(app.config)


def _derive(app: Flask) -> None:
    """Compute the settings that follow from others (database URI, engine options, secret)."""
    cfg = app.config
    if not cfg.get("SQLALCHEMY_DATABASE_URI"):
        url = cfg.get("DATABASE_URL") or ""
        if not url:
            url = "sqlite:///" + os.path.join(app.instance_path, "engage.sqlite3")
        cfg["SQLALCHEMY_DATABASE_URI"] = url
    uri = cfg["SQLALCHEMY_DATABASE_URI"]
    for prefix in ("postgresql://", "postgres://"):
        if uri.startswith(prefix):
            uri = "postgresql+psycopg://" + uri[len(prefix):]
    cfg["SQLALCHEMY_DATABASE_URI"] = uri
    options = dict(cfg.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("sqlite"):
        options.setdefault("connect_args", {"timeout": float(cfg["SQLITE_BUSY_TIMEOUT_S"]),
                                            "check_same_thread": False})
    else:
        # No pre-ping: it costs a round trip per checkout on the hottest path; a connection
        # that died is invalidated by SQLAlchemy on its first error and the pool refills.
        options.setdefault("pool_pre_ping", bool(cfg["DB_POOL_PRE_PING"]))
        options.setdefault("pool_size", int(cfg["DB_POOL_SIZE"]))
        options.setdefault("max_overflow", int(cfg["DB_MAX_OVERFLOW"]))
        options.setdefault("pool_timeout", float(cfg["DB_POOL_TIMEOUT_S"]))
        # libpq's connect_timeout: during an outage a new connection fails within this many
        # seconds (a refused port fails at once), so a request answers 503 instead of hanging.
        options.setdefault("connect_args", {"connect_timeout": int(cfg["DB_CONNECT_TIMEOUT_S"])})
    cfg["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if not cfg.get("SECRET_KEY"):
        secret_path = Path(app.instance_path) / SECRET_FILE
        if secret_path.is_file():
            cfg["SECRET_KEY"] = secret_path.read_text(encoding="ascii").strip()
    if cfg["DEPLOYMENT"] == "production":  # moderator cookies only over HTTPS in production
        cfg["SESSION_COOKIE_SECURE"] = True


def _validate(cfg: Mapping[str, Any]) -> None:
    """Refuse settings that would run unsafely.

    :raises ConfigError: see the messages.
    """
    if cfg["DEPLOYMENT"] not in ("development", "production"):
        raise ConfigError("DEPLOYMENT must be 'development' or 'production'")
    secret = cfg.get("SECRET_KEY")
    if cfg["DEPLOYMENT"] == "production":
        if not secret or len(str(secret)) < 32:
            raise ConfigError("production needs ENGAGE_SECRET_KEY of at least 32 characters")
        if cfg.get("DEBUG"):
            raise ConfigError("production refuses DEBUG")
        if (str(cfg.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://")
                and int(cfg.get("WORKERS") or 1) > 1):
            # Each worker would count on its own: N workers let N times every limit through.
            raise ConfigError("production with several workers needs a shared limiter storage "
                              "(RATELIMIT_STORAGE_URI=redis://…), not memory://")
    for key in ("COMMENT_MIN_CHARS", "COMMENT_MAX_CHARS", "AUTHOR_NAME_MAX_CHARS",
                "COMMENTS_PAGE_SIZE", "COMMENTS_PAGE_SIZE_MAX", "TRUSTED_PROXY_HOPS",
                "COMMENT_EDIT_WINDOW_S", "COMMENT_DUPLICATE_WINDOW_S", "IDEMPOTENCY_KEY_TTL_S",
                "WORKERS", "DB_CONNECT_TIMEOUT_S", "DB_RETRY_AFTER_S",
                "MODERATION_UNDO_WINDOW_S",
                "WEBHOOK_MAX_ATTEMPTS", "WEBHOOK_BACKOFF_BASE_S", "WEBHOOK_BACKOFF_MAX_S",
                "WEBHOOK_TIMEOUT_S", "WEBHOOK_LEASE_S", "WEBHOOK_BATCH", "WEBHOOK_POLL_INTERVAL_S",
                "RETENTION_IP_HASH_DAYS", "RETENTION_PENDING_DAYS", "RETENTION_MAIL_DAYS",
                "MAIL_SMTP_PORT", "MAIL_TIMEOUT_S", "MAIL_MAX_ATTEMPTS", "MAIL_BACKOFF_BASE_S",
                "MAIL_BACKOFF_MAX_S", "MAIL_LEASE_S", "MAIL_BATCH", "MAIL_POLL_INTERVAL_S",
                "MAIL_CONFIRM_MAX_AGE_S", "ALERT_MIN_INTERVAL_S", "ALERT_SUMMARY_HOUR"):
        value = cfg.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"{key} must be a non-negative integer, got {value!r}")
    if cfg["MAIL_SMTP_SECURITY"] not in ("starttls", "ssl", "none"):
        raise ConfigError("MAIL_SMTP_SECURITY must be 'starttls', 'ssl' or 'none'")
    if cfg["MAIL_LEASE_S"] <= cfg["MAIL_TIMEOUT_S"]:
        raise ConfigError("MAIL_LEASE_S must exceed MAIL_TIMEOUT_S")
    if not 0 <= cfg["ALERT_SUMMARY_HOUR"] <= 23:
        raise ConfigError("ALERT_SUMMARY_HOUR must be an hour from 0 to 23")
    if "@" not in str(cfg["MAIL_FROM"]):
        raise ConfigError("MAIL_FROM must be an e-mail address")
    if cfg["WEBHOOK_LEASE_S"] <= cfg["WEBHOOK_TIMEOUT_S"]:
        raise ConfigError("WEBHOOK_LEASE_S must exceed WEBHOOK_TIMEOUT_S")
    try:
        for network in cfg["METRICS_ALLOWED_NETWORKS"]:
            ipaddress.ip_network(network, strict=False)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"METRICS_ALLOWED_NETWORKS must be a list of CIDR networks: {err}")
    if cfg["COMMENT_MIN_CHARS"] > cfg["COMMENT_MAX_CHARS"]:
        raise ConfigError("COMMENT_MIN_CHARS exceeds COMMENT_MAX_CHARS")
    for key in ("ASSIST_HOLD_THRESHOLD", "ASSIST_REJECT_THRESHOLD"):
        value = cfg.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ConfigError(f"{key} must be a number from 0 to 1, got {value!r}")
    for key in ("WIDGET_POLL_S", "WIDGET_POLL_MAX_S"):
        value = cfg.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ConfigError(f"{key} must be a non-negative number of seconds, got {value!r}")
    if cfg["WIDGET_POLL_MAX_S"] < cfg["WIDGET_POLL_S"]:
        raise ConfigError("WIDGET_POLL_MAX_S must be at least WIDGET_POLL_S")
    top = cfg.get("ASSIST_TOP_TERMS")
    if not isinstance(top, int) or isinstance(top, bool) or not 0 <= top <= 20:
        raise ConfigError(f"ASSIST_TOP_TERMS must be an integer from 0 to 20, got {top!r}")
