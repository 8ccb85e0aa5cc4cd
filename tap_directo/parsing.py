"""Streaming parsers of Directo bodies: records come out while the body is still arriving.

Directo returns whole arrays without pagination (hundreds of thousands of records), so neither
parser ever holds the body or the list: JSON items are decoded one by one by the standard
library's C decoder as they complete (json_array.py); XML goes through an lxml parser target
that builds each record from the parse events, with no tree to walk and clear (3x faster than
`iterparse` + clear of perf-notes.md). Both produce the same typed records: XML attribute strings are converted back per the schema types, and
`datafields`/`rows` are lists even with one element. A body that is cut short or does not parse
raises `ResponseBodyError`, which the client retries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import requests
import urllib3
from lxml import etree

from tap_directo.json_array import READ_SIZE, Body, InvalidJsonArray, json_array_items

Record = dict[str, Any]


class ResponseBodyError(Exception):
    """The body was truncated or malformed: the request must be repeated."""


_BODY_ERRORS = (
    InvalidJsonArray,
    etree.XMLSyntaxError,
    urllib3.exceptions.HTTPError,
    requests.exceptions.RequestException,
    ConnectionError,
)


def parse_json_records(raw: Body) -> Iterator[Record]:
    """Records of a JSON array body (numbers: int, or Decimal to stay exact)."""
    try:
        yield from json_array_items(raw)
    except _BODY_ERRORS as exc:
        raise ResponseBodyError(f"{type(exc).__name__}: {exc}") from exc


def to_number(text: str) -> int | Decimal | str:
    """A Directo XML number as JSON mode gives it: int, else Decimal (else unchanged)."""
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


class _Typer:
    """Converts the typed fields of a record in place; an empty number is a missing value
    (left out). Records share a few sets of field names: which ones to convert is worked out
    once per set."""

    def __init__(self, convert: Mapping[str, Callable[[str], Any]]) -> None:
        self._convert = convert
        self._plans: dict[tuple[str, ...], tuple[tuple[str, Callable[[str], Any]], ...]] = {}

    def __call__(self, record: Record) -> Record:
        keys = tuple(record)
        plan = self._plans.get(keys)
        if plan is None:
            convert = self._convert
            plan = tuple((k, convert[k]) for k in keys if k in convert)
            if len(self._plans) < _PLAN_LIMIT:
                self._plans[keys] = plan
        for name, to_type in plan:
            value = record[name]
            if value.__class__ is str and not value.strip():
                del record[name]
            else:
                record[name] = to_type(value)
        return record


_PLAN_LIMIT = 4096


class _RecordBuilder:
    """An lxml parser target: each record is built from the parser's events as they come.

    No element tree is made (iterparse builds one, then it must be walked and cleared): this is
    about 3x faster. The record element's name is taken from the body (the root's first child):
    the doc shows only `<items><item .../>`, other resources' element names are our reading,
    and a different one still gives every record.
    """

    def __init__(self, root: str, typed: _Typer, typed_row: _Typer) -> None:
        self.records: list[Record] = []
        self.root: str | None = None
        self._expected_root = root
        self._typed, self._typed_row = typed, typed_row
        self._element: str | None = None
        self._depth = 0
        self._record: Record | None = None  # the record being read (depth 1)
        self._field: dict[str, str] = {}  # a field's element (depth 2): attributes,
        self._children: list[dict[str, str]] = []  # its children's attributes,
        self._text: list[str] = []  # and its text

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        depth = self._depth = self._depth + 1
        if depth == 4:  # the most frequent first: a datafield, a line
            if self._record is not None:  # (lxml passes a shared empty mapping for none)
                self._children.append(attrib if attrib.__class__ is dict else {})
        elif depth == 1:
            self.root = tag
            if tag != self._expected_root:
                raise ResponseBodyError(f"expected XML root <{self._expected_root}>, got <{tag}>")
        elif depth == 2:
            if self._element is None:
                self._element = tag
            if tag == self._element:
                self._record = attrib if attrib.__class__ is dict else {}
        elif depth == 3 and self._record is not None:
            self._field = attrib
            self._children = []
            self._text = []

    def data(self, text: str) -> None:
        if self._depth == 3 and self._record is not None:
            self._text.append(text)

    def end(self, tag: str) -> None:
        depth = self._depth
        self._depth = depth - 1
        if depth == 4:
            return
        record = self._record
        if record is None:
            return
        if depth == 2:
            self.records.append(self._typed(record))
            self._record = None
        elif depth == 3:
            if tag == "datafields":
                record[tag] = self._children
            elif tag == "rows":
                record[tag] = [self._typed_row(row) for row in self._children]
            elif self._children or self._field:
                record[tag] = self._children or dict(self._field)
            else:
                text = "".join(self._text)
                if text.strip():
                    record[tag] = text

    def close(self) -> None:
        """lxml calls this at the end of the body."""


def parse_xml_records(
    raw: Body,
    root: str,
    element: str,
    types: Mapping[str, str],
    row_types: Mapping[str, str],
) -> Iterator[Record]:
    """Records of `<root><element .../>...</root>`, typed like the JSON mode's.

    Fields may come as attributes or as child elements with text; `datafields` and `rows`
    are lists even with one element. `element` is the doc's name for the records; the body's
    own name for them wins (see _RecordBuilder).
    """
    builder = _RecordBuilder(root, _Typer(converters(types)), _Typer(converters(row_types)))
    parser = etree.XMLParser(  # lxml's default resolve_entities="internal": none loaded
        target=builder,  # type: ignore[arg-type]  # lxml-stubs want comment(), bytes tags
        huge_tree=True,
    )
    try:
        while chunk := raw.read(READ_SIZE):
            parser.feed(chunk)
            if builder.records:
                yield from builder.records
                builder.records.clear()
        parser.close()
        yield from builder.records
        if builder.root is None:
            raise ResponseBodyError(f"expected XML root <{root}>, got <None>")
    except _BODY_ERRORS as exc:
        raise ResponseBodyError(f"{type(exc).__name__}: {exc}") from exc
