"""Setting checks beyond what the settings schema can say, each one line naming the setting.

Checked before any request (`config_problems`): how to reach and authenticate, page size,
the `filters` syntax Directus 6 really honours. Checked once the server's tables are known
(`raise_setting_error`): `tables`, and the tables and columns `filters` name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

from singer_sdk.exceptions import ConfigValidationError

from connector_common.instants import parse_instant
from tap_directus.client import auth_style
from tap_directus.discovery import TableInfo

FILTER_OPERATORS = {
    "=", "eq", "<>", "!=", "neq", "<", "lt", "<=", "lte", ">", "gt", ">=", "gte", "in",
    "nin", "null", "nnull", "contains", "like", "ncontains", "nlike", "between",
    "nbetween", "empty", "nempty", "all", "has", "nhas", "logical",
}  # fmt: skip


def config_problems(config: Mapping[str, Any]) -> list[str]:
    """One line per invalid setting (after the schema's own checks)."""
    errors: list[str] = []
    base_url = str(config.get("base_url") or "")
    if not base_url.startswith(("http://", "https://")):
        errors.append("base_url: give the instance root starting with http:// or https://.")
    style = auth_style(config)
    if style == "password":
        if not (config.get("email") and config.get("password")):
            errors.append("auth_method `password` needs both `email` and `password` set.")
    elif not config.get("token"):
        errors.append(f"token: required for auth_method `{style}` (or set `email` and `password`).")
    # Not the schema's `minimum`: its message would not say what to set.
    page_size = config.get("page_size")
    if page_size is not None and int(page_size) < 1:
        errors.append("page_size: must be 1 or more.")
    both = set(config.get("tables") or []) & set(config.get("exclude_tables") or [])
    if both:
        errors.append(f"exclude_tables: {', '.join(sorted(both))} also listed in `tables`.")
    if config.get("start_date") and parse_instant(str(config["start_date"])) is None:
        errors.append("start_date: use an ISO 8601 date-time, e.g. 2024-01-31T00:00:00Z.")
    errors.extend(filter_errors(config.get("filters")))
    return errors


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
            errors.extend(_operator_errors(f"filters.{table}.{column}", ops))
    return errors


def _operator_errors(where: str, ops: Any) -> list[str]:
    if not isinstance(ops, dict):
        return [f"{where}: give {{operator: value}}."] if isinstance(ops, list) else []
    if str(ops.get("logical", "and")).lower() == "or":
        return [
            f"{where}.logical: `or` is refused: Directus 6 chains it flat with SQL precedence "
            "(a OR b AND <the tap's paging bounds>), which returns wrong rows; use one `in` "
            "list, or filter downstream."
        ]
    if len([op for op in ops if op != "logical"]) > 1:
        return [
            f"{where}: one operator per column (Directus 6 applies only the first and ignores "
            "the rest); use `between` for a range."
        ]
    errors = []
    for op, value in ops.items():
        if op not in FILTER_OPERATORS:
            known = ", ".join(sorted(FILTER_OPERATORS))
            errors.append(f"{where}: unknown operator `{op}`; use one of {known}.")
        elif op == "logical" and str(value).lower() not in ("and", "or"):
            errors.append(f"{where}.logical: use `and` or `or`.")
        elif isinstance(value, dict | list):
            errors.append(f"{where}.{op}: give one value (comma-separate lists).")
    return errors


def raise_setting_error(message: str) -> NoReturn:
    """A setting that only the server's schema shows wrong: reported like any config error."""
    raise ConfigValidationError("Config validation failed", errors=[message])


def check_filter_columns(table: TableInfo, filters: Mapping[str, Any]) -> None:
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


def check_filtered_tables(filters: Any, synced: list[str]) -> None:
    """A misspelt table name in `filters` would otherwise sync that table unfiltered."""
    unknown = set(filters or {}) - set(synced)
    if unknown:
        raise_setting_error(
            f"filters: no synced table named {', '.join(sorted(unknown))} (check the name, "
            "and `tables`, `exclude_tables`, `include_system`)."
        )


def check_catalog_filter_columns(
    stream: str, filters: Mapping[str, Any], schema: Mapping[str, Any]
) -> None:
    """Filters on a stream built from a catalog must name columns of its schema."""
    unknown = [c for c in filters if c not in schema.get("properties", {})]
    if unknown:
        raise_setting_error(
            f"filters.{stream}: no column {', '.join(unknown)} in the catalog; fix the filter "
            "or refresh the catalog."
        )
