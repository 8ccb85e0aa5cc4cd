"""The line hand-off on its own: batches by size, one sync per wanted line stream, nothing kept."""

from __future__ import annotations

from typing import Any

from tap_directo.lines import LineHandoff


class LineStream:
    """Stands in for a line stream: records what it read from the hand-off at each sync."""

    def __init__(self, lines: LineHandoff, selected: bool = True) -> None:
        self.lines = lines
        self.selected = selected
        self.has_selected_descendents = False
        self.read: list[tuple[dict[str, Any], list[Any]]] = []
        self.contexts: list[dict[str, Any]] = []

    def sync(self, context: dict[str, Any]) -> None:
        self.contexts.append(dict(context))
        self.read.extend(self.lines.take(context))


def test_full_batches_then_the_rest_reach_the_line_stream_in_document_order() -> None:
    lines = LineHandoff(size=2)
    stream = LineStream(lines)
    documents = [({"number": n}, [{"row_no": 1, "row_item": f"I{n}"}]) for n in range(5)]
    for key, rows in documents:
        if lines.add(key, rows):
            lines.hand_over([stream])
    lines.hand_over([stream])  # the end of the parent's sync: the last, partial batch
    assert stream.read == documents
    assert stream.contexts == [{"row_batch": 1}, {"row_batch": 2}, {"row_batch": 3}]
    assert lines.buffer == []
    assert lines.parked == {}


def test_an_unselected_line_stream_is_not_synced_and_nothing_is_held() -> None:
    lines = LineHandoff(size=1)
    stream = LineStream(lines, selected=False)
    assert lines.add({"number": 1}, [{"row_no": 1}])
    lines.hand_over([stream])
    assert stream.contexts == []
    assert lines.buffer == []
    assert lines.parked == {}


def test_nothing_collected_syncs_nothing() -> None:
    lines = LineHandoff()
    stream = LineStream(lines)
    lines.hand_over([stream])
    assert stream.contexts == []
