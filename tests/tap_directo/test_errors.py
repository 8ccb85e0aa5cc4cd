"""tap-directo under errors: fail fast with what to do (400/401/403/404), retry the transient
(429, 5xx, connection, truncated or malformed bodies), hold the rate limit, keep the key secret."""

from __future__ import annotations

import itertools
import json
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from singer_sdk.exceptions import FatalAPIError

from connector_common import http
from sandbox.common import Fault, SandboxServer
from sandbox.directo import LIMITED_KEY, DirectoEmulator
from tap_directo.tap import TapDirecto
from tests.tap_directo.harness import config_for, run_tap, run_tap_failing, sandbox

Serve = Callable[..., SandboxServer]
API = "/apidirect/v1/"


@pytest.fixture
def directo(serve: Serve) -> SandboxServer:
    return serve(DirectoEmulator(size=25, rate_limit_per_minute=0))


def requests_to(server: SandboxServer, resource: str) -> int:
    return len(sandbox(server).log.entries(path_prefix=API + resource))


def test_401_fails_fast_naming_api_key(
    directo: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    config = config_for(directo, api_key="not-the-right-key-123")
    out, error = run_tap_failing(config, streams={"items"})
    assert "not-the-right-key-123" not in caplog.text
    assert isinstance(error, FatalAPIError)
    assert "check the `api_key` setting" in str(error)
    assert "401" in str(error)
    assert "not-the-right-key-123" not in str(error)
    assert "not-the-right-key-123" not in out.raw
    assert requests_to(directo, "items") == 1  # not retried


def test_403_names_resource_and_what_to_do(directo: SandboxServer) -> None:
    _, error = run_tap_failing(config_for(directo, api_key=LIMITED_KEY), streams={"invoices"})
    message = str(error)
    assert "lacks permission for resource 'invoices' (403)" in message
    assert "ask the Directo administrator" in message
    assert "deselect the stream 'invoices'" in message
    assert LIMITED_KEY not in message
    assert requests_to(directo, "invoices") == 1


def test_400_api_not_enabled_names_resource(directo: SandboxServer) -> None:
    _, error = run_tap_failing(config_for(directo, api_key=LIMITED_KEY), streams={"priceformulas"})
    message = str(error)
    assert "Resource 'priceformulas' is not enabled for this API key" in message
    assert "deselect the stream 'priceformulas'" in message
    assert requests_to(directo, "priceformulas") == 1


def test_limited_key_syncs_streams_it_may_read(directo: SandboxServer) -> None:
    out = run_tap(config_for(directo, api_key=LIMITED_KEY), streams={"items", "orders"})
    assert len(out.records["items"]) == 25


def test_400_on_a_filter_says_which_filter(directo: SandboxServer) -> None:
    config = config_for(directo, filters={"orders": {"total_with_vat": ">10"}})
    _, error = run_tap_failing(config, streams={"orders"})
    message = str(error)
    assert "rejected a filter of stream 'orders'" in message
    assert "total_with_vat" in message
    assert "filters.orders" in message
    assert requests_to(directo, "orders") == 1


def test_404_points_at_base_url_and_version(directo: SandboxServer) -> None:
    _, error = run_tap_failing(config_for(directo, api_version=2), streams={"items"})
    assert "404" in str(error)
    assert "`base_url` and `api_version`" in str(error)
    assert len(sandbox(directo).log) == 1


@pytest.mark.parametrize("status", [429, 500, 503])
def test_transient_statuses_are_retried(
    directo: SandboxServer, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox(directo).faults.add(Fault(kind="status", status=status, count=3, path=API + "items"))
    config = config_for(directo)
    out = run_tap(config, streams={"items"})
    assert "Retrying items" in caplog.text
    assert config["api_key"] not in caplog.text
    assert config["api_key"] not in out.raw
    assert len(out.records["items"]) == 25
    statuses = [e.status for e in sandbox(directo).log.entries(path_prefix=API + "items")]
    assert statuses == [status, status, status, 200]


def test_retry_after_is_honoured(directo: SandboxServer) -> None:
    sandbox(directo).faults.add(Fault(kind="status", status=429, retry_after=1, path=API + "items"))
    run_tap(config_for(directo), streams={"items"})
    first, second = sandbox(directo).log.entries(path_prefix=API + "items")
    assert second.time - first.time >= 1.0  # base waits are 10 ms in tests: this is Retry-After


def test_retries_are_bounded(directo: SandboxServer) -> None:
    sandbox(directo).faults.add(Fault(kind="status", status=503, count=0, path=API + "items"))
    _, error = run_tap_failing(config_for(directo), streams={"items"})
    assert isinstance(error, FatalAPIError)
    assert "failed after 5 tries" in str(error)
    assert requests_to(directo, "items") == http.POLICY.max_tries


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("kind", ["truncate", "malformed"])
def test_broken_bodies_are_retried_and_nothing_is_lost(
    directo: SandboxServer, kind: str, fmt: str
) -> None:
    sandbox(directo).faults.add(Fault(kind=kind, path=API + "orders"))
    out = run_tap(config_for(directo, response_format=fmt), streams={"orders", "order_rows"})
    numbers = {o["number"] for o in out.records["orders"]}
    assert len(numbers) == 25  # complete; records before the break may repeat
    assert requests_to(directo, "orders") == 2
    largest = max(o["ts"] for o in out.records["orders"])
    assert out.bookmark("orders") == largest


def test_connection_errors_are_retried_then_fail_clearly() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = {"api_key": "k-123456", "base_url": f"http://127.0.0.1:{port}/apidirect"}
    _, error = run_tap_failing(config, streams={"items"})
    assert "failed after 5 tries" in str(error)
    assert "connection refused (ConnectionError): check `base_url`" in str(error)
    assert "HTTPConnectionPool" not in str(error)  # not requests' repr with the URL
    assert "k-123456" not in str(error)


def test_failed_stream_writes_no_new_bookmark(directo: SandboxServer) -> None:
    config = config_for(directo)
    first = run_tap(config, streams={"items"})
    sandbox(directo).change(updates=2, resource="items")
    sandbox(directo).faults.add(Fault(kind="truncate", count=0, path=API + "items"))
    out, error = run_tap_failing(config, state=first.final_state, streams={"items"})
    assert isinstance(error, FatalAPIError)
    for state in out.states:
        assert state["value"]["bookmarks"]["items"].get("replication_key_value") in (
            None,
            first.bookmark("items"),
        )


def test_rate_limit_is_held_across_streams(serve: Serve, monkeypatch: pytest.MonkeyPatch) -> None:
    emulator = DirectoEmulator(size=5)
    # the server refuses a 4th request within 0.8 s; the client keeps 1 s. The slack absorbs
    # the jitter between the client taking a slot and the server logging the request.
    emulator.set_rate_limit(3, window=0.8)
    server = serve(emulator)
    monkeypatch.setattr(TapDirecto, "rate_limit_window_seconds", 1.0)
    out = run_tap(config_for(server, requests_per_minute=3))
    assert len(out.records["items"]) == 5
    entries = emulator.log.entries()
    assert len(entries) == 9
    assert all(e.status == 200 for e in entries)  # never refused
    times = sorted(e.time for e in entries)
    for earlier, later in zip(times, itertools.islice(times, 3, None), strict=False):
        assert later - earlier >= 0.9  # at most 3 requests in any 1 s window (minus jitter)


def test_rate_limit_counts_retries_and_discovery_samples(
    serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator = DirectoEmulator(size=5)
    emulator.set_rate_limit(4, window=0.8)
    server = serve(emulator)
    emulator.faults.add(Fault(kind="status", status=503, count=2, path=API + "items"))
    monkeypatch.setattr(TapDirecto, "rate_limit_window_seconds", 1.0)
    run_tap(config_for(server, requests_per_minute=4, infer_schema=True), streams={"items"})
    entries = emulator.log.entries()
    # 9 samples (the items one retried twice after 503), then the items sync
    assert [e.status for e in entries if e.path == API + "items"] == [503, 503, 200, 200]
    assert len(entries) == 9 + 2 + 1
    assert all(e.status != 429 for e in entries)
    times = sorted(e.time for e in entries)
    for earlier, later in zip(times, itertools.islice(times, 4, None), strict=False):
        assert later - earlier >= 0.9


def test_cli_ends_a_fatal_error_with_one_line_and_exit_1(
    directo: SandboxServer, tmp_path: Path
) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps(config_for(directo, api_key="not-the-key-4711")))
    exe = Path(sys.executable).with_name("tap-directo")
    result = subprocess.run(
        [str(exe), "--config", str(config)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "| ERROR" in line]
    assert errors[-1].endswith("check the `api_key` setting.")
    assert "not-the-key-4711" not in result.stderr + result.stdout


def test_timeout_applies_and_a_slow_answer_is_retried(
    directo: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    # whole seconds: Meltano 4.4.1 crashes on `kind: decimal` settings given as env variables
    sandbox(directo).faults.add(Fault(kind="delay", seconds=1.5, path=API + "items"))
    out = run_tap(config_for(directo, timeout=1), streams={"items"})
    assert len(out.records["items"]) == 25
    assert "Retrying items" in caplog.text
    assert "no answer in time" in caplog.text


def test_infer_schema_with_a_rejected_key_stops_discovery_with_one_line(
    directo: SandboxServer, tmp_path: Path
) -> None:
    config = tmp_path / "config.json"
    settings = config_for(directo, api_key="not-the-key-4711", infer_schema=True)
    config.write_text(json.dumps(settings))
    exe = Path(sys.executable).with_name("tap-directo")
    result = subprocess.run(
        [str(exe), "--config", str(config), "--discover"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "| ERROR" in line]
    assert errors[-1].endswith("check the `api_key` setting.")
    assert "not-the-key-4711" not in result.stderr + result.stdout
    assert len(sandbox(directo).log) == 1  # not one refused request per resource


def test_infer_schema_against_an_unreachable_server_gives_up_after_one_resource() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = {
        "api_key": "k-123456",
        "base_url": f"http://127.0.0.1:{port}/apidirect",
        "infer_schema": True,
    }
    with pytest.raises(FatalAPIError, match="after 5 tries: connection refused") as error:
        TapDirecto(config=config).catalog_dict  # noqa: B018
    assert "k-123456" not in str(error.value)
