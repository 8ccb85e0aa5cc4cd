"""The repository's Meltano project as several machines would run it, against one PostgreSQL.

A clone is a directory of its own holding the project's Meltano files and its own `.meltano/`
(run dirs, logs); only the installed plugin venvs are shared, by symlink to the repository's
`.meltano/`, as the issue allows ("their own plugin installs or a shared venv"), so one
`meltano install` serves every clone.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

from sandbox.meltano_project import ROOT, MeltanoProject
from tests.postgres_cluster import PostgresCluster

PROJECT_FILES = ("meltano.yml", "tenants.meltano.yml")


def system_database_uri(cluster: PostgresCluster, database: str) -> str:
    """Meltano's `database_uri` for PostgreSQL: SQLAlchemy's psycopg (3) driver, as
    `meltano[postgres]` installs it (a bare `postgresql://` means psycopg2)."""
    return cluster.uri(database).replace("postgresql://", "postgresql+psycopg://", 1)


def use_postgres(
    project: MeltanoProject,
    cluster: PostgresCluster,
    warehouse: str,
    system_database: str | None = None,
) -> None:
    """Point the project's target-postgres at `warehouse`, and its system database (state)
    at `system_database` when given, through the environment variables a user would set."""
    project.env.update(
        {
            "TARGET_POSTGRES_HOST": cluster.host,
            "TARGET_POSTGRES_PORT": str(cluster.port),
            "TARGET_POSTGRES_USER": cluster.user,
            "TARGET_POSTGRES_PASSWORD": cluster.password,
            "TARGET_POSTGRES_DATABASE": warehouse,
        }
    )
    if system_database:
        project.env["MELTANO_DATABASE_URI"] = system_database_uri(cluster, system_database)


def clone(project: MeltanoProject, directory: Path) -> MeltanoProject:
    """Another machine's copy of the project: its own directory and `.meltano/`, same plugins."""
    directory.mkdir(parents=True)
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, directory / name)
    sys_dir = directory / ".meltano"
    sys_dir.mkdir()
    for plugin_type in ("extractors", "loaders"):
        (sys_dir / plugin_type).symlink_to(ROOT / ".meltano" / plugin_type)
    other = copy.copy(project)
    other.env = dict(project.env)
    other.root = directory
    return other
