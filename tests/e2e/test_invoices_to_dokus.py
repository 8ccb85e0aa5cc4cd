"""`meltano run directo-invoices-to-dokus` (and the orders job) against the sandboxes.

Directo invoices become Dokus draft invoices: recipient, lines, sender_ref, send_date and
due_days are checked against the Directo sandbox's own records, never the target's output.
The tests run in order on one Meltano project (its state carries over, as in production):
run 1 on an empty Dokus, run 2 unchanged, run 3 after an invoice gained a line, then a sent
invoice that changes in Directo, then an invoice whose customer lost its e-mail.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox.common import SandboxServer
from sandbox.directo import DirectoEmulator
from sandbox.directus import DirectusEmulator
from sandbox.dokus import DEFAULT_EMAIL, DEFAULT_PASSWORD, DokusEmulator
from sandbox.meltano_project import MeltanoError, MeltanoProject
from tests.e2e.servers import project_on, running

SIZE = 12
JOB = "directo-invoices-to-dokus"


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[dict[str, SandboxServer]]:
    with running(
        directo=DirectoEmulator(size=SIZE, rate_limit_per_minute=0),
        directus=DirectusEmulator(size=1),
        # a draft must name an existing customer: a draft that lands was resolved
        dokus=DokusEmulator(size=0, invoice_recipient="required"),
    ) as servers:
        yield servers


@pytest.fixture(scope="module")
def project(
    sandboxes: dict[str, SandboxServer],
    tmp_path_factory: pytest.TempPathFactory,
    meltano_installed: None,
) -> MeltanoProject:
    project = project_on(tmp_path_factory.mktemp("meltano-invoices"), sandboxes)
    return project


@pytest.fixture(scope="module")
def directo(sandboxes: dict[str, SandboxServer]) -> DirectoEmulator:
    emulator = sandboxes["directo"].emulator
    assert isinstance(emulator, DirectoEmulator)
    return emulator


@pytest.fixture(scope="module")
def dokus(sandboxes: dict[str, SandboxServer]) -> DokusEmulator:
    emulator = sandboxes["dokus"].emulator
    assert isinstance(emulator, DokusEmulator)
    return emulator


def drafts(dokus: DokusEmulator) -> dict[str, dict[str, Any]]:
    return {i["sender_ref"]: i for i in dokus.data["invoices"].values()}


def expected_lines(document: dict[str, Any]) -> list[tuple[str, str, str, str, int]]:
    """The job's mapping table, applied to the Directo document by hand."""
    cents = Decimal("0.01")
    return [
        (
            row.get("row_description") or row["row_item"],
            str(Decimal(str(row["row_price"])).quantize(cents)),
            str(Decimal(str(row["row_quantity"])).quantize(cents)),
            str(Decimal(str(row.get("row_discount") or 0)).quantize(cents)),
            1,  # default_vat_class: no item has a VAT class of its own in the job
        )
        for row in document["rows"]
    ]


def held_lines(draft: dict[str, Any]) -> list[tuple[str, str, str, str, int]]:
    return [
        (line["name"], line["unit_price"], line["quantity"], line["discount"], line["vat_class"])
        for line in draft["items"]
    ]


def dead_letters(project: MeltanoProject) -> list[dict[str, Any]]:
    path = Path(project.dead_letter)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_run_1_creates_customers_and_one_draft_per_invoice_with_its_lines(
    project: MeltanoProject, directo: DirectoEmulator, dokus: DokusEmulator
) -> None:
    moved = project.run(JOB, log_name="run1")
    customers = {c["code"]: c for c in directo.store.records("customers")}
    invoices = list(directo.store.records("invoices"))
    assert moved["invoices"] == len(invoices)

    dokus_customers = {c["email"]: c for c in dokus.data["customers"].values()}
    assert sorted(dokus_customers) == sorted(c["email"] for c in customers.values())
    held = drafts(dokus)
    assert sorted(held) == sorted(i["number"] for i in invoices)
    for document in invoices:
        draft = held[document["number"]]
        customer = customers[document["customer_code"]]
        assert draft["recipient"] == dokus_customers[customer["email"]]["id"]
        assert draft["recipient_name"] == document["customer_name"]
        assert draft["send_date"] == document["date"][:10]
        assert draft["due_days"] == int(document["payment_terms"])
        assert held_lines(draft) == expected_lines(document)
    assert dead_letters(project) == []


def test_run_2_without_changes_sends_no_write(
    project: MeltanoProject, dokus: DokusEmulator
) -> None:
    dokus.log.clear()
    project.run(JOB, log_name="run2")
    assert dokus.log.entries(method="POST") == []


def test_run_3_after_an_invoice_gains_a_line_updates_that_draft_only(
    project: MeltanoProject, directo: DirectoEmulator, dokus: DokusEmulator
) -> None:
    number = sorted(i["number"] for i in directo.store.records("invoices"))[4]
    before = {ref: dict(d) for ref, d in drafts(dokus).items()}
    line = {
        "row_item": "1012",
        "row_description": "Šokolaad Kalev",
        "row_quantity": 3,
        "row_price": 8.75,
        "row_discount": 5,
    }
    document = directo.store.edit("invoices", {"number": number}, add_rows=[line])
    dokus.log.clear()
    project.run(JOB, log_name="run3")
    ident = before[number]["id"]
    assert [(w.method, w.path) for w in dokus.log.entries(method="POST")] == [
        ("POST", f"/invoices/{ident}/")
    ]
    after = drafts(dokus)
    assert held_lines(after[number]) == expected_lines(document)
    assert len(after[number]["items"]) == len(before[number]["items"]) + 1
    assert {r: d for r, d in after.items() if r != number} == {
        r: d for r, d in before.items() if r != number
    }


def test_a_new_invoice_weeks_later_lands_on_the_customer_made_back_then(
    project: MeltanoProject, directo: DirectoEmulator, dokus: DokusEmulator
) -> None:
    """The customer is not in this run (unchanged, so not re-read): found in Dokus by e-mail."""
    customers_before = dict(dokus.data["customers"])
    (key,) = directo.store.insert("invoices", 1)
    document = next(i for i in directo.store.records("invoices") if i["number"] == key["number"])
    email = next(
        c["email"]
        for c in directo.store.records("customers")
        if c["code"] == document["customer_code"]
    )
    dokus.log.clear()
    moved = project.run(JOB, log_name="run-new-invoice")
    assert moved["customers"] <= 1  # at most the record on the bookmark (at-least-once)
    assert [w.path for w in dokus.log.entries(method="POST")] == ["/invoices/create/"]
    assert dokus.data["customers"] == customers_before
    by_email = {c["email"]: c["id"] for c in customers_before.values()}
    draft = drafts(dokus)[key["number"]]
    assert draft["recipient"] == by_email[email]
    assert held_lines(draft) == expected_lines(document)


def test_another_machine_without_local_state_writes_nothing(
    sandboxes: dict[str, SandboxServer],
    dokus: DokusEmulator,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """A second Meltano project (new system database: no state, no files) re-reads everything;
    every customer and draft is found in Dokus, so nothing is created twice or written."""
    other = project_on(tmp_path_factory.mktemp("meltano-other-machine"), sandboxes)
    counts = (len(dokus.data["customers"]), len(dokus.data["invoices"]))
    dokus.log.clear()
    moved = other.run(JOB, log_name="other-machine")
    assert moved["invoices"] == len(drafts(dokus))  # everything was read again
    assert dokus.log.entries(method="POST") == []
    assert (len(dokus.data["customers"]), len(dokus.data["invoices"])) == counts


def test_a_directo_deletion_deletes_the_draft(
    project: MeltanoProject, directo: DirectoEmulator, dokus: DokusEmulator
) -> None:
    number = sorted(drafts(dokus))[2]
    ident = drafts(dokus)[number]["id"]
    directo.store.delete("invoices", 0, keys=[{"number": number}])
    dokus.log.clear()
    project.run(JOB, log_name="run-deletion")
    assert [w.path for w in dokus.log.entries(method="POST")] == [f"/invoices/{ident}/delete/"]
    assert number not in drafts(dokus)


def test_a_sent_invoice_is_never_duplicated(
    project: MeltanoProject,
    directo: DirectoEmulator,
    dokus: DokusEmulator,
    sandboxes: dict[str, SandboxServer],
) -> None:
    number = sorted(i["number"] for i in directo.store.records("invoices"))[7]
    ident = drafts(dokus)[number]["id"]
    answer = requests.post(  # a Dokus user sends the draft in the app
        f"{sandboxes['dokus'].url}/invoices/{ident}/send/",
        json={"send_by_email": True, "send_by_post": False},
        auth=(DEFAULT_EMAIL, DEFAULT_PASSWORD),
        headers={"Accept": "application/json"},
        timeout=10,
    )
    invoice_number = answer.json()["sent_invoice"]["invoice_number"]
    directo.store.edit(
        "invoices",
        {"number": number},
        set_fields={"payment_terms": "30"},
        add_rows=[{"row_item": "1011", "row_quantity": 1, "row_price": 12.5}],
    )
    dokus.log.clear()
    with pytest.raises(MeltanoError):  # the refusal makes the run exit 1, after the others
        project.run(JOB, log_name="run4-sent")
    assert number not in drafts(dokus)
    assert [s["sender_ref"] for s in dokus.data["sent_invoices"].values()] == [number]
    assert dokus.log.entries(method="POST") == []
    (letter,) = dead_letters(project)
    assert letter["message"] == (
        f"invoice {number} was already sent as Dokus invoice {invoice_number}; "
        "changes need a credit note"
    )
    Path(project.dead_letter).unlink()


def test_the_orders_job_makes_drafts_of_orders_instead(
    project: MeltanoProject, directo: DirectoEmulator, dokus: DokusEmulator
) -> None:
    """tap-directo--orders inherits the invoices extractor and renames `orders` to `invoices`."""
    invoices_before = set(drafts(dokus))
    project.run("directo-orders-to-dokus", log_name="orders")
    customers = {c["code"]: c["email"] for c in directo.store.records("customers")}
    ids = {c["email"]: c["id"] for c in dokus.data["customers"].values()}
    held = drafts(dokus)
    orders = list(directo.store.records("orders"))
    assert set(held) == invoices_before | {o["number"] for o in orders}
    for order in orders:
        assert held[order["number"]]["recipient"] == ids[customers[order["customer_code"]]]
        assert held_lines(held[order["number"]]) == expected_lines(order)
    assert len(dokus.data["customers"]) == len(customers)


def test_an_invoice_whose_customer_has_no_email_is_dead_lettered_naming_it(
    project: MeltanoProject, directo: DirectoEmulator, dokus: DokusEmulator
) -> None:
    document = next(
        i
        for i in directo.store.records("invoices")
        if i["number"] in drafts(dokus) and i["customer_code"] != "CUST001"
    )
    code = document["customer_code"]
    directo.store.edit("customers", {"code": code}, drop_fields=["email"])
    # the ERP makes a new invoice for that customer, who has no e-mail now
    (key,) = directo.store.insert("invoices", 1)
    directo.store.edit(
        "invoices",
        key,
        set_fields={"customer_code": code, "customer_name": document["customer_name"]},
    )
    with pytest.raises(MeltanoError):
        project.run(JOB, log_name="run5-no-email")
    assert key["number"] not in drafts(dokus)
    letters = [d for d in dead_letters(project) if d["record"]["sender_ref"] == key["number"]]
    assert [letter["message"] for letter in letters] == [
        "recipient: the record gives no email to find its Dokus customer by "
        f"(customer_code={code!r})"
    ]
