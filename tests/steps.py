"""A loan's and a dossier's steps through the application, one short call each.

Each function executes one command for ``loan_no`` as ``ctx`` and returns what ``execute``
returned; the values most tests share are defaults, every other value is said at the call.
Any further keyword goes to the command as it is (``expected_version``, an id of its own).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from archive.application import DossierArchive
from archive.commands.borrowing import RequestBorrowing
from archive.commands.classification import (
    ApproveClassification,
    DetermineClassification,
    ProposeClassification,
)
from archive.commands.collateral import LodgeCertificate, RegisterCollateral
from archive.commands.collection import TakeCollectionStep
from archive.commands.custody import (
    Catalogue,
    DecideAppraisal,
    ListTransfer,
    OpenAppraisal,
    PlaceHold,
    ReceiveTransfer,
    ReleaseHold,
)
from archive.commands.inspections import CountersignInspection, RecordInspection
from archive.commands.lifecycle import RecordOverdue, RecordRepayment
from archive.commands.scope import AssignAccountManagers
from archive.commands.staff import EnrolStaff
from archive.commands.warnings import (
    ClearWarning,
    DetermineWarning,
    GiveWarningFeedback,
    HandleWarning,
    RaiseWarning,
    StartEmergencyPlan,
)
from archive.commands.workout import HandOver, Restructure, WriteOff
from archive.core import SYSTEM_ID, CommandContext
from archive.documents.ingest import Upload
from domain.errors import NotFoundError
from domain.values import (
    AppraisalOpinion,
    BorrowingForm,
    BorrowingPurpose,
    CollateralKind,
    CollectionStepKind,
    Grade,
    HoldKind,
    InspectionKind,
    Role,
    TransferKind,
    WarningColour,
    WriteOffCriterion,
)
from tests.factories import answered, make_disbursement, make_upload

Amount = Decimal | str
Uploads = Sequence[Upload]


def _id(given: Any, key: str) -> UUID:
    """The id ``key`` of what an earlier step returned, or ``given`` itself when it is an id."""
    return given if isinstance(given, UUID) else UUID(given.ids[key])


def _money(amount: Amount) -> Decimal:
    """An amount said as a string at the call, as the ``Decimal`` the command takes."""
    return Decimal(amount) if isinstance(amount, str) else amount


def disburse(
    app: DossierArchive, ctx: CommandContext, loan_no: str, *doc_types: str, **overrides: Any
) -> Any:
    """放款 of the factories' loan ``loan_no``, with a document of each of ``doc_types``."""
    return app.execute(
        ctx, make_disbursement(loan_no, **overrides), [make_upload(t) for t in doc_types]
    )


def overdue(
    app: DossierArchive,
    ctx: CommandContext,
    loan_no: str,
    as_of: date,
    days: int,
    principal: Amount = "50000.00",
    interest: Amount = "3000.00",
    uploads: Uploads = (),
    **extra: Any,
) -> Any:
    """逾期: ``days`` overdue as of ``as_of`` (50,000.00 principal and 3,000.00 interest)."""
    return app.execute(
        ctx,
        RecordOverdue(
            loan_no=loan_no,
            as_of=as_of,
            days_overdue=days,
            overdue_principal=_money(principal),
            overdue_interest=_money(interest),
            **extra,
        ),
        uploads,
    )


def repay(
    app: DossierArchive,
    ctx: CommandContext,
    loan_no: str,
    paid_on: date,
    principal: Amount,
    interest: Amount = "0.00",
    uploads: Uploads = (),
    **extra: Any,
) -> Any:
    """还款 of ``principal`` and ``interest`` on ``paid_on``."""
    return app.execute(
        ctx,
        RecordRepayment(
            loan_no=loan_no,
            paid_on=paid_on,
            principal=_money(principal),
            interest=_money(interest),
            **extra,
        ),
        uploads,
    )


def propose(
    app: DossierArchive,
    ctx: CommandContext,
    loan_no: str,
    grade: Grade,
    as_of: date,
    reason: str,
    sub_grade: str | None = None,
    uploads: Uploads = (),
    **extra: Any,
) -> Any:
    """五级分类 proposed: ``grade`` (and ``sub_grade``) as of ``as_of``."""
    return app.execute(
        ctx,
        ProposeClassification(
            loan_no=loan_no, grade=grade, sub_grade=sub_grade, reason=reason, as_of=as_of, **extra
        ),
        uploads,
    )


def propose_special_mention(
    app: DossierArchive, ctx: CommandContext, loan_no: str, as_of: date, reason: str, **extra: Any
) -> Any:
    """关注 proposed as of ``as_of`` with its classification form, a PDF that names the loan;
    ``extra`` as for :func:`propose` (the sub-grade 关注一级 unless it says another)."""
    extra.setdefault("sub_grade", "special_mention_1")
    extra.setdefault("uploads", [make_upload("classification_form", f"五级分类认定表 {loan_no}")])
    return propose(app, ctx, loan_no, Grade.SPECIAL_MENTION, as_of, reason, **extra)


def credit_management(app: DossierArchive, loan_no: str) -> CommandContext:
    """A reviewer (复核人) of the loan's branch, who determines classifications (认定): enrolled
    at the console the first time one is needed (staff number ``CLS-`` and the branch's code)."""
    branch = app.loan(loan_no).branch
    unit = app.rule_set().scope.hierarchy.units.get(branch)
    staff_no = f"CLS-{unit.code if unit else zlib.crc32(branch.encode()) % 10_000}"
    try:
        return CommandContext(app.staff(staff_no).id)
    except NotFoundError:  # not yet enrolled
        enrolled = app.execute(
            CommandContext(SYSTEM_ID),
            EnrolStaff(staff_no=staff_no, name="认定人", branch=branch, roles=[Role.REVIEWER]),
        )
        assert enrolled.token is not None
        return CommandContext(app.authenticate(enrolled.token.token))


def determine(
    app: DossierArchive,
    ctx: CommandContext,
    loan_no: str,
    proposed: Any,
    reason: str = "同意初分",
    grade: Grade | None = None,
    sub_grade: str | None = None,
    uploads: Uploads = (),
    **extra: Any,
) -> Any:
    """The classification ``proposed`` determined (认定): at its proposed grade unless said."""
    proposal_id = _id(proposed, "proposal_id")
    proposal = app.loan(loan_no).proposals[proposal_id]
    return app.execute(
        ctx,
        DetermineClassification(
            loan_no=loan_no,
            proposal_id=proposal_id,
            grade=grade or proposal.grade,
            sub_grade=sub_grade if grade else proposal.sub_grade,
            reason=reason,
            **extra,
        ),
        uploads,
    )


def approve(
    app: DossierArchive,
    ctx: CommandContext,
    loan_no: str,
    proposed: Any,
    reason: str = "同意",
    uploads: Uploads = (),
    **extra: Any,
) -> Any:
    """The classification ``proposed`` (what ``propose`` returned) approved; determined (认定)
    first at its proposed grade by the branch's reviewer when the rules in force require it
    and nobody has (:func:`determine` says otherwise)."""
    proposal_id = _id(proposed, "proposal_id")
    proposal = app.loan(loan_no).proposals[proposal_id]
    if (
        app.rule_set().determination_required
        and proposal.status == "pending"
        and proposal.determiner_id is None
    ):
        determine(app, credit_management(app, loan_no), loan_no, proposal_id)
    return app.execute(
        ctx,
        ApproveClassification(loan_no=loan_no, proposal_id=proposal_id, reason=reason, **extra),
        uploads,
    )


def raise_warning(
    app: DossierArchive,
    ctx: CommandContext,
    loan_no: str,
    raised_on: date,
    reason: str = "借款人在他行出现逾期",
    colour: WarningColour = WarningColour.ORANGE,
    code: str = "FIN-01",
    uploads: Uploads = (),
    **extra: Any,
) -> Any:
    """风险预警 raised (orange, FIN-01 of the catalogue, unless said)."""
    return app.execute(
        ctx,
        RaiseWarning(
            loan_no=loan_no, colour=colour, code=code, raised_on=raised_on, reason=reason, **extra
        ),
        uploads,
    )


CODES: dict[WarningColour, tuple[str, ...]] = {
    WarningColour.RED: ("FIN-05", "FIN-06", "OPS-08", "OPS-02", "GUA-04", "GUA-05", "BEH-02"),
    WarningColour.ORANGE: ("FIN-01", "FIN-02", "OPS-04", "OPS-05", "OPS-07", "GUA-01", "BEH-01"),
    WarningColour.YELLOW: ("FIN-03", "FIN-04", "FIN-07", "OPS-03", "OPS-06", "GUA-06", "EXT-01"),
}
"""Catalogue codes of each colour (archive/rules.toml), for tests raising several."""


def handle_warning(
    app: DossierArchive,
    ctx: CommandContext,
    loan_no: str,
    signal_id: UUID,
    handled_on: date,
    measures: str,
    uploads: Uploads = (),
    **extra: Any,
) -> Any:
    """The warning ``signal_id`` handled with ``measures``."""
    return app.execute(
        ctx,
        HandleWarning(
            loan_no=loan_no, signal_id=signal_id, handled_on=handled_on, measures=measures, **extra
        ),
        uploads,
    )


def give_feedback(
    app: DossierArchive,
    ctx: CommandContext,
    loan_no: str,
    signal_id: UUID,
    feedback_on: date,
    result: str = "措施已落实，风险得到控制",
    **extra: Any,
) -> Any:
    """The result of the measures on ``signal_id`` reported (反馈)."""
    return app.execute(
        ctx,
        GiveWarningFeedback(
            loan_no=loan_no, signal_id=signal_id, feedback_on=feedback_on, result=result, **extra
        ),
    )


def determine_warning(
    app: DossierArchive,
    ctx: CommandContext,
    loan_no: str,
    signal_id: UUID,
    determined_on: date,
    confirmed: bool = True,
    opinion: str = "经核实，风险属实",
    **extra: Any,
) -> Any:
    """The warning ``signal_id`` determined (认定): the risk confirmed, unless said."""
    return app.execute(
        ctx,
        DetermineWarning(
            loan_no=loan_no,
            signal_id=signal_id,
            determined_on=determined_on,
            confirmed=confirmed,
            opinion=opinion,
            **extra,
        ),
    )


def start_emergency_plan(
    app: DossierArchive,
    ctx: CommandContext,
    loan_no: str,
    signal_id: UUID,
    started_on: date,
    owner_no: str,
    due_on: date,
    measures: str = "冻结授信额度，追加抵押",
) -> Any:
    """The emergency plan (应急预案) of the warning ``signal_id`` started."""
    return app.execute(
        ctx,
        StartEmergencyPlan(
            loan_no=loan_no,
            signal_id=signal_id,
            started_on=started_on,
            measures=measures,
            owner_no=owner_no,
            due_on=due_on,
        ),
    )


def clear_warning(
    app: DossierArchive,
    ctx: CommandContext,
    loan_no: str,
    signal_id: UUID,
    cleared_on: date,
    reason: str,
    uploads: Uploads = (),
    **extra: Any,
) -> Any:
    """The warning ``signal_id`` cleared."""
    return app.execute(
        ctx,
        ClearWarning(
            loan_no=loan_no, signal_id=signal_id, cleared_on=cleared_on, reason=reason, **extra
        ),
        uploads,
    )


def collect(
    app: DossierArchive,
    ctx: CommandContext,
    loan_no: str,
    kind: CollectionStepKind,
    taken_on: date,
    days_overdue: int,
    outcome: str,
    promised_date: date | None = None,
    uploads: Uploads = (),
    **extra: Any,
) -> Any:
    """催收: a collection step of ``kind`` taken on ``taken_on``."""
    return app.execute(
        ctx,
        TakeCollectionStep(
            loan_no=loan_no,
            kind=kind,
            taken_on=taken_on,
            days_overdue=days_overdue,
            outcome=outcome,
            promised_date=promised_date,
            **extra,
        ),
        uploads,
    )


def restructure(
    app: DossierArchive,
    ctx: CommandContext,
    loan_no: str,
    restructured_on: date,
    new_maturity_date: date,
    new_interest_rate: str,
    terms: str,
    reason: str,
    uploads: Uploads = (),
    **extra: Any,
) -> Any:
    """重组 on ``restructured_on``, to a new maturity and rate."""
    return app.execute(
        ctx,
        Restructure(
            loan_no=loan_no,
            restructured_on=restructured_on,
            new_maturity_date=new_maturity_date,
            new_interest_rate=new_interest_rate,
            terms=terms,
            reason=reason,
            **extra,
        ),
        uploads,
    )


def hand_over(
    app: DossierArchive,
    ctx: CommandContext,
    loan_no: str,
    handed_over_on: date,
    receiving_no: str,
    reason: str,
    uploads: Uploads = (),
    **extra: Any,
) -> Any:
    """移交: the loan handed over to the account manager ``receiving_no``."""
    return app.execute(
        ctx,
        HandOver(
            loan_no=loan_no,
            handed_over_on=handed_over_on,
            receiving_no=receiving_no,
            reason=reason,
            **extra,
        ),
        uploads,
    )


def write_off(
    app: DossierArchive,
    ctx: CommandContext,
    loan_no: str,
    written_off_on: date,
    criterion: WriteOffCriterion = WriteOffCriterion.BANKRUPTCY,
    reason: str = "借款人破产清算终结",
    uploads: Uploads | None = None,
    **extra: Any,
) -> Any:
    """核销 on ``written_off_on``: by default on the borrower's bankruptcy, with the court's
    ruling."""
    command = WriteOff(
        loan_no=loan_no, written_off_on=written_off_on, criterion=criterion, reason=reason, **extra
    )
    if uploads is None:
        uploads = [make_upload("writeoff_evidence", "破产清算终结裁定书")]
    return app.execute(ctx, command, uploads)


def inspect(
    app: DossierArchive,
    ctx: CommandContext,
    loan_no: str,
    kind: InspectionKind,
    inspected_on: date,
    findings: str,
    uploads: Uploads = (),
    reviewer_no: str = "reviewer",
    countersigned: bool = False,
    **extra: Any,
) -> Any:
    """贷后检查 of ``kind`` naming ``reviewer_no``; the checklist the rules in force have for it
    answered all normal, unless ``extra`` answers it. With ``countersigned``, the reviewer
    countersigns it (复核意见) the same day and the countersign's result is returned."""
    checklist = app.rule_set().checklists.for_inspection(
        kind.value, app.loan(loan_no).checklist_facts()
    )
    if checklist is not None and "answers" not in extra:
        extra = {**answered(checklist.code), **extra}
    recorded = app.execute(
        ctx,
        RecordInspection(
            loan_no=loan_no,
            kind=kind,
            inspected_on=inspected_on,
            reviewer_no=reviewer_no,
            findings=findings,
            **extra,
        ),
        uploads,
    )
    if not countersigned:
        return recorded
    return app.execute(
        CommandContext(app.staff(reviewer_no).id),
        CountersignInspection(
            loan_no=loan_no,
            inspection_id=recorded.ids["inspection_id"],
            opinion="同意检查结论",
            countersigned_on=inspected_on,
        ),
    )


def list_transfer(
    app: DossierArchive,
    ctx: CommandContext,
    loan_no: str,
    items: Sequence[Any],
    listed_on: date,
    signed_on: date | None = None,
    kind: TransferKind = TransferKind.ORIGINALS,
    uploads: Uploads = (),
    **extra: Any,
) -> Any:
    """移交清单: the ``items`` listed for transfer to the archive (the contract originals,
    unless ``kind`` says)."""
    return app.execute(
        ctx,
        ListTransfer(
            loan_no=loan_no,
            kind=kind,
            items=list(items),
            listed_on=listed_on,
            signed_on=signed_on,
            **extra,
        ),
        uploads,
    )


def receive_transfer(
    app: DossierArchive,
    ctx: CommandContext,
    loan_no: str,
    listed: Any,
    checks: Sequence[Any],
    received_on: date,
    uploads: Uploads = (),
    **extra: Any,
) -> Any:
    """The transfer ``listed`` (what ``list_transfer`` returned) received with ``checks``."""
    transfer_id = _id(listed, "transfer_id")
    return app.execute(
        ctx,
        ReceiveTransfer(
            loan_no=loan_no,
            transfer_id=transfer_id,
            checks=list(checks),
            received_on=received_on,
            **extra,
        ),
        uploads,
    )


def catalogue(
    app: DossierArchive,
    ctx: CommandContext,
    loan_no: str,
    shelf_location: str,
    catalogued_on: date,
    uploads: Uploads = (),
    **extra: Any,
) -> Any:
    """编目: the dossier shelved at ``shelf_location``."""
    return app.execute(
        ctx,
        Catalogue(
            loan_no=loan_no, shelf_location=shelf_location, catalogued_on=catalogued_on, **extra
        ),
        uploads,
    )


def place_hold(
    app: DossierArchive,
    ctx: CommandContext,
    loan_no: str,
    kind: HoldKind,
    reason: str,
    reference: str,
    placed_on: date,
    uploads: Uploads = (),
    **extra: Any,
) -> Any:
    """冻结: a hold of ``kind`` under ``reference``."""
    return app.execute(
        ctx,
        PlaceHold(
            loan_no=loan_no,
            kind=kind,
            reason=reason,
            reference=reference,
            placed_on=placed_on,
            **extra,
        ),
        uploads,
    )


def release_hold(
    app: DossierArchive,
    ctx: CommandContext,
    loan_no: str,
    hold: Any,
    reason: str,
    released_on: date,
    uploads: Uploads = (),
    **extra: Any,
) -> Any:
    """The hold ``hold`` (what ``place_hold`` returned, or its id) released."""
    return app.execute(
        ctx,
        ReleaseHold(
            loan_no=loan_no,
            hold_id=_id(hold, "hold_id"),
            reason=reason,
            released_on=released_on,
            **extra,
        ),
        uploads,
    )


def open_appraisal(
    app: DossierArchive,
    ctx: CommandContext,
    loan_no: str,
    opened_on: date,
    group_nos: Sequence[str],
    uploads: Uploads = (),
    **extra: Any,
) -> Any:
    """鉴定: an appraisal opened by the group ``group_nos``."""
    return app.execute(
        ctx,
        OpenAppraisal(loan_no=loan_no, opened_on=opened_on, group_nos=list(group_nos), **extra),
        uploads,
    )


def decide_appraisal(
    app: DossierArchive,
    ctx: CommandContext,
    loan_no: str,
    opened: Any,
    opinion: AppraisalOpinion,
    text: str,
    decided_on: date,
    uploads: Uploads = (),
    **extra: Any,
) -> Any:
    """The appraisal ``opened`` (what ``open_appraisal`` returned, or its id) decided."""
    return app.execute(
        ctx,
        DecideAppraisal(
            loan_no=loan_no,
            appraisal_id=_id(opened, "appraisal_id"),
            opinion=opinion,
            text=text,
            decided_on=decided_on,
            **extra,
        ),
        uploads,
    )


def request_borrowing(
    app: DossierArchive,
    ctx: CommandContext,
    loan_no: str,
    purpose: BorrowingPurpose,
    reason: str,
    requested_on: date,
    form: BorrowingForm = BorrowingForm.ORIGINAL,
    uploads: Uploads = (),
    **extra: Any,
) -> Any:
    """借阅: the dossier asked for, for ``purpose`` (the originals, unless ``form`` says)."""
    return app.execute(
        ctx,
        RequestBorrowing(
            loan_no=loan_no,
            purpose=purpose,
            form=form,
            reason=reason,
            requested_on=requested_on,
            **extra,
        ),
        uploads,
    )


def assign_managers(
    app: DossierArchive,
    ctx: CommandContext,
    loan_no: str,
    a_manager_no: str,
    b_manager_no: str | None,
    assigned_on: date,
    reason: str,
    uploads: Uploads = (),
    **extra: Any,
) -> Any:
    """双人管户: the loan's A岗 and B岗 account managers assigned."""
    command = AssignAccountManagers(
        loan_no=loan_no,
        a_manager_no=a_manager_no,
        b_manager_no=b_manager_no,
        assigned_on=assigned_on,
        reason=reason,
        **extra,
    )
    return app.execute(ctx, command, uploads)


def lodge_certificate(
    app: DossierArchive,
    ctx: CommandContext,
    loan_no: str,
    collateral_no: str,
    certificate_no: str,
    lodged_on: date,
    custodian_nos: Sequence[str],
    uploads: Uploads = (),
    **extra: Any,
) -> Any:
    """权证入库: the certificate of ``collateral_no`` lodged with its two custodians."""
    command = LodgeCertificate(
        loan_no=loan_no,
        collateral_no=collateral_no,
        certificate_no=certificate_no,
        lodged_on=lodged_on,
        custodian_nos=list(custodian_nos),
        **extra,
    )
    return app.execute(ctx, command, uploads)


def register_collateral(
    app: DossierArchive,
    ctx: CommandContext,
    loan_no: str,
    uploads: Uploads = (),
    **fields: Any,
) -> Any:
    """押品登记: a flat in Pudong appraised at 2,500,000.00; ``fields`` say any other value."""
    values: dict[str, Any] = {
        "collateral_no": "YP2025-0001",
        "kind": CollateralKind.REAL_ESTATE,
        "description": "上海市浦东新区示例路 88 号 1201 室",
        "owner_name": "上海示例贸易有限公司",
        "appraised_value": Decimal("2500000.00"),
        "appraised_on": date(2024, 12, 20),
        "registration_no": "沪(2025)浦字不动产证明第0012345号",
        "registered_on": date(2025, 1, 5),
    }
    return app.execute(ctx, RegisterCollateral(loan_no=loan_no, **{**values, **fields}), uploads)


def present(*pages: int) -> list[dict[str, Any]]:
    """The checks of items all present, with the pages counted of each (item 1 first)."""
    return [
        {"item_no": n, "condition": "present", "pages_counted": count}
        for n, count in enumerate(pages, start=1)
    ]


def missing(item_no: int, note: str) -> dict[str, Any]:
    """The check of item ``item_no`` found missing, with the archivist's ``note``."""
    return {"item_no": item_no, "condition": "missing", "note": note}
