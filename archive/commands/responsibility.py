"""Responsibility determination (不良贷款责任认定), appeals and objections."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated
from uuid import UUID, uuid4

from pydantic import Field

from archive.commands import LoanCommand, handles
from archive.core import CommandContext, CommandResult
from archive.documents.ingest import Upload
from archive.fields import MULTILINE, Short, Text
from archive.rules import RulesCommands
from domain.authorization import Action
from domain.loan import Loan
from domain.values import (
    Actor,
    AppealOutcome,
    DocumentRef,
    ResponsibilityFinding,
    ResponsibilityStage,
)


class DetermineResponsibility(LoanCommand):
    action = Action.DETERMINE_RESPONSIBILITY
    assigned = ("determination_id",)

    person_no: Short
    stage: ResponsibilityStage
    finding: ResponsibilityFinding
    sanction: Annotated[str, Field(max_length=500), MULTILINE] = ""
    reason: Text
    determination_id: UUID = Field(default_factory=uuid4)


class AppealResponsibility(LoanCommand):
    action = Action.APPEAL_RESPONSIBILITY
    path = ("loan_no", "determination_id")

    determination_id: UUID
    reason: Text


class DecideAppeal(LoanCommand):
    action = Action.DECIDE_APPEAL
    path = ("loan_no", "determination_id")

    determination_id: UUID
    outcome: AppealOutcome
    finding: ResponsibilityFinding | None = None
    reason: Text


class RecordObjection(LoanCommand):
    action = Action.RECORD_OBJECTION
    assigned = ("objection_id",)

    subject: Short
    text: Text
    objection_id: UUID = Field(default_factory=uuid4)


class ResponsibilityCommands(RulesCommands):
    """Who was responsible for a loan in serious arrears, and their say in it."""

    @handles(DetermineResponsibility)
    def determine_responsibility(
        self, ctx: CommandContext, cmd: DetermineResponsibility, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Record a finding for one person and one stage."""

        def command(loan: Loan, actor: Actor, refs: list[DocumentRef]) -> dict[str, str]:
            loan.determine_responsibility(
                determination_id=cmd.determination_id,
                person_id=self.staff(cmd.person_no).id,
                stage=cmd.stage,
                finding=cmd.finding,
                sanction=cmd.sanction,
                reason=cmd.reason,
                on=self.today(),
                starts_at_days_overdue=self.rule_set().responsibility_from_days,
                actor=actor,
                documents=refs,
            )
            return {"determination_id": str(cmd.determination_id)}

        return self.for_loan(ctx, cmd, command, uploads)

    @handles(AppealResponsibility)
    def appeal_responsibility(
        self, ctx: CommandContext, cmd: AppealResponsibility, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Appeal (复议) a finding about oneself, once."""
        return self.for_loan(
            ctx,
            cmd,
            lambda loan, actor, refs: loan.appeal_responsibility(
                determination_id=cmd.determination_id,
                reason=cmd.reason,
                actor=actor,
                documents=refs,
            ),
            uploads,
        )

    @handles(DecideAppeal)
    def decide_appeal(
        self, ctx: CommandContext, cmd: DecideAppeal, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Record the committee's decision on an appeal."""
        return self.for_loan(
            ctx,
            cmd,
            lambda loan, actor, refs: loan.decide_appeal(
                determination_id=cmd.determination_id,
                outcome=cmd.outcome,
                finding=cmd.finding,
                reason=cmd.reason,
                actor=actor,
                documents=refs,
            ),
            uploads,
        )

    @handles(RecordObjection)
    def record_objection(
        self, ctx: CommandContext, cmd: RecordObjection, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Record a written objection (书面异议)."""

        def command(loan: Loan, actor: Actor, refs: list[DocumentRef]) -> dict[str, str]:
            loan.record_objection(
                objection_id=cmd.objection_id,
                subject=cmd.subject,
                text=cmd.text,
                actor=actor,
                documents=refs,
            )
            return {"objection_id": str(cmd.objection_id)}

        return self.for_loan(ctx, cmd, command, uploads)
