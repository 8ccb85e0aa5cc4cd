"""Keep secrets out of anything we print: log lines, error messages, URLs, files.

A server that quotes our request back can hand a secret over in another form than the one we
sent: URL-encoded (a form body, a query), JSON-escaped (a message inside a JSON body), base64
(an `Authorization: Basic` header quoted back). `redact` masks every such form of each secret;
`basic_auth_value` gives the base64 of `user:password`, which no single secret shows.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "***"
MIN_SECRET_LENGTH = 3
_SECRET_PARAM = re.compile(r"(?i)([?&](?:access_token|token|api_key|key|password)=)[^&#\s]*")
_PERCENT = re.compile(r"%[0-9A-F]{2}")


@lru_cache(maxsize=256)
def secret_forms(secret: str) -> frozenset[str]:
    """`secret` as sent and as a server may quote it back (URL-encoded, JSON-escaped, base64)."""
    forms = {secret, base64.b64encode(secret.encode("utf-8")).decode("ascii")}
    for encoded in (quote(secret, safe=""), quote(secret), quote_plus(secret)):
        forms.add(encoded)
        forms.add(_PERCENT.sub(lambda m: m.group().lower(), encoded))
    forms.add(json.dumps(secret)[1:-1])
    forms.add(json.dumps(secret, ensure_ascii=False)[1:-1])
    return frozenset(f for f in forms if len(f) >= MIN_SECRET_LENGTH)


def basic_auth_value(user: str | None, password: str | None) -> str:
    """The base64 of `user:password` that HTTP basic auth sends (UTF-8, as our clients do)."""
    return base64.b64encode(f"{user or ''}:{password or ''}".encode()).decode("ascii")


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every form of every secret (and secret-looking URL parameters) in `text`."""
    forms: set[str] = set()
    for secret in secrets:
        if secret and len(secret) >= MIN_SECRET_LENGTH:
            forms |= secret_forms(secret)
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, MASK)
    return _SECRET_PARAM.sub(rf"\g<1>{MASK}", text)


def secret_values(config: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    """The config values whose settings are marked secret in the plugin's JSON schema."""
    props = schema.get("properties", {})
    return [
        str(config[name])
        for name, spec in props.items()
        if spec.get("secret") and config.get(name) not in (None, "")
    ]
