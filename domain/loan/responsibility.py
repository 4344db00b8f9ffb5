"""Responsibility determination (不良贷款责任认定) and the final Loan aggregate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import event

from domain.authorization import Action, authorize
from domain.errors import InvalidInputError, InvalidTransitionError, SegregationOfDutiesError
from domain.loan.core import Docs
from domain.loan.fed import LoanFeed
from domain.records import Determination
from domain.values import (
    Actor,
    AppealOutcome,
    DeterminationStep,
    DocumentRef,
    Party,
    ResponsibilityFinding,
    ResponsibilityStage,
    Role,
    money,
    require_text,
)


@dataclass(frozen=True)
class TargetResponsibility:
    """The loan's target-responsibility record for a year (贷后管理及目标责任书): who answers
    for the loan (管户主责任人), who supervises its risk (风险监管责任人), the collection plan
    (本息收回计划) and the business target (经营目标), signed for the bank by another."""

    year: int
    manager_id: UUID
    risk_supervisor_id: UUID
    collection_target: Decimal
    business_target: str
    signed_on: date
    signer_id: UUID


class TargetRecords:
    """The loan's target-responsibility records, by year (a mixin of :class:`Loan`)."""

    @property
    def targets(self) -> dict[int, TargetResponsibility]:
        found: dict[int, TargetResponsibility] = self.__dict__.setdefault("_targets", {})
        return found


class Loan(LoanFeed, TargetRecords):
    """A loan after disbursement (贷款), with everything done to it since."""

    # ----------------------------------------- 目标责任书 (target responsibility)
    def sign_target_responsibility(
        self,
        *,
        year: int,
        manager: Party,
        risk_supervisor: Party,
        collection_target: Decimal,
        business_target: str,
        signed_on: date,
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Sign the loan's target-responsibility record for a year (贷后管理及目标责任书), by
        the branch head for the bank: the manager answering for it (管户主责任人, its A岗 or
        B岗), the risk supervisor (风险监管责任人, a risk manager), the collection plan
        (本息收回计划) and the business target. Nobody signs for the bank a record naming
        themselves, and the two named are two people."""
        authorize(actor, Action.SIGN_TARGET_RESPONSIBILITY)
        self.check_on_books("签订目标责任书", "sign a target-responsibility record")
        self.check_business_date(signed_on, "signed_on")
        if not 2000 <= year <= 2100:
            raise InvalidInputError("年度须为 2000–2100", "year must be 2000-2100", field="year")
        if year in self.targets:
            raise InvalidTransitionError(
                f"贷款 {self.loan_no} {year} 年度目标责任书已签订",
                f"loan {self.loan_no} already has its target record for {year}",
                field="year",
            )
        if manager.id not in (self.account_manager_id, self.b_manager_id):
            raise InvalidInputError(
                f"管户主责任人须为贷款 {self.loan_no} 的管户客户经理（A岗或B岗）",
                f"the manager answering must be an account manager of loan {self.loan_no}",
                field="manager_no",
            )
        if Role.RISK_MANAGER not in risk_supervisor.roles:
            raise InvalidInputError(
                "风险监管责任人须担任风险经理",
                "the risk supervisor must hold the risk manager role",
                field="risk_supervisor_no",
            )
        if risk_supervisor.id == manager.id:
            raise SegregationOfDutiesError(
                "管户主责任人与风险监管责任人须为两人",
                "the manager and the risk supervisor must be two people",
            )
        if actor.id in (manager.id, risk_supervisor.id):
            raise SegregationOfDutiesError(
                "不得代表本行签订约束本人的目标责任书",
                "nobody signs for the bank a target record that binds themselves",
            )
        target = money(collection_target, "collection_target")
        if target < 0:
            raise InvalidInputError(
                "本息收回计划不得为负",
                "collection_target must not be negative",
                field="collection_target",
            )
        self._target_responsibility_signed(
            year=year,
            manager_id=manager.id,
            risk_supervisor_id=risk_supervisor.id,
            collection_target=target,
            business_target=require_text(business_target, "business_target"),
            signed_on=signed_on,
            balance=self.balance,
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("TargetResponsibilitySigned")
    def _target_responsibility_signed(
        self,
        *,
        year: int,
        manager_id: UUID,
        risk_supervisor_id: UUID,
        collection_target: Decimal,
        business_target: str,
        signed_on: date,
        balance: Decimal,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.targets[year] = TargetResponsibility(
            year,
            manager_id,
            risk_supervisor_id,
            collection_target,
            business_target,
            signed_on,
            actor_id,
        )

    def determine_responsibility(
        self,
        *,
        determination_id: UUID,
        person_id: UUID,
        stage: ResponsibilityStage,
        finding: ResponsibilityFinding,
        sanction: str,
        reason: str,
        on: date,
        starts_at_days_overdue: int | None,
        actor: Actor,
        documents: Docs = (),
        group_member_ids: Sequence[UUID] | None = None,
        meeting_on: date | None = None,
        attendee_ids: Sequence[UUID] | None = None,
    ) -> None:
        """Record a finding for one person and one stage of a loan in serious arrears.

        Determination starts once the loan has been ``starts_at_days_overdue`` days overdue
        by ``on`` (the ladder's day-30 rung, from the rules in force), and is open for every
        loan that is or was non-performing. The determination group (认定小组,
        ``group_member_ids``) and the meeting that made the finding (认定会: ``meeting_on``
        and ``attendee_ids``) are recorded when given; the person concerned sits on neither.
        """
        authorize(actor, Action.DETERMINE_RESPONSIBILITY)
        self._new(self.determinations, determination_id, "责任认定/determination")
        self.check_responsibility_started(on, starts_at_days_overdue)
        if person_id == actor.id:
            raise SegregationOfDutiesError(
                "认定人不得认定本人的责任", "an auditor may not determine their own responsibility"
            )
        group = _distinct(group_member_ids, "group_member_nos")
        attendees = _distinct(attendee_ids, "attendee_nos")
        if (meeting_on is None) != (attendees is None):
            raise InvalidInputError(
                "认定会须同时填写召开日期与参会人员",
                "a determination meeting needs both its date and its attendees",
                field="meeting_on" if meeting_on is None else "attendee_nos",
            )
        if meeting_on is not None and meeting_on > on:
            raise InvalidInputError(
                "认定会日期不得晚于今日",
                "the meeting cannot be later than today",
                field="meeting_on",
            )
        if person_id in (group or []) or person_id in (attendees or []):
            raise SegregationOfDutiesError(
                "被认定人不得参加本人的认定小组或认定会",
                "the person concerned may sit neither on the group nor at the meeting",
            )
        if group is not None and actor.id not in group:
            raise SegregationOfDutiesError(
                "认定人须是认定小组成员", "the auditor determining must be a member of the group"
            )
        self._responsibility_determined(
            determination_id=determination_id,
            person_id=person_id,
            stage=stage,
            finding=finding,
            sanction=sanction.strip(),
            reason=require_text(reason, "reason"),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
            group_member_ids=group,
            meeting_on=meeting_on,
            attendee_ids=attendees,
        )

    def check_responsibility_started(self, on: date, starts_at_days_overdue: int | None) -> None:
        """Refuse a determination for a loan neither non-performing nor far enough overdue."""
        if self.ever_non_performing or self.grade.is_non_performing:
            return
        reached = self.days_overdue_reached(on)
        if starts_at_days_overdue is not None and reached >= starts_at_days_overdue:
            return
        if starts_at_days_overdue is None:
            raise InvalidTransitionError(
                f"贷款 {self.loan_no} 从未列为不良，无需责任认定",
                f"loan {self.loan_no} has never been non-performing: nothing to determine",
            )
        raise InvalidTransitionError(
            f"贷款 {self.loan_no} 从未列为不良，逾期至多 {reached} 天，"
            f"未达 {starts_at_days_overdue} 天：责任认定尚未开始",
            f"loan {self.loan_no} has never been non-performing and was at most {reached} days "
            f"overdue, short of the {starts_at_days_overdue} days from which responsibility is "
            "determined",
            days_overdue=reached,
            starts_at_days_overdue=starts_at_days_overdue,
        )

    @event("ResponsibilityDetermined")
    def _responsibility_determined(
        self,
        *,
        determination_id: UUID,
        person_id: UUID,
        stage: ResponsibilityStage,
        finding: ResponsibilityFinding,
        sanction: str,
        reason: str,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
        group_member_ids: list[UUID] | None = None,
        meeting_on: date | None = None,
        attendee_ids: list[UUID] | None = None,
    ) -> None:
        # The group and the meeting are none on a determination recorded before they were.
        self.determinations[determination_id] = Determination(
            determination_id, person_id, stage, finding, sanction, actor_id
        )
        self.determinations[determination_id].written = _written(documents)

    def appeal_responsibility(
        self, *, determination_id: UUID, reason: str, actor: Actor, documents: Docs = ()
    ) -> None:
        """Appeal (复议) a finding: once, by the person it concerns."""
        authorize(actor, Action.APPEAL_RESPONSIBILITY)
        determination: Determination = self._get(
            self.determinations, determination_id, "责任认定", "determination"
        )
        if determination.person_id != actor.id:
            raise SegregationOfDutiesError(
                "只有被认定人本人可以申请复议", "only the person concerned may appeal a finding"
            )
        if determination.appeal_reason is not None:
            raise InvalidTransitionError("复议只能申请一次", "a finding may be appealed only once")
        self._responsibility_appealed(
            determination_id=determination_id,
            reason=require_text(reason, "reason"),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("ResponsibilityAppealed")
    def _responsibility_appealed(
        self,
        *,
        determination_id: UUID,
        reason: str,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.determinations[determination_id].appeal_reason = reason

    def decide_appeal(
        self,
        *,
        determination_id: UUID,
        outcome: AppealOutcome,
        finding: ResponsibilityFinding | None,
        reason: str,
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Record the committee's decision on an appeal."""
        authorize(actor, Action.DECIDE_APPEAL)
        determination: Determination = self._get(
            self.determinations, determination_id, "责任认定", "determination"
        )
        if determination.appeal_reason is None:
            raise InvalidTransitionError("该认定未申请复议", "this finding has not been appealed")
        if determination.outcome is not None:
            raise InvalidTransitionError("复议已作出决定", "the appeal was already decided")
        if actor.id == determination.determined_by:
            raise SegregationOfDutiesError(
                "原认定人不得决定针对本人认定的复议",
                "the auditor who made a finding may not decide the appeal against it",
            )
        if actor.id == determination.person_id:
            raise SegregationOfDutiesError(
                "被认定人不得决定本人的复议", "the appellant may not decide their own appeal"
            )
        final = determination.finding if outcome is AppealOutcome.UPHELD else finding
        if final is None:
            raise InvalidInputError(
                "变更认定须给出新的认定结论", "an amended decision needs the new finding"
            )
        self._appeal_decided(
            determination_id=determination_id,
            outcome=outcome,
            finding=final,
            reason=require_text(reason, "reason"),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("AppealDecided")
    def _appeal_decided(
        self,
        *,
        determination_id: UUID,
        outcome: AppealOutcome,
        finding: ResponsibilityFinding,
        reason: str,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        determination = self.determinations[determination_id]
        determination.outcome = outcome
        determination.final_finding = finding

    def record_determination_step(
        self,
        *,
        determination_id: UUID,
        step: DeterminationStep,
        taken_on: date,
        today: date,
        note: str,
        actor: Actor,
        department: str | None = None,
        documents: Docs = (),
    ) -> None:
        """Take a finding through the steps after it (认定程序), in order.

        逐级签批: each level signs off the written determination (认定书, filed with the finding
        or with this sign-off), each by a different person, never the auditor who made it nor
        the person concerned. 通知: once signed off, the person concerned is notified, once; they
        may then appeal (复议). 移交监察: once notified and any appeal decided, the case is
        referred to the discipline and inspection department named (``department``), once.
        """
        authorize(actor, Action.PROGRESS_DETERMINATION)
        determination: Determination = self._get(
            self.determinations, determination_id, "责任认定", "determination"
        )
        self.check_business_date(taken_on, "taken_on")
        if taken_on > today:
            raise InvalidInputError(
                "日期不得晚于今日", "the date cannot be later than today", field="taken_on"
            )
        if actor.id == determination.person_id:
            raise SegregationOfDutiesError(
                "被认定人不得办理本人认定的程序", "the person concerned may not take these steps"
            )
        if (department is None) != (step is not DeterminationStep.REFERRED):
            raise InvalidInputError(
                "仅移交监察须填写接收部门",
                "the receiving department is given with a referral, and only then",
                field="department",
            )
        if step is DeterminationStep.SIGNED_OFF:
            if determination.notified_on is not None:
                raise InvalidTransitionError(
                    "已通知被认定人，签批已结束", "the person was notified: sign-off is over"
                )
            if actor.id == determination.determined_by or actor.id in determination.signed_off_by:
                raise SegregationOfDutiesError(
                    "每一级签批须由认定人以外的不同人员作出",
                    "each level signs off by a different person, not the auditor who determined",
                )
            if not (determination.written or _written(documents)):
                raise InvalidTransitionError(
                    "签批须附书面认定书（responsibility_determination）",
                    "sign-off needs the written determination (a responsibility_determination "
                    "document) filed with the finding or with the sign-off",
                )
        elif step is DeterminationStep.NOTIFIED:
            if not determination.signed_off_by:
                raise InvalidTransitionError(
                    "认定书签批后方可通知被认定人",
                    "the person is notified once the determination is signed off",
                )
            if determination.notified_on is not None:
                raise InvalidTransitionError("已通知被认定人", "the person was already notified")
        else:
            if determination.notified_on is None:
                raise InvalidTransitionError(
                    "通知被认定人后方可移交监察", "refer the case once the person is notified"
                )
            if determination.appeal_reason is not None and determination.outcome is None:
                raise InvalidTransitionError(
                    "复议尚未决定，暂不能移交监察", "the appeal is not decided yet"
                )
            if determination.referred_on is not None:
                raise InvalidTransitionError("已移交监察", "the case was already referred")
        self._determination_step_recorded(
            determination_id=determination_id,
            step=step,
            taken_on=taken_on,
            note=require_text(note, "note"),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
            department=(
                None
                if department is None
                else require_text(department, "department", max_length=100)
            ),
        )

    @event("DeterminationStepRecorded")
    def _determination_step_recorded(
        self,
        *,
        determination_id: UUID,
        step: DeterminationStep,
        taken_on: date,
        note: str,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
        department: str | None = None,
    ) -> None:
        determination = self.determinations[determination_id]
        if step is DeterminationStep.SIGNED_OFF:
            determination.signed_off_by.append(actor_id)
            determination.written = determination.written or _written(documents)
        elif step is DeterminationStep.NOTIFIED:
            determination.notified_on = taken_on
        else:
            determination.referred_on = taken_on

    def record_objection(
        self, *, objection_id: UUID, subject: str, text: str, actor: Actor, documents: Docs = ()
    ) -> None:
        """Record a written objection (书面异议); an overruled one exempts its author."""
        authorize(actor, Action.RECORD_OBJECTION)
        if objection_id in self.objections:
            raise InvalidTransitionError("异议已登记", "objection already recorded")
        self._objection_recorded(
            objection_id=objection_id,
            subject=require_text(subject, "subject", max_length=200),
            text=require_text(text, "text"),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("ObjectionRecorded")
    def _objection_recorded(
        self,
        *,
        objection_id: UUID,
        subject: str,
        text: str,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.objections.append(objection_id)


WRITTEN_DETERMINATION = "responsibility_determination"
"""The document type of the written determination (不良贷款责任认定书)."""


def _written(documents: Sequence[DocumentRef]) -> bool:
    return any(d.doc_type == WRITTEN_DETERMINATION for d in documents)


def _distinct(ids: Sequence[UUID] | None, field: str) -> list[UUID] | None:
    """People named once each, at least one; None when not given."""
    if ids is None:
        return None
    if not ids or len(set(ids)) != len(ids):
        raise InvalidInputError(
            "人员须至少一人且不得重复", "name at least one person, each once", field=field
        )
    return list(ids)
