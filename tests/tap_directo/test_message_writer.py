"""RECORD lines wait in the writer's buffer; the next other message (STATE), a full buffer or
the end of the sync writes them, in order, as the same bytes singer-sdk's MsgSpecWriter writes
(message_writer.py)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Callable
from contextlib import redirect_stdout
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.helpers._state import StateWriter
from singer_sdk.singerlib import RecordMessage, StateMessage

from sandbox.common import SandboxServer
from sandbox.directo import DirectoEmulator
from tap_directo.message_writer import FLUSH_BYTES, BufferedRecordsWriter
from tests.tap_directo.harness import config_for, run_tap, sandbox

ROOT = Path(__file__).resolve().parents[2]
AT = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)
RECORDS = [
    RecordMessage(stream="items", record={"code": str(n), "price": Decimal("12.50")}, version=7)
    for n in range(3)
] + [RecordMessage(stream="items", record={"code": "õ", "ts": None}, time_extracted=AT)]
STATE = StateMessage(value={"bookmarks": {"items": {"replication_key_value": "x"}}})


class Sink(io.RawIOBase):
    """stdout's file: what reached it, one entry per system call."""

    def __init__(self) -> None:
        self.calls: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | memoryview) -> int:  # type: ignore[override]
        self.calls.append(bytes(data))
        return len(data)


def written(writer_class: type[MsgSpecWriter]) -> tuple[Sink, list[int]]:
    """What reached the file, and how many calls had after each message."""
    sink = Sink()
    stdout = io.TextIOWrapper(io.BufferedWriter(sink), encoding="utf-8")
    writer, seen = writer_class(), []
    with redirect_stdout(stdout):
        for message in [*RECORDS, STATE]:
            writer.write_message(message)
            seen.append(len(sink.calls))
    return sink, seen


def test_records_reach_stdout_at_the_next_state_as_the_same_bytes() -> None:
    sdk, sdk_seen = written(MsgSpecWriter)
    ours, our_seen = written(BufferedRecordsWriter)
    assert sdk_seen == [1, 2, 3, 4, 5]  # the SDK: one system call per message
    assert our_seen == [0, 0, 0, 0, 1]  # ours: the records go out with the STATE
    assert b"".join(ours.calls) == b"".join(sdk.calls)
    lines = b"".join(ours.calls).decode().splitlines()
    assert [line.split('"type":')[1][:7] for line in lines] == ['"RECORD'] * 4 + ['"STATE"']
    assert '"price":12.50' in lines[0]
    assert '"time_extracted":"2026-01-02T03:04:05.678' in lines[3]


def test_records_reach_stdout_in_pieces_before_any_state() -> None:
    sink = Sink()
    stdout = io.TextIOWrapper(io.BufferedWriter(sink, buffer_size=1), encoding="utf-8")
    writer = BufferedRecordsWriter()
    record = {"code": "x" * 1000}
    with redirect_stdout(stdout):
        for _ in range(FLUSH_BYTES // 1000 * 3):
            writer.write_record("items", record, None, AT)
        pieces = len(sink.calls)
        assert 2 <= pieces <= 3  # about every FLUSH_BYTES, not per record
        writer.flush()
    lines = b"".join(sink.calls).splitlines()
    assert len(lines) == FLUSH_BYTES // 1000 * 3
    assert all(
        line.startswith(b'{"type":"RECORD","stream":"items","record":{"code":"xx') for line in lines
    )


def test_records_with_no_state_after_them_reach_stdout_at_the_end_of_the_sync(
    serve: Callable[..., SandboxServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = serve(DirectoEmulator(size=7, rate_limit_per_minute=0))
    monkeypatch.setattr(StateWriter, "write_state", lambda self, state: None)  # no STATE at all
    started = datetime.now(timezone.utc).replace(microsecond=0)
    out = run_tap(config_for(server), streams={"items"})
    ended = datetime.now(timezone.utc)
    assert not out.states
    extracted = [
        datetime.fromisoformat(m["time_extracted"].replace("Z", "+00:00"))
        for m in out.messages
        if m["type"] == "RECORD"
    ]
    assert extracted
    assert all(started <= moment <= ended for moment in extracted)
    expected = [r["code"] for r in sandbox(server).store.records("items")]
    assert sorted(r["code"] for r in out.records["items"]) == sorted(expected)


def test_records_still_gathered_when_the_interpreter_exits_reach_stdout() -> None:
    script = (
        "import datetime, sys\n"
        "from tap_directo.message_writer import BufferedRecordsWriter\n"
        "writer = BufferedRecordsWriter()\n"
        "at = datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc)\n"
        "for n in range(3):\n"
        "    writer.write_record('items', {'code': str(n)}, None, at)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, check=True, cwd=ROOT, text=True
    )
    assert [json.loads(line)["record"]["code"] for line in done.stdout.splitlines()] == [
        "0",
        "1",
        "2",
    ]
    assert done.stderr == ""
