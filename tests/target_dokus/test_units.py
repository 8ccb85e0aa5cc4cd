"""The pure pieces: error-body reading, value comparison, payload shaping, ordered lanes."""

from __future__ import annotations

import threading
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from connector_common.rate_limit import RateLimiter
from sandbox.common import SandboxServer
from sandbox.dokus import DEFAULT_EMAIL, DEFAULT_PASSWORD
from target_dokus.client import DokusClient, describe_error, field_errors
from target_dokus.lanes import OrderedLanes, StoppedError
from target_dokus.payload import is_unchanged, match_key, same_value, to_payload
from target_dokus.resources import RESOURCES


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"errors": {"price": ["Enter a number."]}}, {"price": ["Enter a number."]}),
        ({"price": ["Enter a number."]}, {"price": ["Enter a number."]}),
        ({"error": "Authentication required"}, None),
        ({}, None),
        (None, None),
        ("text", None),
    ],
)
def test_field_errors_reads_both_validation_shapes_and_nothing_else(body, fields) -> None:
    assert field_errors(body) == fields


def test_describe_error_puts_fields_first_then_the_message() -> None:
    body = {"errors": {"name": ["This field is required."], "price": ["Enter a number."]}}
    assert describe_error(body, "x") == "name: This field is required.; price: Enter a number."
    assert describe_error({"error": "Not found."}, "x") == "Not found."
    assert describe_error(None, "HTTP 500") == "HTTP 500"


@pytest.mark.parametrize(
    ("kind", "new", "old", "same"),
    [
        ("decimal", "199.5", "199.50", True),
        ("decimal", Decimal("10"), "10.00", True),
        ("decimal", "10.01", "10.00", False),
        ("relation", {"id": 1, "name": "High VAT"}, {"id": 1, "name": "Regular VAT"}, True),
        ("relation", 2, {"id": 1}, False),
        ("relation", "1", 1, True),
        ("text", "", None, True),
        ("text", "a", None, False),
        ("date", "2024-05-02", "2024-05-02", True),
        ("int", 14, "14", True),
        (
            "items",
            [{"name": "A", "unit_price": "1"}],
            [{"name": "A", "unit_price": "1.00", "quantity": "1.00"}],
            True,
        ),
        ("items", [{"name": "A"}], [], False),
    ],
)
def test_same_value_compares_by_meaning(kind: str, new, old, same: bool) -> None:
    assert same_value(kind, new, old) is same


def test_payload_keeps_writable_fields_only_and_shapes_values() -> None:
    record = {
        "id": 4,
        "sender_ref": "R-1",
        "send_date": datetime(2024, 5, 2, 13, 0, tzinfo=timezone.utc),
        "recipient": {"id": 7, "name": "Fjord AS"},
        "creation_time": "x",
        "unknown": 1,
        "items": [{"name": "Kaffe", "unit_price": Decimal("10.5"), "vat_class": {"id": 2}, "x": 1}],
    }
    assert to_payload(RESOURCES["invoices"], record) == {
        "recipient": 7,
        "sender_ref": "R-1",
        "send_date": "2024-05-02",
        "items": [{"name": "Kaffe", "unit_price": "10.5", "vat_class": 2}],
    }
    assert to_payload(RESOURCES["invoices"], {"send_date": date(2024, 1, 3)}) == {
        "send_date": "2024-01-03"
    }


def test_unchanged_only_looks_at_the_fields_sent() -> None:
    existing = {"id": 3, "name": "Brunost", "price": "199.50", "comment": "Pakke"}
    assert is_unchanged(RESOURCES["products"], {"price": "199.5"}, existing)
    assert not is_unchanged(RESOURCES["products"], {"comment": None}, existing)


def test_match_key_is_none_when_a_key_field_is_empty() -> None:
    assert match_key(("org_number",), {"org_number": " 974910657 "}) == ("974910657",)
    assert match_key(("name", "email"), {"name": "A", "email": ""}) is None


def test_lanes_keep_one_keys_jobs_in_order_and_stop_skips_queued_jobs() -> None:
    lanes = OrderedLanes(4)
    seen: list[int] = []
    lock = threading.Lock()

    def job(n: int) -> int:
        with lock:
            seen.append(n)
        return n

    futures = [lanes.submit("same-key", lambda n=n: job(n)) for n in range(50)]
    assert [f.result(timeout=5) for f in futures] == list(range(50))
    assert seen == list(range(50))
    gate, started = threading.Event(), threading.Event()

    def blocker() -> None:
        started.set()
        gate.wait(5)

    blocked = lanes.submit("k", blocker)
    queued = lanes.submit("k", lambda: job(99))
    assert started.wait(5)
    lanes.stop()
    gate.set()
    blocked.result(timeout=5)
    with pytest.raises(StoppedError):
        queued.result(timeout=5)
    assert 99 not in seen
    lanes.close()


def test_every_request_takes_a_slot_from_the_shared_rate_limiter(
    dokus_sandbox: SandboxServer,
) -> None:
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(2, clock=lambda: now[0], sleep=sleep)
    client = DokusClient(
        dokus_sandbox.url,
        DEFAULT_EMAIL,
        DEFAULT_PASSWORD,
        account_label="sandbox",
        limiter=limiter,
    )
    for _ in range(3):
        assert client.request("GET", "/customers/groups/").status == 200
    assert waits == [60.0]  # the third request waited for the window to free a slot
