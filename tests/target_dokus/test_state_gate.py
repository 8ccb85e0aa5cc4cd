"""The state gate: states out in input order, each once every record before it is done."""

from __future__ import annotations

from typing import Any

from target_dokus.state_gate import StateGate


def gate() -> tuple[StateGate, list[dict[str, Any]]]:
    emitted: list[dict[str, Any]] = []
    return StateGate(emitted.append), emitted


def test_a_state_before_any_record_goes_out_at_once() -> None:
    states, emitted = gate()
    states.state_read({"b": 0})
    assert emitted == [{"b": 0}]


def test_records_finishing_out_of_order_release_states_in_order() -> None:
    states, emitted = gate()
    one, two = states.record_read(), states.record_read()
    states.state_read({"b": 2})
    three = states.record_read()
    states.state_read({"b": 3})
    states.record_done(three)
    states.record_done(two)
    assert emitted == []  # record one is still in flight
    states.record_done(one)
    assert emitted == [{"b": 2}, {"b": 3}]


def test_a_record_that_never_finishes_holds_back_every_later_state() -> None:
    states, emitted = gate()
    first = states.record_read()
    states.state_read({"b": 1})
    states.record_read()  # fails: never done
    states.state_read({"b": 2})
    third = states.record_read()
    states.state_read({"b": 3})
    states.record_done(third)
    states.record_done(first)
    assert emitted == [{"b": 1}]
    assert states.last_emitted == {"b": 1}


def test_a_repeated_state_goes_out_once() -> None:
    states, emitted = gate()
    states.state_read({"b": 1})
    states.state_read({"b": 1})
    assert emitted == [{"b": 1}]
