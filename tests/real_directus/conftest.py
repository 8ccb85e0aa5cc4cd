"""The real-server group: one genuine Directus 6.4.9 per test session, in both admin time zones.

Skipped, with one line saying why, where `../shared/real-directus` is missing; with `CI=true` a
missing or failing server fails the run instead. Sync tests take `admin_tz`, which runs them with
the admin user in the installer's default zone (America/New_York) and in UTC: the zone is set in
`directus_users.timezone`, which the server reads on every request.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connector_common import http
from tests.real_directus.server import RealDirectus, ServerError, in_ci, server_dir

ZONES = ["America/New_York", "UTC"]


@pytest.fixture(scope="session")
def real_directus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealDirectus]:
    home = server_dir()
    if home is None:
        why = "real Directus not found at ../shared/real-directus (nor /work/shared/real-directus)"
        if in_ci():
            pytest.fail(f"{why}; CI=true needs it.", pytrace=False)
        pytest.skip(why)
    workdir = tmp_path_factory.mktemp("real-directus")
    try:
        server = RealDirectus.start(home, workdir)
    except (ServerError, OSError) as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session", params=ZONES, ids=["new-york", "utc"])
def zone(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def admin_tz(real_directus: RealDirectus, zone: str) -> Iterator[str]:
    """The admin user's time zone for this test; back to the installer's default afterwards."""
    real_directus.set_admin_timezone(zone)
    yield zone
    real_directus.set_admin_timezone(ZONES[0])


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http, "POLICY", http.RetryPolicy(base_seconds=0.01))
