"""A loan's dossier page in the console: the documents its filing rules still miss, every
five-level classification with who proposed and approved it, the dossier's documents by title —
each opened only with a purpose, through the audited read that records the opening before the
watermarked copy is handed over — and refusals, in the page, for whoever may not."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from archive.commands.login import SetPassword
from archive.commands.staff import EnrolStaff
from archive.core import CommandContext
from domain.values import Grade, Role
from tests import steps
from tests.api.console_harness import CONSOLE, PASSWORD, PEOPLE, Console
from tests.factories import make_disbursement, make_upload

LOAN = "DK2026000300"
CONTRACT = "借款合同 云溪示范农业合作社 DK2026000300"


def _ctx(console: Console, role: Role) -> CommandContext:
    return CommandContext(console.archive.staff(PEOPLE[role][0]).id)


def _disbursed(console: Console) -> str:
    """A loan whose disbursement brought its contract and its receipt only: the application,
    the investigation and review reports, the approval and the rating form are missing.
    Returns the contract's SHA-256."""
    result = console.archive.disburse(
        _ctx(console, Role.ACCOUNT_MANAGER),
        make_disbursement(LOAN),
        [
            make_upload("loan_contract", CONTRACT, filename="借款合同.pdf"),
            make_upload("drawdown_receipt", "借据 DK2026000300"),
        ],
    )
    console.registers.wait(["completeness", "loan_ledger"], result.position, 30)
    dossier = console.archive.get_dossier(_ctx(console, Role.AUDITOR), LOAN)
    return next(d.ref.sha256 for d in dossier.documents if d.ref.doc_type == "loan_contract")


def _reads(console: Console) -> list[dict[str, object]]:
    return [
        dict(e.data)
        for e in console.archive.dossier_events(_ctx(console, Role.AUDITOR), LOAN)
        if e.type.endswith("DocumentRead")
    ]


def _section(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}">(.*?)</section>', html, re.S)
    assert found, f"no section {testid}"
    return found.group(1)


def test_the_dossier_page_lists_the_documents_its_rules_still_miss(console: Console) -> None:
    _disbursed(console)
    console.as_role(Role.REVIEWER)
    page = console.get(f"/loans/{LOAN}")
    assert page.status_code == 200
    gaps = _section(page.text, "gaps")
    for missing in ("借款申请书", "贷前调查报告", "审批书", "审查报告"):
        assert missing in gaps, missing
    assert "缺失" in gaps
    assert "借款合同" not in gaps  # filed with the disbursement, on time
    assert "loan_application" not in gaps  # names, never codes
    assert "2025-01-10" in gaps  # required since the value date
    documents = _section(page.text, "documents")
    assert "借款合同.pdf" in documents
    assert "借据" in documents
    console.get("/language/en")
    english = _section(console.get(f"/loans/{LOAN}").text, "gaps")
    assert "Completeness gaps" in english
    assert "Loan application" in english
    assert "missing" in english


def test_a_document_filed_late_is_a_gap_too_and_its_filing_is_on_the_timeline(
    console: Console,
) -> None:
    _disbursed(console)
    filed = console.archive.file_supplement(
        _ctx(console, Role.ACCOUNT_MANAGER),
        LOAN,
        stage="disbursement",
        uploads=[make_upload("loan_application", "借款申请书 补交", filename="借款申请书.pdf")],
    )
    console.registers.wait(["completeness"], filed.position, 30)
    console.as_role(Role.REVIEWER)
    page = console.get(f"/loans/{LOAN}").text
    late = [row for row in _section(page, "gaps").split("<tr") if "借款申请书" in row]
    assert len(late) == 1
    assert "逾期归档" in late[0]
    assert re.search(r"逾期 \d+ 天", late[0])
    timeline = page.split("时间线", 1)[1]
    assert timeline.count("借款申请书") == 1  # the supplement's filing
    assert timeline.count("借款合同") == 1  # with the disbursement, listed once


def test_the_classification_history_names_grades_and_people(console: Console) -> None:
    _disbursed(console)
    proposed = steps.propose(
        console.archive,
        _ctx(console, Role.ACCOUNT_MANAGER),
        LOAN,
        Grade.SPECIAL_MENTION,
        date(2025, 6, 30),
        "借款人主要客户流失，经营收入下降",
        sub_grade="special_mention_2",
    )
    steps.approve(console.archive, _ctx(console, Role.RISK_MANAGER), LOAN, proposed, "同意下调")
    console.as_role(Role.BRANCH_HEAD)
    page = console.get(f"/loans/{LOAN}").text
    assert "special_mention" not in page  # grades and sub-grades by name, facts included
    history = _section(page, "classifications")
    assert "关注" in history
    assert "关注二级" in history
    assert "林海燕（C0102）" in history  # proposed by
    assert "郭立新（C0901）" in history  # approved by
    assert "借款人主要客户流失" in history
    assert "同意下调" in history
    assert "已批准" in history
    assert "2025-06-30" in history


def test_a_document_opens_with_a_purpose_as_a_watermarked_copy_recorded_first(
    console: Console,
) -> None:
    sha256 = _disbursed(console)
    console.as_role(Role.REVIEWER)
    page = console.get(f"/loans/{LOAN}")
    assert f'action="/loans/{LOAN}/documents/{sha256}"' in page.text
    assert sha256 not in _section(page.text, "documents").replace(
        f"/documents/{sha256}", ""
    )  # the hash only in the form's address, never as a title
    token = console.csrf(f"/loans/{LOAN}")
    opened = console.post(
        f"/loans/{LOAN}/documents/{sha256}", {"purpose": "inspection", "csrf_token": token}
    )
    assert opened.status_code == 200, opened.text[:500]
    assert opened.headers["content-type"] == "application/pdf"
    assert opened.headers["cache-control"] == "no-store"
    assert opened.headers["content-disposition"].startswith("attachment; filename*=UTF-8''")
    assert opened.headers["x-watermarked"] == "true"
    original = console.archive.verified_content(
        console.archive.get_dossier(_ctx(console, Role.AUDITOR), LOAN),
        console.archive.get_dossier(_ctx(console, Role.AUDITOR), LOAN).filed(sha256).ref,
    )
    assert opened.content.startswith(b"%PDF")
    assert opened.content != original
    stamped = "".join(p.extract_text() for p in PdfReader(io.BytesIO(opened.content)).pages)
    assert "C0104" in stamped  # the reader's staff number, stamped on the copy
    assert "inspection" in stamped  # and the purpose
    assert opened.headers["x-content-sha256"] != sha256
    reads = _reads(console)
    assert len(reads) == 1
    assert reads[0]["purpose"] == "inspection"
    assert reads[0]["sha256"] == sha256
    assert reads[0]["copy_sha256"] == opened.headers["x-content-sha256"]
    # The read is on the loan's timeline: who, why, which document.
    timeline = console.get(f"/loans/{LOAN}").text.split("时间线", 1)[1]
    assert "调阅文档" in timeline
    assert "检查" in timeline
    assert "黄丽华（C0104）" in timeline
    assert "借款合同" in timeline


def test_without_a_purpose_nothing_is_opened_nor_recorded(console: Console) -> None:
    sha256 = _disbursed(console)
    console.as_role(Role.REVIEWER)
    form = console.get(f"/loans/{LOAN}/documents/{sha256}")
    assert form.status_code == 200
    assert "借款合同.pdf" in form.text
    token = console.csrf(f"/loans/{LOAN}/documents/{sha256}")
    for purpose in ("", "curiosity"):
        refused = console.post(
            f"/loans/{LOAN}/documents/{sha256}", {"purpose": purpose, "csrf_token": token}
        )
        assert refused.status_code == 422
        assert refused.headers["content-type"].startswith("text/html")
        assert 'id="purpose-error"' in refused.text
        assert "请选择查阅目的" in refused.text
    console.get("/language/en")
    english = console.post(f"/loans/{LOAN}/documents/{sha256}", {"csrf_token": token})
    assert "Choose why you are reading this document." in english.text
    without_token = console.post(f"/loans/{LOAN}/documents/{sha256}", {"purpose": "audit"})
    assert without_token.status_code == 403
    assert _reads(console) == []


def test_whoever_may_not_read_it_is_refused_in_the_page(console: Console) -> None:
    sha256 = _disbursed(console)
    # A reviewer of another branch: their data scope does not reach the loan (营业部).
    console.archive.execute(
        CONSOLE,
        EnrolStaff(staff_no="C0204", name="陈晓东", branch="城东支行", roles=[Role.REVIEWER]),
    )
    console.archive.set_password(
        CONSOLE, SetPassword(staff_no="C0204", password=PASSWORD), temporary=False
    )
    assert console.sign_in("C0204").status_code == 303
    page = console.get(f"/loans/{LOAN}")
    assert page.status_code == 403
    assert 'data-testid="refusal"' in page.text
    assert "Traceback" not in page.text
    assert console.get(f"/loans/{LOAN}/documents/{sha256}").status_code == 403
    token = console.csrf("/")
    refused = console.post(
        f"/loans/{LOAN}/documents/{sha256}", {"purpose": "audit", "csrf_token": token}
    )
    assert refused.status_code == 403
    assert 'data-testid="refusal"' in refused.text
    assert b"%PDF" not in refused.content
    # The system administrator reads no document (三员分立): no form, a refusal.
    console.as_role(Role.ADMINISTRATOR)
    token = console.csrf("/")
    for answer in (
        console.get(f"/loans/{LOAN}/documents/{sha256}"),
        console.post(
            f"/loans/{LOAN}/documents/{sha256}", {"purpose": "audit", "csrf_token": token}
        ),
    ):
        assert answer.status_code == 403
        assert 'data-testid="refusal"' in answer.text
        assert "Traceback" not in answer.text
    assert _reads(console) == []


@pytest.mark.parametrize("role", [Role.ACCOUNT_MANAGER, Role.AUDITOR])
def test_who_may_read_sees_the_read_action(console: Console, role: Role) -> None:
    sha256 = _disbursed(console)
    console.as_role(role)
    documents = _section(console.get(f"/loans/{LOAN}").text, "documents")
    assert f"/documents/{sha256}" in documents
    assert "查阅" in documents


def test_an_ofd_opens_as_the_original_and_the_form_says_it_carries_no_watermark(
    console: Console,
) -> None:
    from archive.documents.ingest import from_bytes
    from tests.archive.hostile import make_ofd

    package = make_ofd()
    result = console.archive.disburse(
        _ctx(console, Role.ACCOUNT_MANAGER),
        make_disbursement(LOAN),
        [
            from_bytes("loan_contract", "借款合同.ofd", package),
            make_upload("drawdown_receipt", "借据 DK2026000300"),
        ],
    )
    console.registers.wait(["completeness", "loan_ledger"], result.position, 30)
    dossier = console.archive.get_dossier(_ctx(console, Role.AUDITOR), LOAN)
    sha256 = next(d.ref.sha256 for d in dossier.documents if d.ref.doc_type == "loan_contract")
    console.as_role(Role.REVIEWER)

    form = console.get(f"/loans/{LOAN}/documents/{sha256}")
    assert "以原件交付，不加水印" in form.text
    assert "所得副本带有您姓名的水印" not in form.text
    token = console.csrf(f"/loans/{LOAN}/documents/{sha256}")
    opened = console.post(
        f"/loans/{LOAN}/documents/{sha256}", {"purpose": "inspection", "csrf_token": token}
    )

    assert opened.status_code == 200, opened.text[:500]
    assert opened.content == package
    assert opened.headers["content-type"] == "application/ofd"
    assert opened.headers["x-watermarked"] == "false"
    assert "no maintained library stamps OFD" in opened.headers["x-watermark-note"]
    assert [(r["sha256"], r["watermarked"]) for r in _reads(console)] == [(sha256, False)]
