"""Keyset paging over Directus rows: nothing missed or repeated while rows change mid-sync.

Offset paging over a set ordered by update time loses rows: an update moves a row from ahead
of the offset to the end, shifting every later row back by one. So pages start from the last
row seen instead of from a count:

- Full tables: ordered by primary key, each page asks `filters[pk][gt]=<last pk>`.
- Incremental tables: on a first sync (no bookmark, no start_date), rows whose update column is
  NULL (never updated) come first, by primary key (`filters[upd][null]`). Then rows ordered
  by (update column, primary key). A page asks
  `filters[upd][gte]=<last update value>` and drops the rows of that value it already emitted;
  when one update value fills a whole page, it walks that value's rows by primary key
  (`filters[upd][eq]` + `filters[pk][gt]`) and then resumes with `filters[upd][gt]`.
  The sync stops at the newest update value that existed when it started (`upper`): rows
  changed during the sync are left for the next one, so the run is bounded and no row is
  emitted twice.

Every page is `limit` long; a shorter page ends the table (a real Directus 6 `meta.total`
counts the page, not the table, so it cannot tell when to stop).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any


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


def plain(value: Any) -> str:
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
    start: str | None = None  # lower bound for the update column (inclusive)
    upper: Any = None  # newest update value when the sync started
    done: bool = False
    _mode: str = "range"  # nulls | range | ties
    _value: Any = None  # update value the next page starts from
    _inclusive: bool = True
    _last_pk: Any = None
    _seen: set[str] = field(default_factory=set)  # pks emitted at `_value`
    requests: int = 0

    def __post_init__(self) -> None:
        if self.update_column is not None and self.start is None:
            self._mode = "nulls"  # first sync: rows never updated (NULL) come first, by pk

    def params(self) -> dict[str, str]:
        """Filter and order parameters of the next page."""
        pk, upd = self.primary_key, self.update_column
        params: dict[str, str] = {"limit": str(self.page_size)}
        if upd is None or self._mode == "nulls":
            params[f"order[{pk}]"] = "ASC"
            if upd is not None:
                params[f"filters[{upd}][null]"] = "1"
            if self._last_pk is not None:
                params[f"filters[{pk}][gt]"] = plain(self._last_pk)
            return params
        if self._mode == "ties":
            params[f"order[{pk}]"] = "ASC"
            params[f"filters[{upd}][eq]"] = plain(self._value)
            params[f"filters[{pk}][gt]"] = plain(self._last_pk)
            return params
        params[f"order[{upd}]"] = "ASC"
        params[f"order[{pk}]"] = "ASC"
        if self._value is not None:
            params[f"filters[{upd}][{'gte' if self._inclusive else 'gt'}]"] = plain(self._value)
        elif self.start is not None:
            params[f"filters[{upd}][gte]"] = self.start
        else:
            params[f"filters[{upd}][nnull]"] = "1"
        return params

    def accept(self, rows: list[dict[str, Any]]) -> Iterable[dict[str, Any]]:
        """The rows of a page to emit; moves the cursor past the page."""
        self.requests += 1
        if self.update_column is None:
            yield from rows
            self._finish_page(rows, lambda: setattr(self, "_last_pk", rows[-1][self.primary_key]))
            return
        if self._mode == "nulls":
            yield from rows
            if len(rows) < self.page_size:
                self._mode, self._last_pk = "range", None
                self.done = self.upper is None
            else:
                self._check_progress(rows)
                self._last_pk = rows[-1][self.primary_key]
            return
        if self._mode == "ties":
            for row in rows:
                key = plain(row[self.primary_key])
                if key not in self._seen:
                    self._seen.add(key)
                    yield row
            if len(rows) < self.page_size:
                self._mode, self._inclusive, self._last_pk = "range", False, None
                self._seen = set()
            else:
                self._check_progress(rows)
                self._last_pk = rows[-1][self.primary_key]
            return
        page_start = self._value
        upper = sort_key(self.upper) if self.upper is not None else None
        for row in rows:
            value = row.get(self.update_column)
            if upper is not None and sort_key(value) > upper:
                self.done = True  # changed after the sync started: next sync's business
                return
            key = plain(row[self.primary_key])
            if self._value is not None and value == self._value and key in self._seen:
                continue
            if value != self._value:
                self._value, self._seen, self._inclusive = value, set(), True
            self._seen.add(key)
            yield row
        if len(rows) < self.page_size:
            self.done = True
            return
        if rows[-1].get(self.update_column) == page_start:
            # One update value filled the page: walk its rows by primary key.
            self._mode, self._last_pk = "ties", rows[-1][self.primary_key]

    def _finish_page(self, rows: list[dict[str, Any]], advance: Callable[[], None]) -> None:
        if len(rows) < self.page_size:
            self.done = True
            return
        self._check_progress(rows)
        advance()

    def _check_progress(self, rows: list[dict[str, Any]]) -> None:
        # Compared as keys, not by order: a VARCHAR key sorts by the database's collation
        # ("10" before "9", "a" beside "B"), which the tap cannot reproduce.
        keys = {plain(row[self.primary_key]) for row in rows}
        if self._last_pk is not None and plain(self._last_pk) in keys:
            raise PagingError(
                f"Directus ignored filters[{self.primary_key}][gt]={plain(self._last_pk)} (the "
                "page did not move past it); the tap stops rather than repeat pages."
            )
