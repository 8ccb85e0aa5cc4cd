"""The PostgreSQL warehouse is real: tap-directo's records land in MeltanoLabs target-postgres.

A smoke test of the fixtures the warehouse tests share (a throwaway cluster, target-postgres as
meltano.yml installs it): row counts come from the sandbox, column types from PostgreSQL itself.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sandbox.common import Emulator, SandboxServer
from sandbox.directo import DirectoEmulator
from tests import postgres_cluster
from tests.postgres_cluster import PostgresCluster
from tests.tap_directo.harness import config_for, run_tap, sandbox


def test_directo_items_land_keyed_and_typed(
    serve: Callable[[Emulator], SandboxServer],
    postgres: PostgresCluster,
    target_postgres_exe: Path,
    tmp_path: Path,
) -> None:
    server = serve(DirectoEmulator(size=10, rate_limit_per_minute=0))
    source = list(sandbox(server).store.records("items"))
    out = run_tap(config_for(server), streams={"items"})
    postgres.create_database("smoke")

    postgres_cluster.load(
        target_postgres_exe,
        postgres.target_config("smoke", schema="tap_directo"),
        out.raw,
        tmp_path,
    )

    rows = postgres.query("smoke", "select code from tap_directo.items order by code")
    assert [row[0] for row in rows] == sorted(str(item["code"]) for item in source)
    key = postgres.query(
        "smoke",
        "select a.attname from pg_index i join pg_attribute a"
        " on a.attrelid = i.indrelid and a.attnum = any(i.indkey)"
        " where i.indrelid = 'tap_directo.items'::regclass and i.indisprimary",
    )
    assert [row[0] for row in key] == ["code"]
    (price_type,) = postgres.query(
        "smoke",
        "select data_type from information_schema.columns"
        " where table_schema = 'tap_directo' and table_name = 'items' and column_name = 'price'",
    )[0]
    assert price_type == "numeric"
