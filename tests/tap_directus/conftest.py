"""tap-directus tests: fast retries, and a default sandbox to sync from."""

from __future__ import annotations

import pytest

from connector_common import http


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry waits of 10 ms instead of 1, 2, 4, 8 s (Retry-After still wins)."""
    monkeypatch.setattr(http, "POLICY", http.RetryPolicy(base_seconds=0.01))
