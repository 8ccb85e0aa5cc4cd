"""No duplicate in Dokus whatever it answers to a create (issue 10).

A create whose answer does not hold the created record (200 with no body, a body without the
resource, a lost connection) leaves the target unsure whether Dokus holds the record: it must
search by the match key before doing anything else for that key.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sandbox.common import Emulator, Fault, Request, Response, SandboxServer
from sandbox.dokus import WRITE_ANSWERS, DokusEmulator
from target_dokus.errors import DokusRunError
from tests.target_dokus.harness import (
    config_for,
    dead_letters,
    products,
    run_target,
    state,
    writes,
)

Serve = Callable[[Emulator], SandboxServer]
K1 = {"product_number": "K1", "name": "Kaffe", "price": "20.00"}
K1_AGAIN = {"product_number": "K1", "name": "Kaffe", "price": "25.00"}
K2 = {"product_number": "K2", "name": "Te", "price": "15.00"}


def numbers(emulator: DokusEmulator) -> list[str]:
    return sorted(p["product_number"] for p in emulator.data["products"].values())


def searches(emulator: DokusEmulator) -> list[str]:
    return [e.raw_query for e in emulator.log.entries(method="GET") if e.raw_query]


@pytest.mark.parametrize("write_answer", WRITE_ANSWERS)
@pytest.mark.parametrize("concurrency", [1, 4])
def test_one_record_per_key_whatever_the_create_answers(
    serve: Serve, tmp_path: Path, write_answer: str, concurrency: int
) -> None:
    server = serve(DokusEmulator(size=0, write_answer=write_answer))
    config = config_for(server, tmp_path, max_concurrency=concurrency)
    result = run_target(config, [*products(K1, K2, K1_AGAIN), state({"bookmarks": {"p": 3}})])
    assert result.error is None
    assert numbers(server.emulator) == ["K1", "K2"]
    (k1,) = [p for p in server.emulator.data["products"].values() if p["product_number"] == "K1"]
    assert k1["price"] == "25.00"
    assert dead_letters(config) == []
    creates = [e for e in writes(server.emulator) if e.path == "/products/create/"]
    assert len(creates) == 2
    if write_answer in ("empty", "no_resource"):
        assert sorted(searches(server.emulator)) == ["product_number=K1", "product_number=K2"]
    else:
        assert searches(server.emulator) == []


def test_a_second_run_after_ambiguous_creates_changes_nothing(serve: Serve, tmp_path: Path) -> None:
    server = serve(DokusEmulator(size=0, write_answer="empty"))
    config = config_for(server, tmp_path)
    assert run_target(config, products(K1, K2)).error is None
    server.emulator.log.clear()
    assert run_target(config, products(K1, K2)).error is None
    assert writes(server.emulator) == []
    assert numbers(server.emulator) == ["K1", "K2"]


class SearchDown(DokusEmulator):
    """Every search (a list GET with criteria) answers 503: the key cannot be settled."""

    def handle(self, request: Request) -> Response:
        if request.method == "GET" and request.query:
            return self.error_response(503, "search is down")
        return super().handle(request)


def test_while_a_key_is_unsure_no_record_of_it_is_created(serve: Serve, tmp_path: Path) -> None:
    server = serve(SearchDown(size=0, write_answer="empty"))
    config = config_for(server, tmp_path)
    result = run_target(config, products(K1, K1_AGAIN, K1))
    assert isinstance(result.error, DokusRunError)  # three records dead-lettered
    assert numbers(server.emulator) == ["K1"]
    creates = [e for e in writes(server.emulator) if e.path == "/products/create/"]
    assert len(creates) == 1
    letters = dead_letters(config)
    assert [letter["record"]["price"] for letter in letters] == ["20.00", "25.00", "20.00"]
    assert all(letter["status"] == 503 for letter in letters)


def test_a_200_without_the_record_that_no_search_finds_is_dead_lettered(
    serve: Serve, tmp_path: Path
) -> None:
    server = serve(DokusEmulator(size=0))
    # Dokus says 200 but saved nothing: the fault answers without running the create.
    server.emulator.faults.add(
        Fault(kind="body", status=200, body="", count=1, path="/products/create/")
    )
    config = config_for(server, tmp_path)
    result = run_target(config, products(K1, K1_AGAIN))
    assert isinstance(result.error, DokusRunError)
    (letter,) = dead_letters(config)
    assert letter["record"] == K1
    assert letter["message"].startswith(
        "Dokus answered the create of products (product_number='K1') with HTTP 200 but "
        "without the product, and a search by product_number does not find it"
    )
    # The later record of the key searched first, found nothing, and created it once.
    assert numbers(server.emulator) == ["K1"]
    assert searches(server.emulator) == ["product_number=K1", "product_number=K1"]
