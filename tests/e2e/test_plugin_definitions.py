"""meltano.yml and the Meltano Hub definitions stay in step with each plugin's --about."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "hub"))
from about_to_meltano import (
    HUB_DIR,
    MELTANO_YML,
    PLUGINS,
    about,
    hub_definition,
    plugin_entry_fields,
)


@pytest.fixture(scope="module")
def abouts() -> dict[str, dict]:
    return {plugin: about(plugin) for plugin in PLUGINS}


@pytest.mark.parametrize("plugin", list(PLUGINS))
def test_hub_definition_matches_about(plugin: str, abouts: dict[str, dict]) -> None:
    on_disk = yaml.safe_load((HUB_DIR / f"{plugin}.yml").read_text(encoding="utf-8"))
    assert on_disk == hub_definition(plugin, abouts[plugin]), (
        f"hub/{plugin}.yml is stale: run `python -m hub.about_to_meltano`"
    )


@pytest.mark.parametrize("plugin", list(PLUGINS))
def test_meltano_yml_declares_what_about_says(plugin: str, abouts: dict[str, dict]) -> None:
    project = yaml.safe_load(MELTANO_YML.read_text(encoding="utf-8"))
    entries = [e for kind in project["plugins"].values() for e in kind if e["name"] == plugin]
    assert len(entries) == 1
    entry = entries[0]
    expected = plugin_entry_fields(plugin, abouts[plugin])
    for field, value in expected.items():
        assert entry.get(field) == value, (
            f"meltano.yml {plugin}.{field} is stale: run `python -m hub.about_to_meltano`"
        )


@pytest.mark.parametrize("plugin", list(PLUGINS))
def test_every_secret_is_sensitive_in_meltano_yml(plugin: str, abouts: dict[str, dict]) -> None:
    project = yaml.safe_load(MELTANO_YML.read_text(encoding="utf-8"))
    entry = next(e for kind in project["plugins"].values() for e in kind if e["name"] == plugin)
    sensitive = {s["name"] for s in entry["settings"] if s.get("sensitive")}
    secrets = {n for n, p in abouts[plugin]["settings"]["properties"].items() if p.get("secret")}
    assert secrets
    assert sensitive == secrets


@pytest.mark.parametrize("plugin", list(PLUGINS))
def test_version_is_the_distribution_version(plugin: str, abouts: dict[str, dict]) -> None:
    from importlib.metadata import version

    assert abouts[plugin]["version"] == version("directo-dokus-singer")
