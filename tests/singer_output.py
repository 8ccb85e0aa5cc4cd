"""Run a singer-sdk tap in-process and collect its Singer messages (shared by the tap tests)."""

from __future__ import annotations

import io
import json
from collections import defaultdict
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from decimal import Decimal

from singer_sdk import Tap


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


def collect_messages(raw: str) -> SyncOutput:
    """Parse Singer message lines (numbers as Decimal, as a target would read them)."""
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


def sync_tap(tap: Tap) -> tuple[SyncOutput, Exception | None]:
    """Run `tap.sync_all()`; return what it wrote (even when it failed) and the error if any."""
    buffer = io.BytesIO()
    text = io.TextIOWrapper(buffer, encoding="utf-8")  # msgspec writes bytes to .buffer
    error: Exception | None = None
    with redirect_stdout(text):
        try:
            tap.sync_all()
        except Exception as exc:
            error = exc
    text.flush()
    return collect_messages(buffer.getvalue().decode("utf-8")), error


def select_only(catalog: dict, streams: set[str]) -> dict:
    """Mark only `streams` selected in a discovered catalog."""
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = entry["tap_stream_id"] in streams
    return catalog
