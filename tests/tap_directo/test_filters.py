"""filters.py: every filter example of directo-api.md, as a spec, gives the doc's query."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from tap_directo.filters import build_filter_params, encode_query, filter_errors
from tap_directo.resources import RESOURCES, ROW_FIELDS, field_types

TYPES = {r.name: {**field_types(r), **ROW_FIELDS} for r in RESOURCES}

# (spec as a user writes it in `filters`, the query string exactly as the doc prints it)
DOC_EXAMPLES: list[tuple[dict, str]] = [
    ({"code": "9810"}, "code=9810"),
    ({"status": "UUS"}, "status=UUS"),
    ({"number": "12345"}, "number=12345"),
    ({"country": "EE"}, "country=EE"),
    ({"class": "KAUP"}, "class=KAUP"),
    ({"quantity": ">100"}, "quantity=>100"),
    ({"row_price": ">1000"}, "row_price=>1000"),
    ({"date": ">2025-01-01", "status": "COMPLETED"}, "date=>2025-01-01&status=COMPLETED"),
    ({"country": "EE", "city": "Tallinn"}, "country=EE&city=Tallinn"),
    ({"city": "Tallinn"}, "city=Tallinn"),
    ({"date": ">2025-09-01T00:00:00"}, "date=>2025-09-01T00:00:00"),
    ({"row_quantity": ">5000"}, "row_quantity=>5000"),
    ({"date": "<2025-09-03T00:00:00"}, "date=<2025-09-03T00:00:00"),
    ({"row_quantity": "<5000"}, "row_quantity=<5000"),
    ({"country!": "EE"}, "country!=EE"),
    ({"status!": "CLOSED"}, "status!=CLOSED"),
    ({"price": ">=100"}, "price=>=100"),
    ({"date": ">=2025-01-01T00:00:00"}, "date=>=2025-01-01T00:00:00"),
    ({"weight": "<=5.5"}, "weight=<=5.5"),
    ({"date": "<=2025-12-31T23:59:59"}, "date=<=2025-12-31T23:59:59"),
    (
        {"date": [">2025-09-01T00:00:00", "<2025-09-03T00:00:00"]},
        "date=>2025-09-01T00:00:00&date=<2025-09-03T00:00:00",
    ),
    ({"quantity": [">10", "<100"]}, "quantity=>10&quantity=<100"),
    ({"warehouse": "AALTR,AIPM,WAREHOUSE1"}, "warehouse=AALTR,AIPM,WAREHOUSE1"),
    ({"status": "NEW,PENDING,PROCESSING"}, "status=NEW,PENDING,PROCESSING"),
    ({"country": "EE,LV,LT"}, "country=EE,LV,LT"),
    ({"ts": ">2025-10-01T08:11:05.129Z"}, "ts=>2025-10-01T08:11:05.129Z"),
    ({"ts": ">2025-01-01T00:00:00Z"}, "ts=>2025-01-01T00:00:00Z"),
    ({"row_item": "343443"}, "row_item=343443"),
    ({"row_quantity": ">10"}, "row_quantity=>10"),
    ({"IS_WEIGHT": "1"}, "IS_WEIGHT=1"),
    ({"VISUAL_VERIFICATION": "1"}, "VISUAL_VERIFICATION=1"),
    (
        {"status": "NEW", "date": ">2025-11-13T00:00:00", "customer_code": "CUST001"},
        "status=NEW&date=>2025-11-13T00:00:00&customer_code=CUST001",
    ),
    (
        {"quantity": "<10", "warehouse": "AALTR,AIPM", "status!": "CLOSED"},
        "quantity=<10&warehouse=AALTR,AIPM&status!=CLOSED",
    ),
    ({"number": "!001"}, "number=!001"),
    ({"country": "!EE"}, "country=!EE"),
    ({"closed": "1"}, "closed=1"),
    ({"name": "Kalev"}, "name=Kalev"),
    ({"date": [">2025-11-01", "<2025-11-08"]}, "date=>2025-11-01&date=<2025-11-08"),
    ({"warehouse": "AALTR", "quantity": ">0"}, "warehouse=AALTR&quantity=>0"),
    ({"item_code": "1011"}, "item_code=1011"),
    ({"resource_type": "customers"}, "resource_type=customers"),
    ({"ts": "2025-11-20T07:00:00Z"}, "ts=2025-11-20T07:00:00Z"),
    (
        {"date": [">2025-11-01T00:00:00", "<2025-12-01T00:00:00"]},
        "date=>2025-11-01T00:00:00&date=<2025-12-01T00:00:00",
    ),
    ({"status": "NEW,PENDING"}, "status=NEW,PENDING"),
]


@pytest.mark.parametrize(("spec", "doc_query"), DOC_EXAMPLES, ids=[q for _, q in DOC_EXAMPLES])
def test_doc_example_gives_the_doc_query(spec: dict, doc_query: str) -> None:
    expected = [tuple(pair.split("=", 1)) for pair in doc_query.split("&")]
    assert build_filter_params(spec) == expected
    # what the server decodes from our encoded query is what the doc's URL means
    assert parse_qsl(encode_query(build_filter_params(spec))) == parse_qsl(doc_query)


def test_values_are_url_encoded_commas_and_not_equal_stay_literal() -> None:
    params = build_filter_params(
        {"date": [">=2025-09-01T00:00:00+02:00", "<2025-09-03"], "country!": "EE", "s": "A,B"}
    )
    assert encode_query(params) == (
        "date=%3E%3D2025-09-01T00%3A00%3A00%2B02%3A00&date=%3C2025-09-03&country!=EE&s=A,B"
    )


def test_plus_in_a_zone_survives_the_round_trip() -> None:
    query = encode_query([("ts", ">=2025-01-01T00:00:00+02:00")])
    assert parse_qsl(query) == [("ts", ">=2025-01-01T00:00:00+02:00")]


def test_special_characters_are_encoded() -> None:
    assert encode_query([("name", "Kommid Lily & Kalev")]) == "name=Kommid%20Lily%20%26%20Kalev"
    assert parse_qsl(encode_query([("name", "Šokolaad")])) == [("name", "Šokolaad")]


def test_valid_specs_have_no_errors() -> None:
    filters = {
        "orders": {"status": "NEW,PENDING", "date": ">=2025-01-01T00:00:00"},
        "items": {"country!": "EE", "IS_WEIGHT": "1", "price": [">=1", "<5"]},
        "invoices": {"row_quantity": ">10", "due_date": "<2026-01-01"},
    }
    assert filter_errors(filters, TYPES) == []
    assert filter_errors(None, TYPES) == []


@pytest.mark.parametrize(
    ("filters", "setting", "hint"),
    [
        ({"orderz": {"status": "NEW"}}, "filters.orderz", "unknown stream"),
        ({"order_rows": {"row_item": "1"}}, "filters.order_rows", "unknown stream"),
        ({"orders": {"date": ">=2025-13-01"}}, "filters.orders.date", "ISO 8601"),
        ({"orders": {"date": ">=yesterday"}}, "filters.orders.date", "ISO 8601"),
        ({"items": {"ts": ">=2025/01/01"}}, "filters.items.ts", "ISO 8601"),
        ({"orders": {"status": ">>NEW"}}, "filters.orders.status", "malformed operator"),
        ({"items": {"price": "=>100"}}, "filters.items.price", "malformed operator"),
        ({"items": {"price": "<>100"}}, "filters.items.price", "malformed operator"),
        ({"items": {"price>": "100"}}, "filters.items.price>", "not a field name"),
        ({"items": {"country!": "!EE"}}, "filters.items.country!", "combines"),
        ({"items": {"price": 100}}, "filters.items.price", "string or a list"),
        ({"items": {"price": []}}, "filters.items.price", "string or a list"),
        ({"items": "country=EE"}, "filters.items", "object"),
        (["items"], "filters", "object"),
    ],
)
def test_bad_filters_give_one_line_naming_the_setting(
    filters: object, setting: str, hint: str
) -> None:
    errors = filter_errors(filters, TYPES)
    assert len(errors) == 1
    assert errors[0].startswith(setting + ":")
    assert hint in errors[0]
    assert "\n" not in errors[0]
