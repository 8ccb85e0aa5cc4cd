"""Parse the ISO 8601 dates and date-times the APIs and our settings use (zone optional: UTC)."""

from __future__ import annotations

import re
from datetime import datetime, timezone

_INSTANT = re.compile(
    r"^\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?"
    r"(?:Z|[+-]\d{2}:?\d{2})?$"
)


def parse_instant(text: str) -> datetime | None:
    """A date or date-time as an aware datetime (naive means UTC), or None if malformed.

    Accepts `2025-11-01`, `2025-09-01T00:00:00`, `2025-10-01T08:11:05.129Z`, `...+0200`.
    """
    value = text.strip()
    if not _INSTANT.match(value):
        return None
    value = value.replace(" ", "T")
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    elif re.search(r"[+-]\d{4}$", value):
        value = f"{value[:-2]}:{value[-2:]}"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
