"""The three zones of customers (三大区间管理) and the plan for each (一户一策).

The loan's officer proposes the customer's zone (优良, 正常, 限制, 严格限制, 坚决退出: the rules'
``[[zones]]``) with the reason and the plan — measures (工作措施), target (目标), the person
responsible (责任人) and a deadline — which a zone marked ``plan_required`` cannot go without;
the branch head or a risk manager approves it or rejects it, never its proposer (审批分离).
Once approved the zone is the customer's: one zone, one target, one plan, one dossier per
account (一户一分类、一户一目标、一户一方案、一户一档案). It is reviewed every ``review_months``
of its zone from the approval or the last review (the work queue judges it): a review records the
progress made on the plan and the assessment — repayment capacity, operations, market — and may
propose another zone, which is approved like the first. A review may also keep what the officer
found beyond it: the operating statements and cash flow (经营报表、资金周转), the industry
(行业动态), the credit record (征信) and the media, the accounts watched (帐户监管), and the
repayment plan negotiated with the borrower (协商还款计划).

The customer is told of the assessment (将公司评测情况通知客户): the notice, its day, how it went
and to whom, recorded by the loan's officers once a zone is approved. The risk manager keeps the
bank's internal control list of bad-credit customers (不良信用客户内部控制名单): a customer put on it
or taken off with the reason, the list circulated within the bank as a register.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from domain.authorization import Action, authorize
from domain.dates import check_not_before
from domain.errors import InvalidInputError, InvalidTransitionError, SegregationOfDutiesError
from domain.loan.disposal import LoanDisposal
from domain.values import Actor, Role, require_text
from domain.zones import ZoneRules


@dataclass(frozen=True)
class ZonePlan:
    """一户一策: what is to be done, to which end, by whom and by when."""

    measures: str | None
    target: str | None
    responsible_id: UUID
    deadline: date | None


@dataclass(frozen=True)
class ZoneProposal:
    """A zone proposed with its plan, awaiting approval or decided."""

    proposal_id: UUID
    zone: str
    plan: ZonePlan
    reason: str
    proposed_on: date
    proposer_id: UUID
    status: str = "pending"


@dataclass(frozen=True)
class CustomerZone:
    """The customer's zone in force, its plan, since when, and when last reviewed."""

    zone: str
    plan: ZonePlan
    since: date
    approved_by: UUID
    last_reviewed_on: date


@dataclass(frozen=True)
class ZoneReview:
    """A review of the customer's zone and plan (定期评估): progress and assessment."""

    review_id: UUID
    reviewed_on: date
    progress: str
    repayment_capacity: str
    operations: str
    market: str | None
    reviewer_id: UUID
    findings: tuple[tuple[str, str], ...] = ()
    """What else the review found, by field (statements, industry, credit_record, …)."""


REVIEW_FINDINGS = (
    "statements",
    "industry",
    "credit_record",
    "media",
    "account_monitoring",
    "repayment_plan",
)
"""A review's optional findings: 经营报表与资金周转, 行业动态, 征信记录, 媒体信息, 帐户监管,
协商还款计划."""


@dataclass(frozen=True)
class ZoneNotice:
    """The customer told of its assessment (评测情况通知): when, how and to whom."""

    notice_id: UUID
    notified_on: date
    zone: str
    method: str
    recipient: str
    content: str
    notifier_id: UUID


@dataclass(frozen=True)
class BadCreditListing:
    """On the internal control list of bad-credit customers since a day, with the reason."""

    since: date
    reason: str
    listed_by: UUID


def _optional(value: str | None, field: str) -> str | None:
    text = value.strip() if value and value.strip() else None
    return require_text(text, field) if text else None


class LoanZones(LoanDisposal):
    """三大区间: the customer's zone and plan, proposed, approved and reviewed."""

    # Loans disbursed before this layer existed have none of its state until one of its events
    # sets it (see LoanWatch).
    @property
    def zone(self) -> CustomerZone | None:
        """The zone in force, or None before one was approved."""
        found: CustomerZone | None = self.__dict__.get("_zone")
        return found

    @property
    def zone_proposals(self) -> dict[UUID, ZoneProposal]:
        """Every zone proposed, by its id."""
        found: dict[UUID, ZoneProposal] = self.__dict__.setdefault("_zone_proposals", {})
        return found

    @property
    def zone_reviews(self) -> tuple[ZoneReview, ...]:
        """The reviews recorded, in order."""
        found: tuple[ZoneReview, ...] = self.__dict__.get("_zone_reviews", ())
        return found

    @property
    def zone_notices(self) -> tuple[ZoneNotice, ...]:
        """The notices of the assessment sent to the customer, in order."""
        found: tuple[ZoneNotice, ...] = self.__dict__.get("_zone_notices", ())
        return found

    @property
    def bad_credit(self) -> BadCreditListing | None:
        """On the bad-credit customers' internal control list, or None."""
        found: BadCreditListing | None = self.__dict__.get("_bad_credit")
        return found

    @property
    def pending_zone(self) -> ZoneProposal | None:
        """The proposal awaiting approval, if any."""
        return next((p for p in self.zone_proposals.values() if p.status == "pending"), None)

    # -------------------------------------------------------------------- propose
    def propose_zone(
        self,
        *,
        proposal_id: UUID,
        zone: str,
        reason: str,
        proposed_on: date,
        measures: str | None,
        target: str | None,
        responsible_id: UUID,
        deadline: date | None,
        rules: ZoneRules,
        actor: Actor,
    ) -> None:
        """Propose the customer's zone and plan (一户一策) for approval."""
        authorize(actor, Action.PROPOSE_ZONE)
        self.check_on_books("划分客户区间", "propose a zone")
        self.check_business_date(proposed_on, "proposed_on")
        plan = self._plan(zone, measures, target, responsible_id, deadline, proposed_on, rules)
        self._check_nothing_pending(proposal_id)
        self._zone_proposed(
            proposal_id=proposal_id,
            zone=zone,
            previous_zone=self.zone.zone if self.zone else None,
            reason=require_text(reason, "reason"),
            proposed_on=proposed_on,
            measures=plan.measures,
            target=plan.target,
            responsible_id=plan.responsible_id,
            deadline=plan.deadline,
            actor_id=actor.id,
            role=actor.role,
        )

    def _plan(
        self,
        zone: str,
        measures: str | None,
        target: str | None,
        responsible_id: UUID,
        deadline: date | None,
        on: date,
        rules: ZoneRules,
    ) -> ZonePlan:
        """The plan as given, checked against the zone's rule."""
        found = rules.zone(zone)
        measures = measures.strip() if measures and measures.strip() else None
        target = target.strip() if target and target.strip() else None
        if found.plan_required:
            missing = [
                name
                for name, value in (
                    ("measures", measures),
                    ("target", target),
                    ("deadline", deadline),
                )
                if value is None
            ]
            if missing:
                raise InvalidInputError(
                    f"{found.zh}区间的客户须制定一户一策方案：缺少 {', '.join(missing)}",
                    f"a customer in zone {found.code} needs a plan (一户一策): "
                    f"{', '.join(missing)} missing",
                    field=missing[0],
                )
        if deadline is not None and deadline <= on:
            raise InvalidInputError(
                "方案期限须晚于划分日",
                "the plan's deadline must be after the day",
                field="deadline",
            )
        return ZonePlan(
            measures=require_text(measures, "measures") if measures else None,
            target=require_text(target, "target", max_length=1000) if target else None,
            responsible_id=responsible_id,
            deadline=deadline,
        )

    def _check_nothing_pending(self, proposal_id: UUID) -> None:
        self._new(self.zone_proposals, proposal_id, "区间划分申请/zone proposal")
        pending = self.pending_zone
        if pending is not None:
            raise InvalidTransitionError(
                f"已有待审批的区间划分 {pending.proposal_id}",
                f"zone proposal {pending.proposal_id} is still awaiting approval",
            )

    @event("ZoneProposed")
    def _zone_proposed(
        self,
        *,
        proposal_id: UUID,
        zone: str,
        previous_zone: str | None,
        reason: str,
        proposed_on: date,
        measures: str | None,
        target: str | None,
        responsible_id: UUID,
        deadline: date | None,
        actor_id: UUID,
        role: Role,
    ) -> None:
        plan = ZonePlan(measures, target, responsible_id, deadline)
        self.zone_proposals[proposal_id] = ZoneProposal(
            proposal_id, zone, plan, reason, proposed_on, actor_id
        )

    # ------------------------------------------------------------ approve, reject
    def _decidable(
        self, proposal_id: UUID, on: date, field: str, actor: Actor, verb: str
    ) -> ZoneProposal:
        authorize(actor, Action.APPROVE_ZONE)
        self.check_on_books(f"{verb}区间划分", "decide a zone proposal")
        proposal: ZoneProposal = self._get(
            self.zone_proposals, proposal_id, "区间划分申请", "zone proposal"
        )
        if proposal.status != "pending":
            raise InvalidTransitionError(
                f"区间划分申请 {proposal_id} 已{'批准' if proposal.status == 'approved' else '否决'}",
                f"zone proposal {proposal_id} is already {proposal.status}",
            )
        if proposal.proposer_id == actor.id:
            raise SegregationOfDutiesError(
                "审批分离：区间划分的提出人不得审批本人的申请",
                "the proposer of a zone may not approve or reject it",
            )
        check_not_before(on, proposal.proposed_on, field=field, since_field="proposed_on")
        return proposal

    def approve_zone(
        self, *, proposal_id: UUID, approved_on: date, opinion: str, actor: Actor
    ) -> None:
        """Approve a proposed zone and plan: the customer's zone from ``approved_on``."""
        proposal = self._decidable(proposal_id, approved_on, "approved_on", actor, "审批")
        self._zone_approved(
            proposal_id=proposal_id,
            zone=proposal.zone,
            approved_on=approved_on,
            opinion=require_text(opinion, "opinion"),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("ZoneApproved")
    def _zone_approved(
        self,
        *,
        proposal_id: UUID,
        zone: str,
        approved_on: date,
        opinion: str,
        actor_id: UUID,
        role: Role,
    ) -> None:
        proposal = replace(self.zone_proposals[proposal_id], status="approved")
        self.zone_proposals[proposal_id] = proposal
        self.__dict__["_zone"] = CustomerZone(
            proposal.zone, proposal.plan, approved_on, actor_id, approved_on
        )

    def reject_zone(
        self, *, proposal_id: UUID, rejected_on: date, reason: str, actor: Actor
    ) -> None:
        """Reject a proposed zone, with the reason: the zone in force stays."""
        self._decidable(proposal_id, rejected_on, "rejected_on", actor, "否决")
        self._zone_rejected(
            proposal_id=proposal_id,
            rejected_on=rejected_on,
            reason=require_text(reason, "reason"),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("ZoneRejected")
    def _zone_rejected(
        self, *, proposal_id: UUID, rejected_on: date, reason: str, actor_id: UUID, role: Role
    ) -> None:
        proposal = replace(self.zone_proposals[proposal_id], status="rejected")
        self.zone_proposals[proposal_id] = proposal

    # --------------------------------------------------------------------- review
    def review_zone(
        self,
        *,
        review_id: UUID,
        reviewed_on: date,
        progress: str,
        repayment_capacity: str,
        operations: str,
        market: str | None,
        actor: Actor,
        findings: dict[str, str | None] | None = None,
    ) -> None:
        """Review the customer's zone and plan: the progress and the assessment (还款能力、
        经营状况、市场环境). The next review falls due ``review_months`` from it."""
        authorize(actor, Action.REVIEW_ZONE)
        self.check_on_books("评估客户区间", "review a zone")
        current = self.zone
        if current is None:
            raise InvalidTransitionError(
                f"贷款 {self.loan_no} 的客户尚未划分区间",
                f"loan {self.loan_no}'s customer has no approved zone to review",
            )
        if reviewed_on < current.last_reviewed_on:
            raise InvalidInputError(
                f"评估日早于上次评估或审批日 {current.last_reviewed_on.isoformat()}",
                f"reviewed_on is before the last review or approval "
                f"({current.last_reviewed_on.isoformat()})",
                field="reviewed_on",
            )
        if any(r.review_id == review_id for r in self.zone_reviews):
            raise InvalidTransitionError(f"评估 {review_id} 已存在", f"review {review_id} exists")
        market_text = market.strip() if market and market.strip() else None
        found = {name: _optional((findings or {}).get(name), name) for name in REVIEW_FINDINGS}
        self._zone_reviewed(
            review_id=review_id,
            reviewed_on=reviewed_on,
            zone=current.zone,
            progress=require_text(progress, "progress"),
            repayment_capacity=require_text(repayment_capacity, "repayment_capacity"),
            operations=require_text(operations, "operations"),
            market=require_text(market_text, "market") if market_text else None,
            actor_id=actor.id,
            role=actor.role,
            **found,
        )

    @event("ZoneReviewed")
    def _zone_reviewed(
        self,
        *,
        review_id: UUID,
        reviewed_on: date,
        zone: str,
        progress: str,
        repayment_capacity: str,
        operations: str,
        market: str | None,
        actor_id: UUID,
        role: Role,
        statements: str | None = None,
        industry: str | None = None,
        credit_record: str | None = None,
        media: str | None = None,
        account_monitoring: str | None = None,
        repayment_plan: str | None = None,
    ) -> None:
        extra = {
            "statements": statements,
            "industry": industry,
            "credit_record": credit_record,
            "media": media,
            "account_monitoring": account_monitoring,
            "repayment_plan": repayment_plan,
        }
        review = ZoneReview(
            review_id,
            reviewed_on,
            progress,
            repayment_capacity,
            operations,
            market,
            actor_id,
            tuple((k, v) for k, v in extra.items() if v is not None),
        )
        self.__dict__["_zone_reviews"] = (*self.zone_reviews, review)
        current = self.zone
        if current is not None:
            self.__dict__["_zone"] = replace(current, last_reviewed_on=reviewed_on)

    # --------------------------------------------------------------------- notice
    def notify_zone(
        self,
        *,
        notice_id: UUID,
        notified_on: date,
        method: str,
        recipient: str,
        content: str,
        actor: Actor,
    ) -> None:
        """Tell the customer of the bank's assessment (将公司评测情况通知客户): the zone in force,
        how (书面、面谈、电话…) and to whom, on a day not before the zone's approval."""
        authorize(actor, Action.NOTIFY_ZONE)
        self.check_on_books("通知客户评测情况", "notify the customer of its assessment")
        current = self.zone
        if current is None:
            raise InvalidTransitionError(
                f"贷款 {self.loan_no} 的客户尚未划分区间，无评测情况可通知",
                f"loan {self.loan_no}'s customer has no approved zone to notify",
            )
        check_not_before(notified_on, current.since, field="notified_on", since_field="approved_on")
        self.check_business_date(notified_on, "notified_on")
        if any(n.notice_id == notice_id for n in self.zone_notices):
            raise InvalidTransitionError(f"通知 {notice_id} 已存在", f"notice {notice_id} exists")
        self._zone_notified(
            notice_id=notice_id,
            notified_on=notified_on,
            zone=current.zone,
            method=require_text(method, "method", max_length=200),
            recipient=require_text(recipient, "recipient", max_length=200),
            content=require_text(content, "content"),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("ZoneNotified")
    def _zone_notified(
        self,
        *,
        notice_id: UUID,
        notified_on: date,
        zone: str,
        method: str,
        recipient: str,
        content: str,
        actor_id: UUID,
        role: Role,
    ) -> None:
        notice = ZoneNotice(notice_id, notified_on, zone, method, recipient, content, actor_id)
        self.__dict__["_zone_notices"] = (*self.zone_notices, notice)

    # --------------------------------------------------------- bad-credit list
    def list_bad_credit(self, *, blacklisted_on: date, reason: str, actor: Actor) -> None:
        """Put the customer on the internal control list of bad-credit customers
        (不良信用客户内部控制名单), with the reason: the risk manager's."""
        authorize(actor, Action.LIST_BAD_CREDIT)
        self.check_business_date(blacklisted_on, "blacklisted_on")
        if self.bad_credit is not None:
            raise InvalidTransitionError(
                f"贷款 {self.loan_no} 的客户已列入不良信用客户内部控制名单",
                f"loan {self.loan_no}'s customer is already on the bad-credit list",
            )
        self._bad_credit_listed(
            blacklisted_on=blacklisted_on,
            reason=require_text(reason, "reason"),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("BadCreditListed")
    def _bad_credit_listed(
        self, *, blacklisted_on: date, reason: str, actor_id: UUID, role: Role
    ) -> None:
        self.__dict__["_bad_credit"] = BadCreditListing(blacklisted_on, reason, actor_id)

    def delist_bad_credit(self, *, delisted_on: date, reason: str, actor: Actor) -> None:
        """Take the customer off the bad-credit list (调整名单), with the reason."""
        authorize(actor, Action.LIST_BAD_CREDIT)
        listed = self.bad_credit
        if listed is None:
            raise InvalidTransitionError(
                f"贷款 {self.loan_no} 的客户未列入不良信用客户内部控制名单",
                f"loan {self.loan_no}'s customer is not on the bad-credit list",
            )
        check_not_before(
            delisted_on, listed.since, field="delisted_on", since_field="blacklisted_on"
        )
        self.check_business_date(delisted_on, "delisted_on")
        self._bad_credit_delisted(
            delisted_on=delisted_on,
            reason=require_text(reason, "reason"),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("BadCreditDelisted")
    def _bad_credit_delisted(
        self, *, delisted_on: date, reason: str, actor_id: UUID, role: Role
    ) -> None:
        self.__dict__["_bad_credit"] = None
