"""tap-directus tests: fast retries, and a default sandbox to sync from."""

from __future__ import annotations

import pytest

import tap_directus.client


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry waits of 10 ms instead of 1, 2, 4, 8 s (Retry-After still wins)."""
    monkeypatch.setattr(tap_directus.client, "RETRY_BASE_SECONDS", 0.01)
