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
    NO_CAUSES,
    ZERO,
    Causes,
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
RENDERER = 2
"""The renderer this release draws risk-monitoring reports with, recorded with each issued:
2, a PDF/A-2b with its Chinese font embedded (:mod:`archive.printing`); 1, the same pages in
the CID font STSong-Light, nothing embedded, as earlier releases issued them (the workbook is
the same for both)."""
RENDERERS = (1, 2)
"""Every renderer a risk-monitoring report may have been issued with."""

HEADINGS = (
    "一、概要",
    "二、资产质量（按机构）",
    "三、资产质量（按产品）",
    "四、资产质量（按客户经理）",
    "五、五级分类迁徙矩阵",
    "六、收回与核销（按机构）",
    "七、资产质量目标与拨备（按机构）",
    "八、风险成因分析：预警与分类下调",
    "九、不良处置与风控措施",
    "十、口径说明",
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
    causes: Causes = NO_CAUSES

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
        ("不良率上限 / NPL ceiling", shown(total.npl_ceiling)),
        ("拨备（元） / provision", _yuan(total.provision)),
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
    targets = tuple(
        (
            line.key,
            shown(line.npl_rate),
            shown(line.npl_ceiling),
            {True: "超标", False: "达标", None: "—"}[line.npl_breach],
            *(_yuan(line.by_grade.get(g, ZERO)) for g in GRADES),
            _yuan(line.provision),
        )
        for line in (*whole.lines, total)
    )
    why = report.causes
    categories = why.categories
    warned = tuple(
        (
            branch,
            *(why.warnings.get((branch, c), 0) for c in categories),
            sum(n for (b, _), n in why.warnings.items() if b == branch),
            why.handled.get(branch, 0),
        )
        for branch in why.branches
    )
    downgraded = tuple(
        (d.as_of, d.branch, d.loan_no, f"{d.from_grade.zh}→{d.to_grade.zh}", d.reason)
        for d in why.downgrades
    ) or (("—", "—", "—", "—", "期内无分类下调"),)
    disposal = tuple(
        (route, loans, _yuan(balance), _yuan(recovered))
        for route, (loans, balance, recovered) in why.disposal.items()
    ) or (("—", 0, _yuan(ZERO), _yuan(ZERO)),)
    measures = (
        (
            "期内处置预警（采取措施）笔数 / warnings handled with measures",
            sum(why.handled.values()),
        ),
        ("期内核销户数 / loans written off", total.written_off_loans),
        ("期内核销金额（元） / written off", _yuan(total.written_off)),
        ("期末拨备（元） / provision held", _yuan(total.provision)),
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
            "目标与拨备",
            (
                "机构",
                "不良率",
                "不良率上限",
                "达标情况",
                *(f"{g.zh}类余额（元）" for g in GRADES),
                "拨备（元）",
            ),
            targets,
            (0.13, 0.07, 0.08, 0.07, 0.1, 0.1, 0.1, 0.1, 0.1, 0.15),
        ),
        Section(
            HEADINGS[7],
            "风险成因",
            ("机构", *(f"{c}预警" for c in categories), "预警合计", "已采取处警措施"),
            warned or (("—", *(0 for _ in categories), 0, 0),),
            tuple(1 / (len(categories) + 3) for _ in range(len(categories) + 3)),
        ),
        Section(
            "分类下调及原因 / downgrades and their reasons",
            "分类下调",
            ("分类基准日", "机构", "贷款编号", "分类变化", "原因（申请理由）"),
            downgraded,
            (0.12, 0.14, 0.14, 0.12, 0.48),
        ),
        Section(
            HEADINGS[8],
            "不良处置",
            ("处置方式", "户数", "余额（元，核销的为核销时余额）", "核销后收回（元）"),
            disposal,
            (0.25, 0.15, 0.3, 0.3),
        ),
        Section(
            "风控措施 / risk measures taken",
            "风控措施",
            ("项目 / item", "数值 / figure"),
            measures,
            (0.6, 0.4),
        ),
        Section(
            HEADINGS[9],
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
                (
                    "不良率上限",
                    "规则 [portfolio] npl_ceiling 所定各机构不良率控制目标；超过即超标。",
                ),
                (
                    "拨备",
                    "报告日各类贷款余额 × 规则 [portfolio] provision_rates 所定该类拨备比例。",
                ),
                (
                    "风险成因",
                    "期内发出的预警按机构和信号类别计数；期内分类基准日的下调附其申请理由。",
                ),
                ("不良处置", "报告日不良贷款台账中的贷款按处置方式（清收、诉讼、核销等）汇总。"),
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
    if renderer not in RENDERERS:
        raise InvalidInputError(
            f"没有第{renderer}版风险监测报告渲染器（可用：{'、'.join(map(str, RENDERERS))}）",
            f"there is no risk-report renderer {renderer} "
            f"(known: {', '.join(map(str, RENDERERS))})",
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
    return sections_pdf(
        found, title=TITLE_ZH, subtitle=subtitle, footer=footer, legacy=renderer == 1
    )


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
