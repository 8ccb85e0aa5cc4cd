"""Which streams a run has, and how each is defined: from Directus' tables or from a catalog.

Discovery reads the table list, then each wanted table once (`GET /tables/{t}`, and its columns
when the table object has none), and the tables MANYTOONE columns point at when nested rows are
kept. A sync given a catalog builds its streams from the catalog without asking for the schema
again, except for one thing the catalog cannot hold: a table's status column, read from the
table object when soft deletes are emitted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from singer_sdk.exceptions import FatalAPIError
from singer_sdk.singerlib import CatalogEntry

from tap_directus.api import DirectusApi
from tap_directus.discovery import (
    LOGGER,
    SECRET_COLUMNS,
    SECRET_NOTE,
    SOFT_DELETE_FIELD,
    TableInfo,
    columns_of,
    secret_columns,
    soft_delete_description,
    stream_schema,
)
from tap_directus.settings import (
    check_catalog_filter_columns,
    check_filter_columns,
    check_filtered_tables,
    raise_setting_error,
)
from tap_directus.system_secrets import SCRUBBED_TABLES

SECRET_TABLES = {*SECRET_COLUMNS, *SCRUBBED_TABLES}  # their note is logged when one is synced


@dataclass
class StreamDefinition:
    """One table as a stream: what DirectusTableStream needs besides the run's API."""

    name: str
    schema: dict[str, Any]
    primary_key: str
    replication_key: str | None
    status_column: str | None  # Directus' status column: its deleted status is a soft delete
    user_filters: dict[str, Any] = field(default_factory=dict)
    nested_secrets: bool = False  # a nested relation to directus_users


class TableReader:
    """The tables of one instance as the token sees them, each read at most once per run."""

    def __init__(self, api: DirectusApi) -> None:
        self.api = api
        self._tables: dict[str, TableInfo] = {}

    def names(self, include_system: bool) -> list[str]:
        body = self.api.get("/tables", {"include_system": "1"} if include_system else None)
        if body.get("public") is True:
            raise FatalAPIError(
                "Directus answered as the Public group: the token was not accepted. "
                "Check `token` and `auth_method`."
            )
        return [str(t.get("name") or t.get("table_name") or "") for t in body.get("data") or []]

    def table(self, name: str) -> TableInfo:
        if name not in self._tables:
            data = self.api.get(f"/tables/{name}").get("data") or {}
            columns = columns_of(data)
            if columns is None:
                columns = self.api.get(f"/tables/{name}/columns").get("data") or []
            self._tables[name] = TableInfo.from_api(name, data, columns)
        return self._tables[name]

    def related(self, table: TableInfo) -> dict[str, TableInfo]:
        """The tables MANYTOONE columns point at, to type their nested rows (one read each)."""
        related: dict[str, TableInfo] = {}
        for column in table.columns:
            name = column.related_table
            if column.is_many_to_one and name and name not in related:
                try:
                    related[name] = self.table(name)
                except (FatalAPIError, ValueError) as exc:
                    LOGGER.warning(
                        "Table %s, column %s: related table %s could not be read (%s); its "
                        "nested rows are emitted untyped.",
                        table.name,
                        column.name,
                        name,
                        exc,
                    )
        return related


class StreamCatalog:
    """The run's stream definitions, under the settings that choose and shape them."""

    def __init__(self, api: DirectusApi, config: Mapping[str, Any]) -> None:
        self.config = config
        self.tables = TableReader(api)

    def definitions(self, given: list[CatalogEntry] | None) -> list[StreamDefinition]:
        """The run's streams: from the `given` catalog's entries, else discovered."""
        definitions = self.discovered() if given is None else self.from_catalog(given)
        if any(d.name in SECRET_TABLES or d.nested_secrets for d in definitions):
            LOGGER.info(SECRET_NOTE, ", ".join(SECRET_COLUMNS["directus_users"]))
        check_filtered_tables(self.config.get("filters"), [d.name for d in definitions])
        return definitions

    def wanted(self, name: str) -> bool:
        allow = self.config.get("tables")
        if allow and name not in allow:
            return False
        if name in (self.config.get("exclude_tables") or []):
            return False
        # A directus_* table named in `tables` is wanted even without include_system.
        return bool(self.config.get("include_system") or allow or not name.startswith("directus_"))

    def discovered(self) -> list[StreamDefinition]:
        """One definition per wanted table Directus has (a table without a key is skipped)."""
        listed = self.config.get("tables") or []
        system = self.config.get("include_system") or any(n.startswith("directus_") for n in listed)
        names = self.tables.names(include_system=bool(system))
        missing = set(listed) - set(names)
        if missing:
            # A misspelt name would otherwise make a run that syncs nothing and succeeds.
            raise_setting_error(
                f"tables: Directus has no table {', '.join(sorted(missing))} that this token "
                "can read; check the names in `tables`."
            )
        definitions = []
        for name in names:
            if name and self.wanted(name):
                try:
                    table = self.tables.table(name)
                except ValueError as exc:
                    LOGGER.warning("Table %s skipped: %s.", name, exc)
                    continue
                definitions.append(self.from_table(table))
        return definitions

    def from_table(self, table: TableInfo) -> StreamDefinition:
        nested = bool(self.config.get("keep_nested_relations"))
        schema = stream_schema(
            table,
            keep_nested_relations=nested,
            alias_columns=str(self.config.get("alias_columns") or "skip"),
            emit_soft_deletes=bool(self.config.get("emit_soft_deletes")),
            related=self.tables.related(table) if nested else {},
            detect_hard_deletes=bool(self.config.get("detect_hard_deletes")),
        )
        if SOFT_DELETE_FIELD in schema["properties"] and table.status_column:
            schema["properties"][SOFT_DELETE_FIELD]["description"] = soft_delete_description(
                table.status_column
            )
        user_filters = self.filters_of(table.name)
        check_filter_columns(table, user_filters)
        return StreamDefinition(
            name=table.name,
            schema=schema,
            primary_key=table.primary_key,
            replication_key=table.date_update_column,
            status_column=table.status_column,
            user_filters=user_filters,
            nested_secrets=nested
            and any(c.is_many_to_one and c.related_table in SECRET_COLUMNS for c in table.columns),
        )

    def from_catalog(self, entries: list[CatalogEntry]) -> list[StreamDefinition]:
        """Definitions from a given catalog, without asking Directus for the schema again."""
        return [self.from_entry(e) for e in entries if self.wanted(e.tap_stream_id)]

    def from_entry(self, entry: CatalogEntry) -> StreamDefinition:
        name = entry.tap_stream_id
        metadata = entry.metadata.root
        keys = entry.key_properties or metadata.table_key_properties or ["id"]
        valid = list(metadata.valid_replication_keys or [])
        replication_key = entry.replication_key or metadata.replication_key
        replication_key = replication_key or (valid[0] if valid else None)
        schema = without_secrets(name, entry.schema.to_dict())
        if self.config.get("detect_hard_deletes"):
            schema.setdefault("properties", {}).setdefault(
                SOFT_DELETE_FIELD, {"type": ["string", "null"], "format": "date-time"}
            )
        user_filters = self.filters_of(name)
        check_catalog_filter_columns(name, user_filters, schema)
        return StreamDefinition(
            name=name,
            schema=schema,
            primary_key=keys[0],
            replication_key=replication_key,
            status_column=self._status_column(name, schema),
            user_filters=user_filters,
        )

    def _status_column(self, name: str, schema: Mapping[str, Any]) -> str | None:
        """The table's status column, when this run emits soft deletes into the catalog's schema."""
        if not self.config.get("emit_soft_deletes"):
            return None
        if SOFT_DELETE_FIELD not in schema.get("properties", {}):
            return None
        return self.tables.table(name).status_column

    def filters_of(self, name: str) -> dict[str, Any]:
        return dict((self.config.get("filters") or {}).get(name) or {})


def without_secrets(table: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A catalog's schema with credential columns removed (a catalog from an older version)."""
    properties = schema.get("properties", {})
    for name in secret_columns(table):
        properties.pop(name, None)
    return schema
