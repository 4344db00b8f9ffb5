"""A loan's collateral (押品) through the application, and the custody of its certificate (权证).

The account manager registers a flat with the mortgage contract, the valuation report and the
registration certificate; two archivists lodge the certificate, take it out and return it, each
movement with its custody form; the post-loan officer revalues it and keeps it insured; after
settlement the account manager releases it. Every document lands in the loan's dossier pointing
at the collateral event it evidences, and every refusal leaves the log and the blob store as
they were.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from archive.application import DossierArchive
from archive.commands.collateral import (
    LodgeCertificate,
    RecordInsuranceLapse,
    ReleaseCollateral,
    RenewInsurance,
    ReturnCertificate,
    RevalueCollateral,
    TakeOutCertificate,
)
from archive.commands.lifecycle import Settle
from archive.commands.staff import RevokeRole
from archive.core import SYSTEM_ID, CommandContext, CommandResult, blob_key
from archive.documents.ingest import Upload
from archive.errors import StaleVersionError
from domain.errors import (
    AlreadyExistsError,
    InvalidTransitionError,
    NotFoundError,
    RoleNotPermittedError,
    SegregationOfDutiesError,
)
from domain.values import (
    CertificateStatus,
    CollateralKind,
    CollateralStatus,
    Role,
    collateral_id_for,
    dossier_id_for,
    loan_id_for,
)
from tests import steps
from tests.factories import PRINCIPAL, make_disbursement, make_upload

LOAN_NO = "JJ2025011000021"
COLLATERAL_NO = "YP2025-0001"
CUSTODIANS = ["archivist", "second_archivist"]
# What a collateral's life from registration to release files: each document type with the
# version of the collateral it evidences.
FILED_IN_ITS_LIFE = [
    ("mortgage_contract", 1),
    ("valuation_report", 1),
    ("registration_certificate", 1),
    ("custody_form", 2),
    ("custody_form", 3),
    ("custody_form", 4),
    ("revaluation_report", 5),
    ("insurance_policy", 6),
    ("release_certificate", 8),
]


@contextmanager
def changes_nothing(app: DossierArchive) -> Iterator[None]:
    """Assert that the block records no event and leaves no blob behind."""
    before = (app.recorder.max_notification_id(), sorted(app.blobs.keys()))
    yield
    assert (app.recorder.max_notification_id(), sorted(app.blobs.keys())) == before


@pytest.fixture
def loan_no(app: DossierArchive, staff: dict[str, CommandContext]) -> str:
    app.execute(
        staff["account_manager"], make_disbursement(LOAN_NO), [make_upload("loan_contract")]
    )
    return LOAN_NO


def register(
    app: DossierArchive,
    ctx: CommandContext,
    loan_no: str = LOAN_NO,
    uploads: Sequence[Upload] = (),
    **overrides: Any,
) -> CommandResult:
    return steps.register_collateral(
        app, ctx, loan_no, uploads, **{"collateral_no": COLLATERAL_NO, **overrides}
    )


def lodge(app: DossierArchive, ctx: CommandContext, **overrides: Any) -> CommandResult:
    params: dict[str, Any] = {
        "certificate_no": "他项权证 0012345",
        "lodged_on": date(2025, 1, 12),
        "custodian_nos": CUSTODIANS,
    }
    params.update(overrides)
    uploads = params.pop("uploads", [make_upload("custody_form", "权证入库交接单")])
    return app.execute(
        ctx, LodgeCertificate(loan_no=LOAN_NO, collateral_no=COLLATERAL_NO, **params), uploads
    )


def test_a_collateral_lives_from_registration_to_release_and_its_documents_are_filed(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    am, plo = staff["account_manager"], staff["post_loan_officer"]
    first, second = staff["archivist"], staff["second_archivist"]
    collateral_id = collateral_id_for(loan_id_for(LOAN_NO), COLLATERAL_NO)

    # 押品登记, with the mortgage contract, the valuation and the registration certificate.
    registered = register(
        app,
        am,
        uploads=[
            make_upload("mortgage_contract", "抵押合同"),
            make_upload("valuation_report", "押品评估报告"),
            make_upload("registration_certificate", "不动产登记证明"),
        ],
    )
    assert (registered.aggregate_id, registered.version, registered.events) == (
        collateral_id,
        1,
        ("Registered",),
    )
    assert (registered.loan_no, registered.ids) == (LOAN_NO, {"collateral_id": str(collateral_id)})

    # 权证入库 → 出库 → 归还, two archivists each time; the second records the take-out.
    lodge(app, first)
    app.execute(
        second,
        TakeOutCertificate(
            loan_no=LOAN_NO,
            collateral_no=COLLATERAL_NO,
            taken_out_on=date(2025, 6, 1),
            purpose="办理抵押变更登记",
            custodian_nos=CUSTODIANS,
        ),
        [make_upload("custody_form", "权证出库交接单")],
    )
    assert app.get_collateral(am, LOAN_NO, COLLATERAL_NO).certificate_status is (
        CertificateStatus.OUT
    )
    app.execute(
        first,
        ReturnCertificate(
            loan_no=LOAN_NO,
            collateral_no=COLLATERAL_NO,
            returned_on=date(2025, 6, 3),
            custodian_nos=CUSTODIANS,
        ),
        [make_upload("custody_form", "权证归还交接单")],
    )

    # 重估 and insurance, by the post-loan officer.
    app.execute(
        plo,
        RevalueCollateral(
            loan_no=LOAN_NO,
            collateral_no=COLLATERAL_NO,
            revalued_on=date(2025, 7, 1),
            value=Decimal("2200000.00"),
        ),
        [make_upload("revaluation_report", "押品重估报告")],
    )
    app.execute(
        plo,
        RenewInsurance(
            loan_no=LOAN_NO,
            collateral_no=COLLATERAL_NO,
            policy_no="PICC-2025-001",
            insurer="中国人民财产保险股份有限公司",
            expires_on=date(2026, 1, 31),
        ),
        [make_upload("insurance_policy", "财产保险单")],
    )
    app.execute(
        plo,
        RecordInsuranceLapse(
            loan_no=LOAN_NO, collateral_no=COLLATERAL_NO, lapsed_on=date(2025, 9, 1)
        ),
    )

    # 结清, then 注销 by the account manager with the release certificate.
    steps.repay(app, am, LOAN_NO, date(2025, 10, 10), PRINCIPAL)
    app.execute(am, Settle(loan_no=LOAN_NO, settled_on=date(2025, 10, 10)))
    released = app.execute(
        am,
        ReleaseCollateral(
            loan_no=LOAN_NO,
            collateral_no=COLLATERAL_NO,
            released_on=date(2025, 10, 15),
            reason="贷款已结清，办理抵押注销",
        ),
        [make_upload("release_certificate", "抵押注销登记证明")],
    )
    assert released.version == 8

    collateral = app.get_collateral(staff["auditor"], LOAN_NO, COLLATERAL_NO)
    assert collateral.status is CollateralStatus.RELEASED
    assert collateral.certificate_status is CertificateStatus.RELEASED
    assert (collateral.value, collateral.insurance_status) == (Decimal("2200000.00"), "lapsed")
    assert [c.id for c in app.list_collateral(am, LOAN_NO)] == [collateral_id]

    # The auditor reads every event back: who, in which role, with which custodians.
    events = app.collateral_events(staff["auditor"], LOAN_NO, COLLATERAL_NO)
    assert [(e.type, e.actor_id, e.role) for e in events] == [
        ("Registered", am.staff_id, "account_manager"),
        ("CertificateLodged", first.staff_id, "archivist"),
        ("CertificateTakenOut", second.staff_id, "archivist"),
        ("CertificateReturned", first.staff_id, "archivist"),
        ("Revalued", plo.staff_id, "post_loan_officer"),
        ("InsuranceRenewed", plo.staff_id, "post_loan_officer"),
        ("InsuranceLapsed", plo.staff_id, "post_loan_officer"),
        ("Released", am.staff_id, "account_manager"),
    ]
    pair = sorted([str(first.staff_id), str(second.staff_id)])
    assert all(sorted(e.data["custodian_ids"]) == pair for e in events[1:4])
    assert events[4].data["previous_value"] == "2500000.00"
    positions = [e.position for e in events]
    assert all(isinstance(p, int) for p in positions)
    assert positions == sorted(positions)

    # Every document is in the loan's dossier, pointing at the collateral event it evidences,
    # and its bytes are in the blob store.
    dossier = app.get_dossier(am, LOAN_NO)
    filed = [d for d in dossier.documents if d.evidences_id == collateral_id]
    assert [(d.ref.doc_type, d.evidences_version) for d in filed] == FILED_IN_ITS_LIFE
    assert {d.stage for d in filed if d.ref.doc_type == "custody_form"} == {"collateral"}
    cited = {d["sha256"] for e in events for d in e.documents}
    assert cited == {d.ref.sha256 for d in filed}
    dossier_id = dossier_id_for(loan_id_for(LOAN_NO))
    assert all(app.blobs.exists(blob_key(dossier_id, sha)) for sha in cited)


def test_a_loans_collateral_lists_only_its_own(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    am = staff["account_manager"]
    app.execute(am, make_disbursement("JJ2025011000022"))
    register(app, am, collateral_no="YP-A")
    register(app, am, "JJ2025011000022", collateral_no="YP-A")
    register(app, am, collateral_no="YP-B", kind=CollateralKind.VEHICLE)

    listed = app.list_collateral(staff["auditor"], LOAN_NO)

    assert [(c.collateral_no, c.kind) for c in listed] == [
        ("YP-A", CollateralKind.REAL_ESTATE),
        ("YP-B", CollateralKind.VEHICLE),
    ]
    assert app.list_collateral(am, "JJ2025011000022")[0].loan_no == "JJ2025011000022"


def test_collateral_cannot_be_registered_on_an_unknown_loan(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    with changes_nothing(app), pytest.raises(NotFoundError) as refused:
        register(
            app, staff["account_manager"], "JJ-NO-SUCH", uploads=[make_upload("valuation_report")]
        )

    assert "JJ-NO-SUCH" in refused.value.en


def test_collateral_cannot_be_registered_on_a_settled_loan(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    am = staff["account_manager"]
    steps.repay(app, am, LOAN_NO, date(2025, 10, 10), PRINCIPAL)
    app.execute(am, Settle(loan_no=LOAN_NO, settled_on=date(2025, 10, 10)))

    with changes_nothing(app), pytest.raises(InvalidTransitionError):
        register(app, am, uploads=[make_upload("valuation_report")])


def test_the_same_collateral_number_cannot_be_registered_twice_on_a_loan(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    register(app, staff["account_manager"])

    with changes_nothing(app), pytest.raises(AlreadyExistsError):
        register(app, staff["post_loan_officer"], uploads=[make_upload("valuation_report")])


def test_an_unknown_collateral_is_not_found(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    with changes_nothing(app), pytest.raises(NotFoundError):
        lodge(app, staff["archivist"])
    with pytest.raises(NotFoundError):
        app.get_collateral(staff["auditor"], LOAN_NO, "YP-NONE")


def test_one_archivist_alone_cannot_lodge_a_certificate(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    register(app, staff["account_manager"])

    with changes_nothing(app), pytest.raises(SegregationOfDutiesError):
        lodge(app, staff["archivist"], custodian_nos=["archivist"])
    with changes_nothing(app), pytest.raises(SegregationOfDutiesError):
        lodge(app, staff["archivist"], custodian_nos=["archivist", "account_manager"])


def test_a_custodian_must_hold_the_archivist_role_at_the_moment_of_the_movement(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    register(app, staff["account_manager"])
    app.execute(
        CommandContext(SYSTEM_ID),
        RevokeRole(staff_no="second_archivist", role=Role.ARCHIVIST, reason="调岗"),
    )

    with changes_nothing(app), pytest.raises(SegregationOfDutiesError) as refused:
        lodge(app, staff["archivist"])

    assert "archivist role at this moment" in refused.value.en


def test_only_archivists_move_certificates(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    register(app, staff["account_manager"])

    with changes_nothing(app), pytest.raises(RoleNotPermittedError):
        lodge(app, staff["account_manager"])


def test_a_certificate_in_the_vault_cannot_be_lodged_twice(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    register(app, staff["account_manager"])
    lodge(app, staff["archivist"])

    with changes_nothing(app), pytest.raises(InvalidTransitionError):
        lodge(app, staff["second_archivist"], lodged_on=date(2025, 1, 13))


def test_before_settlement_only_the_branch_head_releases_collateral(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    register(app, staff["account_manager"])

    def release(ctx: CommandContext) -> CommandResult:
        return app.execute(
            ctx,
            ReleaseCollateral(
                loan_no=LOAN_NO,
                collateral_no=COLLATERAL_NO,
                released_on=date(2025, 3, 1),
                reason="以存单置换抵押物",
            ),
            [make_upload("release_certificate")],
        )

    with changes_nothing(app), pytest.raises(RoleNotPermittedError):
        release(staff["account_manager"])
    assert release(staff["branch_head"]).events == ("Released",)
    with changes_nothing(app), pytest.raises(InvalidTransitionError):
        app.execute(
            staff["account_manager"],
            RevalueCollateral(
                loan_no=LOAN_NO,
                collateral_no=COLLATERAL_NO,
                revalued_on=date(2025, 4, 1),
                value=Decimal("100.00"),
            ),
        )


def test_a_retried_movement_replays_and_a_stale_one_is_refused(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    register(app, staff["account_manager"])
    keyed = replace(staff["archivist"], idempotency_key="lodge-YP2025-0001")
    form = make_upload("custody_form", "权证入库交接单 幂等")

    first = lodge(app, keyed, uploads=[form])
    with changes_nothing(app):
        again = lodge(app, keyed, uploads=[make_upload("custody_form", "权证入库交接单 幂等")])

    assert again.replayed
    assert (again.version, again.position, again.documents) == (
        first.version,
        first.position,
        first.documents,
    )
    stale = replace(staff["archivist"], expected_version=1)
    with changes_nothing(app), pytest.raises(StaleVersionError):
        app.execute(
            stale,
            TakeOutCertificate(
                loan_no=LOAN_NO,
                collateral_no=COLLATERAL_NO,
                taken_out_on=date(2025, 2, 1),
                purpose="诉讼需要",
                custodian_nos=CUSTODIANS,
            ),
        )
