"""Records dead-lettered by one run arrive when the dead-letter file is replayed."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from sandbox.common import Emulator, Fault, SandboxServer
from sandbox.dokus import DokusEmulator
from target_dokus.replay import read_dead_letters, write_replay
from tests.target_dokus.harness import (
    by_number,
    config_for,
    dead_letters,
    products,
    run_target,
    state,
)

Serve = Callable[[Emulator], SandboxServer]


def test_a_replayed_dead_letter_file_delivers_the_refused_records(
    serve: Serve, tmp_path: Path
) -> None:
    dokus = serve(DokusEmulator(size=0))
    emulator = dokus.emulator
    assert isinstance(emulator, DokusEmulator)
    first = {"product_number": "R-1", "name": "Brunost Tine", "price": "49.90"}
    second = {"product_number": "R-2", "name": "Lefse Røros", "price": "35.00"}
    emulator.faults.add(Fault(kind="status", status=503, count=5, method="POST"))
    config = config_for(dokus, tmp_path)
    run_target(config, [*products(first, second), state({"bookmarks": {}})])
    assert [letter["record"]["product_number"] for letter in dead_letters(config)] == ["R-1"]
    assert set(by_number(emulator)) == {"R-2"}

    dead = Path(config["dead_letter_path"])
    replaying = dead.with_suffix(".replaying.jsonl")
    dead.rename(replaying)
    replay = io.StringIO()
    with replaying.open(encoding="utf-8") as source:
        assert write_replay(source, replay) == 1
    result = run_target(config, replay.getvalue())
    assert result.error is None
    assert by_number(emulator)["R-1"]["name"] == "Brunost Tine"
    assert dead_letters(config) == []


def test_a_line_that_is_not_a_dead_letter_entry_is_named() -> None:
    with pytest.raises(ValueError, match="line 2 is not a target-dokus dead-letter entry"):
        list(read_dead_letters(['{"record": {"a": 1}, "resource": "products"}', "oops"]))
