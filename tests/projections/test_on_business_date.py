"""Two times on every question (业务日期 / 记录时点), on SQLite and PostgreSQL.

A corporate loan is disbursed on 2025-01-10. It falls overdue and is classified 关注 as of the
2025-03-31 quarter end, then 次级 as of 2025-06-30. An inspection carried out on 2025-05-10 is
entered only after that second approval (a fact recorded late), and later corrected.

The loan ledger answers ``on`` a business date from the facts dated up to it: 正常 before the
first quarter end, 关注 in the second quarter, 次级 from 2025-06-30. The late inspection shows on
every day from 2025-05-10 and leaves the later grade as it was; "as of" the moment before it was
entered, the same days show no inspection (what was known then). The correction takes effect
on the inspection's date; as of before it, the original findings stand. Rebuilt from the log,
every register equals the live copy.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from archive.commands.inspections import CorrectInspection
from archive.core import CommandContext
from domain.values import Grade, InspectionKind
from projections.query import AsOf
from tests import steps
from tests.factories import make_disbursement
from tests.projections.conftest import Registers

LOAN_NO = "JJ2025011000188"
LEDGER = "loan_ledger"


def _ledger(registers: Registers, **point: Any) -> dict[str, Any] | None:
    rows = [r for r in registers.as_of(LEDGER, "loans", **point) if r["loan_no"] == LOAN_NO]
    assert len(rows) <= 1, rows
    return rows[0] if rows else None


def _history(registers: Registers, staff: dict[str, CommandContext]) -> int:
    """The loan's history up to the second approval; the log position it reached."""
    app = registers.app
    am, plo, rm = staff["account_manager"], staff["post_loan_officer"], staff["risk_manager"]
    app.execute(am, make_disbursement(LOAN_NO))
    steps.overdue(app, plo, LOAN_NO, date(2025, 3, 31), 35)
    first = steps.propose(app, am, LOAN_NO, Grade.SPECIAL_MENTION, date(2025, 3, 31), "逾期35天")
    steps.approve(app, rm, LOAN_NO, UUID(first.ids["proposal_id"]), "同意关注")
    steps.overdue(app, plo, LOAN_NO, date(2025, 6, 30), 95)
    second = steps.propose(app, am, LOAN_NO, Grade.SUBSTANDARD, date(2025, 6, 30), "逾期95天")
    approved = steps.approve(app, rm, LOAN_NO, UUID(second.ids["proposal_id"]), "同意次级")
    registers.catch_up()
    return int(approved.position)


def test_the_ledger_answers_each_business_date_from_the_facts_dated_up_to_it(
    registers: Registers, staff: dict[str, CommandContext]
) -> None:
    _history(registers, staff)
    assert _ledger(registers, on=date(2025, 1, 9)) is None  # not yet disbursed
    grades = {
        day: _ledger(registers, on=day)["grade"]  # type: ignore[index]
        for day in (date(2025, 1, 10), date(2025, 3, 30), date(2025, 3, 31), date(2025, 6, 29))
    }
    assert grades == {
        date(2025, 1, 10): Grade.NORMAL.value,
        date(2025, 3, 30): Grade.NORMAL.value,
        date(2025, 3, 31): Grade.SPECIAL_MENTION.value,
        date(2025, 6, 29): Grade.SPECIAL_MENTION.value,
    }
    on_quarter_end = _ledger(registers, on=date(2025, 6, 30))
    assert on_quarter_end is not None
    assert (on_quarter_end["grade"], on_quarter_end["days_overdue"]) == (
        Grade.SUBSTANDARD.value,
        95,
    )
    assert _ledger(registers, on=date(2025, 5, 1))["days_overdue"] == 35  # type: ignore[index]
    # Without ``on``: the latest day, as today.
    assert _ledger(registers)["grade"] == Grade.SUBSTANDARD.value  # type: ignore[index]


def test_a_fact_recorded_late_changes_the_days_after_it_and_not_what_was_known_before(
    registers: Registers, staff: dict[str, CommandContext]
) -> None:
    before = _history(registers, staff)
    app = registers.app
    late = steps.inspect(
        app,
        staff["post_loan_officer"],
        LOAN_NO,
        InspectionKind.ROUTINE,
        date(2025, 5, 10),
        "经营正常，库存偏高",
        countersigned=True,
    )
    registers.catch_up()
    assert late.position > before
    may_31 = _ledger(registers, on=date(2025, 5, 31))
    assert may_31 is not None
    assert (may_31["last_inspection_on"], may_31["grade"]) == (
        date(2025, 5, 10),
        Grade.SPECIAL_MENTION.value,
    )
    assert _ledger(registers, on=date(2025, 5, 9))["last_inspection_on"] is None  # type: ignore[index]
    after = _ledger(registers, on=date(2025, 7, 1))
    assert after is not None
    assert (after["last_inspection_on"], after["grade"], after["days_overdue"]) == (
        date(2025, 5, 10),
        Grade.SUBSTANDARD.value,
        95,
    )
    # What the archive knew before the inspection was entered, of the same day: none.
    known_then = _ledger(registers, on=date(2025, 5, 31), position=before)
    assert known_then is not None
    assert (known_then["last_inspection_on"], known_then["grade"]) == (
        None,
        Grade.SPECIAL_MENTION.value,
    )
    assert _ledger(registers, position=before)["last_inspection_on"] is None  # type: ignore[index]
    assert _ledger(registers)["last_inspection_on"] == date(2025, 5, 10)  # type: ignore[index]

    # The trail's log rows are dated too: the inspection on its day, not the day entered.
    trail = registers.register("accountability_trail").listings
    table = next(iter(trail.values())).table
    dated = [
        r
        for r in registers.as_of("accountability_trail", table, on=date(2025, 5, 10))
        if r.get("loan_no") == LOAN_NO and r.get("event") == "InspectionRecorded"
    ]
    assert len(dated) == 1
    assert not [
        r
        for r in registers.as_of("accountability_trail", table, on=date(2025, 5, 9))
        if r.get("loan_no") == LOAN_NO and r.get("event") == "InspectionRecorded"
    ]

    # Live equals rebuilt, the late fact's rows included.
    names = list(registers.follower.projections)
    live = {name: registers.snapshot(name) for name in names}
    registers.follower.rebuild(names)
    assert {name: registers.snapshot(name) for name in names} == live


def test_a_correction_holds_from_the_inspection_date_and_not_before_it_was_made(
    registers: Registers, staff: dict[str, CommandContext]
) -> None:
    _history(registers, staff)
    app = registers.app
    plo = staff["post_loan_officer"]
    recorded = steps.inspect(
        app, plo, LOAN_NO, InspectionKind.ROUTINE, date(2025, 5, 10), "经营正常"
    )
    inspection_id = UUID(recorded.ids["inspection_id"])
    registers.catch_up()
    corrected = app.execute(
        plo,
        CorrectInspection(
            loan_no=LOAN_NO,
            inspection_id=inspection_id,
            findings="经营正常，但应收账款逾期增加",
            reason="补充应收账款情况",
        ),
    )
    registers.catch_up()
    (event,) = [
        e for e in app.loan_events(staff["auditor"], LOAN_NO) if e.type == "InspectionCorrected"
    ]
    assert event.position == corrected.position

    def corrections(**point: Any) -> list[dict[str, Any]]:
        trail = registers.register("accountability_trail")
        table = next(iter(trail.listings.values())).table
        return [
            r
            for r in registers.as_of("accountability_trail", table, **point)
            if r.get("loan_no") == LOAN_NO and r.get("event") == "InspectionCorrected"
        ]

    assert len(corrections(on=date(2025, 5, 10))) == 1  # dated by the inspection it corrects
    assert corrections(on=date(2025, 5, 9)) == []
    assert corrections(on=date(2025, 5, 10), position=corrected.position - 1) == []
    assert AsOf(position=1, on=date(2025, 5, 10)).recorded == AsOf(position=1)
