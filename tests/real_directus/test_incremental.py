"""Finding 1 on the real server: update columns in the user's zone, and paging that ends.

Each test runs with the admin in America/New_York (the installer's default) and in UTC. Update
times are spread with SQL (the API stamps "now"), over both sides of a daylight-saving change,
so a New York offset is -05:00 for some rows and -04:00 for others.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import parse_qsl, urlsplit

import pytest

from tap_directus.paging import PagingError
from tap_directus.streams import DirectusTableStream
from tests.real_directus.server import RealDirectus
from tests.real_directus.tables import (
    DB_TIME,
    content_table,
    modified_utc,
    row_requests,
    run_tap,
    slug,
)


def _filter_values(urls: list[str]) -> list[str]:
    return [v for url in urls for k, v in parse_qsl(urlsplit(url).query) if k.startswith("filters")]


@pytest.fixture(scope="module")
def ties_2000(real_directus: RealDirectus) -> str:
    """2,000 rows; every update value is shared by 250 rows (8 values across a DST change)."""
    name = "ties_2000"
    if real_directus.has_table(name):  # built by the other time zone's run
        return name
    content_table(real_directus, name, 2000)
    real_directus.sql(
        f"UPDATE {name} SET modified = DATE_ADD('2025-03-01 04:30:00', "
        "INTERVAL ((id - 1) DIV 250) * 7 DAY)"
    )
    return name


def test_2000_rows_in_ties_of_250_sync_completely_with_the_expected_requests(
    real_directus: RealDirectus, admin_tz: str, ties_2000: str
) -> None:
    expected = modified_utc(real_directus, ties_2000)
    assert set(Counter(expected.values()).values()) == {250}
    assert len(set(expected.values())) == 8
    page_size = 200
    config = real_directus.tap_config(tables=[ties_2000], page_size=page_size)
    out, sent = run_tap(config)

    emitted = {r["id"]: r["modified"] for r in out.records[ties_2000]}
    assert len(out.records[ties_2000]) == 2000 == len(emitted)
    assert emitted == expected  # UTC instants of what MariaDB holds
    assert out.bookmark(ties_2000) == max(expected.values())
    # The newest-value probe, one page of never-updated rows, 2000 / 200 full pages and the
    # page that finds nothing after them.
    assert len(row_requests(sent, ties_2000)) == 2000 // page_size + 3
    assert all(DB_TIME.match(v) for v in _filter_values(sent) if ":" in v)


@pytest.fixture
def spread_table(real_directus: RealDirectus, admin_tz: str) -> str:
    """480 rows whose update times are spread over 2024-10 .. 2025-03 (two DST changes).

    Hours 4 + 9k never fall in 02:00-02:59 UTC, which the server gets wrong on one day a year
    (see test_server_serves_its_php_zones_spring_forward_hour_one_hour_late).
    """
    name = "spread"  # both zones' runs share it: each run's changes are read back from it
    if real_directus.has_table(name):
        return name
    content_table(real_directus, name, 480)
    real_directus.sql(
        f"UPDATE {name} SET modified = DATE_ADD('2024-10-01 04:00:00', "
        "INTERVAL ((id * 7919) MOD 480) * 9 HOUR)"
    )
    return name


def test_incremental_syncs_in_the_users_zone_compare_instants(
    real_directus: RealDirectus, spread_table: str
) -> None:
    config = real_directus.tap_config(tables=[spread_table], page_size=50)
    first, sent = run_tap(config)
    expected = modified_utc(real_directus, spread_table)
    assert {r["id"]: r["modified"] for r in first.records[spread_table]} == expected
    assert len(first.records[spread_table]) == 480
    assert len(row_requests(sent, spread_table)) <= 480 // 50 + 3
    assert first.bookmark(spread_table) == max(expected.values())

    # One more update (the API stamps "now"): the next sync brings it and the bookmark's ties.
    real_directus.call("PATCH", f"/tables/{spread_table}/rows/7", json={"title": "changed"})
    after = modified_utc(real_directus, spread_table)
    second, sent = run_tap(config, state=first.final_state)
    at_old_bookmark = {pk for pk, m in expected.items() if m == first.bookmark(spread_table)}
    assert {r["id"] for r in second.records[spread_table]} == {7} | at_old_bookmark
    assert second.bookmark(spread_table) == after[7]
    assert len(row_requests(sent, spread_table)) <= 3
    assert all(DB_TIME.match(v) for v in _filter_values(sent) if ":" in v)


def test_tie_larger_than_a_page_is_walked_and_ends(
    real_directus: RealDirectus, admin_tz: str
) -> None:
    name = f"bigtie_{slug(admin_tz)}"
    content_table(real_directus, name, 60)
    # 10 rows at one time, 35 at the next, 15 at the last.
    real_directus.sql(
        f"UPDATE {name} SET modified = CASE WHEN id <= 10 THEN '2025-01-05 10:00:00' "
        "WHEN id <= 45 THEN '2025-01-05 11:00:00' ELSE '2025-06-05 11:00:00' END"
    )
    out, sent = run_tap(real_directus.tap_config(tables=[name], page_size=10))
    assert [r["id"] for r in out.records[name]] == list(range(1, 61))
    assert {r["id"]: r["modified"] for r in out.records[name]} == modified_utc(real_directus, name)
    urls = row_requests(sent, name)
    walked = ("filters[modified][eq]", "2025-01-05 11:00:00")
    assert any(walked in parse_qsl(urlsplit(u).query) for u in urls)
    # floor(60 / 10) + 3, plus one for the walk of the one tie larger than two pages.
    assert len(urls) <= 60 // 10 + 3 + 1


@pytest.mark.parametrize("zone", ["America/New_York"], indirect=True)
def test_a_filter_the_server_misreads_ends_the_stream_with_one_error(
    real_directus: RealDirectus, admin_tz: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The old bug, put back: send the update value as served (with the user's -05:00 offset).
    # MySQL cuts the offset off, the page starts five hours early, and the cursor must stop.
    name = "misread"
    content_table(real_directus, name, 30)
    real_directus.sql(
        f"UPDATE {name} SET modified = DATE_ADD('2025-01-01 00:00:00', INTERVAL id HOUR)"
    )
    monkeypatch.setattr(DirectusTableStream, "_filter_time", lambda self, value: str(value))
    with pytest.raises(PagingError, match="did not honour") as error:
        run_tap(real_directus.tap_config(tables=[name], page_size=4))
    assert "\n" not in str(error.value)


def test_server_serves_its_php_zones_spring_forward_hour_one_hour_late(
    real_directus: RealDirectus, admin_tz: str
) -> None:
    # A Directus 6.4.9 value bug, whatever the user's zone: api/config.php sets PHP's zone to
    # America/New_York, and a time stored in 02:00-02:59 on the day New York springs forward
    # comes back one hour late. The tap cannot tell: it emits what the server serves.
    name = f"dstbug_{slug(admin_tz)}"
    content_table(real_directus, name, 2)
    real_directus.sql(
        f"UPDATE {name} SET modified = IF(id = 1, '2025-03-09 02:30:00', '2025-03-09 03:30:00')"
    )
    out, _ = run_tap(real_directus.tap_config(tables=[name]))
    served = {r["id"]: r["modified"] for r in out.records[name]}
    assert modified_utc(real_directus, name) == {
        1: "2025-03-09T02:30:00+00:00",
        2: "2025-03-09T03:30:00+00:00",
    }
    assert served == {1: "2025-03-09T03:30:00+00:00", 2: "2025-03-09T03:30:00+00:00"}


def test_served_times_that_disagree_with_the_filter_stop_the_sync(
    real_directus: RealDirectus, admin_tz: str
) -> None:
    # Rows stored in the spring-forward hour come back an hour late; with a page boundary among
    # them the next page (filters[modified][gte]=<served value>) cannot find the anchor. The
    # tap must stop with one line, never skip the rows stored between the two times.
    name = f"dstpage_{slug(admin_tz)}"
    content_table(real_directus, name, 8)
    real_directus.sql(
        f"UPDATE {name} SET modified = DATE_ADD('2025-03-09 02:00:00', INTERVAL id * 10 MINUTE)"
    )
    with pytest.raises(PagingError, match=r"api/config\.php") as error:
        run_tap(real_directus.tap_config(tables=[name], page_size=2))
    assert "\n" not in str(error.value)


def test_zero_dates_in_the_update_column_page_first(
    real_directus: RealDirectus, admin_tz: str
) -> None:
    # MariaDB's default sql_mode keeps 0000-00-00 00:00:00; the server serves it as null.
    name = f"zerodate_{slug(admin_tz)}"
    content_table(real_directus, name, 9)
    real_directus.sql(
        f"UPDATE {name} SET modified = IF(id IN (2, 5, 7), '0000-00-00 00:00:00', "
        "DATE_ADD('2025-01-01 00:00:00', INTERVAL id HOUR))"
    )
    out, _ = run_tap(real_directus.tap_config(tables=[name], page_size=2))
    assert [r["id"] for r in out.records[name]] == [2, 5, 7, 1, 3, 4, 6, 8, 9]
    assert [r["modified"] for r in out.records[name]][:3] == [None, None, None]
    assert out.bookmark(name) == "2025-01-01T09:00:00+00:00"
