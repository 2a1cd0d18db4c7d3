"""Rating math: validation, vote moves, the half-up rounding rule and locale formatting."""
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from engage.domain.errors import InvalidInput
from engage.domain.ratings import RatingSummary, format_average, validate_stars


@pytest.mark.parametrize("value", [1, 2, 3, 4, 5])
def test_validate_stars_accepts_integers_1_to_5(value):
    assert validate_stars(value) == value


@pytest.mark.parametrize("value", [0, 6, -1, "5", True, False, 5.0, 5.5, None, [5]])
def test_validate_stars_refuses_everything_else(value):
    with pytest.raises(InvalidInput) as err:
        validate_stars(value)
    assert err.value.code == "stars_out_of_range"


def test_empty_summary_has_no_average():
    summary = RatingSummary()
    assert (summary.count, summary.total, summary.average) == (0, 0, None)
    assert summary.as_json() == {"count": 0, "average": None,
                                 "distribution": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}}


def test_average_rounds_half_up_not_to_even():
    # 4.25 exactly: banker's rounding would give 4.2.
    summary = RatingSummary((0, 0, 1, 1, 2))  # 3 + 4 + 5 + 5 = 17 / 4 = 4.25
    assert summary.average == Decimal("4.3")
    assert RatingSummary((0, 0, 0, 3, 1)).average == Decimal("4.3")  # 4.25 again
    assert RatingSummary((1, 0, 0, 0, 0)).average == Decimal("1.0")
    assert RatingSummary((0, 0, 2, 0, 1)).average == Decimal("3.7")  # 11/3 = 3.666…


def test_vote_moves_between_bins():
    summary = RatingSummary().moved(None, 4)
    assert summary.bins == (0, 0, 0, 1, 0)
    summary = summary.moved(4, 2)
    assert summary.bins == (0, 1, 0, 0, 0) and summary.count == 1 and summary.total == 2
    assert summary.moved(2, None) == RatingSummary()


def test_removing_from_empty_bin_is_an_error():
    with pytest.raises(ValueError):
        RatingSummary().moved(3, None)


@given(st.lists(st.tuples(st.sampled_from([None, 1, 2, 3, 4, 5]),
                          st.sampled_from([None, 1, 2, 3, 4, 5])), max_size=60))
def test_moves_keep_count_and_total_exact(moves):
    votes: dict[int, int] = {}
    summary = RatingSummary()
    for reader, (_, new) in enumerate(moves):
        reader %= 7
        old = votes.get(reader)
        summary = summary.moved(old, new)
        if new is None:
            votes.pop(reader, None)
        else:
            votes[reader] = new
    assert summary.count == len(votes)
    assert summary.total == sum(votes.values())
    assert all(n >= 0 for n in summary.bins)


def test_format_average_uses_locale_decimal_mark():
    assert format_average(Decimal("4.3"), "vi") == "4,3"
    assert format_average(Decimal("4.3"), "en") == "4.3"
    assert format_average(Decimal("4.0"), "vi") == "4,0"


@given(st.tuples(*[st.integers(0, 10_000)] * 5))
def test_integer_rounding_equals_decimal_half_up(bins):
    from decimal import ROUND_HALF_UP
    summary = RatingSummary(bins)
    if summary.count == 0:
        assert summary.average is None and summary.as_json()["average"] is None
        return
    expected = (Decimal(summary.total) / Decimal(summary.count)).quantize(Decimal("0.1"),
                                                                          ROUND_HALF_UP)
    assert summary.average == expected
    assert summary.as_json()["average"] == float(expected)
