"""The risk-monitoring report (风险监测报告) as PDF (Chinese, ReportLab) and XLSX (openpyxl).

A monthly or quarterly report for a period ending on a date: the portfolio's quality at the end
(不良率, 逾期率, 关注类占比) by branch, product and account manager, the migration between grades
over the period (迁徙率 and the matrix), the recovery of loans falling due (收回率) and the
write-offs (核销) — the figures of :mod:`domain.portfolio`, read from the loan ledger at one log
position. Drawn without the clock and dated by the period's end, the same report is the same
bytes: issued (:class:`RiskReportCommands`), its SHA-256 and position are recorded and it can
be drawn again from them (:data:`RENDERER` names the drawing code).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from archive.core import CommandContext
from archive.reports.issuing import Issued, IssuingCore
from archive.reports.tables import Section, sections_pdf, sections_xlsx
from domain.authorization import Action
from domain.compliance import ReportFormat
from domain.errors import InvalidInputError
from domain.portfolio import (
    GRADES,
    MIGRATING,
    GroupBy,
    IssuedRiskReport,
    MetricsLine,
    PortfolioMetrics,
    ReportPeriod,
    shown,
)
from domain.scope import RowScope
from domain.values import Actor

TITLE_ZH = "风险监测报告"
TITLE_EN = "Risk-monitoring report"
RENDERER = 1
"""The renderer this release draws risk-monitoring reports with, recorded with each issued."""

HEADINGS = (
    "一、概要",
    "二、资产质量（按机构）",
    "三、资产质量（按产品）",
    "四、资产质量（按客户经理）",
    "五、五级分类迁徙矩阵",
    "六、收回与核销（按机构）",
    "七、口径说明",
)
"""The report's sections, in order; tests look for them in the PDF's text."""


@dataclass(frozen=True)
class RiskReport:
    """The figures of one report: its period, and the metrics by each grouping, all read at
    the same position within the same data scope."""

    period: ReportPeriod
    by_branch: PortfolioMetrics
    by_product: PortfolioMetrics
    by_manager: PortfolioMetrics

    @property
    def on(self) -> date:
        return self.by_branch.on

    @property
    def since(self) -> date:
        return self.by_branch.since

    @property
    def position(self) -> int:
        return self.by_branch.position

    @property
    def data_scope(self) -> RowScope:
        """The data scope read within, as its record states it (so a report drawn again from
        its record names it in the same words)."""
        return RowScope.from_record(self.by_branch.data_scope.to_record())


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _quality(line: MetricsLine) -> tuple[object, ...]:
    return (
        line.key,
        line.loans,
        _yuan(line.balance),
        _yuan(line.npl_balance),
        shown(line.npl_rate),
        _yuan(line.overdue_balance),
        shown(line.overdue_rate),
        _yuan(line.special_mention_balance),
        shown(line.special_mention_share),
        *(shown(line.migration(g).rate) for g in MIGRATING),
    )


QUALITY_HEADER = (
    "分组",
    "户数",
    "贷款余额（元）",
    "不良余额（元）",
    "不良率",
    "逾期余额（元）",
    "逾期率",
    "关注类余额（元）",
    "关注类占比",
    *(f"{g.zh}类迁徙率" for g in MIGRATING),
)
QUALITY_WIDTHS = (0.13, 0.05, 0.11, 0.1, 0.06, 0.1, 0.06, 0.1, 0.07, 0.055, 0.055, 0.055, 0.055)


def _quality_section(heading: str, sheet: str, metrics: PortfolioMetrics) -> Section:
    rows = tuple(_quality(line) for line in (*metrics.lines, metrics.total))
    return Section(heading, sheet, QUALITY_HEADER, rows, QUALITY_WIDTHS)


def sections(report: RiskReport) -> list[Section]:
    """The report's tables, in the order of :data:`HEADINGS`."""
    whole = report.by_branch
    total = whole.total
    scope = report.data_scope
    summary = (
        ("报告期 / period", f"{report.period.zh} {whole.since.isoformat()} 至 {whole.on}"),
        ("期初日 / start (evening of)", whole.since),
        ("报告日 / end", whole.on),
        ("机构 / branch", whole.branch or "全部 / all"),
        ("数据权限范围 / data scope", f"{scope.zh} / {scope.en}"),
        ("日志位置 / log position", whole.position),
        ("在账贷款户数 / loans on the books", total.loans),
        ("贷款余额（元） / balance", _yuan(total.balance)),
        ("不良贷款余额（元） / NPL balance", _yuan(total.npl_balance)),
        ("不良率 / NPL ratio", shown(total.npl_rate)),
        ("逾期贷款余额（元） / overdue balance", _yuan(total.overdue_balance)),
        ("逾期率 / overdue ratio", shown(total.overdue_rate)),
        ("关注类余额（元） / special mention", _yuan(total.special_mention_balance)),
        ("关注类占比 / special-mention share", shown(total.special_mention_share)),
        *(
            (f"{g.zh}类贷款迁徙率 / {g.value} migration", shown(total.migration(g).rate))
            for g in MIGRATING
        ),
        ("期内到期本金（元） / falling due", _yuan(total.due)),
        ("期内收回（元） / recovered", _yuan(total.recovered)),
        ("收回率 / recovery rate", shown(total.recovery_rate)),
        ("期内核销户数 / loans written off", total.written_off_loans),
        ("期内核销金额（元） / written off", _yuan(total.written_off)),
    )
    matrix = tuple(
        (
            f"{m.grade.zh}（{m.loans}户）",
            _yuan(m.start_balance),
            _yuan(m.decreased),
            _yuan(m.remaining),
            *(shown(m.share(g)) for g in GRADES),
            shown(m.rate),
        )
        for m in total.migrations
    )
    recovery = tuple(
        (
            line.key,
            _yuan(line.due),
            _yuan(line.recovered),
            shown(line.recovery_rate),
            line.written_off_loans,
            _yuan(line.written_off),
        )
        for line in (*whole.lines, total)
    )
    return [
        Section(HEADINGS[0], "概要", ("项目 / item", "数值 / figure"), summary, (0.45, 0.55)),
        _quality_section(HEADINGS[1], "按机构", report.by_branch),
        _quality_section(HEADINGS[2], "按产品", report.by_product),
        _quality_section(HEADINGS[3], "按客户经理", report.by_manager),
        Section(
            HEADINGS[4],
            "迁徙矩阵",
            (
                "期初分类",
                "期初余额（元）",
                "期间减少（元）",
                "期末仍在账（元）",
                *(f"期末{g.zh}" for g in GRADES),
                "迁徙率",
            ),
            matrix,
            (0.12, 0.12, 0.12, 0.12, 0.08, 0.08, 0.08, 0.08, 0.08, 0.12),
        ),
        Section(
            HEADINGS[5],
            "收回与核销",
            ("机构", "期内到期（元）", "期内收回（元）", "收回率", "核销户数", "核销金额（元）"),
            recovery,
            (0.2, 0.18, 0.18, 0.12, 0.12, 0.2),
        ),
        Section(
            HEADINGS[6],
            "口径说明",
            ("口径 / definition", "说明 / meaning"),
            (
                ("贷款余额", f"报告日（{whole.on}）在账贷款（未结清、未核销）的本金余额。"),
                ("不良率", "次级类、可疑类、损失类贷款余额 ÷ 贷款余额。"),
                ("逾期率", "逾期天数大于零的贷款余额 ÷ 贷款余额。"),
                ("关注类占比", "关注类贷款余额 ÷ 贷款余额。"),
                (
                    "迁徙率",
                    "期初某类贷款中期末分类劣于该类的余额 ÷（期初该类贷款余额 − 期初该类贷款期间"
                    "减少金额）；期间减少指收回、结清、核销。矩阵列示期末各类所占比例。",
                ),
                (
                    "收回率",
                    "期初登记到期日落在报告期内的贷款，期内收回本金 ÷ 其期初余额。",
                ),
                ("核销", "核销日落在报告期内的贷款户数及核销时的余额。"),
                ("分组", "按报告日的机构、产品、客户经理（姓名（工号））归组。"),
                (
                    "可复核",
                    f"本报告由日志位置 {whole.position} 的贷后管理台账生成，"
                    "按同一期间和位置可重新生成相同内容。",
                ),
            ),
            (0.2, 0.8),
        ),
    ]


def render(report: RiskReport, format: ReportFormat, *, renderer: int = RENDERER) -> bytes:
    """The report as ``format``, drawn by ``renderer``."""
    if renderer != RENDERER:
        raise InvalidInputError(
            f"没有第{renderer}版风险监测报告渲染器（可用：{RENDERER}）",
            f"there is no risk-report renderer {renderer} (known: {RENDERER})",
            field="renderer",
        )
    found = sections(report)
    if format is ReportFormat.XLSX:
        return sections_xlsx(found, on=report.on)
    whole = report.by_branch
    subtitle = " | ".join(
        (
            TITLE_EN,
            f"{report.period.zh} {whole.since.isoformat()} 至 {whole.on.isoformat()}",
            whole.branch or "全部机构",
            report.data_scope.zh,
            f"日志位置 {whole.position}",
        )
    )
    footer = f"{TITLE_ZH} {whole.on.isoformat()} {whole.branch or ''}".rstrip()
    return sections_pdf(found, title=TITLE_ZH, subtitle=subtitle, footer=footer)


def filename(report: RiskReport, extension: str) -> str:
    """An ASCII file name: risk-report-<period>-<end>.<ext>."""
    return f"risk-report-{report.period.value}-{report.on.isoformat()}.{extension}"


GROUPINGS = (GroupBy.BRANCH, GroupBy.PRODUCT, GroupBy.MANAGER)


class RiskReportCommands(IssuingCore):
    """Handing a risk-monitoring report out: drawn, hashed, and recorded before it is
    returned."""

    def issue_risk_report(
        self, ctx: CommandContext, report: RiskReport, *, format: ReportFormat, purpose: str
    ) -> Issued:
        """Draw ``report`` and record an ``IssuedRiskReport`` with the file's SHA-256."""
        body = render(report, format)
        whole = report.by_branch

        def record(report_id: UUID, digest: str, actor: Actor) -> IssuedRiskReport:
            return IssuedRiskReport.issue(
                report_id=report_id,
                period=report.period,
                since=whole.since,
                on=whole.on,
                branch=whole.branch,
                position=whole.position,
                format=format,
                renderer=RENDERER,
                sha256=digest,
                size=len(body),
                purpose=purpose,
                actor=actor,
                data_scope=whole.data_scope,
            )

        params = {
            "period": report.period.value,
            "since": whole.since.isoformat(),
            "on": whole.on.isoformat(),
            "branch": whole.branch,
            "position": whole.position,
            "format": format.value,
            "renderer": RENDERER,
            "purpose": purpose,
        }
        return self._issue_file(
            ctx,
            Action.ISSUE_RISK_REPORT,
            body=body,
            format=format,
            filename=filename(report, format.value),
            params=params,
            record=record,
        )

    def issued_risk_report(self, ctx: CommandContext, report_id: UUID) -> IssuedRiskReport:
        """The record of a risk-monitoring report handed out (for those who read the
        portfolio's metrics, within their data scope)."""
        return self._issued_record(ctx, IssuedRiskReport, report_id, Action.READ_PORTFOLIO)
