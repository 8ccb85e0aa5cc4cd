"""A misspelt setting is never accepted silently: all three plugins warn in one line naming it
and the closest known setting, and refuse to start with `strict_settings: true`."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from singer_sdk import PluginBase
from singer_sdk.exceptions import ConfigValidationError

from connector_common.unknown_settings import closest
from sandbox.common import Emulator, SandboxServer
from sandbox.directus import DirectusEmulator
from tap_directo.tap import TapDirecto
from tap_directus.tap import TapDirectus
from target_dokus.target import TargetDokus

PLUGINS: dict[str, tuple[type[PluginBase], dict, str, str]] = {
    # plugin: (class, a valid config, a typo, the setting it should have been)
    "tap-directo": (
        TapDirecto,
        {"api_key": "k-123456"},
        "emit_deletd_records",
        "emit_deleted_records",
    ),
    "tap-directus": (
        TapDirectus,
        {},  # filled by the `configs` fixture: it discovers at start, from a sandbox
        "strat_date",
        "start_date",
    ),
    "target-dokus": (
        TargetDokus,
        {"base_url": "http://127.0.0.1:9", "email": "a@b.no", "password": "pw-123456"},
        "hard_delet",
        "hard_delete",
    ),
}


@pytest.fixture
def configs(serve: Callable[[Emulator], SandboxServer]) -> dict[str, dict]:
    directus = serve(DirectusEmulator(size=3))
    token = directus.emulator.credentials()["token"]
    found = {name: entry[1] for name, entry in PLUGINS.items()}
    found["tap-directus"] = {"base_url": directus.emulator.base_url(directus.url), "token": token}
    return found


def test_closest_names_the_nearest_known_setting() -> None:
    assert closest("api_kee", ["api_key", "base_url", "timeout"]) == "api_key"


@pytest.mark.parametrize("plugin", list(PLUGINS))
def test_unknown_setting_warns_in_one_line(
    plugin: str, configs: dict[str, dict], caplog: pytest.LogCaptureFixture
) -> None:
    cls, _, typo, meant = PLUGINS[plugin]
    config = configs[plugin]
    cls(config={**config, typo: True})  # validates (and warns) once, then starts
    lines = [r.getMessage() for r in caplog.records if typo in r.getMessage()]
    assert lines == [
        f"Unknown setting '{typo}' (closest known setting: '{meant}'); it is ignored "
        "(set `strict_settings: true` to refuse to start instead)"
    ]


@pytest.mark.parametrize("plugin", list(PLUGINS))
def test_strict_settings_refuses_to_start(plugin: str, configs: dict[str, dict]) -> None:
    cls, _, typo, meant = PLUGINS[plugin]
    config = configs[plugin]
    with pytest.raises(ConfigValidationError) as refused:
        cls(config={**config, typo: 1, "strict_settings": True})
    assert refused.value.errors == [
        f"strict_settings: unknown setting '{typo}' (closest known setting: '{meant}')"
    ]
    cls(config={**config, "strict_settings": True})  # known settings only: it starts


@pytest.mark.parametrize("plugin", list(PLUGINS))
def test_strict_settings_is_a_listed_setting(plugin: str) -> None:
    cls = PLUGINS[plugin][0]
    about = json.loads(
        subprocess.run(
            [str(Path(sys.executable).with_name(plugin)), "--about", "--format", "json"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert about["settings"]["properties"]["strict_settings"]["default"] is False
    assert cls.name == plugin


def test_cli_refuses_to_start_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"api_key": "k-123456", "api_kee": "x", "strict_settings": True}))
    exe = Path(sys.executable).with_name("tap-directo")
    result = subprocess.run(
        [str(exe), "--config", str(path), "--discover"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if "api_kee" in line]
    assert len(lines) == 1, result.stderr
    assert "closest known setting: 'api_key'" in lines[0]
    assert "Traceback" not in result.stderr
