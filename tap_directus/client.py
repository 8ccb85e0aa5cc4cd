"""How tap-directus talks to Directus: auth styles, what answers mean, the session.

Every request (discovery, the token exchange, the row pages singer-sdk asks for) goes through
one connector_common.http.HttpClient (built per run in api.py) under these rules: one rate
limiter per run, Retry-After honoured, 429/5xx/connection errors and non-JSON or unexpected
bodies retried (a real Directus 6 can answer 200 with an empty HTML page), 401/403/404 fatal
with a message that says what to do, redirects never followed (a redirect means a wrong
base_url, site.py).
No message ever carries a URL query, a token or a password.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlparse

import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from connector_common.connection_errors import connection_problem
from connector_common.redaction import redact
from connector_common.retry import is_retryable_status
from tap_directus.site import Site, check_site

API_PATH = "/api/1.1"
TOKEN_PATH = "/auth/request-token"
AUTH_METHODS = ("bearer", "basic", "query", "password")
LOGGER = logging.getLogger("tap-directus")


class DirectusAuth(requests.auth.AuthBase):
    """Adds the token as a Bearer header, as the basic-auth user, or as `access_token`."""

    def __init__(self, style: str, token_source: Callable[[], str]) -> None:
        self.style = style
        self.token_source = token_source

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        token = self.token_source()
        if self.style == "basic":
            basic: requests.PreparedRequest = requests.auth.HTTPBasicAuth(token, "")(request)
            return basic
        if self.style == "query":
            # A request may be prepared twice (singer-sdk): add the parameter only once.
            if "access_token=" not in urlparse(request.url or "").query:
                request.prepare_url(request.url, {"access_token": token})
            return request
        request.headers["Authorization"] = f"Bearer {token}"
        return request


class RedactingFilter(logging.Filter):
    """Masks `access_token` in urllib3's debug lines (query-string auth puts it in the URL)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), [])
        record.args = None
        return True


logging.getLogger("urllib3.connectionpool").addFilter(RedactingFilter())


def request_problem(exc: BaseException) -> str:
    """What went wrong on the wire, in words, naming the host but not the URL."""
    host = urlparse(getattr(getattr(exc, "request", None), "url", None) or "").netloc
    where = f"Directus at {host}" if host else "Directus"
    return f"Connection to {where} failed ({connection_problem(exc)})."


def new_session(user_agent: str, auth: DirectusAuth) -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = user_agent
    session.headers["Accept"] = "application/json"
    session.auth = auth
    return session


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
    """The JSON body with exact decimals, parsed once: the check parses it, the stream reads it."""
    cached = getattr(response, "_directus_body", None)
    if cached is not None:
        return cached
    body = json.loads(response.content, parse_float=Decimal)
    setattr(response, "_directus_body", body)  # noqa: B010 - Response has no field for it
    return body


def check_response(
    response: requests.Response,
    what: str,
    secrets: list[str],
    expect_list: bool = False,
    site: Site | None = None,
) -> Any:
    """Raise the right error for a bad answer; return the parsed body of a good one."""
    status = response.status_code
    where = f"{what} ({response.request.method if response.request else 'GET'} "
    where += f"{API_PATH}{_path_after_api(response)})"
    if not is_retryable_status(status):
        check_site(response, site, secrets)
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
    if site is not None:
        site.json_seen = True
    return body


def _is_public(response: requests.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("public") is True


def _path_after_api(response: requests.Response) -> str:
    path = urlparse(response.url).path
    return path.split(API_PATH, 1)[-1] if API_PATH in path else path


def what_is_asked(path: str) -> str:
    """What a request is about, in words: `the table list`, ``table `projects` ``."""
    parts = path.strip("/").split("/")
    if parts == ["tables"]:
        return "the table list"
    if parts[0] == "tables" and len(parts) > 1:
        return f"table `{parts[1]}`"
    return path


class DirectusRules:
    """What Directus' answers mean (connector_common.http.ApiRules) for the API's GETs.

    A page of rows must hold a `data` list; a good JSON answer proves `base_url` right, so a
    later HTML page is a glitch to retry (site.py).
    """

    def __init__(self, secrets: list[str], site: Site) -> None:
        self.secrets = secrets
        self.site = site

    def check(self, response: requests.Response) -> None:
        path = _path_after_api(response)
        check_response(
            response,
            what_is_asked(path),
            self.secrets,
            expect_list=path.endswith("/rows"),
            site=self.site,
        )

    def problem(self, exc: BaseException) -> str:
        if isinstance(exc, RetriableAPIError):
            return str(exc)
        return request_problem(exc)

    def gave_up(self, tries: int, problem: str, response: requests.Response | None) -> Exception:
        """The last try's error (the tap's fatal_message adds "Gave up after N tries")."""
        if response is not None:
            return RetriableAPIError(problem, response)
        return requests.exceptions.ConnectionError(problem)


class TokenRules(DirectusRules):
    """The e-mail and password exchange: refused credentials stop at once, in plain words."""

    def check(self, response: requests.Response) -> None:
        check_site(response, self.site, self.secrets)
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
        check_response(response, "the token request", self.secrets, site=self.site)

    def gave_up(self, tries: int, problem: str, response: requests.Response | None) -> Exception:
        # Fatal: the request that needed the token must not retry the exchange again.
        return FatalAPIError(
            f"The token request failed after {tries} tries: {problem} Check `base_url`, or "
            "run again later."
        )


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
