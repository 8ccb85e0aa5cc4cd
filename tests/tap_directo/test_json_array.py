"""JSON array bodies read item by item (json_array.py): the same items as decoding the whole
body, whatever pieces it arrives in, and a clear error for every way it can be broken."""

from __future__ import annotations

import io
import json
import random
from decimal import Decimal

import pytest

from sandbox.directo import DirectoEmulator
from sandbox.directo_render import render_json
from tap_directo.json_array import READ_SIZE, InvalidJsonArray, json_array_items


class Trickle:
    """A body that arrives in pieces of 1..most bytes (multi-byte characters split too)."""

    def __init__(self, body: bytes, most: int, seed: int = 1) -> None:
        self.body, self.at, self.most = body, 0, most
        self.random = random.Random(seed)

    def read(self, size: int, /) -> bytes:
        n = min(size, self.random.randint(1, self.most))
        piece = self.body[self.at : self.at + n]
        self.at += len(piece)
        return piece


def whole(body: bytes) -> list:
    return json.loads(body, parse_float=Decimal)


def sandbox_body(resource: str, size: int) -> bytes:
    """The sandbox's records of `resource` as Directo's JSON body renders them."""
    store = DirectoEmulator(size=size, rate_limit_per_minute=0).store
    return b"".join(render_json(store.records(resource), serve_ts=True))


@pytest.fixture(scope="module")
def items_body() -> bytes:
    return sandbox_body("items", 400)


def test_a_sandbox_body_gives_every_item_exactly(items_body: bytes) -> None:
    got = list(json_array_items(io.BytesIO(items_body)))
    expected = whole(items_body)
    assert len(items_body) > 2 * READ_SIZE  # several reads
    assert got == expected
    assert [list(item) for item in got] == [list(item) for item in expected]  # key order
    assert any(isinstance(v, Decimal) for item in got for v in item.values())


@pytest.mark.parametrize("most", [1, 2, 7, 300])
def test_any_split_of_the_body_gives_the_same_items(most: int) -> None:
    body = sandbox_body("orders", 20)  # lines and datafields: items nested three deep
    assert list(json_array_items(Trickle(body, most))) == whole(body)


def test_spaces_bom_and_scalars() -> None:
    body = '\ufeff [\n  {"a": 1.50, "b": [1, {"c": "Õ"}]} ,\n 2 ,"x",1e5, true, null ]\n'.encode()
    assert list(json_array_items(Trickle(body, 1))) == [
        {"a": Decimal("1.50"), "b": [1, {"c": "Õ"}]},
        2,
        "x",
        Decimal("1E+5"),
        True,
        None,
    ]
    assert list(json_array_items(io.BytesIO(b" [ ] "))) == []


def test_a_number_split_at_a_read_is_read_whole() -> None:
    assert list(json_array_items(Trickle(b"[12.5e3,-7]", 1))) == [Decimal("12.5e3"), -7]


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"", "expected a JSON array, got the end of the body"),
        (b'{"error": "x"}', "expected a JSON array"),
        (b"<html>", "expected a JSON array"),
        (b"[1 2]", "expected ',' or ']' after an item, got '2"),
        (b"[1,]", "Expecting value (character 3)"),
        (b"[{}] x", "content after the array's end: 'x'"),
        (b"[NaN]", "NaN is not JSON"),
        (b"[Infinity]", "Infinity is not JSON"),
        (b'[{"a":1}', "expected ',' or ']' after an item, got the end of the body"),
        (b'[{"a":1},', "the body ended inside the array"),
        (b'[{"a": "cut', "Unterminated string"),
        (b'[{"a" 1}]', "Expecting ':' delimiter"),
        (b'["\xff"]', "the body is not UTF-8"),
        (b"[" + b"9" * 5000 + b"]", "digits"),
    ],
)
def test_a_broken_body_is_one_clear_error(body: bytes, said: str) -> None:
    for source in (io.BytesIO(body), Trickle(body, 3)):
        with pytest.raises(InvalidJsonArray) as raised:
            list(json_array_items(source))
        assert said in str(raised.value)


def test_a_malformed_item_mid_body_fails_without_reading_the_rest() -> None:
    class Counting(io.BytesIO):
        reads = 0

        def read(self, size: int = -1, /) -> bytes:
            Counting.reads += 1
            return super().read(size)

    body = b'[{"a":1},{"a" 2},' + b'{"a":3},' * 200_000 + b'{"a":3}]'
    with pytest.raises(InvalidJsonArray, match="Expecting ':' delimiter"):
        list(json_array_items(Counting(body)))
    assert Counting.reads == 1
