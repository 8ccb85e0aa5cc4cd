"""RECORD messages skip singer-sdk's per-record steps only where they would change nothing
(record_messages.py): a property deselected in the catalog still leaves every record."""

from __future__ import annotations

from collections.abc import Callable

from sandbox.common import SandboxServer
from sandbox.directo import DirectoEmulator
from tests.tap_directo.harness import catalog_selecting, config_for, run_tap, sandbox

Serve = Callable[..., SandboxServer]
DESELECTED = {"items": {"price", "datafields"}, "order_rows": {"row_price"}}


def _deselect(catalog: dict, properties: dict[str, set[str]]) -> dict:
    for entry in catalog["streams"]:
        names = properties.get(entry["tap_stream_id"], set())
        for meta in entry["metadata"]:
            if meta["breadcrumb"][-1:] and meta["breadcrumb"][-1] in names:
                meta["metadata"]["selected"] = False
    return catalog


def test_deselected_properties_leave_every_record(serve: Serve) -> None:
    server = serve(DirectoEmulator(size=12, rate_limit_per_minute=0))
    config = config_for(server)
    streams = {"items", "orders", "order_rows"}
    catalog = _deselect(catalog_selecting(config, streams), DESELECTED)
    whole, partial = run_tap(config, streams=streams), run_tap(config, catalog=catalog)
    source = list(sandbox(server).store.records("items"))
    assert any("price" in r for r in source)
    assert any(r.get("datafields") for r in source)
    assert any("price" in r for r in whole.records["items"])
    assert any("row_price" in r for r in whole.records["order_rows"])
    for stream, names in DESELECTED.items():
        assert partial.records[stream] == [
            {k: v for k, v in r.items() if k not in names} for r in whole.records[stream]
        ], stream
    assert partial.records["orders"] == whole.records["orders"]
