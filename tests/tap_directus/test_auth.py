"""The four auth styles; the token is in the URL only for `query`, never in logs or errors."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable

import pytest
from singer_sdk.exceptions import FatalAPIError

from connector_common.rate_limit import RateLimiter
from sandbox.common import Emulator, Fault, SandboxServer
from sandbox.directus import DirectusEmulator
from tap_directus.tap import TapDirectus
from tests.tap_directus.harness import config_for, run_tap

Serve = Callable[[Emulator], SandboxServer]


@pytest.fixture
def emulator() -> DirectusEmulator:
    return DirectusEmulator(size=5)


def api_entries(emulator: DirectusEmulator) -> list:
    return [e for e in emulator.log.entries() if e.path.startswith("/api/1.1/tables")]


def test_bearer_is_the_default(serve: Serve, emulator: DirectusEmulator) -> None:
    out = run_tap(config_for(serve(emulator), tables=["tags"]))
    assert len(out.records["tags"]) == 4
    for entry in api_entries(emulator):
        assert entry.headers["authorization"] == f"Bearer {emulator.token}"
        assert emulator.token not in entry.raw_query


def test_basic_auth_with_token_as_user(serve: Serve, emulator: DirectusEmulator) -> None:
    out = run_tap(config_for(serve(emulator), tables=["tags"], auth_method="basic"))
    assert len(out.records["tags"]) == 4
    expected = "Basic " + base64.b64encode(f"{emulator.token}:".encode()).decode()
    for entry in api_entries(emulator):
        assert entry.headers["authorization"] == expected
        assert emulator.token not in entry.raw_query


def test_query_string_auth_puts_the_token_in_the_url(
    serve: Serve, emulator: DirectusEmulator
) -> None:
    emulator.faults.add(Fault(kind="status", status=503, count=2, path="/api/1.1/tables/tags/rows"))
    out = run_tap(config_for(serve(emulator), tables=["tags"], auth_method="query"))
    assert len(out.records["tags"]) == 4
    assert len(api_entries(emulator)) == 5  # list, table, two failures, the page
    for entry in api_entries(emulator):
        assert [v for k, v in entry.query if k == "access_token"] == [emulator.token]
        assert "authorization" not in entry.headers


def test_password_auth_requests_one_token_per_run(serve: Serve, emulator: DirectusEmulator) -> None:
    server = serve(emulator)
    config = {
        "base_url": server.url,
        "email": emulator.email,
        "password": emulator.password,
        "tables": ["tags", "countries"],
    }
    out = run_tap(config)
    assert len(out.records["countries"]) == 6
    assert len(emulator.log.entries(method="POST", path_prefix="/api/1.1/auth")) == 1
    for entry in api_entries(emulator):
        assert entry.headers["authorization"] == f"Bearer {emulator.token}"


@pytest.mark.parametrize("mode", ["real", "docs"])
def test_wrong_password_stops_with_advice_and_no_secret(
    serve: Serve, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    emulator = DirectusEmulator(size=3, mode=mode)
    server = serve(emulator)
    config = {"base_url": server.url, "email": emulator.email, "password": "vale-Parool-9"}
    with caplog.at_level(logging.DEBUG), pytest.raises(FatalAPIError) as error:
        run_tap(config)
    message = str(error.value)
    assert "check `email` and `password`" in message
    assert "vale-Parool-9" not in message
    assert "vale-Parool-9" not in caplog.text


def test_wrong_token_stops_with_advice_and_no_secret(
    serve: Serve, emulator: DirectusEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    server = serve(emulator)
    with caplog.at_level(logging.DEBUG), pytest.raises(FatalAPIError) as error:
        run_tap({"base_url": server.url, "token": "wrong-token-123", "auth_method": "query"})
    assert "401" in str(error.value)
    assert "`token`" in str(error.value)
    assert "wrong-token-123" not in str(error.value)
    assert "wrong-token-123" not in caplog.text


def test_connection_errors_do_not_quote_the_token(caplog: pytest.LogCaptureFixture) -> None:
    # Nothing listens on port 9: requests' error quotes the URL, with access_token in it.
    config = {"base_url": "http://127.0.0.1:9", "token": "url-token-456", "auth_method": "query"}
    with caplog.at_level(logging.DEBUG), pytest.raises(Exception, match="Connection") as error:
        run_tap(config)
    assert "url-token-456" not in str(error.value)
    assert "url-token-456" not in caplog.text


def test_one_rate_limiter_is_shared_by_every_request(
    serve: Serve, emulator: DirectusEmulator
) -> None:
    tap = TapDirectus(config=config_for(serve(emulator), requests_per_minute=1000))
    clients = [s.api.http for s in tap.streams.values()] + [tap.api.http]
    limiters = {id(c.limiter) for c in clients}
    assert limiters == {id(tap.api.limiter)}
    assert tap.api.limiter.limit == 1000


def test_every_request_and_retry_takes_a_rate_limit_slot(
    serve: Serve, emulator: DirectusEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken: list[int] = []
    monkeypatch.setattr(RateLimiter, "acquire", lambda self: taken.append(self.limit) or 0.0)
    emulator.faults.add(Fault(kind="status", status=429, retry_after=0, count=2))
    run_tap(config_for(serve(emulator), requests_per_minute=30))
    assert len(taken) == len(emulator.log.entries())
    assert set(taken) == {30}
