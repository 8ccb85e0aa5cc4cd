"""Keyset paging: many pages, rows inserted and updated between pages, ties on the update time."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest

from sandbox.common import Emulator, SandboxServer
from sandbox.directus import DirectusEmulator
from tap_directus.paging import KeysetCursor, PagingError
from tests.tap_directus.harness import config_for, ids, run_tap

Serve = Callable[[Emulator], SandboxServer]


def _latest(emulator: DirectusEmulator, table: str = "projects") -> dict[int, str]:
    """Each row's current update time, in the tap's ISO form."""
    column = emulator.tables[table].date_update_column
    assert column is not None
    return {
        pk: row[column].replace(" ", "T") + "+00:00"
        for pk, row in emulator.tables[table].rows.items()
    }


def test_pages_through_many_pages_with_mutations_between_pages(serve: Serve) -> None:
    emulator = DirectusEmulator(size=100)
    server = serve(emulator)
    before = set(emulator.tables["projects"].rows)
    touched: set[int] = set()

    def mutate(e: DirectusEmulator) -> None:
        touched.update(e.update_rows("projects", 6))
        touched.update(e.insert_rows("projects", 3))
        touched.update(e.soft_delete_rows("projects", 2))

    # The 1st projects listing is the upper-bound probe; mutate after pages 3 and 8.
    emulator.on_rows_request(4, mutate, table="projects")
    emulator.on_rows_request(9, mutate, table="projects")
    config = config_for(server, tables=["projects"], page_size=7)
    first = run_tap(config)

    emitted = ids(first, "projects")
    assert len(touched) >= 20, "both mutations ran during the sync"
    # Many pages (100 rows, 7 a page); keyset paging wastes none, so about 100 / 7 of them.
    assert len(emulator.log.entries(path_prefix="/api/1.1/tables/projects/rows")) >= 100 // 7
    assert not [pk for pk, n in Counter(emitted).items() if n > 1], "a row was emitted twice"
    untouched = before - touched
    assert untouched <= set(emitted), f"missed rows: {sorted(untouched - set(emitted))}"
    stamps = [r["modified"] for r in first.records["projects"]]
    assert stamps == sorted(stamps)

    # Rows changed during the run come with the next run, in their latest version.
    second = run_tap(config, state=first.final_state)
    latest = _latest(emulator)
    seen = {r["id"]: r["modified"] for r in first.records["projects"]}
    seen.update({r["id"]: r["modified"] for r in second.records["projects"]})
    assert seen == latest


def test_tie_group_larger_than_a_page_is_walked_by_primary_key(serve: Serve) -> None:
    emulator = DirectusEmulator(size=40)
    server = serve(emulator)
    config = config_for(server, tables=["projects"], page_size=4)
    first = run_tap(config)
    bulk = emulator.update_rows("projects", 15)  # 15 rows share one update time
    second = run_tap(config, state=first.final_state)
    emitted = ids(second, "projects")
    assert len(emitted) == len(set(emitted))
    stamp = max(_latest(emulator).values())
    changed = [r["id"] for r in second.records["projects"] if r["modified"] == stamp]
    assert changed == sorted(bulk)
    log = emulator.log.entries(path_prefix="/api/1.1/tables/projects/rows")
    assert any(k == "filters[modified][eq]" for e in log for k, _ in e.query)


def test_full_table_pages_by_primary_key_even_if_rows_vanish(serve: Serve) -> None:
    emulator = DirectusEmulator(size=30)
    server = serve(emulator)
    before = list(emulator.tables["countries"].rows)
    emulator.on_rows_request(1, lambda e: e.tables["countries"].rows.pop("EE"), table="countries")
    out = run_tap(config_for(server, tables=["countries"], page_size=2))
    assert ids(out, "countries", "code") == sorted(before)
    # Offset paging would now skip IS: EE vanished from before the offset.
    log = emulator.log.entries(path_prefix="/api/1.1/tables/countries/rows")
    assert ("filters[code][gt]", "FI") in log[1].query


def test_short_page_ends_the_table_without_an_extra_request(serve: Serve) -> None:
    emulator = DirectusEmulator(size=10)
    server = serve(emulator)
    run_tap(config_for(server, tables=["tags"], page_size=3))  # 4 tags: pages of 3 and 1
    assert len(emulator.log.entries(path_prefix="/api/1.1/tables/tags/rows")) == 2


def test_cursor_skips_rows_already_emitted_at_the_page_boundary() -> None:
    cursor = KeysetCursor(primary_key="id", page_size=3, update_column="u", start="0", upper="9")
    assert cursor.params()["filters[u][gte]"] == "0"
    first = list(cursor.accept([{"id": 1, "u": "1"}, {"id": 2, "u": "2"}, {"id": 3, "u": "2"}]))
    assert [r["id"] for r in first] == [1, 2, 3]
    assert cursor.params()["filters[u][gte]"] == "2"
    second = list(cursor.accept([{"id": 2, "u": "2"}, {"id": 3, "u": "2"}, {"id": 4, "u": "3"}]))
    assert [r["id"] for r in second] == [4]
    third = list(cursor.accept([{"id": 4, "u": "3"}, {"id": 5, "u": "9"}, {"id": 6, "u": "10"}]))
    assert [r["id"] for r in third] == [5]
    assert cursor.done


def test_cursor_stops_if_the_server_ignores_the_keyset_filter() -> None:
    cursor = KeysetCursor(primary_key="id", page_size=2)
    page = [{"id": 1}, {"id": 2}]
    assert list(cursor.accept(page)) == page
    with pytest.raises(PagingError, match=r"ignored filters\[id\]\[gt\]=2"):
        list(cursor.accept(page))


def test_first_sync_reads_never_updated_rows_first() -> None:
    cursor = KeysetCursor(primary_key="id", page_size=2, update_column="u", upper="5")
    assert cursor.params() == {"limit": "2", "order[id]": "ASC", "filters[u][null]": "1"}
    assert [r["id"] for r in cursor.accept([{"id": 3, "u": None}, {"id": 8, "u": None}])] == [3, 8]
    assert cursor.params()["filters[id][gt]"] == "8"
    assert [r["id"] for r in cursor.accept([{"id": 9, "u": None}])] == [9]
    assert cursor.params()["filters[u][nnull]"] == "1"
    assert not cursor.done


def test_string_primary_key_pages_in_the_servers_text_order(serve: Serve) -> None:
    # VARCHAR keys that look like numbers sort as text ("10" before "2"): not a paging loop.
    emulator = DirectusEmulator(size=3)
    countries = emulator.tables["countries"]
    template = next(iter(countries.rows.values()))
    codes = ["1", "10", "100", "2", "20", "3", "Ab", "B", "aa"]
    countries.rows = {code: {**template, "code": code} for code in codes}
    out = run_tap(config_for(serve(emulator), tables=["countries"], page_size=2))
    assert ids(out, "countries", "code") == codes


def test_anchor_missing_from_its_own_value_is_checked_then_walked() -> None:
    cursor = KeysetCursor(primary_key="id", page_size=2, update_column="u", start="0", upper="9")
    assert [r["id"] for r in cursor.accept([{"id": 1, "u": "1"}, {"id": 2, "u": "2"}])] == [1, 2]
    assert cursor.params()["offset"] == "0"
    # Row 2 moved away during the sync: the page does not start with it.
    assert (
        list(cursor.accept([{"id": 5, "u": "3"}, {"id": 6, "u": "4"}, {"id": 7, "u": "5"}])) == []
    )
    assert cursor.params() == {"limit": "1", "filters[id][eq]": "2", "filters[u][gte]": "2"}
    assert list(cursor.accept([])) == []  # not at or after its value
    assert cursor.params() == {"limit": "1", "filters[id][eq]": "2"}
    assert list(cursor.accept([{"id": 2, "u": "8"}])) == []  # it was updated: walk value 2
    assert cursor.params()["filters[u][eq]"] == "2"
    assert list(cursor.accept([])) == []
    assert cursor.params()["filters[u][gt]"] == "2"


def test_anchor_served_at_a_value_its_filter_does_not_find_stops() -> None:
    cursor = KeysetCursor(primary_key="id", page_size=2, update_column="u", start="0", upper="9")
    list(cursor.accept([{"id": 1, "u": "1"}, {"id": 2, "u": "2"}]))
    list(cursor.accept([]))
    list(cursor.accept([]))
    with pytest.raises(PagingError, match="does not find it"):
        list(cursor.accept([{"id": 2, "u": "2"}]))
