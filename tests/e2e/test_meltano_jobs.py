"""Real `meltano run` of each job in meltano.yml against the sandboxes.

One Meltano project (the repository's), its system database in a temp dir, so the stored state
is this module's own. Each test runs a job twice with changes in between: the first run loads
everything, the second moves only what changed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from connector_common.instants import parse_instant
from sandbox.common import SandboxServer
from sandbox.directo import DirectoEmulator
from sandbox.directus import DirectusEmulator
from sandbox.dokus import DokusEmulator
from sandbox.meltano_project import MELTANO, ROOT, MeltanoProject
from tests.e2e.servers import project_on, running

SIZE = 12


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
    tmp_path_factory: pytest.TempPathFactory,
    meltano_installed: None,
) -> MeltanoProject:
    project = project_on(tmp_path_factory.mktemp("meltano"), sandboxes)
    # numeric settings given as environment variables, as the prod environment does
    # (Meltano 4.4.1 crashes on `kind: decimal` ones, so the plugins declare integers)
    project.env.update(
        {
            "TAP_DIRECTO_TIMEOUT": "60",
            "TAP_DIRECTO_REQUESTS_PER_MINUTE": "600",
            "TAP_DIRECTUS_TIMEOUT": "60",
            "TARGET_DOKUS_TIMEOUT": "60",
        }
    )
    return project


def _directo(sandboxes: dict[str, SandboxServer]) -> DirectoEmulator:
    emulator = sandboxes["directo"].emulator
    assert isinstance(emulator, DirectoEmulator)
    return emulator


def _records(directo: DirectoEmulator, resource: str) -> list[dict]:
    return list(directo.store.records(resource))


def test_directo_to_warehouse_loads_all_then_only_changes(
    project: MeltanoProject, sandboxes: dict[str, SandboxServer]
) -> None:
    directo = _directo(sandboxes)
    first = project.run("directo-to-warehouse")
    items = _records(directo, "items")
    assert first["items"] == len(items)
    loaded = project.query("select code, price from tap_directo.items order by code")
    assert len(loaded) == len(items)
    orders = _records(directo, "orders")
    order_rows = sum(len(o.get("rows", [])) for o in orders)
    assert project.query("select count(*) from tap_directo.order_rows")[0][0] == order_rows

    state = project.state("dev:tap-directo-to-target-duckdb")
    bookmark = state["singer_state"]["bookmarks"]["items"]["replication_key_value"]
    assert bookmark == max(i["ts"] for i in items)

    changed = directo.change(updates=2, deletes=1, inserts=1, resource="items")["changed"]["items"]
    second = project.run("directo-to-warehouse")
    # 2 updates, 1 insert and 1 deletion record move (plus, at most, the record sitting on
    # the bookmark: at-least-once), not the other items
    assert 4 <= second["items"] <= 5 < len(items)
    assert second["customers"] <= 1
    after = dict(project.query("select code, price from tap_directo.items"))
    current = {i["code"]: i for i in _records(directo, "items")}
    for key in changed["updated"]:
        assert float(after[key["code"]]) == pytest.approx(float(current[key["code"]]["price"]))
    for key in changed["inserted"]:
        assert key["code"] in after
    for key in changed["deleted"]:
        assert key["code"] not in after


def test_directus_to_warehouse_loads_all_then_only_changes(
    project: MeltanoProject, sandboxes: dict[str, SandboxServer]
) -> None:
    directus = sandboxes["directus"].emulator
    assert isinstance(directus, DirectusEmulator)
    first = project.run("directus-to-warehouse")
    tables = [t for t in directus.tables.values() if not t.is_system]
    assert first, "no records moved"
    for table in tables:
        rows = project.query(f'select count(*) from tap_directus."{table.name}"')[0][0]
        assert rows == len(table.rows), table.name

    updated = directus.update_rows("projects", count=2)
    inserted = directus.insert_rows("projects", count=1)
    second = project.run("directus-to-warehouse")
    # the changes, plus the rows sharing the bookmark's timestamp (at-least-once), not the rest
    projects = directus.tables["projects"].rows
    assert 3 <= second["projects"] < len(projects)
    titles = dict(project.query("select id, title from tap_directus.projects"))
    assert len(titles) == len(projects)
    for pk in [*updated, *inserted]:
        assert titles[pk] == projects[pk]["title"]
    state = project.state("dev:tap-directus-to-target-duckdb")
    assert "projects" in state["singer_state"]["bookmarks"]


def test_directo_to_dokus_upserts_products_and_customers(
    project: MeltanoProject, sandboxes: dict[str, SandboxServer]
) -> None:
    directo = _directo(sandboxes)
    dokus = sandboxes["dokus"].emulator
    assert isinstance(dokus, DokusEmulator)
    project.run("directo-to-dokus")
    products = {p["product_number"]: p for p in dokus.data["products"].values()}
    items = {i["code"]: i for i in _records(directo, "items")}
    assert set(products) == set(items)
    for code, item in items.items():
        assert products[code]["name"] == item["name"]
    customers = sorted(c["email"] for c in dokus.data["customers"].values())
    assert customers == sorted(c["email"] for c in _records(directo, "customers") if c.get("email"))
    assert not Path(project.dead_letter).exists()
    state = project.state("dev:tap-directo--dokus-to-target-dokus--directo")
    bookmarks = state["singer_state"]["bookmarks"]
    # the largest ts seen, or (when the sandbox stamped a change a few ms ahead of its clock)
    # the moment of the request: never past what was read, never far behind it
    newest = parse_instant(max(i["ts"] for i in items.values()))
    bookmark = parse_instant(bookmarks["items"]["replication_key_value"])
    assert newest is not None
    assert bookmark is not None
    assert newest - timedelta(seconds=1) <= bookmark <= newest
    assert set(bookmarks) >= {"items", "customers"}

    dokus.log.clear()
    changed = directo.change(updates=1, deletes=1, resource="items")["changed"]["items"]
    project.run("directo-to-dokus")
    writes = dokus.log.entries(method="POST")
    # one update and one delete; nothing else is written
    assert len(writes) == 2
    remaining = {p["product_number"] for p in dokus.data["products"].values()}
    assert changed["deleted"][0]["code"] not in remaining


def test_the_readme_replay_of_a_dead_letter_file_through_meltano(
    project: MeltanoProject, sandboxes: dict[str, SandboxServer], tmp_path: Path
) -> None:
    """`python -m target_dokus.replay FILE | meltano invoke target-dokus--directo-replay`:
    the job's match keys (customers by e-mail) find what the job wrote, so nothing is
    duplicated, and a record refused again goes to the dead-letter file, not the project root."""
    dokus = sandboxes["dokus"].emulator
    assert isinstance(dokus, DokusEmulator)
    customer = dokus.insert("customers")  # what the job wrote before the refusal
    refused = {"email": customer["email"], "name": f"{customer['name']} AS", "phone": None}
    still_bad = {"product_number": "R-1", "name": "Uten pris", "price": "ikke et tall"}
    replaying = tmp_path / "dokus-dead-letter.replaying.jsonl"
    replaying.write_text(
        "".join(
            json.dumps({"stream": s, "resource": r, "record": rec}) + "\n"
            for s, r, rec in (("customers", "customers", refused), ("items", "products", still_bad))
        )
    )
    replay = subprocess.run(
        [sys.executable, "-m", "target_dokus.replay", str(replaying)],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = tmp_path / "refused-again.jsonl"
    env = {k: v for k, v in project.env.items() if k != "TARGET_DOKUS_DEAD_LETTER_PATH"}
    env["TARGET_DOKUS__DIRECTO_REPLAY_DEAD_LETTER_PATH"] = str(dead)
    customers_before = len(dokus.data["customers"])
    result = subprocess.run(
        [str(MELTANO), "invoke", "target-dokus--directo-replay"],
        input=replay.stdout,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0  # one record was refused again
    assert len(dokus.data["customers"]) == customers_before
    assert dokus.data["customers"][customer["id"]]["name"] == refused["name"]
    assert [json.loads(line)["record"] for line in dead.read_text().splitlines()] == [still_bad]
    assert not (ROOT / "target-dokus-dead-letter.jsonl").exists()


def test_config_test_commands_as_documented(
    project: MeltanoProject, sandboxes: dict[str, SandboxServer]
) -> None:
    """The README's `meltano config test` lines, exit codes included (Meltano 4.4.1's own bug)."""
    dokus = sandboxes["dokus"].emulator
    assert isinstance(dokus, DokusEmulator)
    tap = project.completed("config", "test", "tap-directo")
    assert tap.returncode == 0, tap.stderr[-2000:]
    assert "Plugin configuration is valid" in tap.stdout + tap.stderr

    dokus.log.clear()
    loader = project.completed("config", "test", "target-dokus")
    output = loader.stdout + loader.stderr
    # Meltano logs this only when the loader exited 0 with no error line: the loader's success
    assert "Test data was written to your target system" in output
    # then Meltano's clean-up terminates the loader that already exited: a race it nearly
    # always loses (exit 1, ProcessLookupError traceback); exit 0 when it wins
    assert (loader.returncode, "ProcessLookupError" in output) in {(1, True), (0, False)}
    assert dokus.log.entries() == [], "meltano_test_stream must not reach Dokus"

    meltano3 = project.completed("config", "target-dokus", "test")
    assert meltano3.returncode == 2
    assert "No such command 'target-dokus'" in meltano3.stdout + meltano3.stderr


def test_directo_warehouse_holds_exactly_the_live_rows_of_every_resource(
    project: MeltanoProject, sandboxes: dict[str, SandboxServer]
) -> None:
    """target-duckdb (hard_delete) after updates, inserts and deletions of every resource."""
    from tap_directo.resources import RESOURCES

    directo = _directo(sandboxes)
    directo.change(updates=2, deletes=2, inserts=1)
    project.run("directo-to-warehouse")
    for resource in RESOURCES:
        if resource.name == "deleted":
            continue
        columns = ", ".join(f'"{k}"' for k in resource.keys)
        loaded = project.query(f"select {columns} from tap_directo.{resource.name}")
        live = {
            tuple(str(r.get(k, "-")) for k in resource.keys)
            for r in _records(directo, resource.name)
        }
        assert {tuple(str(v) for v in row) for row in loaded} == live, resource.name


def test_readme_jsonl_pipeline_writes_every_live_item(
    project: MeltanoProject, sandboxes: dict[str, SandboxServer]
) -> None:
    """README: `meltano --environment=dev run tap-directo target-jsonl`."""
    import json

    project.run("tap-directo", "target-jsonl")
    lines = (project.workdir / "jsonl" / "items.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    live = {r["code"] for r in records if not r.get("_sdc_deleted_at")}
    assert live == {i["code"] for i in _records(_directo(sandboxes), "items")}
