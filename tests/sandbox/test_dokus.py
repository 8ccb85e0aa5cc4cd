"""Pin the Dokus emulator to dokus-api-no.txt / dokus-resources.md: one test per behaviour."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from sandbox.common import Emulator, Fault, SandboxServer
from sandbox.dokus import DEFAULT_EMAIL, DEFAULT_PASSWORD, DokusEmulator

AUTH = (DEFAULT_EMAIL, DEFAULT_PASSWORD)
JSON_HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}

# resource name, path, list key, single key, a valid create body
WRITABLE = [
    ("customers", "/customers/", "customers", "customer", {"name": "Bjørn Østby AS"}),
    ("customer_groups", "/customers/groups/", "groups", "group", {"name": "Grossister"}),
    (
        "products",
        "/products/",
        "products",
        "product",
        {"name": "Brunost Tine", "price": "199.50", "product_number": "1234"},
    ),
    (
        "invoices",
        "/invoices/",
        "invoices",
        "invoice",
        {
            "recipient_name": "Åse Håland",
            "items": [{"name": "Lefse", "unit_price": "12.00", "quantity": "3"}],
        },
    ),
]
ALL_LISTS = [(w[1], w[2]) for w in WRITABLE] + [("/invoices/sent/", "sent_invoices")]


def get(server: SandboxServer, path: str, **kwargs: Any) -> requests.Response:
    kwargs.setdefault("headers", {"Accept": "application/json"})
    kwargs.setdefault("auth", AUTH)
    kwargs.setdefault("timeout", 5)
    return requests.get(server.url + path, **kwargs)


def post(server: SandboxServer, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
    kwargs.setdefault("headers", JSON_HEADERS)
    kwargs.setdefault("auth", AUTH)
    return requests.post(server.url + path, json=body, timeout=5, **kwargs)


@pytest.mark.parametrize(("path", "list_key"), ALL_LISTS)
def test_list_is_wrapped_in_plural_key(
    dokus_sandbox: SandboxServer, path: str, list_key: str
) -> None:
    response = get(dokus_sandbox, path)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert list(body) == [list_key]
    assert len(body[list_key]) == 20  # the size knob's default


@pytest.mark.parametrize("case", WRITABLE, ids=[w[0] for w in WRITABLE])
def test_get_single_is_wrapped_in_singular_key(dokus_sandbox: SandboxServer, case: tuple) -> None:
    _name, path, list_key, single_key, _body = case
    first = get(dokus_sandbox, path).json()[list_key][0]
    response = get(dokus_sandbox, f"{path}{first['id']}/")
    assert response.status_code == 200
    assert response.json() == {single_key: first}


@pytest.mark.parametrize("case", WRITABLE, ids=[w[0] for w in WRITABLE])
def test_create_returns_200_with_the_new_resource(
    dokus_sandbox: SandboxServer, case: tuple
) -> None:
    _name, path, list_key, single_key, body = case
    response = post(dokus_sandbox, f"{path}create/", body)
    assert response.status_code == 200
    created = response.json()[single_key]
    assert created["id"] == 21
    assert created["name" if "name" in body else "recipient_name"] == next(iter(body.values()))
    assert get(dokus_sandbox, f"{path}21/").json() == {single_key: created}
    assert len(get(dokus_sandbox, path).json()[list_key]) == 21


@pytest.mark.parametrize("case", WRITABLE, ids=[w[0] for w in WRITABLE])
def test_update_posts_to_the_resource_url_and_changes_only_sent_fields(
    dokus_sandbox: SandboxServer, case: tuple
) -> None:
    name, path, _list_key, single_key, _body = case
    before = get(dokus_sandbox, f"{path}2/").json()[single_key]
    field = "recipient_name" if name == "invoices" else "name"
    response = post(dokus_sandbox, f"{path}2/", {field: "Kåre Sæther"})
    assert response.status_code == 200
    after = response.json()[single_key]
    assert after[field] == "Kåre Sæther"
    unchanged = {k: v for k, v in before.items() if k not in (field, "modification_time")}
    assert {k: after[k] for k in unchanged} == unchanged
    assert after["modification_time"] > before["modification_time"]


@pytest.mark.parametrize("case", WRITABLE, ids=[w[0] for w in WRITABLE])
def test_delete_answers_204_and_the_resource_is_gone(
    dokus_sandbox: SandboxServer, case: tuple
) -> None:
    _name, path, list_key, _single_key, _body = case
    response = post(dokus_sandbox, f"{path}3/delete/")
    assert response.status_code == 204
    assert response.content == b""
    assert get(dokus_sandbox, f"{path}3/").status_code == 404
    assert 3 not in [r["id"] for r in get(dokus_sandbox, path).json()[list_key]]


def test_delete_of_a_missing_id_is_404(dokus_sandbox: SandboxServer) -> None:
    assert post(dokus_sandbox, "/products/3/delete/").status_code == 204
    again = post(dokus_sandbox, "/products/3/delete/")
    assert again.status_code == 404
    assert "error" in again.json()


def test_get_and_update_of_a_missing_id_are_404(dokus_sandbox: SandboxServer) -> None:
    assert get(dokus_sandbox, "/products/999/").status_code == 404
    assert post(dokus_sandbox, "/products/999/", {"name": "x"}).status_code == 404


def test_doc_example_product_shape(dokus_sandbox: SandboxServer) -> None:
    body = {
        "name": "The Definitive Guide to Django",
        "comment": "Paperback, 2009",
        "price": "199.50",
        "product_number": "1234",
        "default_vat_class": "1",
    }
    product = post(dokus_sandbox, "/products/create/", body).json()["product"]
    assert product["price"] == "199.50"
    assert product["default_vat_class"] == {"id": 1, "name": "Regular VAT"}
    assert product["creation_by"] == {"id": 1, "first_name": "Ole Nordmann", "email": DEFAULT_EMAIL}
    assert product["modification_by"] == product["creation_by"]
    for stamp in ("creation_time", "modification_time"):
        assert len(product[stamp]) == 19
        assert product[stamp][4] == "-"
        assert product[stamp][10] == " "
        assert product[stamp][13] == ":"


def test_price_is_normalised_to_a_two_decimal_string(dokus_sandbox: SandboxServer) -> None:
    product = post(dokus_sandbox, "/products/create/", {"name": "Rømme", "price": 19.5}).json()
    assert product["product"]["price"] == "19.50"


def test_list_search_is_a_case_insensitive_contains_match(dokus_sandbox: SandboxServer) -> None:
    post(dokus_sandbox, "/invoices/create/", {"recipient_name": "Test Testesen AS"})
    post(dokus_sandbox, "/invoices/create/", {"recipient_name": "Mr TEST"})
    found = get(dokus_sandbox, "/invoices/?recipient_name=test").json()["invoices"]
    assert sorted(i["recipient_name"] for i in found) == ["Mr TEST", "Test Testesen AS"]


def test_find_endpoint_takes_the_same_criteria(dokus_sandbox: SandboxServer) -> None:
    post(
        dokus_sandbox,
        "/products/create/",
        {"name": "Kjøttkaker", "price": "1", "product_number": "ZX-9"},
    )
    found = get(dokus_sandbox, "/products/find/?product_number=zx-9").json()["products"]
    assert [p["name"] for p in found] == ["Kjøttkaker"]


def test_unknown_search_parameters_are_ignored(dokus_sandbox: SandboxServer) -> None:
    found = get(dokus_sandbox, "/products/?no_such_criterion=x").json()["products"]
    assert len(found) == 20


def test_relation_given_as_object_uses_only_its_id(dokus_sandbox: SandboxServer) -> None:
    body = {"name": "Django", "price": "1", "default_vat_class": {"id": 2, "name": "ignored"}}
    product = post(dokus_sandbox, "/products/create/", body).json()["product"]
    assert product["default_vat_class"] == {"id": 2, "name": "Low VAT"}


def test_relation_given_as_id_is_accepted(dokus_sandbox: SandboxServer) -> None:
    product = post(
        dokus_sandbox, "/products/create/", {"name": "D", "price": "1", "default_vat_class": 4}
    )
    assert product.json()["product"]["default_vat_class"] == {"id": 4, "name": "No VAT"}


def test_invoice_recipient_must_be_an_existing_customer(dokus_sandbox: SandboxServer) -> None:
    ok = post(dokus_sandbox, "/invoices/create/", {"recipient_name": "A", "recipient": {"id": 5}})
    assert ok.json()["invoice"]["recipient"] == 5
    bad = post(dokus_sandbox, "/invoices/create/", {"recipient_name": "A", "recipient": 999})
    assert bad.status_code == 400
    assert list(bad.json()["errors"]) == ["recipient"]


def test_read_only_fields_are_ignored_and_set_by_the_server(dokus_sandbox: SandboxServer) -> None:
    body = {
        "id": 777,
        "name": "Sølvi",
        "price": "5",
        "creation_time": "1999-01-01 00:00:00",
        "modification_time": "1999-01-01 00:00:00",
        "creation_by": {"id": 9},
        "modification_by": 9,
    }
    product = post(dokus_sandbox, "/products/create/", body).json()["product"]
    assert product["id"] == 21
    assert product["creation_time"] != "1999-01-01 00:00:00"
    assert product["creation_by"]["id"] == 1
    update = post(dokus_sandbox, "/products/21/", {"id": 3, "modification_time": "x"}).json()
    assert update["product"]["id"] == 21
    assert update["product"]["modification_time"] != "x"


def test_unknown_fields_are_ignored_by_default(dokus_sandbox: SandboxServer) -> None:
    body = {"name": "Håkon", "price": "1", "colour": "red"}
    product = post(dokus_sandbox, "/products/create/", body).json()["product"]
    assert "colour" not in product


def test_unknown_fields_can_be_rejected(serve: Callable[[Emulator], SandboxServer]) -> None:
    server = serve(DokusEmulator(size=1, unknown_fields="reject"))
    response = post(server, "/products/create/", {"name": "H", "price": "1", "colour": "red"})
    assert response.status_code == 400
    assert response.json() == {"errors": {"colour": ["Unknown field."]}}


@pytest.mark.parametrize(
    ("path", "body", "bad_fields"),
    [
        ("/products/create/", {"comment": "no name"}, {"name", "price"}),
        ("/products/create/", {"name": "P", "price": "abc"}, {"price"}),
        (
            "/products/create/",
            {"name": "P", "price": "1", "default_vat_class": 7},
            {"default_vat_class"},
        ),
        ("/customers/create/", {"email": "x@y.no"}, {"name"}),
        ("/customers/create/", {"name": "C", "email": "not-an-email"}, {"email"}),
        ("/customers/create/", {"name": "C", "org_number": "12ab"}, {"org_number"}),
        ("/customers/groups/create/", {"name": ""}, {"name"}),
        ("/invoices/create/", {"recipient_name": "R", "send_date": "31.12.2024"}, {"send_date"}),
        ("/invoices/create/", {"recipient_name": "R", "items": [{"name": "L"}]}, {"items"}),
        ("/products/1/", {"name": None}, {"name"}),
    ],
)
def test_validation_error_names_the_bad_fields(
    dokus_sandbox: SandboxServer, path: str, body: dict, bad_fields: set[str]
) -> None:
    response = post(dokus_sandbox, path, body)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == bad_fields
    assert all(isinstance(m, list) and m and isinstance(m[0], str) for m in errors.values())


def test_validation_error_leaves_data_unchanged(dokus_sandbox: SandboxServer) -> None:
    before = get(dokus_sandbox, "/products/1/").json()
    post(dokus_sandbox, "/products/1/", {"name": "new", "price": "abc"})
    assert get(dokus_sandbox, "/products/1/").json() == before


def test_validation_status_can_be_the_docs_literal_401(
    serve: Callable[[Emulator], SandboxServer],
) -> None:
    server = serve(DokusEmulator(size=1, validation_status=401))
    response = post(server, "/products/create/", {"name": "P", "price": "abc"})
    assert response.status_code == 401
    assert response.json() == {"errors": {"price": ["Enter a number."]}}
    assert "WWW-Authenticate" not in response.headers


def test_validation_body_can_be_the_flat_form_shape(
    serve: Callable[[Emulator], SandboxServer],
) -> None:
    server = serve(DokusEmulator(size=1, error_shape="flat"))
    response = post(server, "/products/create/", {"name": "P", "price": "abc"})
    assert response.json() == {"price": ["Enter a number."]}


@pytest.mark.parametrize(
    "auth", [(DEFAULT_EMAIL, "wrong"), ("someone@else.no", DEFAULT_PASSWORD), None]
)
def test_auth_failure_is_401_without_field_errors(
    dokus_sandbox: SandboxServer, auth: tuple[str, str] | None
) -> None:
    response = get(dokus_sandbox, "/products/", auth=auth)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert set(response.json()) == {"error"}
    assert post(dokus_sandbox, "/products/create/", {"name": "x"}, auth=auth).status_code == 401


def test_missing_accept_header_is_406(dokus_sandbox: SandboxServer) -> None:
    response = get(dokus_sandbox, "/products/", headers={"Accept": "text/html"})
    assert response.status_code == 406
    assert "Accept" in response.json()["error"]
    bare = requests.get(
        dokus_sandbox.url + "/products/", auth=AUTH, headers={"Accept": ""}, timeout=5
    )
    assert bare.status_code == 406


def test_post_without_json_content_type_is_415(dokus_sandbox: SandboxServer) -> None:
    response = requests.post(
        dokus_sandbox.url + "/products/create/",
        data='{"name": "x", "price": "1"}',
        headers={"Accept": "application/json", "Content-Type": "text/plain"},
        auth=AUTH,
        timeout=5,
    )
    assert response.status_code == 415
    assert "Content-Type" in response.json()["error"]
    assert len(get(dokus_sandbox, "/products/").json()["products"]) == 20


def test_post_with_a_body_that_is_not_json_is_400(dokus_sandbox: SandboxServer) -> None:
    response = requests.post(
        dokus_sandbox.url + "/products/create/",
        data="{not json",
        headers=JSON_HEADERS,
        auth=AUTH,
        timeout=5,
    )
    assert response.status_code == 400
    assert "error" in response.json()


def test_path_without_trailing_slash_is_404(dokus_sandbox: SandboxServer) -> None:
    assert get(dokus_sandbox, "/products").status_code == 404
    assert get(dokus_sandbox, "/products/1").status_code == 404


@pytest.mark.parametrize(
    "path", ["/invoices/sent/create/", "/invoices/sent/1/", "/invoices/sent/1/delete/"]
)
def test_sent_invoices_are_read_only(dokus_sandbox: SandboxServer, path: str) -> None:
    before = get(dokus_sandbox, "/invoices/sent/").json()
    response = post(dokus_sandbox, path, {"recipient_name": "Changed"})
    assert response.status_code == 403
    assert "Sent invoices" in response.json()["error"]
    assert get(dokus_sandbox, "/invoices/sent/").json() == before


def test_sent_invoice_carries_number_and_sent_date(dokus_sandbox: SandboxServer) -> None:
    sent = get(dokus_sandbox, "/invoices/sent/1/").json()["sent_invoice"]
    assert isinstance(sent["invoice_number"], int)
    assert len(sent["sent_date"]) == 10
    assert sent["items"]
    assert {"name", "unit_price", "quantity", "discount", "vat_class"} <= set(sent["items"][0])


def test_sending_a_draft_moves_it_to_sent_invoices(dokus_sandbox: SandboxServer) -> None:
    response = post(dokus_sandbox, "/invoices/4/send/")
    assert response.status_code == 200
    assert response.json()["sent_invoice"]["id"] == 21
    assert get(dokus_sandbox, "/invoices/4/").status_code == 404
    assert len(get(dokus_sandbox, "/invoices/sent/").json()["sent_invoices"]) == 21


def test_invoice_items_are_stored_with_defaults(dokus_sandbox: SandboxServer) -> None:
    body = {
        "recipient_name": "R",
        "items": [{"name": "Kaffe", "unit_price": "10", "vat_class": {"id": 2}}],
    }
    invoice = post(dokus_sandbox, "/invoices/create/", body).json()["invoice"]
    assert invoice["items"] == [
        {
            "name": "Kaffe",
            "unit_price": "10.00",
            "quantity": "1.00",
            "discount": "0.00",
            "vat_class": {"id": 2, "name": "Low VAT"},
        }
    ]


def test_same_seed_gives_the_same_data_and_size_is_honoured() -> None:
    first, second = DokusEmulator(size=5, seed=7), DokusEmulator(size=5, seed=7)
    assert first.data == second.data
    assert first.data != DokusEmulator(size=5, seed=8).data
    assert all(len(records) == 5 for records in first.data.values())
    names = " ".join(c["name"] for c in DokusEmulator(size=50).data["customers"].values())
    assert any(ch in names for ch in "æøåÆØÅõäöüÕ")


def test_change_method_updates_deletes_and_inserts_deterministically() -> None:
    emulator = DokusEmulator(size=5)
    before = {i: dict(r) for i, r in emulator.data["products"].items()}
    result = emulator.change("products", updates=2, deletes=1, inserts=3)
    assert result == {"updated": [1, 2], "deleted": [5], "inserted": [6, 7, 8]}
    assert emulator.data["products"][1]["price"] != before[1]["price"]
    assert emulator.data["products"][3] == before[3]
    assert 5 not in emulator.data["products"]
    twin = DokusEmulator(size=5)
    twin.change("products", updates=2, deletes=1, inserts=3)
    assert twin.data == emulator.data


def test_change_control_action(dokus_sandbox: SandboxServer) -> None:
    response = requests.post(
        dokus_sandbox.url + "/_sandbox/change",
        json={"updates": 1, "deletes": 1, "inserts": 1, "resource": "customers"},
        timeout=5,
    )
    assert response.status_code == 200
    assert response.json() == {"customers": {"updated": [1], "deleted": [20], "inserted": [21]}}
    ids = [c["id"] for c in get(dokus_sandbox, "/customers/").json()["customers"]]
    assert 20 not in ids
    assert 21 in ids
    everything = requests.post(
        dokus_sandbox.url + "/_sandbox/change", json={"updates": 1}, timeout=5
    )
    assert set(everything.json()) == {"customers", "customer_groups", "products", "invoices"}
    refused = requests.post(
        dokus_sandbox.url + "/_sandbox/change", json={"resource": "sent_invoices"}, timeout=5
    )
    assert refused.status_code == 400


def test_request_log_records_method_path_and_status(dokus_sandbox: SandboxServer) -> None:
    get(dokus_sandbox, "/products/")
    post(dokus_sandbox, "/products/create/", {"name": "x"})
    log = dokus_sandbox.emulator.log
    assert [(e.method, e.path, e.status) for e in log.entries()] == [
        ("GET", "/products/", 200),
        ("POST", "/products/create/", 400),
    ]
    assert len(log.entries(method="POST", path_prefix="/products/")) == 1


def test_fault_429_burst_with_retry_after(dokus_sandbox: SandboxServer) -> None:
    dokus_sandbox.emulator.faults.add(Fault(kind="status", status=429, retry_after=2, count=2))
    statuses = [get(dokus_sandbox, "/products/") for _ in range(3)]
    assert [r.status_code for r in statuses] == [429, 429, 200]
    assert statuses[0].headers["Retry-After"] == "2"
    assert statuses[0].json() == {"error": "injected fault"}


def test_fault_503_applies_to_matching_path_only(dokus_sandbox: SandboxServer) -> None:
    dokus_sandbox.emulator.faults.add(
        Fault(kind="status", status=503, path="/products/", method="POST")
    )
    assert get(dokus_sandbox, "/products/").status_code == 200
    assert post(dokus_sandbox, "/customers/create/", {"name": "C"}).status_code == 200
    assert post(dokus_sandbox, "/products/create/", {"name": "P", "price": "1"}).status_code == 503
    assert post(dokus_sandbox, "/products/create/", {"name": "P", "price": "1"}).status_code == 200


def test_fault_malformed_body_does_not_parse(dokus_sandbox: SandboxServer) -> None:
    dokus_sandbox.emulator.faults.add(Fault(kind="malformed"))
    response = get(dokus_sandbox, "/products/")
    assert response.status_code == 200
    with pytest.raises(ValueError):  # noqa: PT011 - json decode error type varies by backend
        response.json()


def test_fault_truncated_body_breaks_the_connection(dokus_sandbox: SandboxServer) -> None:
    dokus_sandbox.emulator.faults.add(Fault(kind="truncate"))
    with pytest.raises(
        (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)
    ):
        get(dokus_sandbox, "/products/")


def test_fault_delay_slows_one_request_then_answers(dokus_sandbox: SandboxServer) -> None:
    dokus_sandbox.emulator.faults.add(Fault(kind="delay", seconds=0.5))
    with pytest.raises(requests.exceptions.ReadTimeout):
        get(dokus_sandbox, "/products/", timeout=0.05)
    assert get(dokus_sandbox, "/products/").status_code == 200


def test_fault_control_api_over_http(dokus_sandbox: SandboxServer) -> None:
    added = requests.post(
        dokus_sandbox.url + "/_sandbox/faults", json={"kind": "status", "status": 500}, timeout=5
    )
    assert added.status_code == 200
    assert get(dokus_sandbox, "/products/").status_code == 500
    assert get(dokus_sandbox, "/products/").status_code == 200


@pytest.mark.parametrize(
    ("write_answer", "expected"),
    [
        ("wrapped", lambda body: body["product"]["product_number"] == "1234"),
        ("unwrapped", lambda body: body["product_number"] == "1234" and "id" in body),
        ("empty", lambda body: body is None),
        ("no_resource", lambda body: body == {"success": True}),
    ],
)
def test_write_answer_shapes_the_200_but_the_write_happens(
    serve: Callable[[Emulator], SandboxServer], write_answer: str, expected: Callable
) -> None:
    server = serve(DokusEmulator(size=0, write_answer=write_answer))
    created = post(server, "/products/create/", WRITABLE[2][4])
    assert created.status_code == 200
    assert expected(created.json() if created.content else None)
    (held,) = get(server, "/products/").json()["products"]
    assert held["product_number"] == "1234"
    updated = post(server, f"/products/{held['id']}/", {"name": "Q"})
    assert updated.status_code == 200
    assert get(server, f"/products/{held['id']}/").json()["product"]["name"] == "Q"


# ----- draft invoices as the docs and the vendor clients describe them ------------------------


@pytest.mark.parametrize(
    ("line", "field"),
    [({"unit_price": "10"}, "name"), ({"name": "Kaffe"}, "unit_price")],
)
def test_an_invoice_line_needs_name_and_unit_price(
    dokus_sandbox: SandboxServer, line: dict[str, Any], field: str
) -> None:
    before = len(get(dokus_sandbox, "/invoices/").json()["invoices"])
    response = post(dokus_sandbox, "/invoices/create/", {"recipient_name": "R", "items": [line]})
    assert response.status_code == 400
    assert f"Line 1, {field}: This field is required." in response.json()["errors"]["items"][0]
    assert len(get(dokus_sandbox, "/invoices/").json()["invoices"]) == before


def test_a_recipient_that_is_no_customer_is_refused_on_update_too(
    dokus_sandbox: SandboxServer,
) -> None:
    response = post(dokus_sandbox, "/invoices/1/", {"recipient": 999})
    assert response.status_code == 400
    assert "Customer 999 does not exist" in response.json()["errors"]["recipient"][0]
    assert get(dokus_sandbox, "/invoices/1/").json()["invoice"]["recipient"] != 999


def test_a_draft_without_recipient_is_refused_when_the_switch_requires_one(
    serve: Callable[[Emulator], SandboxServer],
) -> None:
    server = serve(DokusEmulator(size=2, invoice_recipient="required"))
    refused = post(server, "/invoices/create/", {"recipient_name": "R"})
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"recipient": ["This field is required."]}
    ok = post(server, "/invoices/create/", {"recipient_name": "R", "recipient": 1})
    assert ok.status_code == 200
    assert post(server, "/invoices/3/", {"recipient": None}).status_code == 400


def test_invoice_recipient_switch_defaults_to_optional(dokus_sandbox: SandboxServer) -> None:
    assert post(dokus_sandbox, "/invoices/create/", {"recipient_name": "R"}).status_code == 200


def test_send_takes_the_vendor_clients_body_and_keeps_lines_and_sender_ref(
    dokus_sandbox: SandboxServer,
) -> None:
    draft = get(dokus_sandbox, "/invoices/2/").json()["invoice"]
    body = {"send_by_email": True, "send_by_post": False, "send_copy1": False}
    sent = post(dokus_sandbox, "/invoices/2/send/", body).json()["sent_invoice"]
    listed = get(dokus_sandbox, "/invoices/sent/").json()["sent_invoices"]
    assert sent in listed
    assert sent["sender_ref"] == draft["sender_ref"]
    assert sent["items"] == draft["items"]
    assert sent["recipient"] == draft["recipient"]
    assert sent["invoice_number"] not in {s["invoice_number"] for s in listed if s != sent}


def test_a_sent_invoice_cannot_be_sent_again(dokus_sandbox: SandboxServer) -> None:
    assert post(dokus_sandbox, "/invoices/3/send/").status_code == 200
    assert post(dokus_sandbox, "/invoices/3/send/").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"recipient_name": "R", "items": [{"name": "L", "unit_price": "1"}]}, "recipient"),
        ({"recipient_name": "R", "recipient": 1}, "items"),
    ],
)
def test_a_draft_without_recipient_or_lines_cannot_be_sent(
    dokus_sandbox: SandboxServer, body: dict[str, Any], field: str
) -> None:
    ident = post(dokus_sandbox, "/invoices/create/", body).json()["invoice"]["id"]
    response = post(dokus_sandbox, f"/invoices/{ident}/send/")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert get(dokus_sandbox, f"/invoices/{ident}/").status_code == 200


def test_send_answer_can_be_empty(serve: Callable[[Emulator], SandboxServer]) -> None:
    server = serve(DokusEmulator(size=3, send_answer="empty"))
    response = post(server, "/invoices/1/send/")
    assert response.status_code == 204
    assert not response.content
    assert len(get(server, "/invoices/sent/").json()["sent_invoices"]) == 4


def test_sandbox_switches_refuse_unknown_values() -> None:
    with pytest.raises(ValueError, match="invoice_recipient"):
        DokusEmulator(size=0, invoice_recipient="maybe")
    with pytest.raises(ValueError, match="send_answer"):
        DokusEmulator(size=0, send_answer="maybe")


@pytest.mark.parametrize(
    ("item_updates", "expected"),
    [("replace", ["Ny"]), ("append", ["Gammel", "Ny"]), ("ignore", ["Gammel"])],
)
def test_item_updates_switch_says_what_an_update_does_to_old_lines(
    serve: Callable[[Emulator], SandboxServer], item_updates: str, expected: list[str]
) -> None:
    server = serve(DokusEmulator(size=0, item_updates=item_updates))
    line = {"unit_price": "1"}
    created = post(
        server, "/invoices/create/", {"recipient_name": "R", "items": [{**line, "name": "Gammel"}]}
    ).json()["invoice"]
    updated = post(server, f"/invoices/{created['id']}/", {"items": [{**line, "name": "Ny"}]})
    assert updated.status_code == 200
    held = get(server, f"/invoices/{created['id']}/").json()["invoice"]["items"]
    assert [i["name"] for i in held] == expected


def test_item_updates_switch_refuses_unknown_values() -> None:
    with pytest.raises(ValueError, match="item_updates"):
        DokusEmulator(size=0, item_updates="merge")
