"""Directo response bodies, rendered as a stream of chunks (never the whole body in memory).

JSON: a top-level array; numbers as numbers; missing/None values omitted. XML, as the doc's
example: `<items><item code=".." .../></items>`, scalar fields as attributes, numbers as strings,
`<datafields><data code=".." content=".."/></datafields>` (`<datafields/>` when empty), and
order/invoice lines as `<rows><row row_no="1" row_item=".." .../></rows>`. The root element is
the resource name, a record element its singular (see directo_resources.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from sandbox.directo_resources import DirectoResource

CHUNK_RECORDS = 500
_ATTR_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;"}
)


def visible(record: dict[str, Any], serve_ts: bool) -> dict[str, Any]:
    """The record as served: None values dropped, `ts` dropped unless served."""
    return {k: v for k, v in record.items() if v is not None and (serve_ts or k != "ts")}


def render_json(records: Iterable[dict[str, Any]], serve_ts: bool) -> Iterator[bytes]:
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    batch: list[str] = []
    lead = "["
    for record in records:
        batch.append(encode(visible(record, serve_ts)))
        if len(batch) >= CHUNK_RECORDS:
            yield (lead + ",".join(batch)).encode("utf-8")
            lead = ","
            batch = []
    if batch:
        yield (lead + ",".join(batch)).encode("utf-8")
        lead = ","
    yield b"]" if lead == "," else b"[]"


def _attr(value: Any) -> str:
    if isinstance(value, bool):
        value = int(value)
    return str(value).translate(_ATTR_ESCAPES)


def _attrs(record: dict[str, Any]) -> str:
    return "".join(
        f' {k}="{_attr(v)}"' for k, v in record.items() if not isinstance(v, list | dict)
    )


def record_xml(resource: DirectoResource, record: dict[str, Any], serve_ts: bool) -> str:
    shown = visible(record, serve_ts)
    parts = [f"<{resource.element}{_attrs(shown)}"]
    nested = []
    if "datafields" in shown:
        data = "".join(f"<data{_attrs(d)}/>" for d in shown["datafields"])
        nested.append(f"<datafields>{data}</datafields>" if data else "<datafields/>")
    if "rows" in shown:
        lines = "".join(f"<row{_attrs(visible(r, True))}/>" for r in shown["rows"])
        nested.append(f"<rows>{lines}</rows>" if lines else "<rows/>")
    if nested:
        parts.append(">" + "".join(nested) + f"</{resource.element}>")
    else:
        parts.append("/>")
    return "".join(parts)


def render_xml(
    resource: DirectoResource, records: Iterable[dict[str, Any]], serve_ts: bool
) -> Iterator[bytes]:
    lead = f'<?xml version="1.0" encoding="UTF-8"?>\n<{resource.name}>'
    batch: list[str] = []
    for record in records:
        batch.append(record_xml(resource, record, serve_ts))
        if len(batch) >= CHUNK_RECORDS:
            yield (lead + "\n".join(batch)).encode("utf-8")
            lead = ""
            batch = []
    if batch or lead:  # the head travels with the first records
        yield (lead + "\n".join(batch)).encode("utf-8")
    yield f"</{resource.name}>".encode()
