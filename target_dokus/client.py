"""HTTP to Dokus: one pooled keep-alive session, basic auth, JSON headers, retries, error mapping.

How answers are sorted (dokus-resources.md): 2xx is success; 429/5xx and connection errors are
retried (Retry-After honoured) and then reported as unavailable; a 401 whose JSON body names
fields is a validation failure (the doc's "401 Bad Request") like 400; a 401 without field
errors is a real authentication failure and stops the run; other 4xx refuse the one record.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from connector_common.connection_errors import connection_problem
from connector_common.rate_limit import RateLimiter
from connector_common.redaction import redact
from connector_common.retry import RetryWaits, is_retryable_status, response_of
from target_dokus.errors import (
    DokusAmbiguousError,
    DokusAuthError,
    DokusRecordError,
    DokusRunError,
    DokusUnavailableError,
)

MAX_TRIES = 5
RETRY_BASE_SECONDS = 1.0
_sleep = time.sleep  # tests replace this to record waits instead of sleeping
_CONNECTION_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
# 406/415 mean our request format is wrong: no record would get through, so stop.
_FORMAT_STATUSES = frozenset({406, 415})


@dataclass
class DokusAnswer:
    """A successful answer: status and the parsed JSON body (None for 204)."""

    status: int
    body: Any


def field_errors(body: Any) -> dict[str, Any] | None:
    """The per-field messages of a validation body, in either shape Dokus may use.

    `{"errors": {"price": ["Enter a number."]}}` or the bare form `{"price": [...]}`.
    """
    if not isinstance(body, dict) or not body:
        return None
    errors = body.get("errors")
    if isinstance(errors, dict) and errors:
        return errors
    if "error" in body or "detail" in body or "message" in body:
        return None
    if all(isinstance(v, list | str) for v in body.values()):
        return body
    return None


def describe_error(body: Any, fallback: str) -> str:
    """One line saying what Dokus objected to, fields first."""
    fields = field_errors(body)
    if fields:
        parts = []
        for name, messages in fields.items():
            text = " ".join(str(m) for m in messages) if isinstance(messages, list) else messages
            parts.append(f"{name}: {text}")
        return "; ".join(parts)
    if isinstance(body, dict):
        for key in ("error", "detail", "message"):
            if body.get(key):
                return str(body[key])
    return fallback


class DokusClient:
    """Talks to one Dokus organisation; thread-safe for the target's worker lanes."""

    def __init__(
        self,
        base_url: str,
        email: str,
        password: str,
        *,
        account_label: str,
        timeout: float = 60.0,
        pool_size: int = 1,
        rate_limiter: RateLimiter | None = None,
        secrets: Iterable[str] = (),
        logger: logging.Logger | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.account_label = account_label
        self.timeout = timeout
        self.rate_limiter = rate_limiter or RateLimiter(None)
        self.secrets = [s for s in secrets if s]
        self.logger = logger or logging.getLogger("target-dokus")
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max(pool_size, 1))
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        # UTF-8 (RFC 7617); requests would encode str credentials as Latin-1.
        self.session.auth = (email.encode("utf-8"), password.encode("utf-8"))
        self.session.headers.update(
            {"Accept": "application/json", "Content-Type": "application/json"}
        )

    def close(self) -> None:
        self.session.close()

    def _clean(self, text: str) -> str:
        return redact(text, self.secrets)

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        params: dict[str, str] | None = None,
        idempotent: bool = True,
    ) -> DokusAnswer:
        """Send one request, retrying what may be retried; raise what the caller must handle.

        A create is not idempotent: when it may have reached Dokus but the answer was lost,
        DokusAmbiguousError lets the caller look before trying again (no duplicates).
        """
        data = json.dumps(body, default=str, ensure_ascii=False).encode() if body else None
        waits = RetryWaits(base=RETRY_BASE_SECONDS)
        problem = ""
        for attempt in range(1, MAX_TRIES + 1):
            self.rate_limiter.acquire()
            failure: BaseException
            try:
                response = self.session.request(
                    method, self.base_url + path, data=data, params=params, timeout=self.timeout
                )
            except _CONNECTION_ERRORS as exc:
                if not idempotent:
                    raise DokusAmbiguousError(type(exc).__name__) from None
                problem = f"no answer from {self.account_label} ({connection_problem(exc)})"
                failure = exc
            else:
                if not is_retryable_status(response.status_code):
                    parsed = self._parse(response, method, path, idempotent)
                    if parsed is not None:
                        return parsed
                    problem = f"unreadable answer to {method} {path} (HTTP {response.status_code})"
                else:
                    problem = f"HTTP {response.status_code}"
                failure = requests.HTTPError(problem, response=response)
            if attempt == MAX_TRIES:
                break
            wait = waits.after(failure)
            self.logger.warning(
                "Dokus %s %s: %s; retry %d of %d in %.1f s",
                method,
                path,
                problem,
                attempt,
                MAX_TRIES - 1,
                wait,
            )
            _sleep(wait)
        response = response_of(failure)
        status = response.status_code if response is not None else None
        raise DokusUnavailableError(
            status, self._clean(f"gave up after {MAX_TRIES} tries: {problem}")
        )

    def _parse(
        self, response: requests.Response, method: str, path: str, idempotent: bool
    ) -> DokusAnswer | None:
        """Map a non-retryable answer; None means a 2xx body that did not parse."""
        status = response.status_code
        try:
            body = response.json() if response.content else None
        except ValueError:
            if 200 <= status < 300:
                if not idempotent:
                    raise DokusAmbiguousError("unreadable answer") from None
                return None
            body = None
        if 200 <= status < 300:
            return DokusAnswer(status, body)
        fallback = f"HTTP {status} from {method} {path}"
        if status == 401 and field_errors(body) is None:
            raise DokusAuthError(
                f"Dokus rejected the e-mail/password for {self.account_label}: "
                "check the email and password settings"
            )
        if status in _FORMAT_STATUSES:
            message = self._clean(describe_error(body, fallback))
            raise DokusRunError(f"Dokus refused the request format ({status}): {message}")
        raise DokusRecordError(status, self._clean(describe_error(body, fallback)))
