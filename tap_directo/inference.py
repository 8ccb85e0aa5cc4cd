"""`infer_schema`: one JSON request per resource at discovery, to learn company-specific fields.

Directo's field lists are configured per company, so the static schema may miss fields. We read
the first records of each resource (streaming, then hang up), note every field the table does
not list with its JSON type, every line field and every datafield code. JSON is sampled even in
XML mode because only JSON tells numbers from strings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import requests

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


def _note(found: dict[str, str], known: object, record: dict) -> None:
    for name, value in record.items():
        if name in known or name in _NESTED:  # type: ignore[operator]
            continue
        kind = infer_type(value)
        if kind is None:
            continue
        if found.get(name) not in (None, kind):
            kind = "string"  # mixed types: keep the values, as text
        found[name] = kind


def sample_resource(
    session: requests.Session,
    url: str,
    headers: dict[str, str],
    resource: Resource,
    *,
    timeout: float,
    before_request: Callable[[], object],
    max_records: int | None = SAMPLE_RECORDS,
) -> Sample:
    """Read up to `max_records` records of `resource` (None: the whole answer).

    Raises requests' errors for a failed request and ResponseBodyError for a broken body.
    """
    sample = Sample()
    known = field_types(resource)
    before_request()
    response = session.get(
        url, headers={**headers, "Accept": "application/json"}, timeout=timeout, stream=True
    )
    try:
        response.raise_for_status()
        response.raw.decode_content = True
        for count, record in enumerate(parse_json_records(response.raw), 1):
            _note(sample.fields, known, record)
            for row in record.get("rows") or ():
                _note(sample.row_fields, ROW_FIELDS, row)
            for data in record.get("datafields") or ():
                if isinstance(data, dict) and data.get("code"):
                    sample.datafield_codes.add(str(data["code"]))
            if max_records is not None and count >= max_records:
                break
    finally:
        response.close()
    return sample
