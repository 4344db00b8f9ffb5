"""The types of what a request may carry: free text and bounded integers, defined once.

Every string a person types — in a command's body, a query or a path — is :data:`Line` (one
line) or :data:`Paragraphs` (may span lines), which refuse control characters with 422 naming
the field (the rule: :mod:`domain.text`). Every integer a request may send to a store — log
positions, paging, versions, counts — is bounded by :data:`MAX_INT`, which both stores hold.
A test walks the OpenAPI and fails on any request string or integer that is not one of these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi.exceptions import RequestValidationError
from pydantic import Field, GetCoreSchemaHandler, GetJsonSchemaHandler, TypeAdapter, ValidationError
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from domain.text import LINE_PATTERN, TEXT_PATTERN, describe, forbidden_character

MAX_INT = 2**53 - 1
"""The largest integer a request may carry (log positions, paging, versions, counts): the
largest every JSON reader keeps exactly, and well inside the 64-bit integers of SQLite and
PostgreSQL — past those a query fails inside the store instead of being refused at the door."""


@dataclass(frozen=True)
class FreeText:
    """A string without control characters (``multiline`` allows tab, LF and CR).

    Validated after the string's own constraints; the OpenAPI shows the rule as a ``pattern``
    (unless the field has a stricter pattern of its own)."""

    multiline: bool = False

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        target = handler.resolve_ref_schema(json_schema)
        if target.get("type") == "string":
            target.setdefault("pattern", TEXT_PATTERN if self.multiline else LINE_PATTERN)
        return json_schema

    def check(self, value: str) -> str:
        found = forbidden_character(value, multiline=self.multiline)
        if found is None:
            return value
        index, character = found
        allowed = "tab, line feed and carriage return only" if self.multiline else "none"
        raise PydanticCustomError(
            "control_character",
            "含有控制字符 {character}（第 {position} 个字符）/ contains the control character "
            "{character} at position {position} (control characters allowed here: {allowed})",
            {"character": describe(character), "position": index + 1, "allowed": allowed},
        )


ONE_LINE = FreeText()
"""Marks a string as one line of free text: no control character at all. Put it last in the
``Annotated`` (after the ``Field`` with lengths), so the length errors read as for any string."""
MULTILINE = FreeText(multiline=True)
"""Marks a string as free text that may span lines: tab, line feed and carriage return, no
other control character."""

Line = Annotated[str, ONE_LINE]
Paragraphs = Annotated[str, MULTILINE]

_LINE: TypeAdapter[str] = TypeAdapter(Line)


def refuse_controls(location: str, values: Mapping[str, str]) -> None:
    """Hold values the route does not declare (a register's filters) to the :data:`Line` rule:
    422 naming each that breaks it, as for a declared field."""
    problems = []
    for name, value in values.items():
        try:
            _LINE.validate_python(value)
        except ValidationError as exc:
            problems += [{**e, "loc": (location, name, *e["loc"])} for e in exc.errors()]
    if problems:
        raise RequestValidationError(problems)


Count = Annotated[int, Field(ge=0, le=MAX_INT)]
"""A non-negative integer a store can hold: a position, an offset, a count."""
