"""tap-directo into MeltanoLabs target-postgres (upsert on the primary key): after syncs with
updates, inserts and deletions of every resource, the live rows (no `_sdc_deleted_at`) are
exactly the source's live rows, whatever key fields the server's records carry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sandbox.common import Emulator, SandboxServer
from sandbox.directo import DirectoEmulator
from sandbox.directo_typing import ServedKeys, ServedTyping
from tests import postgres_cluster
from tests.postgres_cluster import PostgresCluster
from tests.tap_directo.harness import DATA_RESOURCES, config_for, run_tap, source_keys


@pytest.mark.parametrize(
    ("served", "overrides"),
    [
        (ServedKeys(), {}),
        (
            ServedKeys(allocation_key="code", stock_deletions="item_warehouse"),
            {"allocations": ["code"]},
        ),
    ],
    ids=["documented_keys", "other_keys"],
)
def test_postgres_holds_exactly_the_live_rows_of_every_resource(  # noqa: PLR0917
    serve: Callable[[Emulator], SandboxServer],
    postgres: PostgresCluster,
    target_postgres_exe: Path,
    tmp_path: Path,
    served: ServedKeys,
    overrides: dict,
) -> None:
    typing = ServedTyping(document_numbers="number", codes="number", money="string")
    emulator = DirectoEmulator(size=15, rate_limit_per_minute=0, served_keys=served, typing=typing)
    server = serve(emulator)
    config = config_for(server, emit_deleted_records=True, primary_keys=overrides)
    database = f"keyed_{'other' if overrides else 'documented'}"
    postgres.create_database(database)
    target = postgres.target_config(database, schema="tap_directo")
    state: dict = {}
    keys: dict[str, list[str]] = {}
    for round_ in range(3):
        if round_:
            emulator.change(updates=2, deletes=2, inserts=1)
        out = run_tap(config, state=state)
        keys = {r: out.schemas[r]["key_properties"] for r in DATA_RESOURCES}
        postgres_cluster.load(target_postgres_exe, target, out.raw, tmp_path)
        state = out.final_state
    for resource in DATA_RESOURCES:
        columns = ", ".join(f'"{k}"' for k in keys[resource])
        live = postgres.query(
            database,
            f"select {columns} from tap_directo.{resource} where _sdc_deleted_at is null",
        )
        assert {tuple(str(v) for v in row) for row in live} == source_keys(
            emulator, resource, keys[resource]
        ), resource
