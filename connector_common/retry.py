"""How long connector_common.http waits between tries: Retry-After, else 1, 2, 4, 8 s.

The wait generator is sent the exception of each failed try (the protocol of the `backoff`
library, which singer-sdk's own loop uses; ours replaces that loop), and `RetryWaits` wraps it
for one call with a little jitter.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Generator
from typing import Any

import requests

MAX_RETRY_AFTER_SECONDS = 300.0


def retry_after_seconds(response: requests.Response | None) -> float | None:
    """Seconds a server asked us to wait (`Retry-After` as seconds or HTTP date), if any."""
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = parsed.timestamp() - time.time()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


def response_of(exc: BaseException | None) -> requests.Response | None:
    """The HTTP response carried by an exception (requests' or singer-sdk's), if any."""
    response = getattr(exc, "response", None)
    return response if isinstance(response, requests.Response) else None


def retry_waits(
    base: float = 1.0, factor: float = 2.0, max_wait: float = 60.0
) -> Generator[float, Any, None]:
    """Yield wait times: the server's Retry-After when given, else base * factor**n."""
    exc = yield 0.0  # priming send(None), as backoff does
    attempt = 0
    while True:
        asked = retry_after_seconds(response_of(exc))
        wait = asked if asked is not None else min(base * factor**attempt, max_wait)
        attempt += 1
        exc = yield wait


def small_jitter(value: float) -> float:
    """Add up to 10% (at most 1 s) so parallel clients do not retry in lockstep."""
    return value + random.uniform(0, min(1.0, value * 0.1 + 0.05))


def is_retryable_status(status: int) -> bool:
    """429 (too many requests) and every 5xx are worth another try; other statuses are not."""
    return status == 429 or 500 <= status < 600


class RetryWaits:
    """The waits of one retried call (connector_common.http's loop).

    `after(exc)` is how long to sleep before the next try: the server's Retry-After when the
    exception carries a response that has one, else base * 2**n, with small jitter.
    """

    def __init__(self, base: float = 1.0) -> None:
        self._waits = retry_waits(base=base)
        next(self._waits)

    def after(self, exc: BaseException) -> float:
        return small_jitter(self._waits.send(exc))
