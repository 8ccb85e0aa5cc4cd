"""No setting makes a run tell the loader a table is complete (ACTIVATE_VERSION) when it did
not read it completely: the line streams carry only the lines of the documents read this run."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sandbox.common import SandboxServer
from sandbox.directo import DirectoEmulator
from tests.tap_directo.harness import SyncOutput, catalog_selecting, config_for, run_tap

Serve = Callable[..., SandboxServer]
STREAMS = {"orders", "order_rows", "invoices", "invoice_rows", "items"}


def activated(out: SyncOutput) -> set[str]:
    return {m["stream"] for m in out.messages if m["type"] == "ACTIVATE_VERSION"}


@pytest.fixture
def directo(serve: Serve) -> SandboxServer:
    return serve(DirectoEmulator(size=12, rate_limit_per_minute=0))


@pytest.mark.parametrize(
    "settings",
    [{}, {"start_date": "2025-01-01T00:00:00Z"}, {"filters": {"orders": {"status": "NEW"}}}],
    ids=["plain", "start_date", "filters"],
)
def test_line_streams_never_declare_their_table_complete(
    directo: SandboxServer, settings: dict
) -> None:
    config = config_for(directo, emit_activate_version_messages=True, **settings)
    first = run_tap(config, streams=STREAMS)
    assert first.records["order_rows"]
    directo.emulator.change(updates=1, resource="orders")  # type: ignore[attr-defined]
    second = run_tap(config, state=first.final_state, streams=STREAMS)
    assert 0 < len(second.records["order_rows"]) < len(first.records["order_rows"])
    assert activated(first) == activated(second) == set()


def _full_table(config: dict, streams: set[str]) -> dict:
    catalog = catalog_selecting(config, streams)
    for entry in catalog["streams"]:
        entry["replication_method"] = "FULL_TABLE"
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["forced-replication-method"] = "FULL_TABLE"
    return catalog


def test_a_whole_table_read_may_declare_it_complete(directo: SandboxServer) -> None:
    """Forced FULL_TABLE without filter or start_date reads everything, bookmark or not."""
    config = config_for(directo, emit_activate_version_messages=True)
    catalog = _full_table(config, {"orders", "order_rows"})
    first = run_tap(config, catalog=catalog)
    again = run_tap(config, catalog=catalog, state=first.final_state)
    assert len(again.records["orders"]) == 12
    assert activated(first) == activated(again) == {"orders"}
    filtered = config_for(
        directo, emit_activate_version_messages=True, filters={"orders": {"status": "NEW"}}
    )
    assert activated(run_tap(filtered, catalog=_full_table(filtered, {"orders"}))) == set()
