"""How the emulated Directo types the values it serves: the doc shows no JSON types.

A real company's Directo may send a document number as a JSON number (`"number": 12345`) or a
string, a code as a number, money as a number or as a string with two decimals (`"12.50"`), and
calculated fields our table does not list (`total_with_vat`). Each is a switch, so the tests run
the tap against every reading; the stored records (and the filters) are unchanged, only what is
served (JSON and XML alike) changes. The defaults serve the records as stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DOCUMENT_NUMBER_FIELDS = frozenset({"number", "order_number"})
CODE_FIELDS = frozenset({"code", "item_code", "customer_code", "row_item"})
MONEY_FIELDS = frozenset({"price", "cost", "total", "credit_limit", "row_price", "total_with_vat"})
KINDS = ("string", "number")


def _as_number(value: Any) -> Any:
    return int(value) if isinstance(value, str) and value.isdigit() else value


def _as_money_text(value: Any) -> Any:
    return f"{float(value):.2f}" if isinstance(value, int | float) else value


@dataclass(frozen=True)
class ServedTyping:
    """`document_numbers`/`codes`: "string" (as stored) or "number" (digits as JSON numbers);
    `money`: "number" (as stored) or "string" ("12.50"); `calculated_fields`: documents also
    carry `total_with_vat` and their lines `row_total`, which no table lists."""

    document_numbers: str = "string"
    codes: str = "string"
    money: str = "number"
    calculated_fields: bool = False

    def __post_init__(self) -> None:
        for name in ("document_numbers", "codes", "money"):
            if getattr(self, name) not in KINDS:
                raise ValueError(f"{name} must be 'string' or 'number'")

    @property
    def as_stored(self) -> bool:
        return self == ServedTyping()

    def _convert(self) -> dict[str, Any]:
        convert: dict[str, Any] = {}
        if self.document_numbers == "number":
            convert.update(dict.fromkeys(DOCUMENT_NUMBER_FIELDS, _as_number))
        if self.codes == "number":
            convert.update(dict.fromkeys(CODE_FIELDS, _as_number))
        if self.money == "string":
            convert.update(dict.fromkeys(MONEY_FIELDS, _as_money_text))
        return convert

    def served(self, record: dict[str, Any]) -> dict[str, Any]:
        """The record as this server sends it (a copy; the stored record is untouched)."""
        convert = self._convert()
        out = dict(record)
        if self.calculated_fields and isinstance(out.get("total"), int | float):
            out["total_with_vat"] = round(out["total"] * 1.22, 2)
        rows = out.get("rows")
        if isinstance(rows, list):
            lines = []
            for row in rows:
                line = dict(row)
                if self.calculated_fields and "row_quantity" in line and "row_price" in line:
                    line["row_total"] = round(line["row_quantity"] * line["row_price"], 2)
                lines.append({k: convert[k](v) if k in convert else v for k, v in line.items()})
            out["rows"] = lines
        return {k: convert[k](v) if k in convert else v for k, v in out.items()}


@dataclass(frozen=True)
class ServedKeys:
    """Which key fields the records carry, where the doc names no key.

    `allocation_key`: "number" (our reading) or "code" (allocations carry `code`, no `number`;
    their deletions name `code` too). `stock_deletions`: "full" (a stock-level deletion names
    every field our key could use) or "item_warehouse" (only `item_code` and `warehouse`).
    """

    allocation_key: str = "number"
    stock_deletions: str = "full"

    def __post_init__(self) -> None:
        if self.allocation_key not in ("number", "code"):
            raise ValueError("allocation_key must be 'number' or 'code'")
        if self.stock_deletions not in ("full", "item_warehouse"):
            raise ValueError("stock_deletions must be 'full' or 'item_warehouse'")

    @property
    def as_stored(self) -> bool:
        return self == ServedKeys()

    def served(self, resource: str, record: dict[str, Any]) -> dict[str, Any]:
        kind = record.get("resource_type") if resource == "deleted" else resource
        if kind == "allocations" and self.allocation_key == "code" and "number" in record:
            record = {("code" if k == "number" else k): v for k, v in record.items()}
        if resource == "deleted" and kind == "stocklevels" and self.stock_deletions != "full":
            finer = ("location", "batch_number", "serial_number")
            record = {k: v for k, v in record.items() if k not in finer}
        return record
