"""The Directo resources the emulator serves, as data: stored fields, keys, XML names.

Field lists follow the doc's "Filterable Fields" lists (items, orders/invoices, customers, stock,
line items). The doc is silent on item classes, allocations, price formulas and deletions; their
fields are our invention (see README.md). Types: "string", "number", "integer",
"datetime" (ISO 8601 UTC strings).
"""

from __future__ import annotations

from dataclasses import dataclass

ROW_FIELDS: dict[str, str] = {
    "row_no": "integer",  # invented: the line's position, so a line has a key
    "row_item": "string",
    "row_quantity": "number",
    "row_price": "number",
    "row_description": "string",
    "row_discount": "number",
    "row_warehouse": "string",
}

_DOCUMENT_FIELDS: dict[str, str] = {
    "number": "string",
    "date": "datetime",
    "status": "string",
    "customer_code": "string",
    "customer_name": "string",
    "total": "number",
    "currency": "string",
    "payment_terms": "string",
    "delivery_date": "datetime",
    "warehouse": "string",
}


@dataclass(frozen=True)
class DirectoResource:
    """One `/v1/{name}` resource: its stored fields and how it is rendered."""

    name: str
    element: str  # XML element of one record; the root element is `name`
    keys: tuple[str, ...]
    fields: dict[str, str]
    datafield_codes: tuple[str, ...] = ()
    has_rows: bool = False
    bump: str | None = None  # numeric field an "update" change increments (else: name)


RESOURCES: dict[str, DirectoResource] = {
    r.name: r
    for r in (
        DirectoResource(
            name="items",
            element="item",
            keys=("code",),
            fields={
                "code": "string",
                "name": "string",
                "class": "string",
                "status": "string",
                "country": "string",
                "unit": "string",
                "price": "number",
                "cost": "number",
                "supplier_code": "string",
                "barcode": "string",
                "weight": "number",
                "volume": "number",
                # quantity and warehouse appear on items in the doc's example and filters
                "quantity": "number",
                "warehouse": "string",
                "ts": "datetime",
            },
            datafield_codes=("TEST_ARTIKKEL", "IS_WEIGHT", "VISUAL_VERIFICATION", "VENSAFE"),
            bump="price",
        ),
        DirectoResource(
            name="customers",
            element="customer",
            keys=("code",),
            fields={
                "code": "string",
                "name": "string",
                "country": "string",
                "city": "string",
                "address": "string",
                "phone": "string",
                "email": "string",
                "vat_number": "string",
                "payment_terms": "string",
                "credit_limit": "number",
                "closed": "integer",
                "ts": "datetime",
            },
            datafield_codes=("KLIENDIGRUPP", "NEWSLETTER"),
            bump="credit_limit",
        ),
        DirectoResource(
            name="orders",
            element="order",
            keys=("number",),
            fields={**_DOCUMENT_FIELDS, "closed": "integer", "ts": "datetime"},
            datafield_codes=("SOURCE", "PRIORITY"),
            has_rows=True,
            bump="total",
        ),
        DirectoResource(
            name="invoices",
            element="invoice",
            keys=("number",),
            fields={
                **_DOCUMENT_FIELDS,
                "order_number": "string",
                "due_date": "datetime",
                "ts": "datetime",
            },
            datafield_codes=("EINVOICE",),
            has_rows=True,
            bump="total",
        ),
        DirectoResource(
            name="stocklevels",
            element="stocklevel",
            keys=("item_code", "warehouse", "location", "batch_number", "serial_number"),
            fields={
                "item_code": "string",
                "warehouse": "string",
                "quantity": "number",
                "reserved_quantity": "number",
                "available_quantity": "number",
                "location": "string",
                "batch_number": "string",
                "serial_number": "string",
                "ts": "datetime",
            },
            bump="quantity",
        ),
        DirectoResource(
            name="itemclasses",
            element="itemclass",
            keys=("code",),
            fields={"code": "string", "name": "string", "account": "string", "ts": "datetime"},
            bump=None,
        ),
        DirectoResource(
            name="allocations",
            element="allocation",
            keys=("number",),
            fields={
                "number": "string",
                "item_code": "string",
                "warehouse": "string",
                "allocated_quantity": "number",
                "order_number": "string",
                "date": "datetime",
                "ts": "datetime",
            },
            bump="allocated_quantity",
        ),
        DirectoResource(
            name="priceformulas",
            element="priceformula",
            keys=("code",),
            fields={
                "code": "string",
                "name": "string",
                "item_code": "string",
                "customer_code": "string",
                "price": "number",
                "discount": "number",
                "currency": "string",
                "valid_from": "datetime",
                "valid_to": "datetime",
                "ts": "datetime",
            },
            bump="price",
        ),
        DirectoResource(
            name="deleted",
            element="deletion",
            keys=("id",),
            fields={
                "id": "integer",
                "resource_type": "string",
                # the deleted record's own key fields, whichever apply
                "code": "string",
                "number": "string",
                "item_code": "string",
                "warehouse": "string",
                "location": "string",
                "batch_number": "string",
                "serial_number": "string",
                "ts": "datetime",
            },
        ),
    )
}

# Fields the doc names as calculated (filtering by them is a 400), plus its name patterns.
CALCULATED_FIELDS = frozenset(
    {
        "total_with_vat",
        "line_total",
        "discount_amount",
        "available_stock",
        "profit_margin",
        "total_orders",
        "average_price",
        "sum_quantity",
        "full_address",  # "DOESN'T WORK" example: concatenation of address+city+country
        "order_total",  # "MIGHT NOT WORK" example: sum of the lines
    }
)
CALCULATED_PREFIXES = ("formatted_", "display_", "calculated_")


def is_calculated(name: str) -> bool:
    return name in CALCULATED_FIELDS or name.startswith(CALCULATED_PREFIXES)
