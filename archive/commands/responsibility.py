"""Responsibility determination (不良贷款责任认定), appeals and objections."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any
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
    AppealOutcome,
    DeterminationStep,
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
    group_member_nos: list[Short] | None = Field(
        default=None, description="the determination group (认定小组), by staff number"
    )
    meeting_on: date | None = Field(default=None, description="the day of the meeting (认定会)")
    attendee_nos: list[Short] | None = Field(
        default=None, description="who attended the meeting, by staff number"
    )

    def params(self) -> dict[str, Any]:
        """The fingerprint's fields: a finding naming no group or meeting exactly as before they
        were asked for (a client retrying after the upgrade is still recognised)."""
        return {
            name: value
            for name, value in super().params().items()
            if name not in PROCEDURE_FIELDS or value is not None
        }


PROCEDURE_FIELDS = frozenset({"group_member_nos", "meeting_on", "attendee_nos"})


class RecordDeterminationStep(LoanCommand):
    action = Action.PROGRESS_DETERMINATION
    path = ("loan_no", "determination_id")

    determination_id: UUID
    step: DeterminationStep
    taken_on: date
    note: Text
    department: Short | None = Field(
        default=None, description="with a referral: the department receiving it (监察部门)"
    )


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
        return self.for_loan(
            ctx,
            cmd,
            lambda loan, actor, refs: loan.determine_responsibility(
                **cmd.arguments("person_no", "group_member_nos", "attendee_nos"),
                person_id=self.staff(cmd.person_no).id,
                group_member_ids=self._people(cmd.group_member_nos),
                attendee_ids=self._people(cmd.attendee_nos),
                on=self.today(),
                starts_at_days_overdue=self.rule_set().responsibility_from_days,
                actor=actor,
                documents=refs,
            ),
            uploads,
        )

    def _people(self, staff_nos: list[str] | None) -> list[UUID] | None:
        return None if staff_nos is None else [self.staff(no).id for no in staff_nos]

    @handles(RecordDeterminationStep)
    def record_determination_step(
        self, ctx: CommandContext, cmd: RecordDeterminationStep, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Sign off a finding, notify the person it concerns, or refer it to 监察."""
        return self.for_loan(
            ctx,
            cmd,
            lambda loan, actor, refs: loan.record_determination_step(
                **cmd.arguments(), today=self.today(), actor=actor, documents=refs
            ),
            uploads,
        )

    @handles(AppealResponsibility)
    def appeal_responsibility(
        self, ctx: CommandContext, cmd: AppealResponsibility, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Appeal (复议) a finding about oneself, once."""
        return self.record_on_loan(ctx, cmd, Loan.appeal_responsibility, uploads)

    @handles(DecideAppeal)
    def decide_appeal(
        self, ctx: CommandContext, cmd: DecideAppeal, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Record the committee's decision on an appeal."""
        return self.record_on_loan(ctx, cmd, Loan.decide_appeal, uploads)

    @handles(RecordObjection)
    def record_objection(
        self, ctx: CommandContext, cmd: RecordObjection, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Record a written objection (书面异议)."""
        return self.record_on_loan(ctx, cmd, Loan.record_objection, uploads)
