"""Mail rules without I/O: address normalisation and hashing, signed links, alert decisions."""
from datetime import datetime, timedelta, timezone

import pytest

from engage.domain.errors import InvalidInput
from engage.domain.mail import (
    CONFIRM, UNSUBSCRIBE, AlertThresholds, QueueFacts, alert_step, normalise_address,
    read_link, sign_link, summary_due)

KEY = b"k" * 32
NOW = datetime(2026, 11, 30, 3, 0, tzinfo=timezone.utc)


def test_addresses_are_normalised_and_hashed_case_insensitively():
    a = normalise_address("  Lan.Nguyen@Báo.VN ", KEY)
    b = normalise_address("lan.nguyen@báo.vn", KEY)
    assert a.address == "Lan.Nguyen@báo.vn"
    assert a.hash == b.hash and len(a.hash) == 64


@pytest.mark.parametrize("raw", ["", "lan", "lan@", "@x.vn", "lan@@x.vn", "lan@x", "a b@x.vn",
                                 "lan@x.vn\nBcc: a@b.vn", "x" * 250 + "@x.vn"])
def test_bad_addresses_are_refused(raw):
    with pytest.raises(InvalidInput) as err:
        normalise_address(raw, KEY)
    assert err.value.code == "email_invalid"


def test_links_are_signed_per_purpose_and_confirmations_expire():
    token = sign_link(KEY, CONFIRM, [1, "abc"])
    assert read_link(KEY, CONFIRM, token, 60) == [1, "abc"]
    with pytest.raises(InvalidInput) as err:
        read_link(KEY, UNSUBSCRIBE, token)  # another purpose's salt
    assert err.value.code == "mail_link_invalid"
    with pytest.raises(InvalidInput) as err:
        read_link(b"o" * 32, CONFIRM, token, 60)
    assert err.value.code == "mail_link_invalid"
    with pytest.raises(InvalidInput) as err:
        read_link(KEY, CONFIRM, token, -1)
    assert err.value.code == "mail_link_expired"


LIMITS = AlertThresholds(pending=10, oldest_minutes=60, min_interval_s=3600)


@pytest.mark.parametrize("pending, waited, active, last, expected", [
    (9, 59, False, None, (False, False)),               # under both thresholds
    (10, 0, False, None, (True, True)),                  # count reached: fire
    (1, 60, False, None, (True, True)),                  # oldest waited long enough: fire
    (50, 0, True, NOW - timedelta(days=1), (False, True)),  # still over: stay quiet
    (3, 5, True, NOW - timedelta(minutes=5), (False, False)),  # dropped below: reset
    (10, 0, False, NOW - timedelta(minutes=59), (False, False)),  # over again within the interval
    (10, 0, False, NOW - timedelta(minutes=60), (True, True)),
])
def test_alert_step(pending, waited, active, last, expected):
    facts = QueueFacts(pending, NOW - timedelta(minutes=waited) if pending else None)
    assert alert_step(facts, LIMITS, active, last, NOW) == expected


def test_zero_thresholds_are_off():
    off = AlertThresholds(0, 0, 0)
    assert alert_step(QueueFacts(10_000, NOW - timedelta(days=3)), off, False, None, NOW) == (
        False, False)


def test_summary_is_due_once_per_local_day_from_the_hour():
    tz = "Asia/Ho_Chi_Minh"
    before = datetime(2026, 11, 29, 23, 59, tzinfo=timezone.utc)  # 06:59 on 30/11 there
    assert summary_due("", before, tz, 7) is None
    assert summary_due("", before + timedelta(minutes=1), tz, 7) == "2026-11-30"
    assert summary_due("2026-11-30", before + timedelta(hours=16), tz, 7) is None
    assert summary_due("2026-11-30", before + timedelta(hours=17, minutes=1), tz, 7) is None  # 00:00
    assert summary_due("2026-11-30", before + timedelta(hours=24, minutes=1), tz, 7) == "2026-12-01"
