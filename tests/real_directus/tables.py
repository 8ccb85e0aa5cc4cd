"""Tables the real-server tests create, and a tap run that counts the requests it sends."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any
from unittest import mock

from connector_common.http import HttpClient
from tap_directus.tap import TapDirectus
from tests.real_directus.server import RealDirectus
from tests.singer_output import SyncOutput, sync_tap

# The columns of an ordinary content table as the Directus admin app makes them.
CONTENT_COLUMNS: list[dict[str, Any]] = [
    {"name": "status", "type": "TINYINT", "length": 1, "ui": "status"},
    {"name": "title", "type": "VARCHAR", "length": 100},
    {"name": "modified", "type": "DATETIME", "ui": "date_modified"},
    {"name": "created", "type": "DATETIME", "ui": "date_created"},
]
UTC_ISO = "DATE_FORMAT({}, '%Y-%m-%dT%H:%i:%s+00:00')"
DB_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def slug(zone: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", zone.lower())


def content_table(server: RealDirectus, name: str, rows: int, status: int = 1) -> None:
    """A content table with `rows` rows (through the API's bulk insert), ids 1..rows."""
    server.create_table(name, CONTENT_COLUMNS)
    batches = [
        [
            {"status": status, "title": f"row {i}"}
            for i in range(first + 1, min(rows, first + 250) + 1)
        ]
        for first in range(0, rows, 250)
    ]
    # The server runs 4 PHP workers: bulk inserts side by side (ids stay 1..rows, titles
    # may interleave between batches).
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda rows: _bulk(server, name, rows), batches))
    count = server.sql(f"SELECT COUNT(*), MIN(id), MAX(id) FROM {name}").split()
    assert [int(v) for v in count] == [rows, 1, rows], count


def _bulk(server: RealDirectus, table: str, rows: list[dict[str, Any]]) -> None:
    server.call("POST", f"/tables/{table}/rows/bulk", json={"rows": rows})


def modified_utc(server: RealDirectus, table: str) -> dict[int, str]:
    """Each row's update time as MariaDB holds it, written as a UTC instant."""
    rows = server.select_json(table, {"id": "id", "m": UTC_ISO.format("modified")})
    return {r["id"]: r["m"] for r in rows}


@contextmanager
def counted_requests() -> Iterator[list[str]]:
    """The URLs of every request the tap sends (retries included) while the block runs."""
    sent: list[str] = []
    original = HttpClient._send

    def send(self: Any, request: Any, body_streamed: bool) -> Any:
        sent.append(str(request.url))
        return original(self, request, body_streamed)

    with mock.patch.object(HttpClient, "_send", send):
        yield sent


def run_tap(
    config: dict[str, Any], state: dict | None = None, catalog: dict | None = None
) -> tuple[SyncOutput, list[str]]:
    """One in-process sync; errors raise. Returns the messages and the requests sent."""
    with counted_requests() as sent:
        out, error = sync_tap(TapDirectus(config=config, state=state, catalog=catalog))
    if error is not None:
        raise error
    return out, sent


def row_requests(sent: list[str], table: str) -> list[str]:
    return [url for url in sent if f"/tables/{table}/rows" in url]
