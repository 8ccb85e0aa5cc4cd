"""Pure pieces of the invoice flow: line comparison by meaning, line typing, reference lookup."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from target_dokus.invoice_lines import LINE_SCHEMA, same_lines, typed_schema
from target_dokus.relations import Reference, ReferenceResolver, Unresolved
from target_dokus.resource_index import DokusResourceIndex
from target_dokus.resources import RESOURCES

HELD = [
    {
        "name": "Kaffe",
        "unit_price": "10.50",
        "quantity": "2.00",
        "discount": "0.00",
        "vat_class": {"id": 2, "name": "Low VAT"},
    }
]


@pytest.mark.parametrize(
    "line",
    [
        {"name": "Kaffe", "unit_price": 10.5, "quantity": 2, "vat_class": 2},
        {"name": "Kaffe", "unit_price": "10.500", "quantity": "2", "vat_class": {"id": 2}},
        {"name": "Kaffe", "unit_price": 10.499, "discount": 0, "vat_class": "2"},  # 2 decimals
        {"name": "Kaffe"},  # a field left out keeps what Dokus holds
    ],
)
def test_lines_with_the_same_meaning_are_unchanged(line: dict[str, Any]) -> None:
    assert same_lines([line], HELD)


@pytest.mark.parametrize(
    "lines",
    [
        [{"name": "Kaffe", "unit_price": 10.6}],
        [{"name": "Kaffe", "vat_class": 1}],
        [{"name": "Kaffe", "quantity": 3}],
        [{"name": "Te"}],
        [{"name": "Kaffe"}, {"name": "Kake", "unit_price": 1}],  # a line added
        [],
    ],
)
def test_a_changed_added_or_removed_line_is_a_change(lines: list[dict[str, Any]]) -> None:
    assert not same_lines(lines, HELD)


def test_no_lines_equal_no_lines() -> None:
    assert same_lines([], None)
    assert same_lines(None, [])


def test_items_typed_as_lines_whatever_the_stream_declares() -> None:
    schema = {"properties": {"items": {"type": "string"}, "sender_ref": {"type": "string"}}}
    typed = typed_schema(RESOURCES["invoices"], schema)
    assert typed["properties"]["items"] == LINE_SCHEMA
    assert typed["properties"]["sender_ref"] == {"type": "string"}
    assert schema["properties"]["items"] == {"type": "string"}  # the input is not changed
    assert typed_schema(RESOURCES["products"], schema) == schema


class _NoClient:
    def request(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("no request expected")


def _index(key_fields: tuple[str, ...], *records: dict[str, Any]) -> DokusResourceIndex:
    index = DokusResourceIndex(
        _NoClient(),  # type: ignore[arg-type]
        RESOURCES["customers"],
        key_fields,
        logging.getLogger("test"),
    )
    for held in records:
        index.remember(held)
    return index


@pytest.mark.parametrize("key_fields", [("email",), ("org_number",)])
def test_reference_resolves_by_any_field_to_the_lowest_id(key_fields: tuple[str, ...]) -> None:
    index = _index(
        key_fields,
        {"id": 7, "email": "a@example.no", "org_number": "912345678"},
        {"id": 3, "email": "a@example.no", "org_number": "987654321"},
    )
    resolver = ReferenceResolver(
        [Reference("invoices", "recipient", "customers", "email", ("customer_code",))],
        {"customers": index},
    )
    resolved = resolver.resolve({"recipient": " a@example.no ", "customer_code": "C1"})
    assert resolved["recipient"] == {"id": 3, "email": "a@example.no"}
    with pytest.raises(Unresolved) as missing:
        resolver.resolve({"recipient": "b@example.no", "customer_code": "C2"})
    assert not missing.value.final
    assert "email='b@example.no' (customer_code='C2')" in missing.value.reason
    with pytest.raises(Unresolved) as empty:
        resolver.resolve({"recipient": "", "customer_code": "C3"})
    assert empty.value.final
    assert resolver.resolve({"recipient": {"id": 9}}) == {"recipient": {"id": 9}}
