"""The `ts` bookmark of one sync: right whether or not records carry `ts`.

Each response that was read to the end contributes one candidate:
- records carried `ts`: the largest seen, but never later than the moment the response was
  produced (server `Date`, else the local clock when the request was issued). A record changed
  while the body streamed may have been sent in its old version; capping at the response time
  keeps its new `ts` ahead of the bookmark, so the next sync fetches it again.
- no record carried `ts` (or none came): that moment minus `bookmark_overlap_seconds`.
The sync's bookmark is the smallest candidate (every response is then covered) and never moves
back. A response that failed contributes nothing, and nothing is written unless all succeeded.
"""

from __future__ import annotations

import email.utils
import time
from datetime import datetime, timedelta, timezone

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


class ResponseMark:
    """Tracks one response: its time and the largest `ts` among its records."""

    def __init__(self, issued_at: float | None = None) -> None:
        self.issued_at = time.time() if issued_at is None else issued_at
        self.produced_at: datetime | None = None
        self.max_ts: str | None = None  # raw string; parsed once at the end
        self._max_moment: datetime | None = None

    def started(self, response: requests.Response) -> None:
        self.produced_at = response_time(response, self.issued_at)

    def seen(self, ts: object) -> None:
        if ts is None:
            return
        if ts == self.max_ts:
            return
        moment = parse_ts(ts)
        if moment is not None and (self._max_moment is None or moment > self._max_moment):
            self._max_moment = moment
            self.max_ts = ts if isinstance(ts, str) else None

    def candidate(self, overlap: timedelta) -> datetime:
        produced = self.produced_at or datetime.fromtimestamp(self.issued_at, tz=timezone.utc)
        if self._max_moment is None:
            return produced - overlap
        return min(self._max_moment, produced)


class SyncBookmark:
    """Collects the candidates of one stream's sync; `value()` is the new bookmark."""

    def __init__(self, start: datetime | None, overlap_seconds: float) -> None:
        self.start = start
        self.overlap = timedelta(seconds=overlap_seconds)
        self._candidates: list[datetime] = []

    def completed(self, mark: ResponseMark) -> None:
        self._candidates.append(mark.candidate(self.overlap))

    def value(self) -> datetime | None:
        if not self._candidates:
            return self.start
        new = min(self._candidates)
        return max(new, self.start) if self.start else new
