"""Nothing lost: refused records are dead-lettered or stop the run, state never runs ahead."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from sandbox.common import Emulator, Fault, SandboxServer
from sandbox.dokus import DEFAULT_PASSWORD, DokusEmulator
from target_dokus.errors import DokusAuthError, DokusRunError
from tests.target_dokus.harness import (
    PRODUCT_PROPERTIES,
    by_number,
    config_for,
    dead_letters,
    products,
    record,
    run_cli,
    run_target,
    schema,
    state,
    writes,
)

Serve = Callable[[Emulator], SandboxServer]
GOOD = {"product_number": "G-1", "name": "Brunost", "price": "10"}
BAD = {"product_number": "B-1", "name": "Lefse", "price": "ikke et tall"}
LATER = {"product_number": "G-2", "name": "Kaffe", "price": "20"}
BOOKMARK_1 = {"bookmarks": {"products": 1}}
BOOKMARK_2 = {"bookmarks": {"products": 2}}
WITH_BAD = [
    *products(GOOD),
    state(BOOKMARK_1),
    record("products", BAD),
    record("products", LATER),
    state(BOOKMARK_2),
]


@pytest.fixture
def dokus(serve: Serve) -> SandboxServer:
    return serve(DokusEmulator(size=1))


@pytest.mark.parametrize(
    ("status", "shape"), [(400, "wrapped"), (401, "wrapped"), (400, "flat"), (401, "flat")]
)
def test_validation_failure_is_dead_lettered_and_the_exit_code_is_non_zero(
    serve: Serve, tmp_path: Path, status: int, shape: str
) -> None:
    server = serve(DokusEmulator(size=1, validation_status=status, error_shape=shape))
    config = config_for(server, tmp_path)
    result = run_cli(config, tmp_path, WITH_BAD)
    assert result.returncode == 1
    assert "1 record(s) refused by Dokus were written to" in result.stderr
    (letter,) = dead_letters(config)
    assert letter["record"] == BAD
    assert letter["stream"] == "products"
    assert letter["resource"] == "products"
    assert letter["status"] == status
    assert letter["message"] == "price: Enter a number."
    # The run went on: the records around the bad one arrived, and state moved past all three
    # (each state as soon as the records before it were handled).
    assert set(by_number(server.emulator)) >= {"G-1", "G-2"}
    assert [json.loads(line) for line in result.stdout.splitlines()] == [BOOKMARK_1, BOOKMARK_2]


def test_state_goes_out_only_after_the_dead_letter_line_is_on_disk(
    dokus: SandboxServer, tmp_path: Path
) -> None:
    config = config_for(dokus, tmp_path, max_concurrency=4)
    seen: list[tuple[int, set[str]]] = []

    def on_state(_line: str) -> None:
        seen.append((len(dead_letters(config)), set(by_number(dokus.emulator))))

    result = run_target(config, WITH_BAD, on_state=on_state)
    assert isinstance(result.error, DokusRunError)
    # BOOKMARK_1 covers G-1 only; BOOKMARK_2 went out once BAD's dead-letter line was on disk.
    assert seen[0][1] >= {"P00001", "G-1"}
    assert seen[1:] == [(1, {"P00001", "G-1", "G-2"})]


def test_on_error_fail_stops_at_the_first_refusal_and_emits_no_state_past_it(
    dokus: SandboxServer, tmp_path: Path
) -> None:
    config = config_for(dokus, tmp_path, on_error="fail")
    result = run_cli(config, tmp_path, WITH_BAD)
    assert result.returncode == 1
    assert "Dokus refused a record of stream 'products'" in result.stderr
    assert "price: Enter a number." in result.stderr
    # BOOKMARK_1 covers G-1, written before the refusal; BOOKMARK_2 never goes out.
    assert [json.loads(line) for line in result.stdout.splitlines()] == [BOOKMARK_1]
    assert "G-2" not in by_number(dokus.emulator)
    assert dead_letters(config) == []


def test_auth_failure_stops_at_the_first_request_with_a_clear_message(
    dokus: SandboxServer, tmp_path: Path
) -> None:
    config = config_for(dokus, tmp_path, password="feil-passord-123")
    result = run_cli(config, tmp_path, WITH_BAD)
    assert result.returncode == 1
    host = dokus.url.split("//", 1)[1]
    assert f"Dokus rejected the e-mail/password for {host}" in result.stderr
    assert "feil-passord-123" not in result.stderr
    assert len(dokus.emulator.log) == 1
    assert result.stdout == ""


def test_auth_failure_names_the_subdomain(dokus: SandboxServer, tmp_path: Path) -> None:
    from target_dokus.client import DokusClient

    client = DokusClient(dokus.url, "a@b.no", "wrong", account_label="mittfirma")
    with pytest.raises(DokusAuthError, match="Dokus rejected the e-mail/password for mittfirma"):
        client.request("GET", "/products/")


def test_429_and_503_are_retried_honouring_retry_after(
    dokus: SandboxServer, tmp_path: Path
) -> None:
    emulator = dokus.emulator
    emulator.faults.add(Fault(kind="status", status=429, retry_after=3, count=1, method="POST"))
    emulator.faults.add(Fault(kind="status", status=503, count=1, method="POST"))
    config = config_for(dokus, tmp_path)
    result = run_target(config, [*products(GOOD), state(BOOKMARK_1)])
    assert result.error is None
    assert [e.status for e in writes(emulator)] == [429, 503, 200]
    assert len(result.waits) == 2
    assert 3.0 <= result.waits[0] < 3.5  # the server's Retry-After
    assert 2.0 <= result.waits[1] < 2.5  # then exponential backoff (1, 2, 4, ...)
    assert "G-1" in by_number(emulator)
    assert result.states == [BOOKMARK_1]


def test_when_retries_run_out_the_record_is_dead_lettered(
    dokus: SandboxServer, tmp_path: Path
) -> None:
    dokus.emulator.faults.add(Fault(kind="status", status=503, count=5, method="POST"))
    config = config_for(dokus, tmp_path)
    result = run_target(config, [*products(GOOD), state(BOOKMARK_1)])
    assert len(writes(dokus.emulator)) == 5
    (letter,) = dead_letters(config)
    assert letter["status"] == 503
    assert "gave up after 5 tries" in letter["message"]
    assert isinstance(result.error, DokusRunError)
    assert result.states == [BOOKMARK_1]


@pytest.mark.parametrize("kind", ["truncate", "malformed"])
def test_a_create_whose_answer_is_lost_is_not_duplicated(
    dokus: SandboxServer, tmp_path: Path, kind: str
) -> None:
    emulator = dokus.emulator
    emulator.faults.add(Fault(kind=kind, path="/products/create/"))
    result = run_target(config_for(dokus, tmp_path), products(GOOD))
    assert result.error is None
    assert [p["product_number"] for p in emulator.data["products"].values()].count("G-1") == 1
    assert [e.path for e in writes(emulator)] == ["/products/create/"]


def test_dry_run_reads_but_sends_no_writes(dokus: SandboxServer, tmp_path: Path) -> None:
    emulator = dokus.emulator
    before = json.dumps(emulator.data, sort_keys=True)
    changed = {"product_number": "P00001", "name": "Endret", "price": "1"}
    config = config_for(dokus, tmp_path, dry_run=True, hard_delete=True)
    result = run_cli(config, tmp_path, [*products(GOOD, changed), state(BOOKMARK_1)])
    assert result.returncode == 0, result.stderr
    assert writes(emulator) == []
    assert json.dumps(emulator.data, sort_keys=True) == before
    assert "dry run: would create products (product_number='G-1')" in result.stderr
    assert "dry run: would update products (product_number='P00001')" in result.stderr


def test_meltano_test_stream_is_skipped_with_one_log_line(
    dokus: SandboxServer, tmp_path: Path
) -> None:
    props = {"id": {"type": "integer"}, "name": {"type": "string"}}
    messages = [
        schema("meltano_test_stream", props, ["id"]),
        record("meltano_test_stream", {"id": 1, "name": "Meltano Test Record"}),
    ]
    result = run_cli(config_for(dokus, tmp_path), tmp_path, messages)
    assert result.returncode == 0, result.stderr
    assert len(dokus.emulator.log) == 0
    assert result.stderr.count("'meltano_test_stream' maps to no Dokus resource") == 1


def test_a_stream_mapped_to_sent_invoices_is_refused_at_start_up(
    dokus: SandboxServer, tmp_path: Path
) -> None:
    config = config_for(dokus, tmp_path, stream_resources={"erp_invoices": "sent_invoices"})
    result = run_cli(config, tmp_path, "")
    assert result.returncode == 1
    assert "stream_resources.erp_invoices: sent invoices are read-only in Dokus" in result.stderr
    assert len(dokus.emulator.log) == 0


def test_a_stream_named_sent_invoices_is_refused(dokus: SandboxServer, tmp_path: Path) -> None:
    result = run_target(config_for(dokus, tmp_path), [schema("sent_invoices", PRODUCT_PROPERTIES)])
    assert isinstance(result.error, DokusRunError)
    assert "read-only" in str(result.error)
    assert len(dokus.emulator.log) == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"base_url": "http://dokus.example.no"}, "base_url: use https://"),
        ({"base_url": None, "subdomain": None}, "subdomain: set it"),
        ({"base_url": None, "subdomain": "mitt firma"}, "is not a Dokus subdomain"),
        ({"stream_resources": {"items": "varer"}}, "unknown Dokus resource 'varer'"),
        ({"match_keys": {"products": "sku"}}, "match_keys.products: 'sku' is not a writable"),
        (
            {"match_keys": {"products": {"field": "sku"}}},
            'match_keys.products: give a field name or a non-empty list of field names (e.g. "pro',
        ),
        ({"match_keys": {"customers": []}}, "match_keys.customers: give a field name or a non"),
        ({"match_keys": {"products": 5}}, "match_keys.products: give a field name or a non-em"),
        ({"max_concurrency": 0}, "max_concurrency: use a number from 1 to 32"),
        ({"max_concurrency": -1}, "max_concurrency: use a number from 1 to 32"),
        (
            {"on_error": "skip"},
            "'skip' is not one of ['dead_letter', 'fail'] in config['on_error']",
        ),
        ({"base_url": "127.0.0.1:8703"}, "base_url: give a full URL such as https://"),
    ],
)
def test_bad_settings_give_one_actionable_line_and_exit_1(
    dokus: SandboxServer, tmp_path: Path, overrides: dict, message: str
) -> None:
    config = {
        k: v for k, v in {**config_for(dokus, tmp_path), **overrides}.items() if v is not None
    }
    result = run_cli(config, tmp_path, "")
    assert result.returncode == 1
    assert message in result.stderr
    assert DEFAULT_PASSWORD not in result.stderr


def test_secrets_never_reach_logs_or_the_dead_letter_file(serve: Serve, tmp_path: Path) -> None:
    password = "hemmelig-Ø-passord-987"
    server = serve(DokusEmulator(size=1, password=password))
    server.emulator.faults.add(Fault(kind="status", status=503, count=1, method="POST"))
    config = config_for(server, tmp_path, password=password)
    bad_with_secret = dict(BAD, comment=f"kunden sa {password}")
    result = run_cli(config, tmp_path, [*products(GOOD, bad_with_secret), state(BOOKMARK_1)])
    assert result.returncode == 1
    text = Path(config["dead_letter_path"]).read_text(encoding="utf-8")
    assert dead_letters(config)
    assert password not in text
    assert password not in result.stderr
    assert password not in result.stdout


@pytest.mark.parametrize(
    ("messages", "message"),
    [
        (
            [record("products", GOOD)],
            "A record for stream 'products' was encountered before a corresponding schema.",
        ),
        (
            products({"name": "Uten nummer"}),
            "Record is missing one or more key_properties. Key Properties: ['product_number'] "
            "Fix the tap's output or reshape it with stream_maps.",
        ),
        ('{"type": "RECORD", "record": {}}\n', "Line is missing required stream key(s)"),
    ],
)
def test_bad_singer_input_ends_with_one_line_and_no_traceback(
    dokus: SandboxServer, tmp_path: Path, messages: list | str, message: str
) -> None:
    result = run_cli(config_for(dokus, tmp_path), tmp_path, messages)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "| ERROR" in line]
    assert errors[-1].split("| ")[-1].startswith("Bad Singer input, nothing after it was written")
    assert message in errors[-1]
    assert not writes(dokus.emulator)


def test_unreachable_dokus_says_where_and_what_to_check(tmp_path: Path) -> None:
    config = {
        "base_url": "http://127.0.0.1:9",
        "email": "ole@example.no",
        "password": DEFAULT_PASSWORD,
        "dead_letter_path": str(tmp_path / "dead.jsonl"),
    }
    result = run_target(config, products(GOOD))
    assert isinstance(result.error, DokusRunError)
    assert str(result.error) == (
        "could not read Dokus products to match records: gave up after 5 tries: no answer from "
        "127.0.0.1:9 (connection refused); check base_url (or subdomain)"
    )


@pytest.mark.parametrize(
    ("status", "hint"),
    [(403, "give the Dokus user access to products"), (503, "run again later")],
)
def test_index_read_failure_says_what_to_do(
    dokus: SandboxServer, tmp_path: Path, status: int, hint: str
) -> None:
    dokus.emulator.faults.add(
        Fault(kind="status", status=status, retry_after=0, count=5, method="GET")
    )
    result = run_target(config_for(dokus, tmp_path), products(GOOD))
    assert isinstance(result.error, DokusRunError)
    assert str(result.error).startswith("could not read Dokus products to match records: ")
    assert str(result.error).endswith(hint)
    assert not writes(dokus.emulator)
