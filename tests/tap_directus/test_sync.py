"""Syncing tables: incremental runs, every status, relations, keys, selection, filters, drift."""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal

import pytest
from singer_sdk.exceptions import ConfigValidationError

from sandbox.common import Emulator, SandboxServer
from sandbox.directus import DirectusEmulator
from tests.tap_directus.harness import config_for, discover, ids, run_tap, select_only

Serve = Callable[[Emulator], SandboxServer]


@pytest.fixture
def server(serve: Serve) -> SandboxServer:
    return serve(DirectusEmulator(size=20))


def emulator_of(server: SandboxServer) -> DirectusEmulator:
    assert isinstance(server.emulator, DirectusEmulator)
    return server.emulator


def test_two_incremental_syncs_with_changes_between(server: SandboxServer) -> None:
    emulator = emulator_of(server)
    config = config_for(server, tables=["projects"])
    first = run_tap(config)
    assert ids(first, "projects") == sorted(
        emulator.tables["projects"].rows,
        key=lambda pk: (emulator.tables["projects"].rows[pk]["modified"], pk),
    )
    bookmark = first.final_state["bookmarks"]["projects"]["replication_key_value"]
    at_bookmark = {r["id"] for r in first.records["projects"] if r["modified"] == bookmark}

    updated = emulator.update_rows("projects", 3)
    inserted = emulator.insert_rows("projects", 2)
    deleted = emulator.soft_delete_rows("projects", 1)
    second = run_tap(config, state=first.final_state)

    # `gte` on the bookmark re-reads the rows that share it (at-least-once), nothing else old.
    assert set(ids(second, "projects")) == set(updated) | set(inserted) | set(deleted) | at_bookmark
    by_id = {r["id"]: r for r in second.records["projects"]}
    assert all("(muudetud" in by_id[pk]["title"] for pk in updated)
    assert by_id[deleted[0]]["active"] == 0
    assert second.final_state["bookmarks"]["projects"]["replication_key_value"] > bookmark


def test_reads_rows_of_every_status(server: SandboxServer) -> None:
    emulator = emulator_of(server)
    out = run_tap(config_for(server, tables=["clients"]))
    statuses = {r["active"] for r in out.records["clients"]}
    assert statuses == {0, 1, 2}
    assert sorted(ids(out, "clients")) == sorted(emulator.tables["clients"].rows)
    assert all(
        ("preview", "1") in e.query
        for e in emulator.log.entries(path_prefix="/api/1.1/tables/clients/rows")
    )


def test_emit_soft_deletes(server: SandboxServer) -> None:
    out = run_tap(config_for(server, tables=["clients"], emit_soft_deletes=True))
    for record in out.records["clients"]:
        if record["active"] == 0:
            assert record["_sdc_deleted_at"] == record["updated_on"]
        else:
            assert record["_sdc_deleted_at"] is None
    assert any(r["_sdc_deleted_at"] for r in out.records["clients"])


def test_soft_deletes_not_emitted_by_default(server: SandboxServer) -> None:
    out = run_tap(config_for(server, tables=["clients"]))
    assert "_sdc_deleted_at" not in out.schemas["clients"]["schema"]["properties"]


def test_primary_key_that_is_not_id(server: SandboxServer) -> None:
    out = run_tap(config_for(server, tables=["countries"]))
    assert out.schemas["countries"]["key_properties"] == ["code"]
    assert ids(out, "countries", "code") == ["EE", "FI", "IS", "LV", "NO", "SE"]
    assert out.records["countries"][0]["area_km2"] == Decimal("45335.0")


@pytest.mark.parametrize("mode", ["real", "docs"])
@pytest.mark.parametrize("numbers_as_strings", [False, True])
def test_same_records_in_both_modes_and_number_styles(
    serve: Serve, server: SandboxServer, mode: str, numbers_as_strings: bool
) -> None:
    reference = run_tap(config_for(server, tables=["projects", "clients", "countries"]))
    other = serve(DirectusEmulator(size=20, mode=mode, numbers_as_strings=numbers_as_strings))
    out = run_tap(config_for(other, tables=["projects", "clients", "countries"]))
    for stream in ("projects", "clients", "countries"):
        assert out.records[stream] == reference.records[stream]
    assert isinstance(out.records["projects"][0]["budget"], Decimal)
    assert isinstance(out.records["projects"][0]["id"], int)


def test_manytoone_emits_the_id_by_default(server: SandboxServer) -> None:
    emulator = emulator_of(server)
    out = run_tap(config_for(server, tables=["projects"]))
    for record in out.records["projects"]:
        assert record["client"] == emulator.tables["projects"].rows[record["id"]]["client"]
    assert "tags" not in out.schemas["projects"]["schema"]["properties"]


@pytest.mark.parametrize("mode", ["real", "docs"])
def test_keep_nested_relations_and_alias_ids(serve: Serve, mode: str) -> None:
    emulator = DirectusEmulator(size=12, mode=mode)
    server = serve(emulator)
    out = run_tap(
        config_for(server, tables=["projects"], keep_nested_relations=True, alias_columns="ids")
    )
    junction = emulator.tables["projects_tags"].rows.values()
    for record in out.records["projects"]:
        row = emulator.tables["projects"].rows[record["id"]]
        if row["client"] is None:
            assert record["client"] is None
        else:
            assert record["client"]["id"] == row["client"]
            assert (
                record["client"]["name"] == emulator.tables["clients"].rows[row["client"]]["name"]
            )
        assert record["tags"] == [j["tag_id"] for j in junction if j["project_id"] == record["id"]]


def test_start_date_limits_the_first_sync(server: SandboxServer) -> None:
    emulator = emulator_of(server)
    out = run_tap(config_for(server, tables=["projects"], start_date="2024-03-01T08:20:00+00:00"))
    expected = sorted(
        pk
        for pk, r in emulator.tables["projects"].rows.items()
        if r["modified"] >= "2024-03-01 08:20:00"
    )
    assert sorted(ids(out, "projects")) == expected
    assert 0 < len(expected) < 20


def test_table_selection_settings(server: SandboxServer) -> None:
    default = run_tap(config_for(server))
    assert set(default.records) == {"clients", "projects", "tags", "projects_tags", "countries"}
    excluded = run_tap(config_for(server, exclude_tables=["projects", "projects_tags"]))
    assert set(excluded.records) == {"clients", "tags", "countries"}
    system = run_tap(config_for(server, include_system=True, tables=None))
    assert {"directus_users", "directus_groups"} <= set(system.records)
    assert [r["group"] for r in system.records["directus_users"]] == [1, 2, 2]


def test_user_filters_are_sent_in_directus_syntax(server: SandboxServer) -> None:
    emulator = emulator_of(server)
    filters = {"projects": {"priority": {"gt": 0}, "title": {"like": "projekt 1"}}}
    out = run_tap(config_for(server, tables=["projects"], filters=filters))
    expected = sorted(
        pk
        for pk, r in emulator.tables["projects"].rows.items()
        if r["priority"] > 0 and "projekt 1" in r["title"]
    )
    assert sorted(ids(out, "projects")) == expected
    assert expected


def test_filter_on_a_missing_column_fails_before_syncing(server: SandboxServer) -> None:
    filters = {"projects": {"nope": {"eq": 1}}}
    with pytest.raises(ConfigValidationError) as error:
        run_tap(config_for(server, tables=["projects"], filters=filters))
    assert error.value.errors == ["filters.projects: table projects has no column `nope`."]


def test_sync_from_catalog_does_not_rediscover(server: SandboxServer) -> None:
    emulator = emulator_of(server)
    catalog = select_only(discover(config_for(server)), {"countries"})
    emulator.log.clear()
    out = run_tap(config_for(server), catalog=catalog)
    assert len(out.records["countries"]) == 6
    paths = {e.path for e in emulator.log.entries()}
    assert paths == {"/api/1.1/tables/countries/rows"}


def test_schema_drift_column_added_after_discovery(
    server: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    emulator = emulator_of(server)
    catalog = select_only(discover(config_for(server)), {"clients"})
    emulator.add_column("clients", "vat_no")
    with caplog.at_level(logging.WARNING):
        out = run_tap(config_for(server, emit_soft_deletes=False), catalog=catalog)
    assert len(out.records["clients"]) == 20
    assert all("vat_no" not in r for r in out.records["clients"])
    assert any("vat_no" in m and "refresh" in m for m in caplog.messages)
    rediscovered = run_tap(config_for(server, tables=["clients"]))
    assert rediscovered.records["clients"][0]["vat_no"].startswith("lisaväli")


def test_soft_deletes_from_a_catalog(server: SandboxServer) -> None:
    config = config_for(server, emit_soft_deletes=True)
    catalog = select_only(discover(config), {"clients"})
    out = run_tap(config, catalog=catalog)
    deleted = [r for r in out.records["clients"] if r["active"] == 0]
    assert deleted
    assert all(r["_sdc_deleted_at"] == r["updated_on"] for r in deleted)


def test_soft_deletes_from_a_catalog_without_the_status_note(server: SandboxServer) -> None:
    """The status column comes from the table object, not from the schema's description."""
    config = config_for(server, emit_soft_deletes=True)
    catalog = select_only(discover(config), {"clients"})
    entry = next(e for e in catalog["streams"] if e["tap_stream_id"] == "clients")
    del entry["schema"]["properties"]["_sdc_deleted_at"]["description"]
    out = run_tap(config, catalog=catalog)
    deleted = [r for r in out.records["clients"] if r["active"] == 0]
    assert deleted
    assert all(r["_sdc_deleted_at"] == r["updated_on"] for r in deleted)
    assert all(r["_sdc_deleted_at"] is None for r in out.records["clients"] if r["active"] != 0)


def test_system_table_named_in_tables(server: SandboxServer) -> None:
    out = run_tap(config_for(server, tables=["directus_groups"]))
    assert [r["name"] for r in out.records["directus_groups"]] == ["Administrator", "Toimetaja"]


def test_catalog_can_force_full_table(server: SandboxServer) -> None:
    emulator = emulator_of(server)
    catalog = select_only(discover(config_for(server)), {"projects"})
    entry = next(e for e in catalog["streams"] if e["tap_stream_id"] == "projects")
    next(m for m in entry["metadata"] if m["breadcrumb"] == [])["metadata"][
        "forced-replication-method"
    ] = "FULL_TABLE"
    entry["replication_method"] = "FULL_TABLE"
    emulator.log.clear()
    out = run_tap(config_for(server, page_size=8), catalog=catalog)
    assert ids(out, "projects") == sorted(emulator.tables["projects"].rows)
    queries = [e.query for e in emulator.log.entries(path_prefix="/api/1.1/tables/projects")]
    assert ("filters[id][gt]", "8") in queries[1]


def test_big_integers_and_decimals_stay_exact(server: SandboxServer) -> None:
    emulator = emulator_of(server)
    out = run_tap(config_for(server, tables=["projects", "clients"]))
    for record in out.records["clients"]:
        assert (
            record["credit_limit"] == emulator.tables["clients"].rows[record["id"]]["credit_limit"]
        )
        assert isinstance(record["credit_limit"], Decimal)
    for record in out.records["projects"]:
        row = emulator.tables["projects"].rows[record["id"]]
        assert record["bytes_used"] == row["bytes_used"] > 2**53
        assert record["budget"] == row["budget"]


@pytest.mark.parametrize("mode", ["real", "docs"])
def test_nested_manytoone_read_as_id(serve: Serve, mode: str) -> None:
    # alias ids need depth 1, so the API nests `client` too; the tap still emits its id.
    emulator = DirectusEmulator(size=12, mode=mode, numbers_as_strings=mode == "docs")
    out = run_tap(config_for(serve(emulator), tables=["projects"], alias_columns="ids"))
    assert all(
        ("depth", "1") in e.query
        for e in emulator.log.entries(path_prefix="/api/1.1/tables/projects/rows")
        if ("limit", "1") not in e.query
    )
    for record in out.records["projects"]:
        assert record["client"] == emulator.tables["projects"].rows[record["id"]]["client"]


def test_never_updated_rows_come_with_the_first_sync_only(server: SandboxServer) -> None:
    emulator = emulator_of(server)
    rows = emulator.tables["clients"].rows
    never_updated = [pk for pk, r in rows.items() if r["updated_on"] is None]
    assert never_updated == [10, 20]
    config = config_for(server, tables=["clients"])
    first = run_tap(config)
    assert ids(first, "clients")[:2] == never_updated  # NULL update time first, by key
    assert sorted(ids(first, "clients")) == sorted(rows)
    assert first.final_state["bookmarks"]["clients"]["replication_key_value"]

    second = run_tap(config, state=first.final_state)
    assert not set(ids(second, "clients")) & set(never_updated)
    rows[10]["name"] = "Muudetud OÜ"
    rows[10]["updated_on"] = "2025-06-01 10:00:00"
    third = run_tap(config, state=second.final_state)
    assert 10 in ids(third, "clients")


def test_start_date_skips_never_updated_rows(server: SandboxServer) -> None:
    out = run_tap(config_for(server, tables=["clients"], start_date="2024-01-01T00:00:00Z"))
    assert 10 not in ids(out, "clients")
    assert len(ids(out, "clients")) == 18


@pytest.mark.parametrize("start_date", [None, "2024-01-01", "2024-01-01T00:00:00+02:00"])
def test_empty_table_then_rows_arrive(serve: Serve, start_date: str | None) -> None:
    emulator = DirectusEmulator(size=5)
    emulator.tables["projects_tags"].rows.clear()
    emulator.tables["projects"].rows.clear()
    server = serve(emulator)
    config = config_for(server, tables=["projects"])
    if start_date:
        config["start_date"] = start_date
    first = run_tap(config)
    assert first.records["projects"] == []
    assert first.bookmark("projects") is None
    inserted = emulator.insert_rows("projects", 3)
    second = run_tap(config, state=first.final_state)
    assert ids(second, "projects") == inserted
    assert second.bookmark("projects") == second.records["projects"][-1]["modified"]
