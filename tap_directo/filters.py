"""The `filters` setting -> Directo query parameters, exactly as directo-api.md writes them.

A spec maps a field to a value string, or to a list of strings for repeated parameters (AND):
`{"date": [">=2025-09-01T00:00:00", "<2025-09-03T00:00:00"]}` gives
`date=%3E%3D2025-09-01T00%3A00%3A00&date=%3C2025-09-03T00%3A00%3A00`. Operators lead the value
(`>`, `<`, `>=`, `<=`, `!`); not-equal may also be written as in the URL, `{"country!": "EE"}`
-> `country!=EE`. Comma lists (OR) pass through unchanged. Values are URL-encoded (the doc: "always
URL-encode filter values"); commas and the `!` of a key stay literal, as the doc writes them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from connector_common.instants import parse_instant

OPERATORS = (">=", "<=", ">", "<", "!")
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*!?$")


def build_filter_params(spec: Mapping[str, str | list[str]] | None) -> list[tuple[str, str]]:
    """Query parameters (key, value) in spec order; a list value repeats the parameter."""
    params: list[tuple[str, str]] = []
    for field, value in (spec or {}).items():
        values = value if isinstance(value, list) else [value]
        params.extend((field, str(v)) for v in values)
    return params


def encode_query(params: Iterable[tuple[str, str]]) -> str:
    """`k=v&...` with values fully URL-encoded except commas (OR lists)."""
    return "&".join(f"{quote(k, safe='!')}={quote(v, safe=',')}" for k, v in params)


def split_operator(value: str) -> tuple[str, str]:
    """(operator, operand) of a filter value; operator "" means equality."""
    for op in OPERATORS:
        if value.startswith(op):
            return op, value[len(op) :]
    return "", value


def filter_errors(filters: Any, field_types: Mapping[str, Mapping[str, str]]) -> list[str]:
    """One line per problem in the `filters` setting; `field_types[stream][field]` types."""
    if filters is None:
        return []
    if not isinstance(filters, Mapping):
        return ['filters: must be an object of stream -> {field: value}, e.g. {"orders": ...}']
    errors = []
    for stream, spec in filters.items():
        where = f"filters.{stream}"
        if stream not in field_types:
            known = ", ".join(sorted(field_types))
            errors.append(f"{where}: unknown stream '{stream}'; use one of {known}")
            continue
        if not isinstance(spec, Mapping):
            errors.append(f'{where}: must be an object of field -> value, e.g. {{"status": "NEW"}}')
            continue
        for field, value in spec.items():
            errors.extend(_field_errors(f"{where}.{field}", field, value, field_types[stream]))
    return errors


def _field_errors(where: str, field: str, value: Any, types: Mapping[str, str]) -> list[str]:
    if not _FIELD.match(str(field)):
        return [
            f"{where}: '{field}' is not a field name; write operators in the value "
            '(e.g. ">=100"), only not-equal may end the name ("country!")'
        ]
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) for v in values):
        return [f"{where}: must be a string or a list of strings (repeated parameters, AND)"]
    errors = []
    for text in values:
        op, operand = split_operator(text)
        if field.endswith("!") and op:
            errors.append(f"{where}: '{text}' combines '!' in the name with operator '{op}'")
            continue
        if operand[:1] in ("<", ">", "=", "!"):
            errors.append(
                f"{where}: malformed operator in '{text}'; use one of >, <, >=, <= or ! "
                "at the start of the value"
            )
            continue
        if types.get(field.rstrip("!")) == "datetime":
            bad = [part for part in operand.split(",") if parse_instant(part) is None]
            if bad:
                errors.append(
                    f"{where}: '{bad[0]}' is not an ISO 8601 date or date-time "
                    "(e.g. 2025-01-01 or 2025-01-01T00:00:00Z)"
                )
    return errors
