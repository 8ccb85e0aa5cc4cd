"""Settings checks the settings schema (tap.py) cannot say: one line per bad setting, naming it.

The schema holds types, allowed values and the lower bounds of the numbers; these are the checks
that read a value (a URL's scheme, a date-time, a blank key) or the tables of resources (the
fields `filters` may name, the customer fields, the primary keys).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connector_common.instants import parse_instant
from tap_directo.customer_fields import setting_errors
from tap_directo.filters import filter_errors
from tap_directo.keys import primary_keys_errors
from tap_directo.resources import RESOURCES, ROW_FIELDS, field_types


def config_checks(config: Mapping[str, Any]) -> list[str]:
    """One line per invalid setting (after the schema's own validation passed)."""
    errors = []
    base_url = str(config.get("base_url") or "")
    if not base_url.startswith(("http://", "https://")):
        errors.append(f"base_url: '{base_url}' must start with http:// or https://")
    start = config.get("start_date")
    if start and parse_instant(str(start)) is None:
        errors.append(f"start_date: '{start}' is not an ISO 8601 date-time")
    if not str(config.get("api_key") or "").strip():
        errors.append("api_key: is empty; set the key your Directo administrator gave you")
    # row_* fields filter orders/invoices (whole documents); line streams make no requests
    types = {r.name: {**field_types(r), **ROW_FIELDS} for r in RESOURCES}
    errors += filter_errors(config.get("filters"), types)
    errors += setting_errors(config)
    errors += primary_keys_errors(config.get("primary_keys"))
    return errors
