"""meltano.yml and the Meltano Hub definitions stay in step with each plugin's --about,
and the definitions pass Meltano Hub's own checks (its schema and yamllint config, vendored)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "hub"))
from about_to_meltano import (
    HUB_DIR,
    MELTANO_YML,
    PLUGINS,
    about,
    definition_path,
    hub_definition,
    pip_url,
    plugin_entry_fields,
    repository_url,
    variant,
)

HUB_SCHEMA = HUB_DIR / "hub_schema"


@pytest.fixture(scope="module")
def abouts() -> dict[str, dict]:
    return {plugin: about(plugin) for plugin in PLUGINS}


@pytest.mark.parametrize("plugin", list(PLUGINS))
def test_hub_definition_matches_about(plugin: str, abouts: dict[str, dict]) -> None:
    path = definition_path(plugin)
    on_disk = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert on_disk == hub_definition(plugin, abouts[plugin]), (
        f"{path.relative_to(HUB_DIR.parent)} is stale: run `python -m hub.about_to_meltano`"
    )


def _hub_validator(plugin_type: str) -> Draft7Validator:
    """Hub's plugin_schema_validate.py: Draft 7, every common and definition schema by $id."""
    resources = []
    for source in sorted(HUB_SCHEMA.glob("*/*.schema.json")):
        schema = json.loads(source.read_text(encoding="utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema, DRAFT7)))
    schema = json.loads(
        (HUB_SCHEMA / "plugin_definitions" / f"{plugin_type}.schema.json").read_text("utf-8")
    )
    return Draft7Validator(schema, registry=Registry().with_resources(resources))


def test_only_generated_definitions_in_hub_layout() -> None:
    files = {p.relative_to(HUB_DIR) for p in HUB_DIR.glob("*/*/*.yml")}
    expected = {definition_path(p).relative_to(HUB_DIR) for p in PLUGINS}
    assert files == expected


@pytest.mark.parametrize("plugin", list(PLUGINS))
def test_definition_passes_hub_schema(plugin: str) -> None:
    path = definition_path(plugin)
    definition = yaml.safe_load(path.read_text(encoding="utf-8"))
    errors = sorted(
        _hub_validator(PLUGINS[plugin]["type"]).iter_errors(definition), key=lambda e: e.path
    )
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
    # Hub's yaml_check_names.py: the name is the folder's
    assert definition["name"] == path.parent.name
    assert path.stem == definition["variant"] == variant()


def test_definitions_pass_hub_yamllint() -> None:
    paths = [str(definition_path(p)) for p in PLUGINS]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "yamllint",
            "-f",
            "parsable",
            "-c",
            str(HUB_SCHEMA / "yamllint.yaml"),
            *paths,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hub_lint_would_catch_unsorted_keys(tmp_path: Path) -> None:
    """The lint is live: the same config refuses a definition whose keys are out of order."""
    bad = tmp_path / "bad.yml"
    bad.write_text("name: tap-x\nlabel: X\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "yamllint", "-c", str(HUB_SCHEMA / "yamllint.yaml"), str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "key-ordering" in result.stdout


@pytest.mark.parametrize("plugin", list(PLUGINS))
def test_hub_definition_follows_hub_conventions(plugin: str, abouts: dict[str, dict]) -> None:
    definition = yaml.safe_load(definition_path(plugin).read_text(encoding="utf-8"))
    settings = {s["name"]: s for s in definition["settings"]}
    secrets = {n for n, p in abouts[plugin]["settings"]["properties"].items() if p.get("secret")}
    assert {n for n, s in settings.items() if s["kind"] == "password"} == secrets
    assert all(settings[n].get("sensitive") for n in secrets)
    # objects with properties are split into dotted settings, as Hub does
    properties = abouts[plugin]["settings"]["properties"]
    assert "batch_config" not in settings
    for name in properties["faker_config"]["properties"]:
        assert f"faker_config.{name}" in settings
    if "batch_config" in properties:
        assert settings["batch_config.encoding.format"]["kind"] == "options"
    assert settings["stream_maps"]["kind"] == "object"
    assert definition["supported_python_versions"] == abouts[plugin]["supported_python_versions"]
    assert definition["pip_url"] == f"git+{definition['repo']}.git"
    assert definition["repo"].split("/")[-2].lower() == definition["variant"]


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


def test_pip_url_form_installs_the_three_plugins(tmp_path: Path) -> None:
    """`pip install git+<repo>.git` gives all three executables; GitHub is out of reach here,
    so the same git+ form points at this clone (its committed HEAD)."""
    root = HUB_DIR.parent
    assert pip_url() == f"git+{repository_url()}.git"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(tmp_path),
            f"git+file://{root}",
        ],
        check=True,
        capture_output=True,
    )
    installed = {p.name for p in (tmp_path / "bin").iterdir()}
    assert installed >= set(PLUGINS)
