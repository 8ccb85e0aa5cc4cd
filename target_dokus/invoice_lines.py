"""Invoice lines (`items`): how the target types them and when two line lists mean the same.

Typing: a stream map that builds the lines (`items: "[{...} for r in rows]"`) gets the type
"string" from singer-sdk 0.54, which types every computed property it cannot guess as a string
(only a plain rename keeps the source's type). The target knows what Dokus takes, so it types
`items` itself as a list of line objects; validation then checks the records against that.

Comparison by meaning: Dokus keeps amounts with two decimals ("12.50") and answers the VAT
class in full form ({"id": 2, "name": "Low VAT"}), so 12.5, "12.500" and "12.50" are one price
and 2 is that VAT class. Lines are compared in order, only on the fields the record gives (a
field it leaves out keeps whatever Dokus holds).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from target_dokus.resources import ITEM_FIELDS, DokusResource

LINE_SCHEMA: dict[str, Any] = {
    "type": ["array", "null"],
    "items": {
        "type": "object",
        "properties": {
            "name": {"type": ["string", "null"]},
            "unit_price": {"type": ["number", "string", "null"]},
            "quantity": {"type": ["number", "string", "null"]},
            "discount": {"type": ["number", "string", "null"]},
            "vat_class": {"type": ["integer", "string", "object", "null"]},
        },
    },
}
_CENT = Decimal("0.01")


def typed_schema(resource: DokusResource, schema: dict[str, Any]) -> dict[str, Any]:
    """The stream's schema with the resource's `items` fields typed as Dokus lines."""
    properties = schema.get("properties") or {}
    lines = [n for n, kind in resource.fields.items() if kind == "items" and n in properties]
    if not lines:
        return schema
    return {**schema, "properties": {**properties, **dict.fromkeys(lines, LINE_SCHEMA)}}


def _amount(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value).strip()).quantize(_CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return None


def _relation(value: Any) -> str:
    return str(value.get("id") if isinstance(value, dict) else value).strip()


def _empty(value: Any) -> bool:
    return value is None or value == ""


def same_field(kind: str, new: Any, old: Any) -> bool:
    if _empty(new) or _empty(old):
        return _empty(new) and _empty(old)
    if kind == "decimal":
        left, right = _amount(new), _amount(old)
        return left == right if left is not None and right is not None else str(new) == str(old)
    if kind == "relation":
        return _relation(new) == _relation(old)
    return str(new) == str(old)


def same_line(new: Mapping[str, Any], old: Mapping[str, Any]) -> bool:
    return all(
        same_field(ITEM_FIELDS.get(name, "text"), value, old.get(name))
        for name, value in new.items()
        if name in ITEM_FIELDS
    )


def same_lines(new: Any, old: Any) -> bool:
    """Whether sending the `new` lines would leave Dokus' `old` lines as they are."""
    if new in (None, "", []) or old in (None, "", []):
        return new in (None, "", []) and old in (None, "", [])
    if not isinstance(new, list) or not isinstance(old, list) or len(new) != len(old):
        return False
    return all(
        isinstance(n, dict) and isinstance(o, dict) and same_line(n, o)
        for n, o in zip(new, old, strict=True)
    )
