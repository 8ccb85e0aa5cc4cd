"""The Directo and Directus jobs into the real warehouse (MeltanoLabs target-postgres), twice.

`meltano run directo-to-postgres directus-to-postgres` against the sandboxes, then changes
(updates, inserts, deletions), then again: row counts equal the sandboxes', every table has its
primary key, numbers are `numeric`, date-times are timestamps, deletions land as the README says.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.common import SandboxServer
from sandbox.directo import DirectoEmulator
from sandbox.directus import DirectusEmulator
from sandbox.dokus import DokusEmulator
from sandbox.meltano_project import MeltanoProject
from tests.e2e.postgres_projects import use_postgres
from tests.e2e.servers import project_on, running
from tests.postgres_cluster import PostgresCluster

SIZE = 12
WAREHOUSE = "jobs_warehouse"
# Primary keys as the README's "Streams and primary keys" table gives them
DIRECTO_KEYS = {
    "items": ["code"],
    "customers": ["code"],
    "orders": ["number"],
    "invoices": ["number"],
    # issue 9: what a stock-level deletion names (finer keys via `primary_keys`)
    "stocklevels": ["item_code", "warehouse"],
    "itemclasses": ["code"],
    "allocations": ["number"],
    "priceformulas": ["code"],
    "deleted": ["id"],
    "order_rows": ["number", "row_no"],
    "invoice_rows": ["number", "row_no"],
}
# Directo fields the doc gives as numbers and date-times
DIRECTO_NUMBERS = {"items": ["price"], "order_rows": ["row_price", "row_quantity"]}
DIRECTO_DATETIMES = {"items": ["ts"], "customers": ["ts"], "orders": ["ts"]}
DIRECTUS_NUMBER_TYPES = {"DECIMAL", "FLOAT", "DOUBLE"}
DIRECTUS_DATETIME_TYPES = {"DATETIME", "TIMESTAMP"}


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[dict[str, SandboxServer]]:
    with running(
        directo=DirectoEmulator(size=SIZE, rate_limit_per_minute=0),
        directus=DirectusEmulator(size=SIZE),
        dokus=DokusEmulator(size=0),
    ) as servers:
        yield servers


@pytest.fixture(scope="module")
def project(
    sandboxes: dict[str, SandboxServer],
    postgres: PostgresCluster,
    tmp_path_factory: pytest.TempPathFactory,
    meltano_installed: None,
) -> MeltanoProject:
    postgres.create_database(WAREHOUSE)
    project = project_on(tmp_path_factory.mktemp("pg-jobs"), sandboxes)
    use_postgres(project, postgres, WAREHOUSE)
    return project


def _directo(sandboxes: dict[str, SandboxServer]) -> DirectoEmulator:
    emulator = sandboxes["directo"].emulator
    assert isinstance(emulator, DirectoEmulator)
    return emulator


def _directus(sandboxes: dict[str, SandboxServer]) -> DirectusEmulator:
    emulator = sandboxes["directus"].emulator
    assert isinstance(emulator, DirectusEmulator)
    return emulator


def _count(postgres: PostgresCluster, table: str, where: str = "") -> int:
    return postgres.query(WAREHOUSE, f"select count(*) from {table} {where}")[0][0]


def _primary_key(postgres: PostgresCluster, schema: str, table: str) -> list[str]:
    rows = postgres.query(
        WAREHOUSE,
        "select a.attname from pg_index i join pg_attribute a"
        " on a.attrelid = i.indrelid and a.attnum = any(i.indkey)"
        " where i.indrelid = %s::regclass and i.indisprimary",
        (f'"{schema}"."{table}"',),
    )
    return sorted(r[0] for r in rows)


def _column_types(postgres: PostgresCluster, schema: str, table: str) -> dict[str, str]:
    rows = postgres.query(
        WAREHOUSE,
        "select column_name, data_type from information_schema.columns"
        " where table_schema = %s and table_name = %s",
        (schema, table),
    )
    return dict(rows)


def _directo_expected_rows(directo: DirectoEmulator) -> dict[str, int]:
    store = directo.store
    counts = {name: len(list(store.records(name))) for name in DIRECTO_KEYS if "_" not in name}
    for parent in ("orders", "invoices"):
        counts[f"{parent[:-1]}_rows"] = sum(len(d.get("rows", [])) for d in store.records(parent))
    return counts


def test_directo_into_postgres_twice(
    project: MeltanoProject, sandboxes: dict[str, SandboxServer], postgres: PostgresCluster
) -> None:
    directo = _directo(sandboxes)
    project.run("directo-to-postgres")
    for table, expected in _directo_expected_rows(directo).items():
        assert _count(postgres, f"tap_directo.{table}") == expected, table
    for table, key in DIRECTO_KEYS.items():
        assert _primary_key(postgres, "tap_directo", table) == sorted(key), table
    for table, columns in DIRECTO_NUMBERS.items():
        types = _column_types(postgres, "tap_directo", table)
        for column in columns:
            assert types[column] == "numeric", (table, column)
    for table, columns in DIRECTO_DATETIMES.items():
        types = _column_types(postgres, "tap_directo", table)
        for column in columns:
            assert types[column].startswith("timestamp"), (table, column, types[column])

    changed = directo.change(updates=2, deletes=1, inserts=1, resource="items")["changed"]["items"]
    project.run("directo-to-postgres")
    live = {i["code"]: i for i in directo.store.records("items")}
    (deleted,) = [k["code"] for k in changed["deleted"]]
    # target-postgres applies a deletion as a soft delete: the row stays, `_sdc_deleted_at` is
    # set, and the other columns are empty (the deletion record holds only the key)
    assert _count(postgres, "tap_directo.items", "where _sdc_deleted_at is null") == len(live)
    assert _count(postgres, "tap_directo.items") == len(live) + 1
    row = postgres.query(
        WAREHOUSE,
        "select _sdc_deleted_at, name, price from tap_directo.items where code = %s",
        (deleted,),
    )
    assert len(row) == 1
    assert row[0][0] is not None
    assert row[0][1:] == (None, None)
    prices = dict(postgres.query(WAREHOUSE, "select code, price from tap_directo.items"))
    for key in [*changed["updated"], *changed["inserted"]]:
        assert float(prices[key["code"]]) == pytest.approx(float(live[key["code"]]["price"]))
    assert _count(postgres, "tap_directo.deleted") == len(list(directo.store.records("deleted")))


def test_directus_into_postgres_twice(
    project: MeltanoProject, sandboxes: dict[str, SandboxServer], postgres: PostgresCluster
) -> None:
    directus = _directus(sandboxes)
    tables = [t for t in directus.tables.values() if not t.is_system]
    project.run("directus-to-postgres")
    for table in tables:
        assert _count(postgres, f'tap_directus."{table.name}"') == len(table.rows), table.name
        assert _primary_key(postgres, "tap_directus", table.name) == [table.primary_column]
        types = _column_types(postgres, "tap_directus", table.name)
        for column in table.columns:
            if column.type in DIRECTUS_NUMBER_TYPES:
                assert types[column.name] == "numeric", (table.name, column.name)
            if column.type in DIRECTUS_DATETIME_TYPES:
                assert types[column.name].startswith("timestamp"), (table.name, column.name)
    assert any(c.type in DIRECTUS_NUMBER_TYPES for t in tables for c in t.columns)
    assert any(c.type in DIRECTUS_DATETIME_TYPES for t in tables for c in t.columns)

    updated = directus.update_rows("projects", count=2)
    inserted = directus.insert_rows("projects", count=1)
    soft_deleted = directus.soft_delete_rows("projects", count=1)
    project.run("directus-to-postgres")
    projects = directus.tables["projects"]
    assert _count(postgres, "tap_directus.projects") == len(projects.rows)
    rows = postgres.query(
        WAREHOUSE, f'select id, title, "{projects.status_column}" from tap_directus.projects'
    )
    loaded = {r[0]: r[1:] for r in rows}
    for pk in [*updated, *inserted]:
        assert loaded[pk][0] == projects.rows[pk]["title"]
    # a soft delete is a row in Directus' deleted status (0), read like any other
    for pk in soft_deleted:
        assert str(loaded[pk][1]) == "0"
