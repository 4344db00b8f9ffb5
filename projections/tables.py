"""Register tables (台账表) with their history, so every register answers "as of".

A register declares its tables as :class:`TableSpec` objects: plain SQLAlchemy columns, with
their Chinese and English headers in ``Column.info``. Two shapes:

* a *versioned* table has a key; a row has two histories. In recording time (记录时点) each
  version carries the log range and the time range during which the archive held it
  (``_from``/``_to`` positions, ``_from_at``/``_to_at`` record times; ``_to`` is NULL while it
  is held). In business time (业务日期) it carries the days it describes: from ``_on`` until
  ``_until`` (exclusive; NULL: no end known), an end the archive learnt at ``_until_pos`` /
  ``_until_at``. The versions held at one moment are the row's timeline, at most one a day;
* a *log* table only ever gains rows, each stamped with the position and time of its event
  and its business date (``_on``).

A row *on* day D as known at position P is the version held at P whose days include D, where
an end learnt after P does not count (:func:`projections.query.visible`).

Physical tables are named per generation (``r_<register>_<table>_<generation>``): a rebuild
fills a new generation beside the live one and swaps when it has caught up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from domain.values import Grade, LoanStatus, Product

FROM, TO, FROM_AT, TO_AT = "_from", "_to", "_from_at", "_to_at"
ON, UNTIL, UNTIL_POS, UNTIL_AT = "_on", "_until", "_until_pos", "_until_at"
ALWAYS = date.min
"""The first day of every version of an undated table (``TableSpec(dated=False)``)."""
PERSON, PEOPLE, RECORD = "person", "people", "record"
"""What an id column names, for those who read it (``col(shows=…)``): a member of staff; several,
comma-separated; or any record, a member of staff among them. People read 姓名（工号）, never the id."""
POS, AT, SEQ = "_pos", "_at", "_n"
SUB_GRADE_COLUMNS = frozenset({"sub_grade"})
"""Columns holding a sub-grade (细分档次): codes of the bank's rules in force, not an enum."""


def sub_grade_labels(scheme: Mapping[str, tuple[Any, str]]) -> dict[str, dict[str, str]]:
    """For each sub-grade column, each code of ``scheme`` (the rules in force's sub-grades:
    code → (grade, Chinese label)) and its label, as an export shows them."""
    labels = {code: zh for code, (_grade, zh) in scheme.items()}
    return dict.fromkeys(SUB_GRADE_COLUMNS, labels)


SYSTEM_COLUMNS = frozenset({FROM, TO, FROM_AT, TO_AT, POS, AT, SEQ, ON, UNTIL, UNTIL_POS, UNTIL_AT})
VERSION_COLUMNS = (FROM, TO, FROM_AT, TO_AT, ON, UNTIL, UNTIL_POS, UNTIL_AT)
LOG_COLUMNS = (POS, SEQ, AT, ON)


def col(
    name: str,
    type_: Any,
    zh: str,
    en: str,
    *,
    filter: bool = False,
    nullable: bool = True,
    export: bool = True,
    labels: Iterable[Any] = (),
    shows: str | None = None,
) -> sa.Column[Any]:
    """A register column with its headers.

    ``filter`` makes it an exact-match query filter; ``labels`` (a LabelledEnum class) gives the
    Chinese label that exports show for each stored value; ``shows`` (:data:`PERSON`,
    :data:`PEOPLE` or :data:`RECORD`) says that the column holds the id of a person, so that
    listings add the person's name and exports show 姓名（工号） in its place.
    """
    if shows not in (None, PERSON, PEOPLE, RECORD):
        raise ValueError(f"column {name}: shows={shows!r} is not person, people or record")
    return sa.Column(
        name,
        type_,
        nullable=nullable,
        info={
            "zh": zh,
            "en": en,
            "filter": filter,
            "export": export,
            "labels": {member.value: member.zh for member in labels},
            "shows": shows,
        },
    )


def loan_columns(*, id_nullable: bool = False, id_filter: bool = False) -> list[sa.Column[Any]]:
    """A loan as the registers name it: its id (kept out of exports), number, borrower, branch.

    The id is required unless ``id_nullable``, and a query filter with ``id_filter``. New
    columns at each call: a column belongs to one table.
    """
    return [
        col(
            "loan_id",
            sa.Uuid,
            "贷款ID",
            "loan id",
            filter=id_filter,
            export=False,
            nullable=id_nullable,
        ),
        col("loan_no", sa.String(64), "借据号", "loan no.", filter=True),
        col("borrower_name", sa.String(200), "借款人", "borrower"),
        col("branch", sa.String(100), "机构", "branch", filter=True),
    ]


def loan_values(event: Any, **values: Any) -> dict[str, Any]:
    """The :func:`loan_columns` a ``Loan.Disbursed`` event fills (number, borrower, branch), and
    ``values``: a register's row of the loan at its disbursement."""
    return {
        "loan_no": event.loan_no,
        "borrower_name": event.borrower_name,
        "branch": event.branch,
        **values,
    }


def staff_names() -> TableSpec:
    """Who is who, so a register's rows name people: id, staff number, name.

    Names never change (there is no renaming event). A new table at each call.
    """
    return TableSpec(
        "staff",
        [
            col("staff_id", sa.Uuid, "人员ID", "staff id", nullable=False),
            col("staff_no", sa.String(32), "工号", "staff no."),
            col("name", sa.String(100), "姓名", "name"),
        ],
        key=("staff_id",),
        dated=False,
    )


@dataclass(frozen=True)
class TableSpec:
    """A register table: its columns, and the key that makes it versioned (or none: a log)."""

    name: str
    columns: Sequence[sa.Column[Any]]
    key: tuple[str, ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()
    dated: bool = True
    """Whether its rows change by business date; an undated table (who is who) holds each
    version for every day, changed in recording time only."""
    column_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        names = tuple(c.name for c in self.columns)
        object.__setattr__(self, "column_names", names)
        missing = set(self.key) - set(names)
        if missing:
            raise ValueError(f"table {self.name}: key columns {sorted(missing)} are not columns")
        if SYSTEM_COLUMNS & set(names):
            raise ValueError(f"table {self.name}: column names may not start with '_'")

    @property
    def versioned(self) -> bool:
        return bool(self.key)

    def physical_name(self, register: str, generation: int) -> str:
        return f"r_{register}_{self.name}_{generation}"

    def bind(self, metadata: sa.MetaData, register: str, generation: int) -> sa.Table:
        """The physical table of one generation, with the history columns and indexes."""
        name = self.physical_name(register, generation)
        columns: list[Any] = [c._copy() for c in self.columns]
        if self.versioned:
            columns += [
                sa.Column(FROM, sa.BigInteger, nullable=False),
                sa.Column(TO, sa.BigInteger, nullable=True),
                sa.Column(FROM_AT, sa.DateTime, nullable=False),
                sa.Column(TO_AT, sa.DateTime, nullable=True),
                sa.Column(ON, sa.Date, nullable=False),
                sa.Column(UNTIL, sa.Date, nullable=True),
                sa.Column(UNTIL_POS, sa.BigInteger, nullable=True),
                sa.Column(UNTIL_AT, sa.DateTime, nullable=True),
                sa.PrimaryKeyConstraint(*self.key, FROM, ON, name=f"pk_{name}"),
                sa.Index(f"ix_{name}_cur", *self.key, TO, ON),
                sa.Index(f"ix_{name}_to", TO, UNTIL, FROM),
                sa.Index(f"ix_{name}_on", TO, ON),
            ]
        else:
            columns += [
                sa.Column(POS, sa.BigInteger, nullable=False),
                sa.Column(SEQ, sa.Integer, nullable=False),
                sa.Column(AT, sa.DateTime, nullable=False),
                sa.Column(ON, sa.Date, nullable=False),
                sa.PrimaryKeyConstraint(POS, SEQ, name=f"pk_{name}"),
                sa.Index(f"ix_{name}_at", AT),
                sa.Index(f"ix_{name}_on", ON),
            ]
        for n, index in enumerate(self.indexes):
            columns.append(sa.Index(f"ix_{name}_{n}", *index))
        return sa.Table(name, metadata, *columns)

    def exported(self) -> list[sa.Column[Any]]:
        return [c for c in self.columns if c.info.get("export", True)]

    def people(self) -> list[sa.Column[Any]]:
        """The exported columns that hold the ids of people (``shows``)."""
        return [c for c in self.exported() if c.info.get("shows")]


_LOAN_FACTS: dict[str, Callable[[], sa.Column[Any]]] = {
    "loan_no": lambda: col("loan_no", sa.String(64), "借据号", "loan no.", filter=True),
    "borrower_name": lambda: col("borrower_name", sa.String(200), "借款人", "borrower"),
    "branch": lambda: col("branch", sa.String(100), "机构", "branch", filter=True),
    "product": lambda: col(
        "product", sa.String(40), "产品", "product", filter=True, labels=Product
    ),
    "grade": lambda: col("grade", sa.String(20), "五级分类", "grade", filter=True, labels=Grade),
    "sub_grade": lambda: col("sub_grade", sa.String(20), "细分档次", "sub-grade"),
    "status": lambda: col(
        "status", sa.String(16), "状态", "status", filter=True, labels=LoanStatus
    ),
    "days_overdue": lambda: col("days_overdue", sa.Integer, "逾期天数", "days overdue"),
    "overdue_as_of": lambda: col("overdue_as_of", sa.Date, "逾期统计日", "overdue as of"),
    "value_date": lambda: col("value_date", sa.Date, "起息日", "value date"),
    "written_off_on": lambda: col("written_off_on", sa.Date, "核销日", "written off on"),
}


def loan_facts(*names: str) -> list[sa.Column[Any]]:
    """The columns of a loan's facts that many registers show (product, grade, status, days
    overdue…), named in the order the table has them; new columns at each call."""
    return [_LOAN_FACTS[name]() for name in names]
