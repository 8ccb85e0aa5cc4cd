"""Hard deletes in Directus reach both warehouses, through the jobs meltano.yml declares.

DuckDB: `directus-to-warehouse-with-deletes` (the tap's key scan emits tombstones; target-duckdb
applies them with `hard_delete`). PostgreSQL: `directus-to-postgres-full-refresh` (FULL_TABLE
with ACTIVATE_VERSION; MeltanoLabs target-postgres drops the rows of older versions).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.common import SandboxServer
from sandbox.directo import DirectoEmulator
from sandbox.directus import DirectusEmulator
from sandbox.dokus import DokusEmulator
from sandbox.meltano_project import MeltanoProject
from tests.postgres_cluster import PostgresCluster


@pytest.fixture
def directus() -> Iterator[SandboxServer]:
    server = SandboxServer(DirectusEmulator(size=15)).start()
    yield server
    server.stop()


@pytest.fixture
def project(directus: SandboxServer, tmp_path: Path) -> Iterator[MeltanoProject]:
    others = [
        SandboxServer(DirectoEmulator(size=2)).start(),
        SandboxServer(DokusEmulator()).start(),
    ]
    project = MeltanoProject(tmp_path, others[0], directus, others[1])
    project.env["TAP_DIRECTUS_TABLES"] = '["projects", "countries"]'
    yield project
    for server in others:
        server.stop()


def _emulator(server: SandboxServer) -> DirectusEmulator:
    assert isinstance(server.emulator, DirectusEmulator)
    return server.emulator


def test_duckdb_job_deletes_rows_deleted_in_directus(
    project: MeltanoProject, directus: SandboxServer
) -> None:
    emulator = _emulator(directus)
    project.meltano("install", "--plugin-type", "extractor", "tap-directus--with-deletes")
    project.meltano("install", "--plugin-type", "loader", "target-duckdb")
    project.run("directus-to-warehouse-with-deletes")
    assert project.query("select count(*) from tap_directus.projects")[0][0] == 15
    gone = emulator.hard_delete_rows("projects", 3)
    gone_codes = emulator.hard_delete_rows("countries", 1)
    project.run("directus-to-warehouse-with-deletes")
    ids = {r[0] for r in project.query("select id from tap_directus.projects")}
    assert ids == set(emulator.tables["projects"].rows)
    assert not ids & set(gone)
    codes = {r[0] for r in project.query("select code from tap_directus.countries")}
    assert codes == set(emulator.tables["countries"].rows)
    assert not codes & set(gone_codes)


def test_postgres_full_refresh_job_drops_rows_deleted_in_directus(
    project: MeltanoProject,
    directus: SandboxServer,
    postgres: PostgresCluster,
    target_postgres_exe: Path,
) -> None:
    emulator = _emulator(directus)
    postgres.create_database("directus_deletes")
    config = postgres.target_config("directus_deletes")
    project.env.update(
        {
            "TARGET_POSTGRES_HOST": config["host"],
            "TARGET_POSTGRES_PORT": str(config["port"]),
            "TARGET_POSTGRES_USER": config["user"],
            "TARGET_POSTGRES_PASSWORD": config["password"],
            "TARGET_POSTGRES_DATABASE": "directus_deletes",
        }
    )
    project.meltano("install", "--plugin-type", "extractor", "tap-directus--full-refresh")
    project.meltano("install", "--plugin-type", "loader", "target-postgres--drop-missing")
    project.run("directus-to-postgres-full-refresh")
    count = "select count(*) from tap_directus.projects"
    assert postgres.query("directus_deletes", count)[0][0] == 15
    gone = emulator.hard_delete_rows("projects", 3)
    emulator.update_rows("projects", 2)
    project.run("directus-to-postgres-full-refresh")
    rows = postgres.query("directus_deletes", "select id, title from tap_directus.projects")
    assert {r[0] for r in rows} == set(emulator.tables["projects"].rows)
    assert not {r[0] for r in rows} & set(gone)
    titles = dict(rows)
    assert all(titles[pk] == row["title"] for pk, row in emulator.tables["projects"].rows.items())
