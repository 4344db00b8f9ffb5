"""The compliance report (合规检查报告) as PDF (Chinese, ReportLab) and XLSX (openpyxl).

Both are drawn from the same :func:`sections`, so a figure in the PDF is the figure in the
workbook. Neither reads the clock: the PDF is rendered with ``invariant`` set, the workbook's
times are the report date, and both are dated by the report date and the log position they were
read at — the same report built again is the same bytes, so a copy handed to an examiner can be
checked against the hash recorded when it was issued (:class:`ReportCommands`).

The same bytes need the same drawing code, so each report issued records the number of the
renderer that drew it (:data:`RENDERER`; ``IssuedReport`` version 2). This module draws
renderer 3: the PDF is PDF/A-2b with its Chinese font embedded (:mod:`archive.printing`).
Renderer 2 — the same pages in the CID font STSong-Light, nothing embedded — states the bank's
time zone and shows a record time in it, and names a person it cannot find as nobody rather
than by id; this module still draws it (``legacy``) for the reports issued with it.
:mod:`archive.reports.compliance_v1`, frozen, draws renderer 1, for the reports issued before
the renderer was recorded. :func:`render` chooses. The workbook is the same for 2 and 3.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

from archive.core import CommandContext
from archive.reports import compliance_v1
from archive.reports.issuing import MEDIA, Issued, IssuingCore
from archive.reports.tables import PDF_ROWS, Section, sections_pdf, sections_xlsx
from domain.authorization import Action
from domain.compliance import ComplianceReport, IssuedReport, ReportFormat
from domain.display import BANK_ZONE, moment, someone, zone_label
from domain.errors import InvalidInputError
from domain.values import Actor

TITLE_ZH = "贷后档案合规检查报告"
TITLE_EN = "Post-loan dossier compliance report"

HEADINGS = (
    "一、概要",
    "二、缺失文档（按阶段和文档类型）",
    "三、逾期任务（按责任人和类型）",
    "四、处于监管下限的贷款",
    "五、已送达未归档回执的催收通知",
    "六、保管期满未鉴定的档案",
    "附表一：缺失文档明细",
    "附表二：逾期任务明细",
    "七、口径说明",
)
"""The report's sections, in order; tests look for them in the PDF's text."""


def _rate(value: Decimal | None) -> str:
    return f"{value}%" if value is not None else "—（无应归档文档）"


def _day(value: date | None) -> str:
    return value.isoformat() if value is not None else "—"


def record_as_of(text: str | None, zone: str) -> str:
    """The record time the report was read at, as people read it: the end of a day, or a time
    in the bank's zone with its offset (a time asked without a zone was meant in the bank's)."""
    if not text:
        return "现在 / now"
    asked = text.strip()
    try:
        if len(asked) == 10:
            return f"{date.fromisoformat(asked).isoformat()} 日终 / end of day"
        moment_asked = datetime.fromisoformat(asked)
    except ValueError:
        return asked
    if moment_asked.tzinfo is None:
        moment_asked = moment_asked.replace(tzinfo=ZoneInfo(zone))
    return moment(moment_asked, zone)


def _owner(report: ComplianceReport, owner_id: UUID | None, otherwise: str) -> str:
    """A task's owner as the report names them: 姓名（工号）, never an id."""
    if owner_id is None:
        return otherwise
    name = report.owner_names.get(owner_id)
    return name if name is not None and name != str(owner_id) else someone(owner_id, {})


def sections(report: ComplianceReport, zone: str = BANK_ZONE) -> list[Section]:
    """The report's tables, in the order of :data:`HEADINGS`."""
    r = report
    # A report read within a data scope says so; one of the whole bank reads as it always did.
    scope = r.data_scope
    limited = (("数据权限范围 / data scope", f"{scope.zh} / {scope.en}"),) if scope.filtered else ()
    summary = (
        ("报告日期 / report date", r.on),
        ("时区 / time zone", zone_label(zone, r.on)),
        ("范围 / scope", f"{r.scope.zh} / {r.scope.en}"),
        *limited,
        ("日志位置 / log position", r.position),
        ("记录截至 / record as of", record_as_of(r.record_as_of, zone)),
        ("现行规则版本 / rules in force", r.rules_version),
        ("贷款户数 / loans", r.loans),
        ("应归档文档（已到期） / documents due", r.required),
        ("已归档 / filed", r.filed),
        ("其中逾期归档 / of which filed late", r.filed_late),
        ("缺失 / missing", r.missing),
        ("未到期待归档 / not yet due", r.pending),
        ("文档完整率 / completeness rate", _rate(r.completeness_rate)),
        ("档案齐全户数 / complete dossiers", r.dossiers_complete),
        ("档案齐全率 / complete dossier rate", _rate(r.dossier_rate)),
        ("逾期任务 / overdue tasks", len(r.overdue_tasks)),
        ("处于监管下限 / at a statutory floor", r.at_floor),
        ("低于监管下限 / below a statutory floor", r.below_floor),
        ("催收通知缺送达回执 / notices without receipt", len(r.notices_without_receipt)),
        ("保管期满未鉴定 / past retention, not appraised", len(r.retention_unappraised)),
    )
    return [
        Section(HEADINGS[0], "概要", ("项目 / item", "数值 / figure"), summary, (0.55, 0.45)),
        Section(
            HEADINGS[1],
            "缺失汇总",
            ("阶段", "文档类型", "文档名称", "缺失件数", "涉及贷款", "最早期限"),
            tuple(
                (g.stage_zh, g.doc_type, g.doc_type_zh, g.count, g.loans, g.oldest_due_on)
                for g in r.gaps_by_type
            ),
            (0.13, 0.22, 0.25, 0.12, 0.12, 0.16),
        ),
        Section(
            HEADINGS[2],
            "逾期任务汇总",
            ("责任人", "岗位", "任务类型", "件数", "最早到期"),
            tuple(
                (
                    _owner(r, g.owner_id, g.owner),
                    g.owner_role.zh,
                    g.kind.zh,
                    g.count,
                    g.oldest_due_on,
                )
                for g in r.overdue_by_owner
            ),
            (0.28, 0.16, 0.22, 0.12, 0.22),
        ),
        Section(
            HEADINGS[3],
            "监管下限",
            ("借据号", "机构", "产品", "逾期天数", "监管下限", "现分类", "状态", "依据"),
            tuple(
                (
                    f.loan_no,
                    f.branch or "",
                    f.product.zh,
                    f.days_overdue,
                    f.floor.zh,
                    f.grade.zh,
                    f.standing.zh,
                    f.reason_zh,
                )
                for f in r.floor_loans
            ),
            (0.14, 0.1, 0.1, 0.08, 0.09, 0.09, 0.1, 0.3),
        ),
        Section(
            HEADINGS[4],
            "缺送达回执",
            ("借据号", "借款人", "机构", "通知日期", "归档期限", "逾期天数", "规则"),
            tuple(
                (
                    g.loan_no,
                    g.borrower_name,
                    g.branch or "",
                    g.required_since,
                    g.due_on,
                    g.days_past_due,
                    g.rule_id,
                )
                for g in r.notices_without_receipt
            ),
            (0.15, 0.2, 0.12, 0.13, 0.13, 0.1, 0.17),
        ),
        Section(
            HEADINGS[5],
            "保管期满未鉴定",
            ("档号", "借据号", "机构", "保管期限", "期满日", "已超期天数"),
            tuple(
                (
                    d.reference_code or "",
                    d.loan_no,
                    d.branch or "",
                    d.retention or "",
                    d.ended_on,
                    d.days_past,
                )
                for d in r.retention_unappraised
            ),
            (0.24, 0.18, 0.14, 0.12, 0.16, 0.16),
        ),
        Section(
            HEADINGS[6],
            "缺失明细",
            ("借据号", "借款人", "机构", "阶段", "文档", "规则", "应归档起始", "期限", "逾期天数"),
            tuple(
                (
                    g.loan_no,
                    g.borrower_name,
                    g.branch or "",
                    g.stage_zh,
                    g.doc_type_zh,
                    g.rule_id,
                    g.required_since,
                    g.due_on,
                    g.days_past_due,
                )
                for g in r.gaps
            ),
            (0.12, 0.14, 0.09, 0.08, 0.14, 0.15, 0.1, 0.1, 0.08),
        ),
        Section(
            HEADINGS[7],
            "逾期任务明细",
            ("任务类型", "对象", "机构", "责任人", "岗位", "到期日", "规则"),
            tuple(
                (
                    t.kind.zh,
                    t.ref,
                    t.branch or "",
                    _owner(r, t.owner_id, r.owner_of(t)),
                    t.owner_role.zh,
                    t.due_on,
                    t.rule,
                )
                for t in r.overdue_tasks
            ),
            (0.12, 0.15, 0.09, 0.15, 0.1, 0.1, 0.29),
        ),
        Section(
            HEADINGS[8],
            "口径说明",
            ("口径 / definition", "说明 / meaning"),
            (
                ("应归档文档", f"归档期限早于报告日（{r.on}）的规则要求文档；未到期的另计。"),
                ("文档完整率", "已归档（含逾期归档）÷ 应归档文档。"),
                ("档案齐全", "该贷款没有已到期仍缺失的文档。"),
                ("逾期任务", "工作任务在报告日已超过到期日。"),
                (
                    "监管下限",
                    "按逾期天数确定的最低分类（《商业银行金融资产风险分类办法》）；"
                    "现分类等于下限为“处于下限”，优于下限为“低于下限”。",
                ),
                ("催收通知缺送达回执", "已送达催收通知，其送达回执超过归档期限仍未归档。"),
                ("保管期满未鉴定", "保管期限在报告日前届满，之后未作鉴定结论。"),
                ("引用的规则版本", "；".join(r.rules_versions_cited) or "—"),
                (
                    "可复核",
                    f"本报告由日志位置 {r.position} 的登记簿生成，"
                    "按同一日期和位置可重新生成相同内容。",
                ),
            ),
            (0.25, 0.75),
        ),
    ]


def report_pdf(
    report: ComplianceReport, *, limit: int = PDF_ROWS, zone: str = BANK_ZONE, legacy: bool = False
) -> bytes:
    """The report as an A4 landscape PDF/A-2b, Chinese headings, a footer on every page; a
    table longer than ``limit`` rows shows its first ``limit`` and says how many the workbook
    has. ``legacy``: as renderer 2 drew it (not embedded, not PDF/A)."""
    subtitle = (
        f"{TITLE_EN} · {report.scope.zh} / {report.scope.en} · 报告日期 {report.on.isoformat()} · "
        f"日志位置 {report.position} · 规则版本 {report.rules_version[:12]} · "
        f"时区 {zone_label(zone, report.on)}"
    )
    footer = f"{TITLE_ZH} {report.on.isoformat()} {report.scope.zh}"
    return sections_pdf(
        sections(report, zone),
        title=TITLE_ZH,
        subtitle=subtitle,
        footer=footer,
        limit=limit,
        legacy=legacy,
    )


def report_xlsx(report: ComplianceReport, *, zone: str = BANK_ZONE) -> bytes:
    """The report as a workbook: one sheet per section, numbers as numbers, dates as dates."""
    return sections_xlsx(sections(report, zone), on=report.on)


RENDERER = 3
"""The renderer this release draws compliance reports with, recorded with each report issued."""
RENDERERS = (1, 2, 3)
"""Every renderer a report may have been issued with; each still draws what it drew."""


def render(
    report: ComplianceReport,
    format: ReportFormat,
    *,
    renderer: int = RENDERER,
    zone: str = BANK_ZONE,
) -> bytes:
    """The report as ``format``, drawn by ``renderer`` (renderer 1 knows no zone: it stated
    none)."""
    pdf = format is ReportFormat.PDF
    if renderer == 1:
        return compliance_v1.report_pdf(report) if pdf else compliance_v1.report_xlsx(report)
    if renderer == 2:
        return report_pdf(report, zone=zone, legacy=True) if pdf else report_xlsx(report, zone=zone)
    if renderer == 3:
        return report_pdf(report, zone=zone) if pdf else report_xlsx(report, zone=zone)
    raise InvalidInputError(
        f"没有第{renderer}版报告渲染器（可用：{'、'.join(map(str, RENDERERS))}）",
        f"there is no report renderer {renderer} (known: {', '.join(map(str, RENDERERS))})",
        field="renderer",
    )


def filename(report: ComplianceReport, extension: str) -> str:
    """An ASCII file name: compliance-report-<date>[-<branch>][-<product>].<ext>."""
    parts: Sequence[str] = [
        "compliance-report",
        report.on.isoformat(),
        *([report.scope.product.value] if report.scope.product else []),
    ]
    return "-".join(parts) + f".{extension}"


class ReportCommands(IssuingCore):
    """Handing a compliance report out: rendered, hashed, and recorded before it is returned."""

    def issue_compliance_report(
        self,
        ctx: CommandContext,
        report: ComplianceReport,
        *,
        format: ReportFormat,
        purpose: str,
    ) -> Issued:
        """Render ``report`` and record an ``IssuedReport`` with the file's SHA-256.

        Nothing is handed out unless the record is saved; a retried command (same idempotency
        key) returns the same record, and the same report renders the same bytes.
        """
        body = render(report, format, zone=self.config.timezone)

        def record(report_id: UUID, digest: str, actor: Actor) -> IssuedReport:
            return IssuedReport.issue(
                report_id=report_id,
                on=report.on,
                scope=report.scope,
                record_as_of=report.record_as_of,
                position=report.position,
                rules_version=report.rules_version,
                format=format,
                renderer=RENDERER,
                sha256=digest,
                size=len(body),
                purpose=purpose,
                actor=actor,
                data_scope=report.data_scope,
            )

        params = {
            "on": report.on.isoformat(),
            "branch": report.scope.branch,
            "product": report.scope.product.value if report.scope.product else None,
            "as_of": report.record_as_of,
            "position": report.position,
            "format": format.value,
            "renderer": RENDERER,
            "purpose": purpose,
        }
        return self._issue_file(
            ctx,
            Action.ISSUE_COMPLIANCE_REPORT,
            body=body,
            format=format,
            filename=filename(report, format.value),
            params=params,
            record=record,
        )

    def issued_report(self, ctx: CommandContext, report_id: UUID) -> IssuedReport:
        """The record of a report handed out: what it covers, the point it was read at, the
        renderer that drew it and the SHA-256 of the file (for those who read the report)."""
        return self._issued_record(ctx, IssuedReport, report_id, Action.READ_COMPLIANCE_REPORT)


__all__ = [
    "HEADINGS",
    "MEDIA",
    "PDF_ROWS",
    "RENDERER",
    "Issued",
    "ReportCommands",
    "Section",
    "filename",
    "render",
    "report_pdf",
    "report_xlsx",
    "sections",
]
