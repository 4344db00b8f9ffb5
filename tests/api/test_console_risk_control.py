"""Risk notices and suspensions through the console (rows 000-63, 002-98): a notice published
on the account manager's branch and a suspension of its new lending are listed on the risk
control page with their figures, states in words and every person by name."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from archive.commands.risk_control import PublishRiskNotice, SuspendLending
from archive.core import CommandContext
from domain.risk_control import Figures, RiskSubject, SuspensionBasis
from domain.values import Role
from tests.api.console_harness import PEOPLE, Console
from tests.factories import make_disbursement

FIGURES = Figures(
    on=date(2025, 6, 30),
    loans=4,
    balance=Decimal("2000000.00"),
    npl_rate=Decimal("12.50"),
    overdue_rate=Decimal("20.00"),
    npl_alert=Decimal("2.50"),
    overdue_target=Decimal("5.00"),
).to_record()


def test_the_risk_control_page_lists_the_notice_and_the_suspension_by_names(
    console: Console,
) -> None:
    risk_no, risk = PEOPLE[Role.RISK_MANAGER]
    manager_no, _manager = PEOPLE[Role.ACCOUNT_MANAGER]
    branch = console.archive.staff(manager_no).branch
    ctx = CommandContext(console.archive.staff(risk_no).id)
    console.archive.execute(
        ctx,
        PublishRiskNotice(
            subject=RiskSubject.BRANCH,
            subject_key=branch,
            title="资产质量风险提示",
            content="请逐户排查逾期贷款",
            figures_on=date(2025, 6, 30),
            published_on=date(2025, 7, 1),
            figures=FIGURES,
        ),
    )
    made = console.archive.execute(
        ctx,
        SuspendLending(
            subject=RiskSubject.BRANCH,
            subject_key=branch,
            basis=SuspensionBasis.BREACH,
            reason="不良率突破警戒线，暂停新增投放",
            figures_on=date(2025, 6, 30),
            suspended_on=date(2025, 7, 1),
            figures=FIGURES,
        ),
    )
    console.registers.wait(["risk_control_register"], made.position, 30)
    for role in (Role.AUDITOR, Role.ACCOUNT_MANAGER):
        console.as_role(role)
        page = console.get("/risk-control")
        assert page.status_code == 200
        assert "停牌〔2025〕第0001号" in page.text
        assert "风险提示〔2025〕第0001号" in page.text
        assert f"{risk}（{risk_no}）" in page.text
        assert "停牌中" in page.text
        assert "12.50% / 2.50%" in page.text
        assert "已发布待签收" in page.text
    booked = console.archive.disburse(
        CommandContext(console.archive.staff(manager_no).id),
        make_disbursement("DK2025007001", value_date=date(2025, 7, 2), industry="C"),
    )
    console.registers.wait(["risk_control_register"], booked.position, 30)
    assert booked.ids["suspended"] == "停牌〔2025〕第0001号"
    console.as_role(Role.ACCOUNT_MANAGER)
    loan = console.get("/loans/DK2025007001")
    assert loan.status_code == 200
    assert "停牌〔2025〕第0001号" in loan.text
    assert "C 制造业" in loan.text
    assert "DK2025007001" in console.get("/risk-control").text
