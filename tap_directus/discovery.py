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

from tap_directus.coercion import json_schema_for, normalise_type

LOGGER = logging.getLogger("tap-directus")
DELETED_STATUS = 0  # Directus 6's default status mapping: 0 deleted, 1 published, 2 draft
SOFT_DELETE_FIELD = "_sdc_deleted_at"
# Columns that hold credentials: never in a schema, never in a record (nested ones included).
SECRET_COLUMNS = {"directus_users": ("token", "access_token", "reset_token", "invite_token")}
SECRET_NOTE = (
    "directus_users: columns %s hold each user's API credentials; tap-directus never emits "
    "them (left out of the schema and of every record, nested relations included), nor the "
    "password, salt and tokens in directus_activity's copies of user rows, nor the values of "
    "directus_settings named *key, *secret, *token or *password (emitted as null)."
)


def soft_delete_description(status_column: str) -> str:
    """The catalog's note on `_sdc_deleted_at`: which column's deleted status sets it."""
    return (
        f"Set when the status column `{status_column}` holds Directus' deleted status "
        f"({DELETED_STATUS}): the row's update time, else the sync time."
    )


def secret_columns(table: str | None) -> tuple[str, ...]:
    return SECRET_COLUMNS.get(table or "", ())


@dataclass
class ColumnInfo:
    name: str
    type: str
    nullable: bool = True
    primary: bool = False
    relationship_type: str | None = None
    ui: str | None = None
    related_table: str | None = None

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
        found = raw.get("relationship")
        relationship: Mapping[str, Any] = found if isinstance(found, dict) else {}
        relationship_type = raw.get("relationship_type") or relationship.get("type")
        return cls(
            name=name,
            type=normalise_type(raw.get("type") or raw.get("data_type")),
            nullable=bool(nullable),
            primary=str(key).upper() == "PRI",
            relationship_type=str(relationship_type).upper() if relationship_type else None,
            ui=raw.get("ui"),
            related_table=raw.get("related_table") or relationship.get("related_table"),
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
    def from_api(
        cls, name: str, data: Mapping[str, Any], columns: Iterable[Mapping[str, Any]]
    ) -> TableInfo:
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


def nested_schema(related: TableInfo | None, related_name: str | None) -> dict[str, Any]:
    """A MANYTOONE column kept nested: an object typed from the related table's columns.

    At depth 1 the related row comes without its own ALIAS columns, relations as raw ids.
    """
    if related is None:  # the related table could not be read: untyped, secrets still dropped
        return {"type": ["object", "null"], "additionalProperties": True}
    properties = {
        c.name: json_schema_for(c.type, c.nullable and c.name != related.primary_key)
        for c in related.columns
        if not c.is_alias and c.name not in secret_columns(related_name)
    }
    return {"type": ["object", "null"], "properties": properties, "additionalProperties": False}


def stream_schema(
    table: TableInfo,
    *,
    keep_nested_relations: bool,
    alias_columns: str,
    emit_soft_deletes: bool,
    related: Mapping[str, TableInfo] | None = None,
    detect_hard_deletes: bool = False,
) -> dict[str, Any]:
    """The JSON Schema of one table's records (credential columns left out)."""
    properties: dict[str, Any] = {}
    for column in table.columns:
        where = f"{table.name}.{column.name}"
        if column.name in secret_columns(table.name):
            continue
        if column.is_alias:
            if alias_columns == "ids":
                properties[column.name] = {
                    "type": ["array", "null"],
                    "items": {"type": ["integer", "string"]},
                }
            continue
        if column.is_many_to_one and keep_nested_relations:
            target = (related or {}).get(column.related_table or "")
            properties[column.name] = nested_schema(target, column.related_table)
            continue
        nullable = column.nullable and column.name != table.primary_key
        properties[column.name] = json_schema_for(column.type, nullable, where)
    if (emit_soft_deletes and table.status_column) or detect_hard_deletes:
        properties[SOFT_DELETE_FIELD] = {"type": ["string", "null"], "format": "date-time"}
    return {"type": "object", "properties": properties}
