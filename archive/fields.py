"""The types of what a command may carry: free text, bounded integers and amounts, defined once.

Every string a person types into a command is one line (:data:`ONE_LINE`: names, numbers,
references) or may span lines (:data:`MULTILINE`: findings, reasons, measures); both refuse
control characters, naming the field (the rule: :mod:`domain.text`). Every integer a request may
send to a store is bounded by :data:`MAX_INT`, which both stores hold. The commands
(archive/commands/) and the API's other request models (api/schemas.py) use these; the API's
own types of queries and headers build on them (api/fields.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, GetCoreSchemaHandler, GetJsonSchemaHandler, WithJsonSchema
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

Text = Annotated[str, Field(min_length=1, max_length=4000), MULTILINE]
"""A judgement in words (findings, reasons, measures): may span lines."""
Short = Annotated[str, Field(min_length=1, max_length=200), ONE_LINE]
"""A name, number or reference: one line."""
Sentence = Annotated[str, Field(min_length=1, max_length=500), ONE_LINE]
"""A purpose, a title or a description in one line."""
Code = Annotated[str, Field(min_length=1, max_length=64), ONE_LINE]
"""A code, rating, rate or certificate number."""
Rate = Annotated[str, Field(min_length=1, max_length=32), ONE_LINE]
"""An interest rate as the contract writes it ("3.45%")."""
Number = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$"), ONE_LINE]
"""An identifier chosen by the bank: a loan number (借据号), a collateral number (押品编号)."""
StaffNumber = Annotated[
    str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9._-]+$"), ONE_LINE
]
"""A staff number (工号)."""
Password = Annotated[str, Field(min_length=1, max_length=128), ONE_LINE]
"""A password as typed, on its way to being hashed (its strength: domain.staff.check_password)."""
Version = Annotated[int, Field(ge=1, le=MAX_INT)]
"""A version of a record, as a caller last saw it."""
DaysOverdue = Annotated[int, Field(ge=0, le=36500)]
"""How many days a loan is overdue (逾期天数)."""

MONEY_PATTERN = r"^[0-9]{1,16}(\.[0-9]{1,2})?$"
"""An amount in 元 as a string: at most 16 digits before the point, two after."""


def _money(minimum: dict[str, int]) -> WithJsonSchema:
    """The OpenAPI of an amount: a number, or a string of digits (the form to prefer)."""
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", **minimum},
                {"type": "string", "pattern": MONEY_PATTERN},
            ],
            "description": '元, at most two decimals, e.g. "1000000.00"',
        }
    )


Money = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2), _money({"minimum": 0})]
"""An amount in 元, zero or more: sent as a number or (better) a string of digits."""
PositiveMoney = Annotated[
    Decimal, Field(gt=0, max_digits=18, decimal_places=2), _money({"exclusiveMinimum": 0})
]
"""An amount in 元 above zero: a principal, a collateral's value."""
