"""A record that violates its schema is dead-lettered like a refused one, and the run goes on.

The dead-letter line and the log name the stream, the field and the record's input line; with
`on_error: fail` the run stops there instead (issue 10).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from sandbox.common import Emulator, SandboxServer
from sandbox.dokus import DokusEmulator
from target_dokus.errors import DokusRunError
from tests.target_dokus.harness import (
    PRODUCT_PROPERTIES,
    by_number,
    config_for,
    dead_letters,
    record,
    run_cli,
    run_target,
    schema,
    state,
)

Serve = Callable[[Emulator], SandboxServer]
STRICT = {**PRODUCT_PROPERTIES, "price": {"type": "number"}}
GOOD = {"product_number": "G-1", "name": "Brunost", "price": 10}
WRONG_TYPE = {"product_number": "B-1", "name": "Lefse", "price": "ti kroner"}
LATER = {"product_number": "G-2", "name": "Kaffe", "price": 20}
MESSAGES = [
    schema("products", STRICT, ["product_number"]),  # line 1
    record("products", GOOD),  # line 2
    state({"bookmarks": {"products": 1}}),  # line 3
    record("products", WRONG_TYPE),  # line 4
    record("products", LATER),  # line 5
    state({"bookmarks": {"products": 3}}),  # line 6
]


@pytest.fixture
def dokus(serve: Serve) -> SandboxServer:
    return serve(DokusEmulator(size=0))


def test_a_record_violating_its_schema_is_dead_lettered_and_the_run_goes_on(
    dokus: SandboxServer, tmp_path: Path
) -> None:
    config = config_for(dokus, tmp_path)
    result = run_cli(config, tmp_path, MESSAGES)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (letter,) = dead_letters(config)
    assert letter["record"] == WRONG_TYPE
    assert letter["status"] is None
    assert letter["message"] == (
        "record of stream 'products' at input line 4 violates its schema: field 'price' "
        "value is not of type 'number'"
    )
    assert "ti kroner" not in result.stderr  # the value itself is only in the dead-letter file
    assert sorted(by_number(dokus.emulator)) == ["G-1", "G-2"]
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        {"bookmarks": {"products": 1}},
        {"bookmarks": {"products": 3}},
    ]
    last = result.stderr.strip().splitlines()[-1]
    assert last.endswith(
        "1 record(s) that violate their stream's schema were written to "
        f"{config['dead_letter_path']}; fix them and re-run (python -m target_dokus.replay)"
    )


def test_a_missing_required_field_and_a_bad_date_time_are_named(
    dokus: SandboxServer, tmp_path: Path
) -> None:
    props = {
        **PRODUCT_PROPERTIES,
        "_sdc_deleted_at": {"type": ["string", "null"], "format": "date-time"},
    }
    stream = {**schema("products", props, ["product_number"])}
    stream["schema"]["required"] = ["product_number", "name"]
    messages = [
        stream,
        record("products", {"product_number": "R-1", "price": 1}),
        record("products", {**GOOD, "_sdc_deleted_at": "i går"}),
    ]
    config = config_for(dokus, tmp_path)
    result = run_target(config, messages)
    assert isinstance(result.error, DokusRunError)
    assert [d["message"] for d in dead_letters(config)] == [
        "record of stream 'products' at input line 2 violates its schema: field 'name' is "
        "required but missing",
        "record of stream 'products' at input line 3 violates its schema: field "
        "'_sdc_deleted_at' is not a valid date-time",
    ]
    assert dead_letters(config)[1]["record"]["_sdc_deleted_at"] == "i går"
    assert by_number(dokus.emulator) == {}


def test_on_error_fail_stops_at_the_violating_record(dokus: SandboxServer, tmp_path: Path) -> None:
    config = config_for(dokus, tmp_path, on_error="fail")
    result = run_cli(config, tmp_path, MESSAGES)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert "record of stream 'products' at input line 4 violates its schema: field 'price'" in last
    assert "on_error is fail" in last
    assert dead_letters(config) == []
    assert "G-2" not in by_number(dokus.emulator)
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        {"bookmarks": {"products": 1}}
    ]
