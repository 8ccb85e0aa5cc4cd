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


def test_flattening_and_an_alias_still_apply(serve: Serve) -> None:
    server = serve(DirectoEmulator(size=12, rate_limit_per_minute=0))
    source = {r["code"]: r for r in sandbox(server).store.records("items")}
    with_codes = [r for r in source.values() if r.get("datafields")]
    assert with_codes
    flat = run_tap(
        config_for(
            server, datafields_as_object=True, flattening_enabled=True, flattening_max_depth=1
        ),
        streams={"items"},
    )
    for record in flat.records["items"]:
        assert "datafields" not in record
        for field in source[record["code"]].get("datafields") or []:
            assert record[f"datafields__{field['code']}"] == field["content"]
    renamed = run_tap(
        config_for(server, stream_maps={"items": {"__alias__": "products"}}), streams={"items"}
    )
    assert "items" not in renamed.records
    assert sorted(r["code"] for r in renamed.records["products"]) == sorted(source)
