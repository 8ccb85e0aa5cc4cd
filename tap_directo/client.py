"""How tap-directo talks HTTP to Directo: the key header, what each answer means, the wording.

Every request goes through connector_common.http.HttpClient (rate-limit slot, send, Retry-After
or 1, 2, 4, 8 s with jitter, bounded tries). Directo answers whole arrays without pagination
and the records are parsed while the body streams in, so the body is read inside the retry: a
429/5xx, a connection error or a truncated/malformed body (`ResponseBodyError`) repeats the
request. Records already sent may repeat (at-least-once); the bookmark only counts responses
read to the end. 400/401/403/404 stop at once with what to check; no message quotes the key.

`infer_schema` samples read the same API under their own rules (`SampleRules`): a rejected key
stops discovery at once, an unreachable server stops it after the last try, any other failure
leaves that resource with its documented fields.
"""

from __future__ import annotations

import logging
from importlib.metadata import version
from typing import BinaryIO, cast

import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from connector_common.connection_errors import connection_problem
from connector_common.http import HttpClient, Limiter
from connector_common.redaction import redact
from connector_common.retry import is_retryable_status
from tap_directo.parsing import ResponseBodyError

KEY_HEADER = "X-Directo-Key"


def directo_session(api_key: str, *, xml: bool, user_agent: str | None = None) -> requests.Session:
    """A session that sends the key and asks for JSON or XML on every request."""
    session = requests.Session()
    session.headers.update(
        {
            "User-Agent": user_agent or f"singer-sdk/{version('singer-sdk')}",
            KEY_HEADER: api_key,
            "Accept": "application/xml" if xml else "application/json",
        }
    )
    return session


def http_client(
    session: requests.Session,
    rules: DirectoRules | SampleRules,
    *,
    limiter: Limiter,
    secrets: list[str],
    timeout: float,
    logger: logging.Logger | None = None,
) -> HttpClient:
    """The HttpClient of one stream (or of the samples): a broken body is worth another try."""
    return HttpClient(
        session,
        rules,
        limiter=limiter,
        secrets=secrets,
        timeout=timeout,
        retryable=(ResponseBodyError,),
        logger=logger,
    )


def body_of(response: requests.Response) -> BinaryIO:
    """The answer's body as it arrives, decompressed, for the streaming parsers."""
    response.raw.decode_content = True
    return cast(BinaryIO, response.raw)  # urllib3's HTTPResponse: a binary file, not typed so


def error_fields(response: requests.Response) -> dict[str, str]:
    """code/message/details of Directo's error JSON, empty strings when absent."""
    try:
        error = response.json().get("error", {})
    except (ValueError, AttributeError):
        error = {}
    if not isinstance(error, dict):
        error = {"message": str(error)}
    return {k: str(error.get(k) or "") for k in ("code", "message", "details")}


def describe_failure(exc: BaseException) -> str:
    """A failed try in words; a connection error without requests' long repr of the URL."""
    if isinstance(exc, RetriableAPIError):
        return str(exc)
    if isinstance(exc, requests.RequestException):
        return (
            f"{connection_problem(exc)} ({type(exc).__name__}): check `base_url` and that "
            "Directo is reachable (or raise `timeout`)"
        )
    return f"{type(exc).__name__}: {exc}"


def _sent_query(response: requests.Response) -> str:
    sent = getattr(response.request, "path_url", "") or ""
    return sent.split("?", 1)[1] if "?" in sent else ""


class DirectoRules:
    """What Directo's answers to one stream's requests mean (connector_common.http.ApiRules)."""

    def __init__(self, stream: str, secrets: list[str]) -> None:
        self.stream = stream
        self.secrets = secrets

    def check(self, response: requests.Response) -> None:
        if is_retryable_status(response.status_code):
            raise RetriableAPIError(self.error_message(response), response)
        if response.status_code >= 400:
            raise FatalAPIError(self.error_message(response))

    def problem(self, exc: BaseException) -> str:
        return describe_failure(exc)

    def gave_up(self, tries: int, problem: str, response: requests.Response | None) -> Exception:
        return FatalAPIError(
            f"Directo request for stream '{self.stream}' failed after {tries} tries: {problem}"
        )

    def error_message(self, response: requests.Response) -> str:
        """What went wrong and what to do; never the key, never the raw body."""
        name = self.stream  # a stream is named for its resource
        error = error_fields(response)
        said = "; ".join(v for v in (error["code"], error["message"], error["details"]) if v)
        status = response.status_code
        if status == 401:
            text = (
                f"Directo rejected the API key (401) for stream '{name}': "
                "check the `api_key` setting."
            )
        elif status == 403:
            text = (
                f"The API key lacks permission for resource '{name}' (403): ask the Directo "
                f"administrator to grant it, or deselect the stream '{name}'."
            )
        elif status == 400 and (
            error["code"] == "API_NOT_ENABLED" or "not enabled" in error["message"].lower()
        ):
            text = (
                f"Resource '{name}' is not enabled for this API key (400 API not enabled): "
                f"enable it for the key in Directo, or deselect the stream '{name}'."
            )
        elif status == 400:
            text = (
                f"Directo rejected a filter of stream '{name}' (400: {said or 'no detail'})"
                f"; query sent: {_sent_query(response) or '(none)'}. Check `filters.{name}` "
                "and `start_date`."
            )
        elif status == 404:
            text = (
                f"Directo has no resource at {(response.request.path_url or '').split('?')[0]} "
                "(404): check the `base_url` and `api_version` settings."
            )
        else:
            text = f"Directo answered {status} for stream '{name}'" + (f": {said}" if said else "")
        return redact(text, self.secrets)


class SampleFailed(Exception):
    """An `infer_schema` sample could not be read: the resource keeps its documented fields."""


class SampleRules:
    """What Directo's answers to an `infer_schema` sample mean (their own wording)."""

    def __init__(self, resource: str) -> None:
        self.resource = resource

    def check(self, response: requests.Response) -> None:
        status = response.status_code
        if status == 401:  # every later request would fail the same way
            raise FatalAPIError(
                f"Directo rejected the API key (401) while `infer_schema` sampled "
                f"'{self.resource}': check the `api_key` setting."
            )
        if is_retryable_status(status):
            raise RetriableAPIError(f"Directo answered {status}", response)
        if status >= 400:
            raise SampleFailed(f"Directo answered {status}")

    def problem(self, exc: BaseException) -> str:
        return describe_failure(exc)

    def gave_up(self, tries: int, problem: str, response: requests.Response | None) -> Exception:
        if response is None:  # never reached: no use trying the other resources
            return FatalAPIError(
                f"`infer_schema` could not sample '{self.resource}' after {tries} tries: {problem}"
            )
        return SampleFailed(problem)
