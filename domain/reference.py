"""Reference codes (档号, DA/T 22) and the counter that numbers their items.

A reference code reads ``fonds-category·year-retention-department-item``, e.g.
``J001-XD·2026-D30-XDB-0001``. Every combination of the first five parts is a series; the
item number (件号) is the next number of that series, handed out by a :class:`ReferenceSeries`
saved together with the dossier it numbers, so two catalogues racing for the same number meet
in an optimistic-concurrency conflict instead of both getting it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Self
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidInputError, ReferenceSeriesFullError
from domain.values import RetentionClass, reference_series_id_for

MAX_ITEM_NO = 9999
"""The item number has four digits."""

CODE_PART = re.compile(r"^[A-Z0-9]{1,16}$")
"""A part of a reference code named by the rules (fonds, category, department)."""


@dataclass(frozen=True)
class Series:
    """The parts of a reference code that come before the item number."""

    fonds: str
    category: str
    year: int
    retention: RetentionClass
    department: str

    def __post_init__(self) -> None:
        for name in ("fonds", "category", "department"):
            value = getattr(self, name)
            if not CODE_PART.match(value):
                raise InvalidInputError(
                    f"档号的{name}代码 {value!r} 须为 1–16 位大写字母或数字",
                    f"the {name} code {value!r} of a reference code must be 1-16 capitals or digits",
                    field=name,
                )
        if not 1900 <= self.year <= 9999:
            raise InvalidInputError(
                f"档号年度 {self.year} 无效", f"invalid reference year {self.year}", field="year"
            )

    @property
    def key(self) -> str:
        return f"{self.fonds}/{self.category}/{self.year}/{self.retention.value}/{self.department}"

    def code(self, item_no: int) -> str:
        """The full reference code of item ``item_no`` of this series."""
        return (
            f"{self.fonds}-{self.category}·{self.year}-{self.retention.value}-"
            f"{self.department}-{item_no:04d}"
        )


class ReferenceSeries(Aggregate):
    """The item-number counter of one reference-code series (档号件号计数)."""

    @staticmethod
    def create_id(series: str) -> UUID:
        return reference_series_id_for(series)

    @classmethod
    def start(cls, series: Series) -> Self:
        return cls(series=series.key)

    @event("Started")
    def __init__(self, *, series: str) -> None:
        self.series = series
        self.last_item_no = 0

    def allocate(self, *, dossier_id: UUID) -> int:
        """Hand the next item number of the series to ``dossier_id``."""
        if self.last_item_no >= MAX_ITEM_NO:
            raise ReferenceSeriesFullError(
                f"档号序列 {self.series} 的件号已用尽",
                f"the reference series {self.series} has no item number left",
            )
        self._allocated(item_no=self.last_item_no + 1, dossier_id=dossier_id)
        return self.last_item_no

    @event("ItemNumberAllocated")
    def _allocated(self, *, item_no: int, dossier_id: UUID) -> None:
        self.last_item_no = item_no
