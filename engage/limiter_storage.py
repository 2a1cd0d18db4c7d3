"""The embedded default's rate-limit store: ``limits``' in-process store, swept inline.

``limits`` 5.x ``MemoryStorage`` starts a ``threading.Timer`` (10 ms) on every ``incr`` when the
previous one has finished, and each timer walks every key to drop expired ones.  Under load that
is one new thread per write request plus a scan of all reader/network keys, on the same GIL as
the request: py-spy on a gunicorn worker under wrk (rating PUT, December 2026) put 7 % of the
samples in ``Thread.start`` and 11 % in the timers' runs; turning the limiter off saved 3 ms of
CPU per comment POST.

Correctness never depended on that sweep: ``MemoryStorage.get`` and the moving-window reads drop
an expired key themselves when they meet it.  The sweep only bounds memory.  This subclass keeps
every behaviour of the library's store and does the same sweep inline, at most once per
:data:`SWEEP_INTERVAL_S`, from the request that finds it due — no threads.

It is registered under the ``memory`` scheme (``limits``' documented extension point: a
``Storage`` subclass with ``STORAGE_SCHEME`` is added to the scheme registry), so
``RATELIMIT_STORAGE_URI = "memory://"`` selects it once :mod:`engage.extensions` is imported.
``tests/web/test_limiter_storage.py`` fails if a ``limits`` upgrade renames the hook overridden
here.
"""
from __future__ import annotations

import threading
import time

from limits.storage import MemoryStorage

SWEEP_INTERVAL_S = 1.0  # an expired counter lives at most this long after its window


class SweptMemoryStorage(MemoryStorage):
    """``limits.storage.MemoryStorage`` whose expiry sweep runs inline, once per second at most.

    Same URI (``memory://``), same counters and windows; only memory reclamation moves from a
    timer thread per hit to the next hit after :data:`SWEEP_INTERVAL_S`.
    """

    STORAGE_SCHEME = ["memory"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        self._next_sweep = 0.0
        self._sweep_lock = threading.Lock()
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 — the library's private hook
        """Sweep expired keys now if the last sweep is older than :data:`SWEEP_INTERVAL_S`."""
        now = time.monotonic()
        if now < self._next_sweep or not self._sweep_lock.acquire(blocking=False):
            return
        try:
            self._next_sweep = now + SWEEP_INTERVAL_S
            self._MemoryStorage__expire_events()
        finally:
            self._sweep_lock.release()

    def reset(self) -> int | None:
        """Forget every counter (the library's reset), and sweep again from now on."""
        self._next_sweep = 0.0
        return super().reset()
