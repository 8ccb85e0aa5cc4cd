"""The Dokus resources the target writes, as data (dokus-api-no.txt, dokus-resources.md).

A field's kind says how a value is sent and compared: `relation` fields go out as the related
id (Dokus accepts id or full object and uses only the id), `decimal` fields as strings, `items`
as a list of invoice lines. Fields not listed here (read-only or unknown) are never sent.
The sandbox's table (sandbox/dokus_resources.py) is transcribed from the same docs on purpose,
not imported: the emulator checks the target, so the two must not share one reading.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

READ_ONLY_FIELDS = frozenset(
    {"id", "creation_time", "modification_time", "creation_by", "modification_by"}
)

ITEM_FIELDS: Mapping[str, str] = {
    "name": "text",
    "unit_price": "decimal",
    "quantity": "decimal",
    "discount": "decimal",
    "vat_class": "relation",
}

INVOICE_FIELDS: Mapping[str, str] = {
    "recipient": "relation",
    "recipient_type": "text",
    "recipient_name": "text",
    "recipient_email": "text",
    "recipient_address1": "text",
    "recipient_contact": "text",
    "recipient_zip_code": "text",
    "recipient_zip_place": "text",
    "recipient_country": "relation",
    "description": "text",
    "sender_ref": "text",
    "recipient_ref": "text",
    "send_date": "date",
    "due_days": "int",
    "items": "items",
}

# Taps mark a deleted record with this field (singer-sdk convention).
DELETED_AT = "_sdc_deleted_at"


@dataclass(frozen=True)
class DokusResource:
    """Where a resource lives, how Dokus wraps it, what may be written, its default match key."""

    name: str
    path: str
    list_key: str
    single_key: str
    fields: Mapping[str, str]
    default_match_key: tuple[str, ...] = ()
    read_only: bool = False


RESOURCES: Mapping[str, DokusResource] = {
    r.name: r
    for r in (
        DokusResource(
            name="customers",
            path="/customers/",
            list_key="customers",
            single_key="customer",
            fields={
                "name": "text",
                "email": "text",
                "org_number": "text",
                "phone": "text",
                "address1": "text",
                "zip_code": "text",
                "zip_place": "text",
                "country": "relation",
                "comment": "text",
            },
            default_match_key=("org_number",),
        ),
        DokusResource(
            name="customer_groups",
            path="/customers/groups/",
            list_key="groups",
            single_key="group",
            fields={"name": "text", "comment": "text"},
            default_match_key=("name",),
        ),
        DokusResource(
            name="products",
            path="/products/",
            list_key="products",
            single_key="product",
            fields={
                "name": "text",
                "comment": "text",
                "price": "decimal",
                "product_number": "text",
                "default_vat_class": "relation",
            },
            default_match_key=("product_number",),
        ),
        DokusResource(
            name="invoices",
            path="/invoices/",
            list_key="invoices",
            single_key="invoice",
            fields=INVOICE_FIELDS,
            default_match_key=("sender_ref",),
        ),
        DokusResource(
            name="sent_invoices",
            path="/invoices/sent/",
            list_key="sent_invoices",
            single_key="sent_invoice",
            fields=INVOICE_FIELDS,
            read_only=True,
        ),
    )
}

WRITABLE_RESOURCES = tuple(name for name, r in RESOURCES.items() if not r.read_only)
SENT_INVOICES_REFUSAL = (
    "sent invoices are read-only in Dokus (they cannot be created, changed or deleted); "
    "map the stream to 'invoices' (draft invoices) or leave it out"
)
