"""Two incremental syncs with changes between them, and filters (finding 2), on the real server."""

from __future__ import annotations

import pytest
from singer_sdk.exceptions import ConfigValidationError

from tap_directus.tap import TapDirectus
from tests.real_directus.server import RealDirectus
from tests.real_directus.tables import (
    UTC_ISO,
    content_table,
    counted_requests,
    modified_utc,
    run_tap,
    slug,
)


def test_two_incremental_syncs_with_updates_inserts_and_a_soft_delete(
    real_directus: RealDirectus, admin_tz: str
) -> None:
    name = f"changes_{slug(admin_tz)}"
    content_table(real_directus, name, 30)
    real_directus.sql(
        f"UPDATE {name} SET modified = DATE_ADD('2024-11-02 20:00:00', INTERVAL id * 97 MINUTE)"
    )
    config = real_directus.tap_config(tables=[name], page_size=7, emit_soft_deletes=True)
    first, _ = run_tap(config)
    before = modified_utc(real_directus, name)
    assert {r["id"]: r["modified"] for r in first.records[name]} == before

    for pk in (3, 11, 29):
        real_directus.call("PATCH", f"/tables/{name}/rows/{pk}", json={"title": f"new {pk}"})
    inserted = [real_directus.insert(name, {"status": 1, "title": "late"})["id"] for _ in "ab"]
    real_directus.call("PATCH", f"/tables/{name}/rows/5", json={"status": 0})
    second, _ = run_tap(config, state=first.final_state)

    at_bookmark = {pk for pk, m in before.items() if m == first.bookmark(name)}
    changed = {3, 11, 29, 5, *inserted}
    assert {r["id"] for r in second.records[name]} == changed | at_bookmark
    rows = {
        r["id"]: r
        for r in real_directus.select_json(
            name,
            {"id": "id", "status": "status", "title": "title", "m": UTC_ISO.format("modified")},
        )
    }
    for record in second.records[name]:
        row = rows[record["id"]]
        assert (record["status"], record["title"], record["modified"]) == (
            row["status"],
            row["title"],
            row["m"],
        )
        expected_deleted = row["m"] if row["status"] == 0 else None
        assert record["_sdc_deleted_at"] == expected_deleted
    assert second.bookmark(name) == max(r["m"] for r in rows.values())


def test_or_filter_is_refused_before_any_request(real_directus: RealDirectus) -> None:
    filters = {"small2": {"title": {"eq": "row 1"}, "status": {"logical": "or", "eq": "2"}}}
    with counted_requests() as sent, pytest.raises(ConfigValidationError) as error:
        TapDirectus(config=real_directus.tap_config(filters=filters), validate_config=True)
    assert sent == []
    assert error.value.errors == [
        "filters.small2.status.logical: `or` is refused: Directus 6 chains it flat with SQL "
        "precedence (a OR b AND <the tap's paging bounds>), which returns wrong rows; use one "
        "`in` list, or filter downstream."
    ]


def test_filtered_paged_sync_gives_exactly_the_selected_rows(
    real_directus: RealDirectus, admin_tz: str
) -> None:
    name = f"filtered_{slug(admin_tz)}"
    content_table(real_directus, name, 45)
    real_directus.sql(
        f"UPDATE {name} SET status = id MOD 3, "
        "modified = DATE_ADD('2025-02-01 00:00:00', INTERVAL (id MOD 4) HOUR)"
    )
    filters = {name: {"status": {"in": "0,2"}, "title": {"like": "row 1"}}}
    out, _ = run_tap(real_directus.tap_config(tables=[name], page_size=3, filters=filters))
    selected = real_directus.sql(
        f"SELECT id FROM {name} WHERE status IN (0, 2) AND title LIKE '%row 1%' ORDER BY id"
    )
    expected = [int(line) for line in selected.split()]
    assert sorted(r["id"] for r in out.records[name]) == expected
    assert len(expected) > 3  # more than one page


def test_hard_deletes_come_as_tombstones_with_the_key_scan(
    real_directus: RealDirectus, admin_tz: str
) -> None:
    name = f"hard_{slug(admin_tz)}"
    content_table(real_directus, name, 12)
    config = real_directus.tap_config(tables=[name], detect_hard_deletes=True, page_size=5)
    first, _ = run_tap(config)
    assert len(first.records[name]) == 12
    for pk in (4, 9):
        real_directus.call("DELETE", f"/tables/{name}/rows/{pk}")
    second, sent = run_tap(config, state=first.final_state)
    left = {int(line) for line in real_directus.sql(f"SELECT id FROM {name}").split()}
    tombstones = [r for r in second.records[name] if set(r) == {"id", "_sdc_deleted_at"}]
    assert [r["id"] for r in tombstones] == sorted(set(range(1, 13)) - left) == [4, 9]
    scans = [u for u in sent if "columns=id&" in u]
    assert len(scans) == 1


def test_why_or_and_two_operators_are_refused(real_directus: RealDirectus) -> None:
    # The server's own behaviour, against SELECT: what the tap's refusal protects from.
    name = "or_facts"
    if not real_directus.has_table(name):
        content_table(real_directus, name, 12)
        real_directus.sql(f"UPDATE {name} SET status = id MOD 3")

    def ids(params: dict[str, str]) -> list[int]:
        body = real_directus.call("GET", f"/tables/{name}/rows", params={"preview": "1", **params})
        return sorted(r["id"] for r in body["data"])

    def select(where: str) -> list[int]:
        return [int(v) for v in real_directus.sql(f"SELECT id FROM {name} WHERE {where}").split()]

    flat = ids(
        {
            "filters[title][eq]": "row 1",
            "filters[status][logical]": "or",
            "filters[status][eq]": "2",
            "filters[id][gt]": "6",  # a paging bound after the OR
        }
    )
    assert flat == select("title = 'row 1' OR status = 2 AND id > 6")
    assert flat != select("(title = 'row 1' OR status = 2) AND id > 6")
    first_only = ids({"filters[id][gt]": "3", "filters[id][lt]": "6"})
    assert first_only == select("id > 3") != select("id > 3 AND id < 6")
