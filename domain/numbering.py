"""Sequential numbers per year for the archive office's forms (文书编号).

A bank's archive office numbers its forms in one series per kind and year — 借阅〔2026〕第0012号
— so a slip is found in the paper file by its number, a gap in the series shows, and a number is
never given twice. A :class:`NumberBook` is the series of one kind in one year: an aggregate
whose id is derived from the kind and the year, saved in the same ``save()`` as the form it
numbers. Two forms numbered at once both read the same last number; the second save then
conflicts on the book's version and is refused (another command changed it first), so no number
is ever given twice and none is skipped by a failed command.
"""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.values import NAMESPACE, LabelledEnum


class FormKind(LabelledEnum):
    """The kinds of numbered forms, each with the word its numbers start with."""

    BORROWING = ("borrowing", "借阅")
    DESTRUCTION = ("destruction", "销毁")
    TRANSFER = ("transfer", "移交")
    SUPERVISION = ("supervision", "贷后检查")
    RECTIFICATION = ("rectification", "整改")
    RISK_NOTICE = ("risk_notice", "风险提示")
    SUSPENSION = ("suspension", "停牌")
    FEEDBACK = ("feedback", "反馈")
    PAPER = ("paper", "贷后文书")


def number_text(series: FormKind, year: int, number: int) -> str:
    """``借阅〔2026〕第0012号``: the word of the series, the year in 〔〕, the number of four digits
    (more when a year holds more)."""
    return f"{series.zh}〔{year}〕第{number:04d}号"


class NumberBook(Aggregate):
    """The numbers of one series in one year, given in order from 1."""

    @staticmethod
    def create_id(series: FormKind | str, year: int) -> UUID:
        value = series.value if isinstance(series, FormKind) else series
        return uuid5(NAMESPACE, f"number-book:{value}:{year}")

    @classmethod
    def open(cls, series: FormKind, year: int) -> NumberBook:
        return cls(series=series.value, year=year)

    @event("Opened")
    def __init__(self, *, series: str, year: int) -> None:
        self.series = series
        self.year = year
        self.last = 0

    def take(self) -> str:
        """The next number of the series, as the form prints it."""
        self._taken(number=self.last + 1)
        return number_text(FormKind.parse(self.series, "series"), self.year, self.last)

    @event("Taken")
    def _taken(self, *, number: int) -> None:
        self.last = number
