"""Unbound extension instances, bound to an app by ``create_app`` (no app object imported here)."""
from __future__ import annotations

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from engage import limiter_storage  # noqa: F401 — registers the memory:// store (no timer threads)

# Constraint names are fixed so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for every Engage model."""

    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
# Every Engage route passes its own key function (reader token, then hashed IP network), so the
# default below is never used to key a limit; it exists because Limiter requires one.
limiter = Limiter(key_func=get_remote_address)


@limiter.request_filter
def _safe_methods_are_not_limited() -> bool:
    """Limits guard writes (DESIGN.md §8); reads are for the CDN and the ETag path to absorb,
    and skipping the limiter's per-request bookkeeping keeps them close to the floor."""
    return request.method in ("GET", "HEAD", "OPTIONS")
