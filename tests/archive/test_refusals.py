"""Refusals change nothing: no event, no blob, no partial state (DESIGN principle 8).

Each scenario snapshots the global sequence and the blob store, sends a command the rules
refuse — most of them carrying a document, so a stored-then-orphaned blob would show — and
checks that the right error came back and that neither the log nor the blob store moved.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest

from archive.application import DossierArchive
from archive.commands.lifecycle import Settle
from archive.commands.staff import EnrolStaff, GrantRole
from archive.config import ArchiveConfig
from archive.core import SYSTEM_ID, CommandContext
from archive.errors import DocumentRejectedError, DocumentTooLargeError, StaleVersionError
from domain.errors import (
    AdministratorBusinessActionError,
    AlreadyExistsError,
    ClassificationFloorError,
    InvalidInputError,
    InvalidTransitionError,
    NotFoundError,
    RoleNotPermittedError,
    SegregationOfDutiesError,
)
from domain.values import Grade, InspectionKind, Role
from storage.blobs import LocalBlobStore
from tests import steps
from tests.factories import make_disbursement, make_pdf, make_png, make_staff, make_upload

LOAN_NO = "JJ2025011000002"


@contextmanager
def changes_nothing(app: DossierArchive) -> Iterator[None]:
    """Assert that the block records no event and leaves no blob behind."""
    before = (app.recorder.max_notification_id(), app.blobs.count(), sorted(app.blobs.keys()))
    yield
    after = (app.recorder.max_notification_id(), app.blobs.count(), sorted(app.blobs.keys()))
    assert after == before


@pytest.fixture
def loan_no(app: DossierArchive, staff: dict[str, CommandContext]) -> str:
    """A loan disbursed with its contract and drawdown receipt."""
    steps.disburse(app, staff["account_manager"], LOAN_NO, "loan_contract", "drawdown_receipt")
    return LOAN_NO


def _overdue(app: DossierArchive, staff: dict[str, CommandContext], days: int) -> None:
    steps.overdue(
        app, staff["post_loan_officer"], LOAN_NO, date(2025, 6, 1), days, "100000.00", "5000.00"
    )


def _propose(
    app: DossierArchive, ctx: CommandContext, grade: Grade, *, form: bytes | None = None
) -> UUID:
    result = steps.propose(
        app,
        ctx,
        LOAN_NO,
        grade,
        date(2025, 6, 1),
        "按逾期天数初分",
        uploads=[make_upload("classification_form", data=form or make_pdf("五级分类认定表"))],
    )
    return UUID(result.ids["proposal_id"])


# ------------------------------------------------------------------ classification
def test_approving_a_grade_better_than_the_statutory_floor_is_refused_and_records_nothing(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    _overdue(app, staff, days=100)  # more than 90 days: at least substandard
    proposal_id = _propose(app, staff["account_manager"], Grade.SPECIAL_MENTION)
    # The branch's credit management enrolled first: under rules requiring 认定 the grade is
    # refused there, the first act that fixes it.
    steps.credit_management(app, loan_no)

    with changes_nothing(app), pytest.raises(ClassificationFloorError) as refused:
        steps.approve(
            app,
            staff["risk_manager"],
            loan_no,
            proposal_id,
            "审批同意",
            uploads=[make_upload("classification_form", "审批意见：关注")],
        )
    assert refused.value.context == {"floor": "substandard", "proposed": "special_mention"}
    assert app.get_loan(staff["risk_manager"], loan_no).grade is Grade.NORMAL


def test_approving_ones_own_classification_proposal_is_refused(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    # Someone who holds both duties still may not approve what they proposed (审贷分离).
    app.execute(
        CommandContext(SYSTEM_ID), GrantRole(staff_no="post_loan_officer", role=Role.RISK_MANAGER)
    )
    plo = staff["post_loan_officer"]
    _overdue(app, staff, days=10)
    proposal_id = _propose(app, plo, Grade.SPECIAL_MENTION)
    steps.determine(app, steps.credit_management(app, loan_no), loan_no, proposal_id)

    with changes_nothing(app), pytest.raises(SegregationOfDutiesError):
        steps.approve(
            app,
            CommandContext(plo.staff_id, role=Role.RISK_MANAGER),
            loan_no,
            proposal_id,
            "本人审批",
            uploads=[make_upload("classification_form", "本人审批意见")],
        )


def test_a_refused_command_citing_a_document_already_on_file_leaves_that_document_in_place(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    form = make_pdf("五级分类认定表 次级")
    _overdue(app, staff, days=100)
    proposal_id = _propose(app, staff["account_manager"], Grade.SPECIAL_MENTION, form=form)
    steps.credit_management(app, loan_no)
    keys = sorted(app.blobs.keys())

    with changes_nothing(app), pytest.raises(ClassificationFloorError):
        steps.approve(
            app,
            staff["risk_manager"],
            loan_no,
            proposal_id,
            "审批同意",
            uploads=[make_upload("classification_form", data=form)],
        )
    assert sorted(app.blobs.keys()) == keys


# --------------------------------------------------------------------- inspections
def test_an_inspection_whose_reviewer_is_its_inspector_is_refused(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    with changes_nothing(app), pytest.raises(SegregationOfDutiesError):
        steps.inspect(
            app,
            staff["account_manager"],
            loan_no,
            InspectionKind.FIRST_FOLLOW_UP,
            date(2025, 1, 20),
            "自查自核",
            reviewer_no="account_manager",
            uploads=[make_upload("first_inspection_report")],
        )


def test_an_inspection_countersigned_by_someone_without_the_reviewer_role_is_refused(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    with changes_nothing(app), pytest.raises(SegregationOfDutiesError):
        steps.inspect(
            app,
            staff["account_manager"],
            loan_no,
            InspectionKind.FIRST_FOLLOW_UP,
            date(2025, 1, 20),
            "正常",
            reviewer_no="account_manager_2",
            uploads=[make_upload("first_inspection_report")],
        )


# ------------------------------------------------------------- origination parties
def test_a_disbursement_approved_by_someone_without_an_approving_role_is_refused(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    with changes_nothing(app), pytest.raises(SegregationOfDutiesError) as refused:
        app.execute(
            staff["account_manager"],
            make_disbursement(
                "JJ-BAD-APPROVER",
                origination_reviewer_no="reviewer",
                approver_no="post_loan_officer",
            ),
            [make_upload("loan_contract"), make_upload("approval")],
        )
    assert "branch head or risk manager" in refused.value.en


def test_a_disbursement_reviewed_and_approved_by_one_person_is_refused(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    with changes_nothing(app), pytest.raises(SegregationOfDutiesError):
        app.execute(
            staff["account_manager"],
            make_disbursement(
                "JJ-ONE-PERSON", origination_reviewer_no="branch_head", approver_no="branch_head"
            ),
            [make_upload("loan_contract")],
        )


def test_a_disbursement_naming_an_unknown_staff_member_is_refused_naming_the_duty(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    with changes_nothing(app), pytest.raises(NotFoundError) as refused:
        app.execute(
            staff["account_manager"],
            make_disbursement("JJ-NO-APPROVER", approver_no="NOBODY"),
            [make_upload("loan_contract")],
        )
    assert refused.value.context["field"] == "approver"
    assert refused.value.zh == "审批人工号 NOBODY 不存在"


# --------------------------------------------------------------- who may act at all
def test_a_role_not_allowed_to_act_is_refused(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    with changes_nothing(app), pytest.raises(RoleNotPermittedError) as refused:
        app.execute(
            staff["auditor"],
            make_disbursement("JJ-BY-AUDITOR"),
            [make_upload("loan_contract"), make_upload("drawdown_receipt")],
        )
    assert refused.value.context["action"] == "disburse"
    assert refused.value.context["allowed"] == ["account_manager"]

    with changes_nothing(app), pytest.raises(RoleNotPermittedError):
        steps.restructure(
            app,
            staff["account_manager"],
            loan_no,
            date(2025, 4, 10),
            date(2026, 7, 10),
            "3.85%",
            "延期",
            "客户经理自行重组",
            uploads=[make_upload("restructuring_agreement")],
        )


def test_an_administrator_may_not_record_business(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    for administrator in (staff["administrator"], CommandContext(SYSTEM_ID)):
        with changes_nothing(app), pytest.raises(AdministratorBusinessActionError):
            steps.repay(
                app,
                administrator,
                loan_no,
                date(2025, 2, 10),
                "1000.00",
                uploads=[make_upload("repayment_voucher")],
            )
        with changes_nothing(app), pytest.raises(AdministratorBusinessActionError):
            app.execute(
                administrator, make_disbursement("JJ-BY-ADMIN"), [make_upload("loan_contract")]
            )


def test_business_users_may_not_manage_staff(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    with changes_nothing(app), pytest.raises(SegregationOfDutiesError):
        app.execute(
            staff["branch_head"], GrantRole(staff_no="account_manager", role=Role.RISK_MANAGER)
        )


def test_enrolling_a_staff_number_twice_is_refused_as_already_enrolled(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    with changes_nothing(app), pytest.raises(AlreadyExistsError):
        app.execute(
            CommandContext(SYSTEM_ID),
            EnrolStaff(
                staff_no="reviewer",
                name="另一个王芳",
                branch="营业部",
                roles=[Role.ARCHIVIST],
            ),
        )
    assert app.staff("reviewer").current_roles == {Role.REVIEWER}


# --------------------------------------------------------- the loan and its state
def test_a_command_on_an_unknown_loan_is_refused(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    with changes_nothing(app), pytest.raises(NotFoundError):
        steps.repay(
            app,
            staff["account_manager"],
            "JJ-NO-SUCH-LOAN",
            date(2025, 2, 10),
            "1000.00",
            uploads=[make_upload("repayment_voucher")],
        )


def test_disbursing_the_same_loan_number_twice_is_refused(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    with changes_nothing(app), pytest.raises(AlreadyExistsError):
        app.execute(
            staff["account_manager"],
            make_disbursement(loan_no),
            [make_upload("loan_contract", "另一份借款合同")],
        )


def test_a_settled_loan_can_be_neither_settled_again_nor_inspected(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    am = staff["account_manager"]
    steps.repay(app, am, loan_no, date(2026, 1, 10), "1000000.00", "34500.00")
    app.execute(am, Settle(loan_no=loan_no, settled_on=date(2026, 1, 10)))

    with changes_nothing(app), pytest.raises(InvalidTransitionError):
        app.execute(
            am,
            Settle(loan_no=loan_no, settled_on=date(2026, 1, 11)),
            [make_upload("settlement_certificate")],
        )
    with changes_nothing(app), pytest.raises(InvalidTransitionError):
        steps.inspect(
            app,
            am,
            loan_no,
            InspectionKind.ROUTINE,
            date(2026, 2, 1),
            "已结清贷款检查",
            uploads=[make_upload("inspection_report")],
        )


def test_settling_a_loan_that_still_owes_is_refused(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    with changes_nothing(app), pytest.raises(InvalidTransitionError) as refused:
        app.execute(
            staff["account_manager"],
            Settle(loan_no=loan_no, settled_on=date(2025, 2, 1)),
            [make_upload("settlement_certificate")],
        )
    assert refused.value.context == {"balance": "1000000.00"}


def test_a_command_against_a_stale_version_is_refused_with_the_current_version(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    am = staff["account_manager"]
    steps.repay(app, am, loan_no, date(2025, 2, 10), "1000.00", Decimal(0))
    stale = CommandContext(am.staff_id, expected_version=1)

    with changes_nothing(app), pytest.raises(StaleVersionError) as refused:
        steps.repay(
            app,
            stale,
            loan_no,
            date(2025, 3, 10),
            "1000.00",
            uploads=[make_upload("repayment_voucher")],
        )
    assert refused.value.context == {"current_version": 2}

    # With the current version the same command goes through.
    current = CommandContext(am.staff_id, expected_version=2)
    result = steps.repay(app, current, loan_no, date(2025, 3, 10), "1.00", Decimal(0))
    assert result.version == 3


# ---------------------------------------------------------------------- documents
def _truncated_pdf() -> bytes:
    whole = make_pdf("借款合同（不完整）", pages=2)
    return whole[: len(whole) // 2]


REFUSED_DOCUMENTS = {
    "empty file": ("empty.pdf", b""),
    "a png named .pdf": ("合同扫描件.pdf", make_png()),
    "a truncated pdf": ("借款合同.pdf", _truncated_pdf()),
    "not a document at all": ("notes.pdf", b"just some text, no PDF header"),
    "a path for a name": ("../../etc/passwd.pdf", make_pdf("passwd")),
    "a windows path for a name": ("..\\..\\boot.pdf", make_pdf("boot")),
    "a hidden file name": (".hidden.pdf", make_pdf("hidden")),
    "a pdf named .png": ("照片.png", make_pdf("not a photo")),
}


@pytest.mark.parametrize(("filename", "data"), REFUSED_DOCUMENTS.values(), ids=REFUSED_DOCUMENTS)
def test_a_refused_document_refuses_the_whole_disbursement(
    app: DossierArchive, staff: dict[str, CommandContext], filename: str, data: bytes
) -> None:
    uploads = [
        make_upload("loan_contract", "一份正常的借款合同"),
        make_upload("drawdown_receipt", filename=filename, data=data),
    ]
    with changes_nothing(app), pytest.raises(DocumentRejectedError):
        app.execute(staff["account_manager"], make_disbursement("JJ-BAD-DOC"), uploads)
    with pytest.raises(NotFoundError):
        app.get_loan(staff["account_manager"], "JJ-BAD-DOC")


@pytest.mark.parametrize(("filename", "data"), REFUSED_DOCUMENTS.values(), ids=REFUSED_DOCUMENTS)
def test_a_refused_document_refuses_a_command_on_an_existing_loan(
    app: DossierArchive,
    staff: dict[str, CommandContext],
    loan_no: str,
    filename: str,
    data: bytes,
) -> None:
    with changes_nothing(app), pytest.raises(DocumentRejectedError):
        steps.repay(
            app,
            staff["account_manager"],
            loan_no,
            date(2025, 2, 10),
            "1000.00",
            uploads=[make_upload("repayment_voucher", filename=filename, data=data)],
        )


def test_an_unknown_document_type_is_refused(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    with changes_nothing(app), pytest.raises(InvalidInputError, match="unknown document type"):
        app.file_supplement(
            staff["archivist"],
            loan_no,
            stage="other",
            uploads=[make_upload("love_letter", "情书")],
        )


def test_a_document_larger_than_the_limit_is_refused(
    store_env: dict[str, str], tmp_path: Path
) -> None:
    small = make_pdf("小文件")
    big = make_pdf("大文件 " * 40, pages=12)
    assert len(small) < len(big)
    app = DossierArchive(
        store_env,
        blobs=LocalBlobStore(tmp_path / "blobs"),
        config=ArchiveConfig(max_upload_bytes=len(small)),
    )
    try:
        staff = make_staff(app)
        am = staff["account_manager"]
        # Exactly at the limit is allowed.
        app.execute(am, make_disbursement(LOAN_NO), [make_upload("loan_contract", data=small)])

        with changes_nothing(app), pytest.raises(DocumentTooLargeError):
            steps.repay(
                app,
                am,
                LOAN_NO,
                date(2025, 2, 10),
                "1000.00",
                uploads=[
                    make_upload("repayment_voucher", data=small),
                    make_upload("other", data=big),
                ],
            )
    finally:
        app.close()
