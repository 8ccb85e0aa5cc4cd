"""Primary keys that records actually carry: the `primary_keys` override and the missing-key error.

The doc names no key for several resources (allocations, price formulas, item classes,
deletions), and Directo's field lists are configured per company, so the field we chose may be
absent. A record without its key would be folded into one row by a keyed loader (and a deletion
would then remove that row), so it stops the stream with one line saying what the records do
carry; `primary_keys` (e.g. `{"allocations": ["code"]}`) sets another key, which discovery, the
line streams and the deletions then use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from singer_sdk.exceptions import FatalAPIError

from tap_directo.resources import RESOURCES_BY_NAME, Resource

# A key part Directo omits (stock without batch or serial number). Not "": CSV-based loaders
# (target-duckdb, Postgres COPY) load an empty string as NULL and refuse it in a key column.
MISSING_KEY_PART = "-"


class MissingKeyError(FatalAPIError):
    """A record (or deletion) lacks a primary-key field: the stream stops (one line)."""


def primary_keys_for(resource: Resource, overrides: Mapping[str, Any] | None) -> list[str]:
    """The primary key of `resource`: the `primary_keys` override, else the default."""
    chosen = overrides.get(resource.name) if isinstance(overrides, Mapping) else None
    if isinstance(chosen, list) and chosen:  # anything else is refused by the config check
        return [str(k) for k in chosen]
    return list(resource.keys)


def primary_keys_errors(overrides: Any) -> list[str]:
    """One line per problem in the `primary_keys` setting."""
    if overrides is None:
        return []
    example = '{"allocations": ["code"]}'
    if not isinstance(overrides, Mapping):
        return [f"primary_keys: must be an object of stream -> list of fields, e.g. {example}"]
    errors = []
    for stream, keys in overrides.items():
        if stream not in RESOURCES_BY_NAME:
            known = ", ".join(sorted(RESOURCES_BY_NAME))
            errors.append(
                f"primary_keys.{stream}: unknown stream; use one of {known} "
                "(order_rows/invoice_rows take their document's key plus row_no)"
            )
        elif (
            not isinstance(keys, list)
            or not keys
            or not all(isinstance(k, str) and k.strip() for k in keys)
        ):
            errors.append(
                f"primary_keys.{stream}: must be a non-empty list of field names, e.g. {example}"
            )
    return errors


def missing_key_message(
    stream: str, missing: str, record: Iterable[str], *, what: str = "a record"
) -> str:
    """The one line a record without its key stops the stream with."""
    carried = sorted(k for k in record if not k.startswith("_sdc_"))
    hint = next((f for f in ("code", "number", "id") if f in carried), None)
    example = f'{{"{stream}": ["{hint or (carried[0] if carried else "field")}"]}}'
    return (
        f"Stream '{stream}': {what} has no primary-key field '{missing}' (it carries: "
        f"{', '.join(carried) or 'no fields'}); set the `primary_keys` setting to fields "
        f"every record carries, e.g. {example}"
    )
