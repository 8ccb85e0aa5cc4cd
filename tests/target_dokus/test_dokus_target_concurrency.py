"""max_concurrency: independent records go out in parallel, one key's records stay in order."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from dokus_target_harness import by_number, config_for, products, run_target, state, writes

from sandbox.common import Emulator, Request, Response, SandboxServer
from sandbox.dokus import DokusEmulator

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
