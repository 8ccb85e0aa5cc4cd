"""Emulator of the Directus 6 API v1.1 (`/api/1.1/...`), like a real server or like its docs.

`mode="real"` (default) follows directus-6-observed.md: rows without `status`/`preview` are only
the published ones, `meta.total` counts the page, `GET /tables/{t}` nests its columns and spells
column metadata the server's way, a missing row is 200 `data: []`, a wrong request-token password
is 200 `success: false`, requests without a token run as the Public group, unknown endpoints
answer an HTML 404. `mode="docs"` follows the API docs instead. `numbers_as_strings` serves
numbers as JSON strings, as the docs' examples do.

Switches for what a genuine Directus 6.4.9 showed (each defaults to the real server's way in
`mode="real"`, and to the docs' way in `mode="docs"`):
- `user_timezone`: update/create columns (and every DATETIME of a system table) are served as
  ISO 8601 in the token user's zone (`2024-12-31T20:00:00-05:00` for a stored
  `2025-01-01 01:00:00`); None serves them as stored. Filters still compare stored text, an
  offset in a filter value cut off, as MySQL does.
- `or_grouping`: `sql` chains `filters[col][logical]=or` flat with SQL precedence.
- `wrong_path_redirects`: a path outside `/api/` answers 302 to the HTML `/login.php`.
- `user_secrets`: `directus_users` rows carry `token`, `access_token`, `reset_token` and
  `invite_token`.
- `null_float_as_zero`: a NULL FLOAT is served as `0` (NULL DOUBLE stays `null`).
"""

from __future__ import annotations

import base64
import datetime as dt
import random
import re
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

import simplejson

from sandbox.common import Emulator, Fault, Request, Response
from sandbox.directus_filters import (
    Condition,
    FilterError,
    compile_condition,
    evaluate,
    parse_filters,
)
from sandbox.directus_schema import (
    DELETED,
    DRAFT,
    INTEGER_TYPES,
    PUBLISHED,
    TIME_FORMAT,
    Column,
    Table,
    build_tables,
    client_row,
    project_row,
    seed_rows,
)
from sandbox.seed_data import SeedData

API_PREFIX = "/api/1.1"
TOKEN = "directus-sandbox-token-7Qx"
EMAIL = "admin@example.ee"
PASSWORD = "sala-sõna-42"
NOT_LOGGED_IN = "You must be logged in to access the API"
LOGIN_HTML = "<!doctype html><html><head><title> -Login</title></head><body>Login</body></html>"
NOT_FOUND_HTML = "<!DOCTYPE html><html><head><title>404 Page Not Found</title></head><body>Not Found</body></html>"
STATUS_NAMES = {
    "real": {PUBLISHED: "Published", DRAFT: "Draft", DELETED: "Deleted"},
    "docs": {PUBLISHED: "Active", DRAFT: "Draft", DELETED: "Delete"},
}
ROW_PATH = re.compile(r"^/tables/([^/]+)/rows(?:/([^/]+))?/?$")
TABLE_PATH = re.compile(r"^/tables/([^/]+)(/columns)?/?$")

RowsHook = Callable[["DirectusEmulator"], Any]
SECRET_USER_COLUMNS = ("token", "access_token", "reset_token", "invite_token")


class Default:
    """Marks a switch left to the mode's default (None is a value for `user_timezone`)."""


DEFAULT = Default()


def in_user_zone(stored: str, zone: str) -> str:
    """`2025-01-01 01:00:00` (stored, UTC) -> `2024-12-31T20:00:00-05:00` in `zone`."""
    moment = dt.datetime.strptime(stored[:19], TIME_FORMAT).replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(ZoneInfo(zone)).isoformat()


def add_user_secrets(users: Table, admin_token: str) -> None:
    """Real directus_users rows: each user's API token and the other credential columns."""
    for name in SECRET_USER_COLUMNS:
        users.columns.append(Column(name, "VARCHAR", "varchar(255)", length=255))
    for pk, row in users.rows.items():
        row["token"] = admin_token if pk == 1 else f"user-{pk}-token-{pk * 7919}"
        row["access_token"] = "" if pk == 1 else f"access-{pk}-{pk * 104729}"
        row["reset_token"] = f"reset-{pk}-{pk * 1299709}" if pk == 2 else ""
        row["invite_token"] = None


def _encode(data: Any) -> bytes:
    """JSON with Decimals written as exact numbers (what MySQL DECIMAL holds)."""
    return simplejson.dumps(data, use_decimal=True, ensure_ascii=False).encode("utf-8")


def _order_key(value: Any) -> tuple[int, Any]:
    """MySQL-like ORDER BY: NULL first, then numbers, then text (mixed columns never crash)."""
    if value is None:
        return (0, 0)
    if isinstance(value, int | float | Decimal):
        return (1, value)
    return (2, str(value))


class DirectusEmulator(Emulator):
    """Directus 6 (API 1.1) with seeded tables; see the module docstring for the two modes."""

    name = "directus"

    def __init__(  # noqa: PLR0917 - keyword arguments with defaults, as __main__ passes them
        self,
        size: int = 50,
        seed: int = 1,
        mode: str = "real",
        numbers_as_strings: bool = False,
        or_grouping: str | None = None,
        token: str = TOKEN,
        email: str = EMAIL,
        password: str = PASSWORD,
        user_timezone: str | Default | None = DEFAULT,
        wrong_path_redirects: bool | None = None,
        user_secrets: bool | None = None,
        null_float_as_zero: bool | None = None,
    ) -> None:
        super().__init__()
        if mode not in ("real", "docs"):
            raise ValueError("mode must be 'real' or 'docs'")
        self.mode = mode
        real = mode == "real"
        self.numbers_as_strings = numbers_as_strings
        self.or_grouping = or_grouping or ("sql" if real else "column")
        zone = ("America/New_York" if real else None) if user_timezone is DEFAULT else user_timezone
        self.user_timezone: str | None = zone  # type: ignore[assignment]
        self.wrong_path_redirects = real if wrong_path_redirects is None else wrong_path_redirects
        self.user_secrets = real if user_secrets is None else user_secrets
        self.null_float_as_zero = real if null_float_as_zero is None else null_float_as_zero
        self.token, self.email, self.password = token, email, password
        self.seed = SeedData(seed)
        self._change_rng = random.Random(seed + 7919)
        self.tables: dict[str, Table] = build_tables()
        seed_rows(self.tables, size, self.seed)
        if self.user_secrets:
            add_user_secrets(self.tables["directus_users"], token)
        # Changes are stamped after every seeded timestamp, one minute per change batch.
        self.clock = dt.datetime(2025, 1, 1, 12, 0, 0)
        self._hooks: list[tuple[str | None, int, RowsHook]] = []
        self._rows_requests: dict[str | None, int] = {}
        self._hook_lock = threading.Lock()
        self._related_index: dict[tuple[str, str], dict[Any, list[Any]]] = {}

    # ----------------------------------------------------------------- plumbing
    def credentials(self) -> dict[str, str]:
        return {"token": self.token, "email": self.email, "password": self.password}

    def base_url(self, root: str) -> str:
        return root

    def _json(self, data: Any, status: int = 200) -> Response:
        return Response(status=status, body=_encode(data))

    def _error(self, status: int, message: str, **extra: Any) -> Response:
        return self._json({"success": False, "error": {"message": message}, **extra}, status)

    def error_response(self, status: int, message: str) -> Response:
        return self._error(status, message)

    def _unknown_endpoint(self) -> Response:
        if self.mode == "docs":
            return self._error(404, "Endpoint not found")
        # A real server answers its HTML 404 page, at times under a JSON content type.
        return Response(status=404, body=NOT_FOUND_HTML.encode())

    # ------------------------------------------------------------------- routing
    def handle(self, request: Request) -> Response:
        if self.wrong_path_redirects and not request.path.startswith("/api/"):
            return self._login_redirect(request)
        if not request.path.startswith(API_PREFIX + "/"):
            return self._unknown_endpoint()
        path = request.path[len(API_PREFIX) :]
        if path.rstrip("/") == "/auth/request-token" and request.method == "POST":
            return self._request_token(request)
        if request.method != "GET":
            return self._unknown_endpoint()
        auth = self._authenticate(request)
        if auth == "invalid":
            return self._error(401, NOT_LOGGED_IN)
        public = auth == "public"
        if public and self.mode == "docs":
            return self._error(401, NOT_LOGGED_IN)
        with self.lock:
            self._related_index = {}
            if path.rstrip("/") == "/tables":
                return self._tables(request, public)
            if public:
                return self._error(403, "Permission denied", public=True)
            row_match = ROW_PATH.match(path)
            if row_match:
                table = self.tables.get(row_match.group(1))
                if table is None:
                    return self._table_missing(row_match.group(1))
                if row_match.group(2) is not None:
                    return self._single_row(request, table, row_match.group(2))
                response = self._list_rows(request, table)
                self._run_hooks(table.name)
                return response
            table_match = TABLE_PATH.match(path)
            if table_match:
                table = self.tables.get(table_match.group(1))
                if table is None:
                    return self._table_missing(table_match.group(1))
                if table_match.group(2):
                    return self._columns(table)
                return self._table_info(table)
        return self._unknown_endpoint()

    def _login_redirect(self, request: Request) -> Response:
        """What a real server does outside /api/: the admin app's login (an HTML page)."""
        if request.path == "/login.php":
            return Response(status=200, body=LOGIN_HTML.encode(), content_type="text/html")
        target = f"/login.php?redirect={request.path.lstrip('/')}"
        return Response(
            status=302, body=b"", headers={"Location": target}, content_type="text/html"
        )

    def _table_missing(self, name: str) -> Response:
        return self._error(404, f"Table `{name}` does not exist")

    def _authenticate(self, request: Request) -> str:
        """'ok', 'public' (no credentials) or 'invalid'."""
        given = request.param("access_token")
        header = request.header("authorization") or ""
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer":
            given = value.strip()
        elif scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(value.strip()).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                return "invalid"
            given = decoded.partition(":")[0]  # the token is the user; the password is empty
        if not given:
            return "public"
        return "ok" if given == self.token else "invalid"

    def _request_token(self, request: Request) -> Response:
        content_type = request.header("content-type") or ""
        if "json" in content_type:
            try:
                form = request.json() or {}
            except ValueError:
                form = {}
        else:
            form = dict(parse_qsl(request.body.decode("utf-8", "replace")))
        if form.get("email") == self.email and form.get("password") == self.password:
            return self._json({"success": True, "data": {"token": self.token}})
        status = 200 if self.mode == "real" else 401
        return self._error(status, "Incorrect email or password")

    # -------------------------------------------------------------------- schema
    def _tables(self, request: Request, public: bool) -> Response:
        include_system = (request.param("include_system") or "0").lower() in ("1", "true")
        names = [
            t.name
            for t in self.tables.values()
            if not public and (include_system or not t.is_system)
        ]
        body: dict[str, Any] = {
            "meta": {"type": "collection", "table": "directus_tables"},
            "data": [{"name": n} for n in names],
        }
        if public:
            body["public"] = True
        return self._json(body)

    def _column_object(self, table: Table, column: Column, sort: int) -> dict[str, Any]:
        relational = {
            "relationship_type": column.relationship_type,
            "related_table": column.related_table,
            "junction_table": column.junction_table,
            "junction_key_left": column.junction_key_left,
            "junction_key_right": column.junction_key_right,
        }
        if self.mode == "docs":
            return {
                "id": column.name,
                "column_name": column.name,
                "type": column.type,
                "data_type": column.type,
                "is_nullable": "YES" if column.nullable else "NO",
                "char_length": str(column.length) if column.length else None,
                "column_key": column.key,
                "default_value": column.default_value,
                "comment": "",
                "sort": sort,
                "system": column.key == "PRI" or column.name == table.status_column,
                "master": False,
                "hidden_list": False,
                "hidden_input": False,
                "required": not column.nullable,
                "column_type": column.column_type,
                "is_writable": True,
                "ui": column.ui,
                "hidden": False,
                "options": [],
                **relational,
            }
        return {
            "id": column.name,
            "column_name": column.name,
            "type": column.type,
            "column_type": column.column_type,
            "length": column.length,
            "precision": column.precision,
            "scale": column.scale,
            "nullable": column.nullable,
            "key": column.key,
            "extra": column.extra,
            "default_value": column.default_value,
            "comment": "",
            "sort": sort,
            "required": not column.nullable,
            "system": column.key == "PRI" or column.name == table.status_column,
            "ui": column.ui,
            **relational,
            "relationship": (
                {"type": column.relationship_type, "related_table": column.related_table}
                if column.relationship_type
                else None
            ),
        }

    def _column_objects(self, table: Table) -> list[dict[str, Any]]:
        return [self._column_object(table, c, i) for i, c in enumerate(table.columns, 1)]

    def _columns(self, table: Table) -> Response:
        return self._json(
            {
                "meta": {"table": "directus_columns", "type": "collection"},
                "data": self._column_objects(table),
            }
        )

    def _table_info(self, table: Table) -> Response:
        common = {
            "id": table.name,
            "table_name": table.name,
            "date_created": "2024-01-15 02:20:45",
            "comment": "",
            "hidden": False,
            "single": False,
            "is_junction_table": table.is_junction_table,
            "user_create_column": None,
            "user_update_column": None,
            "date_create_column": table.date_create_column,
            "date_update_column": table.date_update_column,
            "footer": False,
        }
        preferences = {
            "user": "1",
            "columns_visible": "",
            "table_name": table.name,
            "title": None,
            "sort": table.primary_column,
            "sort_order": "ASC",
        }
        if self.mode == "docs":
            data = {
                **common,
                "columns": self._column_objects(table),
                "preferences": {**preferences, "active": "1,2"},
            }
            return self._json({"meta": {"type": "item", "table": "directus_tables"}, "data": data})
        data = {
            **common,
            "primary_column": table.primary_column,
            "status_column": table.status_column,
            "sort_column": None,
            "row_count": len(table.rows),
            "columns": {
                "meta": {"table": "directus_columns", "type": "collection"},
                "data": self._column_objects(table),
            },
            "preferences": {**preferences, "status": "1,2"},
        }
        return self._json(
            {"success": True, "meta": {"type": "entry", "table": "directus_tables"}, "data": data}
        )

    # ---------------------------------------------------------------------- rows
    def _related_ids(self, table: Table, column: Column, row: dict[str, Any]) -> list[Any]:
        index = self._related_index.get((table.name, column.name))
        if index is None:
            index = self._index_relation(column)
            self._related_index[(table.name, column.name)] = index
        return index.get(row[table.primary_column], [])

    def _index_relation(self, column: Column) -> dict[Any, list[Any]]:
        """Own id -> related ids of an ALIAS column (rebuilt per request: data changes)."""
        index: dict[Any, list[Any]] = {}
        if column.relationship_type == "ONETOMANY":
            related = self.tables[column.related_table or ""]
            key = column.junction_key_right or ""
            for pk, r in related.rows.items():
                index.setdefault(r.get(key), []).append(pk)
        elif column.relationship_type == "MANYTOMANY":
            junction = self.tables[column.junction_table or ""]
            left, right = column.junction_key_left or "", column.junction_key_right or ""
            for j in junction.rows.values():
                index.setdefault(j.get(left), []).append(j[right])
        return index

    def _number(self, value: Any) -> Any:
        if self.numbers_as_strings and isinstance(value, int | float | Decimal):
            return str(value)
        return value

    def render_row(self, table: Table, row: dict[str, Any], depth: int) -> dict[str, Any]:
        """A row as the API serves it: relations nested down to `depth`."""
        out: dict[str, Any] = {}
        for column in table.columns:
            if column.is_alias:
                if depth < 1:
                    continue
                related = self.tables[column.related_table or ""]
                rows = [
                    self.render_row(related, related.rows[pk], depth - 1)
                    for pk in self._related_ids(table, column, row)
                    if pk in related.rows
                ]
                out[column.name] = {
                    "meta": {"table": related.name, "type": "collection", "total": len(rows)},
                    "data": rows,
                }
                continue
            value = row.get(column.name)
            if column.relationship_type == "MANYTOONE" and value is not None and depth >= 1:
                related = self.tables[column.related_table or ""]
                target = related.rows.get(value)
                if target is not None:
                    nested = self.render_row(related, target, depth - 1)
                    out[column.name] = (
                        nested
                        if self.mode == "docs"
                        else {"meta": {"table": related.name, "type": "item"}, "data": nested}
                    )
                    continue
            out[column.name] = self._served_value(table, column, value)
        return out

    def _served_value(self, table: Table, column: Column, value: Any) -> Any:
        if value is None:
            return 0 if self.null_float_as_zero and column.type == "FLOAT" else None
        if self.user_timezone and column.type in ("DATETIME", "TIMESTAMP"):
            zoned = column.name in (table.date_update_column, table.date_create_column)
            if zoned or table.is_system:
                return in_user_zone(str(value), self.user_timezone)
        return self._number(value)

    def _status_filter(self, request: Request, table: Table) -> set[int] | None:
        """The statuses a listing returns (None: all)."""
        if table.status_column is None or request.param("preview") in ("1", "true"):
            return None
        raw = request.param("status")
        if raw is None:
            return {PUBLISHED} if self.mode == "real" else None
        wanted = {int(v) for v in raw.split(",") if v.strip().lstrip("-").isdigit()}
        if self.mode == "real":
            # Observed: `status=0` alone returns every row; in a list, 0 is ignored.
            if wanted == {DELETED}:
                return None
            wanted.discard(DELETED)
        return wanted

    def _depth(self, request: Request) -> int:
        raw = request.param("depth")
        return int(raw) if raw is not None and raw.strip().isdigit() else 1

    def _select(self, request: Request, table: Table) -> list[dict[str, Any]]:
        """Rows matching status, in[], ids and filters, in the requested order."""
        statuses = self._status_filter(request, table)
        conditions = parse_filters(request.query)
        for cond in conditions:
            if table.column(cond.column) is None:
                raise FilterError(f"Unknown column '{cond.column}' in 'where clause'")
        in_lists: list[tuple[str, list[str]]] = []
        for key, value in request.query:
            if key.startswith("in[") and key.endswith("]"):
                in_lists.append((key[3:-1], value.split(",")))
        ids = request.param("ids")
        if ids:
            in_lists.append((table.primary_column, ids.split(",")))

        compiled = {id(c): compile_condition(c, table.column(c.column)) for c in conditions}  # type: ignore[arg-type]
        alias_columns = {
            c.column
            for c in conditions
            if (table.column(c.column) or Column("", "", "")).relationship_type
            in ("ONETOMANY", "MANYTOMANY")
        }

        def test_row(row: dict[str, Any]) -> bool:
            if statuses is not None and row.get(table.status_column or "") not in statuses:
                return False
            for name, values in in_lists:
                if str(row.get(name)) not in values:
                    return False

            def test(cond: Condition) -> bool:
                related = None
                if cond.column in alias_columns:
                    column = table.column(cond.column)
                    assert column is not None
                    related = self._related_ids(table, column, row)
                return compiled[id(cond)](row.get(cond.column), related)

            return evaluate(conditions, test, self.or_grouping)

        selected = [r for r in table.rows.values() if test_row(r)]
        orders = [
            (key[6:-1], value.upper())
            for key, value in request.query
            if key.startswith("order[") and key.endswith("]")
        ]
        for name, direction in reversed(orders):
            selected.sort(key=lambda r, n=name: _order_key(r.get(n)), reverse=direction == "DESC")
        return selected

    def _list_rows(self, request: Request, table: Table) -> Response:
        try:
            selected = self._select(request, table)
        except FilterError as exc:
            return self._error(500, str(exc))
        raw_limit, raw_offset = request.param("limit", "200"), request.param("offset", "0")
        if raw_limit is not None and raw_limit.strip().lstrip("-").isdigit():
            limit = int(raw_limit)
        else:
            limit = 0 if self.mode == "real" else 200  # real: `limit=abc` gives an empty page
        offset = int(raw_offset) if raw_offset and raw_offset.strip().isdigit() else 0
        page = selected[offset : offset + limit] if limit >= 0 else selected[offset:]
        depth = self._depth(request)
        columns = request.param("columns")
        wanted = [c.strip() for c in columns.split(",")] if columns else None
        data = []
        for row in page:
            rendered = self.render_row(table, row, depth)
            if wanted is not None:
                rendered = {k: v for k, v in rendered.items() if k in wanted}
            data.append(rendered)
        return self._json({"meta": self._meta(table, len(page), len(selected)), "data": data})

    def _meta(self, table: Table, page_count: int, matched: int) -> dict[str, Any]:
        meta: dict[str, Any] = {"table": table.name, "type": "collection"}
        if table.status_column:
            for status, label in STATUS_NAMES[self.mode].items():
                meta[label] = sum(
                    1 for r in table.rows.values() if r.get(table.status_column) == status
                )
        # Real servers count the page in `total`; the docs' example counts the matched rows.
        meta["total"] = page_count if self.mode == "real" else matched
        meta["total_entries"] = len(table.rows)
        return meta

    def _single_row(self, request: Request, table: Table, raw_id: str) -> Response:
        key: Any = int(raw_id) if raw_id.isdigit() and table.primary_column == "id" else raw_id
        row = table.rows.get(key)
        meta = {"table": table.name, "type": "item"}
        if row is None:
            if self.mode == "real":
                return self._json({"meta": meta, "data": []})
            return self._error(404, "Item not found")
        return self._json({"meta": meta, "data": self.render_row(table, row, self._depth(request))})

    def php_fatal(self, count: int = 1, path: str | None = None) -> None:
        """The next `count` requests answer like a PHP fatal error: 200 with an empty HTML body."""
        self.faults.add(Fault(kind="body", status=200, body="", count=count, path=path))

    # ------------------------------------------------------------ data changes
    def on_rows_request(self, number: int, action: RowsHook, table: str | None = None) -> None:
        """Run `action(self)` right after the `number`-th row listing (of `table`) is built.

        Tests use it to change data between two pages of one sync, deterministically.
        """
        with self._hook_lock:
            self._hooks.append((table, number, action))

    def _run_hooks(self, table: str) -> None:
        with self._hook_lock:
            for key in {None, table}:
                self._rows_requests[key] = self._rows_requests.get(key, 0) + 1
            due = [h for h in self._hooks if self._rows_requests.get(h[0], 0) == h[1]]
            self._hooks = [h for h in self._hooks if h not in due]
        for _, _, action in due:
            action(self)

    def _tick(self) -> str:
        self.clock += dt.timedelta(minutes=1)
        return self.clock.strftime(TIME_FORMAT)

    def _pick(self, table: Table, count: int, alive_only: bool = True) -> list[Any]:
        candidates = [
            pk
            for pk, row in table.rows.items()
            if not alive_only
            or table.status_column is None
            or row.get(table.status_column) != DELETED
        ]
        return sorted(self._change_rng.sample(candidates, min(count, len(candidates))))

    def _table(self, name: str) -> Table:
        if name not in self.tables:
            raise KeyError(f"unknown table {name!r}")
        return self.tables[name]

    def update_rows(self, table: str = "projects", count: int = 1) -> list[Any]:
        """Change `count` rows, bumping their `date_update_column`."""
        with self.lock:
            t = self._table(table)
            stamp = self._tick()
            picked = self._pick(t, count)
            for pk in picked:
                row = t.rows[pk]
                text_col = "title" if "title" in row else "name"
                row[text_col] = f"{str(row[text_col]).split(' (muudetud')[0]} (muudetud {stamp})"
                if t.date_update_column:
                    row[t.date_update_column] = stamp
            return picked

    def insert_rows(self, table: str = "projects", count: int = 1) -> list[Any]:
        """Add `count` rows with new primary keys, stamped now."""
        with self.lock:
            t = self._table(table)
            stamp = self._tick()
            added = []
            for _ in range(count):
                pk = max((k for k in t.rows if isinstance(k, int)), default=0) + 1
                if table == "clients":
                    row = client_row(self.seed, pk, stamp)
                elif table == "projects":
                    row = project_row(self.seed, pk, stamp, list(self.tables["clients"].rows))
                else:
                    row = {c.name: None for c in t.columns if not c.is_alias}
                    row[t.primary_column] = pk
                if t.status_column:
                    row[t.status_column] = PUBLISHED
                if t.date_update_column:
                    row[t.date_update_column] = stamp
                self._fill_extra_columns(t, row, pk)
                t.rows[pk] = row
                added.append(pk)
            return added

    def soft_delete_rows(self, table: str = "projects", count: int = 1) -> list[Any]:
        """Set `count` rows to the deleted status (0), bumping their update column."""
        with self.lock:
            t = self._table(table)
            if t.status_column is None:
                raise ValueError(f"table {table!r} has no status column")
            stamp = self._tick()
            picked = self._pick(t, count)
            for pk in picked:
                t.rows[pk][t.status_column] = DELETED
                if t.date_update_column:
                    t.rows[pk][t.date_update_column] = stamp
            return picked

    def hard_delete_rows(self, table: str = "projects", count: int = 1) -> list[Any]:
        """Remove `count` rows (what `DELETE /rows/{id}` does)."""
        with self.lock:
            t = self._table(table)
            picked = self._pick(t, count, alive_only=False)
            for pk in picked:
                del t.rows[pk]
            return picked

    def add_column(
        self, table: str = "projects", column: str = "extra_note", type_: str = "VARCHAR"
    ) -> Column:
        """Schema drift: a new column, filled in every existing row."""
        with self.lock:
            t = self._table(table)
            if t.column(column) is not None:
                raise ValueError(f"column {column!r} exists in {table!r}")
            integer = type_.upper() in INTEGER_TYPES
            new = Column(
                column, type_.upper(), "int(11)" if integer else "varchar(255)",
                length=0 if integer else 255,
            )  # fmt: skip
            t.columns.append(new)
            for pk, row in t.rows.items():
                self._fill_extra_column(new, row, pk)
            return new

    def _fill_extra_columns(self, table: Table, row: dict[str, Any], pk: Any) -> None:
        for column in table.columns:
            if not column.is_alias and column.name not in row:
                self._fill_extra_column(column, row, pk)

    @staticmethod
    def _fill_extra_column(column: Column, row: dict[str, Any], pk: Any) -> None:
        row[column.name] = len(str(pk)) if column.type in INTEGER_TYPES else f"lisaväli {pk}"

    def control(self, action: str, payload: dict[str, Any]) -> Response:
        table = str(payload.get("table") or payload.get("resource") or "projects")
        try:
            if action == "change":
                t = self._table(table)
                deletes = int(payload.get("deletes", 0))
                changed = {
                    "table": table,
                    "updated": self.update_rows(table, int(payload.get("updates", 0))),
                    "inserted": self.insert_rows(table, int(payload.get("inserts", 0))),
                    "soft_deleted": self.soft_delete_rows(
                        table, int(payload.get("soft_deletes", deletes if t.status_column else 0))
                    )
                    if t.status_column
                    else [],
                    "hard_deleted": self.hard_delete_rows(
                        table,
                        int(payload.get("hard_deletes", 0 if t.status_column else deletes)),
                    ),
                }
                return self._json(changed)
            if action == "php_fatal":
                self.php_fatal(int(payload.get("count", 1)), payload.get("path"))
                return self._json({"php_fatal": int(payload.get("count", 1))})
            if action == "add_column":
                column = self.add_column(
                    table,
                    str(payload.get("column", "extra_note")),
                    str(payload.get("type", "VARCHAR")),
                )
                return self._json({"table": table, "column": column.name, "type": column.type})
        except (KeyError, ValueError) as exc:
            return self._json({"error": str(exc)}, status=400)
        return super().control(action, payload)
