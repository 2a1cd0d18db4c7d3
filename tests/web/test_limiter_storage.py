"""The memory:// rate-limit store: the library's counters, swept inline instead of by timer threads."""
from __future__ import annotations

import threading
import time

import pytest
from limits import RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

import engage.extensions  # noqa: F401 — registers the store under memory://
from engage import limiter_storage
from engage.limiter_storage import SweptMemoryStorage


@pytest.fixture
def timers_started(monkeypatch) -> list:
    """Every threading.Timer started while the test runs."""
    started: list = []
    original = threading.Timer.start

    def counting_start(self):
        started.append(self)
        return original(self)

    monkeypatch.setattr(threading.Timer, "start", counting_start)
    return started


def test_memory_uri_selects_the_swept_store():
    assert isinstance(storage_from_string("memory://"), SweptMemoryStorage)


@pytest.mark.parametrize("strategy", [FixedWindowRateLimiter, MovingWindowRateLimiter])
def test_hits_start_no_threads_and_limits_still_hold(strategy, timers_started):
    store = storage_from_string("memory://")
    timers_started.clear()  # the library's constructor starts one timer; hits must start none
    limiter, limit = strategy(store), RateLimitItemPerMinute(5)
    outcomes = []
    for _ in range(8):
        outcomes.append(limiter.hit(limit, "reader", "r1"))
        time.sleep(0.012)  # past the library's 10 ms timer: it would start a new thread per hit
    assert outcomes == [True] * 5 + [False] * 3
    assert limiter.hit(limit, "reader", "r2")  # another key has its own bucket
    assert timers_started == []


def test_expired_counters_are_swept_by_a_later_hit(monkeypatch):
    store = storage_from_string("memory://")
    limiter = FixedWindowRateLimiter(store)
    monkeypatch.setattr(limiter_storage, "SWEEP_INTERVAL_S", 0.0)
    limiter.hit(RateLimitItemPerSecond(1), "old")
    assert len(store.storage) == 1
    time.sleep(1.05)  # the one-second window has passed; nothing has read that key since
    limiter.hit(RateLimitItemPerMinute(5), "new")
    assert len(store.storage) == 1 and "new" in next(iter(store.storage))


def test_the_sweep_runs_at_most_once_per_interval(monkeypatch):
    store = storage_from_string("memory://")
    sweeps = []
    monkeypatch.setattr(store, "_MemoryStorage__expire_events", lambda: sweeps.append(1))
    for n in range(50):
        store.incr(f"k{n}", 60)
    assert len(sweeps) == 1  # the first hit sweeps; the next 49 within the second do not


def _post_probe(app, times: int) -> list[int]:
    """POST an undecorated route ``times`` times; the status codes."""
    from engage.extensions import csrf

    def probe():
        return "ok"

    app.add_url_rule("/probe", "probe", csrf.exempt(probe), methods=["POST"])
    client = app.test_client()
    return [client.post("/probe").status_code for _ in range(times)]


def test_the_app_wide_limit_pass_is_dropped_when_nothing_app_wide_is_configured(app_factory):
    """Engage limits routes by decorator only; Flask-Limiter's before_request pass had nothing
    to check (engage.skip_app_wide_limit_pass).  Decorated limits still hold (the comment and
    rating limit tests), and an undecorated route stays unlimited, as before."""
    from engage.extensions import limiter

    app = app_factory()
    assert limiter._check_request_limit not in app.before_request_funcs[None]
    assert _post_probe(app, 4) == [200] * 4


@pytest.mark.parametrize("setting", ["RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION"])
def test_app_wide_limits_from_config_still_apply(app_factory, setting):
    """Configure a default or application limit and the pass stays, so it is enforced."""
    from engage.extensions import limiter

    app = app_factory(**{setting: "2/minute"})
    assert limiter._check_request_limit in app.before_request_funcs[None]
    assert _post_probe(app, 3) == [200, 200, 429]
