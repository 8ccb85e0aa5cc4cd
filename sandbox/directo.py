"""Emulator of the Directo ERP REST API (directo-api.md), served under `/apidirect/v1/...`.

Behaviour the doc leaves open, and what we chose (pinned in tests/sandbox/test_directo.py):
- Order of checks: path/version (404), API key (401), rate limit per key (429 + Retry-After),
  resource access for the key (400 "API not enabled", 403), filters (400), then the data.
- Only GET is served (the doc documents nothing else); other methods answer 405 in the error JSON.
- `Accept` containing "xml" gives XML, anything else (or none) JSON.
- Filter semantics and the `ts` ambiguity: see sandbox/directo_filters.py (switches `ts_equals`,
  `name_search`). `ts` is stored even when `serve_ts=False` hides it, so `ts` filters still work.
- Every change stamps `ts` with the current UTC time (ms), strictly increasing; `clock=` (default
  `time.time`) lets tests date changes in the past, e.g. a deletion a month ago.
- `cache_bodies=True` (benchmarks) renders each distinct response once to a temp file and streams
  that file afterwards, so a 1M-record body costs the server almost nothing on repeat requests.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sandbox.common import Emulator, Request, Response, SlidingWindowLimit, TokenBucketLimit
from sandbox.directo_data import DirectoStore
from sandbox.directo_filters import FilterError, matches_all, parse_conditions
from sandbox.directo_render import render_json, render_xml
from sandbox.directo_resources import RESOURCES
from sandbox.directo_typing import ServedKeys, ServedTyping

PREFIX = "/apidirect"
FULL_KEY = "sandbox-directo-full-key"
LIMITED_KEY = "sandbox-directo-limited-key"
_PATH = re.compile(r"^/apidirect/v(\d+)/([A-Za-z_]+)/?$")
_FILE_CHUNK = 256 * 1024

ERROR_CODES = {
    400: "BAD_REQUEST",
    401: "INVALID_API_KEY",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    429: "RATE_LIMIT_EXCEEDED",
    500: "INTERNAL_SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
}
ERROR_DETAILS = {
    400: "Check filter parameters and date formats",
    401: "Please check your API key and try again",
    403: "Contact your administrator to grant necessary permissions",
    404: "Verify the endpoint path and version number",
    405: "Only GET is supported",
    429: "Implement exponential backoff and reduce request frequency",
    500: "Retry after a delay; contact support if persistent",
    503: "API temporarily unavailable; retry after a delay",
}


@dataclass(frozen=True)
class KeyAccess:
    """What one API key may read: resources not enabled (400) and forbidden (403)."""

    not_enabled: frozenset[str] = field(default_factory=frozenset)
    forbidden: frozenset[str] = field(default_factory=frozenset)


DEFAULT_KEYS = {
    FULL_KEY: KeyAccess(),
    LIMITED_KEY: KeyAccess(
        not_enabled=frozenset({"priceformulas"}), forbidden=frozenset({"invoices"})
    ),
}


def directo_error(
    status: int, message: str, code: str | None = None, details: str = ""
) -> Response:
    body = {
        "error": {
            "code": code or ERROR_CODES.get(status, "ERROR"),
            "message": message,
            "details": details or ERROR_DETAILS.get(status, ""),
        }
    }
    return Response.json(body, status=status)


class DirectoEmulator(Emulator):
    """Nine Directo resources with the doc's filters, JSON/XML, key auth and a rate limit."""

    name = "directo"

    def __init__(
        self,
        size: int = 50,
        seed: int = 1,
        serve_ts: bool = True,
        *,
        rate_limit_per_minute: int = 60,
        rate_limit_window: float = 60.0,
        ts_equals: str = "since",
        name_search: str = "exact",
        cache_bodies: bool = False,
        keys: dict[str, KeyAccess] | None = None,
        clock: Callable[[], float] = time.time,
        typing: ServedTyping | None = None,
        served_keys: ServedKeys | None = None,
        rate_limit_burst: int | None = None,
    ) -> None:
        super().__init__()
        if ts_equals not in ("since", "exact"):
            raise ValueError("ts_equals must be 'since' or 'exact'")
        if name_search not in ("exact", "contains"):
            raise ValueError("name_search must be 'exact' or 'contains'")
        self.store = DirectoStore(size, seed, clock=clock)
        self.serve_ts = serve_ts
        self.ts_equals = ts_equals
        self.name_search = name_search
        self.keys = dict(DEFAULT_KEYS if keys is None else keys)
        self.typing = typing or ServedTyping()
        self.served_keys = served_keys or ServedKeys()
        self.set_rate_limit(rate_limit_per_minute, rate_limit_window, rate_limit_burst)
        self.cache_bodies = cache_bodies
        self._cache_dir: str | None = None
        self._cache_lock = threading.Lock()

    # -- Emulator hooks --------------------------------------------------------------------
    def credentials(self) -> dict[str, str]:
        return {"api_key": FULL_KEY, "limited_api_key": LIMITED_KEY}

    def base_url(self, root: str) -> str:
        return root + PREFIX

    def error_response(self, status: int, message: str) -> Response:
        return directo_error(status, message)

    def set_rate_limit(
        self, per_minute: int, window: float = 60.0, burst: int | None = None
    ) -> None:
        """A sliding window of `per_minute` per `window` s, or with `burst` a token bucket
        (refilled at `per_minute` per `window`, holding at most `burst` tokens)."""
        if burst is None:
            self.limit: SlidingWindowLimit | TokenBucketLimit = SlidingWindowLimit(
                per_minute, window
            )
        else:
            self.limit = TokenBucketLimit(per_minute, window, burst)

    def handle(self, request: Request) -> Response:
        match = _PATH.match(request.path)
        if not match:
            return directo_error(404, f"Endpoint not found: {request.path}")
        version, resource_name = match.groups()
        if version != "1":
            return directo_error(404, f"API version v{version} not found; the current is v1")
        resource = RESOURCES.get(resource_name)
        if resource is None:
            return directo_error(404, f"Resource '{resource_name}' not found")
        if request.method not in ("GET", "HEAD"):
            return directo_error(405, f"Method {request.method} not allowed")
        key = request.header("X-Directo-Key")
        if not key:
            return directo_error(401, "Missing X-Directo-Key header")
        access = self.keys.get(key)
        if access is None:
            return directo_error(401, "The provided API key is invalid or expired")
        wait = self.limit.hit(key)
        if wait is not None:
            response = directo_error(
                429, f"Rate limit exceeded: max {self.limit.limit} requests per minute"
            )
            response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
            return response
        if resource.name in access.not_enabled:
            return directo_error(
                400,
                "API not enabled",
                code="API_NOT_ENABLED",
                details=f"Resource '{resource.name}' is not enabled for this API key",
            )
        if resource.name in access.forbidden:
            return directo_error(403, f"API key lacks permission for resource '{resource.name}'")
        try:
            conditions = parse_conditions(
                resource, request.query, ts_equals=self.ts_equals, name_search=self.name_search
            )
        except FilterError as exc:
            return directo_error(400, exc.message, code=exc.code, details=exc.details)
        xml = "xml" in (request.header("Accept") or "").lower()
        content_type = "application/xml" if xml else "application/json"
        body = self._body(resource.name, conditions, xml, request.query)
        return Response(body=body, content_type=f"{content_type}; charset=utf-8")

    def _body(self, name: str, conditions: list, xml: bool, query: list) -> Iterator[bytes]:
        records = self.store.records(name)
        if conditions:
            records = (r for r in records if matches_all(r, conditions))
        if not self.served_keys.as_stored:
            records = (self.served_keys.served(name, r) for r in records)
        if not self.typing.as_stored:
            records = map(self.typing.served, records)
        resource = RESOURCES[name]
        chunks = (
            render_xml(resource, records, self.serve_ts)
            if xml
            else render_json(records, self.serve_ts)
        )
        if not self.cache_bodies:
            return chunks
        key = (name, xml, tuple(query), self.store.version, self.serve_ts, self.typing)
        key += (self.served_keys,)
        return self._cached(key, chunks)

    def _cached(self, key: tuple, chunks: Iterator[bytes]) -> Iterator[bytes]:
        with self._cache_lock:
            if self._cache_dir is None:
                self._cache_dir = tempfile.mkdtemp(prefix="directo-sandbox-")
        path = os.path.join(self._cache_dir, f"{abs(hash(key)):x}")
        if os.path.exists(path):
            with open(path, "rb") as body:
                while chunk := body.read(_FILE_CHUNK):
                    yield chunk
            return
        partial = f"{path}.{threading.get_ident()}.part"
        with open(partial, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
                yield chunk
        os.replace(partial, path)  # only a body rendered to the end is reused

    def warm(self, resource: str, xml: bool = False) -> int:
        """Render (and cache) the unfiltered body of `resource`; returns its size in bytes."""
        return sum(len(c) for c in self._body(resource, [], xml, []))

    def close(self) -> None:
        if self._cache_dir:
            shutil.rmtree(self._cache_dir, ignore_errors=True)
            self._cache_dir = None

    # -- data changes ----------------------------------------------------------------------
    def change(
        self, updates: int = 0, deletes: int = 0, inserts: int = 0, resource: str | None = None
    ) -> dict[str, Any]:
        """Update, delete and insert records (in each resource, or only `resource`)."""
        names = [resource] if resource else [n for n in RESOURCES if n != "deleted"]
        changed: dict[str, Any] = {}
        for name in names:
            changed[name] = {
                "updated": self.store.update(name, updates) if updates else [],
                "deleted": self.store.delete(name, deletes) if deletes else [],
                "inserted": self.store.insert(name, inserts) if inserts else [],
            }
        return {"changed": changed, "version": self.store.version}

    def control(self, action: str, payload: dict[str, Any]) -> Response:
        if action == "change":
            resource = payload.get("resource") or payload.get("table")
            if resource is not None and (resource not in RESOURCES or resource == "deleted"):
                return Response.json({"error": f"unknown resource {resource!r}"}, status=400)
            try:
                counts = {k: int(payload.get(k, 0)) for k in ("updates", "deletes", "inserts")}
            except (TypeError, ValueError):
                return Response.json({"error": "updates/deletes/inserts must be integers"}, 400)
            return Response.json(self.change(resource=resource, **counts))
        if action == "edit":
            try:
                record = self.store.edit(
                    str(payload.get("resource")),
                    dict(payload.get("key") or {}),
                    set_fields=payload.get("set"),
                    drop_fields=list(payload.get("drop") or []),
                    add_rows=payload.get("add_rows"),
                )
            except KeyError as exc:
                return Response.json({"error": str(exc).strip('"')}, status=404)
            return Response.json({"record": record, "version": self.store.version})
        if action == "serve_ts":
            self.serve_ts = bool(payload.get("enabled", True))
            return Response.json({"serve_ts": self.serve_ts})
        if action == "rate_limit":
            burst = payload.get("burst")
            self.set_rate_limit(
                int(payload.get("per_minute", 60)),
                float(payload.get("window", 60.0)),
                None if burst is None else int(burst),
            )
            return Response.json(
                {"per_minute": self.limit.limit, "window": self.limit.window, "burst": burst}
            )
        return super().control(action, payload)
