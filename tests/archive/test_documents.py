"""Reading a filed document back: the same bytes, only from its own dossier, only for business."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from archive.application import DossierArchive
from archive.commands.staff import RevokeRole
from archive.core import SYSTEM_ID, CommandContext
from domain.errors import AdministratorBusinessActionError, NotFoundError, RoleNotPermittedError
from domain.values import InspectionKind, ReadPurpose, Role
from tests import steps
from tests.factories import make_disbursement, make_pdf, make_png, make_upload

LOAN_NO = "JJ2025011000007"


@pytest.fixture
def contract(app: DossierArchive, staff: dict[str, CommandContext]) -> bytes:
    """The loan contract filed with the disbursement of LOAN_NO."""
    body = make_pdf("借款合同 第2025-007号 甲方 上海示例贸易有限公司", pages=4)
    app.execute(
        staff["account_manager"],
        make_disbursement(LOAN_NO),
        [make_upload("loan_contract", filename="借款合同-2025-007.pdf", data=body)],
    )
    return body


def original(
    app: DossierArchive, ctx: CommandContext, sha256: str, loan_no: str = LOAN_NO
) -> bytes:
    """The original bytes of a filed document, read (and recorded) as an audit."""
    return app.read_document(ctx, loan_no, sha256, purpose=ReadPurpose.AUDIT, original=True).content


def test_a_filed_document_reads_back_as_the_same_bytes(
    app: DossierArchive, staff: dict[str, CommandContext], contract: bytes
) -> None:
    sha256 = hashlib.sha256(contract).hexdigest()
    assert original(app, staff["auditor"], sha256) == contract
    for reader in ("archivist", "account_manager_2", "risk_manager"):
        copy = app.read_document(staff[reader], LOAN_NO, sha256, purpose=ReadPurpose.BUSINESS)
        assert copy.watermarked
        assert copy.content != contract
        assert copy.ref.filename == "借款合同-2025-007.pdf"
        assert copy.ref.pages == 4
        assert copy.ref.size == len(contract)
        with pytest.raises(RoleNotPermittedError):
            app.read_document(
                staff[reader], LOAN_NO, sha256, purpose=ReadPurpose.AUDIT, original=True
            )
    reads = [e for e in app.dossier_events(staff["auditor"], LOAN_NO) if e.type == "DocumentRead"]
    assert len(reads) == 4


def test_a_supplement_filed_by_the_archivist_reads_back_too(
    app: DossierArchive, staff: dict[str, CommandContext], contract: bytes
) -> None:
    scan = make_pdf("补充归档 抵押登记证明", pages=2)
    filed = app.file_supplement(
        staff["archivist"],
        LOAN_NO,
        stage="disbursement",
        uploads=[make_upload("registration_certificate", data=scan)],
    )
    assert filed.events == ("DocumentFiled",)
    (ref,) = filed.documents
    assert original(app, staff["auditor"], ref.sha256) == scan
    supplement = app.get_dossier(staff["auditor"], LOAN_NO).documents[-1]
    assert (supplement.evidences_id, supplement.evidences_version) == (None, None)


def test_an_unknown_hash_is_not_found(
    app: DossierArchive, staff: dict[str, CommandContext], contract: bytes
) -> None:
    for sha256 in (hashlib.sha256(b"never filed").hexdigest(), "../../etc/passwd", ""):
        with pytest.raises(NotFoundError):
            original(app, staff["auditor"], sha256, LOAN_NO)
    with pytest.raises(NotFoundError):
        original(app, staff["auditor"], hashlib.sha256(contract).hexdigest(), "JJ-NO-SUCH-LOAN")


def test_a_document_is_found_only_in_its_own_dossier(
    app: DossierArchive, staff: dict[str, CommandContext], contract: bytes
) -> None:
    app.execute(staff["account_manager"], make_disbursement("JJ-ANOTHER"))
    with pytest.raises(NotFoundError):
        original(app, staff["auditor"], hashlib.sha256(contract).hexdigest(), "JJ-ANOTHER")


def test_an_administrator_cannot_read_business_data(
    app: DossierArchive, staff: dict[str, CommandContext], contract: bytes
) -> None:
    sha256 = hashlib.sha256(contract).hexdigest()
    for administrator in (staff["administrator"], CommandContext(SYSTEM_ID)):
        with pytest.raises(AdministratorBusinessActionError):
            original(app, administrator, sha256)
        with pytest.raises(AdministratorBusinessActionError):
            app.loan_events(administrator, LOAN_NO)
        with pytest.raises(AdministratorBusinessActionError):
            app.get_dossier(administrator, LOAN_NO)


def test_someone_with_no_role_left_cannot_read_documents(
    app: DossierArchive, staff: dict[str, CommandContext], contract: bytes
) -> None:
    app.execute(
        CommandContext(SYSTEM_ID),
        RevokeRole(staff_no="archivist", role=Role.ARCHIVIST, reason="离职"),
    )
    with pytest.raises(RoleNotPermittedError):
        app.read_document(
            staff["archivist"],
            LOAN_NO,
            hashlib.sha256(contract).hexdigest(),
            purpose=ReadPurpose.BUSINESS,
        )


def test_an_on_site_photo_is_filed_as_an_image_without_a_page_count(
    app: DossierArchive, staff: dict[str, CommandContext], contract: bytes
) -> None:
    photo = make_png()
    result = steps.inspect(
        app,
        staff["account_manager"],
        LOAN_NO,
        InspectionKind.ON_SITE,
        date(2025, 3, 1),
        "厂区正常生产",
        uploads=[make_upload("site_photo", filename="厂区.png", data=photo)],
    )
    # The photo, beside the inspection report generated from the checklist's answers.
    (ref,) = [d for d in result.documents if d.doc_type == "site_photo"]
    assert [d.doc_type for d in result.documents if d is not ref] == ["inspection_report"]
    assert (ref.media_type, ref.pages, ref.size) == ("image/png", None, len(photo))
    assert original(app, staff["auditor"], ref.sha256) == photo
    copy = app.read_document(staff["archivist"], LOAN_NO, ref.sha256, purpose=ReadPurpose.AUDIT)
    assert copy.media_type == "application/pdf"
    assert copy.content.startswith(b"%PDF-")
