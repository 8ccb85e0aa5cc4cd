"""Turn a Singer record into the body Dokus takes, and tell whether Dokus already holds it.

Comparison is by meaning, not by text: Dokus answers prices as "199.50" and relations in full
form, so "199.5" and 199.50 are the same price and `{"id": 1, ...}` is the same VAT class as 1.
That is what lets an unchanged re-run send no writes at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from target_dokus.invoice_lines import same_lines
from target_dokus.resources import ITEM_FIELDS, DokusResource

MatchKey = tuple[str, ...]


def relation_id(value: Any) -> Any:
    """A relation in full form counts only by its id (as Dokus itself does)."""
    return value.get("id") if isinstance(value, dict) else value


def _number(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


def outgoing_value(kind: str, value: Any) -> Any:
    """The JSON-ready form of one field value."""
    if value is None:
        return None
    if kind == "relation":
        ident = relation_id(value)
        number = _number(ident)
        return int(number) if number is not None and number == number.to_integral_value() else ident
    if kind == "date":
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        return str(value)[:10]
    if kind == "items":
        if not isinstance(value, list):
            return value
        return [to_fields(ITEM_FIELDS, line) if isinstance(line, dict) else line for line in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def to_fields(fields: Mapping[str, str], record: Mapping[str, Any]) -> dict[str, Any]:
    """Only the writable fields the record carries: read-only and unknown ones are dropped."""
    return {
        name: outgoing_value(kind, record[name]) for name, kind in fields.items() if name in record
    }


def to_payload(resource: DokusResource, record: Mapping[str, Any]) -> dict[str, Any]:
    return to_fields(resource.fields, record)


def _empty(value: Any) -> bool:
    return value is None or value in ("", [])


def same_value(kind: str, new: Any, old: Any) -> bool:
    """Whether sending `new` would leave Dokus' `old` value as it is."""
    if _empty(new) or _empty(old):
        return _empty(new) and _empty(old)
    if kind == "relation":
        return str(relation_id(new)) == str(relation_id(old))
    if kind in ("decimal", "int"):
        left, right = _number(new), _number(old)
        return left == right if left is not None and right is not None else str(new) == str(old)
    if kind == "date":
        return str(new)[:10] == str(old)[:10]
    if kind == "items":
        return same_lines(new, old)
    return str(new) == str(old)


def unchanged_fields(
    fields: Mapping[str, str], payload: Mapping[str, Any], existing: Mapping[str, Any]
) -> bool:
    return all(
        same_value(fields.get(name, "text"), value, existing.get(name))
        for name, value in payload.items()
    )


def is_unchanged(
    resource: DokusResource, payload: Mapping[str, Any], existing: Mapping[str, Any]
) -> bool:
    """True when every field we would send already has that value in Dokus."""
    return unchanged_fields(resource.fields, payload, existing)


def match_key(fields: tuple[str, ...], record: Mapping[str, Any]) -> MatchKey | None:
    """The record's match-key value, or None when a key field is missing or empty."""
    values = []
    for name in fields:
        value = relation_id(record.get(name))
        if _empty(value):
            return None
        values.append(str(value).strip())
    return tuple(values)
