"""Benchmark the invoices job's loader: Directo invoices into Dokus draft invoices with lines.

Feeds target-dokus (a separate process, as Meltano runs it) with what tap-directo--invoices
emits: N customers and N invoices of 5 lines each (default 200 and 2,000), shaped by the
tap's own schemas, through the `target-dokus--invoices` config of meltano.yml (its stream maps,
references and match keys). 20 ms are added to every Dokus request, max_concurrency 4. Prints
invoices/s and write requests, then runs the same input again: an unchanged re-run sends 0
writes. Run: .venv/bin/python -m bench.invoices_bench [--invoices 2000] [--latency 0.02]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from bench.target_dokus_process import timed_target_dokus
from sandbox.common import SandboxServer
from sandbox.dokus import DEFAULT_EMAIL, DEFAULT_PASSWORD, DokusEmulator
from sandbox.seed_data import SeedData
from tap_directo.customer_fields import document_properties
from tap_directo.resources import RESOURCES_BY_NAME
from tap_directo.schemas import resource_schema

ROOT = Path(__file__).resolve().parent.parent
LOADER = "target-dokus--invoices"
LINES = 5


def loader_config() -> dict[str, Any]:
    """The job's loader settings as meltano.yml declares them."""
    project = yaml.safe_load((ROOT / "meltano.yml").read_text(encoding="utf-8"))
    (entry,) = [e for e in project["plugins"]["loaders"] if e["name"] == LOADER]
    return dict(entry["config"])


def tap_messages(invoices: int, customers: int) -> str:
    """Customers then invoices, as tap-directo--invoices writes them (deterministic)."""
    seed = SeedData(7)
    extra = document_properties({"document_customer_fields": ["email"]})
    lines: list[dict[str, Any]] = []
    customer_schema = resource_schema(RESOURCES_BY_NAME["customers"], emit_deleted_records=True)
    lines.append(
        {
            "type": "SCHEMA",
            "stream": "customers",
            "schema": customer_schema,
            "key_properties": ["code"],
        }
    )
    emails = []
    for n in range(customers):
        name = seed.company("NO")
        email = f"kunde{n}@example.no"
        emails.append((f"C{100_000 + n}", name, email))
        lines.append(
            {
                "type": "RECORD",
                "stream": "customers",
                "record": {
                    "code": f"C{100_000 + n}",
                    "name": name,
                    "email": email,
                    "city": seed.city("NO"),
                    "address": f"Storgata {n % 90 + 1}",
                    "payment_terms": "14",
                    "ts": "2025-01-01T00:00:00.000Z",
                },
            }
        )
    invoice_schema = resource_schema(RESOURCES_BY_NAME["invoices"], emit_deleted_records=True)
    invoice_schema["properties"].update(extra)
    lines.append(
        {
            "type": "SCHEMA",
            "stream": "invoices",
            "schema": invoice_schema,
            "key_properties": ["number"],
        }
    )
    for n in range(invoices):
        code, name, email = emails[n % customers]
        rows = [
            {
                "row_no": k + 1,
                "row_item": f"{1_000_000 + (n * LINES + k) % 900}",
                "row_description": seed.product(),
                "row_quantity": seed.rng.randrange(1, 40),
                "row_price": seed.rng.randrange(100, 50000) / 100,
                "row_discount": seed.rng.choice([0, 5, 10]),
            }
            for k in range(LINES)
        ]
        lines.append(
            {
                "type": "RECORD",
                "stream": "invoices",
                "record": {
                    "number": str(5_000_000 + n),
                    "date": f"2025-{n % 12 + 1:02d}-{n % 28 + 1:02d}T10:00:00Z",
                    "customer_code": code,
                    "customer_name": name,
                    "customer_email": email,
                    "payment_terms": seed.rng.choice(["7", "14", "30"]),
                    "rows": rows,
                    "ts": "2025-01-01T00:00:00.000Z",
                },
            }
        )
    lines.append(
        {
            "type": "STATE",
            "value": {
                "bookmarks": {"invoices": {"replication_key_value": "2025-01-01T00:00:00.000Z"}}
            },
        }
    )
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)


def run_target(config: dict[str, Any], messages: str, workdir: Path) -> float:
    return timed_target_dokus(config, messages, workdir / "config.json")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=2000)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.02, help="seconds added per request")
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args(argv)
    messages = tap_messages(args.invoices, args.customers)
    emulator = DokusEmulator(size=0, invoice_recipient="required")
    emulator.faults.latency = args.latency
    with tempfile.TemporaryDirectory() as tmp, SandboxServer(emulator) as server:
        workdir = Path(tmp)
        config = {
            **loader_config(),
            "base_url": server.url,
            "email": DEFAULT_EMAIL,
            "password": DEFAULT_PASSWORD,
            "max_concurrency": args.concurrency,
            "dead_letter_path": str(workdir / "dead-letter.jsonl"),
        }
        seconds = run_target(config, messages, workdir)
        writes = len(emulator.log.entries(method="POST"))
        drafts = list(emulator.data["invoices"].values())
        held_lines = sum(len(d["items"]) for d in drafts)
        print(
            f"run 1: {args.invoices} invoices x {LINES} lines (+{args.customers} customers) in "
            f"{seconds:.1f} s = {args.invoices / seconds:.0f} invoices/s; "
            f"{writes} write requests; Dokus holds {len(drafts)} drafts, {held_lines} lines"
        )
        emulator.log.clear()
        seconds = run_target(config, messages, workdir)
        print(
            f"unchanged re-run: {seconds:.1f} s, "
            f"{len(emulator.log.entries(method='POST'))} write requests, "
            f"{len(emulator.log)} requests in all"
        )
    print(
        f"latency per request: {args.latency * 1000:.0f} ms, max_concurrency "
        f"{args.concurrency}; machine: {sys.platform}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
