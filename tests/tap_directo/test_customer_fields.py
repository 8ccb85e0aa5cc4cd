"""`document_customer_fields`: each order and invoice carries fields of its customer, so a target
can find that customer by a value it holds (Dokus: the e-mail), on every run and machine."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sandbox.common import SandboxServer
from sandbox.directo import DirectoEmulator
from tests.tap_directo.harness import config_for, run_tap, sandbox
from tests.tap_directo.test_config import run_cli

Serve = Callable[..., SandboxServer]


def test_documents_carry_their_customers_email_and_vat_number(serve: Serve) -> None:
    server = serve(DirectoEmulator(size=15, rate_limit_per_minute=0))
    directo = sandbox(server)
    customer = next(c for c in directo.store.records("customers") if c["code"] == "C100003")
    directo.store.edit("customers", {"code": "C100003"}, drop_fields=["email"])
    config = config_for(server, document_customer_fields=["email", "vat_number"])
    out = run_tap(config, streams={"invoices", "orders"})

    customers = {c["code"]: c for c in directo.store.records("customers")}
    for stream in ("invoices", "orders"):
        records = out.records[stream]
        assert len(records) == 15
        for document in records:
            source = customers[document["customer_code"]]
            assert document.get("customer_email") == source.get("email")
            assert document["customer_vat_number"] == source["vat_number"]
        props = out.schemas[stream]["schema"]["properties"]
        assert props["customer_email"] == {"type": ["string", "null"]}
    without = [d for d in out.records["invoices"] if d["customer_code"] == "C100003"]
    assert customer["email"]
    assert all("customer_email" not in d for d in without)
    # one /customers request per document stream, however many documents
    reads = [e for e in directo.log.entries() if e.path.endswith("/customers")]
    assert len(reads) == 2


def test_off_by_default_and_no_customers_request(serve: Serve) -> None:
    server = serve(DirectoEmulator(size=5, rate_limit_per_minute=0))
    out = run_tap(config_for(server), streams={"invoices"})
    assert all("customer_email" not in d for d in out.records["invoices"])
    assert not [e for e in sandbox(server).log.entries() if e.path.endswith("/customers")]


def test_an_unknown_customer_field_is_a_one_line_config_error(tmp_path: Path) -> None:
    config = {"api_key": "k", "base_url": "http://127.0.0.1:9/apidirect"}
    result = run_cli(tmp_path, {**config, "document_customer_fields": ["mail"]})
    assert result.returncode == 1
    assert (
        "document_customer_fields: 'mail' is not a customer field; use name, country, city, "
        "address, phone, email, vat_number, payment_terms, credit_limit, closed"
    ) in result.stderr
    assert "Traceback" not in result.stderr
