"""Post-loan inspections (贷后检查), their corrections and the reviewer's countersign.

Public methods are commands: they check the rules first and then trigger one
past-tense event through a private ``@event`` method, whose body is the only
place state changes (it runs again when the loan is rebuilt from its events,
so it holds no rule that configuration could change).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.authorization import Action, authorize
from domain.checklists import Answered, Checklists, check_answers
from domain.dates import check_not_before
from domain.errors import (
    InvalidInputError,
    InvalidTransitionError,
    SegregationOfDutiesError,
)
from domain.loan.core import Docs, LoanCore
from domain.records import (
    Inspection,
)
from domain.rules import ManagerRules
from domain.values import (
    Actor,
    DocumentRef,
    InspectionKind,
    MonitoredSystem,
    Party,
    ReminderChannel,
    Role,
    WarningColour,
    require_text,
)

JOINT_KINDS = frozenset({InspectionKind.SPECIAL, InspectionKind.ON_SITE})
"""Kinds of inspection others may join on site (会同有关部门现场检查)."""


class LoanInspections(LoanCore):
    """Post-loan inspections (贷后检查) and their corrections."""

    # ------------------------------------------------------------- inspections
    def record_inspection(
        self,
        *,
        inspection_id: UUID,
        kind: InspectionKind,
        inspected_on: date,
        reviewer: Party,
        findings: str,
        actor: Actor,
        documents: Docs = (),
        checklists: Checklists | None = None,
        answers: Sequence[Mapping[str, Any]] | None = None,
        figures: Mapping[str, Any] | None = None,
        judgment: str | None = None,
        measures: str | None = None,
        counterpart: str | None = None,
        reminder_channel: ReminderChannel | None = None,
        systems_queried: Sequence[MonitoredSystem] | None = None,
        assistant: Party | None = None,
        joint: Sequence[tuple[str, Party]] | None = None,
        managers: ManagerRules | None = None,
        joint_colours: frozenset[WarningColour] = frozenset(),
        lead_unit: str | None = None,
        led_by: UUID | None = None,
    ) -> None:
        """Record an inspection by the actor, countersigned by a different reviewer.

        The actor is the main inspector (主检查人, A岗); ``assistant`` the assistant inspector
        (辅助检查人, B岗), another person. Where ``managers`` (the rules in force) say the loan
        needs a B岗 and list the kind in ``assistant_kinds``, the assistant is required.
        ``joint``: who took part from other departments (会同有关部门), each (department,
        person), on a special or on-site inspection; a special inspection after a signal of a
        colour in ``joint_colours`` (重大风险事项) not yet inspected is refused without them.

        Where ``checklists`` (the rules in force) have one for this loan and ``kind``, the
        inspection answers it (``answers``, ``figures``, ``judgment``, ``measures``); an
        inspection no checklist applies to stays free text and may not answer one.
        ``counterpart`` names whom the inspector spoke to or met (回访对象); a checklist marked
        ``counterpart`` requires it. A phone visit, the repayment reminder (还款提醒), may say
        how it reached the borrower (``reminder_channel``: phone, SMS, email, letter — the
        sending is the messaging platform's); an off-site inspection, which systems it queried
        (``systems_queried``, 系统监测: the credit management system, 人行征信…); an on-site
        inspection of a key customer, the unit that led it and the person of it who led the team
        (``lead_unit``, ``led_by``: 省分行/总行牵头, as the application checked them against
        ``[monitoring]``).
        """
        authorize(actor, Action.RECORD_INSPECTION)
        self.check_on_books("登记贷后检查", "record an inspection")
        self.check_business_date(inspected_on, "inspected_on")
        self._new(self.inspections, inspection_id, "检查/inspection")
        if reviewer.id == actor.id:
            raise SegregationOfDutiesError(
                "检查报告的复核人不能是检查人本人",
                "an inspection's reviewer must be someone other than its inspector",
            )
        if Role.REVIEWER not in reviewer.roles:
            raise SegregationOfDutiesError(
                "复核人须担任复核岗", "the reviewer must hold the reviewer role at this moment"
            )
        if kind is InspectionKind.FIRST_FOLLOW_UP and any(
            i.kind is InspectionKind.FIRST_FOLLOW_UP for i in self.inspections.values()
        ):
            raise InvalidTransitionError(
                "首次跟踪检查已登记", "the first follow-up inspection was already recorded"
            )
        text = require_text(findings, "findings")
        met = require_text(counterpart, "counterpart", max_length=200) if counterpart else None
        answered = self.checklist_answered(
            kind,
            checklists or Checklists(),
            answers=answers,
            figures=figures,
            judgment=judgment,
            measures=measures,
        )
        asked = (checklists or Checklists()).get(answered.checklist if answered else None)
        if asked is not None and asked.counterpart and met is None:
            raise InvalidInputError(
                f"《{asked.zh}》须记录回访对象（时间、对象、内容）",
                f"checklist {asked.code!r} records whom the inspector spoke to or met: "
                "counterpart is required",
                field="counterpart",
            )
        extra = self.inspection_channels(kind, reminder_channel, systems_queried)
        extra |= self.inspection_people(
            kind,
            inspected_on,
            actor=actor,
            reviewer=reviewer,
            assistant=assistant,
            joint=joint,
            managers=managers,
            joint_colours=joint_colours,
        )
        extra |= {"lead_unit": None, "led_by": None}
        if (lead_unit is None) != (led_by is None):
            raise InvalidInputError(
                "牵头机构与牵头人须同时填写",
                "a led inspection names both lead_unit and led_by_no",
                field="lead_unit",
            )
        if lead_unit is not None:
            if kind is not InspectionKind.ON_SITE:
                raise InvalidInputError(
                    "只有现场检查记录牵头机构",
                    "lead_unit is recorded on an on-site inspection only",
                    field="lead_unit",
                )
            extra |= {"lead_unit": lead_unit, "led_by": led_by}
        self._inspection_recorded(
            inspection_id=inspection_id,
            kind=kind,
            inspected_on=inspected_on,
            inspector_id=actor.id,
            reviewer_id=reviewer.id,
            findings=text,
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
            checklist=answered.checklist if answered else None,
            answers=answered.answers if answered else None,
            figures=answered.figures if answered else None,
            judgment=answered.judgment if answered else None,
            measures=answered.measures if answered else None,
            counterpart=met,
            **extra,
        )

    @staticmethod
    def inspection_channels(
        kind: InspectionKind,
        reminder_channel: ReminderChannel | None,
        systems_queried: Sequence[MonitoredSystem] | None,
    ) -> dict[str, Any]:
        """The reminder's channel (a phone visit's only) and the systems queried (an off-site
        inspection's only, each once), as recorded."""
        extra: dict[str, Any] = {"reminder_channel": None, "systems_queried": None}
        if reminder_channel is not None:
            if kind is not InspectionKind.PHONE_VISIT:
                raise InvalidInputError(
                    "只有电话回访（还款提醒）记录提醒方式",
                    "reminder_channel is recorded on a phone visit (the repayment reminder) only",
                    field="reminder_channel",
                )
            extra["reminder_channel"] = reminder_channel.value
        if systems_queried:
            if kind is not InspectionKind.OFF_SITE:
                raise InvalidInputError(
                    "只有非现场检查记录所查询的系统",
                    "systems_queried is recorded on an off-site inspection only",
                    field="systems_queried",
                )
            if len(set(systems_queried)) != len(systems_queried):
                raise InvalidInputError(
                    "所查询的系统重复",
                    "systems_queried names a system twice",
                    field="systems_queried",
                )
            extra["systems_queried"] = [s.value for s in systems_queried]
        return extra

    def assistant_required(self, kind: InspectionKind, managers: ManagerRules | None) -> bool:
        """Whether an inspection of ``kind`` of this loan names its assistant inspector (辅助检查
        人, B岗): the loan needs a B岗 by the rules in force, which list the kind."""
        if managers is None or kind not in managers.assistant_kinds or self.principal is None:
            return False
        rule = managers.b_post_rule(
            borrower_type=self.borrower_type.value,
            product=self.product.value,
            principal=self.principal,
        )
        return rule is not None

    def joint_signals(
        self, inspected_on: date, joint_colours: frozenset[WarningColour]
    ) -> list[str]:
        """The codes of the signals of a colour calling for a joint inspection (重大风险事项)
        raised on or before ``inspected_on`` with no special inspection since."""
        specials = [
            i.inspected_on for i in self.inspections.values() if i.kind is InspectionKind.SPECIAL
        ]
        return sorted(
            w.code
            for w in self.warnings.values()
            if w.colour in joint_colours
            and w.raised_on <= inspected_on
            and not any(on >= w.raised_on for on in specials)
        )

    def inspection_people(
        self,
        kind: InspectionKind,
        inspected_on: date,
        *,
        actor: Actor,
        reviewer: Party,
        assistant: Party | None,
        joint: Sequence[tuple[str, Party]] | None,
        managers: ManagerRules | None,
        joint_colours: frozenset[WarningColour],
    ) -> dict[str, Any]:
        """The assistant inspector and the joint participants, checked, as recorded."""
        people: dict[str, Any] = {"assistant_id": None, "joint": None}
        if assistant is not None:
            if assistant.id == actor.id:
                raise SegregationOfDutiesError(
                    "辅助检查人（B岗）不能是主检查人（A岗）本人",
                    "the assistant inspector (B岗) must be someone other than the main "
                    "inspector (A岗)",
                )
            if assistant.id == reviewer.id:
                raise SegregationOfDutiesError(
                    "复核人不能是辅助检查人", "the reviewer must not be the assistant inspector"
                )
            people["assistant_id"] = assistant.id
        elif self.assistant_required(kind, managers):
            raise InvalidInputError(
                f"该贷款须设A、B岗，{kind.zh}须记录辅助检查人（B岗）",
                f"this loan needs a B岗 and a {kind.value} inspection names its assistant "
                "inspector: assistant_no is required",
                field="assistant_no",
            )
        if joint:
            if kind not in JOINT_KINDS:
                raise InvalidInputError(
                    "只有专项检查、现场检查可会同有关部门",
                    "only a special or on-site inspection is joined by other departments",
                    field="joint",
                )
            taken = {actor.id, reviewer.id, people["assistant_id"]}
            recorded = []
            for department, party in joint:
                if party.id in taken:
                    raise InvalidInputError(
                        "会同检查人员不能重复，也不能是检查人、辅助检查人或复核人",
                        "each person joining takes part once and is neither an inspector nor "
                        "the reviewer",
                        field="joint",
                    )
                taken.add(party.id)
                name = require_text(department, "joint", max_length=100)
                recorded.append({"department": name, "staff_id": str(party.id)})
            people["joint"] = recorded
        elif kind is InspectionKind.SPECIAL:
            codes = self.joint_signals(inspected_on, joint_colours)
            if codes:
                raise InvalidInputError(
                    f"预警信号 {'、'.join(codes)} 属重大风险事项，专项检查须会同有关部门现场检查"
                    "（记录会同部门及人员）",
                    f"signal {', '.join(codes)} is a major risk matter: the special inspection "
                    "is made jointly with other departments — joint is required",
                    field="joint",
                )
        return people

    def checklist_answered(
        self,
        kind: InspectionKind,
        checklists: Checklists,
        *,
        answers: Sequence[Mapping[str, Any]] | None,
        figures: Mapping[str, Any] | None,
        judgment: str | None,
        measures: str | None,
    ) -> Answered | None:
        """The checklist answers of an inspection of ``kind`` of this loan, checked against the
        checklist that applies; None for a free-text inspection (no checklist applies)."""
        checklist = checklists.for_inspection(kind.value, self.checklist_facts())
        if checklist is None:
            if answers is not None or figures or judgment is not None or measures is not None:
                raise InvalidInputError(
                    f"{kind.zh}不适用检查表，请只填写检查结论",
                    f"no checklist applies to a {kind.value} inspection of this loan: "
                    "write the findings only",
                    field="answers",
                )
            return None
        if answers is None:
            raise InvalidInputError(
                f"须按《{checklist.zh}》逐项作答（GET /loans/{{loan_no}}/inspection-checklist）",
                f"answer the checklist {checklist.code!r} item by item "
                "(GET /loans/{loan_no}/inspection-checklist)",
                field="answers",
            )
        return check_answers(
            checklists,
            checklist,
            answers=answers,
            figures=figures,
            judgment=judgment,
            measures=measures,
        )

    def checklist_facts(self) -> dict[str, str | None]:
        """What a checklist's conditions test: the loan's product, borrower and guarantee."""
        return {
            "product": self.product.value,
            "borrower_type": self.borrower_type.value,
            "guarantee_type": self.guarantee_type.value,
        }

    @event("InspectionRecorded")
    def _inspection_recorded(
        self,
        *,
        inspection_id: UUID,
        kind: InspectionKind,
        inspected_on: date,
        inspector_id: UUID,
        reviewer_id: UUID,
        findings: str,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
        checklist: str | None = None,
        answers: list[dict[str, str]] | None = None,
        figures: dict[str, str] | None = None,
        judgment: str | None = None,
        measures: str | None = None,
        counterpart: str | None = None,
        reminder_channel: str | None = None,
        systems_queried: list[str] | None = None,
        assistant_id: UUID | None = None,
        joint: list[dict[str, str]] | None = None,
        lead_unit: str | None = None,
        led_by: UUID | None = None,
    ) -> None:
        # The assistant and the joint participants are none on an inspection recorded
        # before they were (or by the inspector alone).
        # The reminder's channel and the systems queried are none where not given.
        # The checklist fields are none on an inspection recorded before checklists, the
        # counterpart on one recorded before it was asked (or naming none).
        self.inspections[inspection_id] = Inspection(
            inspection_id, kind, inspected_on, inspector_id, reviewer_id, findings
        )
        self.inspections[inspection_id].counterpart = counterpart
        self.inspections[inspection_id].reminder_channel = reminder_channel
        self.inspections[inspection_id].systems_queried = systems_queried
        self.inspections[inspection_id].assistant_id = assistant_id
        self.inspections[inspection_id].joint = joint
        self.inspections[inspection_id].lead_unit = lead_unit
        self.inspections[inspection_id].led_by = led_by
        if checklist is not None:
            recorded = self.inspections[inspection_id]
            recorded.checklist = checklist
            recorded.answers = answers
            recorded.figures = figures
            recorded.judgment = judgment
            recorded.measures = measures

    def correct_inspection(
        self,
        *,
        inspection_id: UUID,
        findings: str,
        reason: str,
        actor: Actor,
        documents: Docs = (),
    ) -> None:
        """Correct an inspection's findings by a new event that points at it."""
        authorize(actor, Action.CORRECT_INSPECTION)
        inspection: Inspection = self._get(self.inspections, inspection_id, "检查", "inspection")
        if actor.id not in (
            inspection.inspector_id,
            inspection.assistant_id,
            inspection.reviewer_id,
        ):
            raise SegregationOfDutiesError(
                "只有检查人（主检查人、辅助检查人）或复核人可以更正检查记录",
                "only the inspection's inspectors (main or assistant) or reviewer may correct it",
            )
        self._inspection_corrected(
            inspection_id=inspection_id,
            findings=require_text(findings, "findings"),
            reason=require_text(reason, "reason"),
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
            inspected_on=inspection.inspected_on,
        )

    @event("InspectionCorrected")
    def _inspection_corrected(
        self,
        *,
        inspection_id: UUID,
        findings: str,
        reason: str,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
        inspected_on: date | None = None,
    ) -> None:
        # ``inspected_on``, the corrected inspection's date, dates the correction (业务日期);
        # events stored before it was carried have none.
        inspection = self.inspections[inspection_id]
        inspection.findings = findings
        inspection.corrections += 1

    # ------------------------------------------------------------- countersign
    def countersign_inspection(
        self,
        *,
        inspection_id: UUID,
        opinion: str,
        countersigned_on: date,
        actor: Actor,
        measures: str | None = None,
        due_on: date | None = None,
        documents: Docs = (),
    ) -> None:
        """The named reviewer's own act on an inspection (复核意见): once, by them only.

        ``due_on`` is the deadline the rules in force set (``[inspections] countersign_days``
        working days after the inspection), None when they require no countersign; a
        countersign after it is accepted and marked late.
        """
        authorize(actor, Action.COUNTERSIGN_INSPECTION)
        inspection: Inspection = self._get(self.inspections, inspection_id, "检查", "inspection")
        if actor.id != inspection.reviewer_id:
            raise SegregationOfDutiesError(
                "只有检查报告指定的复核人可以签署复核意见",
                "only the reviewer the inspection names may countersign it",
            )
        if inspection.countersigned_on is not None:
            raise InvalidTransitionError(
                f"该检查已于 {inspection.countersigned_on} 复核",
                f"the inspection was already countersigned on {inspection.countersigned_on}",
            )
        self.check_business_date(countersigned_on, "countersigned_on")
        check_not_before(
            countersigned_on,
            inspection.inspected_on,
            field="countersigned_on",
            since_field="inspected_on",
        )
        self._inspection_countersigned(
            inspection_id=inspection_id,
            opinion=require_text(opinion, "opinion"),
            measures=require_text(measures, "measures") if measures else None,
            countersigned_on=countersigned_on,
            kind=inspection.kind,
            inspected_on=inspection.inspected_on,
            due_on=due_on,
            late=due_on is not None and countersigned_on > due_on,
            documents=list(documents),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("InspectionCountersigned")
    def _inspection_countersigned(
        self,
        *,
        inspection_id: UUID,
        opinion: str,
        measures: str | None,
        countersigned_on: date,
        kind: InspectionKind,
        inspected_on: date,
        due_on: date | None,
        late: bool,
        documents: list[DocumentRef],
        actor_id: UUID,
        role: Role,
    ) -> None:
        inspection = self.inspections[inspection_id]
        inspection.countersigned_on = countersigned_on
        inspection.countersign_opinion = opinion
        inspection.countersign_measures = measures
        inspection.countersign_due_on = due_on
        inspection.countersign_late = late
