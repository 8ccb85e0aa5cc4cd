"""Directo records generated from their index, plus the changes made since (the only state kept).

Record `i` of a resource is a pure function of (seed, size, i), so a 1M-record resource costs no
memory until it is served. Changes (update/delete/insert) live in a small overlay; deletions are
recorded as rows of the `deleted` resource. The first records of some resources are the doc's own
examples (item 1011 "Kommid Lily, Kalev", customer CUST001, order 12345 ...) so the doc's example
URLs find something.
"""

from __future__ import annotations

import copy
import random
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from sandbox.directo_resources import RESOURCES
from sandbox.seed_data import EE_CITIES, NO_CITIES, SeedData

Record = dict[str, Any]

BASE_TS = datetime(2025, 1, 1, tzinfo=timezone.utc)
TS_STEP_SECONDS = 17  # seeded ts: record i was last modified BASE_TS + i * 17 s (+ offset)
WAREHOUSES = ("AALTR", "AIPM", "WAREHOUSE1", "TARTU")
ITEM_CLASSES = {"KAUP": "Kaubad", "TEENUS": "Teenused", "TOORAINE": "Tooraine", "PAKEND": "Pakend"}
ITEM_STATUSES = ("UUS", "AKTIIVNE", "CLOSED")
ORDER_STATUSES = ("NEW", "PENDING", "PROCESSING", "COMPLETED", "CLOSED")
INVOICE_STATUSES = ("NEW", "SENT", "PAID", "CLOSED")
COUNTRIES = ("EE", "LV", "LT", "NO", "FI")
OTHER_CITIES = {"LV": ["Rīga", "Liepāja"], "LT": ["Vilnius", "Šiauliai"], "FI": ["Helsinki"]}
STREETS = ["Pärnu mnt", "Tartu mnt", "Karl Johans gate", "Tähe tn", "Storgata", "Jõe tn"]
ITEM_FIXED_CODES = ("1011", "1012", "9810", "343443")
ORDER_FIXED_NUMBERS = ("12345", "12346", "001")


def iso(dt: datetime) -> str:
    """UTC ISO 8601 with milliseconds and Z, the doc's `ts` form (2025-10-01T08:11:05.129Z)."""
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def iso_seconds(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _mix(i: int, salt: int) -> int:
    """A cheap deterministic scramble of the index (Knuth multiplicative hash)."""
    return ((i + 1) * 2654435761 + salt * 40503) & 0xFFFFFFFF


class DirectoGenerator:
    """Builds record `i` of each resource; name tables are drawn once from SeedData(seed)."""

    def __init__(self, seed: int, size: int) -> None:
        names = SeedData(seed)
        self.salt = seed
        self.size = max(size, 1)
        self.products = [names.product() for _ in range(101)]
        self.companies = {c: [names.company(c) for _ in range(53)] for c in ("EE", "NO")}
        people = [names.person(c) for c in ("EE", "NO") for _ in range(20)]
        self.emails = [names.email(p) for p in people]
        self.build: dict[str, Callable[[int], Record]] = {
            "items": self.item,
            "customers": self.customer,
            "orders": self.order,
            "invoices": self.invoice,
            "stocklevels": self.stocklevel,
            "itemclasses": self.itemclass,
            "allocations": self.allocation,
            "priceformulas": self.priceformula,
        }
        self._offsets = {name: n * 3 for n, name in enumerate(self.build)}

    def ts(self, resource: str, i: int) -> str:
        seconds = i * TS_STEP_SECONDS + self._offsets[resource]
        return iso(BASE_TS + timedelta(seconds=seconds, milliseconds=(i * 37) % 1000))

    def max_seed_ts(self) -> datetime:
        return BASE_TS + timedelta(seconds=(self.size + 1) * TS_STEP_SECONDS + 100)

    # -- keys of record i, used for references between resources --------------------------
    def item_code(self, i: int) -> str:
        return ITEM_FIXED_CODES[i] if i < len(ITEM_FIXED_CODES) else str(1_000_000 + i)

    def customer_code(self, i: int) -> str:
        return "CUST001" if i == 0 else f"C{100_000 + i}"

    def customer_country(self, i: int) -> str:
        return "EE" if i == 0 else COUNTRIES[(_mix(i, self.salt) >> 5) % len(COUNTRIES)]

    def customer_name(self, i: int) -> str:
        if i == 0:
            return "Kalev AS"
        table = self.companies["NO" if self.customer_country(i) == "NO" else "EE"]
        return table[_mix(i, self.salt) % len(table)]

    def order_number(self, i: int) -> str:
        return ORDER_FIXED_NUMBERS[i] if i < len(ORDER_FIXED_NUMBERS) else str(200_000 + i)

    # -- resources -------------------------------------------------------------------------
    def item(self, i: int) -> Record:
        if i == 0:  # the doc's example record, field for field
            return {
                "code": "1011",
                "class": "KAUP",
                "name": "Kommid Lily, Kalev",
                "price": 12.5,
                "quantity": 150,
                "warehouse": "AALTR",
                "ts": self.ts("items", i),
                "datafields": [
                    {"code": "TEST_ARTIKKEL", "content": "Test lisaväli sisu"},
                    {"code": "IS_WEIGHT", "content": "0"},
                    {"code": "VISUAL_VERIFICATION", "content": "0"},
                    {"code": "VENSAFE", "content": "0"},
                ],
            }
        if i == 1:
            return {
                "code": "1012",
                "class": "KAUP",
                "name": "Šokolaad Kalev",
                "price": 8.75,
                "quantity": 200,
                "warehouse": "AIPM",
                "ts": self.ts("items", i),
                "datafields": [],
            }
        h = _mix(i, self.salt)
        price = round((h >> 7) % 20000 / 100 + 0.5, 2)
        record: Record = {
            "code": self.item_code(i),
            "name": self.products[h % len(self.products)],
            "class": list(ITEM_CLASSES)[(h >> 3) % len(ITEM_CLASSES)],
            "status": ITEM_STATUSES[(h >> 5) % len(ITEM_STATUSES)],
            "country": COUNTRIES[(h >> 8) % len(COUNTRIES)],
            "unit": "kg" if h & 1 else "tk",
            "price": price,
            "cost": round(price * 0.6, 2),
            "supplier_code": f"S{(h >> 9) % 500:03d}",
            "barcode": f"474{i:010d}",
            "weight": round((h >> 11) % 1000 / 100, 2),
            "volume": round((h >> 13) % 500 / 1000, 3),
            "quantity": (h >> 15) % 300,
            "warehouse": WAREHOUSES[(h >> 17) % len(WAREHOUSES)],
            "ts": self.ts("items", i),
            "datafields": [
                {"code": "IS_WEIGHT", "content": str(h & 1)},
                {"code": "VISUAL_VERIFICATION", "content": str((h >> 20) & 1)},
                {"code": "VENSAFE", "content": "0"},
            ],
        }
        if (h >> 21) % 5 == 0:  # missing values are omitted, as the doc allows
            del record["supplier_code"]
        if i % 7 == 3:
            record["datafields"] = []
        if i == 2:  # low stock, for the doc's "items with low stock" example
            record.update(quantity=4, warehouse="AIPM", status="UUS")
        return record

    def customer(self, i: int) -> Record:
        h = _mix(i, self.salt + 1)
        country = self.customer_country(i)
        if country in ("EE", "NO"):
            cities = EE_CITIES if country == "EE" else NO_CITIES
        else:
            cities = OTHER_CITIES[country]
        name = self.customer_name(i)
        record: Record = {
            "code": self.customer_code(i),
            "name": name,
            "country": country,
            "city": "Tallinn" if i == 0 else cities[(h >> 3) % len(cities)],
            "address": f"{STREETS[(h >> 6) % len(STREETS)]} {(h >> 9) % 120 + 1}",
            "phone": f"+372 5{h % 10_000_000:07d}",
            # unique per customer, as a CRM (and Dokus, which can match on e-mail) expects
            "email": self.emails[h % len(self.emails)].replace("@", f".{i + 1}@", 1),
            "vat_number": f"{country}{100_000_000 + i}",
            "payment_terms": ("7", "14", "30")[(h >> 12) % 3],
            "credit_limit": float((h >> 14) % 50 * 500),
            "closed": 1 if (h >> 18) % 6 == 0 else 0,
            "ts": self.ts("customers", i),
            "datafields": [
                {"code": "KLIENDIGRUPP", "content": ("HULGI", "JAE")[(h >> 20) & 1]},
                {"code": "NEWSLETTER", "content": str((h >> 21) & 1)},
            ],
        }
        if (h >> 22) % 4 == 0:
            del record["phone"]
        return record

    def _rows(self, h: int, i: int) -> list[Record]:
        rows = []
        for k in range(1 + (h >> 8) % 3):
            hk = _mix(i * 3 + k, self.salt + 7)
            quantity = 6000 if (i % 11 == 5 and k == 0) else hk % 40 + 1
            row: Record = {
                "row_no": k + 1,
                "row_item": self.item_code(hk % self.size),
                "row_quantity": quantity,
                "row_price": round((hk >> 6) % 5000 / 100 + 1, 2),
                "row_description": self.products[(hk >> 3) % len(self.products)],
                "row_discount": (0, 5, 10)[(hk >> 16) % 3],
                "row_warehouse": WAREHOUSES[(hk >> 18) % len(WAREHOUSES)],
            }
            rows.append(row)
        if i == 0:  # the doc's line examples: row_item=343443, row_price=>1000
            rows[0]["row_item"] = "343443"
            rows[0]["row_price"] = 1250.0
        return rows

    def _document(self, i: int, salt: int, statuses: tuple[str, ...]) -> Record:
        h = _mix(i, self.salt + salt)
        customer = 0 if i < 2 else (h >> 5) % self.size
        if i == 0:
            date = datetime(2025, 9, 2, 10, 0, tzinfo=timezone.utc)
        elif i == 1:
            date = datetime(2025, 11, 14, 9, 30, tzinfo=timezone.utc)
        else:
            date = BASE_TS + timedelta(days=h % 365, hours=(h >> 9) % 10 + 8)
        status = "NEW" if i < 2 else statuses[(h >> 3) % len(statuses)]
        rows = self._rows(h, i)
        total = sum(r["row_quantity"] * r["row_price"] * (100 - r["row_discount"]) for r in rows)
        country = self.customer_country(customer)
        return {
            "date": iso_seconds(date),
            "status": status,
            "customer_code": self.customer_code(customer),
            "customer_name": self.customer_name(customer),
            "total": round(total / 100, 2),
            "currency": "NOK" if country == "NO" else "EUR",
            "payment_terms": ("7", "14", "30")[(h >> 12) % 3],
            "delivery_date": iso_seconds(date + timedelta(days=3)),
            "warehouse": WAREHOUSES[(h >> 17) % len(WAREHOUSES)],
            "rows": rows,
        }

    def order(self, i: int) -> Record:
        h = _mix(i, self.salt + 2)
        doc = self._document(i, 2, ORDER_STATUSES)
        record: Record = {"number": self.order_number(i), **doc}
        record["closed"] = 1 if record["status"] in ("COMPLETED", "CLOSED") else 0
        record["ts"] = self.ts("orders", i)
        record["datafields"] = [
            {"code": "SOURCE", "content": ("WEB", "ERP", "EDI")[(h >> 20) % 3]},
            {"code": "PRIORITY", "content": str((h >> 22) & 1)},
        ]
        if i == 2:
            record["status"] = "COMPLETED"
            record["closed"] = 1
        return record

    def invoice(self, i: int) -> Record:
        h = _mix(i, self.salt + 3)
        doc = self._document(i, 3, INVOICE_STATUSES)
        date = datetime.fromisoformat(doc["date"].replace("Z", "+00:00"))
        record: Record = {"number": str(5_000_000 + i), **doc}
        record["order_number"] = self.order_number(i)
        record["due_date"] = iso_seconds(date + timedelta(days=14))
        record["ts"] = self.ts("invoices", i)
        record["datafields"] = [{"code": "EINVOICE", "content": str((h >> 20) & 1)}]
        return record

    def stocklevel(self, i: int) -> Record:
        h = _mix(i, self.salt + 4)
        quantity = (h >> 4) % 500
        reserved = min(quantity, (h >> 12) % 50)
        record: Record = {
            "item_code": self.item_code((i // 2) % self.size),
            "warehouse": WAREHOUSES[i % 2],
            "quantity": quantity,
            "reserved_quantity": reserved,
            "available_quantity": quantity - reserved,
            "location": f"R{h % 9 + 1}-{(h >> 20) % 20 + 1:02d}",
            "ts": self.ts("stocklevels", i),
        }
        if (h >> 9) % 3 == 0:
            record["batch_number"] = f"P2025{i:07d}"
        if (h >> 11) % 10 == 0:
            record["serial_number"] = f"SN{h:010d}"
        return record

    def itemclass(self, i: int) -> Record:
        h = _mix(i, self.salt + 5)
        codes = list(ITEM_CLASSES)
        code = codes[i] if i < len(codes) else f"KL{i:05d}"
        return {
            "code": code,
            "name": ITEM_CLASSES.get(code, f"Klass {self.products[h % len(self.products)]}"),
            "account": f"3{(h >> 4) % 900 + 100}",
            "ts": self.ts("itemclasses", i),
        }

    def allocation(self, i: int) -> Record:
        h = _mix(i, self.salt + 6)
        return {
            "number": f"AL{i + 1:06d}",
            "item_code": self.item_code(h % self.size),
            "warehouse": WAREHOUSES[(h >> 5) % len(WAREHOUSES)],
            "allocated_quantity": (h >> 8) % 30 + 1,
            "order_number": self.order_number((h >> 12) % self.size),
            "date": iso_seconds(BASE_TS + timedelta(days=(h >> 3) % 365)),
            "ts": self.ts("allocations", i),
        }

    def priceformula(self, i: int) -> Record:
        h = _mix(i, self.salt + 8)
        start = BASE_TS + timedelta(days=(h >> 3) % 200)
        record: Record = {
            "code": f"PV{i + 1:05d}",
            "name": f"{self.products[h % len(self.products)]} hind",
            "item_code": self.item_code((h >> 5) % self.size),
            "customer_code": self.customer_code((h >> 9) % self.size),
            "price": round((h >> 7) % 10000 / 100 + 0.5, 2),
            "discount": (0, 5, 10, 15)[(h >> 14) % 4],
            "currency": "EUR",
            "valid_from": iso_seconds(start),
            "valid_to": iso_seconds(start + timedelta(days=90)),
            "ts": self.ts("priceformulas", i),
        }
        if (h >> 16) % 3 == 0:  # a formula for every customer
            del record["customer_code"]
        if (h >> 18) % 4 == 0:  # open-ended
            del record["valid_to"]
        return record


_MISSING = object()


class DirectoStore:
    """Seeded records plus an overlay of changes; `version` moves on every change."""

    def __init__(self, size: int, seed: int, clock: Callable[[], float] = time.time) -> None:
        self.generator = DirectoGenerator(seed, size)
        self._count = dict.fromkeys(self.generator.build, max(size, 0))
        self._overlay: dict[str, dict[int, Record | None]] = {n: {} for n in self.generator.build}
        self._deleted: list[Record] = []
        self._rng = random.Random(seed)
        self._clock = clock
        self._last_ms = int(self.generator.max_seed_ts().timestamp() * 1000)
        self._lock = threading.RLock()
        self.version = 0

    def count(self, resource: str) -> int:
        if resource == "deleted":
            return len(self._deleted)
        return self._count[resource]

    def records(self, resource: str) -> Iterator[Record]:
        """Every live record, in index order (deleted: in deletion order)."""
        if resource == "deleted":
            yield from list(self._deleted)
            return
        build = self.generator.build[resource]
        overlay = self._overlay[resource]
        for i in range(self._count[resource]):
            record = overlay.get(i, _MISSING)
            if record is _MISSING:
                yield build(i)
            elif record is not None:
                yield record

    def get(self, resource: str, i: int) -> Record | None:
        record = self._overlay[resource].get(i, _MISSING)
        if record is _MISSING:
            return self.generator.build[resource](i)
        return record  # type: ignore[return-value]

    def next_ts(self) -> str:
        """A modification time: now (UTC, ms), strictly after every ts handed out before."""
        with self._lock:
            self._last_ms = max(int(self._clock() * 1000), self._last_ms + 1)
            moment = datetime.fromtimestamp(self._last_ms / 1000, tz=timezone.utc)
        return iso(moment)

    def _pick_live(self, resource: str, n: int) -> list[int]:
        """`n` distinct live indices, chosen by the seeded RNG (deterministic per seed)."""
        total = self._count[resource]
        overlay = self._overlay[resource]
        if total > 10_000:  # avoid materialising a huge index list: sample and retry
            chosen: list[int] = []
            for _ in range(n * 50):
                i = self._rng.randrange(total)
                if overlay.get(i, _MISSING) is not None and i not in chosen:
                    chosen.append(i)
                if len(chosen) == n:
                    break
            return chosen
        live = [i for i in range(total) if overlay.get(i, _MISSING) is not None]
        return sorted(self._rng.sample(live, min(n, len(live))))

    def key_of(self, resource: str, record: Record) -> dict[str, Any]:
        return {k: record[k] for k in RESOURCES[resource].keys if k in record}

    def update(self, resource: str, n: int) -> list[dict[str, Any]]:
        changed = []
        with self._lock:
            bump = RESOURCES[resource].bump
            for i in self._pick_live(resource, n):
                record = copy.deepcopy(self.get(resource, i))
                assert record is not None
                if bump:
                    record[bump] = round(float(record.get(bump, 0)) + 1, 2)
                else:
                    record["name"] = f"{record['name'].split(' #')[0]} #{self.version + 1}"
                record["ts"] = self.next_ts()
                self._overlay[resource][i] = record
                changed.append(self.key_of(resource, record))
            self.version += 1
        return changed

    def delete(
        self, resource: str, n: int, keys: list[dict[str, Any]] | None = None
    ) -> list[dict[str, Any]]:
        """Delete `n` seeded-random live records, or exactly those with `keys`."""
        changed = []
        with self._lock:
            if keys is None:
                picked = self._pick_live(resource, n)
            else:
                picked = [
                    i
                    for i in range(self._count[resource])
                    if (r := self.get(resource, i)) is not None and self.key_of(resource, r) in keys
                ]
            for i in picked:
                record = self.get(resource, i)
                assert record is not None
                self._overlay[resource][i] = None
                key = self.key_of(resource, record)
                deletion = {"id": len(self._deleted) + 1, "resource_type": resource, **key}
                deletion["ts"] = self.next_ts()
                self._deleted.append(deletion)
                changed.append(key)
            self.version += 1
        return changed

    def insert(self, resource: str, n: int) -> list[dict[str, Any]]:
        changed = []
        with self._lock:
            for _ in range(n):
                i = self._count[resource]
                record = self.generator.build[resource](i)
                record["ts"] = self.next_ts()
                self._overlay[resource][i] = record
                self._count[resource] = i + 1
                changed.append(self.key_of(resource, record))
            self.version += 1
        return changed

    def edit(
        self,
        resource: str,
        key: dict[str, Any],
        set_fields: dict[str, Any] | None = None,
        drop_fields: tuple[str, ...] | list[str] = (),
        add_rows: list[Record] | None = None,
    ) -> Record:
        """Change one record as an ERP user would (set or clear fields, add document lines).

        The record is found by its key (e.g. {"number": "5000003"}); `ts` moves to now. A line
        added without `row_no` gets the next number. KeyError when no record has that key.
        """
        with self._lock:
            for i in range(self._count[resource]):
                record = self.get(resource, i)
                if record is not None and self.key_of(resource, record) == key:
                    break
            else:
                raise KeyError(f"no {resource} record with {key}")
            record = copy.deepcopy(record)
            record.update(set_fields or {})
            for name in drop_fields:
                record.pop(name, None)
            for row in add_rows or []:
                rows = record.setdefault("rows", [])
                rows.append({"row_no": len(rows) + 1, **row})
            record["ts"] = self.next_ts()
            self._overlay[resource][i] = record
            self.version += 1
        return copy.deepcopy(record)
