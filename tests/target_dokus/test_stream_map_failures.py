"""A stream map that fails on one record at run time ends the run in one line, state behind it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from sandbox.common import Emulator, SandboxServer
from sandbox.dokus import DokusEmulator
from tests.target_dokus.harness import by_number, config_for, products, record, run_cli, state

Serve = Callable[[Emulator], SandboxServer]
FITS = {"product_number": "M-1", "name": "Brunost", "price": "10", "note": "ost"}
# No `note`, and a price that is no integer: the maps below fail on this record only.
DOES_NOT_FIT = {"product_number": "M-2", "name": "Lefse", "price": "ikke-tall-42"}
AFTER = {"product_number": "M-3", "name": "Kaffe", "price": "20", "note": "kaffe"}
BOOKMARK_1 = {"bookmarks": {"products": 1}}
BOOKMARK_2 = {"bookmarks": {"products": 2}}


@pytest.mark.parametrize(
    ("stream_map", "cause"),
    [
        ({"comment": "record['note']"}, "(KeyError: no field 'note')"),
        ({"price": "str(int(price))"}, "(ValueError)"),
        ({"__filter__": "record['note'] != ''"}, "(KeyError: no field 'note')"),
    ],
)
def test_a_map_failing_on_one_record_stops_in_one_line_after_the_records_before_it(
    serve: Serve, tmp_path: Path, stream_map: dict[str, str], cause: str
) -> None:
    server = serve(DokusEmulator(size=0))
    config = config_for(server, tmp_path, stream_maps={"products": stream_map})
    messages = [
        *products(FITS),
        state(BOOKMARK_1),
        record("products", DOES_NOT_FIT),
        record("products", AFTER),
        state(BOOKMARK_2),
    ]
    result = run_cli(config, tmp_path, messages)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "| ERROR" in line]
    assert len(errors) == 1
    assert errors[0].split("| ")[-1] == (
        "stream_maps: the stream map of 'products' failed on the record at input line 4 "
        f"{cause}; nothing from it on was written. Fix the stream map in the settings "
        "(or the record in the tap) and run again."
    )
    assert DOES_NOT_FIT["price"] not in result.stderr  # the record's values are not quoted
    # The record before it landed and its state went out; nothing at or after it did.
    assert set(by_number(server.emulator)) == {"M-1"}
    assert [json.loads(line) for line in result.stdout.splitlines()] == [BOOKMARK_1]
