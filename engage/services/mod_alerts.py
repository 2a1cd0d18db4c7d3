"""Moderator alerts (issue #11 part 1): a digest when a site's pending queue piles up, and a
daily summary — by mail to the moderators who want them and as signed webhooks.

Run by ``engage send-mail`` (each pass, before sending).  Never one mail per comment: a digest
fires once when the queue reaches ``site.alert_pending`` comments or its oldest has waited
``site.alert_oldest_minutes``, then not again until the queue has dropped below both (reset),
and never twice within ``min_interval_s`` for one site.  The summary goes once per local day
(the site's zone, Asia/Ho_Chi_Minh by default) from ``summary_hour`` on and covers the day
before.  Each site's step is one transaction with a conditional UPDATE on the state it read,
so two runs at once fire once; outbox keys (``digest:{site}:{n}:{moderator}``,
``daily:{site}:{day}:{moderator}``) make a mail unique anyway.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engage.domain.mail import (
    AlertThresholds, MailAddress, QueueFacts, address_hash, alert_step, local_day_bounds,
    summary_due)
from engage.models import (
    Comment, CommentStatus, Membership, ModerationAction, ModerationActionKind, Moderator, Site)
from engage.services.mail_outbox import enqueue
from engage.services.tx import write_transaction
from engage.services.webhooks import enqueue_site_event

QUEUE_ALERT, DAILY_SUMMARY = "moderation.queue_alert", "moderation.daily_summary"


@dataclass(frozen=True)
class AlertSettings:
    """``ALERT_MIN_INTERVAL_S``, ``ALERT_SUMMARY_HOUR`` and the mail key (hashes addresses)."""

    min_interval_s: int
    summary_hour: int
    key: bytes


@dataclass
class AlertRun:
    """Slugs of the sites whose digest fired and whose daily summary went in this run."""

    digests: list[str]
    summaries: list[str]


def run_alerts(session: Session, now: datetime, settings: AlertSettings) -> AlertRun:
    """Evaluate every site's alert conditions once; queue the mails and webhooks that are due."""
    run = AlertRun([], [])
    site_ids = session.execute(select(Site.id).order_by(Site.id)).scalars().all()
    session.rollback()
    for site_id in site_ids:
        if _digest_step(session, site_id, now, settings):
            run.digests.append(_slug(session, site_id))
        if _summary_step(session, site_id, now, settings):
            run.summaries.append(_slug(session, site_id))
    return run


def _slug(session: Session, site_id: int) -> str:
    return session.execute(select(Site.slug).where(Site.id == site_id)).scalar_one()


def queue_facts(session: Session, site_id: int) -> QueueFacts:
    """The site's pending count and oldest pending comment's time."""
    count, oldest = session.execute(select(func.count(), func.min(Comment.created_at)).where(
        Comment.site_id == site_id, Comment.status == CommentStatus.PENDING)).one()
    if oldest is not None and oldest.tzinfo is None:  # SQLite's aggregate skips the column type
        oldest = oldest.replace(tzinfo=timezone.utc)
    return QueueFacts(int(count), oldest)


def _digest_step(session: Session, site_id: int, now: datetime, settings: AlertSettings) -> bool:
    with write_transaction(session):
        site = session.get(Site, site_id)
        facts = queue_facts(session, site_id)
        limits = AlertThresholds(site.alert_pending, site.alert_oldest_minutes,
                                 settings.min_interval_s)
        fire, active = alert_step(facts, limits, site.alert_active, site.alert_sent_at, now)
        if not fire:
            if active != site.alert_active:
                site.alert_active = active
            return False
        seq = site.alert_seq + 1
        won = session.execute(update(Site).where(Site.id == site_id,
                                                 Site.alert_seq == site.alert_seq)
                              .values(alert_active=True, alert_sent_at=now, alert_seq=seq)
                              .execution_options(synchronize_session=False)).rowcount == 1
        if not won:
            return False
        oldest_minutes = (0 if facts.oldest_at is None
                          else int((now - facts.oldest_at).total_seconds() // 60))
        payload = {"pending": facts.pending, "oldest_minutes": oldest_minutes}
        for moderator_id, email in _recipients(session, site_id, Membership.alert_digest):
            enqueue(session, site_id=site_id, kind="digest",
                    dedupe_key=f"digest:{site_id}:{seq}:{moderator_id}",
                    to=MailAddress(email, address_hash(email, settings.key)), payload=payload,
                    now=now)
        enqueue_site_event(session, site_id, QUEUE_ALERT, {
            "pending": facts.pending, "oldest_pending_at": _iso(facts.oldest_at),
            "thresholds": {"pending": site.alert_pending,
                           "oldest_minutes": site.alert_oldest_minutes}}, now)
    return True


def _summary_step(session: Session, site_id: int, now: datetime, settings: AlertSettings) -> bool:
    with write_transaction(session):
        site = session.get(Site, site_id)
        day = summary_due(site.summary_day, now, site.timezone, settings.summary_hour)
        if day is None:
            return False
        won = session.execute(update(Site).where(Site.id == site_id,
                                                 Site.summary_day == site.summary_day)
                              .values(summary_day=day)
                              .execution_options(synchronize_session=False)).rowcount == 1
        if not won:
            return False
        payload = day_stats(session, site_id, day, site.timezone)
        for moderator_id, email in _recipients(session, site_id, Membership.alert_daily):
            enqueue(session, site_id=site_id, kind="daily",
                    dedupe_key=f"daily:{site_id}:{day}:{moderator_id}",
                    to=MailAddress(email, address_hash(email, settings.key)), payload=payload,
                    now=now)
        enqueue_site_event(session, site_id, DAILY_SUMMARY, payload, now)
    return True


def day_stats(session: Session, site_id: int, day: str, tz: str) -> dict:
    """Counts for the local day before ``day``: ``{"day" (the covered day, YYYY-MM-DD),
    "received", "approved", "rejected", "spam", "pending" (now)}``."""
    start, end = local_day_bounds(day, tz)
    received = session.execute(select(func.count()).where(
        Comment.site_id == site_id, Comment.created_at >= start, Comment.created_at < end)
    ).scalar_one()
    by_action = dict(session.execute(
        select(ModerationAction.action, func.count()).where(
            ModerationAction.site_id == site_id, ModerationAction.created_at >= start,
            ModerationAction.created_at < end,
            ModerationAction.action.in_([ModerationActionKind.APPROVE, ModerationActionKind.REJECT,
                                         ModerationActionKind.SPAM]))
        .group_by(ModerationAction.action)).all())
    return {"day": start.date().isoformat(), "received": received,
            "approved": by_action.get(ModerationActionKind.APPROVE, 0),
            "rejected": by_action.get(ModerationActionKind.REJECT, 0),
            "spam": by_action.get(ModerationActionKind.SPAM, 0),
            "pending": queue_facts(session, site_id).pending}


def _recipients(session: Session, site_id: int, wants) -> list[tuple[int, str]]:
    """Active moderators of the site with an address who opted in (``wants`` column)."""
    return [tuple(r) for r in session.execute(
        select(Moderator.id, Moderator.email).join(Membership, Membership.moderator_id == Moderator.id)
        .where(Membership.site_id == site_id, wants.is_(True), Moderator.active.is_(True),
               Moderator.email.is_not(None), Moderator.email != "")
        .order_by(Moderator.id)).all()]


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(timezone.utc).isoformat()
