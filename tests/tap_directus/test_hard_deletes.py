"""detect_hard_deletes: an opt-in key scan emits tombstones for rows deleted since the last run."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sandbox.common import Emulator, SandboxServer
from sandbox.directus import DirectusEmulator
from tap_directus.key_scan import decode_keys, encode_keys, vanished
from tests.tap_directus.harness import config_for, run_tap

Serve = Callable[[Emulator], SandboxServer]


def _tombstones(out, stream: str, key: str = "id") -> list:  # type: ignore[no-untyped-def]
    return [r[key] for r in out.records[stream] if set(r) == {key, "_sdc_deleted_at"}]


@pytest.mark.parametrize(("table", "key"), [("projects", "id"), ("countries", "code")])
def test_deleted_rows_come_as_tombstones_on_the_next_run(
    serve: Serve, table: str, key: str
) -> None:
    emulator = DirectusEmulator(size=30)
    server = serve(emulator)
    config = config_for(server, tables=[table], detect_hard_deletes=True, page_size=7)
    first = run_tap(config)
    assert _tombstones(first, table, key) == []
    assert decode_keys(first.final_state["bookmarks"][table]["key_scan"]) is not None
    schema = first.schemas[table]["schema"]["properties"]
    assert schema["_sdc_deleted_at"]["type"] == ["string", "null"]
    assert schema["_sdc_deleted_at"]["format"] == "date-time"

    gone = emulator.hard_delete_rows(table, 2)
    second = run_tap(config, state=first.final_state)
    assert _tombstones(second, table, key) == sorted(gone)
    assert all(r["_sdc_deleted_at"] for r in second.records[table] if r[key] in gone)
    third = run_tap(config, state=second.final_state)
    assert _tombstones(third, table, key) == []
    scans = [
        e for e in emulator.log.entries(path_prefix=f"/api/1.1/tables/{table}/rows")
        if ("columns", key) in e.query
    ]  # fmt: skip
    assert len(scans) == 3  # one request a run: fewer than 5,000 keys


def test_no_key_scan_unless_asked(serve: Serve) -> None:
    emulator = DirectusEmulator(size=10)
    server = serve(emulator)
    out = run_tap(config_for(server, tables=["projects"]))
    assert "key_scan" not in out.final_state["bookmarks"]["projects"]
    assert "_sdc_deleted_at" not in out.schemas["projects"]["schema"]["properties"]


def test_soft_deleted_rows_are_not_tombstones_without_emit_soft_deletes(serve: Serve) -> None:
    emulator = DirectusEmulator(size=20)
    server = serve(emulator)
    out = run_tap(config_for(server, tables=["clients"], detect_hard_deletes=True))
    assert any(r["active"] == 0 for r in out.records["clients"])
    assert all(r["_sdc_deleted_at"] is None for r in out.records["clients"])


def test_integer_keys_are_kept_as_ranges() -> None:
    stored = encode_keys([1, 2, 3, 5, 6, 9, "10"])
    assert stored == {"ranges": [[1, 3], [5, 6], [9, 10]]}
    assert decode_keys(stored) == {1, 2, 3, 5, 6, 9, 10}
    assert vanished(decode_keys(stored), [1, 2, 3, 6, 10]) == [5, 9]
    text = encode_keys(["b", "a", "10"])
    assert text == {"keys": ["10", "a", "b"]}
    assert vanished(decode_keys(text), ["a"]) == ["10", "b"]
    assert vanished(None, [1]) == []
