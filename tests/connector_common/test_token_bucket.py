"""The token bucket paces requests evenly, lets `burst` go back to back, and starts empty."""

from __future__ import annotations

import itertools

import pytest

from connector_common.token_bucket import MARGIN, TokenBucket

SPACING = 1.0 + max(MARGIN, 0.03)  # 60/min: 1 s plus the margin


class FakeClock:
    """A clock that only moves when the bucket sleeps (or the test says), so no real waiting."""

    def __init__(self) -> None:
        self.now = 100.0

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def bucket(clock: FakeClock, per_minute: float, burst: int = 1) -> TokenBucket:
    return TokenBucket(per_minute, burst=burst, clock=clock.time, sleep=clock.sleep)


def test_burst_1_spaces_every_request_one_interval_apart() -> None:
    clock = FakeClock()
    limiter = bucket(clock, 60)
    times = []
    for _ in range(10):
        limiter.acquire()
        times.append(clock.now)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert gaps == pytest.approx([SPACING] * 9)
    assert times[0] == pytest.approx(100.0 + SPACING)  # starts empty


def test_burst_lets_that_many_go_after_a_pause_then_paces() -> None:
    clock = FakeClock()
    limiter = bucket(clock, 60, burst=3)
    clock.now += 10  # a pause: the bucket fills up to 3, no more
    times = []
    for _ in range(5):
        limiter.acquire()
        times.append(clock.now)
    assert times[:3] == [110.0, 110.0, 110.0]
    assert times[3] - times[2] == pytest.approx(SPACING)
    assert times[4] - times[3] == pytest.approx(SPACING)


@pytest.mark.parametrize("per_minute", [0, None])
def test_zero_or_none_means_unlimited(per_minute: float | None) -> None:
    clock = FakeClock()
    limiter = bucket(clock, per_minute or 0)
    for _ in range(100):
        assert limiter.acquire() == 0.0
    assert clock.now == 100.0
