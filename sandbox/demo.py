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
JOBS = ("directo-to-warehouse", "directus-to-warehouse", "directo-to-dokus")


def run_jobs(project: MeltanoProject, dokus: DokusEmulator, run: str) -> None:
    """Run each job in turn and print the records each tap stream moved."""
    for job in JOBS:
        dokus.log.clear()
        print(f"  meltano run {job}", flush=True)
        moved: Counter = project.run(job, log_name=f"{run}-{job}")
        shown = ", ".join(f"{stream} {count}" for stream, count in sorted(moved.items()))
        print(f"    records moved: {shown}")
        if job.endswith("dokus"):
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

        print("\nChanging records in the sandboxes:")
        directo_changes = directo_api.change(updates=2, deletes=1, inserts=1, resource="items")
        print(f"  Directo items: {json.dumps(directo_changes['changed']['items'])}")
        customers = directo_api.change(updates=1, resource="customers")
        print(f"  Directo customers: {json.dumps(customers['changed']['customers'])}")
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
