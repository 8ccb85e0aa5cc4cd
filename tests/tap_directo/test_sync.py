"""tap-directo syncs against the sandbox: incremental on ts (with and without ts in records),
deletions, JSON/XML equivalence, line streams without extra requests, settings."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from contextlib import redirect_stdout
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from sandbox.common import SandboxServer
from sandbox.directo import DirectoEmulator
from tap_directo.streams import ResourceStream
from tap_directo.tap import TapDirecto
from tests.tap_directo.harness import (
    DATA_RESOURCES,
    catalog_selecting,
    config_for,
    run_tap,
    sandbox,
)

Serve = Callable[..., SandboxServer]
API = "/apidirect/v1/"


def when(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def by_key(records: list[dict], key: str = "code") -> dict[Any, dict]:
    return {r[key]: r for r in records}


@pytest.fixture
def directo(serve: Serve) -> SandboxServer:
    return serve(DirectoEmulator(size=30, rate_limit_per_minute=0))


@pytest.fixture
def directo_no_ts(serve: Serve) -> SandboxServer:
    return serve(DirectoEmulator(size=30, serve_ts=False, rate_limit_per_minute=0))


def test_first_sync_reads_every_resource(directo: SandboxServer) -> None:
    out = run_tap(config_for(directo))
    for stream in DATA_RESOURCES:
        assert len(out.records[stream]) == 30, stream
    assert out.records["deleted"] == []
    paths = [e.path for e in sandbox(directo).log.entries()]
    assert sorted(paths) == sorted(f"{API}{r}" for r in (*DATA_RESOURCES, "deleted"))
    item = by_key(out.records["items"])["1011"]
    assert item["name"] == "Kommid Lily, Kalev"
    assert item["price"] == 12.5
    assert item["datafields"][0] == {"code": "TEST_ARTIKKEL", "content": "Test lisaväli sisu"}


@pytest.mark.parametrize("fixture", ["directo", "directo_no_ts"])
def test_second_sync_moves_only_changes_and_loses_nothing(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    server: SandboxServer = request.getfixturevalue(fixture)
    emulator = sandbox(server)
    config = config_for(server, emit_deleted_records=True)
    first = run_tap(config)
    assert len(first.records["customers"]) == 30
    assert first.bookmark("customers")

    changes = emulator.change(updates=3, deletes=2, inserts=2, resource="customers")["changed"]
    second = run_tap(config, state=first.final_state)

    customers = second.records["customers"]
    live = {r["code"]: r for r in customers if "_sdc_deleted_at" not in r}
    deleted = {r["code"] for r in customers if "_sdc_deleted_at" in r}
    updated = {k["code"] for k in changes["customers"]["updated"]}
    inserted = {k["code"] for k in changes["customers"]["inserted"]}
    assert updated | inserted <= set(live)
    # nothing else moved, except the record(s) exactly at the bookmark (`ts>=`, at-least-once)
    boundary = set(live) - updated - inserted
    assert all(live[code].get("ts") == first.bookmark("customers") for code in boundary)
    assert len(boundary) <= 1
    assert deleted == {k["code"] for k in changes["customers"]["deleted"]}
    for code in updated:
        assert (
            live[code]["credit_limit"]
            == emulator.store.get("customers", _index(emulator, code))["credit_limit"]
        )
    assert {d["code"] for d in second.records["deleted"]} == deleted
    # untouched resources move nothing but the record at the bookmark (ts>=)
    assert all(r.get("ts") == first.bookmark("items") for r in second.records["items"])
    # the bookmark never goes back
    assert when(second.bookmark("customers")) >= when(first.bookmark("customers"))

    third = run_tap(config, state=second.final_state)
    assert all(
        r["code"] in updated | inserted | deleted for r in third.records["customers"]
    )  # at most the boundary repeats


def _index(emulator: DirectoEmulator, code: str) -> int:
    for i in range(emulator.store.count("customers")):
        record = emulator.store.get("customers", i)
        if record is not None and record["code"] == code:
            return i
    raise AssertionError(code)


def test_bookmark_is_largest_ts_when_records_carry_it(directo: SandboxServer) -> None:
    out = run_tap(config_for(directo), streams={"items"})
    largest = max(when(r["ts"]) for r in out.records["items"])
    assert when(out.bookmark("items")) == largest


def test_bookmark_without_ts_is_request_time_minus_overlap(directo_no_ts: SandboxServer) -> None:
    before = datetime.now(timezone.utc).replace(microsecond=0)
    out = run_tap(config_for(directo_no_ts, bookmark_overlap_seconds=120), streams={"items"})
    after = datetime.now(timezone.utc)
    assert all("ts" not in r for r in out.records["items"])
    bookmark = when(out.bookmark("items"))
    assert before - timedelta(seconds=121) <= bookmark <= after - timedelta(seconds=119)


def test_bookmark_is_sent_as_ts_filter(directo: SandboxServer) -> None:
    first = run_tap(config_for(directo), streams={"orders"})
    sandbox(directo).log.clear()
    run_tap(config_for(directo), state=first.final_state, streams={"orders"})
    (entry,) = sandbox(directo).log.entries(path_prefix=API + "orders")
    assert entry.query == [("ts", ">=" + first.bookmark("orders"))]


def test_change_during_sync_is_not_skipped(directo: SandboxServer) -> None:
    """A record changed while the body streams is fetched again by the next sync."""
    emulator = sandbox(directo)
    config = config_for(directo)
    changed: dict[str, Any] = {}
    original = emulator.store.records

    def records_with_change(resource: str):  # the change lands mid-body
        for n, record in enumerate(original(resource)):
            if resource == "items" and n == 20 and not changed:
                changed.update(emulator.change(updates=1, resource="items")["changed"])
            yield record

    emulator.store.records = records_with_change  # type: ignore[method-assign]
    first = run_tap(config, streams={"items"})
    emulator.store.records = original  # type: ignore[method-assign]
    code = changed["items"]["updated"][0]["code"]
    second = run_tap(config, state=first.final_state, streams={"items"})
    assert code in {r["code"] for r in second.records["items"]}


def test_start_date_limits_first_sync(directo: SandboxServer) -> None:
    emulator = sandbox(directo)
    emulator.change(updates=2, resource="items")
    start = (datetime.now(timezone.utc) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = run_tap(config_for(directo, start_date=start), streams={"items"})
    assert len(out.records["items"]) == 2
    (entry,) = emulator.log.entries(path_prefix=API + "items")
    assert entry.query[0][0] == "ts"
    assert entry.query[0][1].startswith(">=" + start[:19])


def test_json_and_xml_give_identical_records(directo: SandboxServer) -> None:
    config = config_for(directo, emit_deleted_records=True)
    sandbox(directo).change(deletes=1)
    as_json = run_tap(config)
    as_xml = run_tap({**config, "response_format": "xml"})
    accepts = {e.headers.get("accept") for e in sandbox(directo).log.entries()}
    assert accepts == {"application/json", "application/xml"}
    assert as_json.records.keys() == as_xml.records.keys()
    for stream, records in as_json.records.items():
        assert as_xml.records[stream] == records, stream
    # single-element arrays stay arrays; an empty datafields list stays a list
    one_row = [o for o in as_xml.records["orders"] if len(o.get("rows") or []) == 1]
    assert one_row
    assert by_key(as_xml.records["items"])["1012"]["datafields"] == []
    # same bookmarks (but `deleted`, whose new deletions are capped at each run's own time)
    streams = set(as_json.final_state["bookmarks"]) - {"deleted"}
    assert {s: as_json.bookmark(s) for s in streams} == {s: as_xml.bookmark(s) for s in streams}


def test_line_streams_come_from_the_same_responses(directo: SandboxServer) -> None:
    out = run_tap(config_for(directo), streams={"orders", "order_rows", "invoices", "invoice_rows"})
    requested = [e.path for e in sandbox(directo).log.entries()]
    assert sorted(requested) == [API + "invoices", API + "orders"]
    expected = [{"number": o["number"], **row} for o in out.records["orders"] for row in o["rows"]]
    assert out.records["order_rows"] == expected
    assert len(out.records["invoice_rows"]) == sum(len(i["rows"]) for i in out.records["invoices"])
    assert out.schemas["order_rows"]["key_properties"] == ["number", "row_no"]


def test_line_stream_alone_still_reads_its_parent_once(directo: SandboxServer) -> None:
    out = run_tap(config_for(directo), streams={"order_rows"})
    assert "orders" not in out.records
    assert out.records["order_rows"]
    assert [e.path for e in sandbox(directo).log.entries()] == [API + "orders"]


def test_many_documents_are_handed_to_line_stream_in_batches(serve: Serve) -> None:
    server = serve(DirectoEmulator(size=1200, rate_limit_per_minute=0))
    out = run_tap(config_for(server), streams={"orders", "order_rows"})
    assert len(out.records["orders"]) == 1200
    numbers = {r["number"] for r in out.records["order_rows"]}
    assert numbers == {o["number"] for o in out.records["orders"]}
    schema_messages = [m for m in out.messages if m["type"] == "SCHEMA"]
    assert len(schema_messages) <= 2 + 3  # once per stream, plus once per batch of lines


def test_datafields_as_object(directo: SandboxServer) -> None:
    out = run_tap(config_for(directo, datafields_as_object=True), streams={"items"})
    item = by_key(out.records["items"])["1011"]
    assert item["datafields"] == {
        "TEST_ARTIKKEL": "Test lisaväli sisu",
        "IS_WEIGHT": "0",
        "VISUAL_VERIFICATION": "0",
        "VENSAFE": "0",
    }
    assert by_key(out.records["items"])["1012"]["datafields"] == {}


STOCK_KEY_5 = ["item_code", "warehouse", "location", "batch_number", "serial_number"]


def test_stock_level_keys_are_always_complete(directo: SandboxServer) -> None:
    """A finer stock key (`primary_keys`) is filled with "-" where a record lacks a part."""
    config = config_for(directo, primary_keys={"stocklevels": STOCK_KEY_5})
    out = run_tap(config, streams={"stocklevels"})
    keys = ("item_code", "warehouse", "location", "batch_number", "serial_number")
    assert out.schemas["stocklevels"]["key_properties"] == list(keys)
    assert all(
        all(isinstance(r[k], str) and r[k] for k in keys) for r in out.records["stocklevels"]
    )
    assert any(r["serial_number"] == "-" for r in out.records["stocklevels"])  # omitted part
    assert len({tuple(r[k] for k in keys) for r in out.records["stocklevels"]}) == 30


def test_unknown_fields_are_kept_and_logged_once(
    directo: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    emulator = sandbox(directo)
    original = emulator.store.generator.build["items"]
    emulator.store.generator.build["items"] = lambda i: {**original(i), "shelf_life_days": i}
    out = run_tap(config_for(directo), streams={"items"})
    assert [r["shelf_life_days"] for r in out.records["items"]] == list(range(30))
    warnings = [r for r in caplog.records if "shelf_life_days" in r.getMessage()]
    assert len(warnings) == 1
    assert "infer_schema" in warnings[0].getMessage()


def test_infer_schema_widens_with_sampled_fields(directo: SandboxServer) -> None:
    emulator = sandbox(directo)
    original = emulator.store.generator.build["orders"]

    def with_extra(i: int) -> dict:
        record = original(i)
        record["project"] = f"P{i}"
        record["rows"][0]["row_vat"] = 22
        return record

    emulator.store.generator.build["orders"] = with_extra
    config = config_for(directo, infer_schema=True, datafields_as_object=True)
    out = run_tap(config, streams={"orders", "order_rows", "items"})
    orders = out.schemas["orders"]["schema"]["properties"]
    assert orders["project"]["type"] == ["string", "null"]
    assert orders["rows"]["items"]["properties"]["row_vat"]["type"] == ["number", "null"]
    assert out.schemas["order_rows"]["schema"]["properties"]["row_vat"]["type"] == [
        "number",
        "null",
    ]
    datafields = out.schemas["items"]["schema"]["properties"]["datafields"]["properties"]
    assert {"IS_WEIGHT", "VENSAFE", "TEST_ARTIKKEL"} <= set(datafields)
    # XML numbers of sampled fields are typed like JSON's
    xml = run_tap({**config, "response_format": "xml"}, streams={"order_rows"})
    assert {r["row_vat"] for r in xml.records["order_rows"] if "row_vat" in r} == {22}


def test_date_windows_split_document_streams(directo: SandboxServer) -> None:
    start = datetime.now(timezone.utc) - timedelta(days=22)
    config = config_for(
        directo, date_window_days=7, start_date=start.strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    sandbox(directo).change(updates=4, resource="orders")
    out = run_tap(config, streams={"orders", "items"})
    orders = sandbox(directo).log.entries(path_prefix=API + "orders")
    dates = [[v for k, v in e.query if k == "date"] for e in orders]
    assert len(orders) == 4  # before start+7d, two full weeks, the rest
    assert dates[0] == [f"<{(start + timedelta(days=7)).strftime('%Y-%m-%dT%H:%M:%S')}"]
    assert dates[-1] == [f">={(start + timedelta(days=21)).strftime('%Y-%m-%dT%H:%M:%S')}"]
    for before, after in itertools.pairwise(dates):  # contiguous: no gap, no overlap
        assert before[-1] == "<" + after[0].removeprefix(">=")
    assert len(out.records["orders"]) == 4
    assert len(sandbox(directo).log.entries(path_prefix=API + "items")) == 1


def test_filters_setting_reaches_the_api(directo: SandboxServer) -> None:
    filters = {
        "orders": {"status": "NEW,PENDING", "date": [">=2025-01-01T00:00:00", "<2026-01-01"]},
        "items": {"country!": "EE"},
    }
    out = run_tap(config_for(directo, filters=filters), streams={"orders", "items"})
    assert out.records["orders"]
    assert all(o["status"] in ("NEW", "PENDING") for o in out.records["orders"])
    assert all(i.get("country") != "EE" for i in out.records["items"])
    (orders,) = sandbox(directo).log.entries(path_prefix=API + "orders")
    assert orders.raw_query == (
        "status=NEW,PENDING&date=%3E%3D2025-01-01T00%3A00%3A00&date=%3C2026-01-01"
    )
    (items,) = sandbox(directo).log.entries(path_prefix=API + "items")
    assert items.raw_query == "country!=EE"


def test_api_key_never_in_output(directo: SandboxServer) -> None:
    config = config_for(directo)
    out = run_tap(config, streams={"items"})
    assert config["api_key"] not in out.raw
    entry = sandbox(directo).log.entries()[0]
    assert config["api_key"] not in entry.raw_query
    assert entry.headers["x-directo-key"] == config["api_key"]


def test_unknown_line_fields_are_logged_once(
    directo: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    emulator = sandbox(directo)
    original = emulator.store.generator.build["invoices"]

    def with_vat(i: int) -> dict:
        record = original(i)
        for row in record["rows"]:
            row["row_vat"] = 22
        return record

    emulator.store.generator.build["invoices"] = with_vat
    out = run_tap(config_for(directo), streams={"invoices"})
    assert all(row["row_vat"] == 22 for i in out.records["invoices"] for row in i["rows"])
    warnings = [r for r in caplog.records if "row_vat" in r.getMessage()]
    assert len(warnings) == 1
    assert "(in rows)" in warnings[0].getMessage()


def test_deletions_into_stock_levels_carry_the_whole_key(directo: SandboxServer) -> None:
    config = config_for(
        directo, emit_deleted_records=True, primary_keys={"stocklevels": STOCK_KEY_5}
    )
    first = run_tap(config, streams={"stocklevels"})
    changed = sandbox(directo).change(deletes=2, resource="stocklevels")["changed"]
    second = run_tap(config, state=first.final_state, streams={"stocklevels"})
    deletions = [r for r in second.records["stocklevels"] if "_sdc_deleted_at" in r]
    keys = ("item_code", "warehouse", "location", "batch_number", "serial_number")
    assert sorted(tuple(d[k] for k in keys) for d in deletions) == sorted(
        tuple(key.get(k, "-") for k in keys) for key in changed["stocklevels"]["deleted"]
    )
    assert all(when(d["_sdc_deleted_at"]) > when(first.bookmark("stocklevels")) for d in deletions)


def test_line_stream_follows_a_stream_map_filter_on_its_parent(directo: SandboxServer) -> None:
    config = config_for(directo, stream_maps={"orders": {"__filter__": "status == 'NEW'"}})
    out = run_tap(config, streams={"orders", "order_rows"})
    kept = {o["number"] for o in out.records["orders"]}
    assert kept
    assert all(o["status"] == "NEW" for o in out.records["orders"])
    assert {r["number"] for r in out.records["order_rows"]} == kept


def test_unselected_line_stream_keeps_no_lines(directo: SandboxServer) -> None:
    config = config_for(directo)
    catalog = catalog_selecting(config, {"orders"})
    tap = TapDirecto(config=config, catalog=catalog)
    with redirect_stdout(io.TextIOWrapper(io.BytesIO(), encoding="utf-8")):
        tap.sync_all()
    orders = tap.streams["orders"]
    assert isinstance(orders, ResourceStream)
    assert orders.lines is not None
    assert orders.lines.buffer == []
    assert orders.lines.parked == {}


# directo-api.md, "Filterable Fields (Stored in Database)", transcribed here from the doc
DOC_FIELDS = {
    "items": "code name class status country unit price cost supplier_code barcode weight volume",
    "orders": "number date status customer_code customer_name total currency payment_terms "
    "delivery_date warehouse",
    "customers": "code name country city address phone email vat_number payment_terms credit_limit",
    "stocklevels": "item_code warehouse quantity reserved_quantity available_quantity location "
    "batch_number serial_number",
}
DOC_FIELDS["invoices"] = DOC_FIELDS["orders"]
DOC_LINE_FIELDS = {
    "row_item",
    "row_quantity",
    "row_price",
    "row_description",
    "row_discount",
    "row_warehouse",
}


def test_schemas_carry_the_doc_fields_and_the_chosen_keys() -> None:
    catalog = TapDirecto(config={"api_key": "k-123456"}).catalog_dict
    entries = {e["tap_stream_id"]: e for e in catalog["streams"]}
    for stream, fields in DOC_FIELDS.items():
        props = entries[stream]["schema"]["properties"]
        assert set(fields.split()) | {"ts", "datafields"} <= set(props), stream
        assert entries[stream]["replication_key"] == "ts"
    for stream in ("orders", "invoices"):
        rows = entries[stream]["schema"]["properties"]["rows"]["items"]["properties"]
        assert set(rows) >= DOC_LINE_FIELDS
        line_stream = entries[stream.rstrip("s") + "_rows"]
        assert DOC_LINE_FIELDS | {"number", "row_no"} <= set(line_stream["schema"]["properties"])
        assert line_stream["key_properties"] == ["number", "row_no"]
    keys = {name: entry["key_properties"] for name, entry in entries.items()}
    assert keys["items"] == keys["customers"] == ["code"]
    assert keys["orders"] == keys["invoices"] == ["number"]
    assert keys["stocklevels"][:2] == ["item_code", "warehouse"]


def test_stream_map_filter_written_for_deletions_keeps_them(directo: SandboxServer) -> None:
    """The README's form of a filter when deletion records (key + `_sdc_deleted_at`) flow."""
    deleted = sandbox(directo).change(deletes=2, resource="orders")["changed"]["orders"]["deleted"]
    expression = "record.get('status') == 'NEW' or '_sdc_deleted_at' in record"
    config = config_for(
        directo, emit_deleted_records=True, stream_maps={"orders": {"__filter__": expression}}
    )
    out = run_tap(config, streams={"orders", "order_rows"})
    gone = {o["number"] for o in out.records["orders"] if "_sdc_deleted_at" in o}
    assert gone == {k["number"] for k in deleted}
    live = [o for o in out.records["orders"] if "_sdc_deleted_at" not in o]
    assert live
    assert all(o["status"] == "NEW" for o in live)
