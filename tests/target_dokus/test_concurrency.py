"""max_concurrency: independent records go out in parallel, one key's records stay in order."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sandbox.common import Emulator, Request, Response, SandboxServer
from sandbox.dokus import DokusEmulator
from tests.target_dokus.harness import (
    by_number,
    config_for,
    products,
    record,
    run_target,
    schema,
    state,
    writes,
)

Serve = Callable[[Emulator], SandboxServer]


class ConcurrencyCountingDokus(DokusEmulator):
    """Dokus that takes 20 ms per write and remembers how many writes overlapped at most."""

    def __init__(self) -> None:
        super().__init__(size=0)
        self.active = 0
        self.most_active = 0
        self._count_lock = threading.Lock()

    def handle(self, request: Request) -> Response:
        if request.method != "POST":
            return super().handle(request)
        with self._count_lock:
            self.active += 1
            self.most_active = max(self.most_active, self.active)
        try:
            time.sleep(0.02)  # a slow server, so parallel requests overlap
            return super().handle(request)
        finally:
            with self._count_lock:
                self.active -= 1


def interleaved_versions(keys: int, versions: int) -> list[dict]:
    """Every key written `versions` times, keys interleaved: version v has price v."""
    return [
        {"product_number": f"K-{k}", "name": f"Vare {k}", "price": str(v)}
        for v in range(1, versions + 1)
        for k in range(keys)
    ]


@pytest.mark.parametrize(("concurrency", "parallel"), [(1, False), (4, True)])
def test_writes_overlap_only_when_max_concurrency_allows(
    serve: Serve, tmp_path: Path, concurrency: int, parallel: bool
) -> None:
    server = serve(ConcurrencyCountingDokus())
    config = config_for(server, tmp_path, max_concurrency=concurrency)
    records = [{"product_number": f"C-{n}", "name": "Kaffe", "price": "1"} for n in range(16)]
    assert run_target(config, products(*records)).error is None
    assert len(server.emulator.data["products"]) == 16
    assert (server.emulator.most_active > 1) is parallel
    assert server.emulator.most_active <= concurrency


def test_records_with_the_same_key_stay_in_order(serve: Serve, tmp_path: Path) -> None:
    server = serve(ConcurrencyCountingDokus())
    emulator = server.emulator
    config = config_for(server, tmp_path, max_concurrency=4)
    assert run_target(config, products(*interleaved_versions(keys=6, versions=5))).error is None
    held = by_number(emulator)
    assert {n: p["price"] for n, p in held.items()} == {f"K-{k}": "5.00" for k in range(6)}
    for product in held.values():
        own = [
            e
            for e in writes(emulator)
            if e.path in ("/products/create/", f"/products/{product['id']}/")
        ]
        prices = [
            json.loads(e.body)["price"]
            for e in own
            if json.loads(e.body)["product_number"] == product["product_number"]
        ]
        assert prices == ["1", "2", "3", "4", "5"]


def test_state_waits_for_every_in_flight_write(serve: Serve, tmp_path: Path) -> None:
    server = serve(ConcurrencyCountingDokus())
    config = config_for(server, tmp_path, max_concurrency=4)
    records = [{"product_number": f"S-{n}", "name": "Te", "price": "2"} for n in range(12)]
    held_when_state_went_out: list[int] = []
    result = run_target(
        config,
        [*products(*records), state({"bookmarks": {"products": 12}})],
        on_state=lambda _line: held_when_state_went_out.append(
            len(server.emulator.data["products"])
        ),
    )
    assert result.error is None
    assert result.states == [{"bookmarks": {"products": 12}}]
    assert held_when_state_went_out == [12]


class WriteWaitsForIndexReadDokus(DokusEmulator):
    """Holds the first product write open until the customers index is read, so the lane's
    request and the reader thread's index request are in flight at the same time."""

    def __init__(self) -> None:
        super().__init__(size=0)
        self.customers_read = threading.Event()

    def handle(self, request: Request) -> Response:
        if request.method == "GET" and request.path.startswith("/customers/"):
            self.customers_read.set()
        elif request.method == "POST":
            self.customers_read.wait(timeout=10)
        return super().handle(request)


@pytest.mark.parametrize("concurrency", [1, 3])
def test_connection_pool_fits_the_lanes_and_the_index_reader(
    serve: Serve, tmp_path: Path, concurrency: int, caplog: pytest.LogCaptureFixture
) -> None:
    server = serve(WriteWaitsForIndexReadDokus())
    config = config_for(server, tmp_path, max_concurrency=concurrency)
    customers = [
        schema("customers", {"org_number": {"type": "string"}, "name": {"type": "string"}}),
        record("customers", {"org_number": "987654321", "name": "Fjøs AS"}),
    ]
    messages = [*products({"product_number": "P-1", "name": "Melk", "price": "1"}), *customers]
    with caplog.at_level(logging.WARNING, logger="urllib3.connectionpool"):
        assert run_target(config, messages).error is None
    assert server.emulator.customers_read.is_set()
    assert len(server.emulator.data["products"]) == 1
    assert "Connection pool is full" not in caplog.text
