"""合规检查报告: every figure of the compliance report equals the same figure counted here from
the registers, by a route of its own, for the whole portfolio, one branch and one product;
and the PDF carries the Chinese headings and those figures, the workbook the same numbers.

The portfolio is the demo's (12 loans: every fate, with its gaps and late work) plus two
settled, catalogued dossiers whose retention ends on 2055-12-31: one appraised, one not. The
report is judged on the demo's today and again on 2056-01-20, after the retention ended.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from archive.reports.compliance import HEADINGS, report_pdf, report_xlsx
from demo.plan import TODAY
from demo.portfolio import build_portfolio
from domain.classification import FloorPolicy
from domain.compliance import ComplianceReport, Scope
from domain.scope import RowScope
from domain.values import AppraisalOpinion, Grade, Product
from projections.query import AsOf
from projections.tasks import tasks
from tests.archive.test_disposition import prepare, with_it_and_second_head
from tests.factories import make_staff
from tests.projections.conftest import Registers, report_of

AFTER_RETENTION = date(2056, 1, 20)
UNAPPRAISED, APPRAISED = "JJ2025070100081", "JJ2025070100082"


@dataclass
class Portfolio:
    registers: Registers
    demo_end: int
    """The log position where the demo portfolio ended, before the two dossiers."""


@pytest.fixture
def portfolio(registers: Registers) -> Portfolio:
    build_portfolio(registers.app, loans=12)
    demo_end = registers.app.recorder.max_notification_id() or 0
    people = with_it_and_second_head(registers.app, make_staff(registers.app))
    # The two dossiers are recorded on a clock past their retention, so their appraisal is not
    # dated after today (staff keep the roles they were enrolled with).
    registers.app.clock = lambda: datetime(2056, 1, 20, 9, tzinfo=UTC)
    prepare(registers.app, people, UNAPPRAISED, appraise=None)
    prepare(registers.app, people, APPRAISED, appraise=AppraisalOpinion.DESTROY)
    registers.app.wait_for_text_extraction()
    registers.catch_up()
    return Portfolio(registers, demo_end)


# ---------------------------------------------------------------- the figures, counted here
def in_scope(registers: Registers, scope: Scope, as_of: AsOf) -> dict[Any, dict[str, Any]]:
    """The loans of the scope, by id, from the loan ledger (not the completeness register)."""
    return {
        row["loan_id"]: row
        for row in registers.rows("loan_ledger", "loans", as_of=as_of)
        if (scope.branch is None or row["branch"] == scope.branch)
        and (scope.product is None or row["product"] == scope.product.value)
    }


def expected(registers: Registers, on: date, scope: Scope, as_of: AsOf = AsOf()) -> dict[str, Any]:
    """The report's figures counted from the registers as they stood at ``as_of``."""
    loans = in_scope(registers, scope, as_of)
    numbers = {row["loan_no"] for row in loans.values()}
    required = [
        r
        for r in registers.rows("completeness", "requirements", as_of=as_of)
        if r["loan_id"] in loans and r["due_on"] < on
    ]
    # Missing on ``on``: never filed, or filed only after ``on`` (a filing dated later).
    missing = [r for r in required if r["status"] == "missing" or r["filed_on"] > on]
    gaps = [
        g
        for g in registers.rows("completeness", "gaps", as_of=as_of)
        if g["loan_id"] in loans and g["due_on"] < on
    ]
    assert {(g["loan_id"], g["rule_id"], g["doc_type"]) for g in gaps} <= {
        (r["loan_id"], r["rule_id"], r["doc_type"]) for r in missing
    }, "every gap of the gaps table is a missing requirement"
    overdue = [
        t
        for t in tasks(
            registers.store,
            registers.register("work_queue"),
            on,
            scope=RowScope.everything(),
            overdue_only=True,
            as_of=as_of,
        )
        if t.loan_no in numbers
    ]
    floors = {}
    thresholds = FloorPolicy().overdue_thresholds
    for row in registers.rows("overdue_ledger", "overdue_loans", as_of=as_of):
        if row["loan_id"] not in loans or row["status"] in ("settled", "written_off"):
            continue
        days = row["days_overdue"] + (on - row["overdue_as_of"]).days if row["days_overdue"] else 0
        floor = max(
            (g for t, g in thresholds if days > t), key=lambda g: g.severity, default=Grade.NORMAL
        )
        grade = Grade.parse(row["grade"], "grade")
        if floor is not Grade.NORMAL and grade.severity <= floor.severity:
            floors[row["loan_no"]] = (days, floor, grade)
    retention = {
        d["loan_no"]
        for d in registers.rows("archive_catalogue", "dossiers", as_of=as_of)
        if d["loan_id"] in loans
        and not d["destroyed"]
        and (ends := max(filter(None, [d["retention_ends_on"], d["extended_to"]]), default=None))
        and ends < on
        and not (d["appraised_on"] and d["appraised_on"] > ends)
    }
    return {
        "loans": len(loans),
        "required": len(required),
        "filed": len(required) - len(missing),
        "filed_late": sum(1 for r in required if r["status"] == "filed_late" and r not in missing),
        "missing": len(missing),
        "complete": len(loans) - len({r["loan_id"] for r in missing}),
        "by_type": Counter((r["stage"], r["doc_type"]) for r in missing),
        "by_owner": Counter((t.owner_id, t.owner_role, t.kind) for t in overdue),
        "floors": floors,
        "receipts": sorted(
            r["loan_no"]
            for r in missing
            if r["rule_id"] == "collection.notice" and r["doc_type"] == "collection_receipt"
        ),
        "retention": retention,
    }


def figures(report: ComplianceReport) -> dict[str, Any]:
    return {
        "loans": report.loans,
        "required": report.required,
        "filed": report.filed,
        "filed_late": report.filed_late,
        "missing": report.missing,
        "complete": report.dossiers_complete,
        "by_type": Counter({(g.stage, g.doc_type): g.count for g in report.gaps_by_type}),
        "by_owner": Counter(
            {(g.owner_id, g.owner_role, g.kind): g.count for g in report.overdue_by_owner}
        ),
        "floors": {f.loan_no: (f.days_overdue, f.floor, f.grade) for f in report.floor_loans},
        "receipts": sorted(g.loan_no for g in report.notices_without_receipt),
        "retention": {d.loan_no for d in report.retention_unappraised},
    }


def test_the_reports_figures_equal_those_counted_from_the_registers_and_pdf_and_xlsx_show_them(
    portfolio: Portfolio,
) -> None:
    """Whole portfolio, one branch, one product on the demo's today; after the retention
    ended; and as of the position where the demo ended."""
    registers = portfolio.registers
    whole = report_of(registers, TODAY)
    mine = expected(registers, TODAY, Scope())
    assert figures(whole) == mine
    # The demo has something in every section on its today, but retention (none ended yet).
    assert mine["missing"] > 0
    assert mine["filed_late"] > 0
    assert mine["by_owner"]
    assert mine["floors"]
    assert mine["receipts"]
    assert any(f.standing.value == "at" for f in whole.floor_loans)
    assert str(whole.completeness_rate) == f"{100 * mine['filed'] / mine['required']:.2f}"
    assert whole.pending >= 0
    assert whole.rules_version in whole.rules_versions_cited

    branches = Counter(row["branch"] for row in registers.rows("loan_ledger", "loans"))
    branch = branches.most_common(1)[0][0]
    by_branch = report_of(registers, TODAY, Scope(branch=branch))
    assert figures(by_branch) == expected(registers, TODAY, Scope(branch=branch))
    assert 0 < by_branch.loans < whole.loans

    products = Counter(r["product"] for r in registers.rows("loan_ledger", "loans"))
    product = Product.parse(products.most_common(1)[0][0], "product")
    by_product = report_of(registers, TODAY, Scope(product=product))
    assert figures(by_product) == expected(registers, TODAY, Scope(product=product))
    assert 0 < by_product.loans < whole.loans

    after_retention(portfolio)
    as_of_an_earlier_position(portfolio)
    renderings(whole, empty=report_of(registers, TODAY, Scope(branch="没有这个机构")))


def after_retention(portfolio: Portfolio) -> None:
    """After the retention ended, the unappraised dossier is listed, the appraised one not."""
    registers = portfolio.registers
    later = report_of(registers, AFTER_RETENTION)
    assert figures(later) == expected(registers, AFTER_RETENTION, Scope())
    listed = {d.loan_no: d for d in later.retention_unappraised}
    assert UNAPPRAISED in listed
    assert APPRAISED not in listed
    assert listed[UNAPPRAISED].ended_on == date(2055, 12, 31)
    assert listed[UNAPPRAISED].days_past == (AFTER_RETENTION - date(2055, 12, 31)).days


def as_of_an_earlier_position(portfolio: Portfolio) -> None:
    """Read at the position where the demo ended, the two dossiers recorded after it are not
    in the report; its figures equal those counted from the registers at that position."""
    registers = portfolio.registers
    before = portfolio.demo_end
    past = report_of(registers, AFTER_RETENTION, position=before)
    now = report_of(registers, AFTER_RETENTION)
    assert past.position == before
    assert past.loans == now.loans - 2
    assert UNAPPRAISED not in {d.loan_no for d in past.retention_unappraised}
    assert past.required < now.required
    assert figures(past) == expected(registers, AFTER_RETENTION, Scope(), AsOf(position=before))


def renderings(report: ComplianceReport, empty: ComplianceReport) -> None:
    """The PDF carries the Chinese headings and the figures, the workbook the same numbers; a
    scope with no loan gives an empty report, not an error."""
    pdf = report_pdf(report)
    assert pdf == report_pdf(report), "the same report renders the same bytes"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    flat = text.replace(" ", "").replace("\n", "")
    for heading in HEADINGS:
        assert heading.replace(" ", "") in flat, heading
    assert "贷后档案合规检查报告" in flat
    assert f"{report.completeness_rate}%" in flat
    assert report.gaps[0].loan_no in flat
    assert report.floor_loans[0].loan_no in flat

    xlsx = report_xlsx(report)
    assert xlsx == report_xlsx(report), "the workbook is reproducible too"
    book = load_workbook(io.BytesIO(xlsx))
    assert book.sheetnames[:3] == ["概要", "缺失汇总", "逾期任务汇总"]
    summary = {row[0]: row[1] for row in book["概要"].iter_rows(min_row=3, values_only=True)}
    assert summary["缺失 / missing"] == report.missing
    assert summary["已归档 / filed"] == report.filed
    assert summary["逾期任务 / overdue tasks"] == len(report.overdue_tasks)
    gaps = list(book["缺失汇总"].iter_rows(min_row=3, values_only=True))
    assert sum(int(str(row[3])) for row in gaps) == report.missing
    details = list(book["缺失明细"].iter_rows(min_row=3, values_only=True))
    assert len(details) == report.missing
    due = details[0][7]
    assert isinstance(due, datetime)  # dates stay dates
    assert due.date() == report.gaps[0].due_on

    # A table longer than the PDF's limit shows its first rows and says the workbook has all.
    short = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(report_pdf(report, limit=2))).pages
    )
    short = short.replace(" ", "").replace("\n", "")
    assert f"仅列前2条，共{report.missing:,}条，完整明细见XLSX" in short
    assert report.gaps[0].loan_no in short

    # Nothing in scope gives an empty report, not an error.
    assert (empty.loans, empty.required, empty.missing, empty.completeness_rate) == (0, 0, 0, None)
    assert not empty.overdue_tasks
    assert not empty.floor_loans
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(report_pdf(empty))).pages)
    assert "无 / none" in text
