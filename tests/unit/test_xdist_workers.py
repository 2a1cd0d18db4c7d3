"""The test suite's own per-worker resources under pytest-xdist (``tests/workers.py``): every
worker gets a database and a Redis db of its own, derived from the configured ones."""
import pytest

from workers import worker_urls

PG = "postgresql://postgres@127.0.0.1:5432/test"


def test_each_worker_gets_its_own_database_on_the_same_server():
    assert worker_urls("gw0", PG, "")[0] == "postgresql://postgres@127.0.0.1:5432/test_gw0"
    assert worker_urls("gw1", PG + "?sslmode=disable", "")[0] == \
        "postgresql://postgres@127.0.0.1:5432/test_gw1?sslmode=disable"


@pytest.mark.parametrize("base,expected", [
    (15, [15, 14, 13, 12]),   # CI's db 15: counts down, never past 15
    (3, [3, 4, 5, 6]),        # a developer's db: counts up
    (14, [14, 15, 12, 11]),   # up to 15, then down below the base: still distinct
])
def test_redis_dbs_are_distinct_and_stay_in_0_to_15(base, expected):
    got = [int(worker_urls(f"gw{i}", "", f"redis://127.0.0.1:6379/{base}")[1].rsplit("/", 1)[1])
           for i in range(len(expected))]
    assert got == expected


def test_unset_urls_stay_unset_and_too_many_workers_is_an_error():
    assert worker_urls("gw3", "", "") == ("", "")
    with pytest.raises(ValueError, match="no Redis db left"):
        worker_urls("gw16", "", "redis://127.0.0.1:6379/15")
