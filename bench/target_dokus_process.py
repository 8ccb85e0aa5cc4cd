"""Run the real target-dokus CLI in its own process, as the Dokus benchmarks time it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def timed_target_dokus(config: dict[str, Any], messages: str, config_path: Path) -> float:
    """Wall seconds from process start to exit; exits the benchmark if the target fails."""
    config_path.write_text(json.dumps(config))
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "target_dokus", "--config", str(config_path)],
        input=messages,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"target-dokus failed (exit {result.returncode}):\n{result.stderr[-2000:]}")
    return elapsed
