"""`engage purge`, `engage export` and `engage import …`: data rights and moving data in and out."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from engage.extensions import db
from engage.models.types import utcnow
from engage.services import retention


@click.command("purge")
@with_appcontext
def purge_command() -> None:
    """Forget old IP network hashes and long-pending comments (retention settings; cron-safe)."""
    cfg = current_app.config
    result = retention.purge(db.session, utcnow(), cfg["RETENTION_IP_HASH_DAYS"],
                             cfg["RETENTION_PENDING_DAYS"])
    click.echo(f"network hashes blanked: {result.ip_hashes} "
               f"(older than {cfg['RETENTION_IP_HASH_DAYS']} days)")
    click.echo(f"pending comments deleted: {result.pending_comments} "
               f"(pending longer than {cfg['RETENTION_PENDING_DAYS']} days)")
