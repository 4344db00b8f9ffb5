"""Roles over time: what a person may do follows the roles they hold at that moment.

An administrator grants and revokes duties; a revoked duty stops its actions at once, a duty
granted later permits them from then on, and the events already recorded keep the role their
actor held when they were recorded.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from archive.application import DossierArchive
from archive.commands.staff import GrantRole, RevokeRole
from archive.core import SYSTEM_ID, CommandContext
from domain.errors import RoleNotPermittedError, SegregationOfDutiesError
from domain.values import Role, WarningColour
from tests import steps
from tests.factories import make_disbursement

LOAN_NO = "JJ2025011000005"
CONSOLE = CommandContext(SYSTEM_ID)


@pytest.fixture
def loan_no(app: DossierArchive, staff: dict[str, CommandContext]) -> str:
    app.execute(staff["account_manager"], make_disbursement(LOAN_NO))
    return LOAN_NO


def _repay(app: DossierArchive, ctx: CommandContext, loan_no: str) -> None:
    steps.repay(app, ctx, loan_no, date(2025, 2, 10), "100.00", Decimal(0))


def test_a_revoked_role_no_longer_permits_its_actions(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    am = staff["account_manager"]
    _repay(app, am, loan_no)

    app.execute(
        CONSOLE, RevokeRole(staff_no="account_manager", role=Role.ACCOUNT_MANAGER, reason="调岗")
    )

    with pytest.raises(RoleNotPermittedError) as refused:
        _repay(app, am, loan_no)
    assert "roles held now: none" in refused.value.en
    with pytest.raises(RoleNotPermittedError):  # nor may they read the loan any more
        app.get_loan(am, loan_no)

    # What they did while they held the role stays recorded in that role.
    events = app.loan_events(staff["auditor"], loan_no)
    assert [(e.type, e.actor_id, e.role) for e in events] == [
        ("Disbursed", am.staff_id, "account_manager"),
        ("RepaymentRecorded", am.staff_id, "account_manager"),
    ]
    # And "who held which role when" is answerable from the staff record.
    person = app.staff("account_manager")
    assert Role.ACCOUNT_MANAGER in person.roles_at(events[1].timestamp)
    assert person.current_roles == frozenset()


SIGNALS = {
    WarningColour.YELLOW: ("现场走访发现半停产", "OPS-03"),
    WarningColour.RED: ("实际控制人失联", "OPS-02"),
}


def _warn(app: DossierArchive, ctx: CommandContext, loan_no: str, colour: WarningColour) -> Any:
    """A warning signal of ``colour`` raised on 1 February 2025, with its usual reason."""
    reason, code = SIGNALS[colour]
    return steps.raise_warning(
        app, ctx, loan_no, date(2025, 2, 1), reason, colour=colour, code=code
    )


def test_a_role_granted_later_permits_its_actions_from_then_on(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    auditor = staff["auditor"]

    with pytest.raises(RoleNotPermittedError):
        _warn(app, auditor, loan_no, WarningColour.YELLOW)

    app.execute(CONSOLE, GrantRole(staff_no="auditor", role=Role.POST_LOAN_OFFICER))
    _warn(app, auditor, loan_no, WarningColour.YELLOW)

    raised = app.loan_events(auditor, loan_no)[-1]
    assert (raised.type, raised.actor_id, raised.role) == (
        "WarningRaised",
        auditor.staff_id,
        "post_loan_officer",
    )


def test_a_role_revoked_and_granted_again_permits_again(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    am = staff["account_manager"]
    app.execute(
        CONSOLE, RevokeRole(staff_no="account_manager", role=Role.ACCOUNT_MANAGER, reason="休假")
    )
    with pytest.raises(RoleNotPermittedError):
        _repay(app, am, loan_no)
    app.execute(CONSOLE, GrantRole(staff_no="account_manager", role=Role.ACCOUNT_MANAGER))
    _repay(app, am, loan_no)
    assert [s.revoked_at is None for s in app.staff("account_manager").spells] == [False, True]


def test_naming_a_role_one_does_not_hold_is_refused(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    am = staff["account_manager"]
    as_risk_manager = CommandContext(am.staff_id, role=Role.RISK_MANAGER)
    with pytest.raises(RoleNotPermittedError) as refused:
        _warn(app, as_risk_manager, loan_no, WarningColour.RED)
    assert refused.value.context == {"role": "risk_manager"}


def test_a_person_with_two_roles_acts_in_the_role_they_name(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    app.execute(CONSOLE, GrantRole(staff_no="post_loan_officer", role=Role.RISK_MANAGER))
    plo = staff["post_loan_officer"]

    def warn(ctx: CommandContext, code: str) -> None:
        steps.raise_warning(
            app,
            ctx,
            loan_no,
            date(2025, 2, 1),
            "担保人代偿能力下降",
            colour=WarningColour.YELLOW,
            code=code,
        )

    warn(plo, "GUA-06")  # unnamed: the first permitted role held
    warn(CommandContext(plo.staff_id, role=Role.RISK_MANAGER), "EXT-01")
    with pytest.raises(RoleNotPermittedError):  # a held role that may not do this
        _repay(app, CommandContext(plo.staff_id, role=Role.RISK_MANAGER), loan_no)

    roles = [e.role for e in app.loan_events(plo, loan_no)[1:]]
    assert roles == ["post_loan_officer", "risk_manager"]


def test_the_administrator_and_business_duties_are_never_held_together(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    with pytest.raises(SegregationOfDutiesError):
        app.execute(CONSOLE, GrantRole(staff_no="administrator", role=Role.ACCOUNT_MANAGER))
    with pytest.raises(SegregationOfDutiesError):
        app.execute(CONSOLE, GrantRole(staff_no="reviewer", role=Role.ADMINISTRATOR))
    # The administrator manages roles; a business user may not, even a branch head.
    app.execute(staff["administrator"], GrantRole(staff_no="reviewer", role=Role.ARCHIVIST))
    with pytest.raises(SegregationOfDutiesError):
        app.execute(
            staff["branch_head"], RevokeRole(staff_no="reviewer", role=Role.ARCHIVIST, reason="-")
        )
    with pytest.raises(SegregationOfDutiesError):  # nor grant themselves anything
        app.execute(staff["administrator"], GrantRole(staff_no="administrator", role=Role.AUDITOR))
