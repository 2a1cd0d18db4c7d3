"""Mail rules without I/O: address normalisation and hashing, and when a moderator alert fires.

Issue #11: readers may leave an address for reply notices; moderators get a digest when the
pending queue passes a threshold, once, until it drops back below (never one mail per comment).
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from engage.domain.errors import InvalidInput

MAX_ADDRESS_CHARS = 254  # RFC 5321 §4.5.3.1.3 (path) less the angle brackets


@dataclass(frozen=True)
class MailAddress:
    """A validated address: ``address`` normalised (domain lower-cased and IDNA-checked by
    email-validator, local part as typed) and its keyed ``hash`` (64 hex digits)."""

    address: str
    hash: str


def normalise_address(raw: str, key: bytes) -> MailAddress:
    """Validate and normalise an address a reader typed (syntax only: no DNS lookup, so a
    comment never waits on a resolver).

    :param key: the server's mail key (``derive_key(secret, "mail")``).
    :raises InvalidInput: ``email_invalid`` (field ``email``).
    """
    try:
        valid = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise InvalidInput("email_invalid", field="email") from None
    local, _, domain = valid.normalized.rpartition("@")
    address = f"{local}@{domain.lower()}"
    if len(address) > MAX_ADDRESS_CHARS:
        raise InvalidInput("email_invalid", field="email")
    return MailAddress(address, address_hash(address, key))


def address_hash(address: str, key: bytes) -> str:
    """HMAC-SHA256 of the normalised address (local part case-folded: mail providers treat it
    case-insensitively in practice, so ``An@x.vn`` and ``an@x.vn`` are one subscriber)."""
    local, _, domain = address.rpartition("@")
    return hmac.new(key, f"{local.casefold()}@{domain.lower()}".encode("utf-8"),
                    hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class QueueFacts:
    """A site's pending queue now: how many comments wait and since when the oldest waits."""

    pending: int
    oldest_at: datetime | None


@dataclass(frozen=True)
class AlertThresholds:
    """Fire at ``pending`` comments (0: off) or an oldest wait of ``oldest_minutes`` (0: off);
    never two digests for one site less than ``min_interval_s`` seconds apart."""

    pending: int
    oldest_minutes: int
    min_interval_s: int


def queue_over(facts: QueueFacts, limits: AlertThresholds, now: datetime) -> bool:
    """Whether the queue is at or past either threshold."""
    if limits.pending and facts.pending >= limits.pending:
        return True
    return bool(limits.oldest_minutes and facts.oldest_at is not None
                and now - facts.oldest_at >= timedelta(minutes=limits.oldest_minutes))


def alert_step(facts: QueueFacts, limits: AlertThresholds, active: bool,
               last_sent: datetime | None, now: datetime) -> tuple[bool, bool]:
    """Decide the digest: ``(fire, active_after)``.

    Fires when the queue is over a threshold, no digest is active (one fired and the queue has
    not dropped below both thresholds since) and the last digest is at least
    ``min_interval_s`` old.  An active alert resets when the queue is below both thresholds.
    """
    over = queue_over(facts, limits, now)
    if not over:
        return False, False
    if active:
        return False, True
    if last_sent is not None and now - last_sent < timedelta(seconds=limits.min_interval_s):
        return False, False
    return True, True


def summary_due(last_day: str, now: datetime, tz: str, hour: int) -> str | None:
    """The local date (``YYYY-MM-DD``) a daily summary is due for, or ``None``.

    Due once per local day in the site's zone (Asia/Ho_Chi_Minh by default), from ``hour``
    o'clock on; it covers the day before.
    """
    local = now.astimezone(ZoneInfo(tz))
    today = local.date().isoformat()
    if local.hour < hour or last_day == today:
        return None
    return today


def local_day_bounds(day: str, tz: str) -> tuple[datetime, datetime]:
    """The aware start and end of the local day *before* ``day`` (what a summary covers)."""
    start_today = datetime.fromisoformat(day).replace(tzinfo=ZoneInfo(tz))
    return start_today - timedelta(days=1), start_today


CONFIRM, UNSUBSCRIBE = "engage.mail.confirm", "engage.mail.unsubscribe"


def sign_link(key: bytes, purpose: str, value: object) -> str:
    """A URL-safe signed token carrying ``value`` (itsdangerous, one salt per purpose, so a
    confirmation token never works as an unsubscribe token or the reverse)."""
    return URLSafeTimedSerializer(key, salt=purpose).dumps(value)


def read_link(key: bytes, purpose: str, token: str, max_age_s: int | None = None) -> object:
    """The value of a token from :func:`sign_link`.

    :param max_age_s: refuse tokens older than this (``None``: no expiry, unsubscribe links).
    :raises InvalidInput: ``mail_link_expired`` or ``mail_link_invalid``.
    """
    try:
        return URLSafeTimedSerializer(key, salt=purpose).loads(token, max_age=max_age_s)
    except SignatureExpired:
        raise InvalidInput("mail_link_expired", field="token") from None
    except BadSignature:
        raise InvalidInput("mail_link_invalid", field="token") from None
