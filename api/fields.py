"""The types of what a request may carry: free text and bounded integers, defined once.

Every string a person types — in a command's body, a query or a path — is :data:`Line` (one
line) or :data:`Paragraphs` (may span lines), which refuse control characters with 422 naming
the field (the rule: :mod:`domain.text`). Every integer a request may send to a store — log
positions, paging, versions, counts — is bounded by :data:`MAX_INT`, which both stores hold.
A test walks the OpenAPI and fails on any request string or integer that is not one of these.
The markers and the bound are the commands' own (archive/fields.py), re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi.exceptions import RequestValidationError
from pydantic import Field, TypeAdapter, ValidationError

from archive.fields import MAX_INT as MAX_INT
from archive.fields import MULTILINE as MULTILINE
from archive.fields import ONE_LINE as ONE_LINE
from archive.fields import FreeText as FreeText

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
