"""A thread-safe token bucket: requests paced at N per minute, at most `burst` back to back.

A sliding window of 60 per minute lets 60 requests go at once, and a server that enforces its
limit with a small bucket (burst 1 to 10) then answers 429. A token bucket of burst 1 spaces
requests evenly (1 s apart at 60/min), so such a server never has to refuse one; a larger
`burst` lets that many go back to back after a pause. One instance is shared by every stream of
a run, because an API's limit is per key. It starts empty (see `__init__`). The spacing carries a margin (2 %, at least 30 ms) so that
jitter never brings two requests closer at the server than its refill allows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

MARGIN = 0.02  # 2 % slower than the configured rate,
MIN_MARGIN_SECONDS = 0.03  # and at least 30 ms per request (jitter between threads and hosts)


class TokenBucket:
    """Blocks in `acquire()` until a token is free, then takes it."""

    def __init__(
        self,
        requests_per_minute: float | None,
        *,
        burst: int = 1,
        window_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limit = float(requests_per_minute or 0)
        self.burst = max(1, int(burst))
        self.interval = 0.0
        if self.limit > 0:
            spacing = window_seconds / self.limit
            self.interval = spacing + max(spacing * MARGIN, MIN_MARGIN_SECONDS)
        self._clock = clock
        self._sleep = sleep
        # Starts empty: the previous process (Meltano's discovery, the last run) may have
        # just emptied the server's bucket, so even the first request waits one interval.
        self._tokens = 0.0
        self._at = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait for a token and take it; return the seconds waited."""
        if self.interval <= 0:
            return 0.0
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                self._tokens = min(self.burst, self._tokens + (now - self._at) / self.interval)
                self._at = now
                if self._tokens >= 1.0 - 1e-9:  # float rounding must not spin on a 1e-16 wait
                    self._tokens = max(self._tokens - 1.0, 0.0)
                    return waited
                pause = (1.0 - self._tokens) * self.interval
            self._sleep(pause)
            waited += pause
