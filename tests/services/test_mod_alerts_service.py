"""Moderator alerts (issue #11 part 1): the queue digest fires once at the threshold and not
again until the queue resets (and never within the interval), the daily summary once per
local day, by mail to opted-in moderators and as signed-webhook outbox rows."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from engage.domain.comments import CommentLimits
from engage.domain.identity import derive_key
from engage.models import (
    Comment, CommentStatus, MailOutbox, Membership, ModerationActionKind, Moderator, Role, Site,
    WebhookDelivery)
from engage.services import accounts, alert_prefs, comments, mod_alerts, moderation_actions
from engage.services.sites import update_site

LIMITS = CommentLimits(max_chars=500)
KEY = derive_key("test-secret", "mail")
SETTINGS = mod_alerts.AlertSettings(min_interval_s=3600, summary_hour=7, key=KEY)
# 10:00 in Hà Nội: after the summary hour, so the first run also sends a summary.
T0 = datetime(2026, 11, 30, 3, 0, tzinfo=timezone.utc)


@pytest.fixture
def alert_site(ctx, site):
    """Site ``news`` with a digest at 3 pending comments, the time threshold off, a webhook, and
    two moderators with addresses: one wants the digest, the other opted out of it."""
    s = ctx.execute(select(Site).where(Site.slug == site)).scalar_one()
    s.alert_pending, s.alert_oldest_minutes = 3, 0
    ctx.commit()
    update_site(ctx, site, webhook_url="https://cms.example/hook")
    for name, email in (("mai", "mai@news.example"), ("tuan", "tuan@news.example")):
        accounts.create_moderator(ctx, name, "correct horse battery", name.title(), [site],
                                  Role.MODERATOR)
        alert_prefs.set_alerts(ctx, name, email=email, site_slug=None, digest=None, daily=None,
                               key=KEY)
    alert_prefs.set_alerts(ctx, "tuan", email=None, site_slug=site, digest=False, daily=None,
                           key=KEY)
    return site


def _pending(ctx, site, now, n, start=0):
    return [comments.submit_comment(ctx, site, "a1", f"r{start + i}", "Độc giả",
                                    f"Bình luận số {start + i} đang chờ.", None, "net", now,
                                    LIMITS).id for i in range(n)]


def _rows(ctx, kind):
    return ctx.execute(select(MailOutbox).where(MailOutbox.kind == kind)
                       .order_by(MailOutbox.id)).scalars().all()


def _hooks(ctx, event):
    return ctx.execute(select(WebhookDelivery).where(WebhookDelivery.event == event)).scalars().all()


def _approve_all(ctx, ids, now):
    mod = ctx.execute(select(Moderator).where(Moderator.username == "mai")).scalar_one()
    moderation_actions.decide(ctx, mod, ids, ModerationActionKind.APPROVE, CommentStatus.PENDING,
                              now)


def test_digest_fires_once_at_the_threshold_then_not_until_reset(ctx, alert_site):
    _pending(ctx, alert_site, T0, 2)
    assert mod_alerts.run_alerts(ctx, T0, SETTINGS).digests == []
    _pending(ctx, alert_site, T0, 1, start=2)
    run = mod_alerts.run_alerts(ctx, T0 + timedelta(minutes=1), SETTINGS)
    assert run.digests == [alert_site]
    [mail] = _rows(ctx, "digest")
    assert mail.to_address == "mai@news.example"  # tuan opted out of the digest
    assert mail.payload["pending"] == 3
    [hook] = _hooks(ctx, mod_alerts.QUEUE_ALERT)
    assert hook.payload["pending"] == 3 and hook.payload["site"] == alert_site
    # Still over, and more comments arrive: no second digest, however long it lasts.
    _pending(ctx, alert_site, T0, 5, start=3)
    for minutes in (2, 30, 180, 600):
        assert mod_alerts.run_alerts(ctx, T0 + timedelta(minutes=minutes), SETTINGS).digests == []
    assert len(_rows(ctx, "digest")) == 1
    # The queue drops below the threshold: reset.  Passing it again fires again.
    pending = ctx.execute(select(Comment.id).where(
        Comment.status == CommentStatus.PENDING)).scalars().all()
    assert len(pending) == 8
    _approve_all(ctx, pending, T0 + timedelta(minutes=601))
    assert mod_alerts.run_alerts(ctx, T0 + timedelta(minutes=602), SETTINGS).digests == []
    assert ctx.execute(select(Site.alert_active)).scalar_one() is False
    _pending(ctx, alert_site, T0 + timedelta(minutes=603), 3, start=20)
    assert mod_alerts.run_alerts(ctx, T0 + timedelta(minutes=604), SETTINGS).digests == [alert_site]
    assert len(_rows(ctx, "digest")) == 2 and len(_hooks(ctx, mod_alerts.QUEUE_ALERT)) == 2


def test_digest_waits_for_the_interval_after_a_reset(ctx, alert_site):
    ids = _pending(ctx, alert_site, T0, 3)
    assert mod_alerts.run_alerts(ctx, T0, SETTINGS).digests == [alert_site]
    _approve_all(ctx, ids, T0 + timedelta(minutes=5))
    mod_alerts.run_alerts(ctx, T0 + timedelta(minutes=6), SETTINGS)  # reset
    _pending(ctx, alert_site, T0 + timedelta(minutes=7), 3, start=10)
    assert mod_alerts.run_alerts(ctx, T0 + timedelta(minutes=8), SETTINGS).digests == []
    assert mod_alerts.run_alerts(ctx, T0 + timedelta(minutes=61), SETTINGS).digests == [alert_site]
    assert len(_rows(ctx, "digest")) == 2


def test_the_oldest_wait_also_fires_the_digest(ctx, alert_site):
    s = ctx.execute(select(Site)).scalar_one()
    s.alert_pending, s.alert_oldest_minutes = 0, 30
    ctx.commit()
    _pending(ctx, alert_site, T0, 1)
    assert mod_alerts.run_alerts(ctx, T0 + timedelta(minutes=29), SETTINGS).digests == []
    assert mod_alerts.run_alerts(ctx, T0 + timedelta(minutes=30), SETTINGS).digests == [alert_site]
    assert _rows(ctx, "digest")[0].payload["oldest_minutes"] == 30


def test_daily_summary_once_per_local_day_from_the_hour(ctx, alert_site):
    # 06:59 in Hà Nội (UTC+7) on 30/11: too early; 07:00: the summary of 29/11.
    early = datetime(2026, 11, 29, 23, 59, tzinfo=timezone.utc)
    ids = _pending(ctx, alert_site, datetime(2026, 11, 29, 2, 0, tzinfo=timezone.utc), 2)
    _approve_all(ctx, ids[:1], datetime(2026, 11, 29, 3, 0, tzinfo=timezone.utc))
    assert mod_alerts.run_alerts(ctx, early, SETTINGS).summaries == []
    seven = early + timedelta(minutes=1)
    assert mod_alerts.run_alerts(ctx, seven, SETTINGS).summaries == [alert_site]
    assert mod_alerts.run_alerts(ctx, seven + timedelta(hours=10), SETTINGS).summaries == []
    rows = _rows(ctx, "daily")
    assert sorted(r.to_address for r in rows) == ["mai@news.example", "tuan@news.example"]
    assert rows[0].payload == {"day": "2026-11-29", "received": 2, "approved": 1,
                               "rejected": 0, "spam": 0, "pending": 1}
    [hook] = _hooks(ctx, mod_alerts.DAILY_SUMMARY)
    assert hook.payload["received"] == 2
    assert mod_alerts.run_alerts(ctx, seven + timedelta(days=1), SETTINGS).summaries == [alert_site]
    assert len(_rows(ctx, "daily")) == 4


def test_no_address_or_opted_out_means_no_mail(ctx, alert_site):
    alert_prefs.set_alerts(ctx, "mai", email="", site_slug=None, digest=None, daily=None, key=KEY)
    _pending(ctx, alert_site, T0, 3)
    assert mod_alerts.run_alerts(ctx, T0, SETTINGS).digests == [alert_site]
    assert _rows(ctx, "digest") == []  # mai has no address now, tuan opted out
    assert len(_hooks(ctx, mod_alerts.QUEUE_ALERT)) == 1


def test_alert_preferences_are_per_site(ctx, alert_site, open_site):
    mai = ctx.execute(select(Moderator).where(Moderator.username == "mai")).scalar_one()
    site_ids = {s.slug: s.id for s in ctx.execute(select(Site)).scalars()}
    ctx.add(Membership(moderator_id=mai.id, site_id=site_ids[open_site], role=Role.MODERATOR))
    ctx.commit()
    alert_prefs.save_alerts(ctx, mai.id, "Mai@News.Example", {site_ids[open_site]}, set(), KEY)
    email, prefs = alert_prefs.my_alerts(ctx, mai.id)
    assert email == "Mai@news.example"
    assert {(p.slug, p.digest, p.daily) for p in prefs} == {(alert_site, False, False),
                                                            (open_site, True, False)}
