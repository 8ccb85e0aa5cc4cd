"""A genuine Directus 6.4.9 for the tests: start/stop it, talk to its API and to its MariaDB.

The server comes from `../shared/real-directus/` beside the repository (falling back to
`/work/shared/real-directus`); its README describes `start.sh` and `stop.sh`. Tests create their
own tables, columns and rows through the API, and use SQL only where the API cannot (spreading
update times, NULLs the API would not write), and to read back what MariaDB holds.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
FALLBACK_DIR = Path("/work/shared/real-directus")


def server_dir() -> Path | None:
    """Where start.sh lives: ../shared/real-directus beside the repo, else the fallback."""
    for candidate in (REPO_ROOT.parent / "shared" / "real-directus", FALLBACK_DIR):
        if (candidate / "start.sh").is_file():
            return candidate
    return None


class ServerError(RuntimeError):
    """start.sh, stop.sh or an API/SQL call of the test setup failed."""


@dataclass
class RealDirectus:
    """One running server: its URLs, the admin's credentials, and SQL access."""

    url: str
    api: str
    token: str
    email: str
    password: str
    workdir: Path
    mysql: list[str]
    home: Path
    session: requests.Session = field(default_factory=requests.Session)

    @classmethod
    def start(cls, home: Path, workdir: Path) -> RealDirectus:
        done = subprocess.run(
            ["bash", str(home / "start.sh"), str(workdir)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode != 0 or not lines:
            tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise ServerError(f"real Directus did not start (exit {done.returncode}): {tail}")
        info = json.loads(lines[-1])
        server = cls(
            url=info["url"],
            api=info["api"],
            token=info["token"],
            email=info["email"],
            password=info["password"],
            workdir=Path(info["workdir"]),
            mysql=str(info["mysql"]).split(),
            home=home,
        )
        server.session.headers["Authorization"] = f"Bearer {server.token}"
        return server

    def stop(self) -> None:
        subprocess.run(
            ["bash", str(self.home / "stop.sh"), str(self.workdir)],
            capture_output=True,
            timeout=120,
            check=False,
        )

    # ------------------------------------------------------------------------------ SQL
    def sql(self, statements: str) -> str:
        done = subprocess.run(
            [*self.mysql, "-B", "-N", "--raw", "-e", statements],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise ServerError(f"SQL failed: {done.stderr.strip()[:300]}")
        return done.stdout

    def select_json(self, table: str, columns: dict[str, str], order: str = "id") -> list[dict]:
        """Rows as MariaDB's own JSON_OBJECT types them: {name: SQL expression}."""
        pairs = ", ".join(f"'{name}', {expr}" for name, expr in columns.items())
        out = self.sql(f"SELECT JSON_OBJECT({pairs}) FROM `{table}` ORDER BY {order}")
        return [json.loads(line, parse_float=Decimal) for line in out.splitlines() if line.strip()]

    def has_table(self, name: str) -> bool:
        return bool(self.sql(f"SHOW TABLES LIKE '{name}'").strip())

    def set_admin_timezone(self, zone: str) -> None:
        self.sql(f"UPDATE directus_users SET timezone='{zone}' WHERE id=1")

    # ------------------------------------------------------------------------------ API
    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.session.request(method, f"{self.api}{path}", timeout=60, **kwargs)
        try:
            body = response.json()
        except ValueError:
            body = None
        if (
            response.status_code != 200
            or not isinstance(body, dict)
            or body.get("success") is False
        ):
            raise ServerError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return body

    def create_table(self, name: str, columns: list[dict[str, Any]]) -> None:
        """POST /tables, then one POST /tables/{name}/columns per column (name, type, ui, length)."""
        self.call("POST", "/tables", data={"name": name})
        for column in columns:
            form = {"column_name": column["name"], "data_type": column["type"]}
            form["ui"] = column.get("ui", "textinput")
            if column.get("length") is not None:
                form["length"] = str(column["length"])
            for extra in ("relationship_type", "related_table", "junction_key_right"):
                if column.get(extra):
                    form[extra] = column[extra]
            self.call("POST", f"/tables/{name}/columns", data=form)

    def insert(self, table: str, row: dict[str, Any]) -> dict:
        return self.call("POST", f"/tables/{table}/rows", json=row)["data"]

    def tap_config(self, **settings: Any) -> dict[str, Any]:
        return {"base_url": self.url, "token": self.token, **settings}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"
