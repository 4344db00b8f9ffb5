"""A destruction batch through the console, from proposal to execution: the archive head
proposes, the branch head and compliance approve on the batch's page, an archivist executes it
before two supervisors and IT who each confirm with their own password on the same screen. A
wrong password stops it with nothing destroyed; afterwards the documents answer 410 and the
destruction register's PDF shows the dates of every step."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

from pypdf import PdfReader

from archive.commands.custody import (
    Catalogue,
    DecideAppraisal,
    ListTransfer,
    OpenAppraisal,
    ReceiveTransfer,
)
from archive.commands.lifecycle import RecordRepayment, Settle
from archive.core import CommandContext
from domain.values import AppraisalOpinion, Role, TransferKind
from tests.api.console_harness import PASSWORD, PEOPLE, Console
from tests.factories import make_disbursement, make_pdf, make_upload

LOAN = "DK2026006000"
AFTER_RETENTION = datetime(2056, 3, 1, 9, 0, tzinfo=UTC)
ITEMS = [
    {"doc_type": "loan_contract", "title": "借款合同", "pages": 6},
    {"doc_type": "guarantee_contract", "title": "保证合同", "pages": 4},
]


def _as(console: Console, role: Role) -> CommandContext:
    return CommandContext(console.archive.staff(PEOPLE[role][0]).id)


def _past_retention(console: Console, *, appraise: bool = True) -> str:
    """A settled loan's dossier, transferred, catalogued, and appraised "destroy" once its
    retention has run out; the service's clock is then in 2056. Returns a document's hash."""
    app = console.archive
    manager = _as(console, Role.ACCOUNT_MANAGER)
    contract = make_upload("loan_contract", data=make_pdf(f"借款合同 {LOAN}"))
    facts = make_disbursement(LOAN, branch="营业部")
    app.execute(manager, facts, [contract])
    app.execute(
        manager,
        RecordRepayment(
            loan_no=LOAN, paid_on=date(2025, 6, 30), principal=facts.principal, interest=Decimal(0)
        ),
    )
    app.execute(manager, Settle(loan_no=LOAN, settled_on=date(2025, 6, 30)))
    listed = app.execute(
        manager,
        ListTransfer(loan_no=LOAN, kind=TransferKind.FULL, items=ITEMS, listed_on=date(2025, 7, 2)),
    )
    archivist = _as(console, Role.ARCHIVIST)
    app.execute(
        archivist,
        ReceiveTransfer(
            loan_no=LOAN,
            transfer_id=UUID(listed.ids["transfer_id"]),
            checks=[
                {"item_no": 1, "condition": "present", "pages_counted": 6},
                {"item_no": 2, "condition": "present", "pages_counted": 4},
            ],
            received_on=date(2025, 7, 3),
        ),
    )
    app.execute(
        archivist, Catalogue(loan_no=LOAN, shelf_location="1-01", catalogued_on=date(2025, 7, 4))
    )
    app.clock = lambda: AFTER_RETENTION
    head = _as(console, Role.ARCHIVE_HEAD)
    if not appraise:
        console.registers.wait(["archive_catalogue"], app.recorder.max_notification_id() or 0, 30)
        return app.dossier_of(app.loan(LOAN)).documents[0].ref.sha256
    opened = app.execute(
        head,
        OpenAppraisal(
            loan_no=LOAN,
            opened_on=date(2056, 1, 5),
            group_nos=[PEOPLE[Role.ARCHIVIST][0], PEOPLE[Role.AUDITOR][0]],
        ),
    )
    app.execute(
        head,
        DecideAppraisal(
            loan_no=LOAN,
            appraisal_id=UUID(opened.ids["appraisal_id"]),
            opinion=AppraisalOpinion.DESTROY,
            text="已无保存价值，建议销毁",
            decided_on=date(2056, 1, 10),
        ),
    )
    done = app.recorder.max_notification_id() or 0
    console.registers.wait(["destruction_register"], done, 30)
    return app.dossier_of(app.loan(LOAN)).documents[0].ref.sha256


def _head(console: Console) -> int:
    return console.archive.recorder.max_notification_id() or 0


def _execution(console: Console, second_password: str) -> dict[str, object]:
    return {
        "supervisor_no": [PEOPLE[Role.AUDITOR][0], PEOPLE[Role.COMPLIANCE][0]],
        "supervisor_password": [PASSWORD, second_password],
        "it_supervisor_no": PEOPLE[Role.ADMINISTRATOR][0],
        "it_supervisor_password": PASSWORD,
        "method": "电子文件密钥销毁并删除；纸质档案碎纸",
    }


def test_a_batch_is_proposed_approved_and_executed_through_the_screens(
    console: Console,
) -> None:
    sha = _past_retention(console)
    console.as_role(Role.ARCHIVE_HEAD)
    page = console.get("/archive/destruction")
    assert page.status_code == 200
    assert f'value="{LOAN}"' in page.text
    token = console.csrf("/archive/destruction")
    proposed = console.post(
        "/archive/destruction",
        {"csrf_token": token, "loan_no": LOAN, "proposed_on": "2056-02-01"},
    )
    assert proposed.status_code == 303, proposed.text
    batch_page = proposed.headers["location"]
    console.registers.wait(["destruction_register"], _head(console), 30)
    shown = console.get(batch_page)
    assert "销毁〔2056〕第0001号" in shown.text

    for role, step, day in (
        (Role.BRANCH_HEAD, "branch", "2056-02-02"),
        (Role.COMPLIANCE, "compliance", "2056-02-03"),
    ):
        console.as_role(role)
        token = console.csrf(batch_page)
        approved = console.post(
            f"{batch_page}/approval", {"csrf_token": token, "step": step, "approved_on": day}
        )
        assert approved.status_code == 303, approved.text

    console.as_role(Role.ARCHIVIST)
    token = console.csrf(batch_page)
    before = _head(console)
    blobs = console.archive.blobs.count()
    wrong = console.client.post(
        f"{batch_page}/execution",
        data={"csrf_token": token, **_execution(console, "not-the-password")},
        follow_redirects=False,
    )
    assert wrong.status_code == 422, wrong.text
    assert 'id="supervisor-1-error"' in wrong.text
    assert 'id="supervisor-0-error"' not in wrong.text
    assert console.archive.blobs.count() == blobs
    batch_id = UUID(batch_page.rsplit("/", 1)[1])
    assert not console.archive.destruction_batch(batch_id).executed
    assert _head(console) == before + 1  # only the wrong password, recorded against its owner

    executed = console.client.post(
        f"{batch_page}/execution",
        data={"csrf_token": token, **_execution(console, PASSWORD)},
        follow_redirects=False,
    )
    assert executed.status_code == 303, executed.text
    assert console.archive.destruction_batch(batch_id).executed
    console.registers.wait(["destruction_register"], _head(console), 30)
    after = console.get(batch_page)
    assert "2056-03-01" in after.text
    assert PEOPLE[Role.AUDITOR][1] in after.text

    console.as_role(Role.AUDITOR)
    token = console.csrf("/")
    gone = console.post(f"/loans/{LOAN}/documents/{sha}", {"csrf_token": token, "purpose": "audit"})
    assert gone.status_code == 410

    console.as_role(Role.ARCHIVE_HEAD)
    pdf = console.get(f"{batch_page}/register.pdf")
    assert pdf.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    for day in ("2056-02-01", "2056-02-02", "2056-02-03", "2056-03-01"):
        assert day in text, day


def test_a_role_without_the_step_is_refused_and_nothing_moves(console: Console) -> None:
    _past_retention(console)
    console.as_role(Role.ARCHIVIST)
    token = console.csrf("/archive/destruction")
    before = _head(console)
    refused = console.post(
        "/archive/destruction",
        {"csrf_token": token, "loan_no": LOAN, "proposed_on": "2056-02-01"},
    )
    assert refused.status_code == 403
    assert _head(console) == before
    console.as_role(Role.ARCHIVE_HEAD)
    token = console.csrf("/archive/destruction")
    nothing = console.post(
        "/archive/destruction", {"csrf_token": token, "proposed_on": "2056-02-01"}
    )
    assert nothing.status_code == 422
    assert 'id="loan_no-error"' in nothing.text
