"""Benchmark target-dokus against the Dokus sandbox: parallel speed-up and unchanged re-runs.

Loads N products (default 2,000) with 20 ms added to every request, first with
max_concurrency 1, then with 4 into a fresh sandbox, then the same input again unchanged.
Prints records/s, the speed-up (target >= 3x) and the writes on the re-run (target 0).
Run: .venv/bin/python -m bench.dokus_bench [--records 2000] [--latency 0.02]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from bench.target_dokus_process import timed_target_dokus
from sandbox.common import SandboxServer
from sandbox.dokus import DEFAULT_EMAIL, DEFAULT_PASSWORD, DokusEmulator
from sandbox.seed_data import SeedData


def product_messages(count: int) -> str:
    """A products stream as a tap would emit it, deterministic Norwegian/Estonian names."""
    seed = SeedData(42)
    lines = [
        {
            "type": "SCHEMA",
            "stream": "products",
            "key_properties": ["product_number"],
            "schema": {
                "type": "object",
                "properties": {
                    "product_number": {"type": "string"},
                    "name": {"type": "string"},
                    "price": {"type": "string"},
                    "default_vat_class": {"type": "integer"},
                },
            },
        }
    ]
    for n in range(count):
        price = seed.rng.randrange(500, 50000) / 100
        lines.append(
            {
                "type": "RECORD",
                "stream": "products",
                "record": {
                    "product_number": f"B{n:06d}",
                    "name": seed.product(),
                    "price": f"{price:.2f}",
                    "default_vat_class": seed.rng.choice([1, 2]),
                },
            }
        )
    lines.append({"type": "STATE", "value": {"bookmarks": {"products": count}}})
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)


def run_target(server: SandboxServer, concurrency: int, messages: str, workdir: Path) -> float:
    """Run the real CLI in its own process; return wall seconds (process start to exit)."""
    config = {
        "base_url": server.url,
        "email": DEFAULT_EMAIL,
        "password": DEFAULT_PASSWORD,
        "max_concurrency": concurrency,
        "dead_letter_path": str(workdir / "dead-letter.jsonl"),
    }
    return timed_target_dokus(config, messages, workdir / f"config-{concurrency}.json")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.02, help="seconds added per request")
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args(argv)
    messages = product_messages(args.records)
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for concurrency in (1, args.concurrency):
            emulator = DokusEmulator(size=0)
            emulator.faults.latency = args.latency
            with SandboxServer(emulator) as server:
                seconds = run_target(server, concurrency, messages, workdir)
                loaded = len(emulator.data["products"])
                figures[f"rps_{concurrency}"] = args.records / seconds
                print(
                    f"max_concurrency={concurrency}: {args.records} products in {seconds:.1f} s "
                    f"= {args.records / seconds:.0f} records/s "
                    f"({len(emulator.log.entries(method='POST'))} writes, {loaded} in Dokus)"
                )
                if concurrency == args.concurrency:
                    emulator.log.clear()
                    seconds = run_target(server, concurrency, messages, workdir)
                    rerun_writes = len(emulator.log.entries(method="POST"))
                    print(
                        f"unchanged re-run (max_concurrency={concurrency}): {seconds:.1f} s, "
                        f"{rerun_writes} write requests, {len(emulator.log)} requests in all"
                    )
    speedup = figures[f"rps_{args.concurrency}"] / figures["rps_1"]
    print(f"speed-up at max_concurrency={args.concurrency}: {speedup:.2f}x (target >= 3x)")
    print(f"latency per request: {args.latency * 1000:.0f} ms; machine: {sys.platform}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
