"""Keep secrets out of anything we print: log lines, error messages, URLs."""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"
_SECRET_PARAM = re.compile(r"(?i)([?&](?:access_token|token|api_key|key|password)=)[^&#\s]*")


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every secret value (and secret-looking URL parameters) in `text`."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        if len(secret) >= 3:
            text = text.replace(secret, MASK)
    return _SECRET_PARAM.sub(rf"\g<1>{MASK}", text)


def secret_values(config: dict, schema: dict) -> list[str]:
    """The config values whose settings are marked secret in the plugin's JSON schema."""
    props = schema.get("properties", {})
    return [
        str(config[name])
        for name, spec in props.items()
        if spec.get("secret") and config.get(name) not in (None, "")
    ]
