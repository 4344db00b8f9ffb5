"""Responsibility determination (不良贷款责任认定), appeals and objections."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID, uuid4

from archive.core import CommandContext, CommandResult
from archive.documents.ingest import Upload
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


class ResponsibilityCommands(RulesCommands):
    """Who was responsible for a loan in serious arrears, and their say in it."""

    def determine_responsibility(
        self,
        ctx: CommandContext,
        loan_no: str,
        *,
        person_no: str,
        stage: ResponsibilityStage,
        finding: ResponsibilityFinding,
        sanction: str,
        reason: str,
        uploads: Sequence[Upload] = (),
        determination_id: UUID | None = None,
    ) -> CommandResult:
        new_id = determination_id or uuid4()
        params = {
            "person_no": person_no,
            "stage": stage,
            "finding": finding,
            "sanction": sanction,
            "reason": reason,
        }

        def command(loan: Loan, actor: Actor, refs: list[DocumentRef]) -> dict[str, str]:
            loan.determine_responsibility(
                determination_id=new_id,
                person_id=self.staff(person_no).id,
                stage=stage,
                finding=finding,
                sanction=sanction,
                reason=reason,
                on=self.today(),
                starts_at_days_overdue=self.rule_set().responsibility_from_days,
                actor=actor,
                documents=refs,
            )
            return {"determination_id": str(new_id)}

        return self.on_loan(ctx, Action.DETERMINE_RESPONSIBILITY, loan_no, params, command, uploads)

    def appeal_responsibility(
        self,
        ctx: CommandContext,
        loan_no: str,
        *,
        determination_id: UUID,
        reason: str,
        uploads: Sequence[Upload] = (),
    ) -> CommandResult:
        params = {"determination_id": determination_id, "reason": reason}
        return self.on_loan(
            ctx,
            Action.APPEAL_RESPONSIBILITY,
            loan_no,
            params,
            lambda loan, actor, refs: loan.appeal_responsibility(
                determination_id=determination_id, reason=reason, actor=actor, documents=refs
            ),
            uploads,
        )

    def decide_appeal(
        self,
        ctx: CommandContext,
        loan_no: str,
        *,
        determination_id: UUID,
        outcome: AppealOutcome,
        finding: ResponsibilityFinding | None,
        reason: str,
        uploads: Sequence[Upload] = (),
    ) -> CommandResult:
        params = {
            "determination_id": determination_id,
            "outcome": outcome,
            "finding": finding,
            "reason": reason,
        }
        return self.on_loan(
            ctx,
            Action.DECIDE_APPEAL,
            loan_no,
            params,
            lambda loan, actor, refs: loan.decide_appeal(
                determination_id=determination_id,
                outcome=outcome,
                finding=finding,
                reason=reason,
                actor=actor,
                documents=refs,
            ),
            uploads,
        )

    def record_objection(
        self,
        ctx: CommandContext,
        loan_no: str,
        *,
        subject: str,
        text: str,
        uploads: Sequence[Upload] = (),
        objection_id: UUID | None = None,
    ) -> CommandResult:
        new_id = objection_id or uuid4()
        params = {"subject": subject, "text": text}

        def command(loan: Loan, actor: Actor, refs: list[DocumentRef]) -> dict[str, str]:
            loan.record_objection(
                objection_id=new_id, subject=subject, text=text, actor=actor, documents=refs
            )
            return {"objection_id": str(new_id)}

        return self.on_loan(ctx, Action.RECORD_OBJECTION, loan_no, params, command, uploads)
