"""The XML parser builds records from parse events (parsing.py): escaped text arrives as text,
records are the root's children only, and an external entity is never read."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest

from tap_directo.parsing import READ_SIZE, ResponseBodyError, parse_xml_records


def records(body: bytes) -> list[dict]:
    return list(parse_xml_records(io.BytesIO(body), "items", "item", {"price": "number"}, {}))


def test_escapes_in_attributes_and_text_are_their_characters() -> None:
    body = (
        '<items><item code="A&amp;B" name="&lt;&#245;un&gt; &quot;x&quot;" price="1.50">'
        "<note>tea &amp; cake</note></item></items>"
    )
    assert records(body.encode()) == [
        {"code": "A&B", "name": '<õun> "x"', "price": Decimal("1.50"), "note": "tea & cake"}
    ]


def test_records_split_across_reads_and_only_the_roots_children() -> None:
    item = '<item code="{n}"><datafields><data code="C" content="{n}"/></datafields></item>'
    many = "".join(item.format(n=n) for n in range(READ_SIZE // 20))  # several reads
    body = f"<items>{many}<meta><item code='nested'/></meta></items>".encode()
    got = records(body)
    assert len(body) > 2 * READ_SIZE
    assert [r["code"] for r in got] == [str(n) for n in range(READ_SIZE // 20)]
    assert got[7] == {"code": "7", "datafields": [{"code": "C", "content": "7"}]}


def test_an_external_entity_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET")
    body = (
        f'<!DOCTYPE items [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
        '<items><item code="1"><note>&x;</note></item></items>'
    )
    try:
        got = records(body.encode())
    except ResponseBodyError:
        return
    assert "SECRET" not in repr(got)


def test_a_body_cut_short_is_an_error_after_the_records_before_it() -> None:
    parsed = parse_xml_records(
        io.BytesIO(b'<items><item code="1"/><item code='), "items", "item", {}, {}
    )
    assert next(parsed) == {"code": "1"}
    with pytest.raises(ResponseBodyError, match="XMLSyntaxError"):
        next(parsed)
