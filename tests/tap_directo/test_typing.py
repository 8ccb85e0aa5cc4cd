"""Records in their schema's types whatever JSON types Directo uses, and the same bytes in JSON
and XML: document numbers and codes as numbers or strings, money as numbers or "12.50" strings,
calculated fields no table lists (sandbox/directo_typing.py switches)."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

import jsonschema
import pytest

from sandbox.common import SandboxServer
from sandbox.directo import DirectoEmulator
from sandbox.directo_typing import ServedTyping
from tap_directo.tap import TapDirecto
from tests.tap_directo.harness import SyncOutput, config_for, run_tap

Serve = Callable[..., SandboxServer]
TYPINGS = {
    "as_stored": ServedTyping(calculated_fields=True),
    "numbers_and_money_text": ServedTyping(
        document_numbers="number", codes="number", money="string", calculated_fields=True
    ),
}
_EXTRACTED = re.compile(r',"time_extracted":"[^"]*"')


def record_lines(out: SyncOutput) -> dict[str, list[str]]:
    """Each stream's RECORD lines as written, less the extraction time."""
    lines: dict[str, list[str]] = {}
    for line, message in zip(out.raw.splitlines(), out.messages, strict=True):
        if message["type"] == "RECORD":
            lines.setdefault(message["stream"], []).append(_EXTRACTED.sub("", line))
    return lines


@pytest.fixture(params=list(TYPINGS), ids=list(TYPINGS))
def typed_directo(request: pytest.FixtureRequest, serve: Serve) -> SandboxServer:
    emulator = DirectoEmulator(size=15, rate_limit_per_minute=0, typing=TYPINGS[request.param])
    emulator.change(updates=2, deletes=2)  # deletions of every resource
    return serve(emulator)


@pytest.mark.parametrize("infer_schema", [False, True], ids=["documented", "infer_schema"])
def test_json_and_xml_give_byte_identical_records_and_catalogs(
    typed_directo: SandboxServer, infer_schema: bool
) -> None:
    config = config_for(typed_directo, emit_deleted_records=True, infer_schema=infer_schema)
    xml_config = {**config, "response_format": "xml"}
    catalog = TapDirecto(config=config).catalog_dict
    assert TapDirecto(config=xml_config).catalog_dict == catalog
    as_json, as_xml = run_tap(config), run_tap(xml_config)
    json_lines, xml_lines = record_lines(as_json), record_lines(as_xml)
    assert set(json_lines) >= {"orders", "order_rows", "allocations", "deleted"}
    assert json_lines.keys() == xml_lines.keys()
    for stream, lines in json_lines.items():
        assert xml_lines[stream] == lines, stream


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_record_matches_its_schema(typed_directo: SandboxServer, fmt: str) -> None:
    out = run_tap(config_for(typed_directo, emit_deleted_records=True, response_format=fmt))
    checked = 0
    for stream, records in out.records.items():
        validator = jsonschema.Draft7Validator(out.schemas[stream]["schema"])
        for record in records:
            errors = [e.message for e in validator.iter_errors(record)]
            assert not errors, (stream, record, errors)
            checked += 1
    assert checked > 100


def test_numbers_sent_as_numbers_leave_as_their_text(serve: Serve) -> None:
    typing = TYPINGS["numbers_and_money_text"]
    emulator = DirectoEmulator(size=15, rate_limit_per_minute=0, typing=typing)
    emulator.change(deletes=2, resource="orders")
    server = serve(emulator)
    out = run_tap(config_for(server, emit_deleted_records=True), streams={"orders", "invoices"})
    served = [typing.served(o) for o in emulator.store.records("orders")]
    assert any(isinstance(o["number"], int) for o in served)  # the server sent numbers
    live = [o for o in out.records["orders"] if o.get("_sdc_deleted_at") is None]
    assert [o["number"] for o in live] == [str(o["number"]) for o in served]
    assert [o["total"] for o in live] == [Decimal(o["total"]) for o in served]  # "12.50"
    assert all(isinstance(o["number"], str) for o in out.records["orders"])  # tombstones too
    assert all(isinstance(i["order_number"], str) for i in out.records["invoices"])
    lines = [row for o in live for row in o["rows"]]
    assert all(isinstance(row["row_item"], str) for row in lines)
    assert all(isinstance(row["row_price"], Decimal) for row in lines)
