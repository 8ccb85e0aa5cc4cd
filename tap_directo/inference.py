"""`infer_schema`: one JSON request per resource at discovery, to learn company-specific fields.

Directo's field lists are configured per company, so the static schema may miss fields. We read
the first records of each resource (streaming, then hang up), note every field the table does
not list with its JSON type, every line field and every datafield code. JSON is sampled even in
XML mode because only JSON tells numbers from strings.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import requests

from connector_common.http import HttpClient
from tap_directo.client import body_of
from tap_directo.parsing import parse_json_records
from tap_directo.resources import ROW_FIELDS, Resource, field_types
from tap_directo.schemas import infer_type

SAMPLE_RECORDS = 200
_NESTED = ("datafields", "rows")


@dataclass
class Sample:
    """What sampling one resource found beyond the table."""

    fields: dict[str, str] = field(default_factory=dict)
    row_fields: dict[str, str] = field(default_factory=dict)
    datafield_codes: set[str] = field(default_factory=set)


def _note(found: dict[str, str], known: Collection[str], record: dict[str, Any]) -> None:
    for name, value in record.items():
        if name in known or name in _NESTED:
            continue
        kind = infer_type(value)
        if kind is None:
            continue
        if found.get(name) not in (None, kind):
            kind = "string"  # mixed types: keep the values, as text
        found[name] = kind


def sample_resource(
    client: HttpClient,
    request: requests.Request,
    resource: Resource,
    max_records: int | None = SAMPLE_RECORDS,
) -> Sample:
    """Read up to `max_records` records of `resource` (None: the whole answer), retried.

    Raises what the client's rules say for a failed request (client.SampleRules).
    """

    def read(response: requests.Response) -> tuple[Sample]:
        return (_read(response, resource, max_records),)

    for sample in client.stream(
        request, read, what=f"the infer_schema sample of '{resource.name}'"
    ):
        return sample
    raise AssertionError("unreachable: stream() yields once or raises")


def _read(response: requests.Response, resource: Resource, max_records: int | None) -> Sample:
    sample = Sample()
    known = field_types(resource)
    for count, record in enumerate(parse_json_records(body_of(response)), 1):
        _note(sample.fields, known, record)
        for row in record.get("rows") or ():
            _note(sample.row_fields, ROW_FIELDS, row)
        for data in record.get("datafields") or ():
            if isinstance(data, dict) and data.get("code"):
                sample.datafield_codes.add(str(data["code"]))
        if max_records is not None and count >= max_records:
            break
    return sample
