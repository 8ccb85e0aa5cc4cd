"""The `ts` bookmark of one sync: right whether or not records carry `ts`.

A sync may send several requests (date windows). Only responses read to the end count:
- records carried `ts`: the largest `ts` seen in the sync, but never later than the moment the
  first response was produced (server `Date`, else the local clock when the request was sent).
  Every change made after that moment has a later `ts`, so the next sync fetches it, even when
  the record was already sent in its old version or its window was already read.
- no record carried `ts` (or none came): that first moment minus `bookmark_overlap_seconds`.
Deletions (`emit_deleted_records`) do not move the bookmark: the last deletion may be months
old and would hold it back, so every run would repeat months of changes. The bookmark never
moves back, and nothing is written unless the whole sync succeeded. `readable_state` reads the
bookmarks of older runs (other ISO forms, epoch numbers) instead of crashing on them.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Collection
from datetime import datetime, timedelta, timezone
from typing import Any

import requests

from connector_common.instants import parse_instant


def format_ts(moment: datetime) -> str:
    """Directo's ts form: UTC, milliseconds, Z (floored, so `>=` never skips a record)."""
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_ts(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if not isinstance(value, str):
        return None
    try:  # fast path (Python 3.11 reads the Z form directly)
        moment = datetime.fromisoformat(value)
    except ValueError:
        return parse_instant(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def response_time(response: requests.Response | None, issued_at: float) -> datetime:
    """When the server produced the response (Date header), else when we sent the request."""
    header = response.headers.get("Date") if response is not None else None
    if header:
        try:
            moment = email.utils.parsedate_to_datetime(header)
        except (TypeError, ValueError):
            moment = None
        if moment is not None:
            return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return datetime.fromtimestamp(issued_at, tz=timezone.utc)


# Directo's own form of ts (format_ts): its text order is its time order, so the largest of
# them is found by comparing text, and only that one is parsed (not one datetime per record).
_DIRECTO_FORM = re.compile(
    r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z"
).fullmatch


class ResponseMark:
    """Tracks one response: its time and the largest `ts` among its records."""

    def __init__(self, issued_at: float | None = None) -> None:
        self.issued_at = time.time() if issued_at is None else issued_at
        self.produced_at: datetime | None = None
        self._max_text: str | None = None  # the largest ts in Directo's own form
        self._max_moment: datetime | None = None  # the largest ts in any other form

    def started(self, response: requests.Response) -> None:
        self.produced_at = response_time(response, self.issued_at)

    def seen(self, ts: object) -> None:
        if ts is None:
            return
        if isinstance(ts, str) and _DIRECTO_FORM(ts):
            if self._max_text is None or ts > self._max_text:
                self._max_text = ts
            return
        moment = parse_ts(ts)
        if moment is not None and (self._max_moment is None or moment > self._max_moment):
            self._max_moment = moment

    def produced(self) -> datetime:
        return self.produced_at or datetime.fromtimestamp(self.issued_at, tz=timezone.utc)

    def largest_ts(self) -> datetime | None:
        moments = [m for m in (parse_ts(self._max_text), self._max_moment) if m is not None]
        return max(moments) if moments else None


class SyncBookmark:
    """Collects the responses of one stream's sync; `value()` is the new bookmark."""

    def __init__(self, start: datetime | None, overlap_seconds: float) -> None:
        self.start = start
        self.overlap = timedelta(seconds=overlap_seconds)
        self._first: datetime | None = None  # when the earliest response was produced
        self._largest_ts: datetime | None = None

    def completed(self, mark: ResponseMark) -> None:
        produced = mark.produced()
        if self._first is None or produced < self._first:
            self._first = produced
        seen = mark.largest_ts()
        if seen is not None and (self._largest_ts is None or seen > self._largest_ts):
            self._largest_ts = seen

    def value(self) -> datetime | None:
        if self._first is None:
            return self.start
        if self._largest_ts is None:
            new = self._first - self.overlap
        else:
            new = min(self._largest_ts, self._first)
        return max(new, self.start) if self.start else new


def bookmark_moment(value: object) -> datetime | None:
    """A stored bookmark as a moment: ISO 8601 in any form we or others wrote, or epoch
    seconds/milliseconds (older or hand-made states); None if it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    return parse_ts(value)


def unwrapped_state(state: object) -> dict[str, Any]:
    """The Singer state inside a Meltano state file or a STATE message, else `state` itself."""
    if isinstance(state, dict) and "bookmarks" not in state:
        for wrapper in ("singer_state", "value"):
            if isinstance(state.get(wrapper), dict):
                return unwrapped_state(state[wrapper])
    return state if isinstance(state, dict) else {}


def readable_state(state: object, ts_streams: Collection[str]) -> tuple[dict[str, Any], list[str]]:
    """`state` with every `ts` bookmark in today's form, and one line per part left out.

    A state from an older run (epoch numbers, other ISO forms, no `replication_key`, wrapped
    in Meltano's `singer_state`) must not crash the run. The tap refuses a bookmark that is no
    date-time in any form before this (TapDirecto.state_problem); what else cannot be read is
    dropped, so the stream starts over from `start_date` (at-least-once: nothing is lost).
    """
    if isinstance(state, dict) and "bookmarks" not in state:
        for wrapper in ("singer_state", "value"):  # a Meltano state file, a STATE message
            if isinstance(state.get(wrapper), dict):
                return readable_state(state[wrapper], ts_streams)
    if not isinstance(state, dict) or not isinstance(state.get("bookmarks", {}), dict):
        return {}, ["state: not {'bookmarks': {stream: {...}}}; ignored, every stream starts over"]
    problems: list[str] = []
    bookmarks: dict[str, Any] = {}
    for stream, stored in state.get("bookmarks", {}).items():
        if not isinstance(stored, dict):
            problems.append(f"state: bookmark of stream '{stream}' is not an object; ignored")
            continue
        entry = dict(stored)
        if entry.get("replication_key_value") in (None, ""):
            entry.pop("replication_key_value", None)  # no bookmark yet
        elif stream in ts_streams:
            moment = bookmark_moment(entry["replication_key_value"])
            if moment is None:
                problems.append(
                    f"state: bookmark of stream '{stream}' "
                    f"({entry['replication_key_value']!r:.60}) is not a date-time; ignored, "
                    "the stream starts over (from `start_date` if set)"
                )
                entry.pop("replication_key_value")
            else:
                entry["replication_key_value"] = format_ts(moment)
                entry.setdefault("replication_key", "ts")
        bookmarks[stream] = entry
    return {**state, "bookmarks": bookmarks}, problems
