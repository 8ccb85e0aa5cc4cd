"""A PostgreSQL server for the tests that load into the real warehouse (MeltanoLabs target-postgres).

When the `PG*` environment (PGHOST, PGPORT, PGUSER, PGPASSWORD) points at a server, that server is
used and each test creates its own databases there. Otherwise a throwaway cluster is made with
Debian's PostgreSQL (`initdb` in a temp dir, a free loopback port, password auth), installed with
apt when it is missing and we are root, as in CI. Without it and outside CI, the tests that need it
are skipped with one line saying why; with `CI=true` a missing server fails them.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

TEST_USER = "warehouse"
TEST_PASSWORD = "warehouse-test-password"  # a throwaway cluster on loopback, gone after the run


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server could be found or started; the message says why."""


@dataclass
class PostgresCluster:
    """Connection facts of one server, and the few operations the tests need."""

    host: str
    port: int
    user: str
    password: str
    datadir: Path | None = None
    _run_as: list[str] = field(default_factory=list, repr=False)

    def uri(self, database: str) -> str:
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{database}"

    def create_database(self, name: str) -> None:
        """(Re)create an empty database, so each test starts from nothing."""
        with psycopg.connect(self.uri("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')

    def query(self, database: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.uri(database)) as conn:
            return conn.execute(sql, params).fetchall()

    def target_config(self, database: str, schema: str | None = None) -> dict[str, Any]:
        """Config for MeltanoLabs target-postgres writing into `database` (and `schema`)."""
        config: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "database": database,
            "load_method": "upsert",
            "add_record_metadata": True,
        }
        if schema:
            config["default_target_schema"] = schema
        return config

    def stop(self) -> None:
        if self.datadir is None:
            return
        subprocess.run(
            [*self._run_as, _pg_bin("pg_ctl"), "-D", str(self.datadir), "-m", "fast", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.datadir.parent, ignore_errors=True)


def from_environment() -> PostgresCluster | None:
    """The server the PG* environment names, if it names one."""
    if not os.environ.get("PGHOST"):
        return None
    return PostgresCluster(
        host=os.environ["PGHOST"],
        port=int(os.environ.get("PGPORT", "5432")),
        user=os.environ.get("PGUSER", "postgres"),
        password=os.environ.get("PGPASSWORD", ""),
    )


def start_throwaway() -> PostgresCluster:
    """initdb + pg_ctl start on a free port; the caller stops it."""
    _ensure_installed()
    run_as = _run_as_unprivileged()
    top = Path(tempfile.mkdtemp(prefix="pg-cluster-"))
    datadir, sockets = top / "data", top / "run"
    sockets.mkdir()
    pwfile = top / "pwfile"
    pwfile.write_text(TEST_PASSWORD, encoding="utf-8")
    if run_as:
        shutil.chown(top, "postgres")
        shutil.chown(sockets, "postgres")
        shutil.chown(pwfile, "postgres")
    port = _free_port()
    _run(
        run_as,
        "initdb",
        "-D",
        str(datadir),
        "-U",
        TEST_USER,
        f"--pwfile={pwfile}",
        "--auth=scram-sha-256",
        "--encoding=UTF8",
        "--locale=C",
    )
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
    _run(run_as, "pg_ctl", "-D", str(datadir), "-o", options, "-l", str(top / "log"), "-w", "start")
    return PostgresCluster("127.0.0.1", port, TEST_USER, TEST_PASSWORD, datadir, run_as)


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    on_path = shutil.which(name)
    if on_path:
        return on_path
    raise PostgresUnavailable(f"no PostgreSQL `{name}` found (apt-get install postgresql)")


def _ensure_installed() -> None:
    try:
        _pg_bin("initdb")
        return
    except PostgresUnavailable:
        if os.geteuid() != 0:
            raise
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "postgresql"],
    ):
        result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:]
            raise PostgresUnavailable(f"`{' '.join(command)}` failed: {' '.join(tail)}")
    _pg_bin("initdb")


def _run_as_unprivileged() -> list[str]:
    """initdb refuses to run as root: run the server as Debian's `postgres` user then."""
    if os.geteuid() != 0:
        return []
    try:
        subprocess.run(["id", "postgres"], capture_output=True, check=True)
    except subprocess.CalledProcessError:
        subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True)
    return ["runuser", "-u", "postgres", "--"]


def _run(run_as: list[str], tool: str, *args: str) -> None:
    result = subprocess.run(
        [*run_as, _pg_bin(tool), *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:]
        raise PostgresUnavailable(f"`{tool}` failed: {' '.join(tail)}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load(exe: Path, config: dict[str, Any], singer_messages: str, workdir: Path) -> str:
    """Pipe Singer messages into target-postgres; return its stdout (the STATE lines it emitted).

    Raises with the tail of its stderr when it fails, so a test shows why the loader refused.
    """
    config_file = workdir / "target-postgres-config.json"
    config_file.write_text(json.dumps(config), encoding="utf-8")
    config_file.chmod(0o600)
    result = subprocess.run(
        [str(exe), "--config", str(config_file)],
        input=singer_messages,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        tail = "\n".join(result.stderr.strip().splitlines()[-8:])
        raise AssertionError(f"target-postgres failed (exit {result.returncode}):\n{tail}")
    return result.stdout
