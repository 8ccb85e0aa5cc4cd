"""Hard deletes: Directus 6 keeps no trace of them, so compare the table's keys with last run's.

With `detect_hard_deletes`, after a table's records the tap reads every primary key of the table
(`columns=<pk>`, `order[pk]=ASC`, `filters[pk][gt]=<last>`, KEY_PAGE_SIZE keys a request, every
status, the table's `filters` applied) and emits a tombstone, `{pk, _sdc_deleted_at}`, for each
key the previous scan saw that is gone. The keys are kept in the stream's state, so the job
finds them again wherever Meltano keeps its state. Integer keys are stored as ranges of
consecutive ids (`[[1, 99950], [99952, 100001]]`), other keys as a list. The first scan only
records the keys. A scan that fails emits nothing and keeps the previous keys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from tap_directus.paging import PagingError, param_text

KEY_PAGE_SIZE = 5000
STATE_KEY = "key_scan"

Fetch = Callable[[dict[str, str]], list[dict[str, Any]]]


def scan_keys(fetch: Fetch, primary_key: str, table: str) -> Iterator[Any]:
    """Every primary key of the table, in the server's order, by keyset pages."""
    last: Any = None
    while True:
        params = {"columns": primary_key, f"order[{primary_key}]": "ASC"}
        params["limit"] = str(KEY_PAGE_SIZE)
        if last is not None:
            params[f"filters[{primary_key}][gt]"] = param_text(last)
        rows = fetch(params)
        keys = [row.get(primary_key) for row in rows]
        if last is not None and param_text(last) in {param_text(k) for k in keys}:
            raise PagingError(
                f"Table {table}: Directus ignored filters[{primary_key}][gt]={param_text(last)} in "
                "the key scan; the tap stops rather than repeat pages."
            )
        yield from keys
        if len(rows) < KEY_PAGE_SIZE:
            return
        last = keys[-1]


def as_int(key: Any) -> int | None:
    if isinstance(key, bool):
        return None
    if isinstance(key, int):
        return key
    if isinstance(key, str) and key.strip().lstrip("-").isdigit():
        return int(key)
    return None


def as_ints(keys: Iterable[Any]) -> list[int] | None:
    """The keys as integers, or None when one of them is not an integer."""
    ints = []
    for key in keys:
        number = as_int(key)
        if number is None:
            return None
        ints.append(number)
    return ints


def encode_keys(keys: Iterable[Any]) -> dict[str, Any]:
    """Keys as stored in the state: ranges of consecutive integers, else a sorted list."""
    values = list(keys)
    ints = as_ints(values)
    if ints is not None:
        ranges: list[list[int]] = []
        for i in sorted(set(ints)):
            if ranges and i == ranges[-1][1] + 1:
                ranges[-1][1] = i
            else:
                ranges.append([i, i])
        return {"ranges": ranges}
    return {"keys": sorted({param_text(k) for k in values})}


def decode_keys(stored: Any) -> set[Any] | None:
    """The keys of a previous scan (None: there was none, or it is unreadable)."""
    if not isinstance(stored, dict):
        return None
    if isinstance(stored.get("ranges"), list):
        keys: set[Any] = set()
        for start, end in stored["ranges"]:
            keys.update(range(int(start), int(end) + 1))
        return keys
    if isinstance(stored.get("keys"), list):
        return {str(k) for k in stored["keys"]}
    return None


def vanished(previous: set[Any] | None, current: list[Any]) -> list[Any]:
    """Keys of the previous scan that this scan did not find, in key order."""
    if previous is None:
        return []
    ints = as_ints(current)
    if ints is not None and all(isinstance(k, int) for k in previous):
        return sorted(previous - set(ints))
    now = {param_text(k) for k in current}
    return sorted(k for k in {param_text(k) for k in previous} if k not in now)
