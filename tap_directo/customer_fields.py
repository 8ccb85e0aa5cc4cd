"""Copy fields of each document's customer onto the document (`document_customer_fields`).

Directo orders and invoices name their customer only by `customer_code`, which no other system
holds. A target that must find "the same customer" elsewhere (Dokus finds customers by e-mail)
needs a value both sides know: this adds `customer_<field>` from the customer record to each
document. The link is then carried by the data of every run, with nothing kept between runs
(no local file, no state), so it holds on any machine and after any gap.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from tap_directo.resources import RESOURCES_BY_NAME
from tap_directo.schemas import property_schema

DOCUMENT_RESOURCES = frozenset({"orders", "invoices"})
SETTING = "document_customer_fields"
_CUSTOMER_FIELDS = RESOURCES_BY_NAME["customers"].fields


def chosen_fields(config: Mapping[str, Any]) -> list[str]:
    return [str(f) for f in (config.get(SETTING) or [])]


def setting_errors(config: Mapping[str, Any]) -> list[str]:
    value = config.get(SETTING)
    if value is None:
        return []
    if not isinstance(value, list):
        return [f'{SETTING}: give a list of customer fields, e.g. ["email", "vat_number"]']
    unknown = [f for f in value if f not in _CUSTOMER_FIELDS or f == "code"]
    if unknown:
        choices = ", ".join(f for f in _CUSTOMER_FIELDS if f != "code")
        return [
            f"{SETTING}: {', '.join(map(repr, unknown))} is not a customer field; use {choices}"
        ]
    return []


def document_properties(config: Mapping[str, Any]) -> dict[str, Any]:
    """Schema properties the setting adds to orders and invoices (nullable: a customer may lack one)."""
    fields = [f for f in chosen_fields(config) if f in _CUSTOMER_FIELDS]
    return {f"customer_{f}": property_schema(_CUSTOMER_FIELDS[f]) for f in fields}


class CustomerLookup:
    """Customer code -> the chosen fields; the customers are read once, on first use."""

    def __init__(
        self, fields: list[str], read_customers: Callable[[], Iterable[dict[str, Any]]]
    ) -> None:
        self.fields = fields
        self._read = read_customers
        self._by_code: dict[str, dict[str, Any]] | None = None
        self._lock = threading.Lock()

    def _table(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            if self._by_code is None:
                self._by_code = {
                    str(c["code"]): {f: c.get(f) for f in self.fields}
                    for c in self._read()
                    if c.get("code") is not None
                }
            return self._by_code

    def add_to(self, document: dict[str, Any]) -> dict[str, Any]:
        """Add `customer_<field>` for each chosen field the document's customer has.

        A customer that is unknown, or lacks the field, adds nothing: the field stays absent,
        as Directo leaves out missing values, and the target says which customer it was.
        """
        code = document.get("customer_code")
        values = self._table().get(str(code)) if code is not None else None
        for name, value in (values or {}).items():
            if value not in (None, ""):
                document[f"customer_{name}"] = value
        return document
