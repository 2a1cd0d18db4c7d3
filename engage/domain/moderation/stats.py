"""Queue and outcome statistics for the moderator dashboard: pure functions over plain facts."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta, tzinfo


def pending_series(intervals: Iterable[tuple[datetime, datetime | None]],
                   samples: list[datetime]) -> list[tuple[datetime, int, float]]:
    """Pending count and oldest-pending age at each sample time.

    :param intervals: ``(entered, left)`` spans a comment spent in the queue; ``left`` is
        ``None`` while it is still pending.
    :param samples: times to sample, ascending.
    :returns: ``(t, pending, oldest_age_hours)`` per sample (age 0.0 when the queue is empty).
    """
    spans = list(intervals)
    out = []
    for t in samples:
        inside = [entered for entered, left in spans
                  if entered <= t and (left is None or left > t)]
        age = (t - min(inside)).total_seconds() / 3600 if inside else 0.0
        out.append((t, len(inside), age))
    return out


def per_day(stamps: Iterable[tuple[datetime, str]], zone: tzinfo, first: date,
            days: int) -> list[tuple[date, Counter]]:
    """Count labelled events per local calendar day.

    :param stamps: ``(time, label)`` pairs, aware datetimes.
    :param zone: the newsroom's zone (days are its days, not UTC's).
    :returns: ``days`` consecutive days from ``first``, each with its label counts (events
        outside the range are ignored).
    """
    buckets = {first + timedelta(days=i): Counter() for i in range(days)}
    for when, label in stamps:
        day = when.astimezone(zone).date()
        if day in buckets:
            buckets[day][label] += 1
    return list(buckets.items())


def approval_by_reason(decided: Iterable[tuple[list[str], str]]) -> list[tuple[str, int, int]]:
    """How often held comments were approved, per pipeline reason.

    :param decided: ``(reason_codes, outcome)`` per held comment a moderator decided;
        ``outcome`` is ``approved``, ``rejected`` or ``spam``.
    :returns: ``(code, approved, decided)`` sorted by code; a comment held for two reasons
        counts for both.
    """
    approved: Counter = Counter()
    total: Counter = Counter()
    for codes, outcome in decided:
        for code in set(codes):
            total[code] += 1
            approved[code] += outcome == "approved"
    return [(code, approved[code], total[code]) for code in sorted(total)]
