"""Run tap-directus in-process against a sandbox and collect its Singer messages."""

from __future__ import annotations

import io
import json
from collections import defaultdict
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sandbox.common import SandboxServer
from sandbox.directus import DirectusEmulator
from tap_directus.tap import TapDirectus


@dataclass
class SyncOutput:
    """The messages of one run, by kind and stream."""

    messages: list[dict] = field(default_factory=list)
    records: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    schemas: dict[str, dict] = field(default_factory=dict)
    states: list[dict] = field(default_factory=list)

    @property
    def final_state(self) -> dict:
        return self.states[-1]["value"] if self.states else {}

    def ids(self, stream: str, key: str = "id") -> list[Any]:
        return [r[key] for r in self.records[stream]]


def config_for(server: SandboxServer, **settings: Any) -> dict[str, Any]:
    emulator = server.emulator
    assert isinstance(emulator, DirectusEmulator)
    return {"base_url": server.url, "token": emulator.token, **settings}


def run_tap(
    config: dict[str, Any], state: dict | None = None, catalog: dict | None = None
) -> SyncOutput:
    """One sync, as `tap-directus --config --state --catalog` would run it."""
    tap = TapDirectus(config=config, state=state, catalog=catalog)
    buffer = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")  # msgspec writes bytes
    with redirect_stdout(buffer):
        tap.sync_all()
    buffer.flush()
    out = SyncOutput()
    for line in buffer.buffer.getvalue().decode("utf-8").splitlines():  # type: ignore[attr-defined]
        message = json.loads(line, parse_float=Decimal)
        out.messages.append(message)
        if message["type"] == "RECORD":
            out.records[message["stream"]].append(message["record"])
        elif message["type"] == "SCHEMA":
            out.schemas[message["stream"]] = message
        elif message["type"] == "STATE":
            out.states.append(message)
    return out


def discover(config: dict[str, Any]) -> dict:
    return TapDirectus(config=config).catalog_dict


def select_only(catalog: dict, streams: set[str]) -> dict:
    """Mark only `streams` selected in a discovered catalog."""
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = entry["tap_stream_id"] in streams
    return catalog
