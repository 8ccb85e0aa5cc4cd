"""Drive the repository's Meltano project against running sandboxes (used by the demo and tests).

Environment variables point the `dev` environment's plugins at the sandboxes (they take
precedence over meltano.yml) and keep the system database, hence the stored state, in `workdir`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from sandbox.common import SandboxServer

ROOT = Path(__file__).resolve().parent.parent
MELTANO = Path(sys.executable).with_name("meltano")


class MeltanoError(RuntimeError):
    """A meltano command failed; the message ends with the tail of its output."""


def records_moved(json_log: str) -> Counter:
    """Records each tap stream emitted, from singer-sdk's record_count metrics in a JSON log."""
    moved: Counter = Counter()
    for line in json_log.splitlines():
        if '"record_count"' not in line:
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue
        metric = event.get("metric_info") or {}
        if event.get("producer") and metric.get("metric") == "record_count":
            moved[metric["tags"]["stream"]] += int(metric["value"])
    return moved


def _readable(log_line: str) -> str:
    """The message of a JSON log line (Meltano's --log-format=json), else the line itself."""
    try:
        event = json.loads(log_line)
    except ValueError:
        return log_line
    if not isinstance(event, dict):
        return log_line
    name = event.get("name") or event.get("string_id") or "meltano"
    return f"  [{event.get('level', 'info')}] {name}: {event.get('event', log_line)}"


class MeltanoProject:
    """Runs `meltano` in the repository with the plugins pointed at the given sandboxes."""

    def __init__(
        self,
        workdir: Path,
        directo: SandboxServer,
        directus: SandboxServer,
        dokus: SandboxServer,
    ) -> None:
        self.workdir = workdir
        self.root = ROOT
        self.warehouse = workdir / "warehouse.duckdb"
        self.dead_letter = workdir / "dokus-dead-letter.jsonl"
        self.env = {
            **os.environ,
            "MELTANO_ENVIRONMENT": "dev",
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "MELTANO_DATABASE_URI": f"sqlite:///{workdir / 'meltano.db'}",
            "TAP_DIRECTO_BASE_URL": directo.emulator.base_url(directo.url),
            "TAP_DIRECTUS_BASE_URL": directus.emulator.base_url(directus.url),
            "TARGET_DOKUS_BASE_URL": dokus.emulator.base_url(dokus.url),
            "TARGET_DOKUS_DEAD_LETTER_PATH": str(self.dead_letter),
            # an inherited plugin's own config wins over its parent's variables: name each
            "TARGET_DOKUS__DIRECTO_DEAD_LETTER_PATH": str(self.dead_letter),
            "TARGET_DOKUS__INVOICES_DEAD_LETTER_PATH": str(self.dead_letter),
            "TARGET_DUCKDB_FILEPATH": str(self.warehouse),
            "TARGET_JSONL_DESTINATION_PATH": str(workdir / "jsonl"),
        }

    def completed(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run one meltano command (JSON log format) and return it, whatever its exit code."""
        return subprocess.run(
            [str(MELTANO), "--log-format=json", *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )

    def start(self, *args: str) -> subprocess.Popen[str]:
        """Start one meltano command in the background (JSON log format); the caller waits."""
        return subprocess.Popen(
            [str(MELTANO), "--log-format=json", *args],
            cwd=self.root,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def meltano(self, *args: str, log_name: str | None = None) -> tuple[str, str]:
        """Run one meltano command; return (stdout, stdout + stderr), raise if it fails."""
        result = self.completed(*args)
        output = result.stdout + result.stderr
        if log_name:
            (self.workdir / f"{log_name}.log").write_text(output, encoding="utf-8")
        if result.returncode != 0:
            tail = "\n".join(_readable(line) for line in output.strip().splitlines()[-12:])
            msg = f"`meltano {' '.join(args)}` failed (exit {result.returncode}):\n{tail}"
            raise MeltanoError(msg)
        return result.stdout, output

    def run(self, *jobs: str, full_refresh: bool = False, log_name: str | None = None) -> Counter:
        """Run jobs; return how many records each tap stream emitted."""
        args = ["run", *(["--full-refresh"] if full_refresh else []), *jobs]
        return records_moved(self.meltano(*args, log_name=log_name)[1])

    def state(self, state_id: str) -> dict[str, Any]:
        return json.loads(self.meltano("state", "get", state_id)[0])

    def query(self, sql: str) -> list[tuple]:
        import duckdb

        with duckdb.connect(str(self.warehouse), read_only=True) as db:
            return db.execute(sql).fetchall()
