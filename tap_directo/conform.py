"""Every field leaves the tap in its schema's type and in one order, whatever Directo sent.

Directo's JSON may send a document number as a number (`12345`), a code as a number, a price as
a string (`"12.50"`); XML can only send text, which the XML parser types by the schema. Both
formats must give the same records, byte for byte, so `Shape` brings each record to one form:
- JSON, declared `string`: a number becomes its text (`12345` -> "12345", Decimal digits kept);
  declared `number`/`integer`/`boolean`: a string is read as the XML parser reads it ("12.50"
  -> Decimal("12.50")); an empty string is a missing value, as an empty XML attribute is;
- fields outside the schema keep JSON's types; in XML mode their types come from the JSON
  answer to the same query, read once when such a field first appears (`extra_types`);
- fields in the schema's order, then the others by name: JSON keeps the server's order, XML
  gives attributes before child elements;
- a JSON null is a missing value (left out), as XML can only say.

Records of a stream share a handful of shapes (field names and value classes), so what to do
with each shape is worked out once and cached: a record already right costs two tuples and one
dict lookup, and is neither copied nor changed. (Even `None in record.values()` costs more: it
compares None with every Decimal.)
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from decimal import Decimal
from typing import Any

from tap_directo.parsing import to_boolean, to_number
from tap_directo.schemas import scalar_types

Record = dict[str, Any]

_NONE = type(None)  # a null stays null (a datafield's content, a tombstone's other fields)
_ACCEPTED: dict[str, frozenset[type]] = {
    "string": frozenset({str, _NONE}),
    "number": frozenset({int, Decimal, float, _NONE}),
    "integer": frozenset({int, _NONE}),
    "boolean": frozenset({bool, _NONE}),
}
_NESTED = frozenset({list, dict, _NONE})
_TEXT = _ACCEPTED["string"]
_CACHE_LIMIT = 4096


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
# (has nulls?, fields to convert, new order or None, fields outside the schema?)
Plan = tuple[bool, tuple[str, ...], tuple[str, ...] | None, bool]


class Shape:
    """Types and orders the fields of one object schema (`properties`)."""

    def __init__(
        self,
        properties: Mapping[str, Any],
        *,
        json: bool,
        on_unknown: Callable[[Record], None],
        extra_types: Callable[[], Mapping[str, str]] | None = None,
    ) -> None:
        kinds = scalar_types(properties)
        self._accepted = {n: _ACCEPTED[kinds[n]] if n in kinds else _NESTED for n in properties}
        self._convert = {n: _CONVERT[k] for n, k in kinds.items()}
        self._rank = {name: n for n, name in enumerate(properties)}
        self._json = json
        self._on_unknown = on_unknown
        self._extra_types = extra_types
        self._learned: Mapping[str, str] | None = None
        self._plans: dict[Hashable, Plan] = {}

    def _order(self, keys: tuple[str, ...]) -> tuple[str, ...] | None:
        rank, last = self._rank, len(self._rank)
        ordered = tuple(sorted(keys, key=lambda k: (rank.get(k, last), k)))
        return None if ordered == keys else ordered

    def _plan(self, keys: tuple[str, ...], record: Record) -> Plan:
        accepted = self._accepted
        unknown = any(k not in accepted for k in keys)
        if not self._json:  # XML: fields outside the schema (their text may be a number)
            wrong = tuple(k for k in keys if k not in accepted)
            return False, wrong, self._order(keys), unknown
        kinds = tuple(map(type, record.values()))  # JSON: declared fields of another type
        wrong = tuple(
            k for k, c in zip(keys, kinds, strict=True) if k in accepted and c not in accepted[k]
        )
        return _NONE in kinds, wrong, self._order(keys), unknown

    def _converter(self, name: str) -> Callable[[Any], Any] | None:
        if self._json:
            return self._convert.get(name)
        if self._learned is None:
            self._learned = self._extra_types() if self._extra_types else {}
        convert = _CONVERT.get(self._learned.get(name, "string"))
        return None if convert is as_text else convert

    def __call__(self, record: Record) -> Record:
        keys = tuple(record)
        # JSON: the names and the value types decide; XML gives text (or lists and objects of
        # it) for a field whatever it holds, so its names decide (conversions check for text).
        signature = (keys, tuple(map(type, record.values()))) if self._json else keys
        plan = self._plans.get(signature)
        if plan is None:
            plan = self._plan(keys, record)
            if len(self._plans) < _CACHE_LIMIT:
                self._plans[signature] = plan
        nulls, wrong, order, unknown = plan
        if nulls:  # JSON null = missing, as XML can only say (the doc allows both)
            return self({k: v for k, v in record.items() if v is not None})
        if unknown:
            self._on_unknown(record)
        if wrong:
            for name in wrong:
                value = record[name]
                if not self._json and value.__class__ is not str:
                    continue  # XML: only text is to be typed (a list of lines stays as it is)
                convert = self._converter(name)
                if convert is None:  # a declared array/object, or text that stays text
                    continue
                if value.__class__ is str and not value.strip():
                    del record[name]  # "" for a number: missing, as an empty XML attribute
                else:
                    record[name] = convert(value)
            if len(record) != len(keys):
                order = self._order(tuple(record))
        if order is not None:
            return {k: record[k] for k in order}
        return record


def text_datafields(entries: list[Any]) -> None:
    """JSON datafields' `code` and `content` as text, as XML carries them."""
    for entry in entries:
        if entry.__class__ is dict and (
            entry.get("code").__class__ is not str or entry.get("content").__class__ not in _TEXT
        ):
            for name in ("code", "content"):
                if name in entry:
                    entry[name] = as_text(entry[name])


def key_types(properties: Mapping[str, Any], keys: list[str]) -> Callable[[Record], None]:
    """Brings a deletion's key fields (JSON may send `12345` for a number) to their types."""
    kinds = scalar_types({k: properties.get(k, {"type": "string"}) for k in keys})
    convert = {k: _CONVERT[kinds.get(k, "string")] for k in keys}

    def typed(record: Record) -> None:
        for key, to_type in convert.items():
            if record.get(key) is not None:
                record[key] = to_type(record[key])

    return typed
