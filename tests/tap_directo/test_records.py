"""What a record looks like whatever shape Directo sends: JSON nulls and XML empty or child-element
values, single-element lists, record elements named otherwise than we read the doc, fields and
datafield codes the schema lacks (kept and logged once per stream)."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal

import pytest

from sandbox.common import Fault, SandboxServer
from sandbox.directo import DirectoEmulator
from tap_directo.parsing import ResponseBodyError, parse_xml_records
from tests.tap_directo.harness import config_for, run_tap

Serve = Callable[..., SandboxServer]
API = "/apidirect/v1/"
TYPES = {"price": "number", "quantity": "number", "closed": "integer", "total": "number"}
ROW_TYPES = {"row_no": "integer", "row_price": "number"}


def xml_records(body: str, root: str = "orders", element: str = "order") -> list[dict]:
    return list(parse_xml_records(io.BytesIO(body.encode()), root, element, TYPES, ROW_TYPES))


def test_single_line_and_single_datafield_are_lists() -> None:
    (record,) = xml_records(
        '<orders><order number="1" total="12.50"><rows><row row_no="1" row_price="2"/></rows>'
        '<datafields><data code="SOURCE" content="WEB"/></datafields></order></orders>'
    )
    assert record == {
        "number": "1",
        "total": Decimal("12.50"),
        "rows": [{"row_no": 1, "row_price": 2}],
        "datafields": [{"code": "SOURCE", "content": "WEB"}],
    }


def test_empty_number_attribute_is_a_missing_value() -> None:
    (record,) = xml_records('<orders><order number="1" total="" closed=" " status=""/></orders>')
    assert record == {"number": "1", "status": ""}  # an empty string stays a string


def test_values_as_child_elements_are_typed_like_attributes() -> None:
    (record,) = xml_records(
        "<orders><order><number>7</number><total>3.5</total><note>tere</note><empty/></order>"
        "</orders>"
    )
    assert record == {"number": "7", "total": Decimal("3.5"), "note": "tere"}


def test_record_element_named_otherwise_still_gives_every_record() -> None:
    body = '<?xml version="1.0"?>\n<!-- export --><orders>\n<document number="1"/>'
    body += '<document number="2" closed="0"/></orders>'
    assert xml_records(body) == [{"number": "1"}, {"number": "2", "closed": 0}]
    assert xml_records("<orders></orders>") == []
    assert xml_records("<orders/>") == []


def test_another_root_is_an_error_not_records() -> None:
    with pytest.raises(ResponseBodyError, match="expected XML root <orders>, got <html>"):
        xml_records("<html><body><p>Maintenance</p></body></html>")


@pytest.fixture
def directo(serve: Serve) -> SandboxServer:
    return serve(DirectoEmulator(size=5, rate_limit_per_minute=0))


def _serve_items_body(server: SandboxServer, body: str, content_type: str) -> None:
    fault = Fault(kind="body", status=200, body=body, content_type=content_type, path=API + "items")
    server.emulator.faults.add(fault)


def test_json_nulls_and_xml_empty_values_give_the_same_record(directo: SandboxServer) -> None:
    as_json = (
        '[{"code":"A1","name":"Õun","price":null,"quantity":3,"supplier_code":null,'
        '"datafields":[{"code":"X","content":"1"}]}]'
    )
    as_xml = (
        '<items><item code="A1" name="Õun" price="" quantity="3">'
        '<datafields><data code="X" content="1"/></datafields></item></items>'
    )
    _serve_items_body(directo, as_json, "application/json")
    json_out = run_tap(config_for(directo), streams={"items"})
    _serve_items_body(directo, as_xml, "application/xml")
    xml_out = run_tap(config_for(directo, response_format="xml"), streams={"items"})
    expected = {
        "code": "A1",
        "name": "Õun",
        "quantity": 3,
        "datafields": [{"code": "X", "content": "1"}],
    }
    assert json_out.records["items"] == [expected]
    assert xml_out.records["items"] == [expected]


def test_json_null_in_a_line_is_a_missing_value(directo: SandboxServer) -> None:
    body = '[{"number":"9","rows":[{"row_no":1,"row_item":"A","row_discount":null}]}]'
    directo.emulator.faults.add(
        Fault(
            kind="body", status=200, body=body, content_type="application/json", path=API + "orders"
        )
    )
    out = run_tap(config_for(directo), streams={"orders", "order_rows"})
    assert out.records["orders"][0]["rows"] == [{"row_no": 1, "row_item": "A"}]
    assert out.records["order_rows"] == [{"number": "9", "row_no": 1, "row_item": "A"}]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_datafield_codes_that_differ_between_records(
    directo: SandboxServer, fmt: str, caplog: pytest.LogCaptureFixture
) -> None:
    """As an object, each record has its own codes; codes the schema lacks are logged once."""
    emulator = directo.emulator
    assert isinstance(emulator, DirectoEmulator)
    original = emulator.store.generator.build["items"]

    def varied(i: int) -> dict:
        record = original(i)
        record["datafields"] = [{"code": f"CODE_{i % 2}", "content": str(i)}]
        if i == 4:
            record["datafields"].append({"code": "LATE_CODE", "content": "x"})
        return record

    emulator.store.generator.build["items"] = varied
    config = config_for(directo, datafields_as_object=True, response_format=fmt)
    out = run_tap(config, streams={"items"})
    assert [r["datafields"] for r in out.records["items"]] == [
        {"CODE_0": "0"},
        {"CODE_1": "1"},
        {"CODE_0": "2"},
        {"CODE_1": "3"},
        {"CODE_0": "4", "LATE_CODE": "x"},
    ]
    warnings = [r.getMessage() for r in caplog.records if "datafield codes" in r.getMessage()]
    assert len(warnings) == 3  # once per code, never again for the same code
    assert "LATE_CODE" in warnings[-1]


def test_codes_sampled_by_infer_schema_are_not_reported(
    directo: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    config = config_for(directo, datafields_as_object=True, infer_schema=True)
    out = run_tap(config, streams={"items"})
    assert out.records["items"]
    assert "datafield codes" not in caplog.text
