"""Shared fixtures: each test gets its own in-process sandbox on a free loopback port."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sandbox.common import Emulator, SandboxServer
from sandbox.meltano_project import MELTANO, ROOT
from tests import postgres_cluster
from tests.postgres_cluster import PostgresCluster, PostgresUnavailable


@pytest.fixture
def serve() -> Iterator[Callable[[Emulator], SandboxServer]]:
    """Start any emulator on a free port; stopped when the test ends."""
    servers: list[SandboxServer] = []

    def _serve(emulator: Emulator) -> SandboxServer:
        server = SandboxServer(emulator).start()
        servers.append(server)
        return server

    yield _serve
    for server in servers:
        server.stop()


@pytest.fixture
def dokus_sandbox(serve: Callable[[Emulator], SandboxServer]) -> SandboxServer:
    from sandbox.dokus import DokusEmulator

    return serve(DokusEmulator())


def _unavailable(reason: str) -> None:
    """Skip outside CI (one line saying why); in CI a missing server fails the run."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """A PostgreSQL server: the PG* environment's, else a throwaway cluster for this session."""
    cluster = postgres_cluster.from_environment()
    started = cluster is None
    if cluster is None:
        try:
            cluster = postgres_cluster.start_throwaway()
        except PostgresUnavailable as exc:
            _unavailable(f"PostgreSQL tests need a server: {exc}")
    assert cluster is not None
    yield cluster
    if started:
        cluster.stop()


@pytest.fixture(scope="session")
def target_postgres_exe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """MeltanoLabs target-postgres as meltano.yml declares it, installed by Meltano."""
    env = {
        **os.environ,
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        "MELTANO_DATABASE_URI": f"sqlite:///{tmp_path_factory.mktemp('meltano-pg') / 'm.db'}",
    }
    result = subprocess.run(
        [str(MELTANO), "install", "--plugin-type", "loader", "target-postgres"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    exe = ROOT / ".meltano" / "loaders" / "target-postgres" / "venv" / "bin" / "target-postgres"
    if result.returncode != 0 or not exe.exists():
        tail = (result.stdout + result.stderr).strip().splitlines()[-1:]
        _unavailable(f"could not install target-postgres with Meltano: {' '.join(tail)}")
    return exe
