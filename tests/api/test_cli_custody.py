"""``dossier archive``: the archive office and the circulation desk from the command line.

A loan is disbursed through the application (the CLI has no disburse command); everything
after it — transfer with a missing item, catalogue, hold, a borrowing returned one page
short — goes through the CLI with each person's own token, and is then read back from the
application. Refusals: no token and bad usage exit 2, a domain refusal exits 1 in both
languages; none of them records anything. A settled dossier is taken on to destruction with
the service's clock moved past its retention (DOSSIER_CLOCK), each step by its own person.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID

import pytest
from click.testing import Result
from pypdf import PdfReader
from typer.testing import CliRunner

from api.cli import app
from api.cli.common import open_archive, read_settings
from archive.commands.lifecycle import Settle
from archive.core import CommandContext
from domain.errors import DocumentDestroyedError
from domain.values import BorrowingStatus, ItemCondition, ReadPurpose
from tests import steps
from tests.factories import PRINCIPAL, make_disbursement, make_upload

runner = CliRunner()
LOAN = "JJ-CLI-ARCH-1"
CJK = re.compile(r"[\u4e00-\u9fff]")
STAFF = {
    "am": ("AM01", "张伟", "account_manager"),
    "archivist": ("AR01", "孙悦", "archivist"),
    "archivist2": ("AR02", "周婷", "archivist"),
    "archhead": ("AH01", "吴静", "archive_head"),
    "compliance": ("CP01", "郑洁", "compliance"),
    "auditor": ("AU01", "黄敏", "auditor"),
}


def dossier(*args: str, token: str | None = None) -> Result:
    """Run ``dossier archive …`` in-process, as the holder of ``token``."""
    return runner.invoke(
        app,
        ["archive", *args, *(["--token", token] if token else [])],
        env={"DOSSIER_TOKEN": None, "COLUMNS": "240"},  # wide: error panels do not wrap
    )


def ok(answer: Result) -> str:
    assert answer.exit_code == 0, answer.output
    return answer.output


def printed(output: str, key: str) -> str:
    found = re.search(rf"^{re.escape(key)}: (\S+)$", output, re.MULTILINE)
    assert found, output
    return found.group(1)


def stored() -> tuple[int, int]:
    """(events, blobs): what a refused command must leave as it was."""
    archive = open_archive(read_settings())
    try:
        return archive.recorder.max_notification_id() or 0, archive.blobs.count()
    finally:
        archive.close()


def enrol(staff_no: str, name: str, role: str) -> str:
    """``dossier staff add`` one person with one role; their token."""
    added = runner.invoke(
        app,
        ["staff", "add", "--no", staff_no, "--name", name, "--branch", "营业部", "--role", role],
    )
    return ok(added).strip().splitlines()[-1]


@pytest.fixture
def tokens(data_dir: Path) -> dict[str, str]:
    """Staff enrolled with ``dossier staff add``, and a loan disbursed by the account manager."""
    tokens = {who: enrol(staff_no, name, role) for who, (staff_no, name, role) in STAFF.items()}
    archive = open_archive(read_settings())
    try:
        archive.execute(
            CommandContext(archive.authenticate(tokens["am"])),
            make_disbursement(LOAN),
            [make_upload("loan_contract", "借款合同", pages=3), make_upload("drawdown_receipt")],
        )
    finally:
        archive.close()
    return tokens


def test_transfer_catalogue_hold_and_a_borrowing_returned_a_page_short(
    tokens: dict[str, str],
) -> None:
    listed = ok(
        dossier(
            "transfer", "list", LOAN, "--kind", "originals",
            "--item", "loan_contract:借款合同:3", "--item", "guarantee_contract:保证合同:4",
            "--listed-on", "2025-01-12",
            token=tokens["am"],
        )
    )  # fmt: skip
    transfer_id = printed(listed, "transfer_id")
    received = ok(
        dossier(
            "transfer", "receive", LOAN, transfer_id,
            "--check", "1:present:3", "--check", "2:missing:0:未随卷移交",
            "--received-on", "2025-01-13",
            token=tokens["archivist"],
        )
    )  # fmt: skip
    defect_id = printed(received, "defect:2")
    assert "events: TransferReceived, DocumentFiled" in received  # the signed receipt is filed

    catalogued = ok(
        dossier(
            "catalogue", LOAN, "--shelf", "2-03-05-2", "--on", "2025-01-14",
            token=tokens["archivist"],
        )
    )  # fmt: skip
    reference_code = printed(catalogued, "reference_code")
    placed = ok(
        dossier(
            "hold", "place", LOAN, "--kind", "litigation", "--reason", "借款人涉诉",
            "--reference", "(2025)浙0102民初9号", "--on", "2025-02-01",
            token=tokens["compliance"],
        )
    )  # fmt: skip
    hold_id = printed(placed, "hold_id")
    ok(
        dossier(
            "hold", "release", LOAN, hold_id, "--reason", "已结案", "--on", "2025-02-20",
            token=tokens["compliance"],
        )
    )  # fmt: skip

    requested = ok(
        dossier(
            "borrow", "request", LOAN, "--purpose", "audit", "--reason", "年度审计抽查原件",
            "--on", "2025-03-03", "--due", "2025-03-05",
            token=tokens["auditor"],
        )
    )  # fmt: skip
    borrowing_id = printed(requested, "borrowing_id")
    archive = open_archive(read_settings())
    try:
        pages = {
            d.ref.sha256: d.ref.pages or 0 for d in archive.dossier_of(archive.loan(LOAN)).documents
        }
    finally:
        archive.close()
    for sha in pages:
        assert sha in requested  # the request shows each item's hash, to count pages against
    contract = next(sha for sha, n in pages.items() if n == 3)
    ok(dossier("borrow", "approve", borrowing_id, "--archivist", "AR01", token=tokens["archhead"]))
    counted = [arg for sha, n in pages.items() for arg in ("--pages", f"{sha}:{n}")]
    ok(
        dossier(
            "borrow", "check-out", borrowing_id, *counted, "--on", "2025-03-03",
            token=tokens["archivist"],
        )
    )  # fmt: skip
    short = [
        arg for sha, n in pages.items() for arg in ("--pages", f"{sha}:{n - (sha == contract)}")
    ]
    returned = ok(
        dossier(
            "borrow", "return", borrowing_id, *short, "--on", "2025-03-04",
            token=tokens["archivist2"],
        )
    )  # fmt: skip
    assert "Returned, PageCountMismatched" in returned
    assert "page count mismatch" in returned
    assert "页数不符" in returned
    assert contract in returned
    assert "escalated" in returned

    archive = open_archive(read_settings())
    try:
        d = archive.dossier_of(archive.loan(LOAN))
        assert d.reference_code == reference_code
        assert d.catalogue_entry is not None
        assert d.catalogue_entry.shelf_location == "2-03-05-2"
        defect = d.defects[UUID(defect_id)]
        assert (defect.item_no, defect.condition, defect.cleared_on) == (
            2, ItemCondition.MISSING, None
        )  # fmt: skip
        assert d.transfers[UUID(transfer_id)].received
        assert not d.open_holds
        assert d.all_holds[UUID(hold_id)].released_on is not None
        borrowing = archive.borrowing(UUID(borrowing_id))
        assert borrowing.status is BorrowingStatus.RETURNED
        assert borrowing.mismatches == {contract: [3, 2]}
        assert borrowing.escalated
        staff = {archive.staff_by_id(a).staff_no for a in borrowing.approver_ids}
        assert staff == {"AH01"}
        auditor = CommandContext(archive.authenticate(tokens["auditor"]))
        done = [
            (e.type, archive.staff_by_id(e.actor_id).staff_no if e.actor_id else "", e.role)
            for e in archive.dossier_events(auditor, LOAN)
        ]
        assert [t for t in done if t[0] != "DocumentFiled"][-5:] == [
            ("TransferListed", "AM01", "account_manager"),
            ("TransferReceived", "AR01", "archivist"),
            ("Catalogued", "AR01", "archivist"),
            ("HoldPlaced", "CP01", "compliance"),
            ("HoldReleased", "CP01", "compliance"),
        ]
    finally:
        archive.close()

    shown = ok(dossier("borrow", "show", borrowing_id, token=tokens["auditor"]))
    assert "returned" in shown
    assert f"{contract} loan_contract" in shown


def test_refusals_exit_non_zero_and_record_nothing(tokens: dict[str, str]) -> None:
    before = stored()
    catalogue = ["catalogue", LOAN, "--shelf", "1-01", "--on", "2025-01-14"]

    anonymous = dossier(*catalogue)
    assert anonymous.exit_code == 2, anonymous.output
    assert "--token" in anonymous.output
    assert "需要令牌" in anonymous.output
    assert "a token is required" in anonymous.output

    forged = dossier(*catalogue, token="dsr_not_a_token")
    assert forged.exit_code == 2, forged.output
    assert "invalid or revoked" in forged.output

    wrong_role = dossier(*catalogue, token=tokens["am"])
    assert wrong_role.exit_code == 1, wrong_role.output
    assert CJK.search(wrong_role.output)
    assert "archivist" in wrong_role.output or "role" in wrong_role.output

    bad_day = dossier(
        "catalogue", LOAN, "--shelf", "1-01", "--on", "2025-13-40", token=tokens["archivist"]
    )
    assert bad_day.exit_code == 2, bad_day.output
    assert "--on" in bad_day.output
    assert "YYYY-MM-DD" in bad_day.output
    assert "日期" in bad_day.output

    bad_kind = dossier(
        "transfer", "list", LOAN, "--kind", "everything", "--item", "loan_contract:借款合同:3",
        "--listed-on", "2025-01-12",
        token=tokens["am"],
    )  # fmt: skip
    assert bad_kind.exit_code == 2, bad_kind.output
    assert "originals, full" in bad_kind.output
    assert "无效" in bad_kind.output

    bad_item = dossier(
        "transfer", "list", LOAN, "--kind", "originals", "--item", "loan_contract",
        "--listed-on", "2025-01-12",
        token=tokens["am"],
    )  # fmt: skip
    assert bad_item.exit_code == 2, bad_item.output
    assert "DOC_TYPE:TITLE:PAGES" in bad_item.output

    unknown_loan = dossier(
        *["catalogue", "NO-SUCH-LOAN", *catalogue[2:]], token=tokens["archivist"]
    )
    assert unknown_loan.exit_code == 1, unknown_loan.output
    assert CJK.search(unknown_loan.output)

    own = dossier(
        "borrow", "request", LOAN, "--purpose", "audit", "--reason", "自借自批",
        "--on", "2025-03-03",
        token=tokens["archhead"],
    )  # fmt: skip
    borrowing_id = printed(ok(own), "borrowing_id")
    after_request = stored()
    # The borrowing, and the first number of 2025's series of borrow slips (opened and taken).
    assert after_request[0] == before[0] + 3
    self_approval = dossier("borrow", "approve", borrowing_id, token=tokens["archhead"])
    assert self_approval.exit_code == 1, self_approval.output
    assert CJK.search(self_approval.output)
    assert stored() == after_request

    empty = ok(dossier("past-retention", "--on", "2100-01-01", token=tokens["archhead"]))
    assert "0 卷 / dossiers" in empty
    assert stored() == after_request


def test_an_electronic_copy_is_written_watermarked_to_the_file_named(
    tokens: dict[str, str], tmp_path: Path
) -> None:
    requested = dossier(
        "borrow", "request", LOAN, "--purpose", "litigation", "--form", "electronic_copy",
        "--reason", "诉讼举证", "--on", "2025-03-03", "--due", "2025-03-10",
        token=tokens["auditor"],
    )  # fmt: skip
    borrowing_id = printed(ok(requested), "borrowing_id")
    ok(dossier("borrow", "approve", borrowing_id, token=tokens["archhead"]))
    out = tmp_path / "copy.pdf"
    issued = ok(
        dossier(
            "borrow", "copy", borrowing_id, "--out", str(out), "--on", "2025-03-04",
            token=tokens["archivist"],
        )
    )  # fmt: skip
    assert "ElectronicCopyIssued" in issued
    reader = PdfReader(out)
    assert len(reader.pages) == 4  # the contract's three pages and the receipt's one
    assert "借阅人 黄敏" in (reader.metadata or {}).get("/Subject", "")

    again = dossier(
        "borrow", "copy", borrowing_id, "--out", str(out), "--on", "2025-03-04",
        token=tokens["archivist"],
    )  # fmt: skip
    assert again.exit_code == 2, again.output
    assert "--out" in again.output


AFTER_RETENTION = "2056-03-01T09:00:00+08:00"  # settled in 2025, D30: retention ends 2055-12-31


@pytest.fixture
def real_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """No DOSSIER_CLOCK from the shell: staff are enrolled and the loan lived on real time."""
    monkeypatch.delenv("DOSSIER_CLOCK", raising=False)


def test_a_settled_dossier_is_destroyed_at_the_console_once_its_retention_has_run_out(
    real_clock: None, tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    tokens["head"] = enrol("BH01", "赵刚", "branch_head")
    tokens["it"] = enrol("IT01", "钱进", "administrator")
    archive = open_archive(read_settings())
    try:
        am = CommandContext(archive.authenticate(tokens["am"]))
        steps.repay(archive, am, LOAN, date(2025, 6, 30), PRINCIPAL, "0")
        archive.execute(am, Settle(loan_no=LOAN, settled_on=date(2025, 6, 30)))
        documents = archive.dossier_of(archive.loan(LOAN)).documents
        contract = next(d.ref.sha256 for d in documents if d.ref.doc_type == "loan_contract")
    finally:
        archive.close()

    listed = ok(
        dossier(
            "transfer", "list", LOAN, "--kind", "full",
            "--item", "loan_contract:借款合同:3", "--item", "drawdown_receipt:借据:1",
            "--listed-on", "2025-07-02",
            token=tokens["am"],
        )
    )  # fmt: skip
    ok(
        dossier(
            "transfer", "receive", LOAN, printed(listed, "transfer_id"),
            "--check", "1:present:3", "--check", "2:present:1", "--received-on", "2025-07-03",
            token=tokens["archivist"],
        )
    )  # fmt: skip
    catalogued = ok(
        dossier(
            "catalogue", LOAN, "--shelf", "1-01", "--on", "2025-07-04", token=tokens["archivist"]
        )
    )
    reference_code = printed(catalogued, "reference_code")
    archive = open_archive(read_settings())
    try:
        d = archive.dossier_of(archive.loan(LOAN))
        dossier_id, ends_on = d.id, d.retention_ends_on
    finally:
        archive.close()
    assert ends_on == date(2055, 12, 31)

    monkeypatch.setenv("DOSSIER_CLOCK", AFTER_RETENTION)
    on_the_last_day = ok(dossier("past-retention", "--on", "2055-12-31", token=tokens["archhead"]))
    assert "0 卷 / dossiers" in on_the_last_day
    expired = ok(dossier("past-retention", "--on", "2056-03-01", token=tokens["archhead"]))
    assert "1 卷 / dossiers" in expired
    assert LOAN in expired
    assert "2055-12-31" in expired

    opened = ok(
        dossier(
            "appraisal", "open", LOAN, "--group", "AR02", "--group", "AU01", "--on", "2056-01-05",
            token=tokens["archhead"],
        )
    )  # fmt: skip
    ok(
        dossier(
            "appraisal", "decide", LOAN, printed(opened, "appraisal_id"), "--opinion", "destroy",
            "--text", "已无保存价值，建议销毁", "--on", "2056-01-10",
            token=tokens["archhead"],
        )
    )  # fmt: skip

    propose = ["destruction", "propose", LOAN, "--on", "2056-02-01"]
    # On real time retention has decades to run: the clock is what lets the proposal through
    # (and a proposal dated in 2056 would be refused as dated after today).
    monkeypatch.delenv("DOSSIER_CLOCK")
    before = stored()
    today = datetime.now(UTC).date().isoformat()  # never after the bank's day (UTC+8)
    too_early = dossier("destruction", "propose", LOAN, "--on", today, token=tokens["archhead"])
    assert too_early.exit_code == 1, too_early.output
    assert "2055-12-31" in too_early.output
    assert stored() == before
    monkeypatch.setenv("DOSSIER_CLOCK", AFTER_RETENTION)

    batch_id = printed(ok(dossier(*propose, token=tokens["archhead"])), "batch_id")
    ok(dossier("destruction", "approve", batch_id, "--on", "2056-02-02", token=tokens["head"]))
    ok(
        dossier(
            "destruction", "compliance-approve", batch_id, "--on", "2056-02-03",
            token=tokens["compliance"],
        )
    )  # fmt: skip
    execute = [
        "destruction", "execute", batch_id, "--supervisor", "AU01", "--supervisor", "AR02",
        "--it-supervisor", "IT01", "--method", "电子文件密钥销毁并删除；纸质档案碎纸",
    ]  # fmt: skip
    before = stored()
    assert before[1] > 0  # the dossier's documents, before execution deletes them
    executed = ok(dossier(*execute, token=tokens["archivist"]))
    assert "events: Executed" in executed
    after = stored()
    assert after[0] == before[0] + 3  # Executed and Destroyed in one save, then Completed

    shown = ok(dossier("destruction", "show", batch_id, token=tokens["auditor"]))
    assert f"batch: {batch_id} version 5 completed True" in shown
    assert "proposed_by: AH01 approved_by: BH01 compliance_by: CP01 executed_by: AR01" in shown
    assert "executed_on: 2056-03-01" in shown
    out = tmp_path / "销毁清册.pdf"
    ok(dossier("destruction", "register", batch_id, "--out", str(out), token=tokens["auditor"]))
    text = "".join(page.extract_text() for page in PdfReader(out).pages)
    assert "销毁清册" in text
    assert reference_code.split("·")[0] in text

    archive = open_archive(read_settings())
    try:
        assert archive.repository.get(dossier_id).destroyed_in == UUID(batch_id)
        blobs = list(archive.blobs.keys())  # the store itself is not iterable
        assert not [k for k in blobs if k.startswith(str(dossier_id))]
        auditor = CommandContext(archive.authenticate(tokens["auditor"]))
        with pytest.raises(DocumentDestroyedError) as gone:
            archive.read_document(auditor, LOAN, contract, purpose=ReadPurpose.AUDIT)
        assert batch_id in gone.value.en
    finally:
        archive.close()

    # Re-running the execution (as after a crash) finds it done and records nothing more.
    again = ok(dossier(*execute, token=tokens["archivist"]))
    assert "replayed" in again
    assert stored() == after

    # 四性检测 afterwards: the destroyed documents are reported destroyed, not missing.
    checked = runner.invoke(app, ["check", "--json", "--token", tokens["archivist"]])
    assert checked.exit_code == 0, checked.output
    report = json.loads(checked.stdout)
    assert report["passed"] is True
    assert report["failures"] == []
    assert len(report["destroyed"]) == 3  # the contract, the drawdown receipt, the transfer list
    assert contract in {d["sha256"] for d in report["destroyed"]}
    for gone_document in report["destroyed"]:
        assert gone_document["status"] == "destroyed"
        assert gone_document["destruction_batch_id"] == batch_id
        assert gone_document["destroyed_on"] == "2056-03-01"
    said = runner.invoke(app, ["check", "--token", tokens["archivist"]], env={"COLUMNS": "240"})
    assert said.exit_code == 0, said.output
    assert "3 份已依法销毁 / lawfully destroyed" in said.output
