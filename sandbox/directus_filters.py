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


def _comparable(value: Any) -> Any:
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, int | float):
        return Decimal(str(value))
    return value


def _compare(left: Any, right: Any, op: Callable[[Any, Any], bool]) -> bool:
    if left is None:
        return False
    left = _comparable(left)
    if isinstance(left, Decimal) != isinstance(right, Decimal):
        left, right = str(left), str(right)
    return op(left, right)


def matches(
    condition: Condition, column: Column, value: Any, related_ids: list[Any] | None = None
) -> bool:
    """Does one row value satisfy one condition (SQL semantics: NULL matches no comparison)."""
    op, raw = condition.operator, condition.value
    if op in RELATED_OPERATORS:
        ids = [str(i) for i in related_ids or []]
        if op == "all":
            return all(v in ids for v in raw.split(","))
        wanted = int(raw) if raw.strip().isdigit() else 1
        return len(ids) >= wanted if op == "has" else len(ids) < wanted
    if op == "null":
        return value is None
    if op == "nnull":
        return value is not None
    if op == "empty":
        return value is None or value == ""
    if op == "nempty":
        return value is not None and value != ""
    if op in {"contains", "ncontains"}:
        if value is None:
            return False
        found = raw.strip("%").lower() in str(value).lower()
        return found if op == "contains" else not found
    if op in {"in", "nin", "between", "nbetween"}:
        items = [_typed(column, v) for v in raw.split(",")]
        if op in {"in", "nin"}:
            hit = any(_compare(value, item, lambda a, b: a == b) for item in items)
            return value is not None and (hit if op == "in" else not hit)
        if len(items) != 2:
            raise FilterError(f"`{op}` needs two values separated by a comma")
        low, high = items
        inside = _compare(value, low, lambda a, b: a >= b) and _compare(
            value, high, lambda a, b: a <= b
        )
        return value is not None and (inside if op == "between" else not inside)
    target = _typed(column, raw)
    compare = {
        "eq": lambda a, b: a == b,
        "neq": lambda a, b: a != b,
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
    }[op]
    return _compare(value, target, compare)


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
