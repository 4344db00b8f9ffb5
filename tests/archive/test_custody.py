"""The archive office through the application, on SQLite and PostgreSQL.

The account manager hands the contract originals over; the archivist checks them, one missing,
and later clears the defect. After settlement the full dossier follows and is matched with the
originals (二次组卷); the archivist catalogues it under a DA/T 22 reference code, retention starts
on 1 January after settlement. Compliance and an auditor freeze it (holds stack); when retention
has run out it appears in the past-retention list, the archive head opens an appraisal with a
group of two, decides to keep it longer and extends retention. Every refusal has its own error
and leaves events, blobs and data keys as they were.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import pytest

from archive.application import DossierArchive
from archive.commands.custody import (
    ClearDefect,
    ExtendRetention,
)
from archive.commands.lifecycle import Settle
from archive.commands.staff import EnrolStaff
from archive.core import SYSTEM_ID, CommandContext
from archive.errors import ConcurrentUpdateError
from domain.errors import (
    AdministratorBusinessActionError,
    AlreadyCataloguedError,
    AppraisalGroupError,
    AppraisalOpenError,
    HoldAlreadyReleasedError,
    LoanNotClosedError,
    NothingReceivedError,
    ReceiptMismatchError,
    RetentionNotExpiredError,
    RetentionNotStartedError,
    RoleNotPermittedError,
    SegregationOfDutiesError,
)
from domain.reference import Series
from domain.values import (
    AppraisalOpinion,
    HoldKind,
    ItemCondition,
    RetentionClass,
    Role,
    TransferKind,
)
from storage.envelope import EncryptingBlobStore
from tests import steps
from tests.factories import PRINCIPAL, make_disbursement, make_upload

AFTER_RETENTION = datetime(2056, 3, 1, 9, 0, tzinfo=UTC)  # D30 from 2026 ends 2055-12-31

LOAN_NO = "JJ2025011000051"
ITEMS = [
    {"doc_type": "loan_contract", "title": "借款合同", "pages": 6},
    {"doc_type": "guarantee_contract", "title": "保证合同", "pages": 4},
]


def counts(app: DossierArchive) -> tuple[int, int, int]:
    blobs = app.blobs
    keys = blobs.envelope.keys.count() if isinstance(blobs, EncryptingBlobStore) else 0
    return app.recorder.max_notification_id() or 0, blobs.count(), keys


@contextmanager
def changes_nothing(app: DossierArchive) -> Iterator[None]:
    before = counts(app)
    yield
    assert counts(app) == before


@pytest.fixture
def people(app: DossierArchive, staff: dict[str, CommandContext]) -> dict[str, CommandContext]:
    """The staff of make_staff (compliance and the archive head among them) plus an account
    manager who is also an archivist (to test that no one receives their own transfer)."""
    console = CommandContext(SYSTEM_ID)
    extra = {"double": [Role.ACCOUNT_MANAGER, Role.ARCHIVIST]}
    found = dict(staff)
    for staff_no, roles in extra.items():
        if staff_no in found:
            continue
        token = app.execute(
            console, EnrolStaff(staff_no=staff_no, name=staff_no, branch="营业部", roles=roles)
        ).token
        assert token is not None
        found[staff_no] = CommandContext(app.authenticate(token.token))
    return found


@pytest.fixture
def loan_no(app: DossierArchive, people: dict[str, CommandContext]) -> str:
    app.execute(
        people["account_manager"], make_disbursement(LOAN_NO), [make_upload("loan_contract")]
    )
    return LOAN_NO


def settle(app: DossierArchive, people: dict[str, CommandContext], loan_no: str) -> None:
    am = people["account_manager"]
    steps.repay(app, am, loan_no, date(2025, 6, 30), PRINCIPAL, "0")
    app.execute(am, Settle(loan_no=loan_no, settled_on=date(2025, 6, 30)))


def originals(app: DossierArchive, ctx: CommandContext, loan_no: str = LOAN_NO) -> str:
    result = steps.list_transfer(
        app, ctx, loan_no, ITEMS, date(2025, 1, 13), signed_on=date(2025, 1, 10)
    )
    return result.ids["transfer_id"]


def receive_all(app: DossierArchive, ctx: CommandContext, transfer_id: str, n: int = 2) -> Any:
    from uuid import UUID

    checks = [
        {"item_no": i, "condition": "present", "pages_counted": ITEMS[(i - 1) % 2]["pages"]}
        for i in range(1, n + 1)
    ]
    return steps.receive_transfer(app, ctx, LOAN_NO, UUID(transfer_id), checks, date(2025, 1, 14))


def test_a_dossier_is_transferred_catalogued_frozen_and_appraised(
    app: DossierArchive, people: dict[str, CommandContext], loan_no: str
) -> None:
    from uuid import UUID

    am, archivist = people["account_manager"], people["archivist"]
    # Originals signed on Friday 10 January are due three working days later: Wednesday 15th.
    listed = steps.list_transfer(
        app,
        am,
        loan_no,
        ITEMS,
        date(2025, 1, 13),
        signed_on=date(2025, 1, 10),
        uploads=[make_upload("transfer_list", "移交清单")],
    )
    assert listed.ids["due_on"] == "2025-01-15"
    assert listed.events == ("TransferListed", "DocumentFiled")
    originals_id = UUID(listed.ids["transfer_id"])

    received = steps.receive_transfer(
        app,
        archivist,
        loan_no,
        originals_id,
        [
            {"item_no": 1, "condition": ItemCondition.PRESENT, "pages_counted": 6},
            {"item_no": 2, "condition": "missing", "note": "保证合同未随附"},
        ],
        date(2025, 1, 14),
    )
    defect_id = UUID(received.ids["defect:2"])
    dossier = app.dossier_of(app.loan(loan_no))
    assert list(dossier.open_defects) == [defect_id]

    app.execute(
        archivist,
        ClearDefect(
            loan_no=loan_no, defect_id=defect_id, cleared_on=date(2025, 1, 20), note="已补交"
        ),
    )
    assert not app.dossier_of(app.loan(loan_no)).open_defects

    with changes_nothing(app), pytest.raises(LoanNotClosedError):
        steps.list_transfer(app, am, loan_no, ITEMS, date(2025, 2, 1), kind=TransferKind.FULL)

    settle(app, people, loan_no)
    full = steps.list_transfer(app, am, loan_no, ITEMS, date(2025, 7, 2), kind=TransferKind.FULL)
    full_id = UUID(full.ids["transfer_id"])
    steps.receive_transfer(app, archivist, loan_no, full_id, steps.present(6, 4), date(2025, 7, 3))
    dossier = app.dossier_of(app.loan(loan_no))
    # 二次组卷: the loan contract joins the original received in January; the guarantee
    # contract was missing then, so it completes nothing.
    assert dossier.transfers[full_id].completes == [
        {"item_no": 1, "original_transfer_id": originals_id, "original_item_no": 1}
    ]

    catalogued = steps.catalogue(app, archivist, loan_no, "2-03-05-2", date(2025, 7, 4))
    assert catalogued.ids["reference_code"] == "J001-XD·2025-D30-XDB-0001"
    assert catalogued.events == ("Catalogued", "RetentionStarted")
    dossier = app.dossier_of(app.loan(loan_no))
    assert dossier.reference_code == "J001-XD·2025-D30-XDB-0001"
    assert dossier.retention is RetentionClass.THIRTY_YEARS
    assert dossier.retention_starts_on == date(2026, 1, 1)
    assert dossier.retention_ends_on == date(2055, 12, 31)
    contract = dossier.documents[0].ref.sha256
    assert dossier.custody_tier_of(contract) == 2

    with changes_nothing(app), pytest.raises(AlreadyCataloguedError):
        steps.catalogue(app, archivist, loan_no, "9-9", date(2025, 7, 5))

    # Holds stack: releasing one leaves the other.
    first = steps.place_hold(
        app,
        people["compliance"],
        loan_no,
        HoldKind.LITIGATION,
        "借款人涉诉",
        "(2025)沪0115民初1号",
        date(2025, 8, 1),
    )
    second = steps.place_hold(
        app,
        people["auditor"],
        loan_no,
        HoldKind.AUDIT,
        "年度审计",
        "审计通知书 2025-7",
        date(2025, 8, 2),
    )
    first_id, second_id = UUID(first.ids["hold_id"]), UUID(second.ids["hold_id"])
    steps.release_hold(app, people["compliance"], loan_no, first_id, "已结案", date(2025, 9, 1))
    assert list(app.dossier_of(app.loan(loan_no)).open_holds) == [second_id]
    with changes_nothing(app), pytest.raises(HoldAlreadyReleasedError):
        steps.release_hold(app, people["auditor"], loan_no, first_id, "重复", date(2025, 9, 2))
    steps.release_hold(app, people["auditor"], loan_no, second_id, "审计结束", date(2025, 9, 3))
    assert not app.dossier_of(app.loan(loan_no)).open_holds

    # Retention: past on 1 January 2056, not on the last day. The clock moves on to then
    # (staff keep the roles they were enrolled with): nothing is dated after today.
    app.clock = lambda: AFTER_RETENTION
    head = people["archive_head"]
    assert app.dossiers_past_retention(head, on=date(2055, 12, 31)) == []
    assert [d.loan_no for d in app.dossiers_past_retention(head, on=date(2056, 1, 1))] == [loan_no]
    with changes_nothing(app), pytest.raises(RetentionNotExpiredError):
        steps.open_appraisal(app, head, loan_no, date(2055, 12, 31), ["archivist", "auditor"])
    with changes_nothing(app), pytest.raises(AppraisalGroupError):
        steps.open_appraisal(app, head, loan_no, date(2056, 1, 2), ["archivist", "archivist"])
    opened = steps.open_appraisal(app, head, loan_no, date(2056, 1, 2), ["archivist", "auditor"])
    appraisal_id = UUID(opened.ids["appraisal_id"])
    assert app.dossier_of(app.loan(loan_no)).under_appraisal
    with changes_nothing(app), pytest.raises(AppraisalOpenError):
        steps.open_appraisal(app, head, loan_no, date(2056, 1, 3), ["archivist", "auditor"])
    steps.decide_appraisal(
        app,
        head,
        loan_no,
        appraisal_id,
        AppraisalOpinion.EXTEND,
        "仍有追偿价值，延长保管",
        date(2056, 1, 10),
        uploads=[make_upload("appraisal_opinion", "鉴定意见")],
    )
    app.execute(
        head,
        ExtendRetention(
            loan_no=loan_no,
            ends_on=date(2060, 12, 31),
            reason="鉴定意见：延长保管",
            extended_on=date(2056, 1, 11),
            appraisal_id=appraisal_id,
        ),
    )
    dossier = app.dossier_of(app.loan(loan_no))
    assert not dossier.under_appraisal
    assert dossier.retention_ends_on == date(2060, 12, 31)
    assert app.dossiers_past_retention(head, on=date(2056, 1, 12)) == []


def test_retention_starts_at_settlement_when_the_dossier_was_catalogued_before(
    app: DossierArchive, people: dict[str, CommandContext], loan_no: str
) -> None:
    receive_all(app, people["archivist"], originals(app, people["account_manager"]))
    steps.catalogue(app, people["archivist"], loan_no, "1-01", date(2025, 1, 20))
    dossier = app.dossier_of(app.loan(loan_no))
    assert dossier.reference_code == "J001-XD·2025-D30-XDB-0001"
    assert dossier.retention_ends_on is None
    with changes_nothing(app), pytest.raises(RetentionNotStartedError):
        app.execute(
            people["archive_head"],
            ExtendRetention(
                loan_no=loan_no, ends_on=date(2099, 1, 1), reason="x", extended_on=date(2025, 2, 1)
            ),
        )
    settle(app, people, loan_no)
    dossier = app.dossier_of(app.loan(loan_no))
    assert dossier.retention_starts_on == date(2026, 1, 1)
    assert dossier.retention_ends_on == date(2055, 12, 31)


def test_reference_codes_number_a_series_and_racing_catalogues_conflict(
    app: DossierArchive,
    people: dict[str, CommandContext],
    loan_no: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    am, archivist = people["account_manager"], people["archivist"]
    for other in ("JJ2025011000052", "JJ2025011000053"):
        app.execute(am, make_disbursement(other), [make_upload("loan_contract")])

    for number in (LOAN_NO, "JJ2025011000052"):
        transfer = steps.list_transfer(app, am, number, ITEMS, date(2025, 1, 13))
        steps.receive_transfer(
            app, archivist, number, transfer, steps.present(6, 4), date(2025, 1, 14)
        )
    series = Series("J001", "XD", 2025, RetentionClass.THIRTY_YEARS, "XDB")
    stale = app._series(series)  # what a second catalogue read before the first one saved
    first = steps.catalogue(app, archivist, LOAN_NO, "1-01", date(2025, 2, 1))
    assert first.ids["reference_code"].endswith("-0001")
    monkeypatch.setattr(app, "_series", lambda s: stale)
    with changes_nothing(app), pytest.raises(ConcurrentUpdateError):
        steps.catalogue(app, archivist, "JJ2025011000052", "1-02", date(2025, 2, 1))
    monkeypatch.undo()
    second = steps.catalogue(app, archivist, "JJ2025011000052", "1-02", date(2025, 2, 1))
    assert second.ids["reference_code"] == "J001-XD·2025-D30-XDB-0002"
    with changes_nothing(app), pytest.raises(NothingReceivedError):
        steps.catalogue(app, archivist, "JJ2025011000053", "1-03", date(2025, 2, 1))


@pytest.mark.parametrize(
    ("who", "error"),
    [("archivist", RoleNotPermittedError), ("administrator", AdministratorBusinessActionError)],
)
def test_only_the_credit_side_lists_a_transfer(
    app: DossierArchive,
    people: dict[str, CommandContext],
    loan_no: str,
    who: str,
    error: type[Exception],
) -> None:
    with changes_nothing(app), pytest.raises(error):
        originals(app, people[who])


def test_only_an_archivist_receives_and_never_their_own_transfer(
    app: DossierArchive, people: dict[str, CommandContext], loan_no: str
) -> None:
    transfer_id = originals(app, people["account_manager"])
    with changes_nothing(app), pytest.raises(RoleNotPermittedError):
        receive_all(app, people["account_manager_2"], transfer_id)
    steps.assign_managers(
        app,
        people["branch_head"],
        LOAN_NO,
        "account_manager",
        "double",
        date(2025, 1, 15),
        "双人管户",
    )
    own = originals(app, people["double"])
    double_as_archivist = CommandContext(people["double"].staff_id, role=Role.ARCHIVIST)
    with changes_nothing(app), pytest.raises(SegregationOfDutiesError):
        receive_all(app, double_as_archivist, own)
    with changes_nothing(app), pytest.raises(ReceiptMismatchError):
        receive_all(app, people["archivist"], transfer_id, n=1)


def test_holds_are_placed_by_compliance_or_audit_only(
    app: DossierArchive, people: dict[str, CommandContext], loan_no: str
) -> None:
    for who in ("archivist", "archive_head", "account_manager"):
        with changes_nothing(app), pytest.raises(RoleNotPermittedError):
            steps.place_hold(
                app,
                people[who],
                loan_no,
                HoldKind.INVESTIGATION,
                "调查",
                "调查-1",
                date(2025, 3, 1),
            )


def test_appraisal_and_extension_are_the_archive_heads(
    app: DossierArchive, people: dict[str, CommandContext], loan_no: str
) -> None:
    with changes_nothing(app), pytest.raises(RoleNotPermittedError):
        steps.open_appraisal(
            app, people["archivist"], loan_no, date(2056, 1, 2), ["archivist", "auditor"]
        )
    with changes_nothing(app), pytest.raises(RoleNotPermittedError):
        app.execute(
            people["compliance"],
            ExtendRetention(
                loan_no=loan_no, ends_on=date(2099, 1, 1), reason="x", extended_on=date(2056, 1, 1)
            ),
        )
