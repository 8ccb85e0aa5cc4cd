"""Pacing: against a server enforcing its limit with a token bucket (burst 1 or more), a sync
at the same rate never gets a 429, across all streams and deletions. High rates keep it short."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from connector_common import token_bucket
from sandbox.common import SandboxServer
from sandbox.directo import DirectoEmulator
from tap_directo.tap import TapDirecto
from tests.tap_directo.harness import config_for, run_tap

Serve = Callable[..., SandboxServer]
PER_MINUTE = 600  # 0.1 s apart (+ margin): a sync of 17 requests takes about 2 s


@pytest.mark.parametrize("burst", [1, 3])
def test_sync_against_a_token_bucket_server_sees_no_429(
    serve: Serve, monkeypatch: pytest.MonkeyPatch, burst: int
) -> None:
    monkeypatch.setattr(TapDirecto, "rate_limit_window_seconds", 60.0)  # the real minute
    monkeypatch.setattr(token_bucket, "MIN_MARGIN_SECONDS", 0.03)  # and the real margin
    emulator = DirectoEmulator(size=5, rate_limit_per_minute=PER_MINUTE, rate_limit_burst=burst)
    emulator.change(deletes=1)
    server = serve(emulator)
    config = config_for(
        server, requests_per_minute=PER_MINUTE, burst=burst, emit_deleted_records=True
    )
    out = run_tap(config)
    statuses = [e.status for e in emulator.log.entries()]
    assert len(statuses) == 9 + 8  # every resource, and the deletions of the eight
    assert statuses.count(429) == 0
    live = [r for r in out.records["items"] if not r.get("_sdc_deleted_at")]
    assert len(live) == 4  # nothing lost: 5 items, one deleted


def test_the_same_server_refuses_requests_sent_back_to_back(serve: Serve) -> None:
    """The check above is not empty: without pacing this server answers 429."""
    emulator = DirectoEmulator(size=5, rate_limit_per_minute=PER_MINUTE, rate_limit_burst=1)
    server = serve(emulator)
    url = f"{emulator.base_url(server.url)}/v1/items"
    headers = {"X-Directo-Key": config_for(server)["api_key"]}
    statuses = [requests.get(url, headers=headers, timeout=10).status_code for _ in range(3)]
    assert 429 in statuses
