"""tap-directus: every table of a Directus 6 instance (API 1.1) as a typed Singer stream."""

from __future__ import annotations

from functools import cached_property
from typing import Any, NoReturn

from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.exceptions import ConfigValidationError, FatalAPIError

from connector_common import DISTRIBUTION_NAME
from connector_common.catalog_selection import check_selection
from connector_common.config_errors import ValidatedConfigMixin
from connector_common.fatal_errors import OneLineFatalErrorsMixin, default_fatal_message
from connector_common.input_files import BadInputFileError, bookmark_problem
from connector_common.instants import parse_instant
from connector_common.log_redaction import RedactedLogsMixin
from connector_common.rate_limit import RateLimiter
from connector_common.redaction import basic_auth_value, secret_values
from connector_common.unknown_settings import UnknownSettingsMixin
from tap_directus.client import AUTH_METHODS, MAX_TRIES, DirectusClient, auth_style
from tap_directus.discovery import (
    LOGGER,
    SECRET_COLUMNS,
    SECRET_NOTE,
    SOFT_DELETE_FIELD,
    TableInfo,
    columns_of,
    secret_columns,
    stream_schema,
)
from tap_directus.paging import PagingError
from tap_directus.streams import DirectusTableStream, soft_delete_description
from tap_directus.system_secrets import SCRUBBED_TABLES

SECRET_TABLES = {*SECRET_COLUMNS, *SCRUBBED_TABLES}
FILTER_OPERATORS = {
    "=", "eq", "<>", "!=", "neq", "<", "lt", "<=", "lte", ">", "gt", ">=", "gte", "in",
    "nin", "null", "nnull", "contains", "like", "ncontains", "nlike", "between",
    "nbetween", "empty", "nempty", "all", "has", "nhas", "logical",
}  # fmt: skip


class TapDirectus(
    OneLineFatalErrorsMixin, UnknownSettingsMixin, ValidatedConfigMixin, RedactedLogsMixin, Tap
):
    """Discovers the tables of a Directus 1.1 API and syncs them, incrementally when possible."""

    name = "tap-directus"
    package_name = DISTRIBUTION_NAME
    dynamic_catalog = True
    # msgspec writes Decimals as exact JSON numbers, about 1.5x faster (perf-notes.md).
    message_writer_class = MsgSpecWriter

    config_jsonschema = th.PropertiesList(
        th.Property(
            "base_url",
            th.StringType,
            required=True,
            description="Root URL of the Directus instance, e.g. https://cms.example.com; "
            "the tap appends /api/1.1.",
        ),
        th.Property("token", th.StringType, secret=True, description="A user's API token."),
        th.Property(
            "email",
            th.StringType,
            secret=True,
            description="E-mail of a Directus user, exchanged with `password` for a token "
            "once per run (POST /auth/request-token).",
        ),
        th.Property("password", th.StringType, secret=True, description="That user's password."),
        th.Property(
            "auth_method",
            th.StringType,
            allowed_values=list(AUTH_METHODS),
            description="How the token is sent: `bearer` (Authorization header, default), "
            "`basic` (HTTP basic auth with the token as user), `query` (`access_token` URL "
            "parameter: the token then appears in server logs), or `password` (e-mail and "
            "password via request-token; the default when only those are set).",
        ),
        th.Property(
            "tables",
            th.ArrayType(th.StringType),
            description="Only these tables (default: every table the token can read).",
        ),
        th.Property(
            "exclude_tables", th.ArrayType(th.StringType), description="Tables to leave out."
        ),
        th.Property(
            "include_system",
            th.BooleanType,
            default=False,
            description="Also sync Directus' own directus_* tables.",
        ),
        th.Property(
            "page_size",
            th.IntegerType,
            default=200,
            description="Rows per request (`limit`); 200 is the API's default.",
        ),
        th.Property(
            "start_date",
            th.DateTimeType,
            description="On the first sync, only rows updated at or after this moment "
            "(tables with a date_update_column). Directus DATETIME values are read as UTC.",
        ),
        th.Property(
            "filters",
            th.ObjectType(additional_properties=True),
            description="Per-table filters in Directus' own syntax, e.g. "
            '{"projects": {"status": {"in": "1,2"}, "title": {"like": "web"}}}.',
        ),
        th.Property(
            "requests_per_minute",
            th.IntegerType,
            default=0,
            description="Most requests sent in any 60 seconds, shared by all streams "
            "(0: no limit).",
        ),
        th.Property(
            "timeout", th.IntegerType, default=60, description="Seconds to wait for a response."
        ),
        th.Property(
            "keep_nested_relations",
            th.BooleanType,
            default=False,
            description="Emit MANYTOONE columns as the nested related row instead of its id.",
        ),
        th.Property(
            "alias_columns",
            th.StringType,
            default="skip",
            allowed_values=["skip", "ids"],
            description="ALIAS (ONETOMANY/MANYTOMANY) columns: `skip` them, or emit `ids`, an "
            "array of the related rows' ids.",
        ),
        th.Property(
            "emit_soft_deletes",
            th.BooleanType,
            default=False,
            description="Set `_sdc_deleted_at` on rows in Directus' deleted status (0), so "
            "targets can apply the delete. Rows of every status are read either way.",
        ),
        th.Property(
            "detect_hard_deletes",
            th.BooleanType,
            default=False,
            description="After each table, read all its primary keys (5,000 a request) and "
            "emit a tombstone (`_sdc_deleted_at` set) for every key the previous run saw "
            "that is gone: Directus 6 keeps no trace of hard deletes. The keys are kept in "
            "the state (integer ids as ranges).",
        ),
        th.Property(
            "emit_activate_version_messages",
            th.BooleanType,
            default=False,
            description="Emit ACTIVATE_VERSION for FULL_TABLE streams (a full-refresh job that "
            "forces FULL_TABLE), so a loader that applies it (MeltanoLabs target-postgres with "
            "`hard_delete`) drops the rows that are gone.",
        ),
    ).to_dict()

    # ------------------------------------------------------------------ settings
    def config_checks(self) -> list[str]:
        config = self.config
        errors: list[str] = []
        base_url = str(config.get("base_url") or "")
        if not base_url.startswith(("http://", "https://")):
            errors.append("base_url: give the instance root starting with http:// or https://.")
        style = auth_style(config)
        if style == "password":
            if not (config.get("email") and config.get("password")):
                errors.append("auth_method `password` needs both `email` and `password` set.")
        elif not config.get("token"):
            errors.append(
                f"token: required for auth_method `{style}` (or set `email` and `password`)."
            )
        if int(_setting(config, "page_size", 200)) < 1:
            errors.append("page_size: must be 1 or more.")
        if float(_setting(config, "timeout", 60)) <= 0:
            errors.append("timeout: must be more than 0 seconds.")
        if float(config.get("requests_per_minute") or 0) < 0:
            errors.append("requests_per_minute: must be 0 (no limit) or more.")
        both = set(config.get("tables") or []) & set(config.get("exclude_tables") or [])
        if both:
            errors.append(f"exclude_tables: {', '.join(sorted(both))} also listed in `tables`.")
        if config.get("start_date") and parse_instant(str(config["start_date"])) is None:
            errors.append("start_date: use an ISO 8601 date-time, e.g. 2024-01-31T00:00:00Z.")
        errors.extend(filter_errors(config.get("filters")))
        return errors

    @cached_property
    def secrets(self) -> list[str]:
        """Secret settings, and the basic-auth value the token goes out in with `basic`."""
        secrets = secret_values(dict(self.config), self.config_jsonschema)
        if auth_style(self.config) == "basic" and self.config.get("token"):
            secrets.append(basic_auth_value(str(self.config["token"]), ""))
        return secrets

    @cached_property
    def limiter(self) -> RateLimiter:
        """One limiter per run: Directus limits per user, not per table."""
        return RateLimiter(self.config.get("requests_per_minute") or 0)

    @cached_property
    def client(self) -> DirectusClient:
        return DirectusClient(self.config, self.limiter, self.secrets)

    # ------------------------------------------------------------------ state
    @classmethod
    def state_problem(cls, state: dict) -> str | None:
        """Bookmarks are update dates: anything else is refused before the first request."""
        return bookmark_problem(state)

    def load_state(self, state: dict) -> None:
        problem = self.state_problem(state)
        if problem:
            raise BadInputFileError(f"state: {problem}.")
        super().load_state(state)

    # ------------------------------------------------------------------ CLI modes
    @classmethod
    def fatal_message(cls, exc: BaseException) -> str | None:
        """The one line a failed run ends with (OneLineFatalErrorsMixin); None: a bug."""
        if isinstance(exc, PagingError):
            return str(exc)
        return default_fatal_message(exc, tries=MAX_TRIES, service="Directus")

    def sync_all(self) -> None:
        """Refuse a catalog that selects only streams this tap does not have (before syncing)."""
        check_selection(self.input_catalog, self.streams, self.logger)
        super().sync_all()

    def discover_streams(self) -> list[DirectusTableStream]:
        if self.input_catalog is not None:
            streams = self._streams_from_catalog()
        else:
            streams = [self._stream_for(table) for table in self._discover_tables()]
        if any(s.name in SECRET_TABLES or s.nested_secrets for s in streams):
            LOGGER.info(SECRET_NOTE, ", ".join(SECRET_COLUMNS["directus_users"]))
        # A misspelt table name in `filters` would otherwise sync that table unfiltered.
        unknown = set(self.config.get("filters") or {}) - {s.name for s in streams}
        if unknown:
            raise_setting_error(
                f"filters: no synced table named {', '.join(sorted(unknown))} (check the name, "
                "and `tables`, `exclude_tables`, `include_system`)."
            )
        return streams

    def _wanted(self, name: str) -> bool:
        allow = self.config.get("tables")
        if allow and name not in allow:
            return False
        if name in (self.config.get("exclude_tables") or []):
            return False
        # A directus_* table named in `tables` is wanted even without include_system.
        return bool(self.config.get("include_system") or allow or not name.startswith("directus_"))

    def _discover_tables(self) -> list[TableInfo]:
        listed = self.config.get("tables") or []
        system = self.config.get("include_system") or any(n.startswith("directus_") for n in listed)
        params = {"include_system": "1"} if system else None
        body = self.client.get("/tables", params, what="the table list")
        if body.get("public") is True:
            raise FatalAPIError(
                "Directus answered as the Public group: the token was not accepted. "
                "Check `token` and `auth_method`."
            )
        names = [t.get("name") or t.get("table_name") for t in body.get("data") or []]
        missing = set(self.config.get("tables") or []) - set(names)
        if missing:
            # A misspelt name would otherwise make a run that syncs nothing and succeeds.
            raise_setting_error(
                f"tables: Directus has no table {', '.join(sorted(missing))} that this token "
                "can read; check the names in `tables`."
            )
        tables = []
        for name in names:
            if name and self._wanted(name):
                try:
                    tables.append(self.table_info(name))
                except ValueError as exc:
                    LOGGER.warning("Table %s skipped: %s.", name, exc)
        return tables

    def table_info(self, name: str) -> TableInfo:
        if name in self._table_infos:
            return self._table_infos[name]
        body = self.client.get(f"/tables/{name}", what=f"table `{name}`")
        data = body.get("data") or {}
        columns = columns_of(data)
        if columns is None:
            listing = self.client.get(f"/tables/{name}/columns", what=f"table `{name}`")
            columns = listing.get("data") or []
        info = self._table_infos[name] = TableInfo.from_api(name, data, columns)
        return info

    @cached_property
    def _table_infos(self) -> dict[str, TableInfo]:
        return {}

    def _related_tables(self, table: TableInfo) -> dict[str, TableInfo]:
        """The tables MANYTOONE columns point at, to type their nested rows (one read each)."""
        if not self.config.get("keep_nested_relations"):
            return {}
        related: dict[str, TableInfo] = {}
        for column in table.columns:
            name = column.related_table
            if column.is_many_to_one and name and name not in related:
                try:
                    related[name] = self.table_info(name)
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

    def _table_filters(self, name: str) -> dict[str, Any]:
        return dict((self.config.get("filters") or {}).get(name) or {})

    def _stream_for(self, table: TableInfo) -> DirectusTableStream:
        schema = stream_schema(
            table,
            keep_nested_relations=bool(self.config.get("keep_nested_relations")),
            alias_columns=str(self.config.get("alias_columns") or "skip"),
            emit_soft_deletes=bool(self.config.get("emit_soft_deletes")),
            related=self._related_tables(table),
            detect_hard_deletes=bool(self.config.get("detect_hard_deletes")),
        )
        if SOFT_DELETE_FIELD in schema["properties"] and table.status_column:
            schema["properties"][SOFT_DELETE_FIELD]["description"] = soft_delete_description(
                table.status_column
            )
        user_filters = self._table_filters(table.name)
        check_filter_columns(table, user_filters)
        stream = DirectusTableStream(
            self,
            name=table.name,
            schema=schema,
            primary_key=table.primary_key,
            replication_key=table.date_update_column,
            status_column=table.status_column,
            user_filters=user_filters,
        )
        stream.nested_secrets = bool(self.config.get("keep_nested_relations")) and any(
            c.is_many_to_one and c.related_table in SECRET_COLUMNS for c in table.columns
        )
        return stream

    def _streams_from_catalog(self) -> list[DirectusTableStream]:
        """Streams from the given catalog, without asking Directus for its schema again."""
        assert self.input_catalog is not None
        streams = []
        for entry in self.input_catalog.values():
            if not self._wanted(entry.tap_stream_id):
                continue
            metadata = entry.metadata.root
            keys = entry.key_properties or metadata.table_key_properties or ["id"]
            valid = list(metadata.valid_replication_keys or [])
            replication_key = entry.replication_key or metadata.replication_key
            replication_key = replication_key or (valid[0] if valid else None)
            schema = without_secrets(entry.tap_stream_id, entry.schema.to_dict())
            if self.config.get("detect_hard_deletes"):
                schema.setdefault("properties", {}).setdefault(
                    SOFT_DELETE_FIELD, {"type": ["string", "null"], "format": "date-time"}
                )
            user_filters = self._table_filters(entry.tap_stream_id)
            columns = set(schema.get("properties", {}))
            unknown = [c for c in user_filters if c not in columns]
            if unknown:
                raise_setting_error(
                    f"filters.{entry.tap_stream_id}: no column {', '.join(unknown)} in the "
                    "catalog; fix the filter or refresh the catalog."
                )
            streams.append(
                DirectusTableStream(
                    self,
                    name=entry.tap_stream_id,
                    schema=schema,
                    primary_key=keys[0],
                    replication_key=replication_key,
                    status_column=None,
                    user_filters=user_filters,
                )
            )
        return streams


def without_secrets(table: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A catalog's schema with credential columns removed (a catalog from an older version)."""
    properties = schema.get("properties", {})
    for name in secret_columns(table):
        properties.pop(name, None)
    return schema


def _setting(config: Any, name: str, default: Any) -> Any:
    value = config.get(name)
    return default if value is None else value


def filter_errors(filters: Any) -> list[str]:
    """One line per malformed `filters` entry (checked before any request)."""
    if filters in (None, {}):
        return []
    if not isinstance(filters, dict):
        return ['filters: must map tables to {column: {operator: value}}, e.g. {"t": {...}}.']
    errors = []
    for table, columns in filters.items():
        if not isinstance(columns, dict):
            errors.append(f"filters.{table}: must map columns to {{operator: value}}.")
            continue
        for column, ops in columns.items():
            if not isinstance(ops, dict):
                if isinstance(ops, list):
                    errors.append(f"filters.{table}.{column}: give {{operator: value}}.")
                continue
            if str(ops.get("logical", "and")).lower() == "or":
                errors.append(
                    f"filters.{table}.{column}.logical: `or` is refused: Directus 6 chains it "
                    "flat with SQL precedence (a OR b AND <the tap's paging bounds>), which "
                    "returns wrong rows; use one `in` list, or filter downstream."
                )
                continue
            if len([op for op in ops if op != "logical"]) > 1:
                errors.append(
                    f"filters.{table}.{column}: one operator per column (Directus 6 applies "
                    "only the first and ignores the rest); use `between` for a range."
                )
                continue
            for op, value in ops.items():
                if op not in FILTER_OPERATORS:
                    errors.append(
                        f"filters.{table}.{column}: unknown operator `{op}`; use one of "
                        + ", ".join(sorted(FILTER_OPERATORS))
                        + "."
                    )
                elif op == "logical" and str(value).lower() not in ("and", "or"):
                    errors.append(f"filters.{table}.{column}.logical: use `and` or `or`.")
                elif isinstance(value, dict | list):
                    errors.append(
                        f"filters.{table}.{column}.{op}: give one value (comma-separate lists)."
                    )
    return errors


def raise_setting_error(message: str) -> NoReturn:
    """A setting that only the server's schema shows wrong: reported like any config error."""
    raise ConfigValidationError("Config validation failed", errors=[message])


def check_filter_columns(table: TableInfo, filters: dict[str, Any]) -> None:
    """Filters must name real columns, and not the columns the tap pages on."""
    for column in filters:
        if table.column(column) is None:
            raise_setting_error(
                f"filters.{table.name}: table {table.name} has no column `{column}`."
            )
        if column in (table.primary_key, table.date_update_column):
            raise_setting_error(
                f"filters.{table.name}.{column}: the tap pages on this column; use start_date "
                "or filter another column."
            )
