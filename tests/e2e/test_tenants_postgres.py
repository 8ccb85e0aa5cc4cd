"""Four Directo companies at once into one PostgreSQL warehouse, as tenants.meltano.yml declares them.

Each company has its own Directo sandbox (its own data, its own key, its own server-side rate
limit per key, as Directo's account tiers have) and runs its job `<company>-to-postgres` in a
parallel `meltano run`. Keys come only from `TAP_DIRECTO__<COMPANY>_API_KEY`; a shared
`TAP_DIRECTO_API_KEY` is set too, and no sandbox accepts it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from hub.tenants import GENERATED, key_variable
from sandbox.common import LoggedRequest, SandboxServer
from sandbox.directo import DirectoEmulator, KeyAccess
from sandbox.directus import DirectusEmulator
from sandbox.dokus import DokusEmulator
from sandbox.meltano_project import MeltanoProject, records_moved
from tests.e2e.postgres_projects import use_postgres
from tests.postgres_cluster import PostgresCluster

WAREHOUSE = "tenants_warehouse"
SYSTEM_DB = "tenants_system"
# (records per resource, seed, requests per minute): one company's limit is below the
# requests a full sync makes (17), so it must wait for its own window while the others do not
COMPANIES = {
    "acme": (5, 11, 600),
    "globex": (7, 12, 600),
    "initech": (9, 13, 15),
    "umbrella": (11, 14, 600),
}
TIGHT = "initech"
WINDOW = 60.0


def _tenant_names() -> list[str]:
    generated = yaml.safe_load(GENERATED.read_text(encoding="utf-8"))
    return [p["name"].removeprefix("tap-directo--") for p in generated["plugins"]["extractors"]]


@pytest.fixture(scope="module")
def companies() -> Iterator[dict[str, SandboxServer]]:
    assert sorted(_tenant_names()) == sorted(COMPANIES)
    servers = {}
    for name, (size, seed, per_minute) in COMPANIES.items():
        emulator = DirectoEmulator(
            size=size,
            seed=seed,
            keys={f"{name}-directo-key": KeyAccess()},
            rate_limit_per_minute=per_minute,
            # the server counts arrivals, the tap counts sends: a little slack for jitter
            rate_limit_window=WINDOW - 2,
        )
        servers[name] = SandboxServer(emulator).start()
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture(scope="module")
def project(
    companies: dict[str, SandboxServer],
    postgres: PostgresCluster,
    tmp_path_factory: pytest.TempPathFactory,
    meltano_installed: None,
) -> Iterator[MeltanoProject]:
    postgres.create_database(WAREHOUSE)
    postgres.create_database(SYSTEM_DB)
    directus = SandboxServer(DirectusEmulator(size=1)).start()
    dokus = SandboxServer(DokusEmulator(size=0)).start()
    first = next(iter(companies.values()))
    project = MeltanoProject(tmp_path_factory.mktemp("tenants"), first, directus, dokus)
    use_postgres(project, postgres, WAREHOUSE, SYSTEM_DB)
    project.env["TAP_DIRECTO_API_KEY"] = "shared-key-no-company-may-use"
    for name, server in companies.items():
        prefix = key_variable(name).removesuffix("API_KEY")
        project.env[f"{prefix}BASE_URL"] = server.emulator.base_url(server.url)
        project.env[key_variable(name)] = f"{name}-directo-key"
        project.env[f"{prefix}REQUESTS_PER_MINUTE"] = str(COMPANIES[name][2])
    project.meltano("state", "list")  # creates Meltano's tables in the new system database
    yield project
    directus.stop()
    dokus.stop()


def _emulator(server: SandboxServer) -> DirectoEmulator:
    assert isinstance(server.emulator, DirectoEmulator)
    return server.emulator


def _most_in_any_window(requests: list[LoggedRequest], window: float) -> int:
    times = sorted(r.time for r in requests)
    return max(sum(1 for t in times[i:] if t - start < window) for i, start in enumerate(times))


def _key(request: LoggedRequest) -> str | None:
    return {k.lower(): v for k, v in request.headers.items()}.get("x-directo-key")


@pytest.fixture(scope="module")
def parallel_run(
    project: MeltanoProject, companies: dict[str, SandboxServer]
) -> dict[str, tuple[int, str]]:
    runs = {name: project.start("run", f"{name}-to-postgres") for name in companies}
    results = {}
    for name, run in runs.items():
        output, _ = run.communicate(timeout=600)
        Path(project.workdir, f"{name}.log").write_text(output, encoding="utf-8")
        results[name] = (run.returncode, output)
    return results


def test_companies_run_in_parallel_and_succeed(
    parallel_run: dict[str, tuple[int, str]], companies: dict[str, SandboxServer]
) -> None:
    for name, (code, output) in parallel_run.items():
        assert code == 0, f"{name}: {output[-3000:]}"
        assert records_moved(output)["items"] == len(
            list(_emulator(companies[name]).store.records("items"))
        )
    # they overlapped in time: every company had started before the slowest one finished
    spans = {n: [r.time for r in _emulator(s).log.entries()] for n, s in companies.items()}
    assert max(min(t) for t in spans.values()) < max(max(t) for t in spans.values())


def test_each_schema_holds_exactly_its_companys_rows(
    parallel_run: dict[str, tuple[int, str]],
    companies: dict[str, SandboxServer],
    postgres: PostgresCluster,
) -> None:
    seen: dict[str, set] = {}
    for name, server in companies.items():
        store = _emulator(server).store
        for resource, key, column in (
            ("items", "code", "name"),
            ("customers", "code", "name"),
            ("orders", "number", "customer_code"),
        ):
            expected = {(str(r[key]), r[column]) for r in store.records(resource)}
            rows = postgres.query(
                WAREHOUSE, f'select {key}, {column} from "directo_{name}".{resource}'
            )
            assert {(str(r[0]), r[1]) for r in rows} == expected, f"{name}.{resource}"
            assert len(rows) == len(expected)
        seen[name] = expected
    # the companies' data really differ, so a row in the wrong schema would show
    assert len({frozenset(v) for v in seen.values()}) == len(companies)


def test_no_key_reaches_another_companys_requests(
    parallel_run: dict[str, tuple[int, str]], companies: dict[str, SandboxServer]
) -> None:
    for name, server in companies.items():
        requests = _emulator(server).log.entries()
        assert requests
        assert {_key(r) for r in requests} == {f"{name}-directo-key"}
        assert all(r.status != 401 for r in requests)
    for _, output in parallel_run.values():
        assert "shared-key-no-company-may-use" not in output
        for other in companies:
            assert f"{other}-directo-key" not in output


def test_each_companys_rate_limit_holds_on_its_own(
    parallel_run: dict[str, tuple[int, str]], companies: dict[str, SandboxServer]
) -> None:
    for name, server in companies.items():
        requests = _emulator(server).log.entries()
        limit = COMPANIES[name][2]
        assert all(r.status != 429 for r in requests), f"{name} was refused by its server"
        assert _most_in_any_window(requests, WINDOW - 2) <= limit, name
    # the tight limit bound (it had more requests than its limit, so it waited a window) ...
    tight = _emulator(companies[TIGHT]).log.entries()
    assert len(tight) > COMPANIES[TIGHT][2]
    tight_span = max(r.time for r in tight) - min(r.time for r in tight)
    assert tight_span >= WINDOW - 2
    # ... and held that company alone: the others sent more than its limit within less time
    for name, server in companies.items():
        if name == TIGHT:
            continue
        requests = _emulator(server).log.entries()
        assert len(requests) > COMPANIES[TIGHT][2]
        assert max(r.time for r in requests) - min(r.time for r in requests) < tight_span


def test_each_company_has_its_own_state(
    parallel_run: dict[str, tuple[int, str]],
    project: MeltanoProject,
    companies: dict[str, SandboxServer],
) -> None:
    for name, server in companies.items():
        state = project.state(f"dev:tap-directo--{name}-to-target-postgres")
        bookmark = state["singer_state"]["bookmarks"]["items"]["replication_key_value"]
        assert bookmark == max(i["ts"] for i in _emulator(server).store.records("items"))
