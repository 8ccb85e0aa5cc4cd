"""tap-directo tests: tiny retry waits, so no test waits real seconds between tries."""

from __future__ import annotations

import pytest

from tap_directo.tap import TapDirecto


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry waits of 10 ms instead of 1, 2, 4, 8 s (a Retry-After header still wins)."""
    monkeypatch.setattr(TapDirecto, "retry_base_seconds", 0.01)
