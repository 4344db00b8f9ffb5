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
from decimal import Decimal
from typing import Any

import pytest

from archive.application import DossierArchive
from archive.commands.custody import (
    Catalogue,
    ClearDefect,
    DecideAppraisal,
    ExtendRetention,
    ListTransfer,
    OpenAppraisal,
    PlaceHold,
    ReceiveTransfer,
    ReleaseHold,
)
from archive.commands.lifecycle import RecordRepayment, Settle
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
            console, EnrolStaff(staff_no=staff_no, name=staff_no, branch="总行", roles=roles)
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
    app.execute(
        am,
        RecordRepayment(
            loan_no=loan_no, paid_on=date(2025, 6, 30), principal=PRINCIPAL, interest=Decimal("0")
        ),
    )
    app.execute(am, Settle(loan_no=loan_no, settled_on=date(2025, 6, 30)))


def originals(app: DossierArchive, ctx: CommandContext, loan_no: str = LOAN_NO) -> str:
    result = app.execute(
        ctx,
        ListTransfer(
            loan_no=loan_no,
            kind=TransferKind.ORIGINALS,
            items=ITEMS,
            listed_on=date(2025, 1, 13),
            signed_on=date(2025, 1, 10),
        ),
    )
    return result.ids["transfer_id"]


def receive_all(app: DossierArchive, ctx: CommandContext, transfer_id: str, n: int = 2) -> Any:
    from uuid import UUID

    checks = [
        {"item_no": i, "condition": "present", "pages_counted": ITEMS[(i - 1) % 2]["pages"]}
        for i in range(1, n + 1)
    ]
    return app.execute(
        ctx,
        ReceiveTransfer(
            loan_no=LOAN_NO,
            transfer_id=UUID(transfer_id),
            checks=checks,
            received_on=date(2025, 1, 14),
        ),
    )


def test_a_dossier_is_transferred_catalogued_frozen_and_appraised(
    app: DossierArchive, people: dict[str, CommandContext], loan_no: str
) -> None:
    from uuid import UUID

    am, archivist = people["account_manager"], people["archivist"]
    # Originals signed on Friday 10 January are due three working days later: Wednesday 15th.
    listed = app.execute(
        am,
        ListTransfer(
            loan_no=loan_no,
            kind=TransferKind.ORIGINALS,
            items=ITEMS,
            listed_on=date(2025, 1, 13),
            signed_on=date(2025, 1, 10),
        ),
        [make_upload("transfer_list", "移交清单")],
    )
    assert listed.ids["due_on"] == "2025-01-15"
    assert listed.events == ("TransferListed", "DocumentFiled")
    originals_id = UUID(listed.ids["transfer_id"])

    received = app.execute(
        archivist,
        ReceiveTransfer(
            loan_no=loan_no,
            transfer_id=originals_id,
            checks=[
                {"item_no": 1, "condition": ItemCondition.PRESENT, "pages_counted": 6},
                {"item_no": 2, "condition": "missing", "note": "保证合同未随附"},
            ],
            received_on=date(2025, 1, 14),
        ),
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
        app.execute(
            am,
            ListTransfer(
                loan_no=loan_no, kind=TransferKind.FULL, items=ITEMS, listed_on=date(2025, 2, 1)
            ),
        )

    settle(app, people, loan_no)
    full = app.execute(
        am,
        ListTransfer(
            loan_no=loan_no, kind=TransferKind.FULL, items=ITEMS, listed_on=date(2025, 7, 2)
        ),
    )
    full_id = UUID(full.ids["transfer_id"])
    app.execute(
        archivist,
        ReceiveTransfer(
            loan_no=loan_no,
            transfer_id=full_id,
            checks=[
                {"item_no": 1, "condition": "present", "pages_counted": 6},
                {"item_no": 2, "condition": "present", "pages_counted": 4},
            ],
            received_on=date(2025, 7, 3),
        ),
    )
    dossier = app.dossier_of(app.loan(loan_no))
    # 二次组卷: the loan contract joins the original received in January; the guarantee
    # contract was missing then, so it completes nothing.
    assert dossier.transfers[full_id].completes == [
        {"item_no": 1, "original_transfer_id": originals_id, "original_item_no": 1}
    ]

    catalogued = app.execute(
        archivist,
        Catalogue(loan_no=loan_no, shelf_location="2-03-05-2", catalogued_on=date(2025, 7, 4)),
    )
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
        app.execute(
            archivist,
            Catalogue(loan_no=loan_no, shelf_location="9-9", catalogued_on=date(2025, 7, 5)),
        )

    # Holds stack: releasing one leaves the other.
    first = app.execute(
        people["compliance"],
        PlaceHold(
            loan_no=loan_no,
            kind=HoldKind.LITIGATION,
            reason="借款人涉诉",
            reference="(2025)沪0115民初1号",
            placed_on=date(2025, 8, 1),
        ),
    )
    second = app.execute(
        people["auditor"],
        PlaceHold(
            loan_no=loan_no,
            kind=HoldKind.AUDIT,
            reason="年度审计",
            reference="审计通知书 2025-7",
            placed_on=date(2025, 8, 2),
        ),
    )
    first_id, second_id = UUID(first.ids["hold_id"]), UUID(second.ids["hold_id"])
    app.execute(
        people["compliance"],
        ReleaseHold(
            loan_no=loan_no, hold_id=first_id, reason="已结案", released_on=date(2025, 9, 1)
        ),
    )
    assert list(app.dossier_of(app.loan(loan_no)).open_holds) == [second_id]
    with changes_nothing(app), pytest.raises(HoldAlreadyReleasedError):
        app.execute(
            people["auditor"],
            ReleaseHold(
                loan_no=loan_no, hold_id=first_id, reason="重复", released_on=date(2025, 9, 2)
            ),
        )
    app.execute(
        people["auditor"],
        ReleaseHold(
            loan_no=loan_no, hold_id=second_id, reason="审计结束", released_on=date(2025, 9, 3)
        ),
    )
    assert not app.dossier_of(app.loan(loan_no)).open_holds

    # Retention: past on 1 January 2056, not on the last day. The clock moves on to then
    # (staff keep the roles they were enrolled with): nothing is dated after today.
    app.clock = lambda: AFTER_RETENTION
    head = people["archive_head"]
    assert app.dossiers_past_retention(head, on=date(2055, 12, 31)) == []
    assert [d.loan_no for d in app.dossiers_past_retention(head, on=date(2056, 1, 1))] == [loan_no]
    with changes_nothing(app), pytest.raises(RetentionNotExpiredError):
        app.execute(
            head,
            OpenAppraisal(
                loan_no=loan_no, opened_on=date(2055, 12, 31), group_nos=["archivist", "auditor"]
            ),
        )
    with changes_nothing(app), pytest.raises(AppraisalGroupError):
        app.execute(
            head,
            OpenAppraisal(
                loan_no=loan_no, opened_on=date(2056, 1, 2), group_nos=["archivist", "archivist"]
            ),
        )
    opened = app.execute(
        head,
        OpenAppraisal(
            loan_no=loan_no, opened_on=date(2056, 1, 2), group_nos=["archivist", "auditor"]
        ),
    )
    appraisal_id = UUID(opened.ids["appraisal_id"])
    assert app.dossier_of(app.loan(loan_no)).under_appraisal
    with changes_nothing(app), pytest.raises(AppraisalOpenError):
        app.execute(
            head,
            OpenAppraisal(
                loan_no=loan_no, opened_on=date(2056, 1, 3), group_nos=["archivist", "auditor"]
            ),
        )
    app.execute(
        head,
        DecideAppraisal(
            loan_no=loan_no,
            appraisal_id=appraisal_id,
            opinion=AppraisalOpinion.EXTEND,
            text="仍有追偿价值，延长保管",
            decided_on=date(2056, 1, 10),
        ),
        [make_upload("appraisal_opinion", "鉴定意见")],
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
    app.execute(
        people["archivist"],
        Catalogue(loan_no=loan_no, shelf_location="1-01", catalogued_on=date(2025, 1, 20)),
    )
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
    from uuid import UUID

    for number in (LOAN_NO, "JJ2025011000052"):
        transfer = app.execute(
            am,
            ListTransfer(
                loan_no=number,
                kind=TransferKind.ORIGINALS,
                items=ITEMS,
                listed_on=date(2025, 1, 13),
            ),
        )
        app.execute(
            archivist,
            ReceiveTransfer(
                loan_no=number,
                transfer_id=UUID(transfer.ids["transfer_id"]),
                checks=[
                    {"item_no": 1, "condition": "present", "pages_counted": 6},
                    {"item_no": 2, "condition": "present", "pages_counted": 4},
                ],
                received_on=date(2025, 1, 14),
            ),
        )
    series = Series("J001", "XD", 2025, RetentionClass.THIRTY_YEARS, "XDB")
    stale = app._series(series)  # what a second catalogue read before the first one saved
    first = app.execute(
        archivist, Catalogue(loan_no=LOAN_NO, shelf_location="1-01", catalogued_on=date(2025, 2, 1))
    )
    assert first.ids["reference_code"].endswith("-0001")
    monkeypatch.setattr(app, "_series", lambda s: stale)
    with changes_nothing(app), pytest.raises(ConcurrentUpdateError):
        app.execute(
            archivist,
            Catalogue(
                loan_no="JJ2025011000052", shelf_location="1-02", catalogued_on=date(2025, 2, 1)
            ),
        )
    monkeypatch.undo()
    second = app.execute(
        archivist,
        Catalogue(loan_no="JJ2025011000052", shelf_location="1-02", catalogued_on=date(2025, 2, 1)),
    )
    assert second.ids["reference_code"] == "J001-XD·2025-D30-XDB-0002"
    with changes_nothing(app), pytest.raises(NothingReceivedError):
        app.execute(
            archivist,
            Catalogue(
                loan_no="JJ2025011000053", shelf_location="1-03", catalogued_on=date(2025, 2, 1)
            ),
        )


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
            app.execute(
                people[who],
                PlaceHold(
                    loan_no=loan_no,
                    kind=HoldKind.INVESTIGATION,
                    reason="调查",
                    reference="调查-1",
                    placed_on=date(2025, 3, 1),
                ),
            )


def test_appraisal_and_extension_are_the_archive_heads(
    app: DossierArchive, people: dict[str, CommandContext], loan_no: str
) -> None:
    with changes_nothing(app), pytest.raises(RoleNotPermittedError):
        app.execute(
            people["archivist"],
            OpenAppraisal(
                loan_no=loan_no, opened_on=date(2056, 1, 2), group_nos=["archivist", "auditor"]
            ),
        )
    with changes_nothing(app), pytest.raises(RoleNotPermittedError):
        app.execute(
            people["compliance"],
            ExtendRetention(
                loan_no=loan_no, ends_on=date(2099, 1, 1), reason="x", extended_on=date(2056, 1, 1)
            ),
        )
