"""Streaming parsers of Directo bodies: records come out while the body is still arriving.

Directo returns whole arrays without pagination (hundreds of thousands of records), so neither
parser ever holds the body or the list: JSON goes through ijson's C backend, XML through
`lxml.etree.iterparse` with each element cleared once read (perf-notes.md). Both produce the
same typed records: XML attribute strings are converted back per the schema types, and
`datafields`/`rows` are lists even with one element. A body that is cut short or does not parse
raises `ResponseBodyError`, which the client retries.
"""

from __future__ import annotations

import re
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


def _typed(record: Record, convert: Mapping[str, Callable[[str], Any]]) -> Record:
    """Convert the typed fields in place; an empty number is a missing value (left out)."""
    for name, to_type in convert.items():
        value = record.get(name)
        if value is None:
            continue
        if isinstance(value, str) and not value.strip():
            del record[name]
        else:
            record[name] = to_type(value)
    return record


_START_TAG = re.compile(rb"<([A-Za-z_][\w.:-]*)")
HEAD_LIMIT = 1024 * 1024


def _first_tags(raw: BinaryIO) -> tuple[bytes, str | None, str | None]:
    """The body's first bytes, its root element's name and the root's first child's name.

    The doc shows only `<items><item .../>`; other resources' element names are our reading.
    Taking the record name from the body means a different one still gives every record.
    """
    head = b""
    while len(head) < HEAD_LIMIT:
        chunk = raw.read(READ_SIZE)
        head += chunk
        root = _START_TAG.search(head)
        child = _START_TAG.search(head, root.end()) if root else None
        if root and child:
            closing = head.find(b"</", root.end())
            empty = 0 <= closing < child.start()  # <root></root>
            return head, root.group(1).decode(), None if empty else child.group(1).decode()
        if not chunk:
            return head, root.group(1).decode() if root else None, None
    return head, None, None


def parse_xml_records(
    raw: BinaryIO,
    root: str,
    element: str,
    types: Mapping[str, str],
    row_types: Mapping[str, str],
) -> Iterator[Record]:
    """Records of `<root><element .../>...</root>`, typed like the JSON mode's.

    Fields may come as attributes or as child elements with text; `datafields` and `rows`
    are lists even with one element.
    """
    convert, convert_row = converters(types), converters(row_types)
    try:
        head, found_root, found_element = _first_tags(raw)
        if found_root is not None and found_root != root:
            raise ResponseBodyError(f"expected XML root <{root}>, got <{found_root}>")
        events = etree.iterparse(
            _Prefixed(head, raw),
            events=("end",),
            tag=found_element or element,
            huge_tree=True,
            resolve_entities=False,
        )
        for _, node in events:
            record: Record = dict(node.attrib)
            for child in node:
                if child.tag == "datafields":
                    record["datafields"] = [dict(d.attrib) for d in child]
                elif child.tag == "rows":
                    record["rows"] = [_typed(dict(r.attrib), convert_row) for r in child]
                elif len(child) or child.attrib:
                    record[child.tag] = [dict(c.attrib) for c in child] or dict(child.attrib)
                elif child.text and child.text.strip():
                    record[child.tag] = child.text
            _typed(record, convert)
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
