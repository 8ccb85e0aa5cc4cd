"""Run tap-directus in-process against a sandbox and collect its Singer messages."""

from __future__ import annotations

from typing import Any

from sandbox.common import SandboxServer
from sandbox.directus import DirectusEmulator
from tap_directus.tap import TapDirectus
from tests.singer_output import SyncOutput, select_only, sync_tap

__all__ = ["SyncOutput", "config_for", "discover", "ids", "run_tap", "select_only"]


def config_for(server: SandboxServer, **settings: Any) -> dict[str, Any]:
    emulator = server.emulator
    assert isinstance(emulator, DirectusEmulator)
    return {"base_url": server.url, "token": emulator.token, **settings}


def run_tap(
    config: dict[str, Any], state: dict | None = None, catalog: dict | None = None
) -> SyncOutput:
    """One sync, as `tap-directus --config --state --catalog` would run it; errors raise."""
    out, error = sync_tap(TapDirectus(config=config, state=state, catalog=catalog))
    if error is not None:
        raise error
    return out


def ids(out: SyncOutput, stream: str, key: str = "id") -> list[Any]:
    """The key values of a stream's records, in the order they were emitted."""
    return [r[key] for r in out.records[stream]]


def discover(config: dict[str, Any]) -> dict:
    return TapDirectus(config=config).catalog_dict
