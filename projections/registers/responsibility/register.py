"""The accountability trail register: its tables, listings and one handler per event type.

Every event with an actor gets its row in ``actions`` (the default handler); loan events that
name people in some capacity add one row per person to ``parts``; staff, origination and
determination events also keep the helper tables up to date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from functools import singledispatchmethod
from typing import Any, ClassVar
from uuid import UUID

from domain.loan import Loan
from domain.loan.responsibility import WRITTEN_DETERMINATION
from domain.staff import Staff
from domain.values import DeterminationStep, ResponsibilityStage
from projections.changes import Changes
from projections.projection import Listing, Projection
from projections.registers.responsibility.rows import (
    ACTOR_PARTS,
    record_action,
    record_actor_part,
    record_part,
)
from projections.registers.responsibility.tables import (
    ACTIONS,
    DETERMINATIONS,
    EVALUATIONS,
    ORIGINATION,
    PARTS,
    STAFF,
    SUBJECTS,
    AggregateType,
    Part,
)
from projections.roles import held_roles, roles_columns

# Event classes made by the @event decorator exist at run time but are invisible to mypy.
LoanEvents: Any = Loan
StaffEvents: Any = Staff


class AccountabilityTrail(Projection):
    """责任追溯: per person and per loan, every action, role, time, event position and hash."""

    name = "accountability_trail"
    version = 11  # 4: 认定; 5: duty evaluations (履职评价); 6: the countersign (复核意见); 7:
    # information changes and uses of the funds named; 8: the warning loop's report, feedback and
    # determination (预警报告、反馈、认定);
    # 9: closer watch and maturity notices (重点客户, 第三方服务, 到期通知书);
    # 10: 认定程序 (认定小组, 认定会, 认定书, 逐级签批, 通知, 移交监察); 11: the core system's
    # batches and corrections named
    title_zh = "责任追溯"
    title_en = "Accountability trail"
    tables = (STAFF, SUBJECTS, ORIGINATION, ACTIONS, PARTS, DETERMINATIONS, EVALUATIONS)
    listings: ClassVar[dict[str, Listing]] = {
        "actions": Listing("actions", ("position",), title_zh, title_en),
        "parts": Listing(
            "parts", ("loan_no", "position"), "不良贷款责任环节", "Who did what on each loan"
        ),
        "determinations": Listing(
            "determinations", ("loan_no",), "不良贷款责任认定", "Responsibility determinations"
        ),
        "origination": Listing("origination", ("loan_no",), "贷款发放责任人", "Origination"),
        "staff": Listing("staff", ("staff_no",), "人员与岗位", "Staff and roles"),
        "evaluations": Listing(
            "evaluations",
            ("staff_no", "evaluated_on"),
            "贷后管理履职评价",
            "Evaluations of post-loan duties",
        ),
    }
    all_events = True

    @singledispatchmethod
    def handle(self, event: object, changes: Changes) -> None:
        """Every event without a handler of its own: one row if it is an action."""
        record_action(event, changes)

    # ----------------------------------------------------------------------- staff
    @handle.register(StaffEvents.Enrolled)
    def _(self, event: Any, changes: Changes) -> None:
        changes.put(
            "staff",
            (event.originator_id,),
            {"staff_no": event.staff_no, "name": event.name, "branch": event.branch}
            | roles_columns(()),
        )
        record_action(event, changes)

    @handle.register(StaffEvents.Transferred)
    def _(self, event: Any, changes: Changes) -> None:
        changes.update("staff", (event.originator_id,), branch=event.branch)
        record_action(event, changes)

    @handle.register(StaffEvents.PostLoanDutiesEvaluated)
    def _(self, event: Any, changes: Changes) -> None:
        person = changes.get("staff", event.originator_id) or {}
        changes.put(
            "evaluations",
            (event.evaluation_id,),
            {
                "staff_id": event.originator_id,
                "staff_no": person.get("staff_no"),
                "name": person.get("name"),
                "branch": event.branch,
                "occasion": event.occasion.value,
                "period_from": event.period_from,
                "period_to": event.period_to,
                "evaluated_on": event.evaluated_on,
                "conclusion": event.conclusion.value,
                "findings": event.findings,
                "loan_nos": "、".join(event.loan_nos),
                "evaluator_id": event.actor_id,
                "evaluator_role": event.role.value,
                "position": changes.position,
            },
        )
        record_action(event, changes)

    @handle.register(StaffEvents.RoleGranted)
    def _(self, event: Any, changes: Changes) -> None:
        _roles_changed(event, changes, lambda held: [*held, event.granted_role.value])

    @handle.register(StaffEvents.RoleRevoked)
    def _(self, event: Any, changes: Changes) -> None:
        revoked = event.revoked_role.value
        _roles_changed(event, changes, lambda held: (r for r in held if r != revoked))

    # ----------------------------------------------------------------- origination
    @handle.register(LoanEvents.Disbursed)
    def _(self, event: Any, changes: Changes) -> None:
        loan_id = event.originator_id
        changes.put(
            "subjects",
            (loan_id,),
            {"aggregate": AggregateType.LOAN.value, "loan_id": loan_id, "loan_no": event.loan_no},
        )
        investigator = getattr(event, "investigator_id", None)
        reviewer = getattr(event, "origination_reviewer_id", None)
        approver = getattr(event, "approver_id", None)
        changes.put(
            "origination",
            (loan_id,),
            {
                "loan_no": event.loan_no,
                "borrower_name": event.borrower_name,
                "branch": event.branch,
                "value_date": event.value_date,
                "investigator_id": investigator,
                "origination_reviewer_id": reviewer,
                "approver_id": approver,
                "account_manager_id": event.account_manager_id,
                "current_manager_id": event.account_manager_id,
                "position": changes.position,
            },
        )
        record_action(event, changes)
        on = event.value_date
        stages = ResponsibilityStage
        record_part(event, changes, Part.INVESTIGATOR, investigator, stage=stages.INVESTIGATION)
        record_part(event, changes, Part.ORIGINATION_REVIEWER, reviewer, stage=stages.REVIEW)
        record_part(event, changes, Part.APPROVER, approver, stage=stages.APPROVAL)
        record_part(
            event,
            changes,
            Part.ACCOUNT_MANAGER,
            event.account_manager_id,
            stage=stages.POST_LOAN,
            on_date=on,
        )

    @handle.register(LoanEvents.OriginationRecordFiled)
    def _(self, event: Any, changes: Changes) -> None:
        # A loan the core booked: who reviewed and approved it, filed with its credit file.
        changes.update(
            "origination",
            (event.originator_id,),
            origination_reviewer_id=event.origination_reviewer_id,
            approver_id=event.approver_id,
        )
        record_action(event, changes)
        stages = ResponsibilityStage
        reviewer = event.origination_reviewer_id
        record_part(event, changes, Part.ORIGINATION_REVIEWER, reviewer, stage=stages.REVIEW)
        record_part(event, changes, Part.APPROVER, event.approver_id, stage=stages.APPROVAL)

    @handle.register(LoanEvents.AccountManagerHandedOver)
    def _(self, event: Any, changes: Changes) -> None:
        changes.update("origination", (event.originator_id,), current_manager_id=event.receiving_id)
        record_action(event, changes)
        people = (event.handing_id, event.receiving_id, event.supervisor_id)
        _handed_over(event, changes, event.handed_over_on, people)

    @handle.register(LoanEvents.AccountManagersAssigned)
    def _(self, event: Any, changes: Changes) -> None:
        changes.update("origination", (event.originator_id,), current_manager_id=event.a_manager_id)
        record_action(event, changes)
        if event.a_manager_id == event.previous_a_id:
            return  # the A岗 stays: no period of management ends
        people = (event.previous_a_id, event.a_manager_id, event.actor_id)
        _handed_over(event, changes, event.assigned_on, people)

    # ----------------------------------------------------------------- inspections
    @handle.register(LoanEvents.InspectionRecorded)
    def _(self, event: Any, changes: Changes) -> None:
        record_action(event, changes)
        common: dict[str, Any] = {
            "stage": ResponsibilityStage.POST_LOAN,
            "on_date": event.inspected_on,
            "record_id": event.inspection_id,
            "label": event.kind.zh,
            "text": event.findings,
        }
        record_part(event, changes, Part.INSPECTOR, event.inspector_id, **common)
        record_part(event, changes, Part.REVIEWER, event.reviewer_id, **common)

    # -------------------------------------------------------------- classification
    @handle.register(LoanEvents.ClassificationApproved)
    def _(self, event: Any, changes: Changes) -> None:
        common: dict[str, Any] = {
            "stage": ResponsibilityStage.POST_LOAN,
            "record_id": event.proposal_id,
            "label": event.grade.zh,
            "text": event.reason,
        }
        record_actor_part(event, changes, Part.CLASSIFICATION_APPROVER, **common)
        record_part(event, changes, Part.PROPOSER, event.proposer_id, **common)
        determiner = getattr(event, "determiner_id", None)
        if determiner is not None:
            record_part(event, changes, Part.CLASSIFICATION_DETERMINER, determiner, **common)

    # ------------------------------- inspections, classification, warnings, collection,
    # workout, objections: the events whose only part is their actor's (ACTOR_PARTS)
    for _name, _part in ACTOR_PARTS.items():
        handle.register(getattr(LoanEvents, _name), _part.handler())
    del _name, _part

    # -------------------------------------------------------------- accountability
    @handle.register(LoanEvents.ResponsibilityDetermined)
    def _(self, event: Any, changes: Changes) -> None:
        loan = changes.get("subjects", event.originator_id) or {}
        person = changes.get("staff", event.person_id) or {}
        auditor = changes.get("staff", event.actor_id) or {}
        changes.put(
            "determinations",
            (event.determination_id,),
            {
                "loan_id": event.originator_id,
                "loan_no": loan.get("loan_no"),
                "person_id": event.person_id,
                "person_staff_no": person.get("staff_no"),
                "person_name": person.get("name"),
                "stage": event.stage.value,
                "finding": event.finding.value,
                "sanction": event.sanction,
                "reason": event.reason,
                "determined_by_id": event.actor_id,
                "determined_by_name": auditor.get("name"),
                "determined_position": changes.position,
                "final_finding": event.finding.value,
                "group_members": _names(changes, getattr(event, "group_member_ids", None)),
                "meeting_on": getattr(event, "meeting_on", None),
                "attendees": _names(changes, getattr(event, "attendee_ids", None)),
                "written": _written(event.documents),
                "sign_off_levels": 0,
            },
        )
        common: dict[str, Any] = {
            "stage": event.stage,
            "record_id": event.determination_id,
            "label": event.finding.zh,
            "text": event.reason,
        }
        record_action(event, changes)
        record_part(event, changes, Part.PERSON, event.person_id, **common)
        record_part(event, changes, Part.AUDITOR, event.actor_id, **common)
        for member in getattr(event, "group_member_ids", None) or ():
            record_part(event, changes, Part.GROUP_MEMBER, member, **common)
        for attendee in getattr(event, "attendee_ids", None) or ():
            record_part(event, changes, Part.ATTENDEE, attendee, on_date=event.meeting_on, **common)

    @handle.register(LoanEvents.DeterminationStepRecorded)
    def _(self, event: Any, changes: Changes) -> None:
        found = changes.get("determinations", event.determination_id) or {}
        actor = changes.get("staff", event.actor_id) or {}
        step = event.step
        if step is DeterminationStep.SIGNED_OFF:
            signers = [n for n in (found.get("signed_off_by") or "").split("、") if n]
            columns: dict[str, Any] = {
                "signed_off_by": "、".join([*signers, actor.get("name") or str(event.actor_id)]),
                "sign_off_levels": (found.get("sign_off_levels") or 0) + 1,
                "written": bool(found.get("written")) or _written(event.documents),
            }
            part = Part.SIGNER
        elif step is DeterminationStep.NOTIFIED:
            columns, part = {"notified_on": event.taken_on}, Part.NOTIFIER
        else:
            columns = {"referred_on": event.taken_on, "referred_to": event.department}
            part = Part.REFERRER
        found = changes.update("determinations", (event.determination_id,), **columns) or found
        record_action(event, changes, subject_id=found.get("person_id"))
        record_part(
            event,
            changes,
            part,
            event.actor_id,
            stage=ResponsibilityStage.parse(found["stage"], "stage") if found else None,
            on_date=event.taken_on,
            record_id=event.determination_id,
            label=step.zh if event.department is None else f"{step.zh}：{event.department}",
            text=event.note,
        )

    @handle.register(LoanEvents.ResponsibilityAppealed)
    def _(self, event: Any, changes: Changes) -> None:
        found = changes.update(
            "determinations",
            (event.determination_id,),
            appeal_reason=event.reason,
            appealed_position=changes.position,
        )
        stage = ResponsibilityStage.parse(found["stage"], "stage") if found else None
        record_action(event, changes, subject_id=found["person_id"] if found else None)
        record_part(
            event,
            changes,
            Part.APPELLANT,
            event.actor_id,
            stage=stage,
            record_id=event.determination_id,
            text=event.reason,
        )

    @handle.register(LoanEvents.AppealDecided)
    def _(self, event: Any, changes: Changes) -> None:
        decider = changes.get("staff", event.actor_id) or {}
        found = changes.update(
            "determinations",
            (event.determination_id,),
            outcome=event.outcome.value,
            final_finding=event.finding.value,
            decided_by_id=event.actor_id,
            decided_by_name=decider.get("name"),
            decided_position=changes.position,
        )
        person_id = found["person_id"] if found else None
        common: dict[str, Any] = {
            "stage": ResponsibilityStage.parse(found["stage"], "stage") if found else None,
            "record_id": event.determination_id,
            "label": f"{event.outcome.zh} {event.finding.zh}",
            "text": event.reason,
        }
        record_action(event, changes, subject_id=person_id)
        record_part(event, changes, Part.APPEAL_DECIDER, event.actor_id, **common)
        record_part(event, changes, Part.PERSON, person_id, **common)


def _names(changes: Changes, ids: list[UUID] | None) -> str | None:
    """People by name (工号 where the register does not know them), in the order given."""
    if ids is None:
        return None
    return "、".join((changes.get("staff", i) or {}).get("name") or str(i) for i in ids)


def _written(documents: Iterable[Any]) -> bool:
    """Whether the documents include the written determination (认定书)."""
    return any(
        (d["doc_type"] if isinstance(d, Mapping) else d.doc_type) == WRITTEN_DETERMINATION
        for d in documents
    )


def _handed_over(
    event: Any, changes: Changes, on: date, people: tuple[UUID | None, UUID | None, UUID | None]
) -> None:
    """A loan's management passing from one account manager to another before a third person:
    the parts of 移交人, 接收人 and 监交人, in that order, on ``on``, for the event's reason."""
    parts = (Part.HANDING, Part.RECEIVING, Part.SUPERVISOR)
    for part, person_id in zip(parts, people, strict=True):
        record_part(
            event,
            changes,
            part,
            person_id,
            stage=ResponsibilityStage.POST_LOAN,
            on_date=on,
            text=event.reason,
        )


def _roles_changed(
    event: Any, changes: Changes, now_held: Callable[[list[str]], Iterable[str]]
) -> None:
    """A person's roles, as held before the event, changed by ``now_held``; and the event."""
    row = changes.get("staff", event.originator_id)
    if row is not None:
        row |= roles_columns(now_held(held_roles(row)))
        changes.put("staff", (event.originator_id,), row)
    record_action(event, changes)
