"""Business dates (业务日期) through the application, on SQLite and PostgreSQL.

Every command that dates something that happened refuses a date after the bank's today, by
the archive's clock, naming the field, and records nothing: an inspection dated next year does
not close the overdue inspection task. Every date a command takes is either such a date or one
that lies ahead by nature (a due date, an expiry), so a new command cannot slip through. A step
of a workflow may not be dated before the step it follows: a destruction is executed on or after
its approvals, approved on or after its proposal, proposed on or after the appraisal.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import UnionType
from typing import Any
from uuid import UUID, uuid4

import pytest

from archive.application import DossierArchive
from archive.commands import HANDLERS
from archive.commands.borrowing import (
    CheckOut,
    CloseBorrowing,
    IssueElectronicCopy,
    ReturnBorrowing,
)
from archive.commands.collateral import (
    LodgeCertificate,
    RecordInsuranceLapse,
    ReleaseCollateral,
    ReturnCertificate,
    RevalueCollateral,
    TakeOutCertificate,
)
from archive.commands.custody import (
    ClearDefect,
    ExtendRetention,
)
from archive.commands.disposition import (
    ApproveDestruction,
    ComplianceApproveDestruction,
    ProposeDestruction,
)
from archive.commands.lifecycle import Disburse, Settle
from archive.commands.staff import EnrolStaff
from archive.commands.warnings import ReportWarning
from archive.commands.workout import (
    Extend,
    TransferToAssetPreservation,
    WriteOff,
)
from archive.config import ArchiveConfig
from archive.core import SYSTEM_ID, CommandContext
from domain.authorization import BUSINESS_ROLES
from domain.dates import HAPPENED, MAY_LIE_AHEAD
from domain.errors import DateInFutureError, DateOutOfOrderError
from domain.values import (
    AppraisalOpinion,
    BorrowingPurpose,
    CollectionStepKind,
    Grade,
    HoldKind,
    InspectionKind,
    Role,
    WarningColour,
    WriteOffCriterion,
)
from storage.blobs import LocalBlobStore
from tests import steps
from tests.archive.test_disposition import (
    AFTER_RETENTION,
    LOAN_NO,
    counts,
    execute,
    prepare,
    with_it_and_second_head,
)
from tests.factories import make_disbursement, make_upload

LOAN = "JJ2025011000401"
Targets = dict[str, UUID]
"""A borrowing and a transfer list of the loan, for commands that render a form first."""
Command = Callable[[DossierArchive, CommandContext, date, Targets], Any]


def _uuid() -> UUID:
    return uuid4()


COMMANDS: list[tuple[str, Command]] = [
    (
        "value_date",
        lambda a, c, d, t: a.execute(
            c, make_disbursement("JJ2025011000402", value_date=d, maturity_date=d + timedelta(365))
        ),
    ),
    (
        "paid_on",
        lambda a, c, d, t: steps.repay(a, c, LOAN, d, "1.00", "0"),
    ),
    (
        "as_of",
        lambda a, c, d, t: steps.overdue(a, c, LOAN, d, 3, "0", "5.00"),
    ),
    (
        "inspected_on",
        lambda a, c, d, t: steps.inspect(a, c, LOAN, InspectionKind.ON_SITE, d, "经营正常"),
    ),
    ("as_of", lambda a, c, d, t: steps.propose(a, c, LOAN, Grade.SPECIAL_MENTION, d, "逾期")),
    (
        "raised_on",
        lambda a, c, d, t: steps.raise_warning(
            a, c, LOAN, d, "减产", colour=WarningColour.YELLOW, code="FIN-03"
        ),
    ),
    ("handled_on", lambda a, c, d, t: steps.handle_warning(a, c, LOAN, _uuid(), d, "走访")),
    (  # as the risk manager: as an account manager the omni person manages no loan
        "feedback_on",
        lambda a, c, d, t: steps.give_feedback(
            a, CommandContext(c.staff_id, role=Role.RISK_MANAGER), LOAN, _uuid(), d
        ),
    ),
    ("determined_on", lambda a, c, d, t: steps.determine_warning(a, c, LOAN, _uuid(), d)),
    (
        "reported_on",
        lambda a, c, d, t: a.execute(
            c, ReportWarning(loan_no=LOAN, signal_id=_uuid(), reported_on=d)
        ),
    ),
    ("cleared_on", lambda a, c, d, t: steps.clear_warning(a, c, LOAN, _uuid(), d, "恢复")),
    (
        "taken_on",
        lambda a, c, d, t: steps.collect(a, c, LOAN, CollectionStepKind.PHONE_CALL, d, 1, "承诺"),
    ),
    (
        "restructured_on",
        lambda a, c, d, t: steps.restructure(
            a, c, LOAN, d, d + timedelta(730), "4.35%", "分期", "困难"
        ),
    ),
    (
        "approved_on",
        lambda a, c, d, t: a.execute(
            c,
            Extend(
                loan_no=LOAN, approved_on=d, new_maturity_date=d + timedelta(365), reason="展期"
            ),
        ),
    ),
    (
        "handed_over_on",
        lambda a, c, d, t: steps.hand_over(a, c, LOAN, d, "account_manager_2", "调岗"),
    ),
    (
        "transferred_on",
        lambda a, c, d, t: a.execute(
            c, TransferToAssetPreservation(loan_no=LOAN, transferred_on=d, reason="不良")
        ),
    ),
    (
        "written_off_on",
        lambda a, c, d, t: a.execute(
            c,
            WriteOff(
                loan_no=LOAN,
                written_off_on=d,
                criterion=WriteOffCriterion.BANKRUPTCY,
                reason="破产",
            ),
        ),
    ),
    ("settled_on", lambda a, c, d, t: a.execute(c, Settle(loan_no=LOAN, settled_on=d))),
    (
        "appraised_on",
        lambda a, c, d, t: steps.register_collateral(
            a,
            c,
            LOAN,
            collateral_no="C1",
            description="厂房",
            appraised_value=Decimal("100.00"),
            appraised_on=d,
            registration_no="",
            registered_on=d - timedelta(days=1),
        ),
    ),
    (
        "lodged_on",
        lambda a, c, d, t: a.execute(
            c,
            LodgeCertificate(
                loan_no=LOAN,
                collateral_no="C1",
                certificate_no="N1",
                lodged_on=d,
                custodian_nos=["omni", "archivist"],
            ),
        ),
    ),
    (
        "taken_out_on",
        lambda a, c, d, t: a.execute(
            c,
            TakeOutCertificate(
                loan_no=LOAN,
                collateral_no="C1",
                taken_out_on=d,
                purpose="诉讼",
                custodian_nos=["omni", "archivist"],
            ),
        ),
    ),
    (
        "returned_on",
        lambda a, c, d, t: a.execute(
            c,
            ReturnCertificate(
                loan_no=LOAN, collateral_no="C1", returned_on=d, custodian_nos=["omni", "archivist"]
            ),
        ),
    ),
    (
        "revalued_on",
        lambda a, c, d, t: a.execute(
            c,
            RevalueCollateral(
                loan_no=LOAN, collateral_no="C1", revalued_on=d, value=Decimal("9.00")
            ),
        ),
    ),
    (
        "lapsed_on",
        lambda a, c, d, t: a.execute(
            c, RecordInsuranceLapse(loan_no=LOAN, collateral_no="C1", lapsed_on=d)
        ),
    ),
    (
        "released_on",
        lambda a, c, d, t: a.execute(
            c, ReleaseCollateral(loan_no=LOAN, collateral_no="C1", released_on=d, reason="结清")
        ),
    ),
    (
        "listed_on",
        lambda a, c, d, t: steps.list_transfer(
            a,
            c,
            LOAN,
            [{"doc_type": "loan_contract", "title": "借款合同", "pages": 1}],
            d,
            signed_on=d - timedelta(days=1),
        ),
    ),
    (
        "cleared_on",
        lambda a, c, d, t: a.execute(
            c, ClearDefect(loan_no=LOAN, defect_id=_uuid(), cleared_on=d, note="已补交")
        ),
    ),
    (
        "catalogued_on",
        lambda a, c, d, t: steps.catalogue(a, c, LOAN, "1", d),
    ),
    (
        "placed_on",
        lambda a, c, d, t: steps.place_hold(a, c, LOAN, HoldKind.AUDIT, "审计", "审-1", d),
    ),
    ("released_on", lambda a, c, d, t: steps.release_hold(a, c, LOAN, _uuid(), "结束", d)),
    (
        "opened_on",
        lambda a, c, d, t: steps.open_appraisal(a, c, LOAN, d, ["archivist", "auditor"]),
    ),
    (
        "decided_on",
        lambda a, c, d, t: steps.decide_appraisal(
            a, c, LOAN, _uuid(), AppraisalOpinion.DESTROY, "销毁", d
        ),
    ),
    (
        "extended_on",
        lambda a, c, d, t: a.execute(
            c,
            ExtendRetention(loan_no=LOAN, ends_on=date(2099, 12, 31), reason="延长", extended_on=d),
        ),
    ),
    (
        "proposed_on",
        lambda a, c, d, t: a.execute(c, ProposeDestruction(loan_nos=[LOAN], proposed_on=d)),
    ),
    (
        "approved_on",
        lambda a, c, d, t: a.execute(c, ApproveDestruction(batch_id=_uuid(), approved_on=d)),
    ),
    (
        "approved_on",
        lambda a, c, d, t: a.execute(
            c, ComplianceApproveDestruction(batch_id=_uuid(), approved_on=d)
        ),
    ),
    (
        "requested_on",
        lambda a, c, d, t: steps.request_borrowing(a, c, LOAN, BorrowingPurpose.AUDIT, "审计", d),
    ),
    (
        "received_on",
        lambda a, c, d, t: steps.receive_transfer(a, c, LOAN, t["transfer"], steps.present(1), d),
    ),
    (
        "checked_out_on",
        lambda a, c, d, t: a.execute(
            c, CheckOut(borrowing_id=t["borrowing"], checked_out_on=d, pages={})
        ),
    ),
    (
        "returned_on",
        lambda a, c, d, t: a.execute(
            c, ReturnBorrowing(borrowing_id=_uuid(), returned_on=d, pages={})
        ),
    ),
    (
        "closed_on",
        lambda a, c, d, t: a.execute(c, CloseBorrowing(borrowing_id=_uuid(), closed_on=d)),
    ),
    (
        "issued_on",
        lambda a, c, d, t: a.execute(
            c, IssueElectronicCopy(borrowing_id=t["borrowing"], issued_on=d)
        ),
    ),
]
"""Every command that dates something that happened, and the field it dates it in. Most of
their targets need not exist: the date is refused before anything is loaded (but a hand-out and a
receipt render their form first)."""


@pytest.fixture
def omni(app: DossierArchive, staff: dict[str, CommandContext]) -> CommandContext:
    """One person holding every business role, so each command reaches its date check."""
    business = [r for r in Role if r in BUSINESS_ROLES]
    token = app.execute(
        CommandContext(SYSTEM_ID),
        EnrolStaff(staff_no="omni", name="全岗", branch="总行", roles=business),
    ).token
    assert token is not None
    app.execute(staff["account_manager"], make_disbursement(LOAN), [make_upload("loan_contract")])
    return CommandContext(app.authenticate(token.token))


@pytest.fixture
def targets(app: DossierArchive, staff: dict[str, CommandContext], omni: CommandContext) -> Targets:
    today = app.today()
    listed = steps.list_transfer(
        app,
        staff["account_manager"],
        LOAN,
        [{"doc_type": "loan_contract", "title": "借款合同", "pages": 1}],
        today,
        signed_on=today,
    )
    requested = steps.request_borrowing(
        app, staff["auditor"], LOAN, BorrowingPurpose.AUDIT, "审计", today
    )
    return {"transfer": UUID(listed.ids["transfer_id"]), "borrowing": requested.aggregate_id}


def test_every_command_refuses_a_date_after_today_naming_the_field_and_records_nothing(
    app: DossierArchive, omni: CommandContext, targets: Targets
) -> None:
    tomorrow = app.today() + timedelta(days=1)
    for field, command in COMMANDS:
        before = counts(app)
        with pytest.raises(DateInFutureError) as refused:
            command(app, omni, tomorrow, targets)
        assert refused.value.context["field"] == field, refused.value.en
        assert refused.value.code == "date_in_future"
        assert field in refused.value.en
        assert f"（{field}）" in refused.value.zh
        assert counts(app) == before, field


def test_today_is_the_banks_and_the_tolerance_is_configuration(
    store_env: dict[str, str], tmp_path: Path
) -> None:
    # 20:00 UTC on 5 March is 04:00 on 6 March in Shanghai: the 6th has begun there.
    clock = datetime(2025, 3, 5, 20, 0, tzinfo=UTC)
    lenient = DossierArchive(
        store_env,
        blobs=LocalBlobStore(tmp_path / "lenient-blobs"),
        config=ArchiveConfig(future_date_tolerance_days=2),
        clock=lambda: clock,
    )
    try:
        assert lenient.today() == date(2025, 3, 6)
        lenient.check_business_dates({"inspected_on": date(2025, 3, 8), "due_on": date(2099, 1, 1)})
        with pytest.raises(DateInFutureError) as refused:
            lenient.check_business_dates({"received_on": date(2025, 3, 9)})
        assert refused.value.context["tolerance_days"] == 2
        assert "容差 2 天" in refused.value.zh
    finally:
        lenient.close()


def test_every_date_a_command_takes_is_classified_happened_or_lying_ahead() -> None:
    """A command added with a date that is neither would escape the rule: it fails here."""
    found: set[str] = set()
    for name, method in inspect.getmembers(DossierArchive, inspect.isfunction):
        if name.startswith("_"):
            continue
        for field, hint in typing.get_type_hints(method).items():
            if field != "return" and _is_date(hint):
                found.add(field)
    for field, hint in typing.get_type_hints(Disburse).items():
        if _is_date(hint):
            found.add(field)
    for command in HANDLERS:  # the typed commands: their dates are their fields
        for field, hint in typing.get_type_hints(command).items():
            if _is_date(hint):
                found.add(field)
    assert found - set(HAPPENED) - set(MAY_LIE_AHEAD) == set()
    assert not set(HAPPENED) & set(MAY_LIE_AHEAD)
    assert {field for field, _ in COMMANDS} <= set(HAPPENED)


def _is_date(hint: Any) -> bool:
    if hint is date:
        return True
    return typing.get_origin(hint) in (typing.Union, UnionType) and date in typing.get_args(hint)


# ------------------------------------------------------------------ a workflow's order
@pytest.fixture
def destruction_people(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> dict[str, CommandContext]:
    people = with_it_and_second_head(app, staff)
    app.clock = lambda: AFTER_RETENTION  # 2056-03-01: retention ended 2055-12-31
    return people


def test_a_destruction_is_approved_after_its_proposal_and_executed_after_its_approvals(
    app: DossierArchive, destruction_people: dict[str, CommandContext]
) -> None:
    people = destruction_people
    prepare(app, people)  # appraised "destroy" on 2056-01-10

    with pytest.raises(DateOutOfOrderError) as early:
        app.execute(
            people["archive_head"],
            ProposeDestruction(loan_nos=[LOAN_NO], proposed_on=date(2056, 1, 9)),
        )
    assert early.value.context["since_field"] == "decided_on"
    proposed = app.execute(
        people["archive_head"], ProposeDestruction(loan_nos=[LOAN_NO], proposed_on=date(2056, 2, 1))
    )
    batch_id = UUID(proposed.ids["batch_id"])

    before = counts(app)
    with pytest.raises(DateOutOfOrderError) as refused:
        app.execute(
            people["branch_head"],
            ApproveDestruction(batch_id=batch_id, approved_on=date(2056, 1, 31)),
        )
    assert refused.value.context == {
        "field": "approved_on",
        "value": "2056-01-31",
        "since_field": "proposed_on",
        "since": "2056-02-01",
    }
    with pytest.raises(DateInFutureError):
        app.execute(
            people["branch_head"],
            ApproveDestruction(batch_id=batch_id, approved_on=date(2056, 3, 2)),
        )
    assert counts(app) == before
    app.execute(
        people["branch_head"], ApproveDestruction(batch_id=batch_id, approved_on=date(2056, 2, 20))
    )
    app.execute(
        people["compliance"],
        ComplianceApproveDestruction(batch_id=batch_id, approved_on=date(2056, 2, 21)),
    )

    # Executed today (the archive's): on a clock turned back before the approvals, refused.
    app.clock = lambda: datetime(2056, 2, 20, 9, tzinfo=UTC)
    with pytest.raises(DateOutOfOrderError) as too_soon:
        execute(app, people, batch_id)
    assert too_soon.value.context["field"] == "executed_on"
    assert too_soon.value.context["since_field"] == "compliance_approved_on"
    assert app.destruction_batch(batch_id).executed_on is None
    app.clock = lambda: AFTER_RETENTION
    execute(app, people, batch_id)
    batch = app.destruction_batch(batch_id)
    assert batch.approved_on == date(2056, 2, 20)
    assert batch.executed_on == date(2056, 3, 1)


def test_a_later_step_of_the_archive_office_is_not_dated_before_the_step_it_follows(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    am, archivist = staff["account_manager"], staff["archivist"]
    app.execute(am, make_disbursement(LOAN), [make_upload("loan_contract", "借款合同")])
    listed = steps.list_transfer(
        app,
        am,
        LOAN,
        [
            {"doc_type": "loan_contract", "title": "借款合同", "pages": 1},
            {"doc_type": "guarantee_contract", "title": "保证合同", "pages": 1},
        ],
        date(2025, 1, 13),
        signed_on=date(2025, 1, 10),
    )
    checks = [*steps.present(1), steps.missing(2, "未随附")]
    received = steps.receive_transfer(app, archivist, LOAN, listed, checks, date(2025, 1, 14))
    before = counts(app)
    with pytest.raises(DateOutOfOrderError) as uncleared:
        app.execute(
            archivist,
            ClearDefect(
                loan_no=LOAN,
                defect_id=UUID(received.ids["defect:2"]),
                cleared_on=date(2025, 1, 13),
                note="x",
            ),
        )
    assert uncleared.value.context["since_field"] == "received_on"
    with pytest.raises(DateOutOfOrderError) as uncatalogued:
        steps.catalogue(app, archivist, LOAN, "1-01", date(2025, 1, 13))
    assert uncatalogued.value.context["field"] == "catalogued_on"
    assert counts(app) == before

    # A settlement dated before the repayment that cleared the loan.
    steps.repay(app, am, LOAN, date(2025, 6, 30), "1000000.00", Decimal(0))
    with pytest.raises(DateOutOfOrderError) as unsettled:
        app.execute(am, Settle(loan_no=LOAN, settled_on=date(2025, 6, 29)))
    assert unsettled.value.context["since_field"] == "last_repaid_on"
    app.execute(am, Settle(loan_no=LOAN, settled_on=date(2025, 6, 30)))
