"""Pin the Directo emulator to directo-api.md: every filter example URL, statuses, formats.

Expected results are computed here, from the unfiltered response, by plain predicates written
from the doc's wording, never by the emulator's own filter code.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest
import requests

from sandbox.common import Fault, SandboxServer
from sandbox.directo import FULL_KEY, LIMITED_KEY, DirectoEmulator

Record = dict[str, Any]
KEY = {"X-Directo-Key": FULL_KEY}


def when(text: str) -> datetime:
    """A doc date/time as an aware UTC datetime (no zone means UTC)."""
    value = text.replace("Z", "+00:00")
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def num(record: Record, name: str) -> float | None:
    value = record.get(name)
    return None if value is None else float(value)


def rows_any(record: Record, test: Callable[[Record], bool]) -> bool:
    return any(test(row) for row in record.get("rows", []))


def datafield(record: Record, code: str) -> str | None:
    return next((d["content"] for d in record.get("datafields", []) if d["code"] == code), None)


def get(
    server: SandboxServer, path: str, headers: dict[str, str] | None = None
) -> requests.Response:
    url = server.emulator.base_url(server.url) + path
    return requests.get(url, headers=KEY if headers is None else headers, timeout=10)


@pytest.fixture
def directo(serve: Callable[..., SandboxServer]) -> SandboxServer:
    return serve(DirectoEmulator(size=60, rate_limit_per_minute=0))


def all_records(server: SandboxServer, resource: str) -> list[Record]:
    response = get(server, f"/v1/{resource}")
    assert response.status_code == 200
    return response.json()


# Every filter example URL in the doc, with what it must return, from the doc's wording.
# (path, predicate over one record, must the seeded data match at least one record?)
DOC_EXAMPLES: list[tuple[str, Callable[[Record], bool], bool]] = [
    # Basic Filtering
    ("/v1/items?code=9810", lambda r: r["code"] == "9810", True),
    ("/v1/items?status=UUS", lambda r: r.get("status") == "UUS", True),
    ("/v1/orders?number=12345", lambda r: r["number"] == "12345", True),
    ("/v1/customers?country=EE", lambda r: r.get("country") == "EE", True),
    ("/v1/items?class=KAUP", lambda r: r.get("class") == "KAUP", True),
    # Practical examples
    ("/v1/items?quantity=>100", lambda r: (num(r, "quantity") or 0) > 100, True),
    ("/v1/orders?row_price=>1000", lambda r: rows_any(r, lambda x: x["row_price"] > 1000), True),
    (
        "/v1/orders?date=>2025-01-01&status=COMPLETED",
        lambda r: when(r["date"]) > when("2025-01-01") and r["status"] == "COMPLETED",
        True,
    ),
    (
        "/v1/customers?country=EE&city=Tallinn",
        lambda r: r.get("country") == "EE" and r.get("city") == "Tallinn",
        True,
    ),
    ("/v1/customers?city=Tallinn", lambda r: r.get("city") == "Tallinn", True),
    # Comparison operators
    ("/v1/orders?date=>2025-09-01T00:00:00", lambda r: when(r["date"]) > when("2025-09-01"), True),
    (
        "/v1/invoices?row_quantity=>5000",
        lambda r: rows_any(r, lambda x: x["row_quantity"] > 5000),
        True,
    ),
    ("/v1/orders?date=<2025-09-03T00:00:00", lambda r: when(r["date"]) < when("2025-09-03"), True),
    (
        "/v1/invoices?row_quantity=<5000",
        lambda r: rows_any(r, lambda x: x["row_quantity"] < 5000),
        True,
    ),
    ("/v1/items?country!=EE", lambda r: r.get("country") != "EE", True),
    ("/v1/orders?status!=CLOSED", lambda r: r.get("status") != "CLOSED", True),
    ("/v1/items?price=>=100", lambda r: (num(r, "price") or 0) >= 100, True),
    (
        "/v1/orders?date=>=2025-01-01T00:00:00",
        lambda r: when(r["date"]) >= when("2025-01-01T00:00:00"),
        True,
    ),
    ("/v1/items?weight=<=5.5", lambda r: r.get("weight") is not None and r["weight"] <= 5.5, True),
    (
        "/v1/orders?date=<=2025-12-31T23:59:59",
        lambda r: when(r["date"]) <= when("2025-12-31T23:59:59"),
        True,
    ),
    # Range filtering (AND)
    (
        "/v1/orders?date=>2025-09-01T00:00:00&date=<2025-09-03T00:00:00",
        lambda r: when("2025-09-01") < when(r["date"]) < when("2025-09-03"),
        True,
    ),
    (
        "/v1/items?quantity=>10&quantity=<100",
        lambda r: 10 < (num(r, "quantity") or 0) < 100,
        True,
    ),
    # Multiple values (OR)
    (
        "/v1/items?warehouse=AALTR,AIPM,WAREHOUSE1",
        lambda r: r.get("warehouse") in ("AALTR", "AIPM", "WAREHOUSE1"),
        True,
    ),
    (
        "/v1/orders?status=NEW,PENDING,PROCESSING",
        lambda r: r["status"] in ("NEW", "PENDING", "PROCESSING"),
        True,
    ),
    ("/v1/customers?country=EE,LV,LT", lambda r: r.get("country") in ("EE", "LV", "LT"), True),
    # Timestamp-based filtering (seeded ts are in early 2025)
    (
        "/v1/items?ts=>2025-10-01T08:11:05.129Z",
        lambda r: when(r["ts"]) > when("2025-10-01T08:11:05.129Z"),
        False,
    ),
    (
        "/v1/customers?ts=>2025-01-01T00:00:00Z",
        lambda r: when(r["ts"]) > when("2025-01-01T00:00:00Z"),
        True,
    ),
    # Line item fields: the whole document if ANY line matches
    (
        "/v1/orders?row_item=343443",
        lambda r: rows_any(r, lambda x: x["row_item"] == "343443"),
        True,
    ),
    (
        "/v1/invoices?row_quantity=>10",
        lambda r: rows_any(r, lambda x: x["row_quantity"] > 10),
        True,
    ),
    # Custom data fields
    ("/v1/items?IS_WEIGHT=1", lambda r: datafield(r, "IS_WEIGHT") == "1", True),
    ("/v1/items?VISUAL_VERIFICATION=1", lambda r: datafield(r, "VISUAL_VERIFICATION") == "1", True),
    # Complex combinations
    (
        "/v1/orders?status=NEW&date=>2025-11-13T00:00:00&customer_code=CUST001",
        lambda r: (
            r["status"] == "NEW"
            and when(r["date"]) > when("2025-11-13")
            and r["customer_code"] == "CUST001"
        ),
        True,
    ),
    (
        "/v1/items?quantity=<10&warehouse=AALTR,AIPM&status!=CLOSED",
        lambda r: (
            (num(r, "quantity") or 0) < 10
            and r.get("warehouse") in ("AALTR", "AIPM")
            and r.get("status") != "CLOSED"
        ),
        True,
    ),
    # Common filter parameters table
    ("/v1/orders?number=!001", lambda r: r["number"] != "001", True),
    ("/v1/customers?country=!EE", lambda r: r.get("country") != "EE", True),
    ("/v1/customers?closed=1", lambda r: r.get("closed") == 1, True),
    ("/v1/orders?closed=0", lambda r: r.get("closed") == 0, True),
    ("/v1/items?name=Kalev", lambda r: r.get("name") == "Kalev", False),
    ("/v1/stocklevels?warehouse=AALTR,AIPM", lambda r: r["warehouse"] in ("AALTR", "AIPM"), True),
    ("/v1/stocklevels?quantity=>100", lambda r: r["quantity"] > 100, True),
    ("/v1/invoices?row_item=1011", lambda r: rows_any(r, lambda x: x["row_item"] == "1011"), True),
    # Performance best practices
    (
        "/v1/items?ts>=2025-11-20T07:00:00Z",
        lambda r: when(r["ts"]) >= when("2025-11-20T07:00:00Z"),
        False,
    ),
    (
        "/v1/orders?date=>2025-11-01&date=<2025-11-08",
        lambda r: when("2025-11-01") < when(r["date"]) < when("2025-11-08"),
        False,
    ),
    (
        "/v1/orders?date=>2025-11-08&date=<2025-11-15",
        lambda r: when("2025-11-08") < when(r["date"]) < when("2025-11-15"),
        True,
    ),
    (
        "/v1/items?warehouse=AALTR&quantity=>0",
        lambda r: r.get("warehouse") == "AALTR" and (num(r, "quantity") or 0) > 0,
        True,
    ),
    # Integration patterns
    (
        "/v1/stocklevels?ts=>2025-01-01T00:00:00Z",
        lambda r: when(r["ts"]) > when("2025-01-01T00:00:00Z"),
        True,
    ),
    ("/v1/stocklevels?item_code=1011", lambda r: r["item_code"] == "1011", True),
    ("/v1/allocations?item_code=1011", lambda r: r["item_code"] == "1011", False),
    (
        "/v1/orders?status=NEW&ts=>2025-01-01T00:00:00Z",
        lambda r: r["status"] == "NEW" and when(r["ts"]) > when("2025-01-01T00:00:00Z"),
        True,
    ),
    (
        "/v1/customers?ts=2025-01-01T00:00:00Z",
        lambda r: when(r["ts"]) >= when("2025-01-01T00:00:00Z"),
        True,
    ),
    (
        "/v1/invoices?ts=>2025-01-01T00:00:00Z",
        lambda r: when(r["ts"]) > when("2025-01-01T00:00:00Z"),
        True,
    ),
    (
        "/v1/priceformulas?ts=>2025-01-01T00:00:00Z",
        lambda r: when(r["ts"]) > when("2025-01-01T00:00:00Z"),
        True,
    ),
    # Troubleshooting, tips, quick reference
    ("/v1/orders?date=>2025-11-20T00:00:00Z", lambda r: when(r["date"]) > when("2025-11-20"), True),
    ("/v1/items?code=1011", lambda r: r["code"] == "1011", True),
    ("/v1/items?warehouse=AALTR", lambda r: r.get("warehouse") == "AALTR", True),
    (
        "/v1/orders?date=>2025-11-01T00:00:00&date=<2025-12-01T00:00:00",
        lambda r: when("2025-11-01") < when(r["date"]) < when("2025-12-01"),
        True,
    ),
    ("/v1/orders?status=NEW,PENDING", lambda r: r["status"] in ("NEW", "PENDING"), True),
    ("/v1/items?country=!EE", lambda r: r.get("country") != "EE", True),
    (
        "/v1/items?ts=2025-11-20T07:00:00Z",
        lambda r: when(r["ts"]) >= when("2025-11-20T07:00:00Z"),
        False,
    ),
]


@pytest.mark.parametrize(
    ("path", "predicate", "nonempty"), DOC_EXAMPLES, ids=[e[0] for e in DOC_EXAMPLES]
)
def test_doc_filter_example(
    directo: SandboxServer, path: str, predicate: Callable[[Record], bool], nonempty: bool
) -> None:
    resource = path.split("/")[2].split("?", maxsplit=1)[0]
    expected = [r for r in all_records(directo, resource) if predicate(r)]
    response = get(directo, path)
    assert response.status_code == 200, response.text
    assert response.json() == expected
    if nonempty:
        assert expected, "seed data should contain a match for this doc example"


@pytest.mark.parametrize(
    "path",
    [
        "/v1/items?available_stock=>100",
        "/v1/orders?order_total=>5000",
        "/v1/customers?full_address=*Tallinn*",
        "/v1/orders?total_with_vat=>10",
        "/v1/invoices?line_total=>1",
        "/v1/orders?discount_amount=>1",
        "/v1/items?profit_margin=>0.2",
        "/v1/customers?total_orders=>3",
        "/v1/items?average_price=>3",
        "/v1/stocklevels?sum_quantity=>3",
        "/v1/orders?formatted_date=2025",
        "/v1/items?display_name=x",
        "/v1/items?calculated_cost=>1",
    ],
)
def test_calculated_field_filter_is_400(directo: SandboxServer, path: str) -> None:
    response = get(directo, path)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "CALCULATED_FIELD"
    assert path.split("?")[1].split("=", maxsplit=1)[0] in error["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/orders?date=>yesterday",
        "/v1/orders?date=>2025-13-01",
        "/v1/orders?date=2025/11/01",
        "/v1/items?ts=>2025-10-01T25:00:00Z",
        "/v1/invoices?due_date=<=soon",
    ],
)
def test_malformed_date_is_400(directo: SandboxServer, path: str) -> None:
    response = get(directo, path)
    assert response.status_code == 400
    assert set(response.json()["error"]) == {"code", "message", "details"}
    assert response.json()["error"]["code"] == "INVALID_DATE_FORMAT"


def test_non_numeric_value_for_numeric_field_is_400(directo: SandboxServer) -> None:
    response = get(directo, "/v1/items?price=>cheap")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_FILTER"


@pytest.mark.parametrize("query", ["cuntry=EE", "Country=EE", "COUNTRY=EE", "nonexistent=1"])
def test_misspelled_or_wrong_case_field_is_ignored(directo: SandboxServer, query: str) -> None:
    assert get(directo, f"/v1/items?{query}").json() == all_records(directo, "items")


def test_dates_with_or_without_time_and_zone_mean_the_same(directo: SandboxServer) -> None:
    forms = [
        "2025-11-01",
        "2025-11-01T00:00:00",
        "2025-11-01T00:00:00Z",
        "2025-11-01T02:00:00%2B02:00",
    ]
    results = [get(directo, f"/v1/orders?date=>={f}").json() for f in forms]
    assert results[0]
    assert all(r == results[0] for r in results)


def test_not_equal_spellings_agree(directo: SandboxServer) -> None:
    assert (
        get(directo, "/v1/items?country!=EE").json() == get(directo, "/v1/items?country=!EE").json()
    )


def test_not_equal_with_list_excludes_every_value(directo: SandboxServer) -> None:
    got = get(directo, "/v1/customers?country=!EE,NO").json()
    assert got
    assert all(r["country"] not in ("EE", "NO") for r in got)


def test_row_filter_returns_whole_document_with_all_lines(directo: SandboxServer) -> None:
    orders = get(directo, "/v1/orders?row_item=343443").json()
    assert orders[0]["number"] == "12345"
    assert all(any(row["row_item"] == "343443" for row in o["rows"]) for o in orders)
    # the non-matching lines come along
    assert any(row["row_item"] != "343443" for row in orders[0]["rows"])


def test_row_filter_on_resource_without_lines_is_ignored(directo: SandboxServer) -> None:
    assert get(directo, "/v1/items?row_item=1011").json() == all_records(directo, "items")


def test_ts_operator_in_key_means_greater_or_equal(directo: SandboxServer) -> None:
    items = all_records(directo, "items")
    pivot = items[10]["ts"]
    got = get(directo, f"/v1/items?ts>={pivot}").json()
    assert got == [r for r in items if when(r["ts"]) >= when(pivot)]
    assert got[0]["ts"] == pivot


def test_ts_without_operator_switch(serve: Callable[..., SandboxServer]) -> None:
    since = serve(DirectoEmulator(size=20, rate_limit_per_minute=0))
    exact = serve(DirectoEmulator(size=20, rate_limit_per_minute=0, ts_equals="exact"))
    items = all_records(since, "items")
    pivot = items[5]["ts"]
    assert [r["code"] for r in get(exact, f"/v1/items?ts={pivot}").json()] == [items[5]["code"]]
    assert get(since, f"/v1/items?ts={pivot}").json() == items[5:]


def test_name_search_switch(serve: Callable[..., SandboxServer]) -> None:
    contains = serve(DirectoEmulator(size=20, rate_limit_per_minute=0, name_search="contains"))
    got = get(contains, "/v1/items?name=Kalev").json()
    assert got
    assert all("kalev" in r["name"].lower() for r in got)


def test_json_matches_doc_example(serve: Callable[..., SandboxServer]) -> None:
    server = serve(DirectoEmulator(serve_ts=False, rate_limit_per_minute=0))
    response = get(server, "/v1/items", {**KEY, "Accept": "application/json"})
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()[:2] == [
        {
            "code": "1011",
            "class": "KAUP",
            "name": "Kommid Lily, Kalev",
            "price": 12.50,
            "quantity": 150,
            "warehouse": "AALTR",
            "datafields": [
                {"code": "TEST_ARTIKKEL", "content": "Test lisaväli sisu"},
                {"code": "IS_WEIGHT", "content": "0"},
                {"code": "VISUAL_VERIFICATION", "content": "0"},
                {"code": "VENSAFE", "content": "0"},
            ],
        },
        {
            "code": "1012",
            "class": "KAUP",
            "name": "Šokolaad Kalev",
            "price": 8.75,
            "quantity": 200,
            "warehouse": "AIPM",
            "datafields": [],
        },
    ]


def test_json_is_default_without_accept(directo: SandboxServer) -> None:
    response = get(directo, "/v1/items", {"X-Directo-Key": FULL_KEY, "Accept": ""})
    assert response.headers["Content-Type"].startswith("application/json")
    assert isinstance(response.json(), list)


def test_json_numbers_are_numbers_and_missing_values_omitted(directo: SandboxServer) -> None:
    items = all_records(directo, "items")
    assert all(isinstance(r["price"], int | float) for r in items)
    assert all(None not in r.values() for r in items)
    assert any("supplier_code" not in r for r in items[2:])
    assert all(
        isinstance(row["row_quantity"], int | float)
        for o in all_records(directo, "orders")
        for row in o["rows"]
    )


def test_xml_matches_doc_example(directo: SandboxServer) -> None:
    response = get(directo, "/v1/items", {**KEY, "Accept": "application/xml"})
    assert response.headers["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "items"
    first, second = root.findall("item")[:2]
    assert {k: v for k, v in first.attrib.items() if k != "ts"} == {
        "code": "1011",
        "class": "KAUP",
        "name": "Kommid Lily, Kalev",
        "price": "12.5",
        "quantity": "150",
        "warehouse": "AALTR",
    }
    assert [d.attrib for d in first.find("datafields")] == [
        {"code": "TEST_ARTIKKEL", "content": "Test lisaväli sisu"},
        {"code": "IS_WEIGHT", "content": "0"},
        {"code": "VISUAL_VERIFICATION", "content": "0"},
        {"code": "VENSAFE", "content": "0"},
    ]
    assert second.attrib["name"] == "Šokolaad Kalev"
    assert second.find("datafields") is not None
    assert len(second.find("datafields")) == 0


def test_xml_and_json_carry_the_same_data(directo: SandboxServer) -> None:
    for resource in ("orders", "stocklevels", "customers"):
        as_json = all_records(directo, resource)
        root = ET.fromstring(
            get(directo, f"/v1/{resource}", {**KEY, "Accept": "application/xml"}).content
        )
        assert root.tag == resource
        assert len(root) == len(as_json)
        for element, record in zip(root, as_json, strict=True):
            scalars = {k: str(v) for k, v in record.items() if not isinstance(v, list)}
            assert element.attrib == scalars
            if "rows" in record:
                lines = element.find("rows").findall("row")
                assert [r.attrib for r in lines] == [
                    {k: str(v) for k, v in row.items()} for row in record["rows"]
                ]


def test_ts_is_utc_iso_and_switchable(serve: Callable[..., SandboxServer]) -> None:
    with_ts = serve(DirectoEmulator(size=10, rate_limit_per_minute=0))
    without = serve(DirectoEmulator(size=10, serve_ts=False, rate_limit_per_minute=0))
    for record in all_records(with_ts, "orders"):
        assert record["ts"].endswith("Z")
        assert when(record["ts"]).utcoffset().total_seconds() == 0
    plain = all_records(without, "orders")
    assert all("ts" not in r for r in plain)
    # ts is still stored and filterable when not served
    pivot = all_records(with_ts, "orders")[4]["ts"]
    assert len(get(without, f"/v1/orders?ts=>={pivot}").json()) == 6
    xml = get(without, "/v1/orders", {**KEY, "Accept": "application/xml"}).content
    assert b" ts=" not in xml


def test_date_header_is_sent(directo: SandboxServer) -> None:
    assert "Date" in get(directo, "/v1/items").headers


@pytest.mark.parametrize(
    ("headers", "path", "status", "code"),
    [
        ({}, "/v1/items", 401, "INVALID_API_KEY"),
        ({"X-Directo-Key": "wrong"}, "/v1/items", 401, "INVALID_API_KEY"),
        ({"X-Directo-Key": LIMITED_KEY}, "/v1/invoices", 403, "FORBIDDEN"),
        ({"X-Directo-Key": LIMITED_KEY}, "/v1/priceformulas", 400, "API_NOT_ENABLED"),
        (KEY, "/v1/nothere", 404, "NOT_FOUND"),
        (KEY, "/v2/items", 404, "NOT_FOUND"),
        (KEY, "/v0/items", 404, "NOT_FOUND"),
    ],
)
def test_error_statuses_and_json_shape(
    directo: SandboxServer, headers: dict[str, str], path: str, status: int, code: str
) -> None:
    response = get(directo, path, headers)
    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == code
    assert error["message"]


def test_api_not_enabled_message(directo: SandboxServer) -> None:
    error = get(directo, "/v1/priceformulas", {"X-Directo-Key": LIMITED_KEY}).json()["error"]
    assert error["message"] == "API not enabled"
    assert "priceformulas" in error["details"]


def test_limited_key_reads_other_resources(directo: SandboxServer) -> None:
    assert get(directo, "/v1/items", {"X-Directo-Key": LIMITED_KEY}).status_code == 200


def test_path_outside_prefix_is_404(directo: SandboxServer) -> None:
    response = requests.get(directo.url + "/api/v1/items", headers=KEY, timeout=10)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


def test_post_is_not_allowed(directo: SandboxServer) -> None:
    url = directo.emulator.base_url(directo.url) + "/v1/items"
    response = requests.post(url, headers=KEY, timeout=10)
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize("status", [500, 503, 429])
def test_injected_server_errors_use_error_json(directo: SandboxServer, status: int) -> None:
    directo.emulator.faults.add(Fault(kind="status", status=status, retry_after=2))
    response = get(directo, "/v1/items")
    assert response.status_code == status
    assert response.headers["Retry-After"] == "2"
    assert set(response.json()["error"]) == {"code", "message", "details"}
    assert get(directo, "/v1/items").status_code == 200


def test_rate_limit_per_key_with_retry_after(serve: Callable[..., SandboxServer]) -> None:
    server = serve(DirectoEmulator(size=5, rate_limit_per_minute=3))
    assert [get(server, "/v1/items").status_code for _ in range(3)] == [200, 200, 200]
    limited = get(server, "/v1/items")
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "RATE_LIMIT_EXCEEDED"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    # the limit is per key
    assert get(server, "/v1/items", {"X-Directo-Key": LIMITED_KEY}).status_code == 200


def test_default_rate_limit_is_sixty_per_minute() -> None:
    assert DirectoEmulator().limit.limit == 60
    assert DirectoEmulator().limit.window == 60.0


def test_change_actions_update_delete_insert(directo: SandboxServer) -> None:
    before = {r["code"]: r for r in all_records(directo, "customers")}
    newest = max(when(r["ts"]) for r in before.values())
    answer = requests.post(
        directo.url + "/_sandbox/change",
        json={"updates": 2, "deletes": 1, "inserts": 3, "resource": "customers"},
        timeout=10,
    ).json()
    changed = answer["changed"]["customers"]
    assert len(changed["updated"]) == 2
    assert len(changed["deleted"]) == 1
    assert len(changed["inserted"]) == 3
    after = {r["code"]: r for r in all_records(directo, "customers")}
    deleted_code = changed["deleted"][0]["code"]
    assert deleted_code not in after
    for key in changed["updated"]:
        code = key["code"]
        assert after[code]["credit_limit"] == before[code]["credit_limit"] + 1
        assert when(after[code]["ts"]) > newest
    for key in changed["inserted"]:
        assert key["code"] in after
        assert key["code"] not in before
        assert when(after[key["code"]]["ts"]) > newest
    deletions = get(directo, "/v1/deleted?resource_type=customers").json()
    assert [d["code"] for d in deletions] == [deleted_code]
    assert when(deletions[0]["ts"]) > newest
    assert get(directo, "/v1/deleted?resource_type=items").json() == []


def test_changes_are_stamped_by_the_emulator_clock(serve: Callable[..., SandboxServer]) -> None:
    """`clock=` lets tests date changes in the past (e.g. a deletion a month ago)."""
    new_year = 1_767_225_600.0  # 2026-01-01T00:00:00Z
    server = serve(DirectoEmulator(size=5, rate_limit_per_minute=0, clock=lambda: new_year))
    changed = server.emulator.change(updates=1, deletes=1, resource="items")["changed"]["items"]
    (updated,) = [
        r for r in all_records(server, "items") if r["code"] == changed["updated"][0]["code"]
    ]
    assert updated["ts"] == "2026-01-01T00:00:00.000Z"
    (deletion,) = get(server, "/v1/deleted").json()
    assert deletion["ts"] == "2026-01-01T00:00:00.001Z"  # strictly after the one before


def test_changed_records_found_by_ts_filter(directo: SandboxServer) -> None:
    items = all_records(directo, "items")
    mark = max(r["ts"] for r in items)
    result = directo.emulator.change(updates=2, inserts=1, resource="items")
    since = get(directo, f"/v1/items?ts=>{mark}").json()
    expected = {
        k["code"]
        for k in result["changed"]["items"]["updated"] + result["changed"]["items"]["inserted"]
    }
    assert {r["code"] for r in since} == expected


def test_change_without_resource_touches_every_resource(directo: SandboxServer) -> None:
    result = directo.emulator.change(deletes=1)
    assert set(result["changed"]) == {
        "items",
        "customers",
        "orders",
        "invoices",
        "stocklevels",
        "itemclasses",
        "allocations",
        "priceformulas",
    }
    deletions = get(directo, "/v1/deleted").json()
    assert sorted(d["resource_type"] for d in deletions) == sorted(result["changed"])
    stock = next(d for d in deletions if d["resource_type"] == "stocklevels")
    assert {"item_code", "warehouse", "location"} <= set(stock)


def test_deleted_filter_by_ts(directo: SandboxServer) -> None:
    directo.emulator.change(deletes=1, resource="items")
    first = get(directo, "/v1/deleted").json()
    directo.emulator.change(deletes=1, resource="orders")
    later = get(directo, f"/v1/deleted?ts=>{first[-1]['ts']}").json()
    assert [d["resource_type"] for d in later] == ["orders"]
    assert "number" in later[0]


def test_change_control_rejects_unknown_resource(directo: SandboxServer) -> None:
    response = requests.post(directo.url + "/_sandbox/change", json={"resource": "x"}, timeout=10)
    assert response.status_code == 400


def test_same_seed_same_data_and_changes(serve: Callable[..., SandboxServer]) -> None:
    a = DirectoEmulator(size=30, seed=7)
    b = DirectoEmulator(size=30, seed=7)
    c = DirectoEmulator(size=30, seed=8)
    assert list(a.store.records("customers")) == list(b.store.records("customers"))
    assert list(a.store.records("customers")) != list(c.store.records("customers"))
    assert a.change(updates=2, deletes=2)["changed"] == b.change(updates=2, deletes=2)["changed"]


def test_seed_data_is_realistic_and_sized(directo: SandboxServer) -> None:
    customers = all_records(directo, "customers")
    assert len(customers) == 60
    assert any(set(r["name"]) & set("äõöüšžøåæÄÕÖÜŠŽØÅÆ") for r in customers)
    assert len({r["code"] for r in customers}) == 60
    stock = all_records(directo, "stocklevels")
    keys = {
        tuple(
            r.get(k)
            for k in ("item_code", "warehouse", "location", "batch_number", "serial_number")
        )
        for r in stock
    }
    assert len(keys) == len(stock)


def test_million_records_are_generated_lazily() -> None:
    emulator = DirectoEmulator(size=1_000_000)
    assert emulator.store.count("items") == 1_000_000
    assert emulator.store.get("items", 999_999)["code"] == "1999999"
    assert emulator.store._overlay["items"] == {}


def test_cached_bodies_equal_fresh_ones_and_follow_changes(
    serve: Callable[..., SandboxServer],
) -> None:
    cached = DirectoEmulator(size=40, rate_limit_per_minute=0, cache_bodies=True)
    server = serve(cached)
    fresh = serve(DirectoEmulator(size=40, rate_limit_per_minute=0))
    try:
        assert get(server, "/v1/orders").content == get(fresh, "/v1/orders").content
        assert get(server, "/v1/orders").content == get(fresh, "/v1/orders").content
        cached.change(updates=1, resource="orders")
        assert get(server, "/v1/orders").json() != get(fresh, "/v1/orders").json()
    finally:
        cached.close()


def test_truncated_body_fault(directo: SandboxServer) -> None:
    directo.emulator.faults.add(Fault(kind="truncate"))
    with pytest.raises(requests.exceptions.RequestException):
        get(directo, "/v1/orders").json()
    assert len(get(directo, "/v1/orders").json()) == 60


def test_malformed_body_fault(directo: SandboxServer) -> None:
    directo.emulator.faults.add(Fault(kind="malformed"))
    with pytest.raises(ValueError):  # noqa: PT011 - json's decode error is a ValueError
        get(directo, "/v1/items").json()


def test_request_log_records_query(directo: SandboxServer) -> None:
    get(directo, "/v1/items?country!=EE&date=>2025-01-01")
    entry = directo.emulator.log.entries(path_prefix="/apidirect/v1/items")[-1]
    assert entry.query == [("country!", "EE"), ("date", ">2025-01-01")]


def test_edit_action_adds_a_line_and_clears_a_field(directo: SandboxServer) -> None:
    before = {r["number"]: r for r in all_records(directo, "invoices")}
    number = sorted(before)[3]
    answer = requests.post(
        directo.url + "/_sandbox/edit",
        json={
            "resource": "invoices",
            "key": {"number": number},
            "add_rows": [{"row_item": "1011", "row_quantity": 2, "row_price": 12.5}],
        },
        timeout=10,
    ).json()
    after = {r["number"]: r for r in all_records(directo, "invoices")}
    rows = after[number]["rows"]
    assert len(rows) == len(before[number]["rows"]) + 1
    assert rows[-1] == {
        "row_no": len(rows),
        "row_item": "1011",
        "row_quantity": 2,
        "row_price": 12.5,
    }
    assert answer["record"]["rows"] == rows
    assert when(after[number]["ts"]) > max(when(r["ts"]) for r in before.values())
    assert {n: r for n, r in after.items() if n != number} == {
        n: r for n, r in before.items() if n != number
    }

    code = all_records(directo, "customers")[2]["code"]
    requests.post(
        directo.url + "/_sandbox/edit",
        json={"resource": "customers", "key": {"code": code}, "drop": ["email"]},
        timeout=10,
    )
    customer = next(c for c in all_records(directo, "customers") if c["code"] == code)
    assert "email" not in customer


def test_edit_action_of_an_unknown_record_is_404(directo: SandboxServer) -> None:
    response = requests.post(
        directo.url + "/_sandbox/edit",
        json={"resource": "invoices", "key": {"number": "nope"}},
        timeout=10,
    )
    assert response.status_code == 404
    assert "nope" in response.json()["error"]
