"""Drive target-dokus in-process against the Dokus sandbox and read back what it did.

Plain helpers, not fixtures: test modules import them (`from tests.target_dokus.harness import
...`). Retry waits are recorded instead of slept (connector_common.http.POLICY), so tests stay
fast.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connector_common import http
from sandbox.common import LoggedRequest, SandboxServer
from sandbox.dokus import DEFAULT_EMAIL, DEFAULT_PASSWORD, DokusEmulator
from target_dokus.target import TargetDokus

PRODUCT_PROPERTIES: dict[str, Any] = {
    "product_number": {"type": "string"},
    "name": {"type": ["string", "null"]},
    "price": {"type": ["number", "string", "null"]},
    "comment": {"type": ["string", "null"]},
    "default_vat_class": {"type": ["integer", "object", "null"]},
}


def config_for(server: SandboxServer, tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "base_url": server.url,
        "email": DEFAULT_EMAIL,
        "password": DEFAULT_PASSWORD,
        "dead_letter_path": str(tmp_path / "dead-letter.jsonl"),
    }
    config.update(overrides)
    return config


def schema(stream: str, properties: dict[str, Any], keys: Iterable[str] = ()) -> dict[str, Any]:
    return {
        "type": "SCHEMA",
        "stream": stream,
        "key_properties": list(keys),
        "schema": {"type": "object", "properties": properties},
    }


def record(stream: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": "RECORD", "stream": stream, "record": data}


def state(value: dict[str, Any]) -> dict[str, Any]:
    return {"type": "STATE", "value": value}


def products(*records: dict[str, Any], stream: str = "products") -> list[dict[str, Any]]:
    """A products stream as a tap would emit it: SCHEMA, then RECORDs."""
    return [schema(stream, PRODUCT_PROPERTIES, ["product_number"])] + [
        record(stream, r) for r in records
    ]


def singer_text(messages: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(m, ensure_ascii=False) + "\n" for m in messages)


class _WatchedStdout(io.StringIO):
    """Calls `on_state(line)` at the moment the target writes a STATE line."""

    def __init__(self, on_state: Callable[[str], None] | None) -> None:
        super().__init__()
        self.on_state = on_state

    def write(self, text: str) -> int:
        if self.on_state is not None and text.strip():
            self.on_state(text)
        return super().write(text)


@dataclass
class TargetRun:
    """What one in-process run printed and raised, and the retry waits it asked for."""

    states: list[dict[str, Any]]
    error: BaseException | None
    waits: list[float] = field(default_factory=list)


def run_target(
    config: dict[str, Any],
    messages: Iterable[dict[str, Any]] | str,
    *,
    on_state: Callable[[str], None] | None = None,
) -> TargetRun:
    """Run TargetDokus on Singer messages; state lines parsed, the exception (if any) kept."""
    text = messages if isinstance(messages, str) else singer_text(messages)
    waits: list[float] = []
    saved_policy = http.POLICY
    http.POLICY = dataclasses.replace(saved_policy, sleep=waits.append)
    out = _WatchedStdout(on_state)
    error: BaseException | None = None
    try:
        with contextlib.redirect_stdout(out):
            try:
                TargetDokus(config=config).listen(io.StringIO(text))
            except Exception as exc:
                error = exc
    finally:
        http.POLICY = saved_policy
    states = [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]
    return TargetRun(states=states, error=error, waits=waits)


def writes(emulator: DokusEmulator) -> list[LoggedRequest]:
    """Every request that could change Dokus data (the API writes only with POST)."""
    return emulator.log.entries(method="POST")


def dead_letters(config: dict[str, Any]) -> list[dict[str, Any]]:
    path = Path(config["dead_letter_path"])
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def by_number(emulator: DokusEmulator) -> dict[str, dict[str, Any]]:
    """The emulator's products keyed by product_number."""
    return {p["product_number"]: p for p in emulator.data["products"].values()}


def run_cli(
    config: dict[str, Any], tmp_path: Path, messages: Iterable[dict[str, Any]] | str
) -> subprocess.CompletedProcess[str]:
    """Run the real CLI (`python -m target_dokus`) as meltano would, stdin from text."""
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))
    return subprocess.run(
        [sys.executable, "-m", "target_dokus", "--config", str(config_path)],
        input=messages if isinstance(messages, str) else singer_text(messages),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
