"""bookmarks.py rules on their own: the server's `Date` wins over the local clock, the largest
`ts` is capped at the first response, no `ts` means first moment minus the overlap."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import requests

from tap_directo.bookmarks import ResponseMark, SyncBookmark, response_time

NOON = datetime(2025, 11, 20, 12, 0, tzinfo=timezone.utc)


def answered(date_header: str | None) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    if date_header is not None:
        response.headers["Date"] = date_header
    return response


def mark(date_header: str | None, *ts: str, issued: datetime = NOON) -> ResponseMark:
    fresh = ResponseMark(issued_at=issued.timestamp())
    fresh.started(answered(date_header))
    for value in ts:
        fresh.seen(value)
    return fresh


def test_server_date_header_wins_over_the_local_clock() -> None:
    # the local clock runs 10 minutes ahead of the server: the server's moment counts
    local = NOON + timedelta(minutes=10)
    assert response_time(answered("Thu, 20 Nov 2025 12:00:00 GMT"), local.timestamp()) == NOON
    assert response_time(answered(None), local.timestamp()) == local
    assert response_time(answered("not a date"), local.timestamp()) == local


def test_without_ts_the_bookmark_is_the_first_moment_minus_the_overlap() -> None:
    bookmark = SyncBookmark(None, overlap_seconds=300)
    bookmark.completed(mark("Thu, 20 Nov 2025 12:00:00 GMT"))
    bookmark.completed(mark("Thu, 20 Nov 2025 12:05:00 GMT"))  # a later date window
    assert bookmark.value() == NOON - timedelta(seconds=300)


def test_largest_ts_of_the_whole_sync_capped_at_the_first_response() -> None:
    bookmark = SyncBookmark(None, overlap_seconds=300)
    bookmark.completed(mark("Thu, 20 Nov 2025 12:00:00 GMT", "2025-01-05T00:00:00Z"))
    bookmark.completed(mark("Thu, 20 Nov 2025 12:00:01 GMT", "2025-11-20T11:00:00.250Z"))
    assert bookmark.value() == datetime(2025, 11, 20, 11, 0, 0, 250000, tzinfo=timezone.utc)
    # a record changed while the sync ran (ts after the first response) does not count
    bookmark.completed(mark("Thu, 20 Nov 2025 12:00:02 GMT", "2025-11-20T12:00:01.500Z"))
    assert bookmark.value() == NOON


def test_bookmark_never_moves_back_and_nothing_read_keeps_the_start() -> None:
    start = NOON + timedelta(hours=1)
    bookmark = SyncBookmark(start, overlap_seconds=300)
    assert bookmark.value() == start
    bookmark.completed(mark("Thu, 20 Nov 2025 12:00:00 GMT"))
    assert bookmark.value() == start


def test_the_largest_ts_is_the_latest_moment_whatever_forms_the_records_use() -> None:
    latest = datetime(2025, 3, 1, 9, 30, tzinfo=timezone.utc)
    forms = [
        "2025-03-01T08:59:59.999Z",  # Directo's form, compared as text
        "2025-03-01T11:30:00+02:00",  # the latest moment, in another form
        "2025-02-28T23:00:00.000Z",
        "2025-03-01 09:00:00",  # no zone: UTC
        "2025-13-01T00:00:00.000Z",  # Directo's shape but no date: not the largest
        "2025-02-30T00:00:00.000Z",
    ]
    for order in (forms, forms[::-1]):
        assert mark(None, *order).largest_ts() == latest
    directo_only = [
        "2025-03-01T09:00:00.000Z",
        "2025-03-01T10:15:00.123Z",
        "2024-12-31T23:59:59.999Z",
    ]
    assert mark(None, *directo_only).largest_ts() == datetime(
        2025, 3, 1, 10, 15, 0, 123000, tzinfo=timezone.utc
    )
    assert mark(None).largest_ts() is None
