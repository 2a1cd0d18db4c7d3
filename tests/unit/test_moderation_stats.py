"""Dashboard statistics: pending series, local-day buckets, approval per reason."""
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from engage.domain.moderation.stats import approval_by_reason, pending_series, per_day

T0 = datetime(2026, 11, 30, 0, 0, tzinfo=timezone.utc)


def test_pending_series_counts_and_oldest_age():
    h = timedelta(hours=1)
    spans = [(T0, T0 + 3 * h), (T0 + h, None), (T0 + 2 * h, T0 + 2 * h + 1 * h)]
    series = pending_series(spans, [T0 - h, T0 + h, T0 + 2.5 * h, T0 + 4 * h])
    assert [(n, age) for _, n, age in series] == [(0, 0.0), (2, 1.0), (3, 2.5), (1, 3.0)]


def test_per_day_uses_the_newsrooms_calendar():
    zone = ZoneInfo("Asia/Ho_Chi_Minh")  # UTC+7: 17:30 UTC is already the next local day
    stamps = [(datetime(2026, 11, 29, 16, 59, tzinfo=timezone.utc), "approved"),
              (datetime(2026, 11, 29, 17, 0, tzinfo=timezone.utc), "approved"),
              (datetime(2026, 11, 29, 17, 30, tzinfo=timezone.utc), "spam"),
              (datetime(2026, 12, 25, 0, 0, tzinfo=timezone.utc), "spam")]
    days = per_day(stamps, zone, date(2026, 11, 29), 2)
    assert days == [(date(2026, 11, 29), Counter(approved=1)),
                    (date(2026, 11, 30), Counter(approved=1, spam=1))]


def test_approval_by_reason_counts_each_reason_once_per_comment():
    decided = [(["suspect_word", "suspect_word"], "approved"), (["suspect_word"], "rejected"),
               (["too_many_links", "new_reader"], "spam"), ([], "approved")]
    assert approval_by_reason(decided) == [("new_reader", 0, 1), ("suspect_word", 1, 2),
                                           ("too_many_links", 0, 1)]
