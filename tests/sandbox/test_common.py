"""The sandbox plumbing every emulator relies on: request log, faults, control API, chunking."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import requests

from sandbox.common import Emulator, Request, Response, SandboxServer

BODY = json.dumps([{"n": i, "name": "Jüri Mägi"} for i in range(200)]).encode()


class EchoEmulator(Emulator):
    """Answers a fixed JSON body, as bytes or in chunks, so framing can be checked."""

    name = "echo"

    def __init__(self) -> None:
        super().__init__()
        self.changed: list[dict] = []

    def handle(self, request: Request) -> Response:
        if request.path == "/chunked":
            return Response(body=(BODY[i : i + 1000] for i in range(0, len(BODY), 1000)))
        return Response(body=BODY)

    def error_response(self, status: int, message: str) -> Response:
        return Response.json({"echo_error": message}, status=status)

    def control(self, action: str, payload: dict) -> Response:
        if action == "change":
            self.changed.append(payload)
            return Response.json({"changed": payload})
        return super().control(action, payload)


@pytest.fixture
def echo(serve: Callable[[Emulator], SandboxServer]) -> SandboxServer:
    return serve(EchoEmulator())


@pytest.mark.parametrize("path", ["/plain", "/chunked"])
def test_bodies_arrive_whole_as_bytes_or_chunked(echo: SandboxServer, path: str) -> None:
    response = requests.get(echo.url + path, timeout=5)
    assert response.status_code == 200
    assert response.json()[199]["name"] == "Jüri Mägi"
    assert (response.headers.get("Transfer-Encoding") == "chunked") == (path == "/chunked")


def test_every_api_request_is_logged_with_repeated_query_parameters(echo: SandboxServer) -> None:
    requests.get(echo.url + "/x?date=>1&date=<2&a=b", timeout=5)
    requests.post(echo.url + "/y", json={"k": "v"}, timeout=5)
    entries = echo.emulator.log.entries()
    assert [(e.method, e.path) for e in entries] == [("GET", "/x"), ("POST", "/y")]
    assert entries[0].query == [("date", ">1"), ("date", "<2"), ("a", "b")]
    assert json.loads(entries[1].body) == {"k": "v"}
    # the log is readable over HTTP too, and control calls are not logged
    over_http = requests.get(echo.url + "/_sandbox/log", timeout=5).json()
    assert [e["path"] for e in over_http] == ["/x", "/y"]
    assert len(echo.emulator.log) == 2


def test_status_fault_uses_the_api_error_body_and_retry_after(echo: SandboxServer) -> None:
    requests.post(
        echo.url + "/_sandbox/faults",
        json={"kind": "status", "status": 429, "retry_after": 3, "count": 2},
        timeout=5,
    )
    first, second, third = (requests.get(echo.url + "/x", timeout=5) for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (429, 429, 200)
    assert first.headers["Retry-After"] == "3"
    assert first.json() == {"echo_error": "injected fault"}


def test_fault_can_target_one_path_and_method(echo: SandboxServer) -> None:
    requests.post(
        echo.url + "/_sandbox/faults",
        json={"kind": "status", "status": 503, "path": "/only", "method": "POST"},
        timeout=5,
    )
    assert requests.get(echo.url + "/only", timeout=5).status_code == 200
    assert requests.post(echo.url + "/other", timeout=5).status_code == 200
    assert requests.post(echo.url + "/only", timeout=5).status_code == 503


@pytest.mark.parametrize("path", ["/plain", "/chunked"])
def test_truncated_body_breaks_the_transfer(echo: SandboxServer, path: str) -> None:
    requests.post(echo.url + "/_sandbox/faults", json={"kind": "truncate"}, timeout=5)
    with pytest.raises(requests.exceptions.RequestException):
        requests.get(echo.url + path, timeout=5).json()


def test_malformed_body_is_well_framed_but_does_not_parse(echo: SandboxServer) -> None:
    requests.post(echo.url + "/_sandbox/faults", json={"kind": "malformed"}, timeout=5)
    response = requests.get(echo.url + "/plain", timeout=5)
    assert response.status_code == 200
    with pytest.raises(ValueError, match=r"Expecting|Unterminated|Extra"):
        json.loads(response.content)


def test_body_fault_serves_an_html_page(echo: SandboxServer) -> None:
    requests.post(
        echo.url + "/_sandbox/faults", json={"kind": "body", "status": 200, "body": ""}, timeout=5
    )
    response = requests.get(echo.url + "/plain", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.content == b""


def test_unknown_fault_kind_is_refused(echo: SandboxServer) -> None:
    response = requests.post(echo.url + "/_sandbox/faults", json={"kind": "gremlins"}, timeout=5)
    assert response.status_code == 400
    assert "unknown fault kind" in response.json()["error"]


def test_control_actions_reach_the_emulator(echo: SandboxServer) -> None:
    answer = requests.post(echo.url + "/_sandbox/change", json={"updates": 2}, timeout=5)
    assert answer.json() == {"changed": {"updates": 2}}
    assert echo.emulator.changed == [{"updates": 2}]
    assert requests.post(echo.url + "/_sandbox/nope", json={}, timeout=5).status_code == 404


def test_latency_is_added_to_every_request(echo: SandboxServer) -> None:
    requests.post(echo.url + "/_sandbox/latency", json={"seconds": 0.2}, timeout=5)
    response = requests.get(echo.url + "/plain", timeout=5)
    assert response.elapsed.total_seconds() >= 0.2
