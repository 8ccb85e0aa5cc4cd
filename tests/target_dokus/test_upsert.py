"""Upserts: create on the first run, update what changed, send nothing for unchanged records."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from sandbox.common import Emulator, SandboxServer
from sandbox.dokus import DokusEmulator
from tests.target_dokus.harness import (
    by_number,
    config_for,
    dead_letters,
    products,
    record,
    run_target,
    schema,
    state,
    writes,
)

Serve = Callable[[Emulator], SandboxServer]

FIRST = [
    {"product_number": "N-1", "name": "Brunost Tine", "price": 89.9, "default_vat_class": 2},
    {"product_number": "N-2", "name": "Kjøttkaker", "price": "149.00", "comment": "Frossen"},
    {"product_number": "N-3", "name": "Lefse", "price": 25, "default_vat_class": {"id": 1}},
]


@pytest.fixture
def dokus(serve: Serve) -> SandboxServer:
    return serve(DokusEmulator(size=2))


def test_first_run_creates_second_updates_third_sends_no_writes(
    dokus: SandboxServer, tmp_path: Path
) -> None:
    emulator = dokus.emulator
    config = config_for(dokus, tmp_path)

    first = run_target(config, [*products(*FIRST), state({"bookmarks": {"products": "1"}})])
    assert first.error is None
    assert first.states == [{"bookmarks": {"products": "1"}}]
    assert [e.path for e in writes(emulator)] == ["/products/create/"] * 3
    held = by_number(emulator)
    assert held["N-1"]["price"] == "89.90"
    assert held["N-1"]["default_vat_class"] == 2
    assert held["N-2"]["comment"] == "Frossen"
    assert held["N-3"]["default_vat_class"] == 1
    ids = {n: held[n]["id"] for n in ("N-1", "N-2", "N-3")}

    emulator.log.clear()
    changed = [dict(FIRST[0], price="95.00"), FIRST[1], dict(FIRST[2], name="Lefse Røros")]
    second = run_target(config, products(*changed))
    assert second.error is None
    assert sorted(e.path for e in writes(emulator)) == [
        f"/products/{ids['N-1']}/",
        f"/products/{ids['N-3']}/",
    ]
    held = by_number(emulator)
    assert held["N-1"]["price"] == "95.00"
    assert held["N-3"]["name"] == "Lefse Røros"
    assert len(emulator.data["products"]) == 2 + 3  # no duplicates

    emulator.log.clear()
    third = run_target(config, products(*changed))
    assert third.error is None
    assert writes(emulator) == []
    assert [(e.method, e.path) for e in emulator.log.entries()] == [("GET", "/products/")]


def test_update_sends_only_writable_fields_and_never_read_only_or_unknown_ones(
    dokus: SandboxServer, tmp_path: Path
) -> None:
    props = {
        "product_number": {"type": "string"},
        "name": {"type": "string"},
        "price": {"type": "string"},
        "creation_time": {"type": "string"},
        "modification_by": {"type": "object"},
        "colour": {"type": "string"},
    }
    data = {
        "product_number": "X-1",
        "name": "Rømme",
        "price": "12.00",
        "creation_time": "1999-01-01 00:00:00",
        "modification_by": {"id": 9},
        "colour": "blå",
    }
    result = run_target(
        config_for(dokus, tmp_path),
        [schema("products", props, ["product_number"]), record("products", data)],
    )
    assert result.error is None
    (sent,) = writes(dokus.emulator)
    assert json.loads(sent.body) == {"product_number": "X-1", "name": "Rømme", "price": "12.00"}


def test_record_carrying_the_dokus_id_updates_it_directly(
    dokus: SandboxServer, tmp_path: Path
) -> None:
    emulator = dokus.emulator
    number = emulator.data["products"][1]["product_number"]
    props = {
        "id": {"type": "integer"},
        "product_number": {"type": "string"},
        "name": {"type": "string"},
    }
    result = run_target(
        config_for(dokus, tmp_path),
        [
            schema("products", props, ["id"]),
            record("products", {"id": 1, "product_number": number, "name": "Nytt navn"}),
            record("products", {"id": 2, "name": "Uten nummer"}),
        ],
    )
    assert result.error is None
    assert sorted(e.path for e in writes(emulator)) == ["/products/1/", "/products/2/"]
    assert emulator.data["products"][1]["name"] == "Nytt navn"
    assert emulator.data["products"][2]["name"] == "Uten nummer"


def test_an_id_that_belongs_to_another_record_is_refused_not_overwritten(
    dokus: SandboxServer, tmp_path: Path
) -> None:
    emulator = dokus.emulator
    before = dict(emulator.data["products"][1])
    props = {
        "id": {"type": "integer"},
        "product_number": {"type": "string"},
        "name": {"type": "string"},
    }
    config = config_for(dokus, tmp_path)
    result = run_target(
        config,
        [
            schema("products", props, ["id"]),
            record("products", {"id": 1, "product_number": "ERP-7", "name": "x"}),
        ],
    )
    assert writes(emulator) == []
    assert emulator.data["products"][1] == before
    (letter,) = dead_letters(config)
    assert "drop it with a stream map" in letter["message"]
    assert result.error is not None


def test_configured_match_key_list_matches_on_all_fields(serve: Serve, tmp_path: Path) -> None:
    server = serve(DokusEmulator(size=0))
    emulator = server.emulator
    emulator.save("customers", {"name": "Fjord AS", "email": "post@fjord.no", "org_number": None})
    props = {"name": {"type": "string"}, "email": {"type": "string"}, "phone": {"type": "string"}}
    config = config_for(server, tmp_path, match_keys={"customers": ["name", "email"]})
    result = run_target(
        config,
        [
            schema("customers", props),
            record("customers", {"name": "Fjord AS", "email": "post@fjord.no", "phone": "+47 1"}),
            record("customers", {"name": "Fjord AS", "email": "annen@fjord.no"}),
        ],
    )
    assert result.error is None
    assert [e.path for e in writes(emulator)] == ["/customers/1/", "/customers/create/"]
    assert emulator.data["customers"][1]["phone"] == "+47 1"


def test_same_key_twice_in_one_run_creates_once_then_updates(
    dokus: SandboxServer, tmp_path: Path
) -> None:
    emulator = dokus.emulator
    result = run_target(
        config_for(dokus, tmp_path),
        products(
            {"product_number": "D-1", "name": "Kaffe", "price": "10"},
            {"product_number": "D-1", "name": "Kaffe", "price": "11"},
        ),
    )
    assert result.error is None
    assert [e.path for e in writes(emulator)] == ["/products/create/", "/products/3/"]
    assert by_number(emulator)["D-1"]["price"] == "11.00"


def test_record_without_a_match_key_value_is_dead_lettered_not_created(
    dokus: SandboxServer, tmp_path: Path
) -> None:
    config = config_for(dokus, tmp_path)
    result = run_target(
        config, products({"product_number": "", "name": "Uten nøkkel", "price": "1"})
    )
    assert writes(dokus.emulator) == []
    (letter,) = dead_letters(config)
    assert "match key product_number" in letter["message"]
    assert result.error is not None


def test_invoices_with_items_are_created_and_then_left_alone(serve: Serve, tmp_path: Path) -> None:
    server = serve(DokusEmulator(size=1))
    emulator = server.emulator
    props = {
        "sender_ref": {"type": "string"},
        "recipient": {"type": "integer"},
        "recipient_name": {"type": "string"},
        "send_date": {"type": "string", "format": "date"},
        "items": {"type": "array", "items": {"type": "object"}},
    }
    invoice = {
        "sender_ref": "ERP-1001",
        "recipient": 1,
        "recipient_name": "Bjørn Østby",
        "send_date": "2024-05-02",
        "items": [{"name": "Kaffe", "unit_price": 10.5, "quantity": 2, "vat_class": {"id": 2}}],
    }
    messages = [schema("invoices", props, ["sender_ref"]), record("invoices", invoice)]
    config = config_for(server, tmp_path)
    assert run_target(config, messages).error is None
    created = next(i for i in emulator.data["invoices"].values() if i["sender_ref"] == "ERP-1001")
    assert created["send_date"] == "2024-05-02"
    assert created["items"][0]["unit_price"] == "10.50"
    assert created["items"][0]["vat_class"] == 2
    emulator.log.clear()
    assert run_target(config, messages).error is None
    assert writes(emulator) == []


def test_stream_maps_reshape_records_before_they_reach_dokus(
    dokus: SandboxServer, tmp_path: Path
) -> None:
    config = config_for(
        dokus,
        tmp_path,
        stream_maps={
            "erp_items": {
                "__alias__": "products",
                "__key_properties__": ["product_number"],
                "product_number": "code",
                "name": "title",
                "price": "str(cost)",
                "code": "__NULL__",
                "title": "__NULL__",
                "cost": "__NULL__",
            }
        },
    )
    props = {"code": {"type": "string"}, "title": {"type": "string"}, "cost": {"type": "number"}}
    result = run_target(
        config,
        [
            schema("erp_items", props, ["code"]),
            record("erp_items", {"code": "E-9", "title": "Sõõrik", "cost": 3.5}),
        ],
    )
    assert result.error is None
    assert by_number(dokus.emulator)["E-9"]["name"] == "Sõõrik"
    assert by_number(dokus.emulator)["E-9"]["price"] == "3.50"
