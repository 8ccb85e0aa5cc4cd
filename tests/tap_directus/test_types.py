"""Directus column types -> JSON Schema, value coercion, and both column metadata spellings."""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal

import pytest
from singer_sdk.exceptions import FatalAPIError

from sandbox.common import Emulator, Fault, SandboxServer
from sandbox.directus import DirectusEmulator
from tap_directus.coercion import coerce, json_schema_for
from tap_directus.discovery import ColumnInfo, TableInfo
from tests.tap_directus.harness import config_for, discover, run_tap

Serve = Callable[[Emulator], SandboxServer]
INTEGER = {"type": ["integer", "null"]}
NUMBER = {"type": ["number", "null"]}
STRING = {"type": ["string", "null"]}
DATE = {"type": ["string", "null"], "format": "date"}
DATETIME = {"type": ["string", "null"], "format": "date-time"}


@pytest.mark.parametrize(
    ("directus_type", "expected"),
    [
        ("INT", INTEGER),
        ("TINYINT", INTEGER),
        ("SMALLINT", INTEGER),
        ("MEDIUMINT", INTEGER),
        ("BIGINT", INTEGER),
        ("int(11) unsigned", INTEGER),
        ("DECIMAL", NUMBER),
        ("FLOAT", NUMBER),
        ("DOUBLE", NUMBER),
        ("CHAR", STRING),
        ("VARCHAR", STRING),
        ("TINYTEXT", STRING),
        ("TEXT", STRING),
        ("MEDIUMTEXT", STRING),
        ("LONGTEXT", STRING),
        ("ENUM", STRING),
        ("TIME", STRING),
        ("DATE", DATE),
        ("DATETIME", DATETIME),
        ("TIMESTAMP", DATETIME),
        ("varchar", STRING),
    ],
)
def test_type_mapping(directus_type: str, expected: dict) -> None:
    assert json_schema_for(directus_type, nullable=True) == expected


def test_not_nullable_column() -> None:
    assert json_schema_for("INT", nullable=False) == {"type": ["integer"]}


def test_unknown_type_is_a_string_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert json_schema_for("POINT", nullable=True, where="projects.location") == STRING
    assert "projects.location" in caplog.text
    assert "POINT" in caplog.text


@pytest.mark.parametrize(
    ("value", "schema", "expected"),
    [
        ("12", INTEGER, 12),
        ("-3", INTEGER, -3),
        (7, INTEGER, 7),
        ("", INTEGER, None),
        ("9007199254740993", INTEGER, 9007199254740993),
        ("12.50", NUMBER, Decimal("12.50")),
        ("83187901827162.0419", NUMBER, Decimal("83187901827162.0419")),
        (Decimal("1.10"), NUMBER, Decimal("1.10")),
        (3, NUMBER, 3),
        (5, STRING, "5"),
        ("2024-03-01 08:00:00", DATETIME, "2024-03-01T08:00:00+00:00"),
        ("0000-00-00 00:00:00", DATETIME, None),
        ("2024-03-01", DATE, "2024-03-01"),
        ("0000-00-00", DATE, None),
        (None, INTEGER, None),
    ],
)
def test_coercion(value: object, schema: dict, expected: object) -> None:
    result = coerce(value, schema)
    assert result == expected
    assert type(result) is type(expected)


def test_coercion_rejects_non_numbers() -> None:
    with pytest.raises(ValueError, match="not an integer"):
        coerce("abc", INTEGER)
    with pytest.raises(ValueError, match="not a number"):
        coerce("12,5", NUMBER)


def test_real_server_column_spelling() -> None:
    table = TableInfo.from_api(
        "t",
        {"primary_column": "uid", "status_column": "state", "date_update_column": "changed"},
        [
            {"column_name": "uid", "type": "INT", "nullable": False, "key": "PRI"},
            {"column_name": "state", "type": "TINYINT", "nullable": True, "key": ""},
            {"column_name": "changed", "type": "DATETIME", "nullable": True},
        ],
    )
    assert (table.primary_key, table.status_column, table.date_update_column) == (
        "uid",
        "state",
        "changed",
    )
    assert [c.nullable for c in table.columns] == [False, True, True]


def test_docs_column_spelling() -> None:
    table = TableInfo.from_api(
        "t",
        {"date_update_column": None},
        [
            {"column_name": "code", "data_type": "CHAR", "is_nullable": "NO", "column_key": "PRI"},
            {"column_name": "active", "type": "TINYINT", "is_nullable": "YES"},
        ],
    )
    assert table.primary_key == "code"
    assert table.status_column == "active"
    assert table.date_update_column is None
    assert [(c.type, c.nullable) for c in table.columns] == [("CHAR", False), ("TINYINT", True)]


def test_alias_and_relation_columns() -> None:
    o2m = ColumnInfo.from_api(
        {"column_name": "p", "type": "ALIAS", "relationship_type": "ONETOMANY"}
    )
    m2o = ColumnInfo.from_api({"column_name": "c", "type": "INT", "relationship_type": "MANYTOONE"})
    assert o2m.is_alias
    assert not m2o.is_alias
    assert m2o.is_many_to_one


@pytest.mark.parametrize("mode", ["real", "docs"])
def test_discovered_schema_of_the_sandbox(serve: Serve, mode: str) -> None:
    server = serve(DirectusEmulator(size=3, mode=mode))
    catalog = discover(config_for(server, tables=["projects", "countries"]))
    entries = {e["tap_stream_id"]: e for e in catalog["streams"]}
    props = entries["projects"]["schema"]["properties"]
    assert props["id"] == {"type": ["integer"]}
    assert props["active"] == INTEGER
    assert props["title"] == {"type": ["string"]}
    assert props["client"] == INTEGER
    assert props["budget"] == NUMBER
    assert props["hours"] == NUMBER
    assert props["start_date"] == DATE
    assert props["due_time"] == STRING
    assert props["modified"] == DATETIME
    assert props["location"] == STRING
    assert "tags" not in props
    meta = next(m for m in entries["projects"]["metadata"] if m["breadcrumb"] == [])["metadata"]
    assert meta["table-key-properties"] == ["id"]
    assert meta["valid-replication-keys"] == ["modified"]
    country_meta = next(m for m in entries["countries"]["metadata"] if m["breadcrumb"] == [])
    assert country_meta["metadata"]["table-key-properties"] == ["code"]
    assert "valid-replication-keys" not in country_meta["metadata"]


def test_unreadable_value_is_null_with_a_warning(
    serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    emulator = DirectusEmulator(size=3)
    emulator.tables["projects"].rows[2]["priority"] = "kõrge"
    server = serve(emulator)
    with caplog.at_level(logging.WARNING):
        out = run_tap(config_for(server, tables=["projects"]))
    by_id = {r["id"]: r for r in out.records["projects"]}
    assert by_id[2]["priority"] is None
    assert by_id[1]["priority"] == emulator.tables["projects"].rows[1]["priority"]
    assert any("row 2, column priority" in m for m in caplog.messages)


def test_unreadable_key_value_stops_the_sync(serve: Serve) -> None:
    emulator = DirectusEmulator(size=3)
    emulator.tables["tags"].rows[2]["id"] = "kaks"
    server = serve(emulator)
    with pytest.raises(FatalAPIError, match="key column id"):
        run_tap(config_for(server, tables=["tags"]))


def test_columns_fall_back_to_the_columns_endpoint(serve: Serve) -> None:
    emulator = DirectusEmulator(size=3)
    server = serve(emulator)
    # A table object without columns (the docs mark include_columns "not available yet").
    bare = '{"meta": {"type": "item"}, "data": {"table_name": "tags"}}'
    emulator.faults.add(
        Fault(
            kind="body",
            status=200,
            body=bare,
            content_type="application/json",
            path="/api/1.1/tables/tags",
            count=1,
        )
    )
    catalog = discover(config_for(server, tables=["tags"]))
    props = catalog["streams"][0]["schema"]["properties"]
    assert set(props) == {"id", "name", "colour"}
    assert emulator.log.entries(path_prefix="/api/1.1/tables/tags/columns")


def test_table_without_a_primary_key_is_skipped_with_a_warning(
    serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    emulator = DirectusEmulator(size=3)
    server = serve(emulator)
    keyless = (
        '{"data": {"table_name": "tags", "columns": [{"column_name": "name", "type": "VARCHAR"}]}}'
    )
    emulator.faults.add(
        Fault(
            kind="body",
            status=200,
            body=keyless,
            content_type="application/json",
            path="/api/1.1/tables/tags",
            count=1,
        )
    )
    with caplog.at_level(logging.WARNING):
        catalog = discover(config_for(server, tables=["tags", "countries"]))
    assert [e["tap_stream_id"] for e in catalog["streams"]] == ["countries"]
    assert any("tags skipped" in m and "primary key" in m for m in caplog.messages)
