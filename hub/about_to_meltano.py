"""Turn a plugin's `--about --format json` into Meltano settings, so definitions never drift.

`python -m hub.about_to_meltano` rewrites the Meltano Hub definitions `hub/<plugin>.yml` and
the `capabilities`/`settings` of the three custom plugins in meltano.yml (everything else there
is kept); tests/e2e/test_plugin_definitions.py checks both against `--about`.
"""

from __future__ import annotations

import json
import subprocess
import sys
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
        "keywords": ["erp", "meltano_sdk"],
    },
    "tap-directus": {
        "type": "extractors",
        "label": "Directus 6 (API 1.1)",
        "description": "Every table of a Directus 6 instance, discovered from its API",
        "domain_url": "https://directus.io",
        "keywords": ["cms", "database", "meltano_sdk"],
        # a token, or an e-mail and password exchanged for one
        "settings_group_validation": [["base_url", "token"], ["base_url", "email", "password"]],
    },
    "target-dokus": {
        "type": "loaders",
        "label": "Dokus",
        "description": "Customers, products and draft invoices upserted into Dokus",
        "domain_url": "https://dokus.no",
        "keywords": ["invoicing", "meltano_sdk"],
        # the organisation's subdomain, or a base_url that wins over it
        "settings_group_validation": [
            ["subdomain", "email", "password"],
            ["base_url", "email", "password"],
        ],
    },
}
VARIANT = DISTRIBUTION_NAME


def about(plugin: str) -> dict[str, Any]:
    """The plugin's own `--about --format json`, from the console script beside this Python."""
    exe = Path(sys.executable).with_name(plugin)
    out = subprocess.run(
        [str(exe), "--about", "--format", "json"], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def _kind(prop: dict[str, Any]) -> str:
    types = prop.get("type", "string")
    types = [t for t in ([types] if isinstance(types, str) else types) if t != "null"]
    first = types[0] if types else "string"
    if "enum" in prop:
        return "options"
    if first == "string" and prop.get("format") == "date-time":
        return "date_iso8601"
    return {
        "integer": "integer",
        "number": "decimal",
        "boolean": "boolean",
        "object": "object",
        "array": "array",
    }.get(first, "string")


def settings_from_about(info: dict[str, Any]) -> list[dict[str, Any]]:
    """Meltano `settings` entries for every property of the plugin's config JSON schema."""
    settings = []
    for name, prop in info["settings"].get("properties", {}).items():
        setting: dict[str, Any] = {
            "name": name,
            "label": prop.get("title") or name.replace("_", " ").title(),
            "kind": _kind(prop),
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


def hub_definition(plugin: str, info: dict[str, Any]) -> dict[str, Any]:
    meta = PLUGINS[plugin]
    definition: dict[str, Any] = {
        "name": plugin,
        "variant": VARIANT,
        "namespace": plugin.replace("-", "_"),
        "pip_url": VARIANT,  # the distribution that ships all three plugins
        "executable": plugin,
        "label": meta["label"],
        "description": meta["description"],
        "domain_url": meta["domain_url"],
        "keywords": meta["keywords"],
        "maintenance_status": "active",
        **plugin_entry_fields(plugin, info),
    }
    return definition


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
        path = HUB_DIR / f"{plugin}.yml"
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
