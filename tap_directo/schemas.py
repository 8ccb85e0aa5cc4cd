"""JSON schemas of the Directo streams, built from the resource table (plus sampled fields).

Key properties are non-nullable strings/integers; every other field is nullable because Directo
omits missing values. `datafields` is an array of {code, content}, or with
`datafields_as_object` an object keyed by code (codes seen by `infer_schema` become properties,
so flattening turns them into columns).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from tap_directo.resources import ROW_FIELDS, Resource, field_types

JSON_TYPES = {"string": "string", "number": "number", "integer": "integer", "datetime": "string"}


def property_schema(ftype: str, *, nullable: bool = True) -> dict[str, Any]:
    base = JSON_TYPES.get(ftype, "string")
    schema: dict[str, Any] = {"type": [base, "null"] if nullable else base}
    if ftype == "datetime":
        schema["format"] = "date-time"
    return schema


def infer_type(value: Any) -> str | None:
    """The type of a sampled JSON value (None for null: nothing learned)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float | Decimal):
        return "number"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "string"


def _inferred_property(value_type: str) -> dict[str, Any]:
    if value_type == "boolean":
        return {"type": ["boolean", "null"]}
    if value_type == "object":
        return {"type": ["object", "null"]}
    if value_type == "array":
        return {"type": ["array", "null"]}
    return property_schema(value_type)


def datafields_schema(as_object: bool, codes: Iterable[str] = ()) -> dict[str, Any]:
    if as_object:
        return {
            "type": ["object", "null"],
            "properties": {c: {"type": ["string", "null"]} for c in sorted(codes)},
            "additionalProperties": {"type": ["string", "null"]},
        }
    return {
        "type": ["array", "null"],
        "items": {
            "type": "object",
            "properties": {"code": {"type": "string"}, "content": {"type": ["string", "null"]}},
        },
    }


def row_properties(extra: Mapping[str, str]) -> dict[str, Any]:
    props = {name: property_schema(t) for name, t in ROW_FIELDS.items()}
    props.update({n: _inferred_property(t) for n, t in extra.items() if n not in props})
    return props


def resource_schema(
    resource: Resource,
    *,
    keys: Sequence[str] | None = None,
    datafields_as_object: bool = False,
    emit_deleted_records: bool = False,
    extra_fields: Mapping[str, str] | None = None,
    extra_row_fields: Mapping[str, str] | None = None,
    datafield_codes: Iterable[str] = (),
) -> dict[str, Any]:
    """Schema of one resource stream; `extra_*` are fields seen by sampling (name -> type).

    `keys` (default: the resource's) are non-nullable; a key outside the table is a string.
    """
    keys = list(resource.keys if keys is None else keys)
    types = field_types(resource)
    props: dict[str, Any] = {
        name: property_schema(t, nullable=name not in keys) for name, t in types.items()
    }
    for name, value_type in (extra_fields or {}).items():
        props.setdefault(name, _inferred_property(value_type))
    for key in keys:
        kind = types.get(key) or (extra_fields or {}).get(key) or "string"
        props[key] = property_schema(kind if kind in JSON_TYPES else "string", nullable=False)
    if resource.name != "deleted":
        props["datafields"] = datafields_schema(datafields_as_object, datafield_codes)
    if resource.rows_stream:
        props["rows"] = {
            "type": ["array", "null"],
            "items": {"type": "object", "properties": row_properties(extra_row_fields or {})},
        }
    if emit_deleted_records and resource.name != "deleted":
        props["_sdc_deleted_at"] = property_schema("datetime")
    return {"type": "object", "properties": props}


def rows_schema(
    parent: Resource,
    extra_row_fields: Mapping[str, str] | None = None,
    parent_keys: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Schema of order_rows/invoice_rows: the parent's key plus the line fields."""
    keys = parent.keys if parent_keys is None else parent_keys
    props = {key: property_schema(parent.fields.get(key, "string"), nullable=False) for key in keys}
    props.update(row_properties(extra_row_fields or {}))
    props["row_no"] = property_schema("integer", nullable=False)
    return {"type": "object", "properties": props}


def scalar_types(properties: Mapping[str, Any]) -> dict[str, str]:
    """name -> "integer" | "number" | "boolean" | "string" of the scalar properties of a schema
    (how XML attribute strings are converted back)."""
    kinds = {}
    for name, spec in properties.items():
        declared = spec.get("type", [])
        types = {declared} if isinstance(declared, str) else set(declared)
        for kind in ("integer", "number", "boolean", "string"):
            if kind in types:
                kinds[name] = kind
                break
    return kinds


def line_properties(properties: Mapping[str, Any]) -> dict[str, Any]:
    """The properties of the line items (`rows`) in a document schema's properties."""
    return dict(((properties.get("rows") or {}).get("items") or {}).get("properties", {}))
