"""A thread-safe sliding-window limiter: never more than N requests in any 60-second window.

One instance is shared by every stream (or sink worker) of a run, because an API's limit is per
key, not per stream.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """Blocks in `acquire()` until a request may be sent without exceeding the limit."""

    def __init__(
        self,
        requests_per_minute: float | None,
        *,
        window_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limit = int(requests_per_minute) if requests_per_minute else 0
        self.window = window_seconds
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait for a free slot and take it; return the seconds waited."""
        if self.limit <= 0:
            return 0.0
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                while self._sent and now - self._sent[0] >= self.window:
                    self._sent.popleft()
                if len(self._sent) < self.limit:
                    self._sent.append(now)
                    return waited
                pause = self.window - (now - self._sent[0])
            self._sleep(pause)
            waited += pause
