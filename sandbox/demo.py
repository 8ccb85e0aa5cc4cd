"""`make demo`: the main job end to end on the embedded default.

Starts the three sandboxes, runs the project's Meltano jobs (Directo and Directus into an
embedded DuckDB warehouse, Directo into Dokus), prints what landed, changes a few records in the
sandboxes and runs again to show that only the changes move. Exits non-zero if any step fails.
Everything it writes (warehouse, Meltano's state database, logs) is under output/demo/.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections import Counter
from pathlib import Path

from sandbox.common import SandboxServer
from sandbox.directo import DirectoEmulator
from sandbox.directus import DirectusEmulator
from sandbox.dokus import DokusEmulator
from sandbox.meltano_project import ROOT, MeltanoError, MeltanoProject

OUTPUT = ROOT / "output" / "demo"
JOBS = (
    "directo-to-warehouse",
    "directus-to-warehouse",
    "directo-to-dokus",
    "directo-invoices-to-dokus",
)


def run_jobs(project: MeltanoProject, dokus: DokusEmulator, run: str) -> None:
    """Run each job in turn and print the records each tap stream moved."""
    for job in JOBS:
        dokus.log.clear()
        print(f"  meltano run {job}", flush=True)
        moved: Counter = project.run(job, log_name=f"{run}-{job}")
        shown = ", ".join(f"{stream} {count}" for stream, count in sorted(moved.items()))
        print(f"    records moved: {shown}")
        if "dokus" in job:
            print(f"    Dokus write requests: {len(dokus.log.entries(method='POST'))}")


def print_warehouse(project: MeltanoProject) -> None:
    tables = project.query(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema like 'tap_%' order by 1, 2"
    )
    print(f"\nWarehouse {project.warehouse.relative_to(ROOT)} (DuckDB):")
    for schema, table in tables:
        count = project.query(f'select count(*) from "{schema}"."{table}"')[0][0]
        print(f"  {schema}.{table:<22} {count:>6} rows")
    for schema, table in (("tap_directo", "items"), ("tap_directus", "projects")):
        print(f"  a few rows of {schema}.{table}:")
        columns = [
            c[0]
            for c in project.query(
                "select column_name from information_schema.columns where table_schema = "
                f"'{schema}' and table_name = '{table}' and column_name not like '_sdc%' "
                "order by ordinal_position limit 5"
            )
        ]
        select = ", ".join(f'"{c}"' for c in columns)
        for row in project.query(f'select {select} from "{schema}"."{table}" limit 3'):
            print("    " + ", ".join(f"{c}={v!r}" for c, v in zip(columns, row, strict=True)))


def print_dokus(dokus: DokusEmulator) -> None:
    print("\nDokus sandbox:")
    for resource, fields in (
        ("products", ("id", "product_number", "name", "price")),
        ("customers", ("id", "name", "email")),
    ):
        records = list(dokus.data[resource].values())
        print(f"  {resource:<10} {len(records):>4} records, e.g.")
        for record in records[:3]:
            shown = {f: record.get(f) for f in fields}
            print("    " + json.dumps(shown, ensure_ascii=False, default=str))


def print_drafts(dokus: DokusEmulator, count: int = 3) -> None:
    """A few draft invoices as Dokus holds them: recipient, references, dates and lines."""
    invoices = sorted(dokus.data["invoices"].values(), key=lambda i: str(i["sender_ref"]))
    customers = dokus.data["customers"]
    print(f"  invoices   {len(invoices):>4} drafts, e.g.")
    for invoice in invoices[:count]:
        recipient = customers.get(invoice["recipient"], {})
        print(
            f"    draft {invoice['id']}: sender_ref={invoice['sender_ref']} to customer "
            f"{invoice['recipient']} ({recipient.get('email')}), send_date "
            f"{invoice['send_date']}, due_days {invoice['due_days']}"
        )
        for line in invoice["items"]:
            print(
                f"      {line['quantity']:>7} x {line['unit_price']:>8}, discount "
                f"{line['discount']:>5}%, VAT class {line['vat_class']}: {line['name']}"
            )


def run_demo() -> None:
    shutil.rmtree(OUTPUT, ignore_errors=True)
    OUTPUT.mkdir(parents=True)
    directo_api = DirectoEmulator(size=40, rate_limit_per_minute=0)
    directus_api = DirectusEmulator(size=40)
    dokus_api = DokusEmulator(size=0)
    with (
        SandboxServer(directo_api) as directo,
        SandboxServer(directus_api) as directus,
        SandboxServer(dokus_api) as dokus,
    ):
        print(f"Sandboxes: Directo {directo.url}, Directus {directus.url}, Dokus {dokus.url}")
        project = MeltanoProject(OUTPUT, directo, directus, dokus)
        print("Installing the Meltano plugins (the first time takes a minute)...", flush=True)
        project.meltano("install", log_name="install")
        print("\nRun 1: everything moves", flush=True)
        run_jobs(project, dokus_api, "run1")
        print_warehouse(project)
        print_dokus(dokus_api)
        print_drafts(dokus_api)

        print("\nChanging records in the sandboxes:")
        directo_changes = directo_api.change(updates=2, deletes=1, inserts=1, resource="items")
        print(f"  Directo items: {json.dumps(directo_changes['changed']['items'])}")
        customers = directo_api.change(updates=1, resource="customers")
        print(f"  Directo customers: {json.dumps(customers['changed']['customers'])}")
        first_invoice = min(i["number"] for i in directo_api.store.records("invoices"))
        grown = directo_api.store.edit(
            "invoices",
            {"number": first_invoice},
            add_rows=[
                {
                    "row_item": "1012",
                    "row_description": "Šokolaad Kalev",
                    "row_quantity": 2,
                    "row_price": 8.75,
                }
            ],
        )
        print(f"  Directo invoice {first_invoice}: a line added ({len(grown['rows'])} lines now)")
        updated = directus_api.update_rows("projects", count=2)
        inserted = directus_api.insert_rows("projects", count=1)
        print(f"  Directus projects: updated {updated}, inserted {inserted}")

        print(
            "\nRun 2: only the changes move (incremental streams resend the record on the "
            "bookmark, at-least-once; tables without an update-date column are read whole)",
            flush=True,
        )
        run_jobs(project, dokus_api, "run2")
        print_warehouse(project)
        print("\nDokus after run 2 (the invoice with the new line was updated in place):")
        print_drafts(dokus_api, count=1)


def main() -> int:
    try:
        run_demo()
    except (MeltanoError, OSError) as exc:
        print(f"\ndemo failed: {exc}", file=sys.stderr)
        print(f"logs: {Path(OUTPUT).relative_to(ROOT)}/*.log", file=sys.stderr)
        return 1
    print("\nDemo finished; the sandboxes are stopped. Logs and warehouse: output/demo/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
