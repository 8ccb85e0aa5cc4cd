"""Directus tables and columns -> stream definitions (name, key, replication key, schema).

Reads both metadata spellings: a real Directus 6 server (`nullable`, `length`, `key: "PRI"`,
`primary_column`, `status_column`, columns nested as `{"meta", "data"}`) and the API docs
(`is_nullable: "YES"`, `char_length`, `column_key`, a plain columns array, `data_type`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tap_directus.types import json_schema_for, normalise_type

LOGGER = logging.getLogger("tap-directus")
DELETED_STATUS = 0  # Directus 6's default status mapping: 0 deleted, 1 published, 2 draft
SOFT_DELETE_FIELD = "_sdc_deleted_at"


@dataclass
class ColumnInfo:
    name: str
    type: str
    nullable: bool = True
    primary: bool = False
    relationship_type: str | None = None
    ui: str | None = None

    @property
    def is_alias(self) -> bool:
        return self.type == "ALIAS" or self.relationship_type in ("ONETOMANY", "MANYTOMANY")

    @property
    def is_many_to_one(self) -> bool:
        return self.relationship_type == "MANYTOONE"

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> ColumnInfo:
        name = str(raw.get("column_name") or raw.get("id") or raw.get("name"))
        nullable: Any = raw.get("nullable", raw.get("is_nullable", True))
        if isinstance(nullable, str):
            nullable = nullable.strip().upper() in ("YES", "1", "TRUE")
        key = raw.get("key") or raw.get("column_key") or ""
        relationship = raw.get("relationship") if isinstance(raw.get("relationship"), dict) else {}
        relationship_type = raw.get("relationship_type") or relationship.get("type")
        return cls(
            name=name,
            type=normalise_type(raw.get("type") or raw.get("data_type")),
            nullable=bool(nullable),
            primary=str(key).upper() == "PRI",
            relationship_type=str(relationship_type).upper() if relationship_type else None,
            ui=raw.get("ui"),
        )


@dataclass
class TableInfo:
    name: str
    columns: list[ColumnInfo]
    primary_key: str
    date_update_column: str | None = None
    status_column: str | None = None

    def column(self, name: str) -> ColumnInfo | None:
        return next((c for c in self.columns if c.name == name), None)

    @classmethod
    def from_api(cls, name: str, data: Mapping[str, Any], columns: Iterable[Mapping]) -> TableInfo:
        cols = [ColumnInfo.from_api(c) for c in columns]
        by_name = {c.name: c for c in cols}
        primary = data.get("primary_column")
        if primary not in by_name:
            primary = next((c.name for c in cols if c.primary), None)
        if primary is None and "id" in by_name:
            primary = "id"
        if primary is None:
            raise ValueError(f"table {name!r} has no primary key column the tap can find")
        update = data.get("date_update_column") or None
        if update not in by_name or by_name[update].is_alias:
            update = None
        status = data.get("status_column") or None
        if status not in by_name:
            # The docs' table object has no status_column: Directus 6's default is `active`.
            status = next((c.name for c in cols if c.ui == "status"), None)
            status = status or ("active" if "active" in by_name else None)
        return cls(name, cols, primary, update, status)


def columns_of(table_data: Mapping[str, Any]) -> list[Mapping[str, Any]] | None:
    """`data.columns` of GET /tables/{t}: a plain array (docs) or `{"meta", "data"}` (real)."""
    columns = table_data.get("columns")
    if isinstance(columns, dict):
        columns = columns.get("data")
    return columns if isinstance(columns, list) and columns else None


def stream_schema(
    table: TableInfo,
    *,
    keep_nested_relations: bool,
    alias_columns: str,
    emit_soft_deletes: bool,
) -> dict[str, Any]:
    """The JSON Schema of one table's records."""
    properties: dict[str, Any] = {}
    for column in table.columns:
        where = f"{table.name}.{column.name}"
        if column.is_alias:
            if alias_columns == "ids":
                properties[column.name] = {
                    "type": ["array", "null"],
                    "items": {"type": ["integer", "string"]},
                }
            continue
        if column.is_many_to_one and keep_nested_relations:
            properties[column.name] = {"type": ["object", "null"], "additionalProperties": True}
            continue
        nullable = column.nullable and column.name != table.primary_key
        properties[column.name] = json_schema_for(column.type, nullable, where)
    if emit_soft_deletes and table.status_column:
        properties[SOFT_DELETE_FIELD] = {"type": ["string", "null"], "format": "date-time"}
    return {"type": "object", "properties": properties}
