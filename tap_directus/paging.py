"""Keyset paging over Directus rows: nothing missed or repeated, and provably finite.

Offset paging over a set ordered by update time loses rows: an update moves a row from ahead
of the offset to the end, shifting every later row back by one. So pages start from the last
row seen instead of from a count:

- Full tables: ordered by primary key, each page asks `filters[pk][gt]=<last pk>`.
- Incremental tables: on a first sync (no bookmark, no start_date), rows whose update column is
  NULL (never updated) come first, by primary key (`filters[upd][null]`). Then rows ordered by
  (update column, primary key). Directus 6 applies one condition per column, so the textbook
  `(upd, pk) > (v, p)` cannot be sent. Instead a page asks `filters[upd][gte]=<v>` with
  `offset=k-1` and `limit=page_size+1`, where v is the last update value emitted and k the
  number of rows emitted at v: its first row must be the last row emitted (the *anchor*). If it
  is, the other rows are exactly the next page. If it is not (rows at v changed during the
  sync), the page is dropped, the anchor is looked up (one or two requests: is it still at v
  in the database? a server whose served values disagree with its filters is an error), and
  v's remaining rows are walked by primary key
  (`filters[upd][eq]` + `filters[pk][gt]`), then paging resumes with `filters[upd][gt]`. The
  same walk serves a tie larger than two pages, so offsets stay small.
  The sync stops at the newest update value that existed when it started (`upper`): rows
  changed during the sync are left for the next one.

Update values are compared as the cursor's `order_key` makes them (UTC instants for date-time
columns) and sent back as `filter_text` makes them (`YYYY-MM-DD HH:MM:SS`, the database's
own time), never as the text the server served, which may carry the user's offset.

Finite by construction: every page the cursor continues after must bring at least one row past
the cursor, or the stream ends with a PagingError; rows before the cursor or repeated rows end
it too. On a table that does not change during the sync, a first sync of R rows with update
values takes floor(R / page_size) + 3 requests (the `upper` probe, one page of NULL update
values, the pages), plus one per tie larger than two pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

TIE_WALK_PAGES = 2  # rows emitted at one value beyond this many pages: walk by primary key


def sort_key(value: Any) -> Any:
    """Compare API values the way the server orders them: numbers as numbers, else text."""
    if isinstance(value, bool):
        return (0, Decimal(int(value)))
    if isinstance(value, int | float | Decimal):
        return (0, Decimal(str(value)))
    if isinstance(value, str):
        try:
            return (0, Decimal(value))
        except InvalidOperation:
            return (1, value)
    return (1, str(value))


def param_text(value: Any) -> str:
    """A value as it goes into a filter parameter."""
    if isinstance(value, dict):  # a nested relation: its id
        value = value.get("data", value)
        value = value.get("id") if isinstance(value, dict) else value
    return str(value)


class PagingError(RuntimeError):
    """The server did not honour a keyset filter: paging on would repeat pages forever."""


@dataclass
class KeysetCursor:
    """Where the next page of one table starts, and which rows of a page are new."""

    primary_key: str
    page_size: int
    update_column: str | None = None
    start: str | None = None  # lower bound for the update column (inclusive), as filter text
    upper: Any = None  # the newest update value when the sync started, as served
    order_key: Callable[[Any], Any] = sort_key  # API value -> comparable key (None: NULL)
    filter_text: Callable[[Any], str] = param_text  # API value -> filter parameter text
    table: str = "?"
    done: bool = False
    requests: int = 0
    _mode: str = "range"  # nulls | range | ties | anchor (check) | anchor-row (check)
    _value: Any = None  # order key of the last update value emitted
    _value_text: str = ""  # the same value as filter text
    _tail: list[str] = field(default_factory=list)  # pks emitted at `_value`, in order
    _after_value: bool = False  # next range page starts after `_value` (its rows are done)
    _last_pk: Any = None  # full tables, nulls and ties: the last primary key emitted
    _upper: Any = None

    def __post_init__(self) -> None:
        self._upper = None if self.upper is None else self.order_key(self.upper)
        if self.update_column is not None and self.start is None:
            self._mode = "nulls"  # first sync: rows never updated (NULL) come first, by pk

    # ----------------------------------------------------------------------- requests
    def params(self) -> dict[str, str]:
        """Filter, order and limit parameters of the next page."""
        pk, upd = self.primary_key, self.update_column
        params: dict[str, str] = {"limit": str(self.page_size)}
        if upd is None or self._mode == "nulls":
            params[f"order[{pk}]"] = "ASC"
            if upd is not None:
                params[f"filters[{upd}][null]"] = "1"
            if self._last_pk is not None:
                params[f"filters[{pk}][gt]"] = param_text(self._last_pk)
            return params
        if self._mode == "ties":
            params[f"order[{pk}]"] = "ASC"
            params[f"filters[{upd}][eq]"] = self._value_text
            params[f"filters[{pk}][gt]"] = param_text(self._last_pk)
            return params
        if self._mode in ("anchor", "anchor-row"):
            params["limit"] = "1"
            params[f"filters[{pk}][eq]"] = self._tail[-1]
            if self._mode == "anchor":
                params[f"filters[{upd}][gte]"] = self._value_text
            return params
        params[f"order[{upd}]"] = "ASC"
        params[f"order[{pk}]"] = "ASC"
        if self._value is None:
            if self.start is not None:
                params[f"filters[{upd}][gte]"] = self.start
            else:
                params[f"filters[{upd}][nnull]"] = "1"
        elif self._after_value:
            params[f"filters[{upd}][gt]"] = self._value_text
        else:
            params[f"filters[{upd}][gte]"] = self._value_text
            params["offset"] = str(len(self._tail) - 1)
            params["limit"] = str(self.page_size + 1)  # the anchor, then a full page
        return params

    # -------------------------------------------------------------------------- pages
    def accept(self, rows: list[dict[str, Any]]) -> Iterable[dict[str, Any]]:
        """The rows of a page to emit; moves the cursor past the page (or raises PagingError)."""
        self.requests += 1
        if self.update_column is None or self._mode == "nulls":
            return self._accept_by_key(rows)
        if self._mode == "ties":
            return self._accept_ties(rows)
        if self._mode in ("anchor", "anchor-row"):
            return self._accept_anchor_check(rows)
        return self._accept_range(rows)

    def _accept_anchor_check(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Why the page did not resume at the anchor: rows changed, or values served wrong."""
        upd = str(self.update_column)
        if self._mode == "anchor" and not rows:
            self._mode = "anchor-row"  # not at or after its value: is it there at all?
            return []
        if self._mode == "anchor-row" and rows and self.order_key(rows[0].get(upd)) == self._value:
            raise PagingError(
                f"Table {self.table}: Directus serves the update time of row {self._tail[-1]} "
                f"as {self._value_text} (database time) but filters[{upd}][gte]="
                f"{self._value_text} does not find it, so its served update times are not its "
                "stored ones (Directus 6.4 serves times stored in the hour its PHP zone springs "
                "forward one hour late); the tap stops rather than miss rows. Set PHP's zone to "
                "UTC in the server's api/config.php."
            )
        # Rows at this value changed during the sync: walk the rest of it by key.
        self._mode, self._last_pk = "ties", self._tail[-1]
        return []

    def _accept_by_key(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if len(rows) < self.page_size:
            if self._mode == "nulls":
                self._mode, self._last_pk = "range", None
                self.done = self.upper is None
            else:
                self.done = True
            return rows
        self._check_key_progress(rows)
        self._last_pk = rows[-1][self.primary_key]
        return rows

    def _accept_ties(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        upd = str(self.update_column)
        seen = set(self._tail)
        for row in rows:
            key = param_text(row[self.primary_key])
            if self.order_key(row.get(upd)) != self._value or key in seen:
                raise self._error(f"filters[{upd}][eq] / filters[{self.primary_key}][gt]", row)
            seen.add(key)
            self._tail.append(key)
        if len(rows) < self.page_size:
            # This value is done: on to the next one.
            self._mode, self._after_value, self._last_pk = "range", True, None
            return rows
        self._check_key_progress(rows)
        self._last_pk = rows[-1][self.primary_key]
        return rows

    def _accept_range(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        upd = str(self.update_column)
        anchored = self._value is not None and not self._after_value
        full = len(rows) == self.page_size + (1 if anchored else 0)
        seen = set(self._tail)
        if anchored:
            # The page must resume right after the anchor: skip the rows emitted already
            # (one, the anchor, when the server honours `offset`) and check the last is it.
            overlap = 0
            while (
                overlap < len(rows)
                and param_text(rows[overlap][self.primary_key]) in seen
                and self.order_key(rows[overlap].get(upd)) == self._value
            ):
                overlap += 1
            if not overlap or param_text(rows[overlap - 1][self.primary_key]) != self._tail[-1]:
                # The anchor is not where it was: check it before walking the rest by key.
                self._mode = "anchor"
                return []
            rows = rows[overlap:]
        out: list[dict[str, Any]] = []
        for row in rows:
            value = self.order_key(row.get(upd))
            if value is None:
                raise self._error(f"filters[{upd}]", row, "no update value")
            if self._upper is not None and value > self._upper:
                self.done = True  # changed after the sync started: the next sync's business
                return out
            if self._value is not None and (
                value < self._value or (self._after_value and value == self._value)
            ):
                raise self._error(f"filters[{upd}]", row, "a row before the cursor")
            key = param_text(row[self.primary_key])
            if value == self._value:
                if key in seen:
                    raise self._error(f"filters[{upd}]", row, "a row already emitted")
            else:
                self._value, self._tail, self._after_value = value, [], False
                self._value_text = self.filter_text(row.get(upd))
                seen = set()
            seen.add(key)
            self._tail.append(key)
            out.append(row)
        if not full:
            self.done = True
            return out
        if not out:
            raise self._error(f"filters[{upd}]", None, "no row past the cursor")
        if len(self._tail) > TIE_WALK_PAGES * self.page_size:
            self._mode, self._last_pk = "ties", self._tail[-1]
        return out

    # ------------------------------------------------------------------------- checks
    def _check_key_progress(self, rows: list[dict[str, Any]]) -> None:
        # Compared as keys, not by order: a VARCHAR key sorts by the database's collation
        # ("10" before "9", "a" beside "B"), which the tap cannot reproduce.
        keys = {param_text(row[self.primary_key]) for row in rows}
        if self._last_pk is not None and param_text(self._last_pk) in keys:
            raise PagingError(
                f"Table {self.table}: Directus ignored filters[{self.primary_key}][gt]="
                f"{param_text(self._last_pk)} (the page did not move past it); the tap stops "
                "rather than repeat pages."
            )

    def _error(self, what: str, row: dict[str, Any] | None, found: str = "") -> PagingError:
        where = "" if row is None else f" (row {param_text(row.get(self.primary_key))})"
        found = found or "a row outside it"
        return PagingError(
            f"Table {self.table}: Directus did not honour {what} (page {self.requests} brought "
            f"{found}{where}); the tap stops rather than page for ever. Report this server's "
            "version; a full refresh of this table is the way round it meanwhile."
        )
