"""Registers judge each event with the rules in force when it was recorded (docs/rules.md
RUL-04), for the figures they use: the warning ledger's handling deadlines, the loan ledger's
inspection schedule, the work queue's warning colours that call for a special inspection. On
SQLite and PostgreSQL; a rebuild gives the same rows."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from archive.core import CommandContext
from domain.scope import RowScope
from domain.tasks import TaskKind
from domain.values import WarningColour
from projections.tasks import tasks
from tests import steps
from tests.factories import make_disbursement, rules_with
from tests.projections.conftest import Registers

LOAN_NO = "JJ2025011000777"
Staff = dict[str, CommandContext]


def _raise(registers: Registers, staff: Staff, colour: WarningColour, on: date) -> UUID:
    raised = steps.raise_warning(
        registers.app,
        staff["post_loan_officer"],
        LOAN_NO,
        on,
        f"{colour.zh}预警",
        colour=colour,
        code=steps.CODES[colour][on.day % len(steps.CODES[colour])],
    )
    return UUID(raised.ids["signal_id"])


def _rebuilt_rows_equal(registers: Registers, name: str, table: str) -> None:
    before = registers.rows(name, table, with_history=True)
    registers.follower.rebuild([name])
    registers.catch_up()
    assert registers.rows(name, table, with_history=True) == before


def test_a_signal_is_due_by_the_handling_days_in_force_when_it_was_raised(
    registers: Registers, staff: Staff
) -> None:
    app = registers.app
    app.execute(staff["account_manager"], make_disbursement(LOAN_NO))
    first = _raise(registers, staff, WarningColour.RED, date(2025, 3, 3))
    faster = rules_with(warnings={"handling_days": {"red": 1}})
    assert app.adopt_rules(faster, source="test")
    second = _raise(registers, staff, WarningColour.RED, date(2025, 3, 4))
    registers.catch_up()
    due = {s["signal_id"]: s["handling_due"] for s in registers.rows("warning_ledger", "signals")}
    assert due == {first: date(2025, 3, 6), second: date(2025, 3, 5)}
    _rebuilt_rows_equal(registers, "warning_ledger", "signals")


def test_the_next_inspection_follows_the_schedule_in_force(
    registers: Registers, staff: Staff
) -> None:
    app = registers.app
    app.execute(staff["account_manager"], make_disbursement(LOAN_NO))
    registers.catch_up()
    (row,) = registers.rows("loan_ledger", "loans")
    assert row["next_inspection_due"] == date(2025, 1, 25)  # 15 days after 10 January
    sooner = rules_with(inspections={"first_follow_up_days_business": 10})
    assert app.adopt_rules(sooner, source="test")
    # The loan's next event is judged with the rules then in force.
    _raise(registers, staff, WarningColour.YELLOW, date(2025, 1, 12))
    registers.catch_up()
    (row,) = registers.rows("loan_ledger", "loans")
    assert row["next_inspection_due"] == date(2025, 1, 20)
    _rebuilt_rows_equal(registers, "loan_ledger", "loans")


def test_the_colours_that_call_for_a_special_inspection_are_the_rules(
    registers: Registers, staff: Staff
) -> None:
    """A bank whose special inspection follows red warnings only: an orange one raised under
    its rules opens none."""
    app = registers.app
    app.execute(staff["account_manager"], make_disbursement(LOAN_NO))
    assert app.adopt_rules(rules_with(special={"warning_colours": ["red"]}), source="test")
    _raise(registers, staff, WarningColour.ORANGE, date(2025, 3, 3))
    registers.catch_up()
    queue = registers.register("work_queue")
    assert [
        t
        for t in tasks(registers.store, queue, date(2025, 3, 4), scope=RowScope.everything())
        if t.kind is TaskKind.SPECIAL_INSPECTION
    ] == []
    _raise(registers, staff, WarningColour.RED, date(2025, 3, 5))
    registers.catch_up()
    (special,) = [
        t
        for t in tasks(registers.store, queue, date(2025, 3, 6), scope=RowScope.everything())
        if t.kind is TaskKind.SPECIAL_INSPECTION
    ]
    assert (special.opens_on, special.subject) == (date(2025, 3, 5), "red_or_orange_warning")
