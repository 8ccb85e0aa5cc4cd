"""Emulator of the Dokus invoicing API (dokus-api-no.txt, dokus-resources.md).

Behaviour the docs leave open, and what we chose (pinned in tests/sandbox/test_dokus.py):
- Auth is checked first: a wrong or missing e-mail/password is 401 with `WWW-Authenticate` and
  `{"error": ...}`, never a field-error body, so a client can tell it from a validation failure.
- A request without `Accept: application/json` gets 406; a POST with a body but without
  `Content-Type: application/json` gets 415; a body that is not a JSON object gets 400. All
  answer JSON `{"error": ...}` anyway (the API speaks nothing else).
- Validation failures answer `validation_status` (400, or the doc's literal 401) with the bad
  fields: `{"errors": {"price": ["Enter a number."]}}`, or with `error_shape="flat"` the bare
  Django form shape `{"price": ["Enter a number."]}`; a client must cope with both.
- Unknown fields are ignored like read-only fields (`unknown_fields="reject"` refuses them as
  validation errors instead).
- Sent invoices are read-only: create/update/delete answer 403 `{"error": ...}`.
- Draft invoices (dokus-resources.md and the vendor's clients): `recipient` must be an existing
  customer id, each line needs `name` and `unit_price`. Whether a draft may lack a recipient is
  not said: `invoice_recipient="required"` refuses one, "optional" (default) allows it.
- Updating a draft's `items`: the docs do not say what happens to the lines it has.
  `item_updates="replace"` (default: the lines sent become the lines), "append" (they are added
  to the old ones) or "ignore" (lines cannot be changed by an update).
- `POST /invoices/ID/send/` (body as the vendor client sends it: send_by_email, send_by_post...)
  moves a draft to /invoices/sent/ with an `invoice_number`; a draft without a recipient or
  without lines cannot be sent (validation error). The vendor client ignores the answer, so
  `send_answer` offers `sent_invoice` (200 with the sent invoice, default) or `empty` (204).
- Paths end with a slash as in the doc; a path without it is 404. A missing id is 404.
- Update is partial: only the fields sent change; a required field may not be emptied.
- A successful create or update answers 200 with the resource wrapped (`{"product": {...}}`).
  The doc says only "the updated resource as JSON", so `write_answer` also offers `unwrapped`
  (the record's fields at the top level), `empty` (200 with no body) and `no_resource`
  (200 `{"success": true}`): the write happens either way, only the answer differs.
- Times are "YYYY-MM-DD HH:MM:SS" from a virtual clock that ticks one minute per write, so the
  same seed and the same calls always give the same data.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime, timedelta
from typing import Any

from sandbox.common import Emulator, Request, Response
from sandbox.dokus_resources import (
    READ_ONLY_FIELDS,
    REQUIRED,
    RESOURCES,
    VAT_CLASSES,
    DokusResource,
    clean_fields,
)
from sandbox.seed_data import SeedData

DEFAULT_EMAIL = "ole.nordmann@example.no"
DEFAULT_PASSWORD = "sandbox-dokus-passord"
EPOCH = datetime(2024, 3, 1, 8, 0, 0)
GROUP_WORDS = ["Grossist", "Detaljist", "Kafé", "Bakeri", "Kiosk", "Hotell", "Kantine", "Skole"]
# Longest path first so /customers/groups/ and /invoices/sent/ win over their parents.
_ROUTES = sorted(RESOURCES.values(), key=lambda r: len(r.path), reverse=True)
_ID = re.compile(r"^(\d+)/(delete/|send/)?$")
INVOICE_RECIPIENT = ("optional", "required")
ITEM_UPDATES = ("replace", "append", "ignore")
SEND_ANSWERS = ("sent_invoice", "empty")
WRITE_ANSWERS = ("wrapped", "unwrapped", "empty", "no_resource")


class DokusEmulator(Emulator):
    """In-memory Dokus: five resources, basic auth, wrapped JSON, Django-style field errors."""

    name = "dokus"

    def __init__(
        self,
        size: int = 20,
        seed: int = 1,
        validation_status: int = 400,
        *,
        email: str = DEFAULT_EMAIL,
        password: str = DEFAULT_PASSWORD,
        error_shape: str = "wrapped",
        unknown_fields: str = "ignore",
        write_answer: str = "wrapped",
        invoice_recipient: str = "optional",
        send_answer: str = "sent_invoice",
        item_updates: str = "replace",
    ) -> None:
        super().__init__()
        if validation_status not in (400, 401):
            raise ValueError("validation_status must be 400 or 401")
        if error_shape not in ("wrapped", "flat"):
            raise ValueError("error_shape must be 'wrapped' or 'flat'")
        if unknown_fields not in ("ignore", "reject"):
            raise ValueError("unknown_fields must be 'ignore' or 'reject'")
        if write_answer not in WRITE_ANSWERS:
            raise ValueError(f"write_answer must be one of {', '.join(WRITE_ANSWERS)}")
        self.write_answer = write_answer
        if invoice_recipient not in INVOICE_RECIPIENT:
            raise ValueError(f"invoice_recipient must be one of {', '.join(INVOICE_RECIPIENT)}")
        if send_answer not in SEND_ANSWERS:
            raise ValueError(f"send_answer must be one of {', '.join(SEND_ANSWERS)}")
        if item_updates not in ITEM_UPDATES:
            raise ValueError(f"item_updates must be one of {', '.join(ITEM_UPDATES)}")
        self.item_updates = item_updates
        self.invoice_recipient = invoice_recipient
        self.send_answer = send_answer
        self.validation_status = validation_status
        self.error_shape = error_shape
        self.unknown_fields = unknown_fields
        self.email = email
        self.password = password
        self.user = {"id": 1, "first_name": "Ole Nordmann", "email": email}
        self.seed = SeedData(seed)
        self.data: dict[str, dict[int, dict[str, Any]]] = {name: {} for name in RESOURCES}
        self._next_id: dict[str, int] = dict.fromkeys(RESOURCES, 1)
        self._ticks = 0
        self._seed_data(size)

    # ----- plumbing -------------------------------------------------------------------------

    def credentials(self) -> dict[str, str]:
        return {"email": self.email, "password": self.password}

    def error_response(self, status: int, message: str) -> Response:
        return Response.json({"error": message}, status=status)

    def _now(self) -> str:
        self._ticks += 1
        return (EPOCH + timedelta(minutes=self._ticks)).strftime("%Y-%m-%d %H:%M:%S")

    def _authorised(self, request: Request) -> bool:
        header = request.header("authorization") or ""
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded).decode("utf-8").partition(":")
        except ValueError:
            return False
        return user == self.email and password == self.password

    def handle(self, request: Request) -> Response:
        if not self._authorised(request):
            return Response.json(
                {"error": "Authentication required: log in with your e-mail and password."},
                status=401,
                headers={"WWW-Authenticate": 'Basic realm="Dokus"'},
            )
        if "application/json" not in (request.header("accept") or ""):
            return self.error_response(406, "Set the Accept header to application/json.")
        payload: dict[str, Any] = {}
        if request.method == "POST" and request.body:
            content_type = request.header("content-type") or ""
            if content_type.split(";")[0].strip().lower() != "application/json":
                return self.error_response(415, "Set the Content-Type header to application/json.")
            try:
                payload = json.loads(request.body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                return self.error_response(400, "The request body is not valid JSON.")
            if not isinstance(payload, dict):
                return self.error_response(400, "The request body must be a JSON object.")
        with self.lock:
            return self._route(request, payload)

    def _route(self, request: Request, payload: dict[str, Any]) -> Response:
        for resource in _ROUTES:
            if not request.path.startswith(resource.path):
                continue
            rest = request.path[len(resource.path) :]
            if rest in ("", "find/"):
                if request.method != "GET":
                    return self.error_response(405, "Use GET to list, POST to .../create/.")
                return self._list(resource, request)
            if rest == "create/":
                if request.method != "POST":
                    return self.error_response(405, "Use POST to create.")
                return self._write(resource, None, payload)
            match = _ID.match(rest)
            if match is None:
                break
            ident, action = int(match.group(1)), match.group(2)
            if request.method == "GET" and action is None:
                return self._single(resource, ident)
            if request.method != "POST":
                return self.error_response(405, "Use GET to read and POST to change.")
            if action == "delete/":
                return self._delete(resource, ident)
            if action == "send/":
                return self._send(resource, ident)
            return self._write(resource, ident, payload)
        return self.error_response(404, "Not found.")

    # ----- reads ----------------------------------------------------------------------------

    def render(self, resource: DokusResource, record: dict[str, Any]) -> dict[str, Any]:
        """A stored record as the API shows it: relations to VAT classes in full form."""
        shown = dict(record)
        if "default_vat_class" in shown and shown["default_vat_class"] is not None:
            shown["default_vat_class"] = _vat(shown["default_vat_class"])
        if shown.get("items"):
            shown["items"] = [
                {**line, "vat_class": _vat(line["vat_class"])} for line in shown["items"]
            ]
        return shown

    def _list(self, resource: DokusResource, request: Request) -> Response:
        criteria = [(k, v.lower()) for k, v in request.query if k in resource.search]
        found = [
            self.render(resource, r)
            for r in self.data[resource.name].values()
            if all(v in str(r.get(k) or "").lower() for k, v in criteria)
        ]
        return Response.json({resource.list_key: found})

    def _single(self, resource: DokusResource, ident: int) -> Response:
        record = self.data[resource.name].get(ident)
        if record is None:
            return self.error_response(404, f"{resource.single_key} {ident} not found.")
        return Response.json({resource.single_key: self.render(resource, record)})

    # ----- writes ---------------------------------------------------------------------------

    def _refuse_read_only(self) -> Response:
        return self.error_response(403, "Sent invoices cannot be changed or deleted.")

    def validation_error(self, errors: dict[str, list[str]]) -> Response:
        body: dict[str, Any] = errors if self.error_shape == "flat" else {"errors": errors}
        return Response.json(body, status=self.validation_status)

    def _write(
        self, resource: DokusResource, ident: int | None, payload: dict[str, Any]
    ) -> Response:
        if resource.read_only:
            return self._refuse_read_only()
        store = self.data[resource.name]
        current = store.get(ident) if ident is not None else None
        if ident is not None and current is None:
            return self.error_response(404, f"{resource.single_key} {ident} not found.")
        errors, cleaned = clean_fields(
            resource.fields, payload, set(self.data["customers"]), creating=current is None
        )
        if resource.name == "invoices" and self.invoice_recipient == "required":
            recipient = cleaned.get("recipient", current.get("recipient") if current else None)
            if recipient is None and "recipient" not in errors:
                errors["recipient"] = [REQUIRED]
        if self.unknown_fields == "reject":
            for name in payload:
                if name not in resource.fields and name not in READ_ONLY_FIELDS:
                    errors[name] = ["Unknown field."]
        if errors:
            return self.validation_error(errors)
        if current is not None and "items" in cleaned and self.item_updates != "replace":
            if self.item_updates == "append":
                cleaned["items"] = [*(current.get("items") or []), *(cleaned["items"] or [])]
            else:
                del cleaned["items"]
        record = self.save(resource.name, cleaned, ident)
        return self._written(resource, record)

    def _written(self, resource: DokusResource, record: dict[str, Any]) -> Response:
        """The answer to a successful create or update, in the `write_answer` shape."""
        shown = self.render(resource, record)
        if self.write_answer == "unwrapped":
            return Response.json(shown)
        if self.write_answer == "empty":
            return Response(status=200, body=b"")
        if self.write_answer == "no_resource":
            return Response.json({"success": True})
        return Response.json({resource.single_key: shown})

    def save(self, name: str, values: dict[str, Any], ident: int | None = None) -> dict[str, Any]:
        """Store cleaned values as a new record or over an existing one; set read-only fields."""
        store = self.data[name]
        now = self._now()
        if ident is None:
            ident = self._next_id[name]
            self._next_id[name] += 1
            store[ident] = {
                "id": ident,
                **dict.fromkeys(RESOURCES[name].fields),
                "creation_time": now,
                "creation_by": dict(self.user),
            }
            if name == "invoices" and store[ident].get("items") is None:
                store[ident]["items"] = []
        record = store[ident]
        record.update(values)
        record["modification_time"] = now
        record["modification_by"] = dict(self.user)
        return record

    def _delete(self, resource: DokusResource, ident: int) -> Response:
        if resource.read_only:
            return self._refuse_read_only()
        if self.data[resource.name].pop(ident, None) is None:
            return self.error_response(404, f"{resource.single_key} {ident} not found.")
        return Response.empty(204)

    def _send(self, resource: DokusResource, ident: int) -> Response:
        """`POST /invoices/ID/send/`: a draft becomes a (read-only) sent invoice."""
        if resource.name != "invoices":
            return self.error_response(404, "Not found.")
        draft = self.data["invoices"].get(ident)
        if draft is None:
            return self.error_response(404, f"invoice {ident} not found.")
        errors: dict[str, list[str]] = {}
        if draft.get("recipient") not in self.data["customers"]:
            errors["recipient"] = ["An invoice must have an existing customer to be sent."]
        if not draft.get("items"):
            errors["items"] = ["An invoice must have at least one line to be sent."]
        if errors:
            return self.validation_error(errors)
        del self.data["invoices"][ident]
        sent = self._make_sent(draft)
        if self.send_answer == "empty":
            return Response.empty(204)
        return Response.json({"sent_invoice": self.render(RESOURCES["sent_invoices"], sent)})

    def _make_sent(self, draft: dict[str, Any]) -> dict[str, Any]:
        values = {k: v for k, v in draft.items() if k in RESOURCES["sent_invoices"].fields}
        record = self.save("sent_invoices", values)
        record["invoice_number"] = 10000 + record["id"]
        record["sent_date"] = record["modification_time"][:10]
        return record

    # ----- seed data and changes between syncs ----------------------------------------------

    def _seed_data(self, size: int) -> None:
        for name in ("customer_groups", "customers", "products", "invoices"):
            for _ in range(size):
                self.insert(name)
        for _ in range(size):
            self._make_sent(self._invoice_values())

    def _customer_values(self) -> dict[str, Any]:
        rng = self.seed.rng
        name = self.seed.company("NO") if rng.random() < 0.6 else self.seed.person("NO")
        return {
            "name": name,
            "email": self.seed.email(name, "example.no"),
            "org_number": f"{rng.randrange(800_000_000, 999_999_999)}",
            "phone": f"+47 {rng.randrange(40_000_000, 99_999_999)}",
            "address1": f"{self.seed.person('NO').split()[1]}veien {rng.randrange(1, 120)}",
            "zip_code": f"{rng.randrange(1, 9999):04d}",
            "zip_place": self.seed.city("NO"),
            "country": 1,
            "comment": None,
        }

    def _product_values(self) -> dict[str, Any]:
        rng = self.seed.rng
        return {
            "name": self.seed.product(),
            "comment": rng.choice([None, "Pakke à 6", "Kjølevare", "Økologisk"]),
            "price": f"{rng.randrange(500, 50000) / 100:.2f}",
            "product_number": f"P{self._next_id['products']:05d}",
            "default_vat_class": rng.choice([1, 1, 2, 4]),
        }

    def _invoice_values(self) -> dict[str, Any]:
        rng = self.seed.rng
        customers = sorted(self.data["customers"])
        recipient = rng.choice(customers) if customers else None
        customer = self.data["customers"].get(recipient) if recipient else None
        return {
            "recipient": recipient,
            "recipient_type": "customer",
            "recipient_name": customer["name"] if customer else self.seed.person("NO"),
            "recipient_email": customer["email"] if customer else None,
            "recipient_address1": customer["address1"] if customer else None,
            "recipient_contact": self.seed.person("NO"),
            "recipient_zip_code": customer["zip_code"] if customer else None,
            "recipient_zip_place": customer["zip_place"] if customer else None,
            "recipient_country": 1,
            "description": f"Levering uke {rng.randrange(1, 53)}",
            "sender_ref": self.seed.person("NO"),
            "recipient_ref": None,
            "send_date": f"2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
            "due_days": rng.choice([10, 14, 30]),
            "items": [
                {
                    "name": self.seed.product(),
                    "unit_price": f"{rng.randrange(500, 50000) / 100:.2f}",
                    "quantity": f"{rng.randrange(1, 20)}.00",
                    "discount": rng.choice(["0.00", "0.00", "10.00"]),
                    "vat_class": rng.choice([1, 2]),
                }
                for _ in range(rng.randrange(1, 4))
            ],
        }

    def _values(self, name: str) -> dict[str, Any]:
        if name == "customers":
            return self._customer_values()
        if name == "products":
            return self._product_values()
        if name == "invoices":
            return self._invoice_values()
        word = self.seed.rng.choice(GROUP_WORDS)
        return {"name": f"{word} {self._next_id[name]}", "comment": None}

    def insert(self, name: str) -> dict[str, Any]:
        """Add one realistic record to a writable resource (as a Dokus user would)."""
        return self.save(name, self._values(name))

    def update(self, name: str, ident: int) -> dict[str, Any]:
        """Change one record deterministically (name, price or description)."""
        record = self.data[name][ident]
        if name == "products":
            values: dict[str, Any] = {"price": f"{float(record['price']) + 10:.2f}"}
        elif name == "invoices":
            values = {"description": f"{record['description'] or ''} (endret)".strip()}
        else:
            values = {"name": f"{record['name']} (endret)"}
        return self.save(name, values, ident)

    def change(
        self, name: str, updates: int = 0, deletes: int = 0, inserts: int = 0
    ) -> dict[str, list[int]]:
        """Update the first `updates` records, delete the last `deletes`, insert `inserts`."""
        with self.lock:
            ids = sorted(self.data[name])
            deleted = ids[len(ids) - min(deletes, len(ids)) :] if deletes else []
            updated = [i for i in ids if i not in deleted][:updates]
            for ident in updated:
                self.update(name, ident)
            for ident in deleted:
                del self.data[name][ident]
            inserted = [self.insert(name)["id"] for _ in range(inserts)]
        return {"updated": updated, "deleted": deleted, "inserted": inserted}

    def control(self, action: str, payload: dict[str, Any]) -> Response:
        if action != "change":
            return super().control(action, payload)
        names = (
            [payload.get("resource") or payload.get("table")]
            if (payload.get("resource") or payload.get("table"))
            else [n for n, r in RESOURCES.items() if not r.read_only]
        )
        unknown = [n for n in names if n not in RESOURCES or RESOURCES[n].read_only]
        if unknown:
            writable = ", ".join(n for n, r in RESOURCES.items() if not r.read_only)
            return Response.json(
                {"error": f"unknown resource {unknown[0]!r}; use one of {writable}"}, status=400
            )
        try:
            counts = {k: int(payload.get(k, 0)) for k in ("updates", "deletes", "inserts")}
        except (TypeError, ValueError):
            return Response.json({"error": "updates/deletes/inserts must be integers"}, status=400)
        return Response.json({name: self.change(name, **counts) for name in names})


def _vat(ident: int) -> dict[str, Any]:
    return {"id": ident, "name": VAT_CLASSES.get(ident, "Unknown")}
