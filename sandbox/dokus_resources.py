"""The Dokus resources the emulator serves, as data: paths, wrapper keys, fields and their rules.

Paths and wrapper keys come from dokus-resources.md (the vendor's client libraries); the
validation rules are our realistic guess (the API doc only says invalid values are refused with
a JSON message), written as Django-style form errors because Dokus is a Django application.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

READ_ONLY_FIELDS = ("id", "creation_time", "modification_time", "creation_by", "modification_by")
VAT_CLASSES = {1: "Regular VAT", 2: "Low VAT", 3: "Person VAT", 4: "No VAT"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
REQUIRED = "This field is required."


class FieldError(ValueError):
    """A value a field refuses; the message is what Dokus answers for that field."""


@dataclass(frozen=True)
class FieldRule:
    """How one writable field is validated and normalised.

    kind: text, email, decimal, int, date, vat_class (relation to VAT classes),
    customer (relation to customers), country (integer id, relation form allowed), items.
    """

    kind: str = "text"
    required: bool = False
    max_length: int = 255
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    pattern: str | None = None
    pattern_message: str = "Enter a valid value."


@dataclass(frozen=True)
class DokusResource:
    """One Dokus resource: where it lives, how it is wrapped, what may be written."""

    name: str
    path: str
    list_key: str
    single_key: str
    fields: dict[str, FieldRule]
    search: tuple[str, ...] = ()  # list/find query parameters (contains-match)
    read_only: bool = False
    extra_fields: tuple[str, ...] = field(default=())  # server-set, shown on read


ITEM_FIELDS: dict[str, FieldRule] = {
    "name": FieldRule(required=True),
    "unit_price": FieldRule("decimal", required=True),
    "quantity": FieldRule("decimal"),
    "discount": FieldRule("decimal", min_value=Decimal(0), max_value=Decimal(100)),
    "vat_class": FieldRule("vat_class"),
}

INVOICE_FIELDS: dict[str, FieldRule] = {
    "recipient": FieldRule("customer"),
    "recipient_type": FieldRule(pattern=r"^(customer|person|company)$"),
    "recipient_name": FieldRule(required=True),
    "recipient_email": FieldRule("email"),
    "recipient_address1": FieldRule(),
    "recipient_contact": FieldRule(),
    "recipient_zip_code": FieldRule(max_length=10),
    "recipient_zip_place": FieldRule(),
    "recipient_country": FieldRule("country"),
    "description": FieldRule(max_length=1000),
    "sender_ref": FieldRule(),
    "recipient_ref": FieldRule(),
    "send_date": FieldRule("date"),
    "due_days": FieldRule("int", min_value=Decimal(0), max_value=Decimal(365)),
    "items": FieldRule("items"),
}

RESOURCES: dict[str, DokusResource] = {
    r.name: r
    for r in (
        DokusResource(
            name="customers",
            path="/customers/",
            list_key="customers",
            single_key="customer",
            fields={
                "name": FieldRule(required=True),
                "email": FieldRule("email"),
                "org_number": FieldRule(
                    pattern=r"^(\d\s?){8,11}$", pattern_message="Enter 8 to 11 digits."
                ),
                "phone": FieldRule(max_length=30),
                "address1": FieldRule(),
                "zip_code": FieldRule(max_length=10),
                "zip_place": FieldRule(),
                "country": FieldRule("country"),
                "comment": FieldRule(max_length=1000),
            },
            search=("name", "email", "org_number"),
        ),
        DokusResource(
            name="customer_groups",
            path="/customers/groups/",
            list_key="groups",
            single_key="group",
            fields={"name": FieldRule(required=True, max_length=100), "comment": FieldRule()},
            search=("name",),
        ),
        DokusResource(
            name="products",
            path="/products/",
            list_key="products",
            single_key="product",
            fields={
                "name": FieldRule(required=True),
                "comment": FieldRule(max_length=1000),
                "price": FieldRule("decimal", required=True, min_value=Decimal(0)),
                "product_number": FieldRule(max_length=50),
                "default_vat_class": FieldRule("vat_class"),
            },
            search=("name", "product_number"),
        ),
        DokusResource(
            name="invoices",
            path="/invoices/",
            list_key="invoices",
            single_key="invoice",
            fields=INVOICE_FIELDS,
            search=("recipient_name", "recipient_email", "description", "sender_ref"),
        ),
        DokusResource(
            name="sent_invoices",
            path="/invoices/sent/",
            list_key="sent_invoices",
            single_key="sent_invoice",
            fields=INVOICE_FIELDS,
            search=("recipient_name", "invoice_number"),
            read_only=True,
            extra_fields=("invoice_number", "sent_date"),
        ),
    )
}


def relation_id(value: Any) -> Any:
    """A relation given in full form (`{"id": 1, ...}`) counts only by its id."""
    return value.get("id") if isinstance(value, dict) else value


def parse_int(value: Any) -> int:
    if isinstance(value, bool):
        raise FieldError("Enter a whole number.")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise FieldError("Enter a whole number.") from None
    if number != number.to_integral_value():
        raise FieldError("Enter a whole number.")
    return int(number)


def parse_decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise FieldError("Enter a number.")
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise FieldError("Enter a number.") from None
    if not number.is_finite():
        raise FieldError("Enter a number.")
    return number


def _check_range(rule: FieldRule, number: Decimal) -> None:
    if rule.min_value is not None and number < rule.min_value:
        raise FieldError(f"Ensure this value is greater than or equal to {rule.min_value}.")
    if rule.max_value is not None and number > rule.max_value:
        raise FieldError(f"Ensure this value is less than or equal to {rule.max_value}.")


def clean_value(rule: FieldRule, value: Any, customer_ids: set[int]) -> Any:
    """Validate one non-empty value and return its stored form (raises FieldError)."""
    kind = rule.kind
    if kind in ("text", "email"):
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise FieldError("Enter a text value.")
        text = str(value)
        if len(text) > rule.max_length:
            raise FieldError(
                f"Ensure this value has at most {rule.max_length} characters (it has {len(text)})."
            )
        if kind == "email" and not _EMAIL.match(text):
            raise FieldError("Enter a valid e-mail address.")
        if rule.pattern and not re.match(rule.pattern, text):
            raise FieldError(rule.pattern_message)
        return text
    if kind == "decimal":
        number = parse_decimal(value)
        _check_range(rule, number)
        return f"{number.quantize(Decimal('0.01')):f}"
    if kind == "int":
        whole = parse_int(value)
        _check_range(rule, Decimal(whole))
        return whole
    if kind == "date":
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise FieldError("Enter a valid date (YYYY-MM-DD).") from None
    if kind in ("vat_class", "customer", "country"):
        ident = parse_int(relation_id(value))
        if kind == "vat_class" and ident not in VAT_CLASSES:
            raise FieldError(f"Select a valid choice. {ident} is not one of the available choices.")
        if kind == "customer" and ident not in customer_ids:
            raise FieldError(f"Select a valid choice. Customer {ident} does not exist.")
        if kind == "country" and ident <= 0:
            raise FieldError("Select a valid country.")
        return ident
    if kind == "items":
        return clean_items(value, customer_ids)
    raise AssertionError(f"unknown field kind {kind}")  # pragma: no cover


def clean_items(value: Any, customer_ids: set[int]) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise FieldError("Enter a list of invoice lines.")
    lines: list[dict[str, Any]] = []
    problems: list[str] = []
    for number, line in enumerate(value, start=1):
        if not isinstance(line, dict):
            problems.append(f"Line {number}: enter an object.")
            continue
        errors, cleaned = clean_fields(ITEM_FIELDS, line, customer_ids, creating=True)
        for name, messages in errors.items():
            problems.extend(f"Line {number}, {name}: {m}" for m in messages)
        cleaned.setdefault("quantity", "1.00")
        cleaned.setdefault("discount", "0.00")
        cleaned.setdefault("vat_class", 1)
        lines.append(cleaned)
    if problems:
        raise FieldError(" ".join(problems))
    return lines


def clean_fields(
    rules: dict[str, FieldRule],
    data: dict[str, Any],
    customer_ids: set[int],
    *,
    creating: bool,
) -> tuple[dict[str, list[str]], dict[str, Any]]:
    """Validate the writable fields in `data`: (errors per field, cleaned values).

    Fields not in `rules` (read-only or unknown) are not looked at here. On update only the
    fields sent are changed, but a required field may not be emptied.
    """
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name, rule in rules.items():
        if name not in data:
            if rule.required and creating:
                errors[name] = [REQUIRED]
            continue
        value = data[name]
        if value is None or value == "":
            if rule.required:
                errors[name] = [REQUIRED]
            else:
                cleaned[name] = [] if rule.kind == "items" else None
            continue
        try:
            cleaned[name] = clean_value(rule, value, customer_ids)
        except FieldError as exc:
            errors[name] = [str(exc)]
    return errors, cleaned
