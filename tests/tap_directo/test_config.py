"""tap-directo's settings: --about lists them, bad values give one line naming the setting."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

TAP = str(Path(sys.executable).parent / "tap-directo")
SECRET = "SUPER-SECRET-DIRECTO-KEY"
SETTINGS = {
    "api_key",
    "base_url",
    "api_version",
    "response_format",
    "start_date",
    "filters",
    "date_window_days",
    "requests_per_minute",
    "timeout",
    "infer_schema",
    "datafields_as_object",
    "emit_deleted_records",
    "bookmark_overlap_seconds",
    "primary_keys",
}


def run_cli(tmp_path: Path, config: dict, *args: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return subprocess.run(
        [TAP, "--config", str(path), *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_about_lists_every_setting_with_description() -> None:
    about = subprocess.run(
        [TAP, "--about", "--format", "json"], capture_output=True, text=True, check=True
    )
    settings = json.loads(about.stdout)["settings"]["properties"]
    assert set(settings) >= SETTINGS
    assert all(settings[name].get("description") for name in SETTINGS)
    assert settings["api_key"]["secret"] is True
    assert settings["base_url"]["default"] == "https://login.directo.ee/apidirect"
    assert settings["requests_per_minute"]["default"] == 60
    assert settings["response_format"]["enum"] == ["json", "xml"]


@pytest.mark.parametrize(
    ("bad", "setting"),
    [
        ({"start_date": "yesterday"}, "start_date"),
        ({"filters": {"orderz": {"status": "NEW"}}}, "filters.orderz"),
        ({"filters": {"orders": {"date": ">=2025-13-01"}}}, "filters.orders.date"),
        ({"filters": {"items": {"price": "=>100"}}}, "filters.items.price"),
        ({"date_window_days": 0}, "date_window_days"),
        ({"base_url": "login.directo.ee/apidirect"}, "base_url"),
        ({"requests_per_minute": -1}, "requests_per_minute"),
        ({"requests_per_minute": 0.5}, "requests_per_minute"),  # not "no limit"
        ({"api_version": 0}, "api_version"),
        ({"response_format": "yaml"}, "response_format"),
        ({"timeout": 0}, "timeout"),
        ({"bookmark_overlap_seconds": -1}, "bookmark_overlap_seconds"),
        ({"start_date": "2025-13-45T00:00:00Z"}, "start_date"),
        ({"filters": {"orders": {"date": [">=2025-01-01", 5]}}}, "filters.orders.date"),
        ({"filters": {"items": {"price": ">>100"}}}, "filters.items.price"),
        ({"filters": "status=NEW"}, "filters"),
        ({"api_key": " "}, "api_key"),
        ({"primary_keys": {"orderz": ["number"]}}, "primary_keys.orderz"),
        ({"primary_keys": {"orders": []}}, "primary_keys.orders"),
        ({"primary_keys": {"orders": "number"}}, "primary_keys.orders"),
        ({"primary_keys": ["orders"]}, "primary_keys"),
    ],
)
@pytest.mark.parametrize("mode", [(), ("--discover",)])
def test_bad_setting_is_one_line_naming_it(
    tmp_path: Path, bad: dict, setting: str, mode: tuple[str, ...]
) -> None:
    config = {"api_key": SECRET, "base_url": "http://127.0.0.1:9/apidirect", **bad}
    result = run_cli(tmp_path, config, *mode)
    assert result.returncode != 0
    # ours say "setting: ...", singer-sdk's schema errors "... in config['setting']"
    names = (f"{setting}:", f"config['{setting}']")
    lines = [line for line in result.stderr.splitlines() if any(n in line for n in names)]
    assert len(lines) == 1, result.stderr
    assert result.returncode == 1
    assert SECRET not in result.stderr
    assert SECRET not in result.stdout


def test_missing_api_key_is_reported(tmp_path: Path) -> None:
    result = run_cli(tmp_path, {"base_url": "http://127.0.0.1:9/apidirect"})
    assert result.returncode != 0
    assert "api_key" in result.stderr


def test_api_key_of_a_wrong_type_is_not_echoed(tmp_path: Path) -> None:
    result = run_cli(tmp_path, {"api_key": 987654321, "base_url": "http://127.0.0.1:9/x"})
    assert result.returncode == 1
    assert "api_key" in result.stderr
    assert "987654321" not in result.stderr + result.stdout
