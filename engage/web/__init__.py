"""Web layer: blueprints (thin views), error handling, security headers."""
from __future__ import annotations

from flask import Flask, redirect, url_for


def register_web(app: Flask) -> None:
    """Register every blueprint explicitly, then the error handlers and response headers."""
    from engage.web import api, demo, health, mail, moderation, widget
    from engage.web.cors import register_cors
    from engage.web.converters import IdConverter
    from engage.web.errors import register_error_handlers
    from engage.web.security import register_security

    app.url_map.converters["id"] = IdConverter
    app.register_blueprint(api.bp, url_prefix="/api/v1")
    app.register_blueprint(widget.bp)
    app.register_blueprint(moderation.bp, url_prefix="/moderation")
    app.register_blueprint(demo.bp, url_prefix="/demo")
    app.register_blueprint(mail.bp, url_prefix="/mail")
    app.register_blueprint(health.bp)
    app.add_url_rule("/", "index", lambda: redirect(url_for("demo.article")))
    from flask_babel import get_locale

    app.jinja_env.globals["get_locale"] = get_locale
    register_error_handlers(app)
    register_security(app)
    from engage.web.inputs import register_input_guard

    register_input_guard(app)
    from engage.web.observability import register_observability

    register_observability(app)
    register_cors(app)
