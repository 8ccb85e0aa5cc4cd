"""One-line, actionable config errors that never echo a secret.

singer-sdk prints each entry of `ConfigValidationError.errors` on its own line and exits 1;
its JSON-schema messages quote the offending value, so secrets are masked first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from singer_sdk.exceptions import ConfigValidationError

from connector_common.redaction import redact, secret_values

if TYPE_CHECKING:  # a mixin: the type checker sees the plugin class it is mixed into
    from singer_sdk.plugin_base import PluginBase as _Plugin
else:
    _Plugin = object


class ValidatedConfigMixin(_Plugin):
    """Mix into a Tap/Target: run `config_checks()` after singer-sdk's schema validation."""

    def config_checks(self) -> list[str]:
        """Return one line per invalid setting; override in the plugin."""
        return []

    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        # An explicit null (`timeout:` left empty in meltano.yml) means "unset": drop it, so
        # the schema's default fills it like a missing setting (the code would crash on None).
        config: dict[str, Any] = self._config
        for name, spec in self.config_jsonschema.get("properties", {}).items():
            if name in config and config[name] is None and "default" in spec:
                del config[name]
        secrets = secret_values(dict(self.config), self.config_jsonschema)
        try:
            errors = super()._validate_config(raise_errors=False)
        except ConfigValidationError as exc:  # pragma: no cover - raise_errors=False
            errors = exc.errors
        if not errors:
            errors = self.config_checks()
        errors = [redact(e, secrets) for e in errors]
        if errors and raise_errors:
            raise ConfigValidationError("Config validation failed", errors=errors)
        return errors
