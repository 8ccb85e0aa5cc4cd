"""The shared limiter never lets more than N requests into any window."""

from __future__ import annotations

import threading

from connector_common.rate_limit import RateLimiter


class FakeClock:
    """A clock that only moves when the limiter sleeps, so tests take no real time."""

    def __init__(self) -> None:
        self.now = 0.0
        self.lock = threading.Lock()

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


def test_sliding_window_is_never_exceeded() -> None:
    clock = FakeClock()
    limiter = RateLimiter(5, window_seconds=60, clock=clock.time, sleep=clock.sleep)
    times = []
    for _ in range(17):
        limiter.acquire()
        times.append(clock.now)
    for i, start in enumerate(times):
        in_window = [t for t in times[i:] if t - start < 60]
        assert len(in_window) <= 5
    # and it does not wait more than needed: 17 requests at 5/min need 3 full windows
    assert times[-1] == 180.0


def test_zero_or_none_means_unlimited() -> None:
    clock = FakeClock()
    for limit in (0, None):
        limiter = RateLimiter(limit, clock=clock.time, sleep=clock.sleep)
        for _ in range(100):
            limiter.acquire()
    assert clock.now == 0.0
