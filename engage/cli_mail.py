"""`engage` commands for mail: the sender/alert worker and moderators' alert addresses."""
from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial

import click
from flask import current_app
from flask.cli import with_appcontext

from engage.domain.errors import EngageError
from engage.extensions import db
from engage.models.types import utcnow
from engage.services import alert_prefs, mail_outbox, mod_alerts
from engage.services.mail_messages import MailSettings, compose
from engage.services.smtp import SmtpSettings, smtp_sender


@dataclass(frozen=True)
class MailWorker:
    """What one ``send-mail`` pass needs, built from config: the retry policy, the composer,
    the SMTP sender and the alert settings."""

    policy: mail_outbox.SendPolicy
    compose: mail_outbox.Compose
    send: mail_outbox.Send
    alerts: mod_alerts.AlertSettings

    def run_once(self, clock=utcnow, *, alerts: bool = True) -> int:
        """Evaluate alerts (unless told not to), then send until no full batch is left.

        :returns: how many outbox rows were attempted.
        """
        if alerts:
            mod_alerts.run_alerts(db.session, clock(), self.alerts)
        total = sent = mail_outbox.send_due(db.session, self.policy, self.compose, self.send, clock)
        while sent == self.policy.batch:  # a backlog: keep going without sleeping
            sent = mail_outbox.send_due(db.session, self.policy, self.compose, self.send, clock)
            total += sent
        return total


def mail_worker() -> MailWorker:
    """The :class:`MailWorker` of the current app's config (``MAIL_*``, ``ALERT_*``)."""
    cfg = current_app.config
    key = current_app.extensions["engage_keys"]["mail"]
    settings = MailSettings(cfg["PUBLIC_BASE_URL"].rstrip("/"), cfg["MAIL_FROM"], key)
    return MailWorker(
        policy=mail_outbox.SendPolicy(
            max_attempts=cfg["MAIL_MAX_ATTEMPTS"], backoff_base_s=cfg["MAIL_BACKOFF_BASE_S"],
            backoff_max_s=cfg["MAIL_BACKOFF_MAX_S"], lease_s=cfg["MAIL_LEASE_S"],
            batch=cfg["MAIL_BATCH"]),
        compose=partial(_compose, settings=settings),
        send=smtp_sender(SmtpSettings(
            cfg["MAIL_SMTP_HOST"], int(cfg["MAIL_SMTP_PORT"]), cfg["MAIL_SMTP_USER"],
            cfg["MAIL_SMTP_PASSWORD"], cfg["MAIL_SMTP_SECURITY"],
            float(cfg["MAIL_TIMEOUT_S"]))),
        alerts=mod_alerts.AlertSettings(cfg["ALERT_MIN_INTERVAL_S"], cfg["ALERT_SUMMARY_HOUR"],
                                        key))


def _compose(session, row, *, settings: MailSettings):
    return compose(session, row, settings)


@click.command("send-mail")
@with_appcontext
@click.option("--loop", is_flag=True, help="Keep going every MAIL_POLL_INTERVAL_S seconds.")
@click.option("--no-alerts", is_flag=True, help="Only send; do not evaluate moderator alerts.")
def send_mail(loop: bool, no_alerts: bool) -> None:
    """Evaluate moderator alerts, then send due mail (retrying failures with backoff)."""
    if not current_app.config["MAIL_SMTP_HOST"]:
        raise click.ClickException("MAIL_SMTP_HOST is not set (ENGAGE_MAIL_SMTP_HOST)")
    worker = mail_worker()
    total = 0
    while True:
        total += worker.run_once(alerts=not no_alerts)
        if not loop:
            break
        db.session.remove()
        time.sleep(current_app.config["MAIL_POLL_INTERVAL_S"])
    click.echo(f"mail attempted: {total}")


@click.command("moderator-alerts")
@with_appcontext
@click.argument("username")
@click.option("--email", default=None, help='Where alerts go ("" removes the address).')
@click.option("--site", "site_slug", default=None, help="The site the switches below apply to.")
@click.option("--digest/--no-digest", default=None, help="The pending-queue digest on this site.")
@click.option("--daily/--no-daily", default=None, help="The daily summary on this site.")
def moderator_alerts(username: str, email: str | None, site_slug: str | None,
                     digest: bool | None, daily: bool | None) -> None:
    """Set a moderator's alert address and, per site, which alerts they get."""
    try:
        alert_prefs.set_alerts(db.session, username, email=email, site_slug=site_slug,
                               digest=digest, daily=daily,
                               key=current_app.extensions["engage_keys"]["mail"])
    except EngageError as err:
        raise click.ClickException(f"{err.code} {err.params or ''}".strip()) from None
    click.echo(f"alerts updated for {username}")
