"""Streaming parsers of Directo bodies: records come out while the body is still arriving.

Directo returns whole arrays without pagination (hundreds of thousands of records), so neither
parser ever holds the body or the list: JSON goes through ijson's C backend, XML through
`lxml.etree.iterparse` with each element cleared once read (perf-notes.md). Both produce the
same typed records: XML attribute strings are converted back per the schema types, and
`datafields`/`rows` are lists even with one element. A body that is cut short or does not parse
raises `ResponseBodyError`, which the client retries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO

import ijson
import requests
import urllib3
from lxml import etree

READ_SIZE = 64 * 1024
Record = dict[str, Any]


class ResponseBodyError(Exception):
    """The body was truncated or malformed: the request must be repeated."""


class _Prefixed:
    """A file whose first bytes were already read (to check the body is an array)."""

    def __init__(self, head: bytes, raw: BinaryIO) -> None:
        self._head = head
        self._raw = raw

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # ijson probes with read(0) to tell bytes from str
            return b""
        if self._head:
            head, self._head = self._head, b""
            return head
        return self._raw.read(size)


_BODY_ERRORS = (
    ijson.JSONError,
    etree.XMLSyntaxError,
    urllib3.exceptions.HTTPError,
    requests.exceptions.RequestException,
    ConnectionError,
)


def parse_json_records(raw: BinaryIO) -> Iterator[Record]:
    """Records of a JSON array body (numbers: int, or Decimal to stay exact)."""
    try:
        head = raw.read(READ_SIZE)
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        if start != b"[":
            snippet = head[:80].decode("utf-8", "replace")
            raise ResponseBodyError(f"expected a JSON array, got: {snippet!r}")
        yield from ijson.items(_Prefixed(head, raw), "item", buf_size=READ_SIZE)
    except _BODY_ERRORS as exc:
        raise ResponseBodyError(f"{type(exc).__name__}: {exc}") from exc


def to_number(text: str) -> int | Decimal | str:
    """A Directo XML number as ijson gives it in JSON mode: int, else Decimal (else unchanged)."""
    try:
        if "." in text or "e" in text or "E" in text:
            return Decimal(text)
        return int(text)
    except (ValueError, InvalidOperation):
        pass
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        return text


def to_boolean(text: str) -> bool:
    return text.strip().lower() in ("1", "true")


def converters(types: Mapping[str, str]) -> dict[str, Callable[[str], Any]]:
    """name -> converter for the non-string fields (strings stay as they are)."""
    table: dict[str, Callable[[str], Any]] = {"number": to_number, "integer": to_number}
    table["boolean"] = to_boolean
    return {name: table[kind] for name, kind in types.items() if kind in table}


def _typed(attrib: Any, convert: Mapping[str, Callable[[str], Any]]) -> Record:
    record: Record = dict(attrib)
    for name, to_type in convert.items():
        value = record.get(name)
        if value is not None:
            record[name] = to_type(value)
    return record


def parse_xml_records(
    raw: BinaryIO,
    root: str,
    element: str,
    types: Mapping[str, str],
    row_types: Mapping[str, str],
) -> Iterator[Record]:
    """Records of `<root><element .../>...</root>`, typed like the JSON mode's."""
    convert, convert_row = converters(types), converters(row_types)
    try:
        events = etree.iterparse(
            raw, events=("end",), tag=element, huge_tree=True, resolve_entities=False
        )
        for _, node in events:
            record = _typed(node.attrib, convert)
            for child in node:
                if child.tag == "datafields":
                    record["datafields"] = [dict(d.attrib) for d in child]
                elif child.tag == "rows":
                    record["rows"] = [_typed(r.attrib, convert_row) for r in child]
                elif len(child) or child.attrib:
                    record[child.tag] = [dict(c.attrib) for c in child] or dict(child.attrib)
                elif child.text and child.text.strip():
                    record[child.tag] = child.text
            node.clear(keep_tail=True)
            parent = node.getparent()
            while node.getprevious() is not None:
                del parent[0]
            yield record
        if events.root is None or events.root.tag != root:
            found = None if events.root is None else events.root.tag
            raise ResponseBodyError(f"expected XML root <{root}>, got <{found}>")
    except _BODY_ERRORS as exc:
        raise ResponseBodyError(f"{type(exc).__name__}: {exc}") from exc
