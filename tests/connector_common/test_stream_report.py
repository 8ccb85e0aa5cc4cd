"""Each tap stream ends with one summary line and logs progress, its name in the text.

The clock is replaced, so the once-a-minute progress lines are tested without sleeping.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Callable

import pytest

from connector_common import http, stream_report
from sandbox.common import Emulator, Fault, SandboxServer
from sandbox.directo import DirectoEmulator
from sandbox.directus import DirectusEmulator
from tests.tap_directo.harness import config_for as directo_config
from tests.tap_directo.harness import run_tap as run_directo
from tests.tap_directus.harness import config_for as directus_config
from tests.tap_directus.harness import run_tap as run_directus

Serve = Callable[[Emulator], SandboxServer]
SUMMARY = re.compile(
    r"Stream '(\w+)' done: (\d+) records, (\d+) requests, (\d+) retries "
    r"\(([\d.]+) s waited on 429\), (.*)"
)


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retry waits recorded, not slept (Retry-After would otherwise wait real seconds)."""
    waits: list[float] = []
    monkeypatch.setattr("time.sleep", waits.append)
    monkeypatch.setattr(http, "POLICY", http.RetryPolicy(sleep=waits.append))
    return waits


def summaries(caplog: pytest.LogCaptureFixture) -> dict[str, tuple[str, ...]]:
    found = {}
    for record in caplog.records:
        match = SUMMARY.fullmatch(record.getMessage())
        if match:
            assert match.group(1) not in found, "one summary line per stream"
            found[match.group(1)] = match.groups()[1:]
    return found


def test_report_progress_lines_come_once_per_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    ticks = itertools.count(0, 25)  # every clock reading is 25 s later
    monkeypatch.setattr(stream_report, "clock", lambda: float(next(ticks)))
    logger = logging.getLogger("test-report")
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        report = stream_report.StreamReport("orders", logger)  # t = 0
        for _ in range(10):  # records at t = 25, 50, ..., 250
            report.record()
        report.finish("2025-01-01T00:00:00Z")
    finally:
        logger.removeHandler(handler)
    progress = [line for line in lines if "so far" in line]
    assert progress == [
        "Stream 'orders': 3 records so far (0 requests, 0 retries, 75 s)",
        "Stream 'orders': 6 records so far (0 requests, 0 retries, 150 s)",
        "Stream 'orders': 9 records so far (0 requests, 0 retries, 225 s)",
    ]
    assert lines[-1] == (
        "Stream 'orders' done: 10 records, 0 requests, 0 retries (0.0 s waited on 429), "
        "new bookmark 2025-01-01T00:00:00Z"
    )


def test_tap_directo_summarises_each_stream_with_requests_retries_and_429_waits(
    serve: Serve, caplog: pytest.LogCaptureFixture, slept: list[float]
) -> None:
    emulator = DirectoEmulator(size=30, rate_limit_per_minute=0)
    server = serve(emulator)
    emulator.faults.add(Fault(kind="status", status=429, retry_after=7, path="/apidirect/v1/items"))
    emulator.faults.add(Fault(kind="status", status=503, path="/apidirect/v1/items"))
    caplog.set_level(logging.INFO)
    out = run_directo(directo_config(server), streams={"items", "orders", "order_rows"})
    found = summaries(caplog)
    assert set(found) == {"items", "orders", "order_rows"}
    records, requests, retries, waited, bookmark = found["items"]
    assert int(records) == len(out.records["items"]) == 30
    assert (int(requests), int(retries)) == (3, 2)
    assert 7.0 <= float(waited) < 8.1  # Retry-After, plus up to 10% jitter
    assert bookmark == f"new bookmark {out.bookmark('items')}"
    assert int(found["order_rows"][0]) == len(out.records["order_rows"])


def test_tap_directus_summarises_each_stream_and_logs_progress_with_its_name(
    serve: Serve,
    caplog: pytest.LogCaptureFixture,
    slept: list[float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ticks = itertools.count(0, 20)
    monkeypatch.setattr(stream_report, "clock", lambda: float(next(ticks)))
    emulator = DirectusEmulator(size=30)
    server = serve(emulator)
    emulator.faults.add(
        Fault(kind="status", status=429, retry_after=5, path="/api/1.1/tables/projects/rows")
    )
    caplog.set_level(logging.INFO)
    out = run_directus(directus_config(server, tables=["projects"], page_size=10))
    records, requests, retries, waited, bookmark = summaries(caplog)["projects"]
    assert int(records) == len(out.records["projects"]) == 30
    assert int(retries) == 1
    assert 5.0 <= float(waited) < 6.1
    sent = [e for e in emulator.log.entries() if e.path == "/api/1.1/tables/projects/rows"]
    assert int(requests) == len(sent)
    assert (
        bookmark
        == f"new bookmark {out.final_state['bookmarks']['projects']['replication_key_value']}"
    )
    progress = [r.getMessage() for r in caplog.records if "records so far" in r.getMessage()]
    assert progress
    assert all(line.startswith("Stream 'projects': ") for line in progress)
