"""Benchmark tap-directo against a raw baseline on generated Directo `/v1/items` bodies.

Run: `.venv/bin/python -m bench.directo_bench [--sizes 10000,100000,1000000] [--passes 3]`.

For each size, the Directo sandbox (in this process) renders the items body once to a temp file
(JSON and XML) and then only streams it, so the server is not the bottleneck. Each variant runs as
a subprocess with stdout to /dev/null, round-robin per pass:
- raw_json: requests + json.loads of the whole body + json.dumps of one Singer RECORD per line,
  no SDK (the baseline of issue 3 and perf-notes.md);
- tap_json / tap_xml: `tap-directo` with only `items` selected.
Printed per variant: records/s and peak RSS (os.wait4 of that child), and the ratio to raw_json
measured in the same pass (median over passes): of wall time (the issue's figure) and of CPU
time (user+sys of that child; steadier when other processes share the machine). A benchmark
that prints figures, not a test.

The children run in a plain shell's environment: without PYTHONDONTWRITEBYTECODE (an installed
package has its bytecode; an editable checkout would otherwise compile ~70 modules at every
start) and without PYTHONUNBUFFERED (which would slow the baseline's per-line writes).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

from sandbox.common import SandboxServer
from sandbox.directo import FULL_KEY, DirectoEmulator

GOALS = {"tap_json": 1.0, "tap_xml": 0.8}  # wall-time ratios to raw_json, same pass (issue 12)
ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

RAW_BASELINE = r"""
import json, sys, requests
url, key = sys.argv[1], sys.argv[2]
body = requests.get(url, headers={"X-Directo-Key": key, "Accept": "application/json"}).content
out = sys.stdout
for record in json.loads(body):
    out.write(json.dumps({"type": "RECORD", "stream": "items", "record": record}) + "\n")
out.flush()
"""


CHILD_ENV = {
    k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED")
}


def run(cmd: list[str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS MB) of one child process, stdout to /dev/null."""
    with open(os.devnull, "wb") as null:
        started = time.perf_counter()
        child = subprocess.Popen(cmd, stdout=null, stderr=subprocess.PIPE, cwd=ROOT, env=CHILD_ENV)
        assert child.stderr is not None
        errors = child.stderr.read()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({child.returncode}): {errors.decode()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def items_catalog(config_path: Path, workdir: Path) -> Path:
    found = subprocess.run(
        [str(BIN / "tap-directo"), "--config", str(config_path), "--discover"],
        capture_output=True,
        check=True,
        cwd=ROOT,
        env=CHILD_ENV,  # (also writes the bytecode the timed runs then read)
    )
    catalog = json.loads(found.stdout)
    for stream in catalog["streams"]:
        for entry in stream["metadata"]:
            if entry["breadcrumb"] == []:
                entry["metadata"]["selected"] = stream["tap_stream_id"] == "items"
    path = workdir / "catalog.json"
    path.write_text(json.dumps(catalog))
    return path


def bench_size(size: int, passes: int, workdir: Path) -> dict[str, dict[str, float]]:
    emulator = DirectoEmulator(size=size, rate_limit_per_minute=0, cache_bodies=True)
    results: dict[str, dict[str, list[float]]] = {}
    # closing(): the cached bodies (GBs at 1M records) go even when a variant fails
    with closing(emulator), SandboxServer(emulator) as server:
        base = emulator.base_url(server.url)
        json_bytes, xml_bytes = emulator.warm("items"), emulator.warm("items", xml=True)
        print(
            f"  size {size}: body JSON {json_bytes / 1e6:.1f} MB, XML {xml_bytes / 1e6:.1f} MB",
            flush=True,
        )
        configs = {}
        for fmt in ("json", "xml"):
            path = workdir / f"config_{fmt}.json"
            path.write_text(
                json.dumps(
                    {
                        "api_key": FULL_KEY,
                        "base_url": base,
                        "response_format": fmt,
                        "requests_per_minute": 0,
                    }
                )
            )
            configs[fmt] = path
        catalog = items_catalog(configs["json"], workdir)
        variants = {
            "raw_json": [sys.executable, "-c", RAW_BASELINE, f"{base}/v1/items", FULL_KEY],
            **{
                f"tap_{fmt}": [
                    str(BIN / "tap-directo"),
                    "--config",
                    str(configs[fmt]),
                    "--catalog",
                    str(catalog),
                ]
                for fmt in ("json", "xml")
            },
        }
        for _ in range(passes):
            walls, cpus = {}, {}
            for name, cmd in variants.items():
                walls[name], cpus[name], rss = run(cmd)
                entry = results.setdefault(name, {"rps": [], "rss": [], "ratio": [], "cpu": []})
                entry["rps"].append(size / walls[name])
                entry["rss"].append(rss)
            for name, wall in walls.items():
                results[name]["ratio"].append(walls["raw_json"] / wall)
                results[name]["cpu"].append(cpus["raw_json"] / cpus[name])
    return {
        name: {k: statistics.median(v) if k != "rss" else max(v) for k, v in entry.items()}
        for name, entry in results.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    figures = {}
    with tempfile.TemporaryDirectory(prefix="directo-bench-") as tmp:
        for size in sizes:
            figures[size] = bench_size(size, args.passes, Path(tmp))
    print()
    labels = "/".join(f"{s // 1000}k" for s in sizes)
    rates = " | ".join(f"{s:,} rec/s" for s in sizes)
    print(f"| variant | {rates} | peak RSS MB {labels} | x raw_json {labels} | CPU x {labels} |")
    print("|---|" + "---|" * len(sizes) + "---|---|---|")
    for name in ("raw_json", "tap_json", "tap_xml"):
        rps = " | ".join(f"{figures[s][name]['rps']:,.0f}" for s in sizes)
        rss = " / ".join(f"{figures[s][name]['rss']:.0f}" for s in sizes)
        ratio = " / ".join(f"{figures[s][name]['ratio']:.2f}" for s in sizes)
        cpu = " / ".join(f"{figures[s][name]['cpu']:.2f}" for s in sizes)
        print(f"| {name} | {rps} | {rss} | {ratio} | {cpu} |")
    for name, goal in GOALS.items():
        got = " / ".join(f"{figures[s][name]['ratio']:.2f}" for s in sizes)
        met = all(figures[s][name]["ratio"] >= goal for s in sizes)
        print(
            f"{name}: goal >= {goal:.2f}x raw_json (issue 12), measured {got}: {'met' if met else 'NOT met'}"
        )
    if len(sizes) > 1:
        for name in ("tap_json", "tap_xml"):
            growth = figures[sizes[-1]][name]["rss"] - figures[sizes[0]][name]["rss"]
            print(f"{name}: RSS growth {sizes[0]:,} -> {sizes[-1]:,} records: {growth:+.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
