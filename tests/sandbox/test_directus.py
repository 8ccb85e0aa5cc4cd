"""Pin the Directus sandbox to the API 1.1 docs (mode="docs") and to a real 6.x server (default).

One test per documented behaviour; expected values come from the seeded tables through plain
Python predicates written here, never from the emulator's own filter code.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import requests

from sandbox.common import Emulator, Fault, SandboxServer
from sandbox.directus import DirectusEmulator

API = "/api/1.1"
Serve = Callable[[Emulator], SandboxServer]


def get(server: SandboxServer, path: str, params: Any = None, auth: bool = True) -> Any:
    emulator = server.emulator
    assert isinstance(emulator, DirectusEmulator)
    headers = {"Authorization": f"Bearer {emulator.token}"} if auth else {}
    return requests.get(f"{server.url}{API}{path}", params=params, headers=headers, timeout=10)


def rows(server: SandboxServer, table: str = "projects", params: Any = None) -> list[dict]:
    response = get(server, f"/tables/{table}/rows", params)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def all_ids(server: SandboxServer, table: str = "projects", **params: Any) -> list[Any]:
    pk = "code" if table == "countries" else "id"
    return [r[pk] for r in rows(server, table, {"preview": 1, "depth": 0, **params})]


def raw(emulator: DirectusEmulator, table: str = "projects") -> list[dict]:
    return list(emulator.tables[table].rows.values())


@pytest.fixture
def docs_sandbox(serve: Serve) -> SandboxServer:
    return serve(DirectusEmulator(size=30, mode="docs"))


@pytest.fixture
def real(serve: Serve) -> SandboxServer:
    return serve(DirectusEmulator(size=30))


# --------------------------------------------------------------------------- filter operators
def _lt0(v: Any) -> bool:
    return v is not None and v < 0


OPERATOR_CASES: list[tuple[str, str, str, Callable[[dict], bool]]] = [
    ("priority", "=", "2", lambda r: r["priority"] == 2),
    ("priority", "eq", "2", lambda r: r["priority"] == 2),
    ("priority", "", "2", lambda r: r["priority"] == 2),  # filters[col]=v is eq
    ("priority", "<>", "2", lambda r: r["priority"] != 2),
    ("priority", "!=", "2", lambda r: r["priority"] != 2),
    ("priority", "neq", "2", lambda r: r["priority"] != 2),
    ("priority", "<", "0", lambda r: _lt0(r["priority"])),
    ("priority", "lt", "0", lambda r: _lt0(r["priority"])),
    ("priority", "<=", "0", lambda r: r["priority"] <= 0),
    ("priority", "lte", "0", lambda r: r["priority"] <= 0),
    ("priority", ">", "0", lambda r: r["priority"] > 0),
    ("priority", "gt", "0", lambda r: r["priority"] > 0),
    ("priority", ">=", "0", lambda r: r["priority"] >= 0),
    ("priority", "gte", "0", lambda r: r["priority"] >= 0),
    ("budget", "gt", "500000.50", lambda r: r["budget"] > Decimal("500000.50")),
    ("modified", "gte", "2024-03-01 08:20:00", lambda r: r["modified"] >= "2024-03-01 08:20:00"),
    ("code", "in", "PRJ00003,PRJ00007", lambda r: r["code"] in ("PRJ00003", "PRJ00007")),
    ("priority", "nin", "1,2,3", lambda r: r["priority"] not in (1, 2, 3)),
    ("client", "null", "1", lambda r: r["client"] is None),
    ("client", "nnull", "1", lambda r: r["client"] is not None),
    ("title", "contains", "PROJEKT 1", lambda r: "projekt 1" in r["title"].lower()),
    ("title", "like", "projekt 2", lambda r: "projekt 2" in r["title"].lower()),
    ("title", "ncontains", "projekt 1", lambda r: "projekt 1" not in r["title"].lower()),
    ("title", "nlike", "projekt 1", lambda r: "projekt 1" not in r["title"].lower()),
    ("priority", "between", "-1,1", lambda r: -1 <= r["priority"] <= 1),
    ("priority", "nbetween", "-1,1", lambda r: not -1 <= r["priority"] <= 1),
    ("summary", "empty", "1", lambda r: r["summary"] in (None, "")),
    ("summary", "nempty", "1", lambda r: r["summary"] not in (None, "")),
]


@pytest.mark.parametrize(("column", "op", "value", "predicate"), OPERATOR_CASES)
def test_filter_operator(
    real: SandboxServer, column: str, op: str, value: str, predicate: Callable[[dict], bool]
) -> None:
    key = f"filters[{column}][{op}]" if op else f"filters[{column}]"
    expected = [r["id"] for r in raw(real.emulator) if predicate(r)]  # type: ignore[arg-type]
    assert expected, "the seed must give each operator something to find"
    assert all_ids(real, **{key: value}) == expected


def _tag_ids(emulator: DirectusEmulator, project_id: int) -> list[int]:
    junction = emulator.tables["projects_tags"].rows.values()
    return [j["tag_id"] for j in junction if j["project_id"] == project_id]


@pytest.mark.parametrize(
    ("op", "value", "predicate"),
    [
        ("has", "1", lambda tags: len(tags) >= 1),
        ("has", "2", lambda tags: len(tags) >= 2),
        ("nhas", "1", lambda tags: len(tags) == 0),
        ("all", "1,2", lambda tags: {1, 2} <= set(tags)),
    ],
)
def test_related_filter_operators(
    real: SandboxServer, op: str, value: str, predicate: Callable[[list[int]], bool]
) -> None:
    emulator = real.emulator
    assert isinstance(emulator, DirectusEmulator)
    expected = [r["id"] for r in raw(emulator) if predicate(_tag_ids(emulator, r["id"]))]
    assert expected
    assert all_ids(real, **{f"filters[tags][{op}]": value}) == expected


def test_filters_are_anded_across_columns(real: SandboxServer) -> None:
    expected = [r["id"] for r in raw(real.emulator) if r["priority"] > 0 and r["is_public"] == 1]  # type: ignore[arg-type]
    got = all_ids(real, **{"filters[priority][gt]": "0", "filters[is_public][eq]": "1"})
    assert got == expected


def _or_query() -> list[tuple[str, str]]:
    # The docs' example shape: country AND state in (..) OR state in (..)
    return [
        ("preview", "1"),
        ("depth", "0"),
        ("filters[is_public][eq]", "1"),
        ("filters[priority][in]", "1,2"),
        ("filters[priority][logical]", "or"),
        ("filters[priority][in]", "-3,-4"),
    ]


def test_logical_or_groups_per_column_with_the_column_switch(serve: Serve) -> None:
    real = serve(DirectusEmulator(size=30, or_grouping="column"))  # the docs' reading
    want = {1, 2, -3, -4}
    expected = [
        r["id"]
        for r in raw(real.emulator)  # type: ignore[arg-type]
        if r["is_public"] == 1 and r["priority"] in want
    ]
    assert [r["id"] for r in rows(real, params=_or_query())] == expected


def test_logical_or_with_sql_precedence_switch(serve: Serve) -> None:
    server = serve(DirectusEmulator(size=30, or_grouping="sql"))
    expected = [
        r["id"]
        for r in raw(server.emulator)  # type: ignore[arg-type]
        if (r["is_public"] == 1 and r["priority"] in (1, 2)) or r["priority"] in (-3, -4)
    ]
    assert [r["id"] for r in rows(server, params=_or_query())] == expected


def test_unknown_filter_column_is_a_server_error(real: SandboxServer) -> None:
    response = get(real, "/tables/projects/rows", {"filters[nope][eq]": "1"})
    assert response.status_code == 500
    assert response.json()["success"] is False


# ------------------------------------------------------------------------- listing parameters
def test_default_limit_is_200_and_limit_offset_page(serve: Serve) -> None:
    server = serve(DirectusEmulator(size=230))
    assert len(all_ids(server)) == 200
    every = [r["id"] for r in raw(server.emulator)]  # type: ignore[arg-type]
    assert all_ids(server, limit=10, offset=20) == every[20:30]
    assert all_ids(server, limit=500) == every


def test_order_by_field_asc_and_desc(real: SandboxServer) -> None:
    by_views = sorted(raw(real.emulator), key=lambda r: r["views"])  # type: ignore[arg-type]
    assert all_ids(real, **{"order[views]": "ASC"}) == [r["id"] for r in by_views]
    assert all_ids(real, **{"order[views]": "DESC"}) == [r["id"] for r in reversed(by_views)]


def test_order_by_two_fields(real: SandboxServer) -> None:
    data = raw(real.emulator)  # type: ignore[arg-type]
    expected = [r["id"] for r in sorted(data, key=lambda r: (r["modified"], -r["id"]))]
    params = [("preview", "1"), ("order[modified]", "ASC"), ("order[id]", "DESC")]
    assert [r["id"] for r in rows(real, params=params)] == expected


def test_columns_parameter_limits_fields(real: SandboxServer) -> None:
    got = rows(real, params={"columns": "id,title", "limit": 3})
    assert [set(r) for r in got] == [{"id", "title"}] * 3


def test_in_field_and_ids(real: SandboxServer) -> None:
    assert all_ids(real, **{"in[id]": "3,5,8"}) == [3, 5, 8]
    assert all_ids(real, ids="4,6") == [4, 6]
    assert all_ids(real, "countries", ids="NO,EE") == ["EE", "NO"]
    assert all_ids(real, **{"in[tier]": "gold"}, table="clients") == [
        r["id"]
        for r in raw(real.emulator, "clients")  # type: ignore[arg-type]
        if r["tier"] == "gold"
    ]


def test_limit_abc_gives_an_empty_page_on_a_real_server(real: SandboxServer) -> None:
    assert rows(real, params={"limit": "abc"}) == []


# ----------------------------------------------------------------------- status and preview
def _status_ids(server: SandboxServer, statuses: tuple[int, ...]) -> list[int]:
    data = raw(server.emulator)  # type: ignore[arg-type]
    return [r["id"] for r in data if r["active"] in statuses]


def test_real_server_lists_only_published_rows_without_status(real: SandboxServer) -> None:
    got = [r["id"] for r in rows(real, params={"depth": 0})]
    assert got == _status_ids(real, (1,))
    assert len(got) < 30


def test_docs_mode_lists_every_status_without_status(docs_sandbox: SandboxServer) -> None:
    assert len(rows(docs_sandbox)) == 30


@pytest.mark.parametrize("mode", ["real", "docs"])
def test_preview_returns_every_row(serve: Serve, mode: str) -> None:
    server = serve(DirectusEmulator(size=30, mode=mode))
    assert all_ids(server) == list(range(1, 31))


def test_status_list_on_real_server(real: SandboxServer) -> None:
    def listed(status: str) -> list[int]:
        return [r["id"] for r in rows(real, params={"status": status})]

    assert listed("1,2") == _status_ids(real, (1, 2))
    assert listed("0,1,2") == _status_ids(real, (1, 2))  # observed: 0 in a list is ignored
    assert listed("0") == list(range(1, 31))  # observed: status=0 alone returns every row


def test_status_list_in_docs_mode(docs_sandbox: SandboxServer) -> None:
    got = [r["id"] for r in rows(docs_sandbox, params={"status": "0,2"})]
    assert got == _status_ids(docs_sandbox, (0, 2))


# ---------------------------------------------------------------------------------- meta
def test_meta_on_real_server_counts_the_page(real: SandboxServer) -> None:
    meta = get(real, "/tables/projects/rows", {"limit": 2, "offset": 2}).json()["meta"]
    data = raw(real.emulator)  # type: ignore[arg-type]
    assert meta["total"] == 2
    assert meta["total_entries"] == 30
    assert meta["Published"] == sum(r["active"] == 1 for r in data)
    assert meta["Draft"] == sum(r["active"] == 2 for r in data)
    assert meta["Deleted"] == sum(r["active"] == 0 for r in data)
    assert "Active" not in meta
    empty = get(real, "/tables/projects/rows", {"limit": 2, "offset": 999}).json()["meta"]
    assert empty["total"] == 0


def test_meta_in_docs_mode(docs_sandbox: SandboxServer) -> None:
    params = {"limit": 2, "filters[priority][gt]": "0"}
    meta = get(docs_sandbox, "/tables/projects/rows", params).json()["meta"]
    data = raw(docs_sandbox.emulator)  # type: ignore[arg-type]
    assert meta["total"] == sum(r["priority"] > 0 for r in data)
    assert meta["total_entries"] == 30
    assert meta["Active"] == sum(r["active"] == 1 for r in data)
    assert meta["Delete"] == sum(r["active"] == 0 for r in data)
    assert meta["table"] == "projects"
    assert meta["type"] == "collection"


# ----------------------------------------------------------------------------- single rows
@pytest.mark.parametrize("mode", ["real", "docs"])
def test_single_row(serve: Serve, mode: str) -> None:
    server = serve(DirectusEmulator(size=5, mode=mode))
    body = get(server, "/tables/countries/rows/NO").json()
    assert body["meta"] == {"table": "countries", "type": "item"}
    assert body["data"]["name"] == "Norge"
    assert get(server, "/tables/projects/rows/3").json()["data"]["id"] == 3


def test_missing_single_row_on_real_server_is_200_empty(real: SandboxServer) -> None:
    response = get(real, "/tables/projects/rows/999")
    assert response.status_code == 200
    assert response.json()["data"] == []


def test_missing_single_row_in_docs_mode_is_404(docs_sandbox: SandboxServer) -> None:
    response = get(docs_sandbox, "/tables/projects/rows/999")
    assert response.status_code == 404
    assert response.json()["success"] is False


# ------------------------------------------------------------------------------ relations
def test_manytoone_is_nested_with_meta_on_real_server(real: SandboxServer) -> None:
    project = rows(real, params={"ids": "1"})[0]
    client_id = real.emulator.tables["projects"].rows[1]["client"]  # type: ignore[attr-defined]
    assert project["client"]["meta"] == {"table": "clients", "type": "item"}
    assert project["client"]["data"]["id"] == client_id
    assert project["client"]["data"]["name"].endswith(f" {client_id}")


def test_manytoone_is_a_plain_object_in_docs_mode(docs_sandbox: SandboxServer) -> None:
    project = rows(docs_sandbox, params={"ids": "1"})[0]
    assert "meta" not in project["client"]
    assert project["client"]["id"] == docs_sandbox.emulator.tables["projects"].rows[1]["client"]  # type: ignore[attr-defined]


def test_depth_zero_returns_raw_ids_and_no_alias_columns(real: SandboxServer) -> None:
    project = rows(real, params={"ids": "1", "depth": 0})[0]
    assert project["client"] == real.emulator.tables["projects"].rows[1]["client"]  # type: ignore[attr-defined]
    assert "tags" not in project


def test_unset_manytoone_is_null(real: SandboxServer) -> None:
    assert rows(real, params={"ids": "6", "preview": 1})[0]["client"] is None


def test_alias_columns_are_nested_collections(real: SandboxServer) -> None:
    emulator = real.emulator
    assert isinstance(emulator, DirectusEmulator)
    project = rows(real, params={"ids": "2"})[0]
    assert [t["id"] for t in project["tags"]["data"]] == _tag_ids(emulator, 2)
    client = rows(real, "clients", {"ids": "2", "preview": 1})[0]
    owned = [r["id"] for r in raw(emulator) if r["client"] == 2]
    assert [p["id"] for p in client["projects"]["data"]] == owned


# ------------------------------------------------------------------------------- numbers
def test_numbers_are_json_numbers_by_default_and_decimal_exact(real: SandboxServer) -> None:
    response = get(real, "/tables/clients/rows", {"ids": "1", "preview": 1})
    body = json.loads(response.text, parse_float=Decimal)
    stored = real.emulator.tables["clients"].rows[1]  # type: ignore[attr-defined]
    assert body["data"][0]["id"] == 1
    assert body["data"][0]["credit_limit"] == stored["credit_limit"]
    assert len(str(stored["credit_limit"]).replace(".", "")) > 15  # beyond float precision
    big = rows(real, params={"ids": "1", "depth": 0})[0]["bytes_used"]
    assert big == 9_007_199_254_740_994


def test_numbers_as_strings_switch(serve: Serve) -> None:
    server = serve(DirectusEmulator(size=5, numbers_as_strings=True))
    row = rows(server, params={"ids": "1", "depth": 0})[0]
    stored = server.emulator.tables["projects"].rows[1]  # type: ignore[attr-defined]
    assert row["id"] == "1"
    assert row["budget"] == str(stored["budget"])
    assert row["priority"] == str(stored["priority"])
    assert row["title"] == stored["title"]


# ---------------------------------------------------------------------------------- schema
def test_tables_list_hides_system_tables_unless_asked(real: SandboxServer) -> None:
    names = [t["name"] for t in get(real, "/tables").json()["data"]]
    assert "projects" in names
    assert "countries" in names
    assert not any(n.startswith("directus_") for n in names)
    with_system = get(real, "/tables", {"include_system": 1}).json()["data"]
    assert "directus_users" in [t["name"] for t in with_system]


def test_table_info_on_real_server(real: SandboxServer) -> None:
    body = get(real, "/tables/projects").json()
    assert body["success"] is True
    assert body["meta"]["type"] == "entry"
    data = body["data"]
    assert data["primary_column"] == "id"
    assert data["status_column"] == "active"
    assert data["date_update_column"] == "modified"
    assert data["preferences"]["status"] == "1,2"
    columns = data["columns"]
    assert set(columns) == {"meta", "data"}
    budget = next(c for c in columns["data"] if c["column_name"] == "budget")
    assert budget["type"] == "DECIMAL"
    assert budget["nullable"] is True
    assert (budget["precision"], budget["scale"]) == (12, 2)
    assert "is_nullable" not in budget
    pk = next(c for c in columns["data"] if c["column_name"] == "id")
    assert pk["key"] == "PRI"
    assert pk["extra"] == "auto_increment"
    assert get(real, "/tables/tags").json()["data"]["date_update_column"] is None


def test_table_info_in_docs_mode(docs_sandbox: SandboxServer) -> None:
    body = get(docs_sandbox, "/tables/countries").json()
    assert body["meta"] == {"type": "item", "table": "directus_tables"}
    data = body["data"]
    assert "primary_column" not in data
    assert isinstance(data["columns"], list)
    code = data["columns"][0]
    assert (code["column_name"], code["column_key"], code["is_nullable"]) == ("code", "PRI", "NO")
    assert code["char_length"] == "2"
    assert data["preferences"]["active"] == "1,2"


@pytest.mark.parametrize("mode", ["real", "docs"])
def test_columns_endpoint(serve: Serve, mode: str) -> None:
    server = serve(DirectusEmulator(size=3, mode=mode))
    body = get(server, "/tables/projects/columns").json()
    assert body["meta"] == {"table": "directus_columns", "type": "collection"}
    by_name = {c["column_name"]: c for c in body["data"]}
    assert by_name["client"]["relationship_type"] == "MANYTOONE"
    assert by_name["client"]["related_table"] == "clients"
    assert by_name["tags"]["type"] == "ALIAS"
    assert by_name["tags"]["junction_table"] == "projects_tags"
    assert by_name["location"]["type"] == "POINT"


def test_schema_covers_every_mapped_type(real: SandboxServer) -> None:
    types = set()
    for table in ("clients", "projects", "countries"):
        types |= {c["type"] for c in get(real, f"/tables/{table}/columns").json()["data"]}
    wanted = {"INT", "TINYINT", "SMALLINT", "MEDIUMINT", "BIGINT", "DECIMAL", "FLOAT", "DOUBLE"}
    wanted |= {"CHAR", "VARCHAR", "TEXT", "MEDIUMTEXT", "LONGTEXT", "ENUM", "DATE", "DATETIME"}
    wanted |= {"TIMESTAMP", "TIME", "ALIAS", "POINT"}
    assert wanted <= types


# ------------------------------------------------------------------------------------ auth
def test_bearer_basic_and_query_auth(real: SandboxServer) -> None:
    token = real.emulator.token  # type: ignore[attr-defined]
    url = f"{real.url}{API}/tables/projects/rows"
    basic = base64.b64encode(f"{token}:".encode()).decode()
    for kwargs in (
        {"headers": {"Authorization": f"Bearer {token}"}},
        {"headers": {"Authorization": f"Basic {basic}"}},
        {"auth": (token, "")},
        {"params": {"access_token": token}},
    ):
        response = requests.get(url, timeout=10, **kwargs)  # type: ignore[arg-type]
        assert response.status_code == 200, kwargs
        assert response.json()["data"]


@pytest.mark.parametrize("mode", ["real", "docs"])
def test_wrong_token_is_401(serve: Serve, mode: str) -> None:
    server = serve(DirectusEmulator(size=3, mode=mode))
    for kwargs in (
        {"headers": {"Authorization": "Bearer nope"}},
        {"auth": ("nope", "")},
        {"params": {"access_token": "nope"}},
    ):
        response = requests.get(f"{server.url}{API}/tables", timeout=10, **kwargs)  # type: ignore[arg-type]
        assert response.status_code == 401
        assert response.json() == {
            "success": False,
            "error": {"message": "You must be logged in to access the API"},
        }


def test_no_token_is_the_public_group_on_real_server(real: SandboxServer) -> None:
    tables = get(real, "/tables", auth=False)
    assert tables.status_code == 200
    assert tables.json()["data"] == []
    assert tables.json()["public"] is True
    listing = get(real, "/tables/projects/rows", auth=False)
    assert listing.status_code == 403
    assert listing.json() == {
        "success": False,
        "error": {"message": "Permission denied"},
        "public": True,
    }


def test_no_token_in_docs_mode_is_not_authenticated(docs_sandbox: SandboxServer) -> None:
    response = get(docs_sandbox, "/tables", auth=False)
    assert response.status_code == 401
    assert response.json()["success"] is False


@pytest.mark.parametrize("mode", ["real", "docs"])
def test_request_token_with_good_credentials(serve: Serve, mode: str) -> None:
    emulator = DirectusEmulator(size=3, mode=mode)
    server = serve(emulator)
    url = f"{server.url}{API}/auth/request-token"
    form = requests.post(url, data={"email": emulator.email, "password": emulator.password})
    assert form.json() == {"success": True, "data": {"token": emulator.token}}
    as_json = requests.post(url, json={"email": emulator.email, "password": emulator.password})
    assert as_json.json()["data"]["token"] == emulator.token


@pytest.mark.parametrize(("mode", "status"), [("real", 200), ("docs", 401)])
def test_request_token_with_wrong_password(serve: Serve, mode: str, status: int) -> None:
    emulator = DirectusEmulator(size=3, mode=mode)
    server = serve(emulator)
    response = requests.post(
        f"{server.url}{API}/auth/request-token",
        data={"email": emulator.email, "password": "wrong"},
        timeout=10,
    )
    assert response.status_code == status
    assert response.json() == {
        "success": False,
        "error": {"message": "Incorrect email or password"},
    }


# ---------------------------------------------------------------------------------- errors
@pytest.mark.parametrize("mode", ["real", "docs"])
def test_unknown_table_is_404_json(serve: Serve, mode: str) -> None:
    server = serve(DirectusEmulator(size=3, mode=mode))
    for path in ("/tables/nope/rows", "/tables/nope", "/tables/nope/columns"):
        response = get(server, path)
        assert response.status_code == 404
        assert response.json()["success"] is False
        assert "nope" in response.json()["error"]["message"]


def test_unknown_endpoint_on_real_server_is_an_html_page(real: SandboxServer) -> None:
    response = get(real, "/no/such/endpoint")
    assert response.status_code == 404
    assert response.text.startswith("<!DOCTYPE html>")
    with pytest.raises(requests.exceptions.JSONDecodeError):
        response.json()


def test_unknown_endpoint_in_docs_mode_is_json(docs_sandbox: SandboxServer) -> None:
    response = get(docs_sandbox, "/no/such/endpoint")
    assert response.status_code == 404
    assert response.json()["success"] is False


# ---------------------------------------------------------------------------------- changes
def test_update_rows_bumps_the_update_column(serve: Serve) -> None:
    # Update times served as stored (no user zone), to compare them with the raw rows.
    real = serve(DirectusEmulator(size=30, user_timezone=None))
    emulator = real.emulator
    assert isinstance(emulator, DirectusEmulator)
    before = {r["id"]: dict(r) for r in raw(emulator)}
    changed = emulator.update_rows("projects", 3)
    assert len(changed) == 3
    newest = max(r["modified"] for r in before.values())
    after = {r["id"]: r for r in rows(real, params={"preview": 1, "depth": 0})}
    for pk in changed:
        assert after[pk]["modified"] > newest
        assert after[pk]["title"] != before[pk]["title"]
    unchanged = [pk for pk in before if pk not in changed]
    assert all(after[pk]["modified"] == before[pk]["modified"] for pk in unchanged)


def test_change_control_action(real: SandboxServer) -> None:
    url = f"{real.url}/_sandbox/change"
    answer = requests.post(url, json={"updates": 2, "deletes": 1, "inserts": 3}, timeout=10).json()
    assert answer["table"] == "projects"
    assert len(answer["updated"]) == 2
    assert answer["inserted"] == [31, 32, 33]
    assert len(answer["soft_deleted"]) == 1
    listed = {r["id"]: r for r in rows(real, params={"preview": 1, "depth": 0})}
    assert set(answer["inserted"]) <= set(listed)
    assert listed[answer["soft_deleted"][0]]["active"] == 0
    hard = requests.post(url, json={"hard_deletes": 2}, timeout=10).json()["hard_deleted"]
    assert not set(hard) & set(all_ids(real))


def test_changes_are_deterministic(serve: Serve) -> None:
    answers = []
    for _ in range(2):
        server = serve(DirectusEmulator(size=20, seed=5))
        url = f"{server.url}/_sandbox/change"
        answers.append(requests.post(url, json={"updates": 3, "deletes": 2}, timeout=10).json())
    assert answers[0] == answers[1]


def test_change_on_table_without_status_hard_deletes(real: SandboxServer) -> None:
    answer = requests.post(
        f"{real.url}/_sandbox/change", json={"table": "countries", "deletes": 1}, timeout=10
    ).json()
    assert len(answer["hard_deleted"]) == 1
    assert answer["hard_deleted"][0] not in all_ids(real, "countries")


def test_add_column_control_action_is_schema_drift(real: SandboxServer) -> None:
    answer = requests.post(
        f"{real.url}/_sandbox/add_column", json={"table": "clients", "column": "vat_no"}, timeout=10
    ).json()
    assert answer == {"table": "clients", "column": "vat_no", "type": "VARCHAR"}
    names = [c["column_name"] for c in get(real, "/tables/clients/columns").json()["data"]]
    assert names[-1] == "vat_no"
    assert rows(real, "clients", {"limit": 1})[0]["vat_no"].startswith("lisaväli")


def test_hook_changes_data_after_a_given_rows_request(real: SandboxServer) -> None:
    emulator = real.emulator
    assert isinstance(emulator, DirectusEmulator)
    emulator.on_rows_request(1, lambda e: e.insert_rows("projects", 1), table="projects")
    first = all_ids(real)
    second = all_ids(real)
    assert len(second) == len(first) + 1


# ---------------------------------------------------------------------------------- faults
def test_injected_429_has_the_api_error_body_and_retry_after(real: SandboxServer) -> None:
    real.emulator.faults.add(Fault(kind="status", status=429, retry_after=2, count=1))
    response = get(real, "/tables/projects/rows")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "2"
    assert response.json() == {"success": False, "error": {"message": "injected fault"}}
    assert get(real, "/tables/projects/rows").status_code == 200


def test_injected_empty_html_200(real: SandboxServer) -> None:
    real.emulator.faults.add(Fault(kind="body", status=200, body=""))
    response = get(real, "/tables/projects/rows")
    assert response.status_code == 200
    assert response.text == ""
    assert response.headers["Content-Type"].startswith("text/html")


def test_php_fatal_control_action(real: SandboxServer) -> None:
    answer = requests.post(f"{real.url}/_sandbox/php_fatal", json={"count": 2}, timeout=10)
    assert answer.json() == {"php_fatal": 2}
    for _ in range(2):
        response = get(real, "/tables")
        assert (response.status_code, response.text) == (200, "")
    assert get(real, "/tables").json()["data"]


def test_injected_malformed_body(real: SandboxServer) -> None:
    real.emulator.faults.add(Fault(kind="malformed", path=f"{API}/tables/projects/rows"))
    response = get(real, "/tables/projects/rows")
    with pytest.raises(requests.exceptions.JSONDecodeError):
        response.json()


def test_request_log_records_api_calls(real: SandboxServer) -> None:
    get(real, "/tables/projects/rows", {"limit": 1})
    entries = real.emulator.log.entries(method="GET", path_prefix=f"{API}/tables/projects")
    assert len(entries) == 1
    assert ("limit", "1") in entries[0].query


@pytest.mark.parametrize("type_", ["INT", "TINYINT", "SMALLINT", "MEDIUMINT", "BIGINT"])
def test_added_integer_column_holds_integers(type_: str) -> None:
    emulator = DirectusEmulator(size=3)
    emulator.add_column("projects", "drift_n", type_)
    assert all(isinstance(r["drift_n"], int) for r in emulator.tables["projects"].rows.values())


# ------------------------------------------------------ what a genuine 6.4.9 showed (issue 14)
def test_update_and_create_columns_in_the_users_zone_by_default(serve: Serve) -> None:
    server = serve(DirectusEmulator(size=5))
    emulator = server.emulator
    assert isinstance(emulator, DirectusEmulator)
    assert emulator.user_timezone == "America/New_York"
    stored = emulator.tables["clients"].rows[1]
    served = rows(server, "clients", {"preview": 1, "depth": 0, "filters[id][eq]": "1"})[0]
    assert stored["created_on"] == "2024-03-01 08:00:00"
    assert served["created_on"] == "2024-03-01T03:00:00-05:00"
    assert served["updated_on"] == "2024-03-01T03:00:00-05:00"
    summer = emulator.tables["projects"].rows[1]
    summer["modified"] = "2025-07-01 12:00:00"
    served = rows(server, "projects", {"preview": 1, "depth": 0, "filters[id][eq]": "1"})[0]
    assert served["modified"] == "2025-07-01T08:00:00-04:00"
    assert served["start_date"] == summer["start_date"]  # a DATE: as stored


@pytest.mark.parametrize("zone", [None, "UTC"])
def test_user_timezone_switch(serve: Serve, zone: str | None) -> None:
    server = serve(DirectusEmulator(size=3, user_timezone=zone))
    served = rows(server, "clients", {"preview": 1, "filters[id][eq]": "1"})[0]
    assert served["created_on"] == ("2024-03-01T08:00:00+00:00" if zone else "2024-03-01 08:00:00")


def test_docs_mode_serves_update_columns_as_stored(docs_sandbox: SandboxServer) -> None:
    served = rows(docs_sandbox, "clients", {"preview": 1, "filters[id][eq]": "1"})[0]
    assert served["created_on"] == "2024-03-01 08:00:00"


def test_filter_value_with_an_offset_is_cut_not_applied(real: SandboxServer) -> None:
    # As MySQL does: `2024-03-01T08:20:00-05:00` compares as `2024-03-01 08:20:00`.
    expected = [r["id"] for r in raw(real.emulator) if r["modified"] >= "2024-03-01 08:20:00"]  # type: ignore[arg-type]
    got = all_ids(real, **{"filters[modified][gte]": "2024-03-01T08:20:00-05:00"})
    assert got == expected


def test_logical_or_is_flat_sql_precedence_by_default(real: SandboxServer) -> None:
    expected = [
        r["id"]
        for r in raw(real.emulator)  # type: ignore[arg-type]
        if (r["is_public"] == 1 and r["priority"] in (1, 2)) or r["priority"] in (-3, -4)
    ]
    assert [r["id"] for r in rows(real, params=_or_query())] == expected


def test_path_outside_the_api_redirects_to_the_login_page(real: SandboxServer) -> None:
    url = f"{real.url}/admin{API}/tables"
    response = requests.get(url, timeout=10, allow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login.php?redirect=admin/api/1.1/tables"
    followed = requests.get(url, timeout=10)
    assert followed.status_code == 200
    assert followed.text.startswith("<!doctype html>")


@pytest.mark.parametrize("emulator_kwargs", [{"wrong_path_redirects": False}, {"mode": "docs"}])
def test_path_outside_the_api_without_redirects(serve: Serve, emulator_kwargs: dict) -> None:
    server = serve(DirectusEmulator(size=3, **emulator_kwargs))
    response = requests.get(f"{server.url}/admin{API}/tables", timeout=10, allow_redirects=False)
    assert response.status_code == 404


def test_users_rows_carry_credentials_by_default(real: SandboxServer) -> None:
    emulator = real.emulator
    assert isinstance(emulator, DirectusEmulator)
    users = rows(real, "directus_users", {"preview": 1, "depth": 0})
    assert users[0]["token"] == emulator.token
    assert {"token", "access_token", "reset_token", "invite_token"} <= set(users[0])
    columns = [c["column_name"] for c in get(real, "/tables/directus_users/columns").json()["data"]]
    assert "token" in columns


def test_user_secrets_switch(serve: Serve) -> None:
    server = serve(DirectusEmulator(size=3, user_secrets=False))
    users = rows(server, "directus_users", {"preview": 1, "depth": 0})
    assert not {"token", "access_token", "reset_token"} & set(users[0])


@pytest.mark.parametrize(("switch", "served"), [(None, 0), (False, None)])
def test_null_float_is_served_as_zero_by_default(
    serve: Serve, switch: bool | None, served: int | None
) -> None:
    emulator = DirectusEmulator(size=3, null_float_as_zero=switch)
    emulator.tables["projects"].rows[1].update(hours=None, rate=None)
    server = serve(emulator)
    row = rows(server, "projects", {"preview": 1, "filters[id][eq]": "1"})[0]
    assert row["hours"] == served  # FLOAT
    assert row["rate"] is None  # DOUBLE: null either way
