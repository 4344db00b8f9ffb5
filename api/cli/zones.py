"""``dossier postloan zone …``: the three zones of customers (三大区间) and the plan for each
(一户一策) at the console, with the caller's token.

The same commands as the HTTP routes (api/routers/zones.py, archive/commands/zones.py), with the
same field names; a refusal exits 1 in Chinese and English with nothing recorded. The register
is ``dossier registers show zone_register``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

import typer

from api.cli.common import ActAs, LoanNo, Reason, Token, day_option, run
from archive.commands.zones import ApproveZone, ProposeZone, RejectZone, ReviewZone

zone_app = typer.Typer(
    help="三大区间与一户一策 / Customer zones and per-customer plans.", no_args_is_help=True
)

Measures = Annotated[str | None, typer.Option(help="工作措施 / measures (限制 zones)")]
Target = Annotated[str | None, typer.Option(help="目标 / target (限制 zones)")]
Deadline = Annotated[
    date | None, day_option("--deadline", help="方案期限 / the plan's deadline (限制 zones)")
]
ProposalId = Annotated[UUID, typer.Argument(help="区间划分申请 / the proposal's id")]


@zone_app.command("propose")
def propose(
    loan_no: LoanNo,
    zone: Annotated[str, typer.Option(help="区间代码 / the zone's code (restricted, exit, …)")],
    proposed_on: Annotated[date, day_option("--on", help="提出日期 / day proposed")],
    reason: Reason,
    responsible: Annotated[
        str, typer.Option(help="责任人工号 / staff no. of the person responsible")
    ],
    measures: Measures = None,
    target: Target = None,
    deadline: Deadline = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """提出客户区间及一户一策方案 / Propose the customer's zone and plan (the loan's officers)."""
    command = ProposeZone(
        loan_no=loan_no,
        zone=zone,
        reason=reason,
        proposed_on=proposed_on,
        responsible_no=responsible,
        measures=measures,
        target=target,
        deadline=deadline,
    )
    run(token, role, command, ("已提出区间划分", "zone proposed"))


@zone_app.command("approve")
def approve(
    loan_no: LoanNo,
    proposal_id: ProposalId,
    approved_on: Annotated[date, day_option("--on", help="审批日期 / day approved")],
    opinion: Annotated[str, typer.Option(help="审批意见 / opinion")],
    token: Token = None,
    role: ActAs = None,
) -> None:
    """审批区间划分 / Approve a proposed zone (branch head, risk manager; never the proposer)."""
    command = ApproveZone(
        loan_no=loan_no, proposal_id=proposal_id, approved_on=approved_on, opinion=opinion
    )
    run(token, role, command, ("已批准区间划分", "zone approved"))


@zone_app.command("reject")
def reject(
    loan_no: LoanNo,
    proposal_id: ProposalId,
    rejected_on: Annotated[date, day_option("--on", help="否决日期 / day rejected")],
    reason: Reason,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """否决区间划分 / Reject a proposed zone, with the reason."""
    command = RejectZone(
        loan_no=loan_no, proposal_id=proposal_id, rejected_on=rejected_on, reason=reason
    )
    run(token, role, command, ("已否决区间划分", "zone rejected"))


@zone_app.command("review")
def review(
    loan_no: LoanNo,
    reviewed_on: Annotated[date, day_option("--on", help="评估日期 / day reviewed")],
    progress: Annotated[str, typer.Option(help="方案进展 / progress on the plan")],
    repayment_capacity: Annotated[str, typer.Option(help="还款能力 / repayment capacity")],
    operations: Annotated[str, typer.Option(help="经营、财务状况 / operations and finances")],
    market: Annotated[str | None, typer.Option(help="市场环境 / the market")] = None,
    zone: Annotated[str | None, typer.Option(help="另提区间 / propose another zone")] = None,
    reason: Annotated[str | None, typer.Option(help="理由 / why another zone")] = None,
    responsible: Annotated[str | None, typer.Option(help="责任人工号 / responsible")] = None,
    measures: Measures = None,
    target: Target = None,
    deadline: Deadline = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """定期评估客户区间 / Review the customer's zone and plan; with --zone, propose another."""
    command = ReviewZone(
        loan_no=loan_no,
        reviewed_on=reviewed_on,
        progress=progress,
        repayment_capacity=repayment_capacity,
        operations=operations,
        market=market,
        zone=zone,
        reason=reason,
        responsible_no=responsible,
        measures=measures,
        target=target,
        deadline=deadline,
    )
    run(token, role, command, ("已记录区间评估", "zone reviewed"))
