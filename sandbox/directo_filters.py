"""The ERP filter language of the Directo doc, evaluated on the emulator's records.

How the doc's spellings are read (the query arrives through parse_qsl, split at the first `=`):
- `field=value` equality; `field=A,B,C` is OR; a repeated parameter is AND (ranges).
- Operators at the start of the value: `field=>v`, `field=<v`, `field=>=v`, `field=<=v`, and
  not-equal `field=!v` (Quick Reference `country=!EE`, table `number=!001`).
- Operators written before the `=` arrive in the key: `field!=v` (key `field!`) is not-equal,
  `ts>=v` (key `ts>`) is >=, `weight<=v` (key `weight<`) is <=.
- `!` with a comma list means "none of them".
- `row_*` fields match a document when ANY of its lines matches.
- A key naming a custom datafield code (`IS_WEIGHT=1`) compares that datafield's content.
- Calculated fields give 400; unknown or misspelled keys (case-sensitive) are ignored.
- Date values may omit the time or the zone (`date=>2025-11-01`); without a zone they are UTC.
- `ts=VALUE` with no operator: `ts_equals="since"` (default) reads it as ts >= VALUE, the doc's
  "retrieve records modified after a specific timestamp"; `ts_equals="exact"` as plain equality.
- `name=Kalev` ("Name search"): exact by default; `name_search="contains"` matches a
  case-insensitive substring.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connector_common.instants import parse_instant
from sandbox.directo_resources import ROW_FIELDS, DirectoResource, is_calculated

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt,
    "<": operator.lt,
    ">=": operator.ge,
    "<=": operator.le,
}


class FilterError(Exception):
    """A filter the API rejects with 400; `code` is the error JSON's code."""

    def __init__(self, code: str, message: str, details: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


@dataclass(frozen=True)
class Condition:
    """One query parameter, parsed: `op` is "=", "!", ">", "<", ">=", "<=" or "contains"."""

    field: str
    op: str
    values: tuple[Any, ...]
    scope: str  # "field", "row" or "datafield"
    ftype: str

    def test_value(self, raw: Any) -> bool:
        if self.op == "!":
            return raw is None or _convert(raw, self.ftype) not in self.values
        if raw is None:
            return False
        if self.op == "contains":
            return self.values[0] in str(raw).lower()
        value = _convert(raw, self.ftype)
        if value is None:
            return False
        if self.op == "=":
            return value in self.values
        try:
            return _COMPARE[self.op](value, self.values[0])
        except TypeError:
            return False

    def matches(self, record: dict[str, Any]) -> bool:
        if self.scope == "field":
            return self.test_value(record.get(self.field))
        if self.scope == "row":
            return any(self.test_value(row.get(self.field)) for row in record.get("rows") or ())
        content = next(
            (d.get("content") for d in record.get("datafields") or () if d["code"] == self.field),
            None,
        )
        return self.test_value(content)


def _convert(raw: Any, ftype: str) -> Any:
    if ftype == "datetime":
        return raw if isinstance(raw, datetime) else parse_instant(str(raw))
    if ftype in ("number", "integer"):
        try:
            return float(raw)
        except (TypeError, ValueError):
            return None
    return str(raw)


def _parse_value(name: str, text: str, ftype: str) -> Any:
    if ftype == "datetime":
        moment = parse_instant(text)
        if moment is None:
            raise FilterError(
                "INVALID_DATE_FORMAT",
                f"Malformed date in filter '{name}': '{text}'",
                "Use ISO 8601, e.g. 2025-11-20T07:30:00Z",
            )
        return moment
    if ftype in ("number", "integer"):
        try:
            return float(text)
        except ValueError:
            raise FilterError(
                "INVALID_FILTER",
                f"Invalid value for numeric filter '{name}': '{text}'",
                "Use a number, optionally after an operator such as >, <, >=, <=",
            ) from None
    return text


def split_operator(key: str, value: str) -> tuple[str, str, str]:
    """(field, op, operand) of one query parameter as parse_qsl delivers it."""
    if key.endswith("!"):
        return key[:-1], "!", value
    if key.endswith(">"):
        return key[:-1], ">=", value
    if key.endswith("<"):
        return key[:-1], "<=", value
    for op in (">=", "<=", ">", "<", "!"):
        if value.startswith(op):
            return key, op, value[len(op) :]
    return key, "=", value


def parse_conditions(
    resource: DirectoResource,
    query: list[tuple[str, str]],
    *,
    ts_equals: str = "since",
    name_search: str = "exact",
) -> list[Condition]:
    """The filters of one request; raises FilterError for what the API rejects."""
    conditions = []
    for key, value in query:
        name, op, operand = split_operator(key, value)
        if is_calculated(name):
            raise FilterError(
                "CALCULATED_FIELD",
                f"Field '{name}' is calculated and cannot be used as a filter",
                "Filter by the stored fields it is calculated from",
            )
        if name in resource.fields:
            scope, ftype = "field", resource.fields[name]
        elif resource.has_rows and name in ROW_FIELDS:
            scope, ftype = "row", ROW_FIELDS[name]
        elif name in resource.datafield_codes:
            scope, ftype = "datafield", "string"
        else:
            continue  # misspelled or unknown: ignored, as the doc warns
        if name == "ts" and op == "=" and ts_equals == "since":
            op = ">="
        if name == "name" and op == "=" and name_search == "contains":
            conditions.append(Condition(name, "contains", (operand.lower(),), scope, ftype))
            continue
        if op in ("=", "!"):
            values = tuple(_parse_value(name, part, ftype) for part in operand.split(","))
        else:
            values = (_parse_value(name, operand, ftype),)
        conditions.append(Condition(name, op, values, scope, ftype))
    return conditions


def matches_all(record: dict[str, Any], conditions: list[Condition]) -> bool:
    return all(c.matches(record) for c in conditions)
