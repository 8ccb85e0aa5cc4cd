"""Primary keys that records carry: a record without one stops the stream with one line, the
`primary_keys` override (discovery, line streams, deletions), and deletions that remove exactly
the rows they name, for every resource, against servers carrying other key fields
(sandbox/directo_typing.py `ServedKeys`)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sandbox.common import SandboxServer
from sandbox.directo import DirectoEmulator
from sandbox.directo_typing import ServedKeys, ServedTyping
from tap_directo.keys import MissingKeyError
from tap_directo.tap import TapDirecto
from tests.tap_directo.harness import (
    DATA_RESOURCES,
    SyncOutput,
    config_for,
    run_tap,
    run_tap_failing,
    source_keys,
)

Serve = Callable[..., SandboxServer]
OTHER_KEYS = ServedKeys(allocation_key="code", stock_deletions="item_warehouse")


def test_records_without_their_key_stop_the_stream_with_one_line(serve: Serve) -> None:
    server = serve(DirectoEmulator(size=10, rate_limit_per_minute=0, served_keys=OTHER_KEYS))
    out, error = run_tap_failing(config_for(server), streams={"allocations"})
    assert isinstance(error, MissingKeyError)
    message = str(error)
    assert "\n" not in message
    assert "Stream 'allocations'" in message
    assert "primary-key field 'number'" in message
    assert "code, date, item_code" in message  # the fields the records do carry
    assert "`primary_keys` setting" in message
    assert '{"allocations": ["code"]}' in message
    assert out.records.get("allocations", []) == []  # none emitted with a null key


def test_primary_keys_override_reaches_catalog_records_and_deletions(serve: Serve) -> None:
    emulator = DirectoEmulator(size=10, rate_limit_per_minute=0, served_keys=OTHER_KEYS)
    server = serve(emulator)
    config = config_for(server, emit_deleted_records=True, primary_keys={"allocations": ["code"]})
    catalog = {e["tap_stream_id"]: e for e in TapDirecto(config=config).catalog_dict["streams"]}
    assert catalog["allocations"]["key_properties"] == ["code"]
    assert catalog["allocations"]["schema"]["properties"]["code"]["type"] == "string"
    assert catalog["items"]["key_properties"] == ["code"]  # other streams keep theirs
    first = run_tap(config, streams={"allocations"})
    deleted = emulator.change(deletes=2, resource="allocations")["changed"]["allocations"]
    second = run_tap(config, state=first.final_state, streams={"allocations"})
    assert {r["code"] for r in first.records["allocations"]} == {
        r["number"] for r in emulator.store.records("allocations")
    } | {k["number"] for k in deleted["deleted"]}
    gone = {r["code"] for r in second.records["allocations"] if r.get("_sdc_deleted_at")}
    assert gone == {k["number"] for k in deleted["deleted"]}


def keyed_load(table: dict[tuple, dict], out: SyncOutput, stream: str, keys: list[str]) -> None:
    """What a keyed loader (upsert on the key, hard delete) does with a stream's records."""
    for record in out.records.get(stream, []):
        key = tuple(record[k] for k in keys)
        assert None not in key, (stream, record)
        if record.get("_sdc_deleted_at"):
            table.pop(key, None)
        else:
            table[key] = record


@pytest.mark.parametrize(
    ("served", "overrides"),
    [
        (ServedKeys(), {}),
        (OTHER_KEYS, {"allocations": ["code"]}),
        (ServedKeys(), {"stocklevels": ["item_code", "warehouse", "location", "serial_number"]}),
    ],
    ids=["documented", "other_keys", "finer_stock_key"],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_keyed_loader_ends_with_exactly_the_live_rows_of_every_resource(
    serve: Serve, served: ServedKeys, overrides: dict, fmt: str
) -> None:
    typing = ServedTyping(document_numbers="number", codes="number")
    emulator = DirectoEmulator(size=20, rate_limit_per_minute=0, served_keys=served, typing=typing)
    server = serve(emulator)
    config = config_for(
        server, emit_deleted_records=True, response_format=fmt, primary_keys=overrides
    )
    tables: dict[str, dict[tuple, dict]] = {r: {} for r in DATA_RESOURCES}
    state: dict = {}
    for _ in range(3):
        out = run_tap(config, state=state)
        for resource in DATA_RESOURCES:
            keys = out.schemas[resource]["key_properties"]
            keyed_load(tables[resource], out, resource, keys)
        state = out.final_state
        emulator.change(updates=2, deletes=3, inserts=1)
    out = run_tap(config, state=state)  # the last changes
    for resource in DATA_RESOURCES:
        keys = out.schemas[resource]["key_properties"]
        keyed_load(tables[resource], out, resource, keys)
        assert set(tables[resource]) == source_keys(emulator, resource, keys), resource
