"""A portfolio risk notice (风险预警提示) in the demo.

Once the portfolio is booked, the head office's risk department (梁雪梅, 0902) publishes a risk
notice on 城西支行 with the branch's figures as the loans stand that day (counted here from the
loans themselves, as the loan ledger counts them), asking the branch to investigate.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from archive.application import DossierArchive
from archive.commands.risk_control import PublishRiskNotice
from archive.core import CommandContext
from domain.loan import Loan
from domain.portfolio import NPL, percent
from domain.risk_control import Figures, RiskSubject
from domain.values import LoanStatus

PUBLISHER, BRANCH = "0902", "城西支行"


def publish_notice(archive: DossierArchive, contexts: Mapping[str, CommandContext]) -> None:
    """Publish the demo's risk notice on 城西支行 with the branch's figures of today."""
    today = archive.today()
    every: list[Loan] = []
    while page := archive.list_loans(contexts[PUBLISHER], offset=len(every), limit=200):
        every += page
    loans = [x for x in every if x.branch == BRANCH and x.status is LoanStatus.ACTIVE]
    zero = Decimal("0.00")
    balance = sum((x.balance for x in loans), zero)
    alert, target = archive.rule_set().portfolio.lines(BRANCH)
    figures = Figures(
        on=today,
        loans=len(loans),
        balance=balance,
        npl_rate=percent(sum((x.balance for x in loans if x.grade in NPL), zero), balance),
        overdue_rate=percent(sum((x.balance for x in loans if x.days_overdue), zero), balance),
        npl_alert=alert,
        overdue_target=target,
    )
    archive.execute(
        contexts[PUBLISHER],
        PublishRiskNotice(
            subject=RiskSubject.BRANCH,
            subject_key=BRANCH,
            title="城西支行资产质量风险提示",
            content="请城西支行逐户排查逾期及不良贷款成因，落实清收责任人，报告调查处理情况。",
            figures_on=today,
            published_on=today,
            figures=figures.to_record(),
        ),
    )
