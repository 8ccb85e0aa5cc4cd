"""Credentials that Directus 6 keeps in its system tables, scrubbed from records.

Besides the `directus_users` columns (left out of the schema, discovery.SECRET_COLUMNS):
- `directus_activity.data` / `.delta` hold, for a change to a user, the whole row as JSON:
  password hash, salt and API token included. Those keys are removed from the JSON text.
- `directus_settings` holds settings as rows (`name`, `value`); the value of one whose name
  says it is a key, secret, token or password (e.g. `youtube_api_key`) is emitted as null.
"""

from __future__ import annotations

import json
import re
from typing import Any

USER_SECRET_KEYS = {"token", "access_token", "reset_token", "invite_token", "password", "salt"}
SECRET_SETTING = re.compile(r"(key|secret|token|password)$", re.IGNORECASE)
SCRUBBED_TABLES = ("directus_activity", "directus_settings")


def scrub(table: str, record: dict[str, Any]) -> dict[str, Any]:
    """The record without the credentials its system table may carry."""
    if table == "directus_settings" and SECRET_SETTING.search(str(record.get("name") or "")):
        if "value" in record:
            record["value"] = None
    elif table == "directus_activity" and record.get("table_name") == "directus_users":
        for column in ("data", "delta"):
            record[column] = _without_user_secrets(record.get(column))
    return record


def _without_user_secrets(text: Any) -> Any:
    if not isinstance(text, str) or not text.strip().startswith("{"):
        return text
    try:
        data = json.loads(text)
    except ValueError:
        return None  # unreadable: it may hold anything, so nothing of it leaves
    if not isinstance(data, dict):
        return text
    return json.dumps({k: v for k, v in data.items() if k not in USER_SECRET_KEYS})
