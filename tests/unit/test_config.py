"""Layered configuration: defaults → $ENGAGE_CONFIG → ENGAGE_* env → overrides; fail fast."""
import pytest

from engage import create_app
from engage.config import ConfigError


def test_defaults_load_every_documented_key(monkeypatch, tmp_path):
    monkeypatch.delenv("ENGAGE_CONFIG", raising=False)
    app = create_app({"SECRET_KEY": "k" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["COMMENT_MAX_CHARS"] == 3000
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert app.config["TRUSTED_PROXY_HOPS"] == 0


def test_layers_apply_in_order(monkeypatch, tmp_path):
    deploy = tmp_path / "deploy.toml"
    deploy.write_text('COMMENT_MAX_CHARS = 2000\nCOMMENTS_PAGE_SIZE = 7\nDATABASE_URL = "postgresql://u@h/db"\n')
    monkeypatch.setenv("ENGAGE_CONFIG", str(deploy))
    monkeypatch.setenv("ENGAGE_COMMENTS_PAGE_SIZE", "9")
    monkeypatch.setenv("ENGAGE_RATELIMIT_ENABLED", "false")
    app = create_app({"SECRET_KEY": "k" * 40, "COMMENT_MIN_CHARS": 3})
    assert app.config["COMMENT_MAX_CHARS"] == 2000          # file
    assert app.config["COMMENTS_PAGE_SIZE"] == 9             # env beats file
    assert app.config["RATELIMIT_ENABLED"] is False          # env parsed as JSON
    assert app.config["COMMENT_MIN_CHARS"] == 3              # overrides last
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_secrets_and_credentials_are_taken_verbatim(monkeypatch):
    # from_prefixed_env parses JSON: without the verbatim list these came back as True and an int.
    monkeypatch.setenv("ENGAGE_MAIL_SMTP_PASSWORD", "true")
    monkeypatch.setenv("ENGAGE_MAIL_SMTP_USER", "12345")
    monkeypatch.setenv("ENGAGE_SECRET_KEY", "1" * 40)
    monkeypatch.setenv("ENGAGE_COMMENTS_PAGE_SIZE", "9")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["MAIL_SMTP_PASSWORD"] == "true"
    assert app.config["MAIL_SMTP_USER"] == "12345"
    assert app.config["SECRET_KEY"] == "1" * 40
    assert app.config["COMMENTS_PAGE_SIZE"] == 9  # other settings still parsed


def test_library_keys_in_overrides_win(monkeypatch):
    monkeypatch.setenv("ENGAGE_DATABASE_URL", "postgresql://u@h/db")
    app = create_app({"SECRET_KEY": "k" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite:///x.db"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///x.db"


def test_production_refuses_missing_or_short_secret(monkeypatch):
    monkeypatch.delenv("ENGAGE_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app({"DEPLOYMENT": "production", "SECRET_KEY": "short"})


def test_production_refuses_debug():
    with pytest.raises(ConfigError):
        create_app({"DEPLOYMENT": "production", "SECRET_KEY": "k" * 40, "DEBUG": True})


@pytest.mark.parametrize("key,value", [("COMMENT_MAX_CHARS", -1), ("COMMENTS_PAGE_SIZE", "20"),
                                       ("TRUSTED_PROXY_HOPS", True), ("DEPLOYMENT", "staging"),
                                       ("WIDGET_POLL_S", -1), ("WIDGET_POLL_S", "30"),
                                       ("WIDGET_POLL_MAX_S", 5), ("WIDGET_POLL_MAX_S", True)])
def test_invalid_values_fail_fast(key, value):
    with pytest.raises(ConfigError):
        create_app({"SECRET_KEY": "k" * 40, key: value})


def test_production_cookie_is_secure():
    app = create_app({"DEPLOYMENT": "production", "SECRET_KEY": "k" * 40,
                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_production_refuses_memory_limits_with_several_workers(monkeypatch):
    monkeypatch.delenv("ENGAGE_RATELIMIT_STORAGE_URI", raising=False)
    prod = {"DEPLOYMENT": "production", "SECRET_KEY": "k" * 40,
            "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    with pytest.raises(ConfigError, match="memory://"):
        create_app({**prod, "WORKERS": 4})
    monkeypatch.setenv("ENGAGE_WORKERS", "2")  # what config/gunicorn.conf.py exports
    with pytest.raises(ConfigError, match="memory://"):
        create_app(prod)
    assert create_app({**prod, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"})
    monkeypatch.delenv("ENGAGE_WORKERS")
    assert create_app(prod).config["WORKERS"] == 1          # one process may count alone
    assert create_app({"SECRET_KEY": "k" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                       "WORKERS": 4})                       # development is not refused


def test_metrics_networks_must_be_cidr():
    with pytest.raises(ConfigError, match="METRICS_ALLOWED_NETWORKS"):
        create_app({"SECRET_KEY": "k" * 40, "METRICS_ALLOWED_NETWORKS": ["not-a-network"]})


def test_postgresql_connections_time_out():
    app = create_app({"SECRET_KEY": "k" * 40, "DATABASE_URL": "postgresql://u@h/db",
                      "DB_CONNECT_TIMEOUT_S": 2})
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] == {"connect_timeout": 2}
