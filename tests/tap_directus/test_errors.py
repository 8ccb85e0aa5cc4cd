"""Retried and fatal errors, and one-line config errors that name the setting."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from singer_sdk.exceptions import ConfigValidationError, FatalAPIError

from sandbox.common import Emulator, Fault, SandboxServer
from sandbox.directus import DirectusEmulator
from tap_directus.tap import TapDirectus
from tests.tap_directus.harness import config_for, ids, run_tap

Serve = Callable[[Emulator], SandboxServer]
ROWS = "/api/1.1/tables/projects/rows"


@pytest.fixture
def emulator() -> DirectusEmulator:
    return DirectusEmulator(size=25)


def _cli(config: dict, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return subprocess.run(
        [sys.executable, "-m", "tap_directus", "--config", str(path), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "| ERROR" in line]


@pytest.mark.parametrize(
    "fault",
    [
        Fault(kind="status", status=429, retry_after=0, count=2, path=ROWS),
        Fault(kind="status", status=503, count=2, path=ROWS),
        Fault(kind="malformed", count=2, path=ROWS),
        Fault(kind="truncate", count=1, path=ROWS),
        Fault(kind="body", status=200, body="", count=2, path=ROWS),  # PHP fatal: empty HTML
        Fault(
            kind="body",
            status=200,
            body="<html>x</html>",
            content_type="application/json",
            count=1,
            path=ROWS,
        ),
    ],
    ids=["429", "503", "malformed", "truncated", "empty-html-200", "html-as-json"],
)
def test_transient_failures_are_retried_without_partial_pages(
    serve: Serve, emulator: DirectusEmulator, fault: Fault
) -> None:
    server = serve(emulator)
    config = config_for(server, tables=["projects"], page_size=10)
    emulator.faults.add(fault)
    out = run_tap(config)
    assert sorted(ids(out, "projects")) == sorted(emulator.tables["projects"].rows)
    assert len(ids(out, "projects")) == len(set(ids(out, "projects")))


def test_retry_after_is_honoured(serve: Serve, emulator: DirectusEmulator) -> None:
    server = serve(emulator)
    emulator.faults.add(Fault(kind="status", status=429, retry_after=1, count=1, path=ROWS))
    run_tap(config_for(server, tables=["projects"]))
    times = [e.time for e in emulator.log.entries(path_prefix=ROWS)]
    assert times[1] - times[0] >= 1.0  # the server's wait, not the 10 ms test backoff


def test_gives_up_after_five_tries(serve: Serve, emulator: DirectusEmulator) -> None:
    server = serve(emulator)
    emulator.faults.add(Fault(kind="status", status=503, count=0, path=ROWS))
    with pytest.raises(Exception, match="503"):
        run_tap(config_for(server, tables=["projects"]))
    assert len(emulator.log.entries(path_prefix=ROWS)) == 5


@pytest.mark.parametrize(
    ("status", "advice"),
    [(403, "exclude_tables"), (404, "refresh-catalog"), (401, "`token`")],
)
def test_fatal_statuses_say_what_to_do(
    serve: Serve, emulator: DirectusEmulator, status: int, advice: str
) -> None:
    server = serve(emulator)
    emulator.faults.add(Fault(kind="status", status=status, count=0, path=ROWS))
    with pytest.raises(FatalAPIError, match=str(status)) as error:
        run_tap(config_for(server, tables=["projects"]))
    assert advice in str(error.value)
    assert emulator.token not in str(error.value)
    assert len(emulator.log.entries(path_prefix=ROWS)) == 1


def test_table_dropped_after_discovery(serve: Serve, emulator: DirectusEmulator) -> None:
    server = serve(emulator)
    catalog = TapDirectus(config=config_for(server, tables=["tags"])).catalog_dict
    del emulator.tables["tags"]
    with pytest.raises(FatalAPIError, match="Table `tags` does not exist") as error:
        run_tap(config_for(server, tables=["tags"]), catalog=catalog)
    assert "exclude_tables" in str(error.value)


def test_wrong_base_url_is_explained(serve: Serve, emulator: DirectusEmulator) -> None:
    server = serve(emulator)
    with pytest.raises(FatalAPIError, match="base_url"):
        run_tap(config_for(server) | {"base_url": server.url + "/directus"})


def _config_errors(config: dict) -> list[str]:
    with pytest.raises(ConfigValidationError) as error:
        TapDirectus(config=config, validate_config=True)
    return error.value.errors


@pytest.mark.parametrize(
    ("config", "setting"),
    [
        ({"base_url": "cms.example.com", "token": "t0ken-secret"}, "base_url"),
        ({"base_url": "http://x"}, "token"),
        ({"base_url": "http://x", "auth_method": "password", "email": "a@b.ee"}, "password"),
        ({"base_url": "http://x", "token": "t0ken-secret", "page_size": 0}, "page_size"),
        (
            {"base_url": "http://x", "token": "t0ken-secret", "start_date": "yesterday"},
            "start_date",
        ),
        (
            {
                "base_url": "http://x",
                "token": "t0ken-secret",
                "tables": ["a"],
                "exclude_tables": ["a"],
            },
            "exclude_tables",
        ),
        (
            {
                "base_url": "http://x",
                "token": "t0ken-secret",
                "filters": {"t": {"c": {"regex": "x"}}},
            },
            "filters.t.c",
        ),
        (
            {"base_url": "http://x", "token": "t0ken-secret", "filters": {"t": {"c": {"in": [1]}}}},
            "filters.t.c.in",
        ),
        (
            {"base_url": "http://x", "token": "t0ken-secret", "alias_columns": "all"},
            "alias_columns",
        ),
    ],
)
def test_config_errors_are_one_line_naming_the_setting(config: dict, setting: str) -> None:
    errors = _config_errors(config)
    assert len(errors) == 1
    assert setting in errors[0]
    assert "\n" not in errors[0]
    assert "t0ken-secret" not in errors[0]


def test_cli_config_error_exits_1_with_one_line(tmp_path: Path) -> None:
    config = {"base_url": "http://127.0.0.1:9", "page_size": -1, "token": "t0ken-secret"}
    result = _cli(config, tmp_path, "--discover")
    assert result.returncode == 1
    assert "page_size: must be 1 or more." in result.stderr + result.stdout
    assert "t0ken-secret" not in result.stderr + result.stdout


def test_cli_discovery_with_a_filter_on_a_missing_column(
    serve: Serve, emulator: DirectusEmulator, tmp_path: Path
) -> None:
    config = config_for(serve(emulator), filters={"projects": {"nope": {"eq": 1}}})
    result = _cli(config, tmp_path, "--discover")
    assert result.returncode == 1
    errors = _error_lines(result.stderr)
    assert len(errors) == 1
    assert errors[0].endswith("filters.projects: table projects has no column `nope`.")
    assert "Traceback" not in result.stderr


def test_token_request_is_not_retried_inside_the_retries_of_each_request(
    serve: Serve, emulator: DirectusEmulator
) -> None:
    emulator.faults.add(Fault(kind="malformed", count=50, path="/api/1.1/auth"))
    server = serve(emulator)
    config = {"base_url": server.url, "email": emulator.email, "password": emulator.password}
    with pytest.raises(FatalAPIError, match="token request failed after 5 tries") as error:
        run_tap({**config, "tables": ["tags"]})
    assert len(emulator.log.entries(method="POST", path_prefix="/api/1.1/auth")) == 5
    assert emulator.password not in str(error.value)


@pytest.mark.parametrize("mode", ["--discover", "--test", "sync"])
def test_cli_fatal_api_error_is_one_line_without_traceback(
    serve: Serve, emulator: DirectusEmulator, tmp_path: Path, mode: str
) -> None:
    server = serve(emulator)
    config = {"base_url": server.url, "token": "wrong-T0ken-secret", "tables": ["tags"]}
    if mode == "sync":
        emulator.faults.add(Fault(kind="status", status=401, path="/api/1.1/tables/tags/rows"))
        config["token"] = emulator.token
    result = _cli(config, tmp_path, *([] if mode == "sync" else [mode]))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert _error_lines(result.stderr)[-1].endswith(
        "Check `token` (or `email` and `password`) and `auth_method`."
    )
    assert "wrong-T0ken-secret" not in result.stderr + result.stdout


def test_retries_given_up_say_so_and_what_to_do(
    serve: Serve, emulator: DirectusEmulator, tmp_path: Path
) -> None:
    emulator.faults.add(
        Fault(kind="status", status=429, retry_after=0, count=10, path="/api/1.1/tables/tags/rows")
    )
    result = _cli(config_for(serve(emulator), tables=["tags"]), tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    last = _error_lines(result.stderr)[-1]
    assert "Directus answered 429 for table `tags`" in last
    assert last.endswith("Gave up after 5 tries: run again later or lower `requests_per_minute`.")


def test_unreachable_server_names_the_host_not_the_url() -> None:
    config = {"base_url": "http://127.0.0.1:9", "token": "url-token-456", "auth_method": "query"}
    with pytest.raises(Exception, match="Connection") as error:
        run_tap(config)
    message = TapDirectus.fatal_message(error.value)
    assert message == (
        "Connection to Directus at 127.0.0.1:9 failed (connection refused). Gave up after 5 "
        "tries: check `base_url` and that Directus is reachable from here (or raise `timeout`)."
    )


def test_cli_filter_on_a_table_that_is_not_synced_is_an_error(
    serve: Serve, emulator: DirectusEmulator, tmp_path: Path
) -> None:
    config = config_for(serve(emulator), filters={"projekts": {"title": {"like": "web"}}})
    result = _cli(config, tmp_path, "--discover")
    assert result.returncode == 1
    assert _error_lines(result.stderr)[0].endswith(
        "filters: no synced table named projekts (check the name, and `tables`, "
        "`exclude_tables`, `include_system`)."
    )
    assert "Traceback" not in result.stderr


def test_cli_unknown_table_in_tables_is_an_error_not_an_empty_run(
    serve: Serve, emulator: DirectusEmulator, tmp_path: Path
) -> None:
    result = _cli(config_for(serve(emulator), tables=["tags", "projekts"]), tmp_path)
    assert result.returncode == 1
    assert _error_lines(result.stderr)[0].endswith(
        "tables: Directus has no table projekts that this token can read; check the names in "
        "`tables`."
    )
    assert "Traceback" not in result.stderr
    assert '"type":"RECORD"' not in result.stdout.replace(" ", "")
