"""Directus column types -> JSON Schema, and API values -> values of that schema.

Directus 6 serves many numbers as JSON strings and DATETIME as "YYYY-MM-DD HH:MM:SS" without a
zone; records must carry the schema's types, so every value is coerced here. DECIMAL is parsed
with `Decimal` (never float) so money keeps every digit.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from decimal import Decimal, InvalidOperation
from typing import Any

LOGGER = logging.getLogger("tap-directus")

INTEGER_TYPES = {"INT", "INTEGER", "TINYINT", "SMALLINT", "MEDIUMINT", "BIGINT"}
NUMBER_TYPES = {"DECIMAL", "NUMERIC", "FLOAT", "DOUBLE", "REAL"}
STRING_TYPES = {
    "CHAR", "VARCHAR", "TINYTEXT", "TEXT", "MEDIUMTEXT", "LONGTEXT", "ENUM", "TIME",
}  # fmt: skip
DATE_TYPES = {"DATE"}
DATETIME_TYPES = {"DATETIME", "TIMESTAMP"}
ZERO_DATES = {"0000-00-00", "0000-00-00 00:00:00"}
_SIZE = re.compile(r"\(.*\)|\s+UNSIGNED|\s+ZEROFILL", re.IGNORECASE)


def normalise_type(directus_type: str | None) -> str:
    """`int(11) unsigned` / `varchar` -> `INT` / `VARCHAR`."""
    return _SIZE.sub("", str(directus_type or "")).strip().upper()


def json_schema_for(directus_type: str | None, nullable: bool, where: str = "") -> dict:
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


def coerce(value: Any, schema: dict) -> Any:
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


def to_iso_datetime(text: str) -> str | None:
    """`2024-03-01 08:00:00` -> `2024-03-01T08:00:00+00:00` (Directus DATETIME has no zone)."""
    if text in ZERO_DATES:
        return None
    iso = text.replace(" ", "T", 1)
    if len(iso) == 10:
        iso += "T00:00:00"
    if iso.endswith("Z"):
        iso = iso[:-1] + "+00:00"
    if not re.search(r"[+-]\d\d:?\d\d$", iso):
        iso += "+00:00"
    return iso


def to_directus_datetime(moment: dt.datetime) -> str:
    """A moment as `2024-03-01 08:00:00` in UTC, the form Directus filters compare with."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%d %H:%M:%S")
