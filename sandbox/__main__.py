"""`python -m sandbox`: serve the three emulators on loopback and print how to reach them."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from sandbox.common import SandboxServer
from sandbox.directo import DirectoEmulator
from sandbox.directus import DirectusEmulator
from sandbox.dokus import WRITE_ANSWERS, DokusEmulator


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--directo-port", type=int, default=8701)
    parser.add_argument("--directus-port", type=int, default=8702)
    parser.add_argument("--dokus-port", type=int, default=8703)
    parser.add_argument("--size", type=int, default=50, help="records per resource")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--directo-no-ts", action="store_true", help="serve Directo records without a ts field"
    )
    parser.add_argument(
        "--directus-docs-mode",
        action="store_true",
        help="behave like the Directus 1.1 docs instead of a real Directus 6 server",
    )
    parser.add_argument(
        "--dokus-validation-status",
        type=int,
        choices=(400, 401),
        default=400,
        help="status of Dokus validation errors (the doc literally says 401)",
    )
    parser.add_argument(
        "--dokus-write-answer",
        choices=WRITE_ANSWERS,
        default="wrapped",
        help="shape of Dokus' 200 answer to a create or update (the doc leaves it open)",
    )
    parser.add_argument("--json", action="store_true", help="print the endpoints as one JSON line")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    emulators = {
        "directo": (
            DirectoEmulator(size=args.size, seed=args.seed, serve_ts=not args.directo_no_ts),
            args.directo_port,
        ),
        "directus": (
            DirectusEmulator(
                size=args.size, seed=args.seed, mode="docs" if args.directus_docs_mode else "real"
            ),
            args.directus_port,
        ),
        "dokus": (
            DokusEmulator(
                size=args.size,
                seed=args.seed,
                validation_status=args.dokus_validation_status,
                write_answer=args.dokus_write_answer,
            ),
            args.dokus_port,
        ),
    }
    servers = {
        name: SandboxServer(e, args.host, port).start() for name, (e, port) in emulators.items()
    }
    described = {
        name: {"url": server.emulator.base_url(server.url), **server.emulator.credentials()}
        for name, server in servers.items()
    }
    if args.json:
        print(json.dumps(described), flush=True)
    else:
        for name, info in described.items():
            details = ", ".join(f"{k}={v}" for k, v in info.items())
            print(f"{name:9s} {details}", flush=True)
        print("Control API: <root>/_sandbox/{log,faults,latency,...}; Ctrl-C stops.", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    for server in servers.values():
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
