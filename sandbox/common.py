"""Server plumbing shared by the three emulators: HTTP serving, request log, fault injection.

Each emulator implements `Emulator.handle(Request) -> Response`; this module serves it on
loopback, logs every API request (tests assert on the log), applies injected faults, and exposes
a small control API under `/_sandbox/` so a separate process (the demo, a benchmark) can read the
log, inject faults and change data between syncs.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

CONTROL_PREFIX = "/_sandbox/"


@dataclass
class Request:
    """One incoming API request, query kept in order with repeated parameters."""

    method: str
    path: str
    query: list[tuple[str, str]]
    raw_query: str
    headers: Mapping[str, str]  # lower-cased names
    body: bytes = b""

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8")) if self.body else None

    def params(self, name: str) -> list[str]:
        """Every value of a (possibly repeated) query parameter."""
        return [v for k, v in self.query if k == name]

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.params(name)
        return values[-1] if values else default


@dataclass
class Response:
    """What an emulator answers; `body` may be an iterator of chunks (sent chunked)."""

    status: int = 200
    body: bytes | Iterable[bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = "application/json; charset=utf-8"

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        body = json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")
        return cls(status=status, body=body, headers=dict(headers or {}))

    @classmethod
    def empty(cls, status: int = 204) -> Response:
        return cls(status=status, body=b"", content_type=None)


@dataclass
class LoggedRequest:
    """What the request log keeps of one API request."""

    time: float
    method: str
    path: str
    query: list[tuple[str, str]]
    raw_query: str
    status: int
    headers: dict[str, str]
    body: str = ""


class RequestLog:
    """Thread-safe list of the API requests an emulator received (control calls excluded)."""

    def __init__(self) -> None:
        self._entries: list[LoggedRequest] = []
        self._lock = threading.Lock()

    def add(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(
        self, method: str | None = None, path_prefix: str | None = None
    ) -> list[LoggedRequest]:
        with self._lock:
            items = list(self._entries)
        return [
            e
            for e in items
            if (method is None or e.method == method.upper())
            and (path_prefix is None or e.path.startswith(path_prefix))
        ]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


FAULT_KINDS = ("status", "delay", "truncate", "malformed", "body")


@dataclass
class Fault:
    """A fault applied to the next `count` matching requests (count 0: every request).

    kinds: `status` (answer `status` with the API's error body, `Retry-After` when
    `retry_after` is set), `delay` (sleep `seconds`, then answer normally), `truncate` (send
    part of the body, then drop the connection), `malformed` (valid HTTP framing, body cut in
    half so it does not parse), `body` (answer `status` with `body` and `content_type` as given).
    """

    kind: str = "status"
    status: int = 503
    retry_after: float | None = None
    seconds: float = 0.0
    count: int = 1
    path: str | None = None  # path prefix the fault applies to
    method: str | None = None
    body: str = ""
    content_type: str = "text/html; charset=utf-8"

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            msg = f"unknown fault kind {self.kind!r}; use one of {', '.join(FAULT_KINDS)}"
            raise ValueError(msg)

    def matches(self, request: Request) -> bool:
        return (self.path is None or request.path.startswith(self.path)) and (
            self.method is None or self.method.upper() == request.method
        )


class FaultPlan:
    """Queue of injected faults plus a constant added latency (for benchmarks)."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.latency = 0.0

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
        self.latency = 0.0

    def take(self, request: Request) -> Fault | None:
        """The first fault matching `request`, consuming one of its uses."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(request):
                    if fault.count > 0:
                        fault.count -= 1
                        if fault.count == 0:
                            self._faults.remove(fault)
                    return fault
        return None


class SlidingWindowLimit:
    """Server-side rate limit: at most `limit` requests per `window` seconds, per key."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float | None:
        """Record a request; return None if allowed, else seconds until a slot frees."""
        if self.limit <= 0:
            return None
        now = time.monotonic()
        with self._lock:
            hits = [t for t in self._hits.get(key, []) if now - t < self.window]
            if len(hits) >= self.limit:
                self._hits[key] = hits
                return max(self.window - (now - hits[0]), 0.001)
            hits.append(now)
            self._hits[key] = hits
            return None


class TokenBucketLimit:
    """Server-side token bucket per key: `limit` tokens per `window` s, at most `burst` held.

    A bucket starts full; each request takes a token; an empty bucket answers 429 with the
    seconds until the next token. Burst 1 at 60/min allows one request per second, no more.
    """

    def __init__(self, limit: int, window: float = 60.0, burst: int = 1) -> None:
        self.limit = limit
        self.window = window
        self.burst = max(1, burst)
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    def hit(self, key: str) -> float | None:
        """Take a token; None if allowed, else seconds until one is available."""
        if self.limit <= 0:
            return None
        rate = self.limit / self.window  # tokens per second
        now = time.monotonic()
        with self._lock:
            tokens, at = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * rate)
            # a little slack for float rounding: a client spaced exactly 1/rate apart
            if tokens >= 1.0 - 1e-6:
                self._buckets[key] = (tokens - 1.0, now)
                return None
            self._buckets[key] = (tokens, now)
            return max((1.0 - tokens) / rate, 0.001)


class Emulator:
    """Base class of an API emulator; subclasses implement `handle` and `error_response`."""

    name = "emulator"

    def __init__(self) -> None:
        self.log = RequestLog()
        self.faults = FaultPlan()
        self.lock = threading.RLock()  # guards the emulator's data

    def handle(self, request: Request) -> Response:  # pragma: no cover - abstract
        raise NotImplementedError

    def error_response(self, status: int, message: str) -> Response:
        """The API's own error body for an injected status fault; override per API."""
        return Response.json({"error": {"message": message}}, status=status)

    def control(self, action: str, payload: dict[str, Any]) -> Response:
        """Emulator-specific control actions (`POST /_sandbox/<action>`), e.g. data changes."""
        return Response.json({"error": f"unknown control action {action!r}"}, status=404)

    def credentials(self) -> dict[str, str]:
        """What `python -m sandbox` prints so a person can call the API."""
        return {}

    def base_url(self, root: str) -> str:
        """The URL a plugin's `base_url` setting takes, given the server root."""
        return root


def _chunks(body: bytes | Iterable[bytes]) -> Iterator[bytes]:
    if isinstance(body, bytes | bytearray):
        yield bytes(body)
    else:
        yield from body


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without TCP_NODELAY each answer stalls ~40 ms
    # on delayed ACKs.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Silence stderr logging: the RequestLog is the record."""

    def _dispatch(self) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            method=self.command,
            path=split.path,
            query=parse_qsl(split.query, keep_blank_values=True),
            raw_query=split.query,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        emulator = self.server.emulator
        if request.path.startswith(CONTROL_PREFIX):
            self._send(self._control(emulator, request))
            return
        received = time.time()
        fault = emulator.faults.take(request)
        latency = emulator.faults.latency
        if latency:
            time.sleep(latency)
        mode = None
        if fault is None or fault.kind == "delay":
            if fault is not None:
                time.sleep(fault.seconds)
            response = emulator.handle(request)
        elif fault.kind == "status":
            response = emulator.error_response(fault.status, "injected fault")
            if fault.retry_after is not None:
                response.headers["Retry-After"] = str(int(fault.retry_after))
        elif fault.kind == "body":
            response = Response(
                status=fault.status, body=fault.body.encode(), content_type=fault.content_type
            )
        else:
            response = emulator.handle(request)
            mode = fault.kind
        emulator.log.add(
            LoggedRequest(
                time=received,
                method=request.method,
                path=request.path,
                query=request.query,
                raw_query=request.raw_query,
                status=response.status,
                headers=dict(request.headers),
                body=body.decode("utf-8", "replace"),
            )
        )
        self._send(response, mode)

    def _control(self, emulator: Emulator, request: Request) -> Response:
        action = request.path[len(CONTROL_PREFIX) :].strip("/")
        payload = request.json() or {}
        if action == "log":
            if request.method == "DELETE":
                emulator.log.clear()
                return Response.empty()
            return Response.json([asdict(e) for e in emulator.log.entries()])
        if action == "faults":
            if request.method == "DELETE":
                emulator.faults.clear()
                return Response.empty()
            try:
                emulator.faults.add(Fault(**payload))
            except (TypeError, ValueError) as exc:
                return Response.json({"error": str(exc)}, status=400)
            return Response.json({"ok": True})
        if action == "latency":
            emulator.faults.latency = float(payload.get("seconds", 0.0))
            return Response.json({"ok": True})
        with emulator.lock:
            return emulator.control(action, payload)

    def _send(self, response: Response, mode: str | None = None) -> None:
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers.items():
            self.send_header(name, value)
        body = response.body
        if mode == "malformed":
            data = b"".join(_chunks(body))
            body = data[: max(len(data) // 2, 1)] if data else b"<"
        if isinstance(body, bytes | bytearray):
            if mode == "truncate":
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for sent, chunk in enumerate(_chunks(body)):
                if not chunk:
                    continue
                if mode == "truncate" and sent >= 1:
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _dispatch


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], emulator: Emulator) -> None:
        self.emulator = emulator
        super().__init__(address, _Handler)


class SandboxServer:
    """Serves one emulator on loopback in a background thread (`with SandboxServer(e) as s:`)."""

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = emulator
        self._server = _Server((host, port), emulator)
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Root URL of the server, without trailing slash."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> SandboxServer:
        # A short poll interval keeps stop() (and so each test's teardown) fast.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sandbox-{self.emulator.name}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
