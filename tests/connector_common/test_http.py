"""The one request path: slot, send, classify, Retry-After, retry, give up, never repeat a create."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from connector_common import http
from connector_common.http import AnswerLost, HttpClient, RetryPolicy
from sandbox.common import Emulator, Fault, Request, Response, SandboxServer

ROWS = [{"n": i} for i in range(50)]


class RowsEmulator(Emulator):
    name = "rows"

    def handle(self, request: Request) -> Response:
        return Response(body=json.dumps(ROWS).encode())

    def error_response(self, status: int, message: str) -> Response:
        return Response.json({"error": message}, status=status)


class Rules:
    """An API where 429/5xx repeat, 4xx stop, and giving up says how many tries it took."""

    def check(self, response: requests.Response) -> None:
        if response.status_code == 429 or response.status_code >= 500:
            raise RetriableAPIError(f"HTTP {response.status_code}", response)
        if response.status_code >= 400:
            raise FatalAPIError(f"refused ({response.status_code})")

    def problem(self, exc: BaseException) -> str:
        return f"{type(exc).__name__}: {exc} key=s3cret"

    def gave_up(self, tries: int, problem: str, response: requests.Response | None) -> Exception:
        status = response.status_code if response is not None else None
        return FatalAPIError(f"gave up after {tries} tries ({status}): {problem}")


class Counts:
    def __init__(self) -> None:
        self.requests = 0
        self.retries: list[tuple[float, int | None]] = []

    def request(self) -> None:
        self.requests += 1

    def retried(self, wait: float, status: int | None) -> None:
        self.retries.append((wait, status))


class Slots:
    def __init__(self) -> None:
        self.taken = 0

    def acquire(self) -> float:
        self.taken += 1
        return 0.0


@pytest.fixture
def rows(serve: Callable[[Emulator], SandboxServer]) -> SandboxServer:
    return serve(RowsEmulator())


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(http, "POLICY", RetryPolicy(max_tries=3, sleep=slept.append))
    return slept


def _fault(server: SandboxServer, **fault: object) -> None:
    server.emulator.faults.add(Fault(**fault))  # type: ignore[arg-type]


def _client(slots: Slots | None = None) -> HttpClient:
    return HttpClient(requests.Session(), Rules(), limiter=slots, secrets=["s3cret"], timeout=5)


def _records(response: requests.Response) -> Iterator[dict]:
    yield from response.json()


def test_a_429_waits_what_retry_after_asks_then_the_answer_is_read(
    rows: SandboxServer, waits: list[float]
) -> None:
    _fault(rows, status=429, retry_after=7)
    counts, slots = Counts(), Slots()
    got = _client(slots).request(
        requests.Request("GET", rows.url + "/r"), requests.Response.json, report=counts
    )
    assert got == ROWS
    assert 7.0 <= waits[0] <= 8.0
    assert counts.requests == 2
    assert slots.taken == 2  # every try takes a slot of the run's limiter
    assert [status for _, status in counts.retries] == [429]


def test_a_body_broken_off_mid_stream_repeats_the_whole_request(
    rows: SandboxServer, waits: list[float]
) -> None:
    _fault(rows, kind="truncate")
    client = _client()
    got = list(client.stream(requests.Request("GET", rows.url + "/r"), _records))
    # the first try's body broke off before parsing finished: nothing of it was yielded
    assert got == ROWS
    assert len(waits) == 1
    assert len(rows.emulator.log.entries()) == 2


def test_when_tries_run_out_the_rules_say_how_and_no_secret_is_in_the_text(
    rows: SandboxServer, waits: list[float]
) -> None:
    _fault(rows, status=503, count=0)
    with pytest.raises(FatalAPIError) as raised:
        _client().request(requests.Request("GET", rows.url + "/r"), requests.Response.json)
    assert str(raised.value).startswith("gave up after 3 tries (503): RetriableAPIError: HTTP 503")
    assert "s3cret" not in str(raised.value)
    assert len(rows.emulator.log.entries()) == 3
    assert [round(w) for w in waits] == [1, 2]  # 1, 2 s (with jitter) between the three tries


def test_a_fatal_answer_stops_at_once(rows: SandboxServer, waits: list[float]) -> None:
    _fault(rows, status=403)
    with pytest.raises(FatalAPIError, match=r"refused \(403\)"):
        _client().request(requests.Request("GET", rows.url + "/r"), requests.Response.json)
    assert waits == []
    assert len(rows.emulator.log.entries()) == 1


def test_a_create_without_an_answer_is_not_sent_again(
    rows: SandboxServer, waits: list[float]
) -> None:
    _fault(rows, kind="truncate")
    request = requests.Request("POST", rows.url + "/r", data=b"{}")
    with pytest.raises(AnswerLost):
        # the answer's body breaks off while it is read: the create may have happened
        _client().request(request, requests.Response.json, repeat_lost=False)
    assert len(rows.emulator.log.entries(method="POST")) == 1
    assert waits == []


def test_an_unreachable_server_is_tried_max_tries_times(waits: list[float]) -> None:
    with pytest.raises(FatalAPIError, match="gave up after 3 tries \\(None\\): ConnectionError"):
        _client().request(requests.Request("GET", "http://127.0.0.1:9/r"), requests.Response.json)
    assert len(waits) == 2
