"""Turn a plugin's `--about --format json` into Meltano settings, so definitions never drift.

`python -m hub.about_to_meltano` rewrites the Meltano Hub definitions
`hub/<type>/<plugin>/<variant>.yml` (Hub's layout, keys and settings in Hub's order, secrets as
`kind: password`, object settings split into dotted names as Hub does) and the
`capabilities`/`settings` of the three custom plugins in meltano.yml (everything else there is
kept); tests/e2e/test_plugin_definitions.py checks both against `--about` and runs Hub's own
schema and yamllint config (vendored in hub/hub_schema/) on the definitions.
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import metadata
from pathlib import Path
from typing import Any

import yaml

from connector_common import DISTRIBUTION_NAME

HUB_DIR = Path(__file__).resolve().parent
MELTANO_YML = HUB_DIR.parent / "meltano.yml"
MELTANO_HEADER = (
    "# Meltano project for tap-directo, tap-directus and target-dokus (see README.md).\n"
    "# The capabilities and settings of the three plugins come from their --about output:\n"
    "# regenerate them with `python -m hub.about_to_meltano` after changing a plugin's settings.\n"
)
PLUGINS = {
    "tap-directo": {
        "type": "extractors",
        "label": "Directo ERP",
        "description": "Directo ERP items, customers, orders, invoices, stock and deletions",
        "domain_url": "https://directo.ee",
        "logo": "directo.png",
        "keywords": ["erp", "meltano_sdk"],
    },
    "tap-directus": {
        "type": "extractors",
        "label": "Directus 6 (API 1.1)",
        "description": "Every table of a Directus 6 instance, discovered from its API",
        "domain_url": "https://directus.io",
        "logo": "directus.png",
        "keywords": ["cms", "database", "meltano_sdk"],
        # a token, or an e-mail and password exchanged for one
        "settings_group_validation": [["base_url", "token"], ["base_url", "email", "password"]],
    },
    "target-dokus": {
        "type": "loaders",
        "label": "Dokus",
        "description": "Customers, products and draft invoices upserted into Dokus",
        "domain_url": "https://dokus.no",
        "logo": "dokus.png",
        "keywords": ["invoicing", "meltano_sdk"],
        # the organisation's subdomain, or a base_url that wins over it
        "settings_group_validation": [
            ["subdomain", "email", "password"],
            ["base_url", "email", "password"],
        ],
    },
}


def repository_url() -> str:
    """The repository the distribution declares (`[project.urls] Repository` in pyproject.toml)."""
    for entry in metadata(DISTRIBUTION_NAME).get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "repository":
            return url.strip()
    msg = "pyproject.toml declares no [project.urls] Repository"
    raise LookupError(msg)


def variant() -> str:
    """Hub names a variant after the repository's owner (e.g. `meltanolabs`)."""
    return repository_url().rstrip("/").split("/")[-2].lower()


def pip_url() -> str:
    """What `pip install` accepts for this repository: all three plugins ship in one wheel."""
    return f"git+{repository_url()}.git"


def definition_path(plugin: str) -> Path:
    """Hub's own layout, `<type>/<name>/<variant>.yml`, so the files drop into `_data/meltano/`."""
    return HUB_DIR / PLUGINS[plugin]["type"] / plugin / f"{variant()}.yml"


def about(plugin: str) -> dict[str, Any]:
    """The plugin's own `--about --format json`, from the console script beside this Python."""
    exe = Path(sys.executable).with_name(plugin)
    out = subprocess.run(
        [str(exe), "--about", "--format", "json"], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def _types(prop: dict[str, Any]) -> list[str]:
    """The non-null JSON types of a property, `oneOf` alternatives included."""
    found: list[str] = []
    for schema in [prop, *prop.get("oneOf", [])]:
        types = schema.get("type", [])
        for t in [types] if isinstance(types, str) else types:
            if t != "null" and t not in found:
                found.append(t)
    return found


def _kind(prop: dict[str, Any], *, hub: bool) -> str:
    if prop.get("secret"):
        # Hub spells a secret `kind: password`; Meltano 4 deprecates that kind in a project
        # (`string` + `sensitive: true`, which both files also carry)
        return "password" if hub else "string"
    if "enum" in prop:
        return "options"
    types = _types(prop)
    if len(types) != 1:
        # faker_config.locale: a string or a list of them; faker_config.seed: any scalar
        return "array" if "array" in types else "string"
    if types[0] == "string" and prop.get("format") in ("date-time", "date"):
        return "date_iso8601"
    return {
        "integer": "integer",
        "number": "decimal",
        "boolean": "boolean",
        "object": "object",
        "array": "array",
    }.get(types[0], "string")


def _flat_properties(schema: dict[str, Any], prefix: str = "") -> list[tuple[str, dict]]:
    """(dotted name, property) for each leaf setting, as Hub splits objects with `properties`.

    `stream_maps` stays one object setting: its keys are stream names, not settings.
    """
    flat = []
    for name, prop in schema.get("properties", {}).items():
        if prop.get("properties") and name != "stream_maps":
            flat.extend(_flat_properties(prop, f"{prefix}{name}."))
        else:
            flat.append((f"{prefix}{name}", prop))
    return flat


def settings_from_about(info: dict[str, Any], *, hub: bool = False) -> list[dict[str, Any]]:
    """Meltano `settings` entries for every leaf of the plugin's config JSON schema."""
    settings = []
    for name, prop in _flat_properties(info["settings"]):
        label = name.rsplit(".", 1)[-1].replace("_", " ").title()
        setting: dict[str, Any] = {
            "name": name,
            "label": prop.get("title") or label,
            "kind": _kind(prop, hub=hub),
            "description": prop.get("description", ""),
        }
        if "default" in prop:
            setting["value"] = prop["default"]
        if prop.get("secret"):
            setting["sensitive"] = True
        if "enum" in prop:
            setting["options"] = [{"label": str(v), "value": v} for v in prop["enum"]]
        settings.append(setting)
    return settings


def _sorted_keys(value: Any) -> Any:
    """Hub's yamllint wants every mapping's keys in alphabetical order."""
    if isinstance(value, dict):
        return {key: _sorted_keys(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted_keys(item) for item in value]
    return value


def hub_definition(plugin: str, info: dict[str, Any]) -> dict[str, Any]:
    """The Hub entry: Hub's required and customary fields, settings sorted by name as Hub does."""
    meta = PLUGINS[plugin]
    fields = plugin_entry_fields(plugin, info)
    definition: dict[str, Any] = {
        "name": plugin,
        "variant": variant(),
        "namespace": plugin.replace("-", "_"),
        "pip_url": pip_url(),
        "repo": repository_url(),
        "docs": f"{repository_url()}#{plugin}",
        "executable": plugin,
        "label": meta["label"],
        "description": meta["description"],
        "domain_url": meta["domain_url"],
        # the image goes into Hub's static/assets/logos/ with the pull request that adds the entry
        "logo_url": f"/assets/logos/{meta['type']}/{meta['logo']}",
        "keywords": meta["keywords"],
        "maintenance_status": "active",
        # Hub's rating for a community variant built on the SDK with no recorded usage yet
        "quality": "silver",
        "supported_python_versions": info["supported_python_versions"],
        "capabilities": fields["capabilities"],
        "settings": sorted(settings_from_about(info, hub=True), key=lambda s: s["name"]),
    }
    if "settings_group_validation" in fields:
        definition["settings_group_validation"] = [
            sorted(group) for group in fields["settings_group_validation"]
        ]
    return _sorted_keys(definition)


def plugin_entry_fields(plugin: str, info: dict[str, Any]) -> dict[str, Any]:
    """What meltano.yml declares of a custom plugin that its --about already says.

    `settings_group_validation` lists the alternative sets of settings that make a valid
    config: the JSON schema's `required`, unless the plugin accepts alternatives (PLUGINS).
    """
    fields: dict[str, Any] = {
        "capabilities": sorted(info["capabilities"]),
        "settings": settings_from_about(info),
    }
    required = info["settings"].get("required", [])
    groups = PLUGINS[plugin].get("settings_group_validation") or (
        [sorted(required)] if required else []
    )
    for group in groups:
        missing = set(required) - set(group)
        if missing:
            msg = f"{plugin}: settings group {group} lacks required {sorted(missing)}"
            raise ValueError(msg)
    if groups:
        fields["settings_group_validation"] = groups
    return fields


def update_meltano_yml(abouts: dict[str, dict[str, Any]]) -> None:
    project = yaml.safe_load(MELTANO_YML.read_text(encoding="utf-8"))
    for entries in project["plugins"].values():
        for entry in entries:
            if entry["name"] in abouts:
                entry.update(plugin_entry_fields(entry["name"], abouts[entry["name"]]))
    text = yaml.safe_dump(project, sort_keys=False, allow_unicode=True, width=100)
    MELTANO_YML.write_text(MELTANO_HEADER + text, encoding="utf-8")


def main() -> int:
    abouts = {plugin: about(plugin) for plugin in PLUGINS}
    for plugin, info in abouts.items():
        path = definition_path(plugin)
        path.parent.mkdir(parents=True, exist_ok=True)
        for stale in path.parent.glob("*.yml"):
            stale.unlink()  # a variant renamed with the repository's owner
        text = yaml.safe_dump(
            hub_definition(plugin, info), sort_keys=False, allow_unicode=True, width=100
        )
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(HUB_DIR.parent)}")
    update_meltano_yml(abouts)
    print("updated meltano.yml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
