"""The rectification notice (限期整改通知书) of a supervision check scored below the pass score.

Generated in Chinese (ReportLab) when the check is recorded, drawn like the archive office's
forms (:mod:`archive.reports.forms`): the Chinese font embedded, PDF/A-2b, the text
extractable, the same content rendering the same bytes. Its SHA-256 is in the check's
``NoticeIssued`` event; the bytes are stored beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

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
from domain.display import yuan

TITLE = "限期整改通知书"


@dataclass(frozen=True)
class RectificationNoticeForm:
    """What a rectification notice states: to whom, the check, its score, what to rectify, by
    when."""

    notice_no: str
    check_no: str
    addressee: str
    checked_on: date
    period_from: date
    period_to: date
    items: list[dict[str, Any]]
    total: int
    score: int
    pass_score: int
    proposed_penalty: Decimal | None
    findings: str
    deadline: date
    checker: str


def rectification_notice(form: RectificationNoticeForm) -> bytes:
    width = page_width()
    body = text_style(11)
    rows = [["评分项目", "分值", "扣分", "存在问题"]]
    for item in form.items:
        rows.append(
            [
                str(item["zh"]),
                str(item["points"]),
                str(item["deducted"]) if item["deducted"] else "—",
                "；".join(item["findings"]) or "—",
            ]
        )
    rows.append(["合计得分", str(form.total), str(form.total - form.score), f"{form.score} 分"])
    sheet = grid(rows, [width * 0.32, width * 0.1, width * 0.1, width * 0.48])
    penalty = (
        f"按评分表，得分低于 {form.pass_score} 分的，扣减发展费用 {yuan(form.proposed_penalty)} 元，"
        "并依考核办法对相关责任人进行处罚（以处罚决定为准）。"
        if form.proposed_penalty
        else ""
    )
    story: list[Flowable] = [
        Paragraph(
            f"编号：{cell_text(form.notice_no)}　　检查编号：{cell_text(form.check_no)}", body
        ),
        Spacer(1, 4 * mm),
        Paragraph(f"{cell_text(form.addressee)}：", body),
        Spacer(1, 3 * mm),
        Paragraph(
            f"我行于 {form.checked_on.isoformat()} 对你处 {form.period_from.isoformat()} 至 "
            f"{form.period_to.isoformat()} 的贷后管理工作进行了检查，按《贷后管理日常检查评分表》"
            f"百分制评分，得分 {form.score} 分，低于 {form.pass_score} 分的合格线。{penalty}"
            f"请针对下列问题于 {form.deadline.isoformat()} 前整改完毕，并将整改情况书面报告检查人，"
            "经验收后销号。",
            body,
        ),
        Spacer(1, 4 * mm),
        sheet,
        Spacer(1, 4 * mm),
        Paragraph(f"检查意见：{cell_text(form.findings)}", body),
        Spacer(1, 4 * mm),
        Paragraph(
            f"Rectification notice {cell_text(form.notice_no)}: scored {form.score} of "
            f"{form.total}, below {form.pass_score}; rectify by {form.deadline.isoformat()}.",
            text_style(9),
        ),
        Spacer(1, 8 * mm),
        grid(
            [["整改期限", form.deadline.isoformat()], ["检查人", form.checker]],
            [width * 0.2, width * 0.8],
        ),
        Spacer(1, 8 * mm),
        signature_lines(["被检查单位（人）签收", "检查人"], width),
    ]
    return render_pdf(
        TITLE,
        cell_text(f"Rectification notice / {form.notice_no}"),
        story,
        footer=f"{TITLE}　{form.notice_no}",
    )
