"""Dead-letter files go where the job says, owner-only, and out of git (issue 10)."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from sandbox.common import Emulator, SandboxServer
from sandbox.dokus import DEFAULT_EMAIL, DEFAULT_PASSWORD, DokusEmulator
from target_dokus.dead_letter import DeadLetterFile
from tests.target_dokus.harness import products, singer_text

ROOT = Path(__file__).resolve().parents[2]
Serve = Callable[[Emulator], SandboxServer]
BAD = {"product_number": "B-1", "name": "Lefse", "price": "ikke et tall"}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_without_dead_letter_path_refused_records_go_under_output(
    serve: Serve, tmp_path: Path
) -> None:
    server = serve(DokusEmulator(size=0))
    config = {"base_url": server.url, "email": DEFAULT_EMAIL, "password": DEFAULT_PASSWORD}
    (tmp_path / "config.json").write_text(json.dumps(config))
    result = subprocess.run(
        [sys.executable, "-m", "target_dokus", "--config", "config.json"],
        input=singer_text(products(BAD)),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    written = tmp_path / "output" / "target-dokus-dead-letter.jsonl"
    assert [json.loads(line)["record"] for line in written.read_text().splitlines()] == [BAD]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "output"]
    assert mode(written) == 0o600
    assert mode(written.parent) == 0o700


def test_an_existing_world_readable_dead_letter_file_is_made_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "dead.jsonl"
    path.write_text("")
    path.chmod(0o644)
    DeadLetterFile(path, []).append(record={}, stream="s", resource="r", status=1, message="m")
    assert mode(path) == 0o600
    assert len(path.read_text().splitlines()) == 1


@pytest.mark.parametrize(
    "path",
    [
        "output/target-dokus-dead-letter.jsonl",
        "output/dokus-dead-letter.replaying.jsonl",
        "dokus-dead-letter.jsonl",
        "exports/acme-dead-letter.jsonl",
    ],
)
def test_dead_letter_files_are_git_ignored(path: str) -> None:
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", "-q", path], cwd=ROOT, check=False
    )
    assert result.returncode == 0


def test_the_replay_plugin_writes_refusals_where_the_job_does() -> None:
    """`... | meltano invoke target-dokus--directo-replay` (README) keeps the job's match keys,
    deletes and dead-letter file, and none of its stream maps (replayed records are mapped)."""
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    loaders = {p["name"]: p for p in project["plugins"]["loaders"]}
    job, replay = loaders["target-dokus--directo"], loaders["target-dokus--directo-replay"]
    assert replay["inherit_from"] == "target-dokus"
    for setting in ("match_keys", "hard_delete", "dead_letter_path"):
        assert replay["config"][setting] == job["config"][setting]
    assert job["config"]["dead_letter_path"].startswith("output/")
    assert "stream_maps" not in replay["config"]
    assert "stream_resources" not in replay["config"]
    readme = (ROOT / "README.md").read_text()
    assert "| meltano --environment=prod invoke target-dokus--directo-replay" in readme


def test_replayed_records_refused_again_are_appended_to_the_given_file(
    serve: Serve, tmp_path: Path
) -> None:
    server = serve(DokusEmulator(size=0))
    dead = tmp_path / "output" / "dokus-dead-letter.jsonl"
    config = {
        "base_url": server.url,
        "email": DEFAULT_EMAIL,
        "password": DEFAULT_PASSWORD,
        "dead_letter_path": str(dead),
    }
    replaying = tmp_path / "output" / "dokus-dead-letter.replaying.jsonl"
    replaying.parent.mkdir()
    replaying.write_text(
        json.dumps({"stream": "items", "resource": "products", "record": BAD}) + "\n"
    )
    (tmp_path / "config.json").write_text(json.dumps(config))
    replay = subprocess.run(
        [sys.executable, "-m", "target_dokus.replay", str(replaying)],
        capture_output=True,
        text=True,
        check=True,
    )
    result = subprocess.run(
        [sys.executable, "-m", "target_dokus", "--config", "config.json"],
        input=replay.stdout,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert [json.loads(line)["record"] for line in dead.read_text().splitlines()] == [BAD]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "output"]
