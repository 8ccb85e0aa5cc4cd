"""State moves as data lands: a killed target-dokus run leaves a state the next run resumes from.

The Dokus emulator holds the create of one record (P-N+1) until the test lets it go, so the test
knows exactly which records were written when it kills the target with SIGKILL. No sleeps: the
test waits on the target's own STATE lines.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sandbox.common import Emulator, Request, Response, SandboxServer
from sandbox.dokus import DokusEmulator
from tests.target_dokus.harness import config_for, products, run_target, singer_text, state

Serve = Callable[[Emulator], SandboxServer]
M = 12
N = 7
ROWS = [
    {"product_number": f"P-{i}", "name": f"Vare {i}", "price": f"{i}.00"} for i in range(1, M + 1)
]


def tap_output(first: int = 1) -> list[dict[str, Any]]:
    """What a tap resuming after bookmark `first - 1` sends: each record, then its bookmark."""
    messages = products()
    for i in range(first, M + 1):
        messages += [products(ROWS[i - 1])[1], state({"bookmarks": {"products": i}})]
    return messages


class HeldCreate(DokusEmulator):
    """Holds the create of one product until `release` is set, then answers it 503 (unsaved).

    Once released, every request is served normally.
    """

    def __init__(self, held: str) -> None:
        super().__init__(size=0)
        self.held = held
        self.release = threading.Event()

    def handle(self, request: Request) -> Response:
        held = self.held in request.body.decode() and not self.release.is_set()
        if request.path == "/products/create/" and held:
            self.release.wait(30)
            return self.error_response(503, "the target went away")
        return super().handle(request)


def held_numbers(emulator: DokusEmulator) -> list[int]:
    return sorted(int(p["product_number"][2:]) for p in emulator.data["products"].values())


@pytest.mark.parametrize("concurrency", [1, 4])
def test_a_killed_run_has_emitted_the_state_of_every_record_it_wrote(
    serve: Serve, tmp_path: Path, concurrency: int
) -> None:
    emulator = HeldCreate(held=f'"P-{N + 1}"')
    server = serve(emulator)
    config = config_for(server, tmp_path, max_concurrency=concurrency)
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))
    target = subprocess.Popen(
        [sys.executable, "-m", "target_dokus", "--config", str(config_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(x) for x in target.stdout], daemon=True)
    reader.start()
    try:
        assert target.stdin is not None
        target.stdin.write(singer_text(tap_output()))
        target.stdin.flush()
        states = []
        while not states or states[-1] != {"bookmarks": {"products": N}}:
            states.append(json.loads(lines.get(timeout=30)))
        os.kill(target.pid, signal.SIGKILL)
        target.wait(timeout=30)
    finally:
        emulator.release.set()
        if target.poll() is None:
            target.kill()
    reader.join(timeout=30)
    while not lines.empty():
        states.append(json.loads(lines.get()))
    # One state per record written, in order; the last covers every record written before it.
    assert states == [{"bookmarks": {"products": i}} for i in range(1, N + 1)]
    assert set(range(1, N + 1)) <= set(held_numbers(emulator))
    assert N + 1 not in held_numbers(emulator)

    # The next run resumes after the last bookmark: everything arrives, nothing twice.
    resumed = run_target(config, tap_output(first=N + 1))
    assert resumed.error is None
    assert resumed.states[-1] == {"bookmarks": {"products": M}}
    assert held_numbers(emulator) == list(range(1, M + 1))
