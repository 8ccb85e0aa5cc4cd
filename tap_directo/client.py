"""DirectoStream: how the tap talks to Directo (auth, one request per window, retries, errors).

Directo answers whole arrays without pagination, and records stream out while the body is read.
singer-sdk's retry decorator only covers sending the request, not reading the body, so this
class runs its own small loop: rate-limit slot, send, check status, stream-parse; a 429/5xx, a
connection error or a truncated/malformed body repeats the request (Retry-After, else 1, 2, 4,
8 s with jitter, bounded). Records already sent may repeat (at-least-once); the bookmark only
counts responses read to the end.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Any

import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.streams import RESTStream

from connector_common.connection_errors import connection_problem
from connector_common.redaction import redact
from connector_common.retry import RetryWaits, is_retryable_status, response_of
from connector_common.stream_report import ReportedStreamMixin
from tap_directo.bookmarks import ResponseMark
from tap_directo.filters import encode_query
from tap_directo.parsing import ResponseBodyError, parse_json_records, parse_xml_records
from tap_directo.resources import ROW_FIELDS, Resource, field_types
from tap_directo.schemas import line_properties, scalar_types

if TYPE_CHECKING:
    from tap_directo.tap import TapDirecto

_RETRYABLE_ERRORS = (
    RetriableAPIError,
    ResponseBodyError,
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
)


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


class DirectoStream(ReportedStreamMixin, RESTStream):
    """Base of every Directo resource stream; subclasses only carry a `resource` row."""

    resource: Resource
    _tap: TapDirecto

    @property
    def url_base(self) -> str:
        base = str(self.config.get("base_url", "")).rstrip("/")
        return f"{base}/v{self.config.get('api_version', 1)}"

    @property
    def timeout(self) -> float:  # type: ignore[override]
        return float(self.config.get("timeout", 300))

    @property
    def xml(self) -> bool:
        return self.config.get("response_format", "json") == "xml"

    @property
    def http_headers(self) -> dict[str, str]:
        return {
            "X-Directo-Key": str(self.config["api_key"]),
            "Accept": "application/xml" if self.xml else "application/json",
        }

    # -- errors ----------------------------------------------------------------------------
    def _secrets(self) -> list[str]:
        return self._tap.secrets

    def response_error_message(self, response: requests.Response) -> str:
        """What went wrong and what to do; never the key, never the raw body."""
        name = self.resource.name
        error = error_fields(response)
        said = "; ".join(v for v in (error["code"], error["message"], error["details"]) if v)
        status = response.status_code
        if status == 401:
            text = (
                f"Directo rejected the API key (401) for stream '{self.name}': "
                "check the `api_key` setting."
            )
        elif status == 403:
            text = (
                f"The API key lacks permission for resource '{name}' (403): ask the Directo "
                f"administrator to grant it, or deselect the stream '{self.name}'."
            )
        elif status == 400 and (
            error["code"] == "API_NOT_ENABLED" or "not enabled" in error["message"].lower()
        ):
            text = (
                f"Resource '{name}' is not enabled for this API key (400 API not enabled): "
                f"enable it for the key in Directo, or deselect the stream '{self.name}'."
            )
        elif status == 400:
            sent = getattr(response.request, "path_url", "") or ""
            query = sent.split("?", 1)[1] if "?" in sent else ""
            text = (
                f"Directo rejected a filter of stream '{self.name}' (400: {said or 'no detail'})"
                f"; query sent: {query or '(none)'}. Check `filters.{name}` and `start_date`."
            )
        elif status == 404:
            text = (
                f"Directo has no resource at {response.request.path_url.split('?')[0]} (404): "
                "check the `base_url` and `api_version` settings."
            )
        else:
            text = f"Directo answered {status} for stream '{self.name}'" + (
                f": {said}" if said else ""
            )
        return redact(text, self._secrets())

    def validate_response(self, response: requests.Response) -> None:
        if is_retryable_status(response.status_code):
            raise RetriableAPIError(self.response_error_message(response), response)
        if response.status_code >= 400:
            raise FatalAPIError(self.response_error_message(response))

    # -- requests --------------------------------------------------------------------------
    def parse_body(
        self, response: requests.Response, resource: Resource
    ) -> Iterator[dict[str, Any]]:
        """Stream the records out of the body as it arrives (JSON or XML)."""
        response.raw.decode_content = True
        if self.xml:
            types, row_types = (
                self.xml_types if resource is self.resource else (field_types(resource), ROW_FIELDS)
            )
            return parse_xml_records(
                response.raw, resource.name, resource.element, types, row_types
            )
        return parse_json_records(response.raw)

    @cached_property
    def xml_types(self) -> tuple[dict[str, str], dict[str, str]]:
        """Field and line-field types of this stream's schema (catalog included), so XML
        strings become the numbers JSON mode gives."""
        props = self.effective_schema.get("properties", {})
        row_props = line_properties(props)
        for child in self.child_streams:
            row_props.update(child.effective_schema.get("properties", {}))
        return scalar_types(props), scalar_types(row_props)

    def prepare_get(self, url: str) -> requests.PreparedRequest:
        """A GET with our headers. Not build_prepared_request: its authenticator re-encodes
        the query (commas of OR lists become %2C); the key travels in a header anyway."""
        headers = {"User-Agent": self.user_agent, **self.http_headers}
        return self.requests_session.prepare_request(requests.Request("GET", url, headers=headers))

    def fetch(
        self,
        resource: Resource,
        params: list[tuple[str, str]],
        completed: Callable[[ResponseMark], None],
    ) -> Iterator[dict[str, Any]]:
        """Records of one GET, retried as a whole; `completed` gets the mark of the response
        that was read to the end (its time and largest ts)."""
        url = f"{self.url_base}/{resource.name}"
        if params:
            url = f"{url}?{encode_query(params)}"
        waits = RetryWaits(base=self._tap.retry_base_seconds)
        max_tries = self._tap.retry_max_tries
        for attempt in range(1, max_tries + 1):
            self._tap.rate_limiter.acquire()
            self.report.request()
            fresh = ResponseMark()
            response = None
            try:
                prepared = self.prepare_get(url)
                response = self.requests_session.send(prepared, timeout=self.timeout, stream=True)
                self.validate_response(response)
                fresh.started(response)
                for record in self.parse_body(response, resource):
                    fresh.seen(record.get("ts"))
                    yield record
            except _RETRYABLE_ERRORS as exc:
                if attempt == max_tries:
                    raise FatalAPIError(
                        redact(
                            f"Directo request for stream '{self.name}' failed after {attempt} "
                            f"tries: {describe_failure(exc)}",
                            self._secrets(),
                        )
                    ) from None
                wait = waits.after(exc)
                failed = response_of(exc) or response
                self.report.retried(wait, failed.status_code if failed is not None else None)
                self.log(
                    "Retrying %s in %.2f s (try %d of %d): %s",
                    resource.name,
                    wait,
                    attempt + 1,
                    max_tries,
                    redact(describe_failure(exc), self._secrets()),
                    level=logging.WARNING,
                )
                time.sleep(wait)
                continue
            finally:
                if response is not None:
                    response.close()
            completed(fresh)
            return
