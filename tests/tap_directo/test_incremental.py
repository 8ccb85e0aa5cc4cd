"""tap-directo over several consecutive syncs, as a scheduled `meltano run` uses it: every change
arrives once its sync runs, nothing else moves but the boundary, an interrupted stream keeps its
bookmark, and states written by older runs are read, not crashed on."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from connector_common.input_files import BadInputFileError
from sandbox.common import Request, Response, SandboxServer
from sandbox.directo import DirectoEmulator, directo_error
from tests.tap_directo.harness import SyncOutput, config_for, run_tap, run_tap_failing

Serve = Callable[..., SandboxServer]
API = "/apidirect/v1/"
DAY = 86400.0


class ShiftedClock:
    """The emulator's clock for data changes: real time plus `shift` seconds."""

    def __init__(self) -> None:
        self.shift = 0.0

    def __call__(self) -> float:
        return time.time() + self.shift


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def keys(changes: dict, resource: str, kind: str) -> set[str]:
    key = "code" if resource == "customers" else "number"
    return {k[key] for k in changes["changed"][resource][kind]}


def live_and_deleted(out: SyncOutput, stream: str, key: str) -> tuple[dict, set[str]]:
    records = out.records.get(stream, [])
    live = {r[key]: r for r in records if "_sdc_deleted_at" not in r}
    return live, {r[key] for r in records if "_sdc_deleted_at" in r}


@pytest.mark.parametrize("serve_ts", [True, False], ids=["ts", "no_ts"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "settings",
    [{}, {"date_window_days": 60}, {"start_date": "RECENT"}],
    ids=["plain", "date_windows", "start_date"],
)
def test_three_syncs_with_changes_between_move_every_change_and_nothing_else(
    serve: Serve, serve_ts: bool, fmt: str, settings: dict[str, Any]
) -> None:
    emulator = DirectoEmulator(size=20, serve_ts=serve_ts, rate_limit_per_minute=0)
    server = serve(emulator)
    if settings.get("start_date") == "RECENT":  # after the seeded data: the first sync is empty
        recent = datetime.now(timezone.utc) - timedelta(hours=1)
        settings = {"start_date": recent.strftime("%Y-%m-%dT%H:%M:%SZ")}
    config = config_for(server, emit_deleted_records=True, response_format=fmt, **settings)
    streams = {"customers", "orders", "order_rows"}
    first = run_tap(config, streams=streams)
    expected_first = 0 if "start_date" in settings else 20
    assert len(first.records["customers"]) == len(first.records["orders"]) == expected_first

    state = first.final_state
    earlier: dict[str, set[str]] = {"customers": set(), "orders": set()}
    for round_ in range(2):
        changes = emulator.change(updates=2, deletes=1, inserts=1, resource="customers")
        changes["changed"].update(
            emulator.change(updates=2, deletes=1, inserts=1, resource="orders")["changed"]
        )
        out = run_tap(config, state=state, streams=streams)
        for resource, key, bump in (
            ("customers", "code", "credit_limit"),
            ("orders", "number", "total"),
        ):
            live, deleted = live_and_deleted(out, resource, key)
            current = {r[key]: r for r in emulator.store.records(resource)}
            moved = keys(changes, resource, "updated") | keys(changes, resource, "inserted")
            gone = keys(changes, resource, "deleted")
            assert moved <= set(live), (round_, resource)
            assert gone <= deleted, (round_, resource)
            for code in moved:  # the current version, not an older one
                assert float(live[code][bump]) == current[code][bump]
            # nothing else, but changes of the previous round still within the boundary
            # (records without ts: bookmark_overlap_seconds) and the record at the bookmark
            extra = (set(live) | deleted) - moved - gone
            assert extra <= earlier[resource] | _at_bookmark(live, state, resource), (
                round_,
                resource,
                extra,
            )
            earlier[resource] = moved | gone
        rows = {r["number"] for r in out.records["order_rows"]}
        assert rows == {o["number"] for o in out.records["orders"] if "_sdc_deleted_at" not in o}
        for stream in ("customers", "orders"):
            assert when(out.bookmark(stream)) >= when(
                state["bookmarks"][stream]["replication_key_value"]
            )
        state = out.final_state


def _at_bookmark(live: dict[str, dict], state: dict, stream: str) -> set[str]:
    mark = state["bookmarks"][stream]["replication_key_value"]
    return {code for code, r in live.items() if r.get("ts") and when(r["ts"]) == when(mark)}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_old_deletions_do_not_hold_back_the_bookmark(serve: Serve, fmt: str) -> None:
    """The last deletion may be a month old: later syncs must not repeat a month of changes."""
    clock = ShiftedClock()
    emulator = DirectoEmulator(size=20, rate_limit_per_minute=0, clock=clock)
    server = serve(emulator)
    clock.shift = -30 * DAY
    emulator.change(deletes=2, resource="items")
    clock.shift = -DAY
    updated = {
        k["code"]
        for k in emulator.change(updates=3, resource="items")["changed"]["items"]["updated"]
    }
    clock.shift = 0
    config = config_for(server, emit_deleted_records=True, response_format=fmt)
    first = run_tap(config, streams={"items"})
    assert len([r for r in first.records["items"] if "_sdc_deleted_at" in r]) == 2
    newest = max(when(r["ts"]) for r in first.records["items"] if "ts" in r)
    assert when(first.bookmark("items")) == newest

    state = first.final_state
    for _ in range(2):  # nothing changed since: only the record at the bookmark repeats
        out = run_tap(config, state=state, streams={"items"})
        assert len(out.records["items"]) == 1
        (record,) = out.records["items"]
        assert record["code"] in updated
        assert when(record["ts"]) == newest
        state = out.final_state


def test_date_windows_bookmark_follows_the_newest_change(serve: Serve) -> None:
    """Windows holding only old documents must not hold the bookmark back."""
    clock = ShiftedClock()
    emulator = DirectoEmulator(size=30, rate_limit_per_minute=0, clock=clock)
    server = serve(emulator)
    config = config_for(server, date_window_days=30)
    first = run_tap(config, streams={"orders"})
    assert len(emulator.log.entries(path_prefix=API + "orders")) > 10  # many windows
    clock.shift = -3600
    changed = emulator.change(updates=2, resource="orders")
    second = run_tap(config, state=first.final_state, streams={"orders"})
    assert keys(changed, "orders", "updated") <= {o["number"] for o in second.records["orders"]}
    newest = max(when(o["ts"]) for o in second.records["orders"])
    assert when(second.bookmark("orders")) == newest
    third = run_tap(config, state=second.final_state, streams={"orders"})
    assert [when(o["ts"]) for o in third.records["orders"]] == [newest]  # only the boundary


def _failing_after(emulator: DirectoEmulator, path: str, good: int) -> None:
    """Answer 503 to every request for orders on `path` after the first `good` ones."""
    handle = emulator.handle
    seen: list[Request] = []

    def failing(request: Request) -> Response:
        orders = request.path.endswith("/orders") or request.param("resource_type") == "orders"
        if request.path == path and orders:
            seen.append(request)
            if len(seen) > good:
                return directo_error(503, "Service unavailable")
        return handle(request)

    emulator.handle = failing  # type: ignore[method-assign]


@pytest.mark.parametrize(
    ("settings", "fail_path", "good"),
    [
        ({"date_window_days": 60}, API + "orders", 3),  # a later date window fails
        ({"emit_deleted_records": True}, API + "deleted", 0),  # the deletions fail
    ],
    ids=["second_window", "deletions"],
)
def test_stream_failing_midway_keeps_its_bookmark_and_the_next_run_gets_everything(
    serve: Serve, settings: dict[str, Any], fail_path: str, good: int
) -> None:
    emulator = DirectoEmulator(size=20, rate_limit_per_minute=0)
    server = serve(emulator)
    config = config_for(server, **settings)
    streams = {"customers", "orders"}
    first = run_tap(config, streams=streams)
    changed = emulator.change(updates=2, deletes=1, resource="orders")
    emulator.change(updates=1, resource="customers")
    handle = emulator.handle
    _failing_after(emulator, fail_path, good)
    out, _ = run_tap_failing(config, state=first.final_state, streams=streams)
    old = first.bookmark("orders")
    assert all(
        s["value"]["bookmarks"]["orders"].get("replication_key_value") == old for s in out.states
    )
    # the stream synced before the failure keeps its progress
    assert when(out.bookmark("customers")) > when(first.bookmark("customers"))

    emulator.handle = handle  # type: ignore[method-assign]
    again = run_tap(config, state=out.final_state, streams=streams)
    numbers = {o["number"] for o in again.records["orders"]}
    assert keys(changed, "orders", "updated") <= numbers


@pytest.mark.parametrize(
    ("stored", "sent"),
    [
        ("2025-01-01T00:05:00Z", ">=2025-01-01T00:05:00.000Z"),
        ("2025-01-01T02:05:00+02:00", ">=2025-01-01T00:05:00.000Z"),
        ("2025-01-01T00:05:00", ">=2025-01-01T00:05:00.000Z"),
        (1735689900, ">=2025-01-01T00:05:00.000Z"),  # epoch seconds
        (1735689900000, ">=2025-01-01T00:05:00.000Z"),  # epoch milliseconds
    ],
)
def test_older_bookmark_forms_are_read(
    serve: Serve, stored: object, sent: str, caplog: pytest.LogCaptureFixture
) -> None:
    emulator = DirectoEmulator(size=20, rate_limit_per_minute=0)
    server = serve(emulator)
    state = {"bookmarks": {"orders": {"replication_key": "ts", "replication_key_value": stored}}}
    out = run_tap(config_for(server), state=state, streams={"orders"})
    (entry,) = emulator.log.entries(path_prefix=API + "orders")
    assert entry.query == [("ts", sent)]
    assert out.bookmark("orders")
    assert "state:" not in caplog.text


@pytest.mark.parametrize(
    ("state", "problem"),
    [
        (
            {
                "bookmarks": {
                    "orders": {"replication_key": "ts", "replication_key_value": "last week"}
                }
            },
            """the bookmark of stream 'orders' ("last week") is not a date-time""",
        ),
        (
            {"bookmarks": {"orders": {"replication_key": "ts", "replication_key_value": [2025]}}},
            "the bookmark of stream 'orders' ([2025]) is not a date-time",
        ),
        ({"bookmarks": {"orders": None}}, "the bookmark of stream 'orders' is null, not an object"),
        ({"bookmarks": ["orders"]}, "`bookmarks` is a JSON list, not an object"),
    ],
    ids=["garbage", "list_value", "null_entry", "list_bookmarks"],
)
def test_unreadable_bookmark_is_refused_before_the_first_request(
    serve: Serve, state: dict, problem: str
) -> None:
    """Issue 10: a bookmark no form of which is a date-time stops the run with one line,
    instead of silently re-syncing everything."""
    emulator = DirectoEmulator(size=20, rate_limit_per_minute=0)
    server = serve(emulator)
    with pytest.raises(BadInputFileError) as refused:
        run_tap(config_for(server), state=state, streams={"orders"})
    assert str(refused.value).startswith(f"state: {problem}")
    assert emulator.log.entries(path_prefix=API + "orders") == []


def test_meltano_state_file_is_unwrapped(serve: Serve) -> None:
    """`meltano state get` prints {"singer_state": {...}}; passing that file works too."""
    emulator = DirectoEmulator(size=20, rate_limit_per_minute=0)
    server = serve(emulator)
    first = run_tap(config_for(server), streams={"orders"})
    out = run_tap(config_for(server), state={"singer_state": first.final_state}, streams={"orders"})
    assert len(out.records["orders"]) == 1  # the boundary only


def test_change_while_date_windows_are_read_is_not_skipped(serve: Serve) -> None:
    """Every order changes after two windows were read: those orders went out in their old
    version while later windows show newer `ts`, so the next sync must fetch them again."""
    emulator = DirectoEmulator(size=30, rate_limit_per_minute=0)
    server = serve(emulator)
    handle = emulator.handle
    windows: list[Request] = []

    def changing_before_third_window(request: Request) -> Response:
        if request.path == API + "orders":
            windows.append(request)
            if len(windows) == 3:
                emulator.change(updates=30, resource="orders")
        return handle(request)

    emulator.handle = changing_before_third_window  # type: ignore[method-assign]
    # the seeded documents are dated through 2025: 60-day windows from its start
    config = config_for(server, date_window_days=60, start_date="2024-12-31T00:00:00Z")
    first = run_tap(config, streams={"orders"})
    assert len(windows) > 3
    emulator.handle = handle  # type: ignore[method-assign]
    second = run_tap(config, state=first.final_state, streams={"orders"})
    latest: dict[str, datetime] = {}
    for order in first.records["orders"] + second.records["orders"]:
        moment = when(order["ts"])
        latest[order["number"]] = max(moment, latest.get(order["number"], moment))
    current = {o["number"]: when(o["ts"]) for o in emulator.store.records("orders")}
    assert latest == current
