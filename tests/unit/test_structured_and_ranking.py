"""Structured data eligibility, the Bayesian ranking formula and the velocity alarm rule."""
import pytest

from engage.domain.ratings import RatingSummary, bayesian_average, velocity_alarm
from engage.domain.structured_data import aggregate_rating_jsonld


def test_no_jsonld_for_news_or_unset_type():
    summary = RatingSummary((0, 0, 0, 1, 1))
    assert aggregate_rating_jsonld(summary, None, "x", "u") is None
    assert aggregate_rating_jsonld(summary, "NewsArticle", "x", "u") is None
    assert aggregate_rating_jsonld(summary, "Article", "x", "u") is None
    assert aggregate_rating_jsonld(summary, "LocalBusiness", "x", "u") is None  # self-serving


def test_no_jsonld_with_zero_votes():
    assert aggregate_rating_jsonld(RatingSummary(), "Recipe", "x", "u") is None


def test_jsonld_values_are_exact():
    data = aggregate_rating_jsonld(RatingSummary((0, 0, 1, 1, 2)), "Recipe", "Phở bò", "https://a.vn/p")
    assert data["@type"] == "Recipe" and data["name"] == "Phở bò"
    assert data["aggregateRating"] == {"@type": "AggregateRating", "ratingValue": "4.3",
                                       "ratingCount": 4, "bestRating": 5, "worstRating": 1}


def test_bayesian_average_damps_small_samples():
    m, c = 4.0, 10
    one_five = bayesian_average(5, 1, m, c)
    many_high = bayesian_average(480, 100, m, c)  # 100 votes averaging 4.8
    assert many_high > one_five
    assert bayesian_average(0, 0, m, c) == pytest.approx(m)
    assert bayesian_average(4_800_000, 1_000_000, m, c) == pytest.approx(4.8, abs=1e-4)


@pytest.mark.parametrize("last,baseline,expected", [
    (19, 0.0, False),    # below the minimum
    (20, 0.0, True),     # quiet article, sudden burst
    (20, 5.0, False),    # 20 ≤ 5 × 5 → normal for a busy article
    (26, 5.0, True),
    (100, 30.0, False),
])
def test_velocity_alarm(last, baseline, expected):
    assert velocity_alarm(last, baseline, min_votes=20, factor=5.0) is expected
