"""The Directus sandbox's database: tables and columns as data, plus seeded rows.

Tables cover every column type the tap maps (and one it does not know), a MANYTOONE column, the
two ALIAS kinds, a primary key that is not `id`, tables with and without a `date_update_column`,
a status column with published/draft/deleted rows, and two `directus_*` system tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sandbox.seed_data import SeedData

PUBLISHED, DRAFT, DELETED = 1, 2, 0
INTEGER_TYPES = {"INT", "TINYINT", "SMALLINT", "MEDIUMINT", "BIGINT"}
DECIMAL_TYPES = {"DECIMAL"}
FLOAT_TYPES = {"FLOAT", "DOUBLE"}
NUMERIC_TYPES = INTEGER_TYPES | DECIMAL_TYPES | FLOAT_TYPES
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass
class Column:
    """One column as Directus describes it (`type` ALIAS: no database column of its own)."""

    name: str
    type: str
    column_type: str
    nullable: bool = True
    length: int = 0
    precision: int | None = None
    scale: int | None = None
    key: str = ""
    extra: str = ""
    default_value: str | None = None
    ui: str = "textinput"
    relationship_type: str | None = None
    related_table: str | None = None
    junction_table: str | None = None
    junction_key_left: str | None = None
    junction_key_right: str | None = None

    @property
    def is_alias(self) -> bool:
        return self.type == "ALIAS"


@dataclass
class Table:
    """A table, its columns and its rows (keyed by primary key, in insertion order)."""

    name: str
    columns: list[Column]
    primary_column: str = "id"
    status_column: str | None = None
    date_update_column: str | None = None
    date_create_column: str | None = None
    is_junction_table: bool = False
    rows: dict[Any, dict[str, Any]] = field(default_factory=dict)

    @property
    def is_system(self) -> bool:
        return self.name.startswith("directus_")

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


def _pk(name: str = "id") -> Column:
    return Column(
        name, "INT", "int(11) unsigned", nullable=False, key="PRI", extra="auto_increment",
        ui="primary_key",
    )  # fmt: skip


def _status() -> Column:
    return Column("active", "TINYINT", "tinyint(1) unsigned", default_value="2", ui="status")


def _varchar(name: str, length: int, nullable: bool = True) -> Column:
    return Column(name, "VARCHAR", f"varchar({length})", nullable=nullable, length=length)


def _datetime(name: str, kind: str = "DATETIME") -> Column:
    return Column(name, kind, kind.lower(), ui="datetime")


def build_tables() -> dict[str, Table]:
    """The sandbox schema, empty; `seed_rows` fills it."""
    tables = [
        Table(
            "clients",
            [
                _pk(),
                _status(),
                _varchar("name", 100, nullable=False),
                _varchar("contact", 100),
                _varchar("email", 150),
                Column("country", "CHAR", "char(2)", length=2),
                Column("tier", "ENUM", "enum('gold','silver','bronze')", ui="dropdown"),
                Column("credit_limit", "DECIMAL", "decimal(20,4)", precision=20, scale=4),
                Column("notes", "TEXT", "text", length=65535, ui="textarea"),
                _datetime("created_on"),
                _datetime("updated_on"),
                Column(
                    "projects",
                    "ALIAS",
                    "",
                    ui="one_to_many",
                    relationship_type="ONETOMANY",
                    related_table="projects",
                    junction_key_right="client",
                ),
            ],
            status_column="active",
            date_update_column="updated_on",
            date_create_column="created_on",
        ),
        Table(
            "projects",
            [
                _pk(),
                _status(),
                _varchar("title", 200, nullable=False),
                Column(
                    "client",
                    "INT",
                    "int(11) unsigned",
                    ui="many_to_one",
                    relationship_type="MANYTOONE",
                    related_table="clients",
                    junction_key_right="client",
                ),
                Column("budget", "DECIMAL", "decimal(12,2)", precision=12, scale=2),
                Column("hours", "FLOAT", "float", ui="numeric"),
                Column("rate", "DOUBLE", "double", ui="numeric"),
                Column("priority", "SMALLINT", "smallint(6)", ui="numeric"),
                Column("views", "MEDIUMINT", "mediumint(9)", ui="numeric"),
                Column("bytes_used", "BIGINT", "bigint(20)", ui="numeric"),
                Column("is_public", "TINYINT", "tinyint(1)", ui="checkbox"),
                Column("start_date", "DATE", "date", ui="date"),
                Column("due_time", "TIME", "time", ui="time"),
                Column("summary", "MEDIUMTEXT", "mediumtext", length=16777215, ui="textarea"),
                Column("body", "LONGTEXT", "longtext", length=4294967295, ui="wysiwyg"),
                Column("code", "CHAR", "char(8)", length=8),
                Column("location", "POINT", "point", ui="map"),
                _datetime("modified", "TIMESTAMP"),
                Column(
                    "tags",
                    "ALIAS",
                    "",
                    ui="many_to_many",
                    relationship_type="MANYTOMANY",
                    related_table="tags",
                    junction_table="projects_tags",
                    junction_key_left="project_id",
                    junction_key_right="tag_id",
                ),
            ],
            status_column="active",
            date_update_column="modified",
        ),
        Table(
            "tags",
            [_pk(), _varchar("name", 50, nullable=False), _varchar("colour", 7)],
        ),
        Table(
            "projects_tags",
            [
                _pk(),
                Column("project_id", "INT", "int(11) unsigned", ui="numeric"),
                Column("tag_id", "INT", "int(11) unsigned", ui="numeric"),
            ],
            is_junction_table=True,
        ),
        Table(
            "countries",
            [
                Column("code", "CHAR", "char(2)", nullable=False, length=2, key="PRI"),
                _varchar("name", 100, nullable=False),
                Column("population", "BIGINT", "bigint(20)", ui="numeric"),
                Column("area_km2", "DECIMAL", "decimal(10,1)", precision=10, scale=1),
                Column("founded", "DATE", "date", ui="date"),
            ],
            primary_column="code",
        ),
        Table(
            "directus_groups",
            [_pk(), _varchar("name", 100, nullable=False), _varchar("description", 500)],
        ),
        Table(
            "directus_users",
            [
                _pk(),
                _status(),
                _varchar("first_name", 50),
                _varchar("last_name", 50),
                _varchar("email", 128, nullable=False),
                Column(
                    "group",
                    "INT",
                    "int(11) unsigned",
                    ui="many_to_one",
                    relationship_type="MANYTOONE",
                    related_table="directus_groups",
                    junction_key_right="group",
                ),
                _datetime("last_login"),
            ],
            status_column="active",
        ),
    ]
    return {t.name: t for t in tables}


BASE_TIME = dt.datetime(2024, 3, 1, 8, 0, 0)
COUNTRIES = [
    ("EE", "Eesti", 1_366_491, Decimal("45335.0"), "1918-02-24"),
    ("NO", "Norge", 5_550_203, Decimal("385207.0"), "1905-06-07"),
    ("FI", "Suomi", 5_603_851, Decimal("338455.0"), "1917-12-06"),
    ("LV", "Latvija", 1_883_008, Decimal("64589.0"), "1918-11-18"),
    ("SE", "Sverige", 10_551_707, Decimal("450295.0"), None),
    ("IS", "Ísland", 387_758, None, "1944-06-17"),
]
TAGS = [("ürgne", "#aa0000"), ("põld", "#00aa00"), ("fjøs", "#0000aa"), ("sjø", None)]
TIERS = ["gold", "silver", "bronze"]


def _stamp(minutes: float) -> str:
    return (BASE_TIME + dt.timedelta(minutes=minutes)).strftime(TIME_FORMAT)


def _status_for(i: int) -> int:
    """Mostly published, every 5th a draft, every 7th soft-deleted."""
    if i % 7 == 0:
        return DELETED
    return DRAFT if i % 5 == 0 else PUBLISHED


def client_row(seed: SeedData, i: int, stamp: str) -> dict[str, Any]:
    country = "EE" if i % 2 else "NO"
    name = seed.company(country)
    contact = seed.person(country)
    credit = Decimal(seed.rng.randrange(0, 10**18)) / Decimal(10_000)
    return {
        "id": i,
        "active": _status_for(i),
        "name": f"{name} {i}",
        "contact": contact,
        "email": seed.email(contact, "example.ee" if country == "EE" else "example.no"),
        "country": country,
        "tier": TIERS[i % 3],
        "credit_limit": credit.quantize(Decimal("0.0001")),
        "notes": None if i % 4 == 0 else f"Kliendi märkus {i}: {seed.city(country)}",
        "created_on": stamp,
        # Rows from before the table had an update column keep NULL there until edited.
        "updated_on": None if i % 10 == 0 else stamp,
    }


def project_row(seed: SeedData, i: int, stamp: str, client_ids: list[int]) -> dict[str, Any]:
    cents = seed.rng.randrange(10_000, 100_000_000)
    return {
        "id": i,
        "active": _status_for(i),
        "title": f"{seed.product()} projekt {i}",
        "client": None if i % 6 == 0 or not client_ids else client_ids[i % len(client_ids)],
        "budget": (Decimal(cents) / 100).quantize(Decimal("0.01")),
        "hours": round(seed.rng.uniform(1, 500), 2),
        "rate": round(seed.rng.uniform(10, 200), 6),
        "priority": seed.rng.randint(-5, 5),
        "views": seed.rng.randint(0, 8_000_000),
        "bytes_used": 9_007_199_254_740_993 + i,  # above 2**53: exact only as an integer
        "is_public": i % 2,
        "start_date": (dt.date(2024, 1, 1) + dt.timedelta(days=i)).isoformat(),
        "due_time": f"{8 + i % 10:02d}:{i % 60:02d}:00",
        "summary": "" if i % 9 == 0 else f"Kokkuvõte: {seed.city('NO')} - {seed.person('NO')}",
        "body": f"<p>Sisu {i} ÕÄÖÜ øæå</p>",
        "code": f"PRJ{i:05d}",
        "location": f"POINT({24 + i % 5}.75 {59 + i % 3}.43)",
        "modified": stamp,
    }


def seed_rows(tables: dict[str, Table], size: int, seed: SeedData) -> None:
    """Fill the tables deterministically; `size` rows in clients and projects."""
    for code, name, population, area, founded in COUNTRIES:
        tables["countries"].rows[code] = {
            "code": code,
            "name": name,
            "population": population,
            "area_km2": area,
            "founded": founded,
        }
    for i, (name, colour) in enumerate(TAGS, start=1):
        tables["tags"].rows[i] = {"id": i, "name": name, "colour": colour}
    for i, (name, desc) in enumerate([("Administrator", None), ("Toimetaja", "Redaktør")], 1):
        tables["directus_groups"].rows[i] = {"id": i, "name": name, "description": desc}
    for i in range(1, 4):
        first, last = seed.person("EE").split(" ", 1)
        tables["directus_users"].rows[i] = {
            "id": i,
            "active": PUBLISHED,
            "first_name": first,
            "last_name": last,
            "email": seed.email(f"{first} {last}"),
            "group": 1 if i == 1 else 2,
            "last_login": _stamp(i * 60),
        }
    clients = tables["clients"]
    for i in range(1, size + 1):
        # Three rows share each timestamp: ties on the update column are the normal case.
        clients.rows[i] = client_row(seed, i, _stamp((i - 1) // 3 * 7))
    client_ids = list(clients.rows)
    projects = tables["projects"]
    junction = tables["projects_tags"]
    for i in range(1, size + 1):
        projects.rows[i] = project_row(seed, i, _stamp((i - 1) // 3 * 5), client_ids)
        for tag_id in range(1, 1 + i % 3):
            link = len(junction.rows) + 1
            junction.rows[link] = {"id": link, "project_id": i, "tag_id": tag_id}
