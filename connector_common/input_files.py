"""Check the files a plugin is started with (config, catalog, state) before singer-sdk reads them.

singer-sdk turns a config, catalog or state file that is not JSON, or JSON of the wrong shape,
into a Python traceback (`JSONDecodeError`, `cannot convert dictionary update sequence`,
`KeyError: 'tap_stream_id'`). Each check here ends in one line that names the file, says what
is wrong and what to do.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from connector_common.instants import parse_instant

_KINDS = {
    "config": 'a JSON object of settings, e.g. {"base_url": "..."}',
    "catalog": 'a Singer catalog, {"streams": [{"tap_stream_id": ..., "schema": {...}}]}',
    "state": 'a Singer state, {"bookmarks": {STREAM: {...}}}',
}
_FIX = {
    "config": "fix the file (meltano writes it from meltano.yml: check the plugin's config)",
    "catalog": "regenerate it with --discover (meltano: --refresh-catalog)",
    "state": "fix it, or start over without it (meltano: --full-refresh or `meltano state clear`)",
}


class BadInputFileError(Exception):
    """A file the plugin was started with cannot be used: the message is the one line to show."""


def _shape(value: Any) -> str:
    if isinstance(value, list):
        return "a JSON list"
    if isinstance(value, str):
        return "a JSON string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a JSON boolean"
    if isinstance(value, int | float):
        return "a JSON number"
    return "JSON of another shape"


def _fail(kind: str, name: str, problem: str) -> BadInputFileError:
    return BadInputFileError(f"{kind} file {name}: {problem}; {_FIX[kind]}.")


def parse_json_object(text: str, kind: str, name: str) -> dict[str, Any]:
    """The JSON object in `text`, or BadInputFileError naming the file and the problem."""
    if not text.strip():
        raise _fail(kind, name, f"is empty, expected {_KINDS[kind]}")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        detail = exc.msg
        raise _fail(kind, name, f"is not JSON ({detail} at {where})") from None
    if not isinstance(value, dict):
        raise _fail(kind, name, f"holds {_shape(value)}, expected {_KINDS[kind]}")
    return value


def read_json_object(path: str | Path, kind: str) -> dict[str, Any]:
    """Read and check one config/catalog/state file."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInputFileError(f"{kind} file {name}: not found; check the path.") from None
    except UnicodeDecodeError:
        raise _fail(kind, name, "is not UTF-8 text") from None
    except OSError as exc:
        raise BadInputFileError(f"{kind} file {name}: cannot be read ({exc.strerror}).") from None
    return parse_json_object(text, kind, name)


def check_catalog(catalog: dict[str, Any], name: str) -> None:
    """A catalog singer-sdk can read: a list of stream objects, each with a `tap_stream_id`."""
    streams = catalog.get("streams")
    if not isinstance(streams, list):
        raise _fail("catalog", name, "has no `streams` list")
    for number, entry in enumerate(streams, start=1):
        where = f"stream {number}"
        if not isinstance(entry, dict):
            raise _fail("catalog", name, f"{where} is {_shape(entry)}, not an object")
        stream_id = entry.get("tap_stream_id")
        if not isinstance(stream_id, str) or not stream_id:
            raise _fail("catalog", name, f"{where} has no `tap_stream_id`")
        if not isinstance(entry.get("schema", {}), dict):
            raise _fail(
                "catalog", name, f"stream {stream_id!r} has a `schema` that is not an object"
            )
        metadata = entry.get("metadata", [])
        if not isinstance(metadata, list) or not all(isinstance(m, dict) for m in metadata):
            raise _fail(
                "catalog",
                name,
                f"stream {stream_id!r} has `metadata` that is not a list of objects",
            )


def _bookmark_values(entry: dict[str, Any]) -> Iterator[Any]:
    if entry.get("replication_key_value") not in (None, ""):
        yield entry["replication_key_value"]
    for partition in entry.get("partitions") or []:
        if isinstance(partition, dict) and partition.get("replication_key_value") not in (None, ""):
            yield partition["replication_key_value"]


def is_iso_date_time(value: Any) -> bool:
    return isinstance(value, str) and parse_instant(value) is not None


def bookmark_problem(
    state: dict[str, Any], is_date_time: Callable[[Any], bool] = is_iso_date_time
) -> str | None:
    """What is wrong with the first bookmark that is not a date-time, or None.

    Both taps bookmark only date-time columns (`ts`, Directus update dates), so any other
    value is a hand edit or another tap's state: refused before the first request, where
    singer-sdk would crash in the middle of the run.
    """
    bookmarks = state.get("bookmarks") or {}
    start_over = "; fix it, or start over without it (meltano: --full-refresh)"
    if not isinstance(bookmarks, dict):
        return f"`bookmarks` is {_shape(bookmarks)}, not an object{start_over}"
    for stream, entry in bookmarks.items():
        if not isinstance(entry, dict):
            return (
                f"the bookmark of stream {stream!r} is {_shape(entry)}, not an object{start_over}"
            )
        for value in _bookmark_values(entry):
            if not is_date_time(value):
                shown = json.dumps(value, default=str)[:60]
                return (
                    f"the bookmark of stream {stream!r} ({shown}) is not a date-time; set it to "
                    "an ISO 8601 date-time such as 2025-01-31T00:00:00Z (meltano: `meltano state "
                    "edit`), or drop it to sync the stream from start_date"
                )
    return None
