"""Retry policy shared by the plugins: honour Retry-After, else back off 1, 2, 4, 8 s.

The wait generator follows the `backoff` library's protocol (it is sent the exception of each
failed try), so it plugs into singer-sdk's `backoff_wait_generator` as well as our own loops.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Generator
from typing import Any

import requests

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
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
