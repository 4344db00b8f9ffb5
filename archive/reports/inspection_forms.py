"""Generated inspection forms (Chinese, ReportLab): the 个人客户贷后检查表 and the
公司客户贷后检查报告, filled in from an inspection's checklist answers.

Drawn like the archive office's forms (:mod:`archive.reports.forms`): the Chinese font embedded,
PDF/A-2b, the text extractable, the same content rendering the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from archive.reports.forms import (
    cell_text,
    grid,
    page_width,
    render_pdf,
    signature_lines,
    text_style,
)
from domain.checklists import AnswerResult, Checklist, Judgment
from domain.display import yuan

RESULTS = {r.value: r.zh for r in AnswerResult}


@dataclass(frozen=True)
class InspectionForm:
    """What an inspection form states: the loan, the people, the answers, the judgment."""

    checklist: Checklist
    loan_no: str
    borrower_name: str
    borrower_type: str
    product: str
    principal: Decimal
    value_date: date
    guarantee_type: str
    kind: str
    inspected_on: date
    inspector: str
    reviewer: str
    answers: Sequence[tuple[str, str, str]]  # (item code, result value, note)
    figures: Sequence[tuple[str, str]]  # (figure code, amount in 元)
    judgment: Judgment
    measures: str | None
    findings: str
    counterpart: str | None = None
    """Whom the inspector spoke to or met (回访对象), where the record names them."""
    assistant: str | None = None
    """The assistant inspector (辅助检查人, B岗), where the record names one."""
    joint: Sequence[tuple[str, str]] = ()
    """Who took part from other departments (会同检查): (department, name)."""


def inspection_form(form: InspectionForm) -> bytes:
    width = page_width()
    half = [width * 0.15, width * 0.35, width * 0.15, width * 0.35]
    facts = grid(
        [
            ["借据号", form.loan_no, "借款人", form.borrower_name],
            ["客户类型", form.borrower_type, "贷款品种", form.product],
            ["贷款金额（元）", yuan(form.principal), "放款日", form.value_date.isoformat()],
            ["担保方式", form.guarantee_type, "检查类型", form.kind],
            [
                "检查日期",
                form.inspected_on.isoformat(),
                "主检查人（A岗）" if form.assistant else "检查人",
                form.inspector,
            ],
            *([["辅助检查人（B岗）", form.assistant, "", ""]] if form.assistant else []),
            [
                "复核人",
                form.reviewer,
                "回访对象" if form.counterpart else "",
                form.counterpart or "",
            ],
            *(
                [["会同检查部门及人员", "；".join(f"{d} {n}" for d, n in form.joint), "", ""]]
                if form.joint
                else []
            ),
        ],
        half,
    )
    answered = {code: (result, note) for code, result, note in form.answers}
    rows: list[list[object]] = [["序号", "检查方面", "检查内容", "结果", "情况说明"]]
    for n, item in enumerate(form.checklist.items, start=1):
        result, note = answered.get(item.code, ("", ""))
        label = RESULTS.get(result, "—")
        rows.append([f"{n}（{item.code}）", item.area, item.zh, label, note or "—"])
    items = grid(rows, [width * 0.1, width * 0.14, width * 0.42, width * 0.08, width * 0.26])
    abnormal = sum(1 for _, result, _ in form.answers if result == "abnormal")
    story: list[Flowable] = [facts, Spacer(1, 5 * mm), items]
    if form.figures:
        names = {f.code: f.zh for f in form.checklist.figures}
        cells = [(names.get(code, code), yuan(Decimal(amount))) for code, amount in form.figures]
        if len(cells) % 2:
            cells.append(("", ""))
        pairs = [[*cells[n], *cells[n + 1]] for n in range(0, len(cells), 2)]
        story += [
            Spacer(1, 5 * mm),
            grid(
                [["主要财务数据", "金额（元）", "主要财务数据", "金额（元）"], *pairs],
                [width * 0.22, width * 0.28, width * 0.22, width * 0.28],
            ),
        ]
    body = text_style(10)
    story += [
        Spacer(1, 5 * mm),
        Paragraph(
            f"检查项共 {len(form.checklist.items)} 项，异常 {abnormal} 项。"
            f" {len(form.checklist.items)} items, {abnormal} abnormal.",
            body,
        ),
        Spacer(1, 3 * mm),
        grid(
            [
                ["总体风险判断", f"{form.judgment.zh}（{form.judgment.en}）"],
                ["采取的措施", form.measures or "无"],
                ["检查结论", form.findings],
            ],
            [width * 0.2, width * 0.8],
        ),
        Spacer(1, 8 * mm),
        signature_lines(
            [
                "主检查人" if form.assistant else "检查人",
                *(["辅助检查人"] if form.assistant else []),
                *(["会同检查人"] if form.joint else []),
                "复核人",
            ],
            width,
        ),
    ]
    return render_pdf(
        form.checklist.zh,
        cell_text(f"{form.checklist.en} / {form.loan_no} / {form.inspected_on.isoformat()}"),
        story,
        footer=f"{form.checklist.zh}　{form.loan_no}",
    )
