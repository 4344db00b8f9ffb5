"""The compliance screens: completeness by branch, product and stage with a drill-down to each
missing document, the loans at their floor and the dossiers past retention, and the report
issued with its purpose — recorded with the file's SHA-256 — from the page."""

from __future__ import annotations

import hashlib
import re

from archive.core import CommandContext
from domain.values import Product, Role
from tests.api.console_harness import PEOPLE, Console
from tests.factories import make_disbursement

LATER = "2025-06-30"
"""A business date months after the factory's value date: the disbursement's documents are due."""


def _context(console: Console, role: Role) -> CommandContext:
    return CommandContext(console.archive.staff(PEOPLE[role][0]).id)


def _book(console: Console, reader: Role) -> None:
    """Two loans of two products booked at the branch, the registers caught up; ``reader``
    signed in."""
    manager = _context(console, Role.ACCOUNT_MANAGER)
    last = None
    for number, product in enumerate((Product.CORPORATE_WORKING_CAPITAL, Product.SMALL_BUSINESS)):
        last = console.archive.disburse(
            manager, make_disbursement(f"DK20260030{number:02d}", branch="营业部", product=product)
        )
    assert last is not None
    console.registers.wait(["completeness", "work_queue"], last.position, 30)
    console.as_role(reader)


def _head(console: Console) -> int:
    return console.archive.recorder.max_notification_id() or 0


def test_completeness_is_broken_down_and_drilled_down_to_each_missing_document(
    console: Console,
) -> None:
    _book(console, Role.COMPLIANCE)
    page = console.get(f"/compliance?on={LATER}")
    assert page.status_code == 200, page.text
    branch = re.search(r'data-testid="by-branch".*?</section>', page.text, re.S)
    assert branch is not None
    assert "营业部" in branch.group(0)
    product = re.search(r'data-testid="by-product".*?</section>', page.text, re.S)
    assert product is not None
    assert "公司流动资金贷款" in product.group(0)
    assert "小微企业贷款" in product.group(0)
    stage = re.search(r'data-testid="by-stage".*?</section>', page.text, re.S)
    assert stage is not None
    drill = re.search(r'href="(/compliance/gaps\?[^"]+)"', stage.group(0))
    assert drill is not None, stage.group(0)
    gaps = console.get(drill.group(1).replace("&amp;", "&"))
    assert gaps.status_code == 200, gaps.text
    assert 'data-testid="gaps"' in gaps.text
    assert "DK2026003000" in gaps.text
    assert "DK2026003001" in gaps.text
    one_product = console.get(f"/compliance/gaps?on={LATER}&product=small_business")
    assert "DK2026003001" in one_product.text
    assert "DK2026003000" not in one_product.text
    filtered = console.get(f"/compliance?on={LATER}&product=small_business")
    assert filtered.status_code == 200
    assert '<option value="small_business" selected>' in filtered.text


def test_the_report_is_issued_with_its_purpose_and_recorded_with_its_hash(
    console: Console,
) -> None:
    _book(console, Role.COMPLIANCE)
    token = console.csrf(f"/compliance?on={LATER}")
    before = _head(console)
    missing = console.post(
        "/compliance/issue",
        {"csrf_token": token, "purpose": "  ", "format": "pdf", "on": LATER},
    )
    assert missing.status_code == 422
    assert 'id="purpose-error"' in missing.text
    assert _head(console) == before
    issued = console.post(
        "/compliance/issue",
        {"csrf_token": token, "purpose": "监管检查调阅", "format": "pdf", "on": LATER},
    )
    assert issued.status_code == 201, issued.text
    assert issued.content[:5] == b"%PDF-"
    assert "attachment" in issued.headers["content-disposition"]
    assert _head(console) == before + 1
    record = console.archive.issued_report(
        _context(console, Role.COMPLIANCE),
        __import__("uuid").UUID(issued.headers["x-dossier-report-id"]),
    )
    assert record.purpose == "监管检查调阅"
    assert record.sha256 == hashlib.sha256(issued.content).hexdigest()
    assert record.on.isoformat() == LATER
    xlsx = console.post(
        "/compliance/issue",
        {"csrf_token": token, "purpose": "季度合规检查", "format": "xlsx", "on": LATER},
    )
    assert xlsx.status_code == 201
    assert xlsx.content[:2] == b"PK"


def test_a_role_without_the_report_neither_sees_nor_issues_it(console: Console) -> None:
    _book(console, Role.ARCHIVIST)
    token = console.csrf("/")
    before = _head(console)
    refused = console.post(
        "/compliance/issue", {"csrf_token": token, "purpose": "看看", "format": "pdf"}
    )
    assert refused.status_code == 403
    assert _head(console) == before
    console.as_role(Role.ARCHIVE_HEAD)
    page = console.get("/compliance")
    assert page.status_code == 200
    assert 'data-testid="issue-report"' in page.text
