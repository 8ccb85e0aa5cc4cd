"""Every field leaves the tap in its schema's type, whatever JSON type Directo used.

Directo's JSON may send a document number as a number (`12345`), a code as a number, a price as
a string (`"12.50"`); XML can only send text, which the XML parser types by the schema. Both
formats must give the same records, so JSON values are brought to the same form:
- declared `string`: a number becomes its text (`12345` -> `"12345"`, Decimal digits kept);
- declared `number`/`integer`/`boolean`: a string is read the way the XML parser reads it
  (`"12.50"` -> Decimal("12.50")); an empty string is a missing value, as in XML;
- fields outside the schema keep JSON's types; in XML mode `ExtraFieldTypes` reads their
  types from the JSON answer to the same query, so XML gives the same values.

The check is one class lookup per field; records already right (the usual case) are not copied.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from tap_directo.parsing import to_boolean, to_number
from tap_directo.schemas import line_properties, scalar_types

Record = dict[str, Any]

_NONE = type(None)  # a null stays null (a nullable property, a tombstone's other fields)
_ACCEPTED: dict[str, frozenset[type]] = {
    "string": frozenset({str, _NONE}),
    "number": frozenset({int, Decimal, float, _NONE}),
    "integer": frozenset({int, _NONE}),
    "boolean": frozenset({bool, _NONE}),
}
_NESTED = frozenset({list, dict, _NONE})
_ANY = frozenset({str, int, Decimal, float, bool, list, dict, _NONE})  # outside the schema


def as_text(value: Any) -> Any:
    """A number as the text XML would carry (`12345` -> "12345"); other values unchanged."""
    kind = value.__class__
    if kind is bool:
        return "1" if value else "0"
    if kind in (int, Decimal, float):
        return str(value)
    return value


def _to_number(value: Any) -> Any:
    return to_number(value) if isinstance(value, str) else value


def _to_boolean(value: Any) -> Any:
    if isinstance(value, str):
        return to_boolean(value)
    return bool(value) if isinstance(value, int | Decimal) else value


_CONVERT: dict[str, Callable[[Any], Any]] = {
    "string": as_text,
    "number": _to_number,
    "integer": _to_number,
    "boolean": _to_boolean,
}


class FieldTypes:
    """Brings the scalar fields of one object schema (`properties`) to their declared types."""

    def __init__(self, properties: Mapping[str, Any]) -> None:
        kinds = scalar_types(properties)
        self.accepted: dict[str, frozenset[type]] = {n: _ACCEPTED[k] for n, k in kinds.items()}
        self.convert = {n: _CONVERT[k] for n, k in kinds.items()}
        for name in properties.keys() - kinds.keys():  # arrays and objects: checked elsewhere
            self.accepted[name] = _NESTED

    def __call__(self, record: Record) -> Record:
        accepted = self.accepted
        wrong = [
            name
            for name, value in record.items()
            if value.__class__ not in accepted.get(name, _ANY)
        ]
        for name in wrong:
            value = record[name]
            convert = self.convert.get(name)
            if convert is None:  # a declared array/object: left as Directo sent it
                continue
            if value.__class__ is str and not value.strip():
                del record[name]  # "" for a number: missing, as an empty XML attribute
                continue
            record[name] = convert(value)
        return record


class RecordTypes:
    """A resource record's fields, its lines (`rows`) and its `datafields` in their types."""

    def __init__(self, properties: Mapping[str, Any]) -> None:
        self.fields = FieldTypes(properties)
        self.lines = FieldTypes(line_properties(properties))
        self.datafields = FieldTypes({"code": {"type": "string"}, "content": {"type": "string"}})

    def __call__(self, record: Record) -> Record:
        self.fields(record)
        lines = record.get("rows")
        if lines.__class__ is list:
            for line in lines:
                if line.__class__ is dict:
                    self.lines(line)
        data = record.get("datafields")
        if data.__class__ is list:
            for entry in data:
                if entry.__class__ is dict:
                    self.datafields(entry)
        return record


class ExtraFieldTypes:
    """XML mode: fields outside the schema typed as Directo's JSON types them.

    XML says `total_with_vat="12.50"` where JSON says `12.50`. The first time a record or line
    carries such a field, `sample()` reads the JSON answer to the same query once and notes each
    extra field's JSON type (tap_directo.inference); numbers and booleans are then converted.
    Fields JSON did not show stay text.
    """

    def __init__(
        self,
        known: Mapping[str, Any],
        known_in_lines: Mapping[str, Any],
        sample: Callable[[], tuple[Mapping[str, str], Mapping[str, str]] | None],
    ) -> None:
        self.known = frozenset(known)
        self.known_in_lines = frozenset(known_in_lines)
        self._sample = sample
        self._types: Mapping[str, str] | None = None
        self._line_types: Mapping[str, str] = {}

    def _convert(self, record: Record, extra: set[str], types: Mapping[str, str]) -> None:
        for name in extra:
            convert = _CONVERT.get(types.get(name, "string"))
            value = record[name]
            if convert is not None and convert is not as_text and value.__class__ is str:
                if value.strip():
                    record[name] = convert(value)
                else:
                    del record[name]

    def _load(self) -> None:
        if self._types is None:
            found = self._sample()
            self._types, self._line_types = found if found is not None else ({}, {})

    def __call__(self, record: Record) -> Record:
        extra = record.keys() - self.known
        if extra:
            self._load()
            assert self._types is not None
            self._convert(record, extra, self._types)
        lines = record.get("rows")
        if lines.__class__ is list:
            for line in lines:
                if line.__class__ is dict:
                    extra = line.keys() - self.known_in_lines
                    if extra:
                        self._load()
                        self._convert(line, extra, self._line_types)
        return record


class FieldOrder:
    """Fields in one order whatever order Directo sent them in: the schema's, then the fields
    outside it by name. JSON keeps the server's order, XML gives attributes before child
    elements, so without this the same record would be written as different bytes.

    Records of a stream mostly share a handful of key sequences, so each sequence's verdict is
    cached and a record already in order is returned untouched.
    """

    _CACHE_LIMIT = 4096

    def __init__(self, properties: Mapping[str, Any]) -> None:
        self._rank = {name: n for n, name in enumerate(properties)}
        self._seen: dict[tuple[str, ...], tuple[str, ...] | None] = {}

    def _canonical(self, keys: tuple[str, ...]) -> tuple[str, ...] | None:
        rank, last = self._rank, len(self._rank)
        ordered = tuple(sorted(keys, key=lambda k: (rank.get(k, last), k)))
        return None if ordered == keys else ordered

    def __call__(self, record: Record) -> Record:
        keys = tuple(record)
        try:
            order = self._seen[keys]
        except KeyError:
            order = self._canonical(keys)
            if len(self._seen) < self._CACHE_LIMIT:
                self._seen[keys] = order
        if order is None:
            return record
        return {k: record[k] for k in order}
