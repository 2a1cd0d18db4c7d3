"""`flask engage …` and the `engage` console script: set-up and maintenance commands."""
from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup

from engage.cli_assist import assist_cli
from engage.cli_embed import (
    create_api_key, deliver_webhooks, show_webhook_secret, update_site)
from engage.cli_interop import export_command, import_group, purge_command
from engage.cli_mail import moderator_alerts, send_mail
from engage.cli_moderation import eval_moderation
from engage.domain.errors import EngageError
from engage.extensions import db
from engage.models import Role
from engage.services import accounts, counters, demo, sites

engage_cli = AppGroup("engage", help="Engage administration commands.")
engage_cli.add_command(eval_moderation)
engage_cli.add_command(assist_cli)
for _command in (update_site, create_api_key, show_webhook_secret, deliver_webhooks):
    engage_cli.add_command(_command)
engage_cli.add_command(purge_command)
engage_cli.add_command(send_mail)
engage_cli.add_command(moderator_alerts)
engage_cli.add_command(export_command)
engage_cli.add_command(import_group)


def _fail(err: EngageError) -> None:
    raise click.ClickException(f"{err.code} {err.params or ''}".strip())


@engage_cli.command("init-db")
def init_db() -> None:
    """Create or upgrade the database schema (Alembic migrations) and the local secret key."""
    from flask_migrate import upgrade

    instance = Path(current_app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    secret_file = instance / "secret_key"
    if (current_app.config["DEPLOYMENT"] == "development" and not os.environ.get("ENGAGE_SECRET_KEY")
            and not secret_file.exists()):
        secret_file.write_text(secrets.token_hex(32), encoding="ascii")
        secret_file.chmod(0o600)
        click.echo(f"wrote a new secret key to {secret_file}")
    upgrade()
    click.echo("database schema is up to date")


@engage_cli.command("create-site")
@click.argument("slug")
@click.option("--name", required=True, help="Display name of the news site.")
@click.option("--origin", "origins", multiple=True, help="Allowed embedding origin (repeat).")
@click.option("--post-moderation", is_flag=True, help="Publish at once (default: pre-moderation).")
@click.option("--auto-create-articles", is_flag=True, help="Create articles on first use.")
def create_site(slug: str, name: str, origins: tuple[str, ...], post_moderation: bool,
                auto_create_articles: bool) -> None:
    """Create a site (tenant)."""
    try:
        sites.create_site(db.session, slug, name, origins, premoderation=not post_moderation,
                          auto_create_articles=auto_create_articles)
    except EngageError as err:
        _fail(err)
    click.echo(f"created site {slug}")


@engage_cli.command("create-moderator")
@click.argument("username")
@click.option("--site", "site_slugs", multiple=True, required=True, help="Site slug (repeat).")
@click.option("--name", default="", help="Display name.")
@click.option("--admin", is_flag=True, help="Site admin role.")
@click.password_option(help="Password (prompted when omitted).")
def create_moderator(username: str, site_slugs: tuple[str, ...], name: str, admin: bool,
                     password: str) -> None:
    """Create a moderator account for one or more sites."""
    try:
        accounts.create_moderator(db.session, username, password, name, list(site_slugs),
                                  Role.ADMIN if admin else Role.MODERATOR)
    except EngageError as err:
        _fail(err)
    click.echo(f"created moderator {username}")


@engage_cli.command("demo")
@click.option("--origin", "origins", multiple=True,
              help="Allowed embedding origin; default: this server on 127.0.0.1 and localhost.")
def demo_command(origins: tuple[str, ...]) -> None:
    """Load the demo site, its seed article and a moderator (idempotent; prints the password)."""
    port = current_app.config["SERVE_PORT"]
    origins = origins or (f"http://127.0.0.1:{port}", f"http://localhost:{port}")
    account = demo.seed_demo(db.session, list(origins))
    click.echo(f"demo site ready: http://127.0.0.1:{port}/demo/")
    click.echo(f"moderator login at http://127.0.0.1:{port}/moderation/login")
    click.echo(f"  username: {account.username}")
    click.echo(f"  password: {account.password}")


@engage_cli.command("verify-counters")
@click.option("--fix", is_flag=True, help="Rewrite drifted counters from the rows.")
def verify_counters(fix: bool) -> None:
    """Recompute every article's aggregates and comments' likes from the rows; exit 1 on drift."""
    drifts = counters.verify_counters(db.session, fix=fix)
    for drift in drifts:
        click.echo(f"article {drift.article_id}: " + ", ".join(
            f"{k} stored {a} actual {b}" for k, (a, b) in drift.differences.items()))
    click.echo(f"{len(drifts)} article(s) drifted" + (" (fixed)" if fix and drifts else ""))
    if drifts and not fix:
        sys.exit(1)


@engage_cli.command("serve")
@click.option("--port", type=int, default=None, help="Port (default SERVE_PORT, 5000).")
def serve(port: int | None) -> None:
    """Serve on 127.0.0.1 with the built-in server (local use; production runs gunicorn)."""
    from werkzeug.serving import run_simple

    if current_app.config.get("SECRET_KEY_EPHEMERAL"):
        click.echo("warning: no ENGAGE_SECRET_KEY and no instance/secret_key (run `engage "
                   "init-db`): reader tokens and logins end when this process stops", err=True)
    run_simple("127.0.0.1", port or current_app.config["SERVE_PORT"],
               current_app._get_current_object(), threaded=True)


def main() -> None:
    """Entry point of the ``engage`` console script: the engage commands at top level."""
    from engage import create_app

    group = FlaskGroup(name="engage", create_app=lambda: create_app(),
                       add_default_commands=False, add_version_option=False,
                       load_dotenv=False, set_debug_flag=False)
    for command in engage_cli.commands.values():
        group.add_command(command)
    group.main(prog_name="engage")
