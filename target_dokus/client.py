"""HTTP to Dokus: one pooled keep-alive session, basic auth, JSON headers, and `DokusRules`.

Every request goes through connector_common.http.HttpClient (rate-limit slot, retries, waits);
`DokusRules` says what Dokus' answers mean (dokus-resources.md): 2xx is success; 429/5xx and
connection errors are retried (Retry-After honoured) and then reported as unavailable; a 401
whose JSON body names fields is a validation failure (the doc's "401 Bad Request") like 400; a
401 without field errors is a real authentication failure and stops the run; 406/415 mean our
request format is wrong and stop the run; other 4xx refuse the one record. A create is not
repeated when its answer is lost (it may have reached Dokus): the caller looks first.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.auth import HTTPBasicAuth
from singer_sdk.exceptions import RetriableAPIError

from connector_common.connection_errors import connection_problem
from connector_common.http import CONNECTION_ERRORS, AnswerLost, HttpClient, Limiter
from connector_common.redaction import redact
from connector_common.retry import is_retryable_status
from target_dokus.errors import (
    DokusAmbiguousError,
    DokusAuthError,
    DokusRecordError,
    DokusRunError,
    DokusUnavailableError,
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


def _body(response: requests.Response) -> Any:
    """The answer's JSON body, None when it has none or it does not parse."""
    try:
        return response.json() if response.content else None
    except ValueError:
        return None


class DokusRules:
    """What Dokus' answers mean (connector_common.http.ApiRules)."""

    def __init__(self, base_url: str, account_label: str, secrets: list[str]) -> None:
        self.base_url = base_url
        self.account_label = account_label
        self.secrets = secrets

    def where(self, response: requests.Response) -> str:
        """`METHOD /path/` of the request an answer is for (no query: it may hold a key)."""
        request = response.request
        url = str(request.url or "").split("?", 1)[0]
        path = url[len(self.base_url) :] if url.startswith(self.base_url) else url
        return f"{request.method} {path}"

    def check(self, response: requests.Response) -> None:
        status = response.status_code
        if 200 <= status < 300:
            return
        if is_retryable_status(status):
            raise RetriableAPIError(f"HTTP {status}", response)
        body = _body(response)
        fallback = f"HTTP {status} from {self.where(response)}"
        if status == 401 and field_errors(body) is None:
            raise DokusAuthError(
                f"Dokus rejected the e-mail/password for {self.account_label}: "
                "check the email and password settings"
            )
        message = redact(describe_error(body, fallback), self.secrets)
        if status in _FORMAT_STATUSES:
            raise DokusRunError(f"Dokus refused the request format ({status}): {message}")
        raise DokusRecordError(status, message)

    def problem(self, exc: BaseException) -> str:
        if isinstance(exc, CONNECTION_ERRORS):
            return f"no answer from {self.account_label} ({connection_problem(exc)})"
        return str(exc)

    def gave_up(self, tries: int, problem: str, response: requests.Response | None) -> Exception:
        status = response.status_code if response is not None else None
        return DokusUnavailableError(status, f"gave up after {tries} tries: {problem}")


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
        limiter: Limiter | None = None,
        secrets: Iterable[str] = (),
        logger: logging.Logger | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.account_label = account_label
        secret_list = [s for s in secrets if s]
        session = requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max(pool_size, 1))
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        # UTF-8 (RFC 7617); requests would encode str credentials as Latin-1.
        session.auth = HTTPBasicAuth(email.encode("utf-8"), password.encode("utf-8"))
        session.headers.update({"Accept": "application/json", "Content-Type": "application/json"})
        self.rules = DokusRules(self.base_url, account_label, secret_list)
        self.http = HttpClient(
            session,
            self.rules,
            limiter=limiter,
            secrets=secret_list,
            timeout=timeout,
            logger=logger or logging.getLogger("target-dokus"),
        )

    def close(self) -> None:
        self.http.close()

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        params: dict[str, str] | None = None,
        idempotent: bool = True,
    ) -> DokusAnswer:
        """Send one request (retried by HttpClient); raise what the caller must handle.

        A create is not idempotent: when it may have reached Dokus but the answer was lost,
        DokusAmbiguousError lets the caller look before trying again (no duplicates).
        """
        data = json.dumps(body, default=str, ensure_ascii=False).encode() if body else None
        request = requests.Request(method, self.base_url + path, data=data, params=params)
        try:
            return self.http.request(
                request, lambda response: self._answer(response, idempotent), repeat_lost=idempotent
            )
        except AnswerLost as exc:
            raise DokusAmbiguousError(str(exc)) from None

    def _answer(self, response: requests.Response, idempotent: bool) -> DokusAnswer:
        """A 2xx answer and its body; an unreadable body is retried, or ambiguous for a create."""
        try:
            body = response.json() if response.content else None
        except ValueError:
            if not idempotent:
                raise DokusAmbiguousError("unreadable answer") from None
            raise RetriableAPIError(
                f"unreadable answer to {self.rules.where(response)} (HTTP {response.status_code})",
                response,
            ) from None
        return DokusAnswer(response.status_code, body)
