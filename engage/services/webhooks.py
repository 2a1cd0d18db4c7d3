"""Signed webhooks through a transactional outbox: events are written with the change they
report and delivered later, outside any request, by ``engage deliver-webhooks``."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engage.domain.embedding import backoff_seconds, sign_webhook, webhook_secret
from engage.models import Article, CommentStatus, Site, WebhookDelivery
from engage.services.tx import write_transaction

PUBLISHED, REMOVED = "comment.published", "comment.removed"
# Header names a receiver reads (README "Site integration").
SIGNATURE_HEADER = "X-Engage-Signature"
TIMESTAMP_HEADER = "X-Engage-Timestamp"
EVENT_HEADER = "X-Engage-Event"
DELIVERY_HEADER = "X-Engage-Delivery"


def enqueue_comment_change(session: Session, article_id: int, comment_id: int,
                           before: CommentStatus | None, after: CommentStatus,
                           now: datetime, *, content_changed: bool = False) -> None:
    """Queue ``comment.published`` or ``comment.removed`` when a comment enters or leaves
    ``approved`` (or a published one's text changed), if its site has a webhook URL.  Call
    inside the change's transaction, so the event commits or rolls back with it.

    :param before: the status before (``None`` for a new comment).
    """
    was, is_ = before is CommentStatus.APPROVED, after is CommentStatus.APPROVED
    if was == is_ and not (is_ and content_changed):
        return
    row = session.execute(
        select(Site.id, Site.slug, Site.webhook_url, Article.key, Article.url)
        .join(Article, Article.site_id == Site.id).where(Article.id == article_id)).first()
    if row is None or not row.webhook_url:
        return
    event = PUBLISHED if is_ else REMOVED
    session.add(WebhookDelivery(
        site_id=row.id, event=event, url=row.webhook_url, created_at=now, next_attempt_at=now,
        payload={"event": event, "site": row.slug, "article": row.key, "article_url": row.url,
                 "comment_id": comment_id, "status": after.value,
                 "occurred_at": now.astimezone(timezone.utc).isoformat()}))


def enqueue_site_event(session: Session, site_id: int, event: str, data: dict,
                       now: datetime) -> None:
    """Queue a site-level event (``moderation.queue_alert``, ``moderation.daily_summary``)
    if the site has a webhook URL, inside the caller's transaction.  The payload is ``data``
    plus ``event``, ``site`` (slug) and ``occurred_at``; signed and retried like comment events.
    """
    row = session.execute(select(Site.slug, Site.webhook_url).where(Site.id == site_id)).first()
    if row is None or not row.webhook_url:
        return
    session.add(WebhookDelivery(
        site_id=site_id, event=event, url=row.webhook_url, created_at=now, next_attempt_at=now,
        payload={"event": event, "site": row.slug, **data,
                 "occurred_at": now.astimezone(timezone.utc).isoformat()}))


@dataclass(frozen=True)
class Outgoing:
    """One HTTP POST to make: where, the exact body bytes and the headers (signature included)."""

    delivery_id: int
    url: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class DeliveryPolicy:
    """Retry settings (config ``WEBHOOK_*``): attempts before giving up, backoff base and cap
    in seconds, a claim lease in seconds (how long a row stays hidden from other deliverers
    while one is sending it) and the batch size."""

    max_attempts: int
    backoff_base_s: int
    backoff_max_s: int
    lease_s: int
    batch: int


def claim_due(session: Session, key: bytes, now: datetime, policy: DeliveryPolicy
              ) -> list[Outgoing]:
    """Claim up to ``policy.batch`` due deliveries and build their signed requests.

    A claim moves ``next_attempt_at`` past the lease with a conditional UPDATE, so two
    deliverers running at once do not send the same row twice (a deliverer that dies
    mid-send leaves the row to be retried when the lease ends: at-least-once delivery).
    :param key: the server's webhook key (secrets are derived from it per site).
    """
    with write_transaction(session):
        rows = session.execute(
            select(WebhookDelivery, Site.webhook_key_version)
            .join(Site, Site.id == WebhookDelivery.site_id)
            .where(WebhookDelivery.delivered_at.is_(None), WebhookDelivery.failed_at.is_(None),
                   WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(policy.batch)).all()
        lease_end = now + timedelta(seconds=policy.lease_s)
        claimed = []
        for delivery, version in rows:
            if session.execute(update(WebhookDelivery).where(
                    WebhookDelivery.id == delivery.id, WebhookDelivery.next_attempt_at <= now)
                    .values(next_attempt_at=lease_end)
                    .execution_options(synchronize_session=False)).rowcount == 1:
                secret = webhook_secret(key, delivery.site_id, version).encode("ascii")
                claimed.append(_outgoing(delivery, secret, now))
    return claimed


def _outgoing(delivery: WebhookDelivery, secret: bytes, now: datetime) -> Outgoing:
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = int(now.timestamp())
    return Outgoing(delivery.id, delivery.url, body, {
        "Content-Type": "application/json", EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: str(delivery.id), TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign_webhook(secret, timestamp, body)})


def record_result(session: Session, delivery_id: int, error: str | None, now: datetime,
                  policy: DeliveryPolicy) -> None:
    """Mark a delivery done, or schedule its retry with exponential backoff, or give up after
    ``policy.max_attempts`` attempts (``failed_at`` set, ``last_error`` kept for operators).

    :param error: ``None`` on a 2xx answer, else what went wrong (status or exception text).
    """
    with write_transaction(session):
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            return
        delivery.attempts += 1
        if error is None:
            delivery.delivered_at = now
            delivery.last_error = ""
            return
        delivery.last_error = error[:500]
        if delivery.attempts >= policy.max_attempts:
            delivery.failed_at = now
        else:
            delivery.next_attempt_at = now + timedelta(seconds=backoff_seconds(
                delivery.attempts, policy.backoff_base_s, policy.backoff_max_s))


def deliver_due(session: Session, key: bytes, policy: DeliveryPolicy,
                send: Callable[[Outgoing], str | None], clock: Callable[[], datetime]) -> int:
    """One pass: claim what is due, send each outside any transaction, record each result.

    :param send: makes the HTTP request; returns ``None`` on success or an error text.
    :returns: how many deliveries were attempted.
    """
    batch = claim_due(session, key, clock(), policy)
    for outgoing in batch:
        record_result(session, outgoing.delivery_id, send(outgoing), clock(), policy)
    return len(batch)


def http_sender(timeout_s: float) -> Callable[[Outgoing], str | None]:
    """A ``send`` for :func:`deliver_due` over urllib: any 2xx is success; redirects are not
    followed (a receiver that moved must be re-registered), nor is anything retried here."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # noqa: D102 - refuse every redirect
            return None

    opener = urllib.request.build_opener(_NoRedirect)

    def send(outgoing: Outgoing) -> str | None:
        request = urllib.request.Request(outgoing.url, data=outgoing.body, method="POST",
                                         headers=outgoing.headers)
        try:
            with opener.open(request, timeout=timeout_s) as response:
                return None if 200 <= response.status < 300 else f"HTTP {response.status}"
        except urllib.error.HTTPError as err:
            return f"HTTP {err.code}"
        except (urllib.error.URLError, OSError, ValueError) as err:
            return f"{type(err).__name__}: {err}"

    return send
