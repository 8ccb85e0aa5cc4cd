"""The tap against every behaviour a genuine Directus 6.4.9 showed (the emulator's switches).

The plugin must be right every way: with update times in any user zone or as stored, with
credentials in directus_users or not, with a redirect or an HTML 404 on a wrong path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from singer_sdk.exceptions import ConfigValidationError, FatalAPIError

from sandbox.common import Emulator, Fault, SandboxServer
from sandbox.directus import DirectusEmulator
from tests.tap_directus.harness import config_for, ids, run_tap

Serve = Callable[[Emulator], SandboxServer]
ZONES = [None, "America/New_York", "Asia/Kolkata", "UTC"]
DB_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def _utc(stored: str) -> str:
    return stored.replace(" ", "T") + "+00:00"


@pytest.mark.parametrize("zone", ZONES)
def test_same_records_and_bookmarks_in_every_user_zone(serve: Serve, zone: str | None) -> None:
    emulator = DirectusEmulator(size=40, user_timezone=zone)
    server = serve(emulator)
    config = config_for(server, tables=["projects", "clients"], page_size=6)
    first = run_tap(config)
    for table, column in (("projects", "modified"), ("clients", "updated_on")):
        rows = emulator.tables[table].rows
        emitted = {r["id"]: r[column] for r in first.records[table]}
        assert emitted == {pk: r[column] and _utc(r[column]) for pk, r in rows.items()}
        newest = max(r[column] for r in rows.values() if r[column])
        assert first.bookmark(table) == _utc(newest)
    changed = emulator.update_rows("projects", 4)
    second = run_tap(config, state=first.final_state)
    at_bookmark = {
        r["id"] for r in first.records["projects"] if r["modified"] == first.bookmark("projects")
    }
    assert set(ids(second, "projects")) == set(changed) | at_bookmark
    # Every filter value is database time, never the served text with its offset.
    for entry in emulator.log.entries(path_prefix="/api/1.1/tables/projects/rows"):
        for key, value in entry.query:
            if key.startswith("filters[modified]") and ":" in value:
                assert DB_TIME.match(value), value


@pytest.mark.parametrize("redirects", [True, False])
def test_wrong_base_url_ends_at_once(serve: Serve, redirects: bool) -> None:
    emulator = DirectusEmulator(size=3, wrong_path_redirects=redirects)
    server = serve(emulator)
    with pytest.raises(FatalAPIError) as error:
        run_tap(config_for(server) | {"base_url": server.url + "/admin"})
    message = str(error.value)
    assert message.startswith(f"base_url {server.url}/admin does not lead to the Directus API")
    assert ("302 redirect to /login.php" in message) == redirects
    assert len(emulator.log) == 1  # no retries


def test_html_page_from_a_site_that_never_answered_json_ends_at_once(serve: Serve) -> None:
    emulator = DirectusEmulator(size=3)
    server = serve(emulator)
    page = "<!doctype html><html><head><title>Welcome to ACME</title></head></html>"
    emulator.faults.add(Fault(kind="body", status=200, body=page, count=0))
    with pytest.raises(FatalAPIError) as error:
        run_tap(config_for(server, tables=["tags"]))
    assert "an HTML page titled 'Welcome to ACME' (200)" in str(error.value)
    assert len(emulator.log) == 1  # no retries: the same page would come back


@pytest.mark.parametrize("secrets", [True, False])
def test_users_credentials_are_never_emitted(serve: Serve, secrets: bool) -> None:
    emulator = DirectusEmulator(size=3, user_secrets=secrets)
    server = serve(emulator)
    out = run_tap(config_for(server, include_system=True, keep_nested_relations=True))
    properties = out.schemas["directus_users"]["schema"]["properties"]
    for name in ("token", "access_token", "reset_token", "invite_token"):
        assert name not in properties
        assert all(name not in r for r in out.records["directus_users"])
    assert emulator.token not in out.raw
    assert "user-2-token" not in out.raw


def test_or_filter_is_refused_at_start_up() -> None:
    config = {
        "base_url": "http://127.0.0.1:9",
        "token": "t0ken-secret",
        "filters": {"projects": {"priority": {"logical": "or", "in": "1,2"}}},
    }
    with pytest.raises(ConfigValidationError) as error:
        run_tap(config)
    assert error.value.errors[0].startswith("filters.projects.priority.logical: `or` is refused")


def test_two_operators_on_one_column_are_refused_at_start_up() -> None:
    config = {
        "base_url": "http://127.0.0.1:9",
        "token": "t0ken-secret",
        "filters": {"projects": {"priority": {"gt": 0, "lt": 5}}},
    }
    with pytest.raises(ConfigValidationError) as error:
        run_tap(config)
    assert "one operator per column" in error.value.errors[0]


@pytest.mark.parametrize("numbers_as_strings", [False, True])
def test_nested_relations_are_typed_from_the_related_table(
    serve: Serve, numbers_as_strings: bool
) -> None:
    emulator = DirectusEmulator(size=8, numbers_as_strings=numbers_as_strings)
    server = serve(emulator)
    out = run_tap(config_for(server, tables=["projects"], keep_nested_relations=True))
    schema = out.schemas["projects"]["schema"]["properties"]["client"]
    assert schema["properties"]["id"] == {"type": ["integer"]}
    assert schema["properties"]["credit_limit"] == {"type": ["number", "null"]}
    clients = emulator.tables["clients"].rows
    nested = [r["client"] for r in out.records["projects"] if r["client"]]
    assert nested
    for value in nested:
        assert isinstance(value["id"], int)
        assert value["credit_limit"] == clients[value["id"]]["credit_limit"]
        assert isinstance(value["credit_limit"], Decimal)
        assert value["updated_on"] == _utc(clients[value["id"]]["updated_on"])


def test_system_tables_are_scrubbed_of_credentials() -> None:
    from tap_directus.system_secrets import scrub

    row = '{"id": 1, "email": "a@b.ee", "password": "$2y$h", "salt": "s", "token": "t0k"}'
    record = scrub("directus_activity", {"table_name": "directus_users", "data": row, "delta": "x"})
    assert json.loads(record["data"]) == {"id": 1, "email": "a@b.ee"}
    assert record["delta"] == "x"
    other = scrub("directus_activity", {"table_name": "projects", "data": '{"token": "kept"}'})
    assert other["data"] == '{"token": "kept"}'  # a content table's own column
    assert (
        scrub("directus_activity", {"table_name": "directus_users", "data": "{oops"})["data"]
        is None
    )
    assert scrub("directus_settings", {"name": "youtube_api_key", "value": "k"})["value"] is None
    assert scrub("directus_settings", {"name": "project_name", "value": "D"})["value"] == "D"


def test_a_bookmark_written_with_an_offset_is_read_as_its_instant(serve: Serve) -> None:
    # Older versions bookmarked the served text; it must mean the same moment, not its digits.
    emulator = DirectusEmulator(size=20)
    server = serve(emulator)
    state = {
        "bookmarks": {
            "projects": {
                "replication_key": "modified",
                "replication_key_value": "2024-03-01T03:20:00-05:00",
            }
        }
    }
    out = run_tap(config_for(server, tables=["projects"]), state=state)
    rows = emulator.tables["projects"].rows
    assert sorted(ids(out, "projects")) == sorted(
        pk for pk, r in rows.items() if r["modified"] >= "2024-03-01 08:20:00"
    )
    sent = [
        v
        for e in emulator.log.entries(path_prefix="/api/1.1/tables/projects/rows")
        for k, v in e.query
        if k == "filters[modified][gte]"
    ]
    assert sent[0] == "2024-03-01 08:20:00"
    assert out.bookmark("projects") == _utc(max(r["modified"] for r in rows.values()))
