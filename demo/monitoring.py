"""The risk-monitoring report (风险监测报告) of the demo's third quarter of 2026.

风险管理部 collects the portfolio's figures and issues the report every quarter (002-59): once
every loan's history is recorded, the demo's first risk manager issues the quarterly report for
the period ending 30 September 2026 — 不良率, 逾期率, 关注类占比 by branch, product and account
manager, the migration since 30 June, recoveries and write-offs — as a PDF, recorded with its
SHA-256 and the log position it was read at.

The figures come from the loan ledger, which the demo does not read (it drives the application
as a client): whoever loads the demo hands in ``draw``, which brings the ledger up to date and
counts them (``dossier demo`` and the first start of ``dossier serve`` do).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from archive.application import DossierArchive
from archive.core import CommandContext
from archive.reports.issuing import Issued
from archive.reports.risk import RiskReport
from demo.staff import ROSTER
from domain.authorization import Action
from domain.compliance import ReportFormat
from domain.portfolio import ReportPeriod
from domain.scope import RowScope
from domain.values import Role

QUARTER_END = date(2026, 9, 30)
"""The past quarter end the demo's report covers."""
PURPOSE = "2026年第三季度风险监测报告，报风险管理委员会审阅"

RiskDrawer = Callable[[ReportPeriod, date, RowScope], RiskReport]
"""Counts the report's figures for a period ending on a date, within a data scope."""


def issue_quarterly_risk_report(
    archive: DossierArchive, contexts: Mapping[str, CommandContext], draw: RiskDrawer
) -> Issued:
    """The demo's risk manager issues the report of the quarter ending :data:`QUARTER_END`."""
    issuer = next(p for p in ROSTER if p.role is Role.RISK_MANAGER)
    ctx = contexts[issuer.staff_no]
    _actor, scope = archive.reading_scope(ctx, Action.ISSUE_RISK_REPORT)
    report = draw(ReportPeriod.QUARTER, QUARTER_END, scope)
    return archive.issue_risk_report(ctx, report, format=ReportFormat.PDF, purpose=PURPOSE)
