"""Inspections (贷后检查), their corrections and the reviewer's countersign (复核意见)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

from archive.commands import LoanCommand, handles
from archive.core import ArchiveCore, CommandContext, CommandResult
from archive.documents.ingest import Upload
from archive.documents.paperwork import inspection_form_upload
from archive.fields import Code, Sentence, Short, StaffNumber, Text
from domain.authorization import Action
from domain.checklists import AnswerResult
from domain.errors import DomainError, InvalidInputError
from domain.loan import Loan
from domain.monitoring import check_lead_unit
from domain.values import Actor, DocumentRef, InspectionKind, MonitoredSystem, ReminderChannel


class ChecklistAnswer(BaseModel):
    """One checklist item answered (GET /loans/{loan_no}/inspection-checklist lists them)."""

    model_config = ConfigDict(extra="forbid")

    item: Code = Field(description="the item's code, e.g. C-01")
    result: AnswerResult = Field(description="normal (正常) or abnormal (异常)")
    note: Sentence | None = Field(
        default=None, description="what was found (情况说明); required when abnormal"
    )


class JointMember(BaseModel):
    """One person taking part in a joint on-site inspection (会同有关部门现场检查)."""

    model_config = ConfigDict(extra="forbid")

    department: Short = Field(description="their department (部门), e.g. 风险管理部")
    staff_no: Short = Field(description="their staff number (工号)")


class RecordInspection(LoanCommand):
    """An inspection of the borrower (贷后检查) by the caller, with the reviewer who countersigns.

    Where the rules in force have a checklist for the loan and the kind, the inspection answers
    it item by item, with the figures it asks for and an overall judgment; its form is then
    generated and filed as the inspection's report.
    """

    action = Action.RECORD_INSPECTION
    assigned = ("inspection_id",)

    kind: InspectionKind
    inspected_on: date
    reviewer_no: Short = Field(description="staff number of the reviewer (复核人)")
    findings: Text = Field(description="the written conclusion (检查结论)")
    inspection_id: UUID = Field(default_factory=uuid4)
    answers: list[ChecklistAnswer] | None = Field(
        default=None, max_length=200, description="each checklist item answered once"
    )
    figures: dict[Code, Short] | None = Field(
        default=None,
        max_length=50,
        description='key financial figures in 元 by code, e.g. {"total_assets": "1000000.00"}',
    )
    judgment: Code | None = Field(
        default=None, description="overall risk judgment (总体风险判断), e.g. normal/watch/warning"
    )
    measures: Text | None = Field(default=None, description="measures taken (采取的措施)")
    counterpart: Short | None = Field(
        default=None,
        description="whom the inspector spoke to or met (回访对象), e.g. 实际控制人张三; "
        "required by a return visit's record",
    )
    reminder_channel: ReminderChannel | None = Field(
        default=None,
        description="a phone visit's: how the repayment reminder (还款提醒) reached the borrower "
        "— phone, sms, email or letter",
    )
    systems_queried: list[MonitoredSystem] | None = Field(
        default=None,
        max_length=10,
        description="an off-site inspection's: the systems queried (系统监测), e.g. "
        '["credit_management", "pboc_credit"]',
    )

    assistant_no: Short | None = Field(
        default=None,
        description="staff number of the assistant inspector (辅助检查人, B岗) beside the caller, "
        "the main inspector (主检查人, A岗); required where the rules say the loan needs a B岗",
    )
    joint: list[JointMember] | None = Field(
        default=None,
        max_length=20,
        description="a special or on-site inspection's: who took part from other departments "
        "(会同有关部门现场检查), each once; required for a major risk matter (a red signal)",
    )
    lead_unit: Short | None = Field(
        default=None,
        description="an on-site inspection's: the unit that led it (牵头机构, e.g. 总行 or a "
        "provincial branch), of a level [monitoring] lead_levels names, above the loan's unit",
    )
    led_by_no: StaffNumber | None = Field(
        default=None, description="the staff number of the lead unit's team leader (牵头人)"
    )

    def params(self) -> dict[str, Any]:
        """The fingerprint's fields: a free-text inspection's exactly as before checklists (a
        client retrying after the upgrade is still recognised)."""
        return {
            name: value
            for name, value in super().params().items()
            if name not in CHECKLIST_FIELDS or value is not None
        }


CHECKLIST_FIELDS = frozenset(
    {
        "answers",
        "figures",
        "judgment",
        "measures",
        "counterpart",
        "reminder_channel",
        "systems_queried",
        "assistant_no",
        "joint",
        "lead_unit",
        "led_by_no",
    }
)


class CorrectInspection(LoanCommand):
    """New findings for a recorded inspection, and why."""

    action = Action.CORRECT_INSPECTION
    path = ("loan_no", "inspection_id")

    inspection_id: UUID
    findings: Text
    reason: Text


class CountersignInspection(LoanCommand):
    """The named reviewer's countersign of an inspection (复核意见), with the measures proposed."""

    action = Action.COUNTERSIGN_INSPECTION
    path = ("loan_no", "inspection_id")

    inspection_id: UUID
    opinion: Text = Field(description="the reviewer's opinion (复核意见)")
    countersigned_on: date
    measures: Text | None = Field(
        default=None, description="measures the reviewer proposes (建议措施), if any"
    )


class InspectionCommands(ArchiveCore):
    """Inspections of the borrower, recorded and corrected."""

    @handles(RecordInspection)
    def record_inspection(
        self, ctx: CommandContext, cmd: RecordInspection, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Record an inspection by the caller, countersigned by a different reviewer.

        An inspection that answers a checklist files its generated form as its report.
        """
        answers = [a.model_dump(mode="json") for a in cmd.answers or []]
        answered: dict[str, Any] = {
            "answers": answers if cmd.answers is not None else None,
            "figures": cmd.figures,
            "judgment": cmd.judgment,
            "measures": cmd.measures,
        }
        form = self._inspection_form(ctx, cmd) if cmd.answers is not None else None
        return self.for_loan(
            ctx,
            cmd,
            lambda loan, actor, refs: loan.record_inspection(
                inspection_id=cmd.inspection_id,
                kind=cmd.kind,
                inspected_on=cmd.inspected_on,
                findings=cmd.findings,
                reviewer=self.party(cmd.reviewer_no),
                actor=actor,
                documents=refs,
                checklists=self.rule_set().checklists,
                counterpart=cmd.counterpart,
                reminder_channel=cmd.reminder_channel,
                systems_queried=cmd.systems_queried,
                assistant=self.party(cmd.assistant_no) if cmd.assistant_no else None,
                joint=[(j.department, self.party(j.staff_no)) for j in cmd.joint or []] or None,
                managers=self.rule_set().managers,
                joint_colours=self.rule_set().special_joint_colours,
                **self._lead(cmd, loan),
                **answered,
            ),
            [*uploads, form] if form is not None else uploads,
        )

    def _lead(self, cmd: RecordInspection, loan: Loan) -> dict[str, Any]:
        """The lead unit and its team leader as checked against ``[monitoring]``: a unit of a
        lead level above the loan's, the leader's own on the day inspected."""
        if cmd.lead_unit is None and cmd.led_by_no is None:
            return {}
        if cmd.lead_unit is None or cmd.led_by_no is None:
            raise InvalidInputError(
                "牵头机构与牵头人须同时填写",
                "a led inspection names both lead_unit and led_by_no",
                field="lead_unit",
            )
        rules = self.rule_set()
        leader = self.staff(cmd.led_by_no)
        unit = check_lead_unit(
            cmd.lead_unit,
            leader_branch=leader.branch_on(cmd.inspected_on),
            loan_branch=loan.branch,
            rules=rules.monitoring,
            hierarchy=rules.scope.hierarchy,
        )
        return {"lead_unit": unit, "led_by": leader.id}

    def _inspection_form(self, ctx: CommandContext, cmd: RecordInspection) -> Upload | None:
        """The inspection's generated form, when its answers pass the checklist; otherwise
        none, and the command is refused by the loan with the reason."""
        try:
            inspector = self.actor(ctx, Action.RECORD_INSPECTION)
            loan = self.loan(cmd.loan_no)
            reviewer = self.staff(cmd.reviewer_no)
            assistant = (
                self.form_name(self.staff(cmd.assistant_no).id) if cmd.assistant_no else None
            )
            joint = [
                (j.department.strip(), self.form_name(self.staff(j.staff_no).id))
                for j in cmd.joint or []
            ]
            checklists = self.rule_set().checklists
            answered = loan.checklist_answered(
                cmd.kind,
                checklists,
                answers=[a.model_dump(mode="json") for a in cmd.answers or []],
                figures=cmd.figures,
                judgment=cmd.judgment,
                measures=cmd.measures,
            )
        except DomainError:
            return None  # the command path refuses it, in its order
        if answered is None:
            return None
        return inspection_form_upload(
            loan,
            checklists,
            answered,
            kind=cmd.kind,
            inspected_on=cmd.inspected_on,
            inspector=self.form_name(inspector.id),
            reviewer=self.form_name(reviewer.id),
            findings=cmd.findings.strip(),
            counterpart=cmd.counterpart.strip() if cmd.counterpart else None,
            assistant=assistant,
            joint=joint,
        )

    @handles(CorrectInspection)
    def correct_inspection(
        self, ctx: CommandContext, cmd: CorrectInspection, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Correct an inspection by a new event that points at it."""
        return self.record_on_loan(ctx, cmd, Loan.correct_inspection, uploads)

    @handles(CountersignInspection)
    def countersign_inspection(
        self, ctx: CommandContext, cmd: CountersignInspection, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """Countersign an inspection as its named reviewer; the deadline is the rules' in force."""
        rules = self.rule_set()

        def countersign(loan: Loan, actor: Actor, refs: list[DocumentRef]) -> None:
            inspection = loan.inspections.get(cmd.inspection_id)
            due = rules.countersign_due(inspection.inspected_on) if inspection else None
            loan.countersign_inspection(**cmd.arguments(), due_on=due, actor=actor, documents=refs)

        return self.for_loan(ctx, cmd, countersign, uploads)
