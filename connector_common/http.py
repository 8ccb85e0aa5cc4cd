"""The one request path of every plugin: rate-limit slot, send, classify, wait, retry, describe.

Each API says what its answers mean in an `ApiRules` object: which answers are worth another
try (raise singer-sdk's `RetriableAPIError`), which stop (raise anything else), how a failed
try reads in words and what error ends a call whose tries ran out. The loop itself is the same
for a Directo body parsed while it streams in (`stream`: a broken-off body repeats the request,
records already yielded may repeat), a Dokus POST (`request`) and a Directus page that
singer-sdk asks for (`send`). Waits: the server's Retry-After, else 1, 2, 4, 8 s with jitter;
`POLICY` is the one knob tests turn (shorter waits, recorded sleeps, fewer tries).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

import requests
from singer_sdk.exceptions import RetriableAPIError

from connector_common.redaction import redact
from connector_common.retry import RetryWaits, response_of

T = TypeVar("T")

# A try that failed on the wire or in the answer's body: worth another try.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    ConnectionResetError,
)


@dataclass(frozen=True)
class RetryPolicy:
    """How many tries a call gets and how long it waits between them."""

    max_tries: int = 5
    base_seconds: float = 1.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)


POLICY = RetryPolicy()  # read at each call, so a test may replace it (monkeypatch)


class Limiter(Protocol):
    """A run's shared rate limit (connector_common.rate_limit or .token_bucket)."""

    def acquire(self) -> float: ...


class NoLimit:
    """The limiter of a run without `requests_per_minute`."""

    def acquire(self) -> float:
        return 0.0


class AnswerLost(Exception):
    """A call that must not be repeated blindly (a create) sent its request but got no answer."""


class Counter(Protocol):
    """What a call reports its tries to (connector_common.stream_report.StreamReport)."""

    def request(self) -> None: ...

    def retried(self, wait: float, status: int | None) -> None: ...


class ApiRules(Protocol):
    """What one API's answers mean; the HTTP client asks these questions and nothing else."""

    def check(self, response: requests.Response) -> None:
        """Return for a good answer; raise RetriableAPIError to try again, anything else to stop."""

    def problem(self, exc: BaseException) -> str:
        """One line for a failed try (the client redacts it): what went wrong, what to check."""

    def gave_up(self, tries: int, problem: str, response: requests.Response | None) -> Exception:
        """The error that ends a call whose tries all failed (`problem` of the last one)."""


class HttpClient:
    """Sends one API's requests under its rules, the run's limiter and the retry policy."""

    def __init__(
        self,
        session: requests.Session,
        rules: ApiRules,
        *,
        limiter: Limiter | None = None,
        secrets: list[str] | None = None,
        timeout: float = 60.0,
        allow_redirects: bool = True,
        retryable: tuple[type[BaseException], ...] = (),
        logger: logging.Logger | None = None,
    ) -> None:
        self.session = session
        self.rules = rules
        self.limiter: Limiter = limiter or NoLimit()
        self.secrets = secrets if secrets is not None else []
        self.timeout = timeout
        self.allow_redirects = allow_redirects
        self.retryable: tuple[type[BaseException], ...] = (
            RetriableAPIError,
            *CONNECTION_ERRORS,
            *retryable,
        )
        self.logger = logger or logging.getLogger(__name__)

    def close(self) -> None:
        self.session.close()

    def prepare(
        self, request: requests.Request | requests.PreparedRequest
    ) -> requests.PreparedRequest:
        """The request with the session's headers and auth (a prepared one is sent as it is)."""
        if isinstance(request, requests.PreparedRequest):
            return request
        return self.session.prepare_request(request)

    def stream(
        self,
        request: requests.Request | requests.PreparedRequest,
        read: Callable[[requests.Response], Iterable[T]],
        *,
        report: Counter | None = None,
        repeat_lost: bool = True,
        body_streamed: bool = True,
        what: str | None = None,
    ) -> Iterator[T]:
        """What `read` yields from the answer; the whole call (body included) is retried.

        With `repeat_lost=False` (a create), a request that got no answer raises AnswerLost
        instead of being sent again: it may have reached the server. `what` (e.g. a resource
        name, default the method and path) names the call in the retry log line.
        """
        prepared = self.prepare(request)
        policy = POLICY
        waits = RetryWaits(base=policy.base_seconds)
        for attempt in range(1, policy.max_tries + 1):
            self.limiter.acquire()
            if report is not None:
                report.request()
            response: requests.Response | None = None
            try:
                response = self._send(prepared, body_streamed)
                self.rules.check(response)
                yield from read(response)
                return
            except self.retryable as exc:
                if not repeat_lost and isinstance(exc, CONNECTION_ERRORS):
                    raise AnswerLost(type(exc).__name__) from None
                failed = response_of(exc) or response
                problem = redact(self.rules.problem(exc), self.secrets)
                if attempt == policy.max_tries:
                    raise self.rules.gave_up(attempt, problem, failed) from None
                wait = waits.after(exc)
                if report is not None:
                    report.retried(wait, failed.status_code if failed is not None else None)
                self._log_retry(
                    what or _call(prepared), problem, attempt + 1, policy.max_tries, wait
                )
                policy.sleep(wait)
            finally:
                if response is not None:
                    response.close()

    def request(
        self,
        request: requests.Request | requests.PreparedRequest,
        read: Callable[[requests.Response], T],
        *,
        report: Counter | None = None,
        repeat_lost: bool = True,
    ) -> T:
        """`read` of the answer to one request (its body read whole), retried as a whole."""
        answers = self.stream(
            request,
            lambda response: (read(response),),
            report=report,
            repeat_lost=repeat_lost,
            body_streamed=False,
        )
        for answer in answers:
            return answer
        raise AssertionError("unreachable: stream() yields once or raises")

    def send(
        self, request: requests.Request | requests.PreparedRequest, report: Counter | None = None
    ) -> requests.Response:
        """The checked answer itself (body read), for callers that read it later (singer-sdk)."""
        return self.request(request, lambda response: response, report=report)

    def _log_retry(self, what: str, problem: str, next_try: int, tries: int, wait: float) -> None:
        """One wording for every plugin."""
        self.logger.warning(
            "Retrying %s in %.2f s (try %d of %d): %s",
            what,
            wait,
            next_try,
            tries,
            problem,
        )

    def _send(self, prepared: requests.PreparedRequest, body_streamed: bool) -> requests.Response:
        settings = self.session.merge_environment_settings(prepared.url, {}, None, None, None)
        return self.session.send(
            prepared,
            timeout=self.timeout,
            allow_redirects=self.allow_redirects,
            stream=body_streamed,
            proxies=settings["proxies"],
            verify=settings["verify"],
            cert=settings["cert"],
        )


def _call(prepared: requests.PreparedRequest) -> str:
    """The request's method and path, without its query (a query may hold a token)."""
    return f"{prepared.method} {str(prepared.path_url or '').split('?', 1)[0]}"
