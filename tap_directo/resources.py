"""The Directo resources the tap reads, as data: fields, primary keys, XML names, line rows.

Fields follow the "Filterable Fields" lists of directo-api.md; resources the doc is silent on
(item classes, allocations, price formulas, deleted) carry the fields we chose, see
README.md. Field types: "string", "number", "integer", "datetime".
The sandbox's table (sandbox/directo_resources.py) is transcribed from the same doc on purpose,
not imported: the emulator checks the tap, so the two must not share one reading.
"""

from __future__ import annotations

from dataclasses import dataclass

ROW_FIELDS: dict[str, str] = {
    "row_no": "integer",
    "row_item": "string",
    "row_quantity": "number",
    "row_price": "number",
    "row_description": "string",
    "row_discount": "number",
    "row_warehouse": "string",
}

_DOCUMENT: dict[str, str] = {
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
class Resource:
    """One `/v{version}/{name}` resource."""

    name: str
    element: str  # XML element of one record
    keys: tuple[str, ...]  # the default primary key (`primary_keys` overrides it)
    fields: dict[str, str]
    rows_stream: str | None = None  # child stream of the document's lines
    windowed: bool = False  # has a document `date`, so date_window_days applies
    # key parts a record may lack (stock without batch or serial number): when a
    # `primary_keys` override names them, a missing one becomes MISSING_KEY_PART
    optional_keys: frozenset[str] = frozenset()


RESOURCES: tuple[Resource, ...] = (
    Resource(
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
            "quantity": "number",
            "warehouse": "string",
        },
    ),
    Resource(
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
        },
    ),
    Resource(
        name="orders",
        element="order",
        keys=("number",),
        fields={**_DOCUMENT, "closed": "integer"},
        rows_stream="order_rows",
        windowed=True,
    ),
    Resource(
        name="invoices",
        element="invoice",
        keys=("number",),
        fields={**_DOCUMENT, "order_number": "string", "due_date": "datetime"},
        rows_stream="invoice_rows",
        windowed=True,
    ),
    Resource(
        name="stocklevels",
        element="stocklevel",
        # a stock level is an item in a warehouse: what a deletion of one names. Where a
        # company splits stock further, `primary_keys` adds location/batch/serial number
        # (a part a record lacks then becomes "-", so the key stays complete)
        keys=("item_code", "warehouse"),
        fields={
            "item_code": "string",
            "warehouse": "string",
            "quantity": "number",
            "reserved_quantity": "number",
            "available_quantity": "number",
            "location": "string",
            "batch_number": "string",
            "serial_number": "string",
        },
        optional_keys=frozenset({"location", "batch_number", "serial_number"}),
    ),
    Resource(
        name="itemclasses",
        element="itemclass",
        keys=("code",),
        fields={"code": "string", "name": "string", "account": "string"},
    ),
    Resource(
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
        },
        windowed=True,
    ),
    Resource(
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
        },
    ),
    Resource(
        name="deleted",
        element="deletion",
        keys=("id",),
        fields={
            "id": "integer",
            "resource_type": "string",
            "code": "string",
            "number": "string",
            "item_code": "string",
            "warehouse": "string",
            "location": "string",
            "batch_number": "string",
            "serial_number": "string",
        },
    ),
)

RESOURCES_BY_NAME = {r.name: r for r in RESOURCES}


def field_types(resource: Resource) -> dict[str, str]:
    """Every typed top-level field of a resource, `ts` included."""
    return {**resource.fields, "ts": "datetime"}
