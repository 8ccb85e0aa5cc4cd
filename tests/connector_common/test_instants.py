"""The shared date parser accepts the doc's date forms and refuses the malformed ones."""

from datetime import datetime, timedelta, timezone

import pytest

from connector_common.instants import parse_instant

UTC = timezone.utc


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-11-01", datetime(2025, 11, 1, tzinfo=UTC)),
        ("2025-09-01T00:00:00", datetime(2025, 9, 1, tzinfo=UTC)),
        ("2025-10-01T08:11:05.129Z", datetime(2025, 10, 1, 8, 11, 5, 129000, tzinfo=UTC)),
        ("2025-11-20 07:30", datetime(2025, 11, 20, 7, 30, tzinfo=UTC)),
        (
            "2025-11-20T09:30:00+0200",
            datetime(2025, 11, 20, 9, 30, tzinfo=timezone(timedelta(hours=2))),
        ),
    ],
)
def test_documented_forms_parse_as_aware_datetimes(text: str, expected: datetime) -> None:
    assert parse_instant(text) == expected


@pytest.mark.parametrize("text", ["2025-13-01", "yesterday", "2025-11-20T25:00:00", "20251120", ""])
def test_malformed_dates_are_refused(text: str) -> None:
    assert parse_instant(text) is None
