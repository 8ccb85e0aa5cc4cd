"""Unknown settings: a misspelt key (`api_kee`, `emit_deletd_records`) is never accepted silently.

Each plugin mixes in `UnknownSettingsMixin` (before `ValidatedConfigMixin`): every key of the
config that no setting of the plugin (its own, singer-sdk's built-in ones, or one singer-sdk
reads without declaring it) knows is logged in one line naming it and the closest known
setting; with `strict_settings: true` those lines are config errors and the plugin refuses to
start. `strict_settings` itself is added to each plugin's settings (so `--about` and Meltano
list it).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError

# Read by singer-sdk from the config although its settings schema does not declare them.
SDK_READ_SETTINGS = frozenset(
    {"emit_activate_version_messages", "process_activate_version_messages", "user_agent"}
)
STRICT_SETTINGS = th.Property(
    "strict_settings",
    th.BooleanType,
    default=False,
    description="Refuse to start when the config holds a setting this plugin does not know "
    "(a typo such as `api_kee`); off: such a setting is only warned about.",
)


def closest(name: str, known: Iterable[str]) -> str:
    """The known setting nearest to `name` (by spelling)."""
    candidates = sorted(known)
    match = difflib.get_close_matches(name, candidates, n=1, cutoff=0.0)
    return match[0] if match else ""


def unknown_setting_lines(config: Mapping[str, Any], known: Iterable[str]) -> list[str]:
    """One line per key of `config` that `known` does not hold."""
    known = set(known)
    return [
        f"unknown setting '{name}' (closest known setting: '{closest(name, known)}'); "
        "it is ignored (set `strict_settings: true` to refuse to start instead)"
        for name in config
        if name not in known
    ]


if TYPE_CHECKING:  # a mixin: the type checker sees the plugin class it is mixed into
    from singer_sdk.plugin_base import PluginBase as _Plugin
else:
    _Plugin = object


class UnknownSettingsMixin(_Plugin):
    """Mix into a Tap/Target before ValidatedConfigMixin: warn about (or, strict, refuse)
    settings the plugin does not know."""

    @classmethod
    def append_builtin_config(cls, config_jsonschema: dict[str, Any]) -> None:
        super().append_builtin_config(config_jsonschema)
        config_jsonschema.setdefault("properties", {}).setdefault(
            "strict_settings", STRICT_SETTINGS.to_dict()["strict_settings"]
        )

    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        errors = super()._validate_config(raise_errors=False)
        schema = self.config_jsonschema
        self.append_builtin_config(schema)
        lines = unknown_setting_lines(self._config, {*schema["properties"], *SDK_READ_SETTINGS})
        if self._config.get("strict_settings") is True:
            errors = [*errors, *(f"strict_settings: {line.split(';')[0]}" for line in lines)]
        else:
            for line in lines:
                self.logger.warning("%s", line[0].upper() + line[1:])
        if errors and raise_errors:
            raise ConfigValidationError("Config validation failed", errors=errors)
        return errors
