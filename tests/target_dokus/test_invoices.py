"""Draft invoices from a source system: recipients by natural key, lines, sent invoices, sends.

Expected values come from the records sent in and the sandbox's own data, never from the target.
The sandbox requires a recipient on drafts here (invoice_recipient="required"), so a draft that
lands proves the reference was resolved.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox.common import SandboxServer
from sandbox.dokus import DEFAULT_EMAIL, DEFAULT_PASSWORD, DokusEmulator
from tests.target_dokus.harness import (
    config_for,
    dead_letters,
    record,
    run_cli,
    run_target,
    schema,
    writes,
)

Serve = Callable[..., SandboxServer]

CUSTOMER_PROPS = {"email": {"type": "string"}, "name": {"type": "string"}}
# As the meltano.yml job's stream map emits them: recipient holds the customer's e-mail.
INVOICE_PROPS = {
    "sender_ref": {"type": "string"},
    "recipient": {"type": ["string", "null"]},
    "recipient_name": {"type": ["string", "null"]},
    "customer_code": {"type": ["string", "null"]},
    "items": {"type": "string"},  # what singer-sdk's stream maps declare for a computed list
    "_sdc_deleted_at": {"type": ["string", "null"], "format": "date-time"},
}
REFERENCES = {"invoices": {"recipient": {"by": "email", "named_by": "customer_code"}}}


def customers(*rows: dict[str, Any]) -> list[dict[str, Any]]:
    return [schema("customers", CUSTOMER_PROPS, ["email"])] + [record("customers", r) for r in rows]


def invoices(*rows: dict[str, Any]) -> list[dict[str, Any]]:
    return [schema("invoices", INVOICE_PROPS, ["sender_ref"])] + [
        record("invoices", r) for r in rows
    ]


def invoice(ref: str, email: str | None, *lines: tuple[str, Any, Any], code: str = "C1") -> dict:
    return {
        "sender_ref": ref,
        "recipient": email,
        "recipient_name": f"Kunde {code}",
        "customer_code": code,
        "items": [
            {"name": name, "unit_price": price, "quantity": qty, "discount": 0, "vat_class": 1}
            for name, price, qty in lines
        ],
    }


@pytest.fixture
def dokus(serve: Serve) -> SandboxServer:
    return serve(DokusEmulator(size=0, invoice_recipient="required"))


def emulator_of(server: SandboxServer) -> DokusEmulator:
    emulator = server.emulator
    assert isinstance(emulator, DokusEmulator)
    return emulator


def config(server: SandboxServer, tmp_path: Path, **extra: Any) -> dict[str, Any]:
    return config_for(
        server,
        tmp_path,
        match_keys={"customers": "email"},
        references=REFERENCES,
        hard_delete=True,
        **extra,
    )


def drafts(emulator: DokusEmulator) -> dict[str, dict[str, Any]]:
    return {i["sender_ref"]: i for i in emulator.data["invoices"].values()}


def customer_ids(emulator: DokusEmulator) -> dict[str, int]:
    return {c["email"]: c["id"] for c in emulator.data["customers"].values()}


def test_recipient_by_email_lands_on_the_customer_created_in_the_same_run(
    dokus: SandboxServer, tmp_path: Path
) -> None:
    emulator = emulator_of(dokus)
    messages = customers(
        {"email": "a@example.no", "name": "A AS"}, {"email": "b@example.no", "name": "B AS"}
    ) + invoices(
        invoice("5000001", "b@example.no", ("Kaffe", 10.5, 2), ("Te", "7", 1), code="C2"),
        invoice("5000002", "a@example.no", ("Brød", 30, 3), code="C1"),
    )
    result = run_target(config(dokus, tmp_path, max_concurrency=4), messages)
    assert result.error is None
    ids = customer_ids(emulator)
    held = drafts(emulator)
    assert held["5000001"]["recipient"] == ids["b@example.no"]
    assert held["5000002"]["recipient"] == ids["a@example.no"]
    assert [
        (line["name"], line["unit_price"], line["quantity"]) for line in held["5000001"]["items"]
    ] == [
        ("Kaffe", "10.50", "2.00"),
        ("Te", "7.00", "1.00"),
    ]


def test_a_customer_arriving_after_its_invoice_in_the_same_run_is_no_refusal(
    dokus: SandboxServer, tmp_path: Path
) -> None:
    emulator = emulator_of(dokus)
    messages = invoices(invoice("5000003", "late@example.no", ("Kaffe", 10, 1))) + customers(
        {"email": "late@example.no", "name": "Sen AS"}
    )
    messages.insert(2, {"type": "STATE", "value": {"bookmarks": {"invoices": "t1"}}})
    result = run_target(config(dokus, tmp_path), messages)
    assert result.error is None
    assert dead_letters(config(dokus, tmp_path)) == []
    assert drafts(emulator)["5000003"]["recipient"] == customer_ids(emulator)["late@example.no"]
    assert result.states[-1]["bookmarks"] == {"invoices": "t1"}


def test_a_reference_that_finds_nothing_is_dead_lettered_naming_it(
    dokus: SandboxServer, tmp_path: Path
) -> None:
    emulator = emulator_of(dokus)
    cfg = config(dokus, tmp_path)
    messages = invoices(
        invoice("5000004", "nobody@example.no", ("Kaffe", 10, 1), code="C100016"),
        invoice("5000005", None, ("Te", 5, 1), code="C100017"),
    )
    messages.append({"type": "STATE", "value": {"bookmarks": {"invoices": "t2"}}})
    result = run_target(cfg, messages)
    assert result.error is not None  # exit 1 at the end: something was refused
    assert drafts(emulator) == {}
    letters = {letter["record"]["sender_ref"]: letter for letter in dead_letters(cfg)}
    assert letters["5000004"]["message"] == (
        "recipient: no Dokus customer has email='nobody@example.no' (customer_code='C100016'), "
        "neither in Dokus nor among this run's customers records"
    )
    assert letters["5000005"]["message"] == (
        "recipient: the record gives no email to find its Dokus customer by "
        "(customer_code='C100017')"
    )
    # nothing lost: the dead-lettered records let state pass
    assert result.states[-1]["bookmarks"] == {"invoices": "t2"}


def test_the_link_survives_runs_and_processes_without_local_state(
    dokus: SandboxServer, tmp_path: Path
) -> None:
    """Run 1 creates the customer; a later process (no state, other dir) finds it in Dokus."""
    emulator = emulator_of(dokus)
    first_dir, second_dir = tmp_path / "machine-a", tmp_path / "machine-b"
    first_dir.mkdir()
    second_dir.mkdir()
    run1 = run_cli(
        config(dokus, first_dir),
        first_dir,
        customers({"email": "c@example.no", "name": "C AS"})
        + invoices(invoice("5000006", "c@example.no", ("Kaffe", 10, 1))),
    )
    assert run1.returncode == 0, run1.stderr
    (customer_id,) = customer_ids(emulator).values()
    run2 = run_cli(
        config(dokus, second_dir),
        second_dir,
        invoices(invoice("5000007", "c@example.no", ("Te", 5, 2))),
    )
    assert run2.returncode == 0, run2.stderr
    assert len(emulator.data["customers"]) == 1
    assert {r: i["recipient"] for r, i in drafts(emulator).items()} == {
        "5000006": customer_id,
        "5000007": customer_id,
    }


def test_an_unchanged_invoice_sends_no_write_and_lines_compare_by_meaning(
    dokus: SandboxServer, tmp_path: Path
) -> None:
    emulator = emulator_of(dokus)
    cfg = config(dokus, tmp_path)
    people = customers({"email": "d@example.no", "name": "D AS"})
    first = invoice("5000008", "d@example.no", ("Kaffe", 10.5, 2))
    assert run_target(cfg, people + invoices(first)).error is None
    emulator.log.clear()
    same = invoice("5000008", "d@example.no", ("Kaffe", "10.500", "2"))
    same["items"][0]["vat_class"] = {"id": 1, "name": "Regular VAT"}
    assert run_target(cfg, people + invoices(same)).error is None
    assert writes(emulator) == []


def test_a_changed_or_added_line_updates_that_draft_only(
    dokus: SandboxServer, tmp_path: Path
) -> None:
    emulator = emulator_of(dokus)
    cfg = config(dokus, tmp_path)
    people = customers({"email": "e@example.no", "name": "E AS"})
    one = invoice("5000009", "e@example.no", ("Kaffe", 10, 1))
    two = invoice("5000010", "e@example.no", ("Te", 5, 1))
    assert run_target(cfg, people + invoices(one, two)).error is None
    ident = drafts(emulator)["5000009"]["id"]
    emulator.log.clear()
    grown = invoice("5000009", "e@example.no", ("Kaffe", 10, 3), ("Kake", 45, 1))
    assert run_target(cfg, people + invoices(grown, two)).error is None
    assert [(w.method, w.path) for w in writes(emulator)] == [("POST", f"/invoices/{ident}/")]
    lines = drafts(emulator)["5000009"]["items"]
    assert [(line["name"], line["quantity"]) for line in lines] == [
        ("Kaffe", "3.00"),
        ("Kake", "1.00"),
    ]
    assert len(emulator.data["invoices"]) == 2


def send_in_dokus(server: SandboxServer, ident: int) -> dict[str, Any]:
    response = requests.post(
        f"{server.url}/invoices/{ident}/send/",
        json={"send_by_email": False, "send_by_post": False},
        auth=(DEFAULT_EMAIL, DEFAULT_PASSWORD),
        headers={"Accept": "application/json"},
        timeout=5,
    )
    response.raise_for_status()
    return response.json()["sent_invoice"]


def test_a_sent_invoice_is_never_duplicated_and_its_changes_are_refused(
    dokus: SandboxServer, tmp_path: Path
) -> None:
    emulator = emulator_of(dokus)
    cfg = config(dokus, tmp_path)
    people = customers({"email": "f@example.no", "name": "F AS"})
    original = invoice("5000012", "f@example.no", ("Kaffe", 10, 1))
    assert run_target(cfg, people + invoices(original)).error is None
    sent = send_in_dokus(dokus, drafts(emulator)["5000012"]["id"])
    emulator.log.clear()

    assert run_target(cfg, people + invoices(original)).error is None  # unchanged: nothing
    assert writes(emulator) == []
    changed = invoice("5000012", "f@example.no", ("Kaffe", 10, 2))
    deleted = {"sender_ref": "5000012", "_sdc_deleted_at": "2025-01-02T00:00:00Z"}
    result = run_target(cfg, people + invoices(changed, deleted))
    assert result.error is not None
    assert writes(emulator) == []
    assert drafts(emulator) == {}
    reason = (
        f"invoice 5000012 was already sent as Dokus invoice {sent['invoice_number']}; "
        "changes need a credit note"
    )
    assert [letter["message"] for letter in dead_letters(cfg)] == [reason, reason]


def test_deleting_an_invoice_deletes_its_draft_under_hard_delete(
    dokus: SandboxServer, tmp_path: Path
) -> None:
    emulator = emulator_of(dokus)
    cfg = config(dokus, tmp_path)
    people = customers({"email": "g@example.no", "name": "G AS"})
    keep = invoice("5000013", "g@example.no", ("Kaffe", 10, 1))
    gone = invoice("5000014", "g@example.no", ("Te", 5, 1))
    assert run_target(cfg, people + invoices(keep, gone)).error is None
    ident = drafts(emulator)["5000014"]["id"]
    deletion = {"sender_ref": "5000014", "_sdc_deleted_at": "2025-01-02T00:00:00Z"}
    emulator.log.clear()
    assert run_target(cfg, invoices(deletion)).error is None
    assert [w.path for w in writes(emulator)] == [f"/invoices/{ident}/delete/"]
    assert set(drafts(emulator)) == {"5000013"}


@pytest.mark.parametrize("send_answer", ["sent_invoice", "empty"])
def test_send_invoices_sends_each_new_draft_once(
    serve: Serve, tmp_path: Path, send_answer: str
) -> None:
    server = serve(DokusEmulator(size=0, invoice_recipient="required", send_answer=send_answer))
    emulator = emulator_of(server)
    cfg = config(server, tmp_path, send_invoices=True)
    people = customers({"email": "h@example.no", "name": "H AS"})
    first = invoice("5000015", "h@example.no", ("Kaffe", 10, 1))
    again = invoice("5000015", "h@example.no", ("Kaffe", 10, 1))
    assert run_target(cfg, people + invoices(first, again)).error is None
    assert emulator.data["invoices"] == {}
    (sent,) = emulator.data["sent_invoices"].values()
    assert sent["sender_ref"] == "5000015"
    sends = [w for w in writes(emulator) if w.path.endswith("/send/")]
    assert len(sends) == 1
    emulator.log.clear()
    assert run_target(cfg, people + invoices(first)).error is None
    assert writes(emulator) == []


def test_send_invoices_is_off_by_default(dokus: SandboxServer, tmp_path: Path) -> None:
    emulator = emulator_of(dokus)
    people = customers({"email": "i@example.no", "name": "I AS"})
    assert (
        run_target(
            config(dokus, tmp_path), people + invoices(invoice("1", "i@example.no", ("K", 1, 1)))
        ).error
        is None
    )
    assert emulator.data["sent_invoices"] == {}
    assert not [w for w in writes(emulator) if w.path.endswith("/send/")]


@pytest.mark.parametrize(
    ("references", "expected"),
    [
        ({"products": {"x": "email"}}, "references.products: only invoices records can reference"),
        (
            {"invoices": {"vat_class": "email"}},
            "references.invoices.vat_class: not a reference field",
        ),
        (
            {"invoices": {"recipient": "mail"}},
            "references.invoices.recipient: give the customers field",
        ),
    ],
)
def test_a_bad_reference_setting_is_one_line(
    dokus: SandboxServer, tmp_path: Path, references: dict, expected: str
) -> None:
    result = run_cli(config_for(dokus, tmp_path, references=references), tmp_path, [])
    assert result.returncode == 1
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_a_dry_run_writes_nothing_and_refuses_no_invoice_for_a_customer_it_would_create(
    dokus: SandboxServer, tmp_path: Path
) -> None:
    emulator = emulator_of(dokus)
    cfg = config(dokus, tmp_path, dry_run=True)
    messages = customers({"email": "j@example.no", "name": "J AS"}) + invoices(
        invoice("5000020", "j@example.no", ("Kaffe", 10, 1))
    )
    result = run_target(cfg, messages)
    assert result.error is None
    assert writes(emulator) == []
    assert dead_letters(cfg) == []


@pytest.mark.parametrize("item_updates", ["replace", "append", "ignore"])
def test_changed_lines_land_whatever_an_update_does_to_old_lines(
    serve: Serve, tmp_path: Path, item_updates: str
) -> None:
    server = serve(DokusEmulator(size=0, invoice_recipient="required", item_updates=item_updates))
    emulator = emulator_of(server)
    cfg = config(server, tmp_path)
    people = customers({"email": "k@example.no", "name": "K AS"})
    assert (
        run_target(
            cfg, people + invoices(invoice("5000030", "k@example.no", ("Kaffe", 10, 1)))
        ).error
        is None
    )
    grown = invoice("5000030", "k@example.no", ("Kaffe", 10, 2), ("Kake", 45, 1))
    assert run_target(cfg, people + invoices(grown)).error is None
    (draft,) = emulator.data["invoices"].values()
    assert draft["sender_ref"] == "5000030"
    assert [(line["name"], line["quantity"]) for line in draft["items"]] == [
        ("Kaffe", "2.00"),
        ("Kake", "1.00"),
    ]
    emulator.log.clear()
    assert run_target(cfg, people + invoices(grown)).error is None
    assert writes(emulator) == []


def test_a_refused_invoice_replays_once_its_customer_exists(
    dokus: SandboxServer, tmp_path: Path
) -> None:
    """The dead letter keeps the e-mail reference, so a replay resolves it afresh."""
    import io

    from target_dokus.replay import write_replay

    emulator = emulator_of(dokus)
    cfg = config(dokus, tmp_path)
    refused = invoice("5000040", "later@example.no", ("Kaffe", 10, 1), code="C40")
    assert run_target(cfg, invoices(refused)).error is not None
    assert run_target(cfg, customers({"email": "later@example.no", "name": "L AS"})).error is None
    dead_letter = Path(cfg["dead_letter_path"])
    replay = io.StringIO()
    with dead_letter.open(encoding="utf-8") as source:
        assert write_replay(source, replay) == 1
    dead_letter.unlink()
    assert run_target(cfg, replay.getvalue()).error is None
    assert drafts(emulator)["5000040"]["recipient"] == customer_ids(emulator)["later@example.no"]
    assert dead_letters(cfg) == []


def test_the_invoices_replay_plugin_keeps_the_jobs_keys_and_references_not_its_maps() -> None:
    """`... | meltano invoke target-dokus--invoices-replay` (README): replayed records are mapped."""
    import yaml

    from sandbox.meltano_project import ROOT

    project = yaml.safe_load((ROOT / "meltano.yml").read_text(encoding="utf-8"))
    loaders = {p["name"]: p for p in project["plugins"]["loaders"]}
    job, replay = loaders["target-dokus--invoices"], loaders["target-dokus--invoices-replay"]
    assert replay["inherit_from"] == "target-dokus"
    for setting in ("match_keys", "references", "hard_delete", "dead_letter_path"):
        assert replay["config"][setting] == job["config"][setting]
    assert "stream_maps" not in replay["config"]
    assert "stream_resources" not in replay["config"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "| meltano --environment=dev invoke target-dokus--invoices-replay" in readme
