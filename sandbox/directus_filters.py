"""Directus 1.1 `filters[column][operator]=value` query parsing and row matching.

Every operator the docs list (the API page and the markdown docs differ slightly; both sets are
accepted). `filters[col][logical]=or` ORs the column's next condition. The docs' example
(`filters[country][eq]=us&filters[state][in]=ny,nm&filters[state][logical]=or
&filters[state][in]=or,la`, "New York and New Mexico OR Oregon and Louisiana, United States")
reads as `country AND (state OR state)`; Directus' query builder would produce SQL precedence
`country AND state OR state`. Both readings are available (`or_grouping` "column" or "sql").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.directus_schema import NUMERIC_TYPES, Column

FILTER_KEY = re.compile(r"^filters\[([^\]]+)\](?:\[([^\]]*)\])?$")
ALIASES = {
    "=": "eq",
    "<>": "neq",
    "!=": "neq",
    "<": "lt",
    "<=": "lte",
    ">": "gt",
    ">=": "gte",
    "like": "contains",
    "nlike": "ncontains",
}
OPERATORS = {
    "eq", "neq", "lt", "lte", "gt", "gte", "in", "nin", "null", "nnull", "contains",
    "ncontains", "between", "nbetween", "empty", "nempty", "has", "nhas", "all",
}  # fmt: skip
RELATED_OPERATORS = {"has", "nhas", "all"}


class FilterError(ValueError):
    """A filter the server cannot run (unknown column or operator)."""


@dataclass
class Condition:
    column: str
    operator: str
    value: str
    join: str = "and"  # how this condition joins the previous one


def parse_filters(query: list[tuple[str, str]]) -> list[Condition]:
    """The `filters[...]` conditions of a query, in order, with their and/or joins."""
    conditions: list[Condition] = []
    pending_or: set[str] = set()
    for key, value in query:
        match = FILTER_KEY.match(key)
        if not match:
            continue
        column, operator = match.group(1), (match.group(2) or "eq")
        operator = ALIASES.get(operator.lower(), operator.lower())
        if operator == "logical":
            if value.lower() == "or":
                pending_or.add(column)
            continue
        if operator not in OPERATORS:
            raise FilterError(f"Unknown filter operator `{operator}`")
        join = "or" if column in pending_or else "and"
        pending_or.discard(column)
        conditions.append(Condition(column, operator, value, join))
    return conditions


def _typed(column: Column, raw: str) -> Any:
    if column.type in NUMERIC_TYPES or column.relationship_type == "MANYTOONE":
        try:
            return Decimal(raw)
        except InvalidOperation:
            return raw
    if column.type in {"DATETIME", "TIMESTAMP"}:
        return raw.replace("T", " ")[:19]
    return raw


Matcher = Callable[[Any, "list[Any] | None"], bool]
COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "neq": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
}


def _compare(left: Any, right: Any, op: Callable[[Any, Any], bool]) -> bool:
    """SQL-like: NULL matches nothing; numbers compare as numbers, anything else as text."""
    if left is None:
        return False
    numeric_left = isinstance(left, int | float | Decimal)
    if numeric_left != isinstance(right, Decimal):
        return op(str(left), str(right))
    return op(left, right)


def compile_condition(condition: Condition, column: Column) -> Matcher:
    """A test of one row value (and its related ids, for has/nhas/all), built once per query."""
    op, raw = condition.operator, condition.value
    if op == "all":
        wanted_ids = raw.split(",")
        return lambda _v, rel: all(w in [str(i) for i in rel or []] for w in wanted_ids)
    if op in ("has", "nhas"):
        count = int(raw) if raw.strip().isdigit() else 1
        if op == "has":
            return lambda _v, rel: len(rel or []) >= count
        return lambda _v, rel: len(rel or []) < count
    if op == "null":
        return lambda v, _r: v is None
    if op == "nnull":
        return lambda v, _r: v is not None
    if op == "empty":
        return lambda v, _r: v is None or v == ""
    if op == "nempty":
        return lambda v, _r: v is not None and v != ""
    if op in ("contains", "ncontains"):
        needle = raw.strip("%").lower()
        want = op == "contains"
        return lambda v, _r: v is not None and (needle in str(v).lower()) == want
    items = [_typed(column, v) for v in raw.split(",")]
    if op in ("in", "nin"):
        want = op == "in"
        return lambda v, _r: (
            v is not None and any(_compare(v, item, COMPARE["eq"]) for item in items) == want
        )
    if op in ("between", "nbetween"):
        if len(items) != 2:
            raise FilterError(f"`{op}` needs two values separated by a comma")
        low, high = items
        want = op == "between"

        def between(v: Any, _r: Any) -> bool:
            if v is None:
                return False
            inside = _compare(v, low, COMPARE["gte"]) and _compare(v, high, COMPARE["lte"])
            return inside == want

        return between
    target, compare = _typed(column, raw), COMPARE[op]
    return lambda v, _r: _compare(v, target, compare)


def evaluate(
    conditions: list[Condition], test: Callable[[Condition], bool], or_grouping: str = "column"
) -> bool:
    """Combine condition results: per column then AND ("column"), or SQL precedence ("sql")."""
    if not conditions:
        return True
    if or_grouping == "sql":
        groups: list[list[Condition]] = [[]]
        for cond in conditions:
            if cond.join == "or" and groups[-1]:
                groups.append([])
            groups[-1].append(cond)
        return any(all(test(c) for c in group) for group in groups)
    by_column: dict[str, bool] = {}
    for cond in conditions:
        result = test(cond)
        if cond.column not in by_column:
            by_column[cond.column] = result
        elif cond.join == "or":
            by_column[cond.column] = by_column[cond.column] or result
        else:
            by_column[cond.column] = by_column[cond.column] and result
    return all(by_column.values())
