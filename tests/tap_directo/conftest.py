"""tap-directo tests: tiny retry waits, so no test waits real seconds between tries."""

from __future__ import annotations

import pytest

from connector_common import http, token_bucket
from tap_directo.tap import TapDirecto


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry waits of 10 ms instead of 1, 2, 4, 8 s (a Retry-After header still wins)."""
    monkeypatch.setattr(http, "POLICY", http.RetryPolicy(base_seconds=0.01))


@pytest.fixture(autouse=True)
def fast_pacing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The token bucket paces `requests_per_minute` per 60 ms instead of per minute (1 ms
    apart at the default 60), so no test waits a second per request; rate-limit tests set
    their own window."""
    monkeypatch.setattr(TapDirecto, "rate_limit_window_seconds", 0.06)
    monkeypatch.setattr(token_bucket, "MIN_MARGIN_SECONDS", 0.0)
