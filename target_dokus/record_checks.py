"""Check each record against its stream's schema, and keep (not raise) what is wrong.

singer-sdk raises InvalidRecord for the first record that violates its schema (after logging
a traceback), which ends the whole run. target-dokus instead dead-letters such a record like
any record Dokus refuses and goes on (unless `on_error: fail`). The checker runs where
singer-sdk validates (`Sink._validator`), remembers the violation and the record as it came,
and the sink deals with it in `process_record`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match
from singer_sdk.exceptions import InvalidJSONSchema
from singer_sdk.sinks.core import BaseJSONSchemaValidator
from singer_sdk.typing import DEFAULT_JSONSCHEMA_VALIDATOR


@dataclass(frozen=True)
class SchemaViolation:
    """What is wrong with one record: the field and the rule, and the record as it came."""

    field: str
    problem: str
    record: dict[str, Any]

    def describe(self, stream: str, line: int) -> str:
        return (
            f"record of stream {stream!r} at input line {line} violates its schema: field "
            f"{self.field!r} {self.problem}"
        )


def _problem(error: jsonschema.ValidationError) -> str:
    """The rule broken, without the value itself (it may be personal data)."""
    message = error.message
    shown = repr(error.instance)
    if message.startswith(shown):
        return "value" + message[len(shown) :]
    return message[:200]


class RecordChecker(BaseJSONSchemaValidator):
    """A validator that never raises: `violation` is set for a bad record, else None."""

    def __init__(self, schema: dict[str, Any]) -> None:
        super().__init__(schema)
        try:
            DEFAULT_JSONSCHEMA_VALIDATOR.check_schema(schema)
        except jsonschema.SchemaError as exc:
            raise InvalidJSONSchema(
                f"the SCHEMA is not a valid JSON schema ({exc.message})."
            ) from None
        self._validator = DEFAULT_JSONSCHEMA_VALIDATOR(
            schema, format_checker=jsonschema.FormatChecker(formats=())
        )
        self.violation: SchemaViolation | None = None

    def validate(self, record: dict[str, Any]) -> None:
        error = best_match(self._validator.iter_errors(record))
        if error is None:
            self.violation = None
            return
        path = [str(p) for p in error.absolute_path]
        if error.validator == "required" and isinstance(error.validator_value, list):
            missing = [f for f in error.validator_value if f not in (error.instance or {})]
            path.append(missing[0] if missing else "?")
            problem = "is required but missing"
        else:
            problem = _problem(error)
        self.violation = SchemaViolation(".".join(path) or "(record)", problem, dict(record))

    def flag_unparsable(self, field: str, problem: str, record: dict[str, Any]) -> None:
        """A date-time singer-sdk could not parse (schema formats are not checked)."""
        self.violation = SchemaViolation(field, problem, record)
