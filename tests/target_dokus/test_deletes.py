"""Deletes end to end: a tap's Singer output with `_sdc_deleted_at`, run through the real CLI.

singer-sdk strips `_sdc_deleted_at` before a sink sees it unless record metadata is kept; the
target keeps it on purpose, so these tests feed a file exactly as a tap emits it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from sandbox.common import Emulator, Fault, SandboxServer
from sandbox.dokus import DokusEmulator
from tests.target_dokus.harness import config_for, dead_letters, run_cli, run_target, writes

Serve = Callable[[Emulator], SandboxServer]
TAP_OUTPUT = Path(__file__).parent / "data" / "products_with_deletes.singer"
TAP_TEXT = TAP_OUTPUT.read_text(encoding="utf-8")
BOOKMARK = {
    "bookmarks": {
        "products": {"replication_key": "ts", "replication_key_value": "2024-06-01T10:01:00+00:00"}
    }
}


@pytest.fixture
def dokus(serve: Serve) -> SandboxServer:
    return serve(DokusEmulator(size=3))


def test_hard_delete_deletes_the_matched_record_and_ignores_what_is_already_gone(
    dokus: SandboxServer, tmp_path: Path
) -> None:
    emulator = dokus.emulator
    result = run_cli(config_for(dokus, tmp_path, hard_delete=True), tmp_path, TAP_TEXT)
    assert result.returncode == 0, result.stderr
    assert [(e.path, e.status) for e in writes(emulator)] == [
        ("/products/1/delete/", 204),
        ("/products/2/", 200),
    ]
    assert 1 not in emulator.data["products"]
    assert emulator.data["products"][2]["name"] == "Brunost Røros"
    assert [json.loads(line) for line in result.stdout.splitlines()] == [BOOKMARK]
    assert "1 deleted" in result.stderr
    assert "1 already gone" in result.stderr


def test_no_sdc_field_is_ever_sent_to_dokus(dokus: SandboxServer, tmp_path: Path) -> None:
    result = run_cli(config_for(dokus, tmp_path, hard_delete=True), tmp_path, TAP_TEXT)
    assert result.returncode == 0, result.stderr
    bodies = [e.body for e in writes(dokus.emulator) if e.body]
    assert bodies
    assert all("_sdc" not in body for body in bodies)


def test_without_hard_delete_deletions_are_skipped_and_counted(
    dokus: SandboxServer, tmp_path: Path
) -> None:
    emulator = dokus.emulator
    result = run_cli(config_for(dokus, tmp_path), tmp_path, TAP_TEXT)
    assert result.returncode == 0, result.stderr
    assert [e.path for e in writes(emulator)] == ["/products/2/"]
    assert 1 in emulator.data["products"]
    assert "2 deletion(s) skipped because hard_delete is off" in result.stderr
    assert [json.loads(line) for line in result.stdout.splitlines()] == [BOOKMARK]


def test_delete_answered_404_counts_as_already_gone(dokus: SandboxServer, tmp_path: Path) -> None:
    emulator = dokus.emulator
    emulator.faults.add(
        Fault(
            kind="body",
            status=404,
            body='{"error": "product 1 not found."}',
            path="/products/1/delete/",
        )
    )
    config = config_for(dokus, tmp_path, hard_delete=True)
    result = run_target(config, TAP_TEXT)
    assert result.error is None
    assert result.states == [BOOKMARK]
    assert dead_letters(config) == []
