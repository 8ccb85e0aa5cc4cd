"""Two machines, one PostgreSQL system database: Meltano's state is shared, and stays whole.

Clones A and B of the Meltano project (each its own directory and `.meltano/`, see
postgres_projects.py) run the job `directo-to-postgres` with `MELTANO_DATABASE_URI` pointing at
one PostgreSQL database; the warehouse is another database on the same server.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sandbox.common import SandboxServer
from sandbox.directo import DirectoEmulator
from sandbox.directus import DirectusEmulator
from sandbox.dokus import DokusEmulator
from sandbox.meltano_project import MeltanoProject, records_moved
from tests.e2e.postgres_projects import clone, use_postgres
from tests.postgres_cluster import PostgresCluster

SIZE = 12
JOB = "directo-to-postgres"
STATE_ID = "dev:tap-directo-to-target-postgres"
SYSTEM_DB = "meltano_system"
WAREHOUSE = "shared_state_warehouse"
ALREADY_RUNNING = f"Another '{STATE_ID}' pipeline is already running"


@pytest.fixture(scope="module")
def directo() -> Iterator[SandboxServer]:
    server = SandboxServer(DirectoEmulator(size=SIZE, rate_limit_per_minute=0)).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def machines(
    directo: SandboxServer,
    postgres: PostgresCluster,
    tmp_path_factory: pytest.TempPathFactory,
    meltano_installed: None,
) -> Iterator[tuple[MeltanoProject, MeltanoProject]]:
    postgres.create_database(SYSTEM_DB)
    postgres.create_database(WAREHOUSE)
    directus = SandboxServer(DirectusEmulator(size=1)).start()
    dokus = SandboxServer(DokusEmulator(size=0)).start()
    base = MeltanoProject(tmp_path_factory.mktemp("shared-state"), directo, directus, dokus)
    base.env["TAP_DIRECTO_REQUESTS_PER_MINUTE"] = "0"
    use_postgres(base, postgres, WAREHOUSE, SYSTEM_DB)
    root = tmp_path_factory.mktemp("machines")
    a, b = clone(base, root / "a"), clone(base, root / "b")
    a.meltano("state", "list")  # creates Meltano's tables in the new system database
    yield a, b
    directus.stop()
    dokus.stop()


def _items(directo: SandboxServer) -> list[dict]:
    emulator = directo.emulator
    assert isinstance(emulator, DirectoEmulator)
    return list(emulator.store.records("items"))


def _warehouse_items(postgres: PostgresCluster) -> dict[str, tuple]:
    rows = postgres.query(
        WAREHOUSE, "select code, price, _sdc_deleted_at from tap_directo.items order by code"
    )
    return {row[0]: row[1:] for row in rows}


def _bookmark(project: MeltanoProject) -> str:
    return project.state(STATE_ID)["singer_state"]["bookmarks"]["items"]["replication_key_value"]


def test_b_continues_incrementally_where_a_stopped(
    machines: tuple[MeltanoProject, MeltanoProject],
    directo: SandboxServer,
    postgres: PostgresCluster,
) -> None:
    a, b = machines
    assert a.root != b.root
    assert (a.root / ".meltano").resolve() != (b.root / ".meltano").resolve()
    first = a.run(JOB)
    items = _items(directo)
    assert first["items"] == len(items)
    assert len(_warehouse_items(postgres)) == len(items)
    # B has no state of its own: it reads A's from the shared system database
    assert _bookmark(b) == _bookmark(a) == max(i["ts"] for i in items)

    emulator = directo.emulator
    assert isinstance(emulator, DirectoEmulator)
    changed = emulator.change(updates=2, inserts=1, resource="items")["changed"]["items"]
    second = b.run(JOB)
    # the 3 changes (plus, at most, the record on the bookmark: at-least-once), not the rest
    assert 3 <= second["items"] <= 4 < len(items)
    current = {i["code"]: i for i in _items(directo)}
    loaded = _warehouse_items(postgres)
    assert set(loaded) == set(current)
    for key in [*changed["updated"], *changed["inserted"]]:
        assert float(loaded[key["code"]][0]) == pytest.approx(float(current[key["code"]]["price"]))
    assert _bookmark(a) == max(i["ts"] for i in current.values())


def _wait_until_running(postgres: PostgresCluster, process_alive: Callable[[], bool]) -> None:
    """Until Meltano has registered the run in the shared system database (a condition, with
    a deadline, not a fixed sleep)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process_alive():
        rows = postgres.query(
            SYSTEM_DB, "select 1 from runs where job_name = %s and state = 'RUNNING'", (STATE_ID,)
        )
        if rows:
            return
        time.sleep(0.05)
    pytest.fail("the first run never showed up as RUNNING in the system database")


def test_second_run_of_a_running_job_is_refused(
    machines: tuple[MeltanoProject, MeltanoProject],
    directo: SandboxServer,
    postgres: PostgresCluster,
) -> None:
    a, b = machines
    directo.emulator.faults.latency = 0.3  # A's run takes a few seconds
    try:
        first = a.start("run", "--full-refresh", JOB)
        _wait_until_running(postgres, lambda: first.poll() is None)
        second = b.completed("run", JOB)
        out_first, _ = first.communicate(timeout=300)
    finally:
        directo.emulator.faults.latency = 0.0
    # B refuses at once, moves nothing, and leaves the state to A
    assert second.returncode == 1
    assert ALREADY_RUNNING in second.stdout + second.stderr
    assert not records_moved(second.stdout + second.stderr)
    assert first.returncode == 0, out_first[-3000:]
    items = _items(directo)
    assert records_moved(out_first)["items"] == len(items)
    assert _bookmark(b) == max(i["ts"] for i in items)


def test_same_job_started_on_both_at_once_leaves_whole_state(
    machines: tuple[MeltanoProject, MeltanoProject],
    directo: SandboxServer,
    postgres: PostgresCluster,
) -> None:
    a, b = machines
    emulator = directo.emulator
    assert isinstance(emulator, DirectoEmulator)
    emulator.change(updates=1, inserts=1, resource="items")
    runs = [a.start("run", JOB), b.start("run", JOB)]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    codes = [run.returncode for run in runs]
    print(f"simultaneous runs on A and B exited {codes}")  # which of the two cases happened
    # Meltano's check is "is a run of this state ID RUNNING in the system database?": the
    # later starter is refused; when both check before either registers, both run, each
    # writes a complete state and upserts the same rows (the last writer's state stays)
    assert 0 in codes, outputs
    for code, output in zip(codes, outputs, strict=True):
        assert code == 0 or ALREADY_RUNNING in output, output[-3000:]
    items = _items(directo)
    assert _bookmark(a) == max(i["ts"] for i in items)
    loaded = _warehouse_items(postgres)
    assert set(loaded) == {i["code"] for i in items}
    (duplicates,) = postgres.query(
        WAREHOUSE, "select count(*) - count(distinct code) from tap_directo.items"
    )[0]
    assert duplicates == 0


def test_full_refresh_on_b_is_seen_by_a(
    machines: tuple[MeltanoProject, MeltanoProject],
    directo: SandboxServer,
) -> None:
    a, b = machines
    emulator = directo.emulator
    assert isinstance(emulator, DirectoEmulator)
    emulator.change(inserts=2, resource="items")
    refreshed = b.run(JOB, full_refresh=True)
    items = _items(directo)
    assert refreshed["items"] == len(items)  # everything again: the state was ignored
    assert _bookmark(a) == max(i["ts"] for i in items)
    # A continues from the state B's full refresh wrote: the inserted items do not move again
    after = a.run(JOB)
    assert after["items"] <= 1


def test_state_lives_in_postgres_not_in_the_clones(
    machines: tuple[MeltanoProject, MeltanoProject], postgres: PostgresCluster
) -> None:
    a, b = machines
    (stored,) = postgres.query(
        SYSTEM_DB, "select count(*) from state where state_id = %s", (STATE_ID,)
    )[0]
    assert stored == 1
    for machine in (a, b):
        assert not list(Path(machine.root, ".meltano").glob("*.db"))


def test_schedule_run_on_either_machine_continues_the_shared_state(
    machines: tuple[MeltanoProject, MeltanoProject],
    directo: SandboxServer,
    postgres: PostgresCluster,
) -> None:
    """What cron (or any orchestrator) runs: `meltano schedule run <schedule>` per machine."""
    a, _ = machines
    emulator = directo.emulator
    assert isinstance(emulator, DirectoEmulator)
    changed = emulator.change(updates=1, resource="items")["changed"]["items"]
    a.meltano("schedule", "run", "directo-to-postgres-hourly")
    items = {i["code"]: i for i in _items(directo)}
    assert _bookmark(a) == max(i["ts"] for i in items.values())
    (code,) = [k["code"] for k in changed["updated"]]
    loaded = _warehouse_items(postgres)
    assert float(loaded[code][0]) == pytest.approx(float(items[code]["price"]))
    log = postgres.query(
        SYSTEM_DB,
        "select count(*) from runs where job_name = %s and state = 'SUCCESS'",
        (STATE_ID,),
    )
    assert log[0][0] >= 4  # A's and B's runs, all in the one system database
