"""Post-loan management papers (贷后管理文书) in the demo.

城东支行's post-loan officer 孙婷 (0205) wrote the unit's work report for the third quarter of
2026 (贷后管理工作报告) on 12 October. The team manager 赵文斌 (0204) passed it on 13 October;
the head office's risk department (梁雪梅, 0902) returned it on 14 October asking for the
migration of special-mention loans; she revised it the next day and it went through the chain
again — team manager, risk department, then the branch head 郑卫东 (0201) on 19 October, who
sent it up to 总行 — where the head office's head 高志远 (0900) read it (阅知) on 21 October.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from archive.application import DossierArchive
from archive.commands.papers import AcknowledgePaper, DraftPaper, ReviewPaper, RevisePaper
from archive.core import CommandContext
from archive.documents.ingest import from_bytes
from demo.pdfs.style import registered_font

AUTHOR, TEAM_MANAGER, RISK, HEAD, HEAD_OFFICE_HEAD = "0205", "0204", "0902", "0201", "0900"
TITLE = "城东支行2026年第三季度贷后管理工作报告"


def report_pdf(title: str, paragraphs: list[str]) -> bytes:
    """A short report as a PDF, in the demo's Chinese font."""
    font = registered_font()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm)
    heading = ParagraphStyle("h", fontName=font, fontSize=16, leading=22, alignment=1)
    body = ParagraphStyle("b", fontName=font, fontSize=11, leading=18, firstLineIndent=22)
    story = [Paragraph(title, heading), Spacer(1, 8 * mm)]
    story += [Paragraph(p, body) for p in paragraphs]
    doc.build(story)
    return buffer.getvalue()


BODY = [
    "一、本季度贷后检查：首次跟踪检查、常规检查均按规定频率开展，检查报告经复核。",
    "二、风险分类：季末五级分类已全部更新，关注类贷款较上季末有所增加。",
    "三、逾期催收：逾期贷款均已按催收阶梯发出通知书，诉讼时效均有效。",
    "四、下季度工作安排：压降关注类贷款，落实一户一策，按月开展贷后管理例会。",
]


def write_papers(archive: DossierArchive, contexts: Mapping[str, CommandContext]) -> int:
    """城东支行's Q3 work report through its chain and read at 总行; how many papers."""
    made = archive.execute(
        contexts[AUTHOR],
        DraftPaper(
            kind="work_report", period="2026-Q3", title=TITLE, drafted_on=date(2026, 10, 12)
        ),
        [from_bytes("management_paper", f"{TITLE}.pdf", report_pdf(TITLE, BODY))],
    )
    paper_id = made.aggregate_id

    def review(who: str, on: date, reason: str, approved: bool = True) -> None:
        archive.execute(
            contexts[who],
            ReviewPaper(paper_id=paper_id, approved=approved, reason=reason, vetted_on=on),
        )

    review(TEAM_MANAGER, date(2026, 10, 13), "内容完整，同意报风控部审查。")
    review(RISK, date(2026, 10, 14), "未分析关注类贷款迁徙情况，请补充后重报。", approved=False)
    revised = [
        *BODY[:2],
        "二之一、关注类贷款迁徙：本季新增关注类3户，均为账户流水下降，已列入按月监测。",
        *BODY[2:],
    ]
    archive.execute(
        contexts[AUTHOR],
        RevisePaper(
            paper_id=paper_id, note="补充关注类贷款迁徙分析。", revised_on=date(2026, 10, 15)
        ),
        [from_bytes("management_paper", f"{TITLE}（修改稿）.pdf", report_pdf(TITLE, revised))],
    )
    review(TEAM_MANAGER, date(2026, 10, 15), "已补充，同意。")
    review(RISK, date(2026, 10, 16), "同意。")
    review(HEAD, date(2026, 10, 19), "同意报送总行。")
    archive.execute(
        contexts[HEAD_OFFICE_HEAD],
        AcknowledgePaper(
            paper_id=paper_id,
            acknowledged_on=date(2026, 10, 21),
            opinion="已阅。关注类贷款迁徙请按月跟踪，下季报告专项说明。",
        ),
    )
    return 1
