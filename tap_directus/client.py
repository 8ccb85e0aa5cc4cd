"""How tap-directus talks to Directus: auth styles, rate limit, retries, error messages.

Discovery and the streams share these rules: one rate limiter per run, Retry-After honoured,
429/5xx/connection errors and non-JSON or unexpected bodies retried (a real Directus 6 can
answer 200 with an empty HTML page), 401/403/404 fatal with a message that says what to do.
No message ever carries a URL query, a token or a password.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import backoff
import requests
from requests.adapters import HTTPAdapter
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from connector_common.connection_errors import connection_problem
from connector_common.rate_limit import RateLimiter
from connector_common.redaction import redact
from connector_common.retry import is_retryable_status, response_of, retry_waits, small_jitter
from connector_common.stream_report import StreamReport

API_PATH = "/api/1.1"
RETRY_BASE_SECONDS = 1.0  # first wait without Retry-After; tests lower it
MAX_TRIES = 5
AUTH_METHODS = ("bearer", "basic", "query", "password")
RETRIED_EXCEPTIONS = (
    ConnectionResetError,
    RetriableAPIError,
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


class DirectusAuth(requests.auth.AuthBase):
    """Adds the token as a Bearer header, as the basic-auth user, or as `access_token`."""

    def __init__(self, style: str, token_source: Callable[[], str]) -> None:
        self.style = style
        self.token_source = token_source

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        token = self.token_source()
        if self.style == "basic":
            return requests.auth.HTTPBasicAuth(token, "")(request)
        if self.style == "query":
            # singer-sdk applies the auth again on every try: add the parameter only once.
            query = requests.utils.urlparse(request.url).query
            if "access_token=" not in query:
                request.prepare_url(request.url, {"access_token": token})
            return request
        request.headers["Authorization"] = f"Bearer {token}"
        return request


class RateLimitedAdapter(HTTPAdapter):
    """Takes a slot of the run's shared rate limiter before every request, retries included."""

    def __init__(self, limiter: RateLimiter) -> None:
        super().__init__()
        self.limiter = limiter

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.limiter.acquire()
        return super().send(request, **kwargs)


class RedactingFilter(logging.Filter):
    """Masks `access_token` in urllib3's debug lines (query-string auth puts it in the URL)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), [])
        record.args = None
        return True


for _name in ("urllib3.connectionpool", "backoff"):
    logging.getLogger(_name).addFilter(RedactingFilter())


@contextmanager
def redacted_request_errors(secrets: list[str]) -> Iterator[None]:
    """Re-raise requests' errors as one short line without the URL (its query may hold the token).

    The exception class is kept, so the retry policy still sees a connection error.
    """
    try:
        yield
    except requests.exceptions.RequestException as exc:
        message = redact(request_problem(exc), secrets)
        raise type(exc)(message, request=exc.request, response=exc.response) from None


def request_problem(exc: requests.exceptions.RequestException) -> str:
    """What went wrong on the wire, in words, naming the host but not the URL."""
    host = requests.utils.urlparse(getattr(exc.request, "url", None) or "").netloc
    where = f"Directus at {host}" if host else "Directus"
    return f"Connection to {where} failed ({connection_problem(exc)})."


def new_session(limiter: RateLimiter, user_agent: str) -> requests.Session:
    session = requests.Session()
    adapter = RateLimitedAdapter(limiter)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = user_agent
    session.headers["Accept"] = "application/json"
    return session


def wait_generator() -> Any:
    """The shared policy: Retry-After when given, else RETRY_BASE_SECONDS * 2**n."""
    return retry_waits(base=RETRY_BASE_SECONDS)


def server_message(response: requests.Response, secrets: list[str]) -> str:
    """The `error.message` of a Directus error body, else a short, redacted body excerpt."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return redact(str(body["error"].get("message", ""))[:300], secrets)
    text = response.text.strip()
    if not text:
        return "empty body"
    kind = "HTML page" if text.lstrip().startswith("<") else "non-JSON body"
    return f"{kind}: {redact(text[:120], secrets)!r}"


def parse_body(response: requests.Response) -> Any:
    """The JSON body with exact decimals, parsed once and kept on the response."""
    cached = getattr(response, "_directus_body", None)
    if cached is not None:
        return cached
    body = json.loads(response.content, parse_float=Decimal)
    response._directus_body = body  # type: ignore[attr-defined]
    return body


def check_response(
    response: requests.Response, what: str, secrets: list[str], expect_list: bool = False
) -> Any:
    """Raise the right error for a bad answer; return the parsed body of a good one."""
    status = response.status_code
    where = f"{what} ({response.request.method if response.request else 'GET'} "
    where += f"{API_PATH}{_path_after_api(response)})"
    if is_retryable_status(status):
        raise RetriableAPIError(
            f"Directus answered {status} for {where}: {server_message(response, secrets)}.",
            response,
        )
    if status == 401:
        raise FatalAPIError(
            f"Directus rejected the credentials (401) for {where}: "
            f"{server_message(response, secrets)}. Check `token` (or `email` and `password`) "
            "and `auth_method`."
        )
    if status == 403:
        public = _is_public(response)
        hint = (
            "The request ran as the Public group, so the token was not accepted: check "
            "`token` and `auth_method`."
            if public
            else "Give the token's user group read access to it, or leave it out with "
            "`exclude_tables`."
        )
        raise FatalAPIError(
            f"Directus denied access (403) to {where}: {server_message(response, secrets)}. " + hint
        )
    if status == 404:
        message = server_message(response, secrets)
        hint = (
            "Check `base_url`: it must be the instance root (the tap appends /api/1.1)."
            if "HTML" in message or "non-JSON" in message
            else "The table may have been dropped or renamed: run discovery again (meltano: "
            "--refresh-catalog) or leave it out with `exclude_tables`."
        )
        raise FatalAPIError(f"Directus answered 404 for {where}: {message}. {hint}")
    if status >= 400:
        raise FatalAPIError(
            f"Directus answered {status} for {where}: {server_message(response, secrets)}."
        )
    try:
        body = parse_body(response)
    except ValueError as exc:
        raise RetriableAPIError(
            f"Directus answered {status} with {server_message(response, secrets)} for {where} "
            "instead of JSON.",
            response,
        ) from exc
    if not isinstance(body, dict) or body.get("success") is False:
        raise RetriableAPIError(
            f"Directus answered {status} with an unexpected body for {where}: "
            f"{server_message(response, secrets)}.",
            response,
        )
    if expect_list and not isinstance(body.get("data"), list):
        raise RetriableAPIError(
            f"Directus answered {status} without a `data` list for {where}.",
            response,
        )
    return body


def _is_public(response: requests.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("public") is True


def _path_after_api(response: requests.Response) -> str:
    path = requests.utils.urlparse(response.url).path
    return path.split(API_PATH, 1)[-1] if API_PATH in path else path


class DirectusClient:
    """Plain requests for discovery and the request-token exchange, under the shared policy."""

    def __init__(
        self,
        config: Mapping[str, Any],
        limiter: RateLimiter,
        secrets: list[str],
        user_agent: str = "tap-directus",
    ) -> None:
        self.root = root_url(str(config["base_url"]))
        self.config = config
        self.secrets = secrets
        self.timeout = float(config.get("timeout") or 60)
        self.session = new_session(limiter, user_agent)
        self.style = auth_style(config)
        self._token: str | None = None
        self._token_lock = threading.Lock()
        self.auth = DirectusAuth("bearer" if self.style == "password" else self.style, self.token)

    @property
    def api_url(self) -> str:
        return self.root + API_PATH

    def token(self) -> str:
        """The API token; with `password` auth, requested once per run."""
        if self.style != "password":
            return str(self.config.get("token") or "")
        with self._token_lock:
            if self._token is None:
                self._token = self._request_token()
                self.secrets.append(self._token)
            return self._token

    def _request_token(self) -> str:
        form = {"email": self.config.get("email"), "password": self.config.get("password")}

        @backoff.on_exception(
            wait_generator, RETRIED_EXCEPTIONS, max_tries=MAX_TRIES, jitter=small_jitter
        )
        def call() -> dict:
            with redacted_request_errors(self.secrets):
                response = self.session.post(
                    f"{self.api_url}/auth/request-token", data=form, timeout=self.timeout
                )
            if response.status_code in (200, 401):
                try:
                    body = parse_body(response)
                except ValueError:
                    body = None
                if isinstance(body, dict) and body.get("success") is False:
                    raise FatalAPIError(
                        "Directus refused the e-mail and password "
                        f"({server_message(response, self.secrets)}): check `email` and "
                        "`password`, or set `token`."
                    )
            return check_response(response, "the token request", self.secrets)

        try:
            body = call()
        except RETRIED_EXCEPTIONS as exc:
            # Fatal from here on: the request that needed the token must not retry it again.
            raise FatalAPIError(
                f"The token request failed after {MAX_TRIES} tries: {exc} Check `base_url`, or "
                "run again later."
            ) from None
        token = (body.get("data") or {}).get("token") if isinstance(body, dict) else None
        if not token:
            raise FatalAPIError(
                "Directus answered the token request without a token: check `email` and "
                "`password`, or set `token`."
            )
        return str(token)

    def get(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        what: str = "",
        report: StreamReport | None = None,
    ) -> dict:
        """GET `/api/1.1{path}` with retries; the parsed JSON body. `report` counts them."""

        def retried(details: Any) -> None:
            if report is not None:
                response = response_of(details.get("exception"))
                status = response.status_code if response is not None else None
                report.retried(float(details.get("wait") or 0), status)

        @backoff.on_exception(
            wait_generator,
            RETRIED_EXCEPTIONS,
            max_tries=MAX_TRIES,
            jitter=small_jitter,
            on_backoff=retried,
        )
        def call() -> dict:
            if report is not None:
                report.request()
            with redacted_request_errors(self.secrets):
                response = self.session.get(
                    f"{self.api_url}{path}", params=params, auth=self.auth, timeout=self.timeout
                )
            return check_response(response, what or path, self.secrets)

        return call()


def root_url(base_url: str) -> str:
    """The instance root: trailing slashes and a pasted `/api/1.1` removed."""
    root = base_url.strip().rstrip("/")
    if root.endswith(API_PATH):
        root = root[: -len(API_PATH)]
    return root


def auth_style(config: Mapping[str, Any]) -> str:
    """`auth_method`, or `password` when only e-mail and password are set, else `bearer`."""
    method = config.get("auth_method")
    if method:
        return str(method)
    if config.get("email") and config.get("password") and not config.get("token"):
        return "password"
    return "bearer"
