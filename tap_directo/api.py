"""DirectoApi: what every stream of one run shares to reach Directo, built once by the tap.

One session (the key header, JSON or XML), one token bucket (Directo's limit is per key, so
every stream and every discovery sample takes its slot from it), the secrets no message may
show, the API root with its version. Streams get it at construction and never ask the tap.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests

from connector_common.http import HttpClient, Limiter
from connector_common.token_bucket import TokenBucket
from tap_directo.client import DirectoRules, SampleFailed, SampleRules, directo_session, http_client
from tap_directo.filters import encode_query
from tap_directo.inference import SAMPLE_RECORDS, Sample, sample_resource
from tap_directo.resources import Resource


@dataclass(frozen=True)
class DirectoApi:
    """The run's way to Directo: `client()` for a stream, `sample()` for `infer_schema`."""

    root: str  # {base_url}/v{api_version}
    session: requests.Session
    limiter: Limiter
    secrets: list[str]
    xml: bool
    timeout: float

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], secrets: list[str], window_seconds: float = 60.0
    ) -> DirectoApi:
        xml = config.get("response_format", "json") == "xml"
        limiter = TokenBucket(
            float(config.get("requests_per_minute", 60) or 0),
            burst=int(config.get("burst", 1)),
            window_seconds=window_seconds,
        )
        return cls(
            root=f"{str(config.get('base_url', '')).rstrip('/')}/v{config.get('api_version', 1)}",
            session=directo_session(
                str(config["api_key"]), xml=xml, user_agent=config.get("user_agent")
            ),
            limiter=limiter,
            secrets=secrets,
            xml=xml,
            timeout=float(config.get("timeout", 300)),
        )

    def get(self, resource: str, params: Sequence[tuple[str, str]] = ()) -> requests.Request:
        """The GET of one resource; the query encoded as directo-api.md writes it (filters.py).

        The URL carries the encoded query: requests' `params=` would encode the commas of OR
        lists as %2C. The key travels in the session's header.
        """
        url = f"{self.root}/{resource}"
        return requests.Request("GET", f"{url}?{encode_query(params)}" if params else url)

    def client(self, stream: str, logger: logging.Logger | None = None) -> HttpClient:
        """The client of one stream's requests (its name in every error)."""
        rules = DirectoRules(stream, self.secrets)
        return self._client(rules, logger)

    def sample(
        self,
        resource: Resource,
        params: Sequence[tuple[str, str]] = (),
        *,
        logger: logging.Logger,
        max_records: int | None = SAMPLE_RECORDS,
    ) -> Sample | None:
        """One `infer_schema` sample, always JSON (only JSON tells numbers from strings); None
        (the documented fields only) when Directo could not give it."""
        request = self.get(resource.name, params)
        request.headers["Accept"] = "application/json"
        try:
            return sample_resource(
                self._client(SampleRules(resource.name), logger), request, resource, max_records
            )
        except SampleFailed as exc:
            logger.warning(
                "infer_schema: could not sample '%s' (%s); using the documented fields",
                resource.name,
                exc,
            )
            return None

    def _client(
        self, rules: DirectoRules | SampleRules, logger: logging.Logger | None
    ) -> HttpClient:
        return http_client(
            self.session,
            rules,
            limiter=self.limiter,
            secrets=self.secrets,
            timeout=self.timeout,
            logger=logger,
        )
