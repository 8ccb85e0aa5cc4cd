"""Run tap-directo in-process against a Directo sandbox and collect its Singer messages."""

from __future__ import annotations

import io
import json
from collections import defaultdict
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sandbox.common import SandboxServer
from sandbox.directo import FULL_KEY, DirectoEmulator
from tap_directo.tap import TapDirecto


@dataclass
class SyncOutput:
    """The messages of one run, by kind and stream."""

    messages: list[dict] = field(default_factory=list)
    records: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    schemas: dict[str, dict] = field(default_factory=dict)
    states: list[dict] = field(default_factory=list)
    raw: str = ""

    @property
    def final_state(self) -> dict:
        return self.states[-1]["value"] if self.states else {}

    def bookmark(self, stream: str) -> str | None:
        return self.final_state.get("bookmarks", {}).get(stream, {}).get("replication_key_value")

    def keys(self, stream: str, key: str = "code") -> list[Any]:
        return [r[key] for r in self.records[stream]]


def sandbox(server: SandboxServer) -> DirectoEmulator:
    emulator = server.emulator
    assert isinstance(emulator, DirectoEmulator)
    return emulator


def config_for(server: SandboxServer, **settings: Any) -> dict[str, Any]:
    return {"api_key": FULL_KEY, "base_url": sandbox(server).base_url(server.url), **settings}


def catalog_selecting(config: dict[str, Any], streams: set[str]) -> dict:
    """The discovered catalog with only `streams` selected."""
    catalog = TapDirecto(config=config).catalog_dict
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = entry["tap_stream_id"] in streams
    return catalog


def _collect(raw: str) -> SyncOutput:
    out = SyncOutput(raw=raw)
    for line in raw.splitlines():
        message = json.loads(line, parse_float=Decimal)
        out.messages.append(message)
        if message["type"] == "RECORD":
            out.records[message["stream"]].append(message["record"])
        elif message["type"] == "SCHEMA":
            out.schemas[message["stream"]] = message
        elif message["type"] == "STATE":
            out.states.append(message)
    return out


def _sync(
    config: dict[str, Any], state: dict | None, catalog: dict | None, streams: set[str] | None
) -> tuple[SyncOutput, BaseException | None]:
    if streams is not None:
        catalog = catalog_selecting(config, streams)
    tap = TapDirecto(config=config, state=state, catalog=catalog)
    buffer = io.BytesIO()
    text = io.TextIOWrapper(buffer, encoding="utf-8")
    error: BaseException | None = None
    with redirect_stdout(text):
        try:
            tap.sync_all()
        except Exception as exc:
            error = exc
    text.flush()
    return _collect(buffer.getvalue().decode("utf-8")), error


def run_tap(
    config: dict[str, Any],
    state: dict | None = None,
    catalog: dict | None = None,
    streams: set[str] | None = None,
) -> SyncOutput:
    """One sync, as `tap-directo --config --state --catalog` would run it."""
    out, error = _sync(config, state, catalog, streams)
    if error is not None:
        raise error
    return out


def run_tap_failing(
    config: dict[str, Any], state: dict | None = None, streams: set[str] | None = None
) -> tuple[SyncOutput, BaseException]:
    """A sync expected to fail: the messages written before the failure, and the error."""
    out, error = _sync(config, state, None, streams)
    assert error is not None, "the sync was expected to fail"
    return out, error
