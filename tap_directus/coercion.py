"""Directus column types -> JSON Schema, and API values -> values of that schema.

Directus 6 serves many numbers as JSON strings. A plain DATETIME comes as stored,
"YYYY-MM-DD HH:MM:SS": the database's own time, which Directus treats as UTC. Update and create
columns (interfaces `date_modified`, `date_created`) and every DATETIME of a system table come as
ISO 8601 with the *token user's* offset (`2024-12-31T20:00:00-05:00` for a stored
`2025-01-01 01:00:00`). Either way the tap emits the UTC instant
(`2025-01-01T01:00:00+00:00`), so values, bookmarks and comparisons never depend on who asked.
Records must carry the schema's types, so every value is coerced here. DECIMAL is parsed with
`Decimal` (never float) so money keeps every digit.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from connector_common.instants import parse_instant

LOGGER = logging.getLogger("tap-directus")

INTEGER_TYPES = {"INT", "INTEGER", "TINYINT", "SMALLINT", "MEDIUMINT", "BIGINT"}
NUMBER_TYPES = {"DECIMAL", "NUMERIC", "FLOAT", "DOUBLE", "REAL"}
STRING_TYPES = {
    "CHAR", "VARCHAR", "TINYTEXT", "TEXT", "MEDIUMTEXT", "LONGTEXT", "ENUM", "TIME",
}  # fmt: skip
DATE_TYPES = {"DATE"}
# Served base64-encoded by a real Directus 6 (and a NULL BLOB as ""): emitted as that text.
BLOB_TYPES = {"TINYBLOB", "BLOB", "MEDIUMBLOB", "LONGBLOB"}
DATETIME_TYPES = {"DATETIME", "TIMESTAMP"}
ZERO_DATES = {"0000-00-00", "0000-00-00 00:00:00"}
_SIZE = re.compile(r"\(.*\)|\s+UNSIGNED|\s+ZEROFILL", re.IGNORECASE)


def normalise_type(directus_type: str | None) -> str:
    """`int(11) unsigned` / `varchar` -> `INT` / `VARCHAR`."""
    return _SIZE.sub("", str(directus_type or "")).strip().upper()


def json_schema_for(directus_type: str | None, nullable: bool, where: str = "") -> dict[str, Any]:
    """The JSON Schema of one column; unknown types become strings, with a warning."""
    kind = normalise_type(directus_type)
    schema: dict[str, Any]
    if kind in INTEGER_TYPES:
        schema = {"type": ["integer"]}
    elif kind in NUMBER_TYPES:
        schema = {"type": ["number"]}
    elif kind in DATE_TYPES:
        schema = {"type": ["string"], "format": "date"}
    elif kind in DATETIME_TYPES:
        schema = {"type": ["string"], "format": "date-time"}
    elif kind in STRING_TYPES:
        schema = {"type": ["string"]}
    elif kind in BLOB_TYPES:
        schema = {"type": ["string"], "contentEncoding": "base64"}
    else:
        LOGGER.warning(
            "Column %s has Directus type %r, which tap-directus does not know; "
            "its values are emitted as strings.",
            where or "?",
            directus_type,
        )
        schema = {"type": ["string"]}
    if nullable:
        schema["type"].append("null")
    return schema


def coerce(value: Any, schema: dict[str, Any]) -> Any:
    """Turn one API value into the type `schema` declares (strings -> numbers, dates -> ISO)."""
    if value is None:
        return None
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else types
    if "integer" in types:
        return _to_integer(value)
    if "number" in types:
        return _to_number(value)
    if "string" in types:
        if isinstance(value, dict | list):
            return None if not value else str(value)
        text = value if isinstance(value, str) else str(value)
        fmt = schema.get("format")
        if fmt == "date-time":
            return to_iso_datetime(text)
        if fmt == "date":
            return None if text in ZERO_DATES else text[:10]
        return text
    return value


def _to_integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and not value.strip():
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not an integer: {value!r}") from exc
    if number != number.to_integral_value():
        raise ValueError(f"not an integer: {value!r}")
    return int(number)


def _to_number(value: Any) -> Decimal | int | float | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | Decimal | float):
        return value
    if isinstance(value, str) and not value.strip():
        return None
    try:
        return Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {value!r}") from exc


def to_instant(value: Any) -> dt.datetime | None:
    """A Directus date-time as an aware UTC datetime: an offset is honoured, no zone means UTC.

    None for NULL and zero dates (`0000-00-00 00:00:00`, which Directus' ISO conversion turns
    into a year -0001 value); ValueError for anything else that is not a date-time.
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text or text in ZERO_DATES or text.startswith(("-", "0000-")):
        return None
    moment = parse_instant(text)
    if moment is None:
        raise ValueError(f"not a date-time: {text!r}")
    return moment.astimezone(dt.timezone.utc)


def iso_utc(moment: dt.datetime) -> str:
    """`2025-01-01T01:00:00+00:00`: one fixed form, so equal instants are equal text."""
    return moment.astimezone(dt.timezone.utc).isoformat()


def to_iso_datetime(text: str) -> str | None:
    """`2024-12-31T20:00:00-05:00` or `2025-01-01 01:00:00` -> `2025-01-01T01:00:00+00:00`."""
    moment = to_instant(text)
    return None if moment is None else iso_utc(moment)


def to_directus_datetime(moment: dt.datetime) -> str:
    """A moment as `2024-03-01 08:00:00` in UTC: the database's own time, which MySQL compares
    `filters[...]` values with as text (an offset in a filter value is cut off, not applied)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    return f"{text}.{moment.microsecond:06d}" if moment.microsecond else text
