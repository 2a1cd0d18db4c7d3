"""`engage` commands for embedding: site origins and theme, the integration API key, the
webhook secret and the webhook deliverer."""
from __future__ import annotations

import json
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from engage.domain.embedding import webhook_secret
from engage.domain.errors import EngageError
from engage.extensions import db
from engage.models.types import utcnow
from engage.services import integration, sites, webhooks
from engage.services.tx import write_transaction


def _fail(err: EngageError) -> None:
    raise click.ClickException(f"{err.code} {err.params or ''}".strip())


@click.command("update-site")
@with_appcontext
@click.argument("slug")
@click.option("--origin", "origins", multiple=True,
              help="Allowed embedding origin, exact scheme://host[:port] (repeat; replaces the list).")
@click.option("--theme", "theme_json", default=None,
              help='Theme as JSON, e.g. \'{"accent": "#0a5", "font": "serif", "radius": 6}\' (replaces it).')
@click.option("--webhook-url", default=None, help='Where comment events are POSTed ("" stops them).')
def update_site(slug: str, origins: tuple[str, ...], theme_json: str | None,
                webhook_url: str | None) -> None:
    """Change a site's allowed origins, theme or webhook URL."""
    try:
        theme = json.loads(theme_json) if theme_json is not None else None
    except ValueError as err:
        raise click.BadParameter(f"not JSON: {err}", param_hint="--theme") from None
    if theme is not None and not isinstance(theme, dict):
        raise click.BadParameter("a JSON object is needed", param_hint="--theme")
    try:
        sites.update_site(db.session, slug, origins=list(origins) if origins else None,
                          theme=theme, webhook_url=webhook_url)
    except EngageError as err:
        _fail(err)
    click.echo(f"updated site {slug}")


@click.command("create-api-key")
@with_appcontext
@click.argument("slug")
def create_api_key(slug: str) -> None:
    """Issue the site's integration API key (replaces the old one; shown only now)."""
    try:
        key = integration.create_api_key(db.session, slug)
    except EngageError as err:
        _fail(err)
    click.echo(key)


@click.command("webhook-secret")
@with_appcontext
@click.argument("slug")
@click.option("--rotate", is_flag=True, help="Issue a new secret; the old one stops at once.")
def show_webhook_secret(slug: str, rotate: bool) -> None:
    """Print the secret the site's webhooks are signed with (derived, never stored)."""
    try:
        with write_transaction(db.session):
            site = sites.get_site(db.session, slug)
            if rotate:
                site.webhook_key_version += 1
            site_id, version = site.id, site.webhook_key_version
    except EngageError as err:
        _fail(err)
    click.echo(webhook_secret(current_app.extensions["engage_keys"]["webhook"], site_id,
                              version))


@click.command("deliver-webhooks")
@with_appcontext
@click.option("--loop", is_flag=True, help="Keep delivering every WEBHOOK_POLL_INTERVAL_S seconds.")
def deliver_webhooks(loop: bool) -> None:
    """Send due webhook deliveries (retrying failures with exponential backoff)."""
    cfg = current_app.config
    policy = webhooks.DeliveryPolicy(
        max_attempts=cfg["WEBHOOK_MAX_ATTEMPTS"], backoff_base_s=cfg["WEBHOOK_BACKOFF_BASE_S"],
        backoff_max_s=cfg["WEBHOOK_BACKOFF_MAX_S"], lease_s=cfg["WEBHOOK_LEASE_S"],
        batch=cfg["WEBHOOK_BATCH"])
    send = webhooks.http_sender(float(cfg["WEBHOOK_TIMEOUT_S"]))
    key = current_app.extensions["engage_keys"]["webhook"]
    while True:
        sent = webhooks.deliver_due(db.session, key, policy, send, utcnow)
        while sent == policy.batch:  # a backlog: keep going without sleeping
            sent = webhooks.deliver_due(db.session, key, policy, send, utcnow)
        if not loop:
            break
        db.session.remove()
        time.sleep(cfg["WEBHOOK_POLL_INTERVAL_S"])
    click.echo("webhook deliveries done")
