"""Staff (人员): enrolment, role grants and revocations over time, access tokens."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Self
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.authorization import BUSINESS_ROLES, Action, authorize
from domain.dates import check_not_before
from domain.errors import InvalidInputError, InvalidTransitionError, SegregationOfDutiesError
from domain.guanhu import GuanhuRules
from domain.monitoring import MONITOR_ROLES
from domain.values import (
    NAMESPACE,
    Actor,
    BorrowerType,
    DutyConclusion,
    EvaluationOccasion,
    LoginFailure,
    Role,
    money,
    require_text,
    staff_id_for,
)

MAX_LOANS_REVIEWED = 200

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 128


def check_password(password: str, staff_no: str) -> None:
    """Refuse a password too weak to guard a bank's records (口令复杂度, GB/T 22239).

    At least ten characters, letters and digits both, no control characters, and not the
    staff number. Checked before hashing: the aggregate only ever sees the hash.
    """
    problems_zh: list[str] = []
    problems_en: list[str] = []
    if not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
        problems_zh.append(f"长度须为{PASSWORD_MIN_LENGTH}至{PASSWORD_MAX_LENGTH}个字符")
        problems_en.append(f"be {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters long")
    if not (any(c.isalpha() for c in password) and any(c.isdigit() for c in password)):
        problems_zh.append("须同时包含字母和数字")
        problems_en.append("contain both letters and digits")
    if not password.isprintable():
        problems_zh.append("不得包含控制字符")
        problems_en.append("contain no control characters")
    if staff_no and staff_no.lower() in password.lower():
        problems_zh.append("不得包含工号")
        problems_en.append("not contain the staff number")
    if problems_zh:
        raise InvalidInputError(
            "密码" + "；".join(problems_zh),
            "the password must " + "; ".join(problems_en),
            field="password",
        )


@dataclass
class RoleSpell:
    """One period during which a person held a role."""

    role: Role
    granted_at: datetime
    revoked_at: datetime | None = None

    def covers(self, when: datetime) -> bool:
        return self.granted_at <= when and (self.revoked_at is None or when < self.revoked_at)


@dataclass(frozen=True)
class MonitorSpell:
    """A spell as the online monitor (专职信贷在线监测员): from a day, until a day or open."""

    since: date
    until: date | None
    reason: str
    designated_by: UUID

    def covers(self, day: date) -> bool:
        return self.since <= day and (self.until is None or day <= self.until)


@dataclass(frozen=True)
class ManagedCustomer:
    """A customer (borrower) assigned to the person to manage (管户)."""

    borrower_id: str
    borrower_name: str
    borrower_type: BorrowerType
    group: str | None
    amount: Decimal
    tier: str | None
    assigned_on: date


def counted_corporate(customers: Iterable[ManagedCustomer]) -> int:
    """法人客户 as the cap counts them: the members of one group (集团客户) as one."""
    corporate = [c for c in customers if c.borrower_type is BorrowerType.CORPORATE]
    return len({c.group for c in corporate if c.group}) + sum(1 for c in corporate if not c.group)


@dataclass(frozen=True)
class DutyEvaluation:
    """One evaluation of an account manager's post-loan duties (贷后管理履职评价)."""

    evaluation_id: UUID
    occasion: EvaluationOccasion
    period_from: date
    period_to: date
    evaluated_on: date
    conclusion: DutyConclusion
    findings: str
    loan_nos: tuple[str, ...]
    evaluator_id: UUID
    evaluator_role: Role


class CustomerHolding(Aggregate):
    """Who manages a customer (以户为单位专人管理，不得分散, 004-34): the one person whose 管户
    holds it, saved in the same ``save()`` as that person's record. Its id is derived from the
    customer's id, so two people assigned the same customer at once both read it free; the
    second save then conflicts on its version and is refused, and a customer held by one
    person is refused to another until handed over (移交)."""

    @staticmethod
    def create_id(borrower_id: str) -> UUID:
        return uuid5(NAMESPACE, f"customer-holding:{borrower_id}")

    @classmethod
    def open(cls, borrower_id: str) -> CustomerHolding:
        return cls(borrower_id=borrower_id)

    @event("Opened")
    def __init__(self, *, borrower_id: str) -> None:
        self.borrower_id = borrower_id
        self.staff_no: str | None = None
        self.staff_name: str | None = None

    def hold(self, *, staff_no: str, staff_name: str) -> None:
        """The customer is now managed by this person; refused while another holds it."""
        if self.staff_no is not None and self.staff_no != staff_no:
            raise InvalidTransitionError(
                f"客户 {self.borrower_id} 已由 {self.staff_name} 管户，须先移交，不得分散管户",
                f"customer {self.borrower_id} is already managed by {self.staff_no} "
                f"({self.staff_name}): hand it over first (one manager per customer)",
                field="borrower_id",
            )
        self._held(staff_no=staff_no, staff_name=staff_name)

    @event("Held")
    def _held(self, *, staff_no: str, staff_name: str) -> None:
        self.staff_no = staff_no
        self.staff_name = staff_name

    def release(self, *, staff_no: str) -> None:
        """Handed over by the person holding it (移交): free for another."""
        if self.staff_no == staff_no:
            self._released(staff_no=staff_no)

    @event("Released")
    def _released(self, *, staff_no: str) -> None:
        self.staff_no = None
        self.staff_name = None


class Staff(Aggregate):
    """A member of staff and the duties they held, when."""

    @staticmethod
    def create_id(staff_no: str) -> UUID:
        return staff_id_for(staff_no)

    @classmethod
    def enrol(cls, *, staff_no: str, name: str, branch: str, actor: Actor) -> Self:
        """Enrol a person (by an administrator)."""
        authorize(actor, Action.ENROL_STAFF)
        staff_no = staff_no.strip()
        if not staff_no or len(staff_no) > 32 or not staff_no.isprintable():
            raise InvalidInputError("工号须为1-32个字符", "staff_no must be 1-32 printable chars")
        return cls(
            staff_no=staff_no,
            name=require_text(name, "name", max_length=100),
            branch=require_text(branch, "branch", max_length=100),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("Enrolled")
    def __init__(
        self, *, staff_no: str, name: str, branch: str, actor_id: UUID, role: Role
    ) -> None:
        self.staff_no = staff_no
        self.name = name
        self.branch = branch
        self.branches: list[tuple[date | None, str]] = [(None, branch)]
        """The person's unit from each date on (None: from enrolment), oldest first."""
        self.spells: list[RoleSpell] = []
        self.token_hashes: dict[UUID, str] = {}
        """The hashes of the tokens not revoked (expired ones included), by token id."""
        self.token_expiry: dict[UUID, datetime] = {}
        """When each token not revoked stops working, by token id; none for a token issued
        before tokens had an expiry (it works until revoked)."""
        self.password_hash: str | None = None
        self.password_temporary = False
        self.failed_logins = 0
        """Wrong passwords in a row since the last sign-in, password or lock-out."""
        self.locked_until: datetime | None = None
        self.evaluations: list[DutyEvaluation] = []
        """Evaluations of the person's post-loan duties as account manager, oldest first."""
        self.customers: dict[str, ManagedCustomer] = {}
        """The customers the person manages now (管户), by borrower id."""

    def branch_on(self, day: date) -> str:
        """The unit the person belonged to on ``day`` (by the dates of their moves)."""
        found = self.branches[0][1]
        for since, branch in self.branches:
            if since is None or since <= day:
                found = branch
        return found

    @property
    def last_moved_on(self) -> date | None:
        return self.branches[-1][0]

    def transfer(self, *, branch: str, moved_on: date, reason: str, actor: Actor) -> None:
        """Move the person to another unit of the bank from ``moved_on`` (人员调动), by an
        administrator: a person's unit is personnel data, as their roles are."""
        authorize(actor, Action.TRANSFER_STAFF)
        branch = require_text(branch, "branch", max_length=100)
        if branch == self.branch:
            raise InvalidInputError(
                f"{self.name} 已在 {branch}",
                f"{self.staff_no} already belongs to {branch}",
                field="branch",
            )
        check_not_before(
            moved_on, self.last_moved_on, field="moved_on", since_field="last_moved_on"
        )
        self._transferred(
            from_branch=self.branch,
            branch=branch,
            moved_on=moved_on,
            reason=require_text(reason, "reason"),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("Transferred")
    def _transferred(
        self,
        *,
        from_branch: str,
        branch: str,
        moved_on: date,
        reason: str,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.branch = branch
        self.branches.append((moved_on, branch))

    def roles_at(self, when: datetime) -> frozenset[Role]:
        """The roles this person held at ``when`` (UTC)."""
        return frozenset(s.role for s in self.spells if s.covers(when))

    @property
    def current_roles(self) -> frozenset[Role]:
        return frozenset(s.role for s in self.spells if s.revoked_at is None)

    def grant_role(self, *, role: Role, granted_at: datetime, actor: Actor) -> None:
        """Grant a role; an administrator never holds a business role too, and the integration
        role is held alone (三员分立)."""
        authorize(actor, Action.GRANT_ROLE)
        if actor.id == self.id:
            raise SegregationOfDutiesError(
                "不得给本人授予岗位", "an administrator may not grant roles to themselves"
            )
        held = self.current_roles
        if role in held:
            raise InvalidTransitionError(
                f"{self.name} 已担任{role.zh}", f"{self.staff_no} already holds {role.value}"
            )
        if (role is Role.ADMINISTRATOR and held & BUSINESS_ROLES) or (
            role in BUSINESS_ROLES and Role.ADMINISTRATOR in held
        ):
            raise SegregationOfDutiesError(
                "三员分立：系统管理员不得兼任业务岗位",
                "an administrator may not also hold a business role",
            )
        if held and Role.INTEGRATION in held | {role}:
            # The feed records what the core system reports: whoever imports it neither
            # administers the system nor does the business whose figures it records.
            raise SegregationOfDutiesError(
                "三员分立：系统对接岗不得兼任系统管理员或业务岗位",
                "the integration role is held alone: never with the administrator's or a "
                "business role",
            )
        self._role_granted(
            granted_role=role, granted_at=granted_at, actor_id=actor.id, role=actor.role
        )

    @event("RoleGranted")
    def _role_granted(
        self, *, granted_role: Role, granted_at: datetime, actor_id: UUID, role: Role
    ) -> None:
        self.spells.append(RoleSpell(granted_role, granted_at))

    def revoke_role(self, *, role: Role, revoked_at: datetime, reason: str, actor: Actor) -> None:
        """Revoke a role held now."""
        authorize(actor, Action.REVOKE_ROLE)
        if role not in self.current_roles:
            raise InvalidTransitionError(
                f"{self.name} 未担任{role.zh}", f"{self.staff_no} does not hold {role.value}"
            )
        self._role_revoked(
            revoked_role=role,
            revoked_at=revoked_at,
            reason=require_text(reason, "reason"),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("RoleRevoked")
    def _role_revoked(
        self, *, revoked_role: Role, revoked_at: datetime, reason: str, actor_id: UUID, role: Role
    ) -> None:
        for spell in self.spells:
            if spell.role is revoked_role and spell.revoked_at is None:
                spell.revoked_at = revoked_at

    # ------------------------------------------- post-loan duties (贷后管理履职评价)
    @property
    def account_manager_since(self) -> datetime | None:
        """When the person's current spell as account manager began (None: not one now)."""
        return next(
            (
                s.granted_at
                for s in self.spells
                if s.role is Role.ACCOUNT_MANAGER and s.revoked_at is None
            ),
            None,
        )

    def evaluate_post_loan_duties(
        self,
        *,
        evaluation_id: UUID,
        occasion: EvaluationOccasion,
        period_from: date,
        period_to: date,
        evaluated_on: date,
        conclusion: DutyConclusion,
        findings: str,
        loan_nos: list[str],
        actor: Actor,
    ) -> None:
        """Record the evaluation of the person's post-loan duties as account manager, at a
        handover or after years in post (贷后管理履职评价): by a branch head or a risk manager,
        never by the person evaluated, of someone who has been an account manager."""
        authorize(actor, Action.EVALUATE_POST_LOAN_DUTIES)
        if actor.id == self.id:
            raise SegregationOfDutiesError(
                "不得评价本人的贷后管理履职", "nobody may evaluate their own post-loan duties"
            )
        if not any(s.role is Role.ACCOUNT_MANAGER for s in self.spells):
            raise InvalidInputError(
                f"{self.name} 未曾担任客户经理，无贷后管理履职可评价",
                f"{self.staff_no} has never been an account manager: no post-loan duties to "
                "evaluate",
                field="staff_no",
            )
        if any(e.evaluation_id == evaluation_id for e in self.evaluations):
            raise InvalidTransitionError("该评价已登记", "this evaluation is already recorded")
        check_not_before(period_to, period_from, field="period_to", since_field="period_from")
        check_not_before(evaluated_on, period_to, field="evaluated_on", since_field="period_to")
        loans = list(dict.fromkeys(require_text(n, "loan_nos", max_length=64) for n in loan_nos))
        if len(loans) > MAX_LOANS_REVIEWED:
            raise InvalidInputError(
                f"所评贷款至多 {MAX_LOANS_REVIEWED} 笔",
                f"at most {MAX_LOANS_REVIEWED} loans reviewed",
                field="loan_nos",
            )
        self._post_loan_duties_evaluated(
            evaluation_id=evaluation_id,
            occasion=occasion,
            period_from=period_from,
            period_to=period_to,
            evaluated_on=evaluated_on,
            conclusion=conclusion,
            findings=require_text(findings, "findings", max_length=4000),
            loan_nos=loans,
            branch=self.branch,
            actor_id=actor.id,
            role=actor.role,
        )

    @event("PostLoanDutiesEvaluated")
    def _post_loan_duties_evaluated(
        self,
        *,
        evaluation_id: UUID,
        occasion: EvaluationOccasion,
        period_from: date,
        period_to: date,
        evaluated_on: date,
        conclusion: DutyConclusion,
        findings: str,
        loan_nos: list[str],
        branch: str,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.evaluations.append(
            DutyEvaluation(
                evaluation_id=evaluation_id,
                occasion=occasion,
                period_from=period_from,
                period_to=period_to,
                evaluated_on=evaluated_on,
                conclusion=conclusion,
                findings=findings,
                loan_nos=tuple(loan_nos),
                evaluator_id=actor_id,
                evaluator_role=role,
            )
        )

    # ------------------------------------------------------------ 管户 (customers)
    def assign_customer(
        self,
        *,
        borrower_id: str,
        borrower_name: str,
        borrower_type: BorrowerType,
        group: str | None,
        amount: Decimal,
        assigned_on: date,
        reason: str,
        held: frozenset[Role],
        rules: GuanhuRules,
        actor: Actor,
    ) -> None:
        """Assign a customer to the person to manage (管户分配), by the branch head, never to
        themselves: within the cap on corporate customers (a group counted as one) and only
        to a manager holding a role the customer's amount tier names (``[guanhu]``)."""
        authorize(actor, Action.ASSIGN_CUSTOMER)
        if actor.id == self.id:
            raise SegregationOfDutiesError(
                "不得给本人分配管户客户", "nobody may assign customers to themselves"
            )
        borrower_id = require_text(borrower_id, "borrower_id", max_length=64)
        if borrower_id in self.customers:
            raise InvalidTransitionError(
                f"客户 {borrower_id} 已由 {self.name} 管户",
                f"customer {borrower_id} is already managed by {self.staff_no}",
                field="borrower_id",
            )
        amount = money(amount, "amount")
        if amount < 0:
            raise InvalidInputError("金额不得为负", "amount must not be negative", field="amount")
        tier = rules.tier_of(amount)
        if tier is not None and not held & tier.roles:
            zh = "、".join(sorted(r.zh for r in tier.roles))
            en = ", ".join(sorted(r.value for r in tier.roles))
            raise InvalidInputError(
                f"{tier.zh}（{tier.min_amount} 元以上）须由{zh}管户，{self.name} 未担任",
                f"a {tier.tier} customer (from {tier.min_amount} 元) is managed by {en} "
                f"(guanhu.tiers); {self.staff_no} holds none of them",
                field="staff_no",
                rule="guanhu.tiers",
            )
        if tier is None and Role.ACCOUNT_MANAGER not in held:
            raise InvalidInputError(
                f"{self.name} 未担任客户经理",
                f"{self.staff_no} is not an account manager",
                field="staff_no",
            )
        group = require_text(group, "group", max_length=200) if group else None
        customer = ManagedCustomer(
            borrower_id,
            require_text(borrower_name, "borrower_name", max_length=200),
            borrower_type,
            group,
            amount,
            tier.tier if tier else None,
            assigned_on,
        )
        cap = rules.max_corporate_customers
        if cap is not None:
            counted = counted_corporate([*self.customers.values(), customer])
            if counted > cap:
                raise InvalidTransitionError(
                    f"{self.name} 管户法人客户将达 {counted} 户（集团客户按1户计），超过上限 {cap} 户",
                    f"{self.staff_no} would manage {counted} corporate customers (a group "
                    f"counted as one), over the cap of {cap} (guanhu.max_corporate_customers)",
                    field="staff_no",
                    rule="guanhu.max_corporate_customers",
                )
        self._customer_assigned(
            borrower_id=borrower_id,
            borrower_name=customer.borrower_name,
            borrower_type=borrower_type,
            group=group,
            amount=amount,
            tier=customer.tier,
            assigned_on=assigned_on,
            reason=require_text(reason, "reason"),
            branch=self.branch,
            actor_id=actor.id,
            role=actor.role,
        )

    @event("CustomerAssigned")
    def _customer_assigned(
        self,
        *,
        borrower_id: str,
        borrower_name: str,
        borrower_type: BorrowerType,
        group: str | None,
        amount: Decimal,
        tier: str | None,
        assigned_on: date,
        reason: str,
        branch: str,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.customers[borrower_id] = ManagedCustomer(
            borrower_id, borrower_name, borrower_type, group, amount, tier, assigned_on
        )

    def release_customer(
        self, *, borrower_id: str, released_on: date, reason: str, actor: Actor
    ) -> None:
        """Take a customer off the person's 管户 (移交), by the branch head."""
        authorize(actor, Action.ASSIGN_CUSTOMER)
        found = self.customers.get(borrower_id)
        if found is None:
            raise InvalidInputError(
                f"{self.name} 未管户客户 {borrower_id}",
                f"{self.staff_no} does not manage customer {borrower_id}",
                field="borrower_id",
            )
        check_not_before(
            released_on, found.assigned_on, field="released_on", since_field="assigned_on"
        )
        self._customer_released(
            borrower_id=borrower_id,
            released_on=released_on,
            reason=require_text(reason, "reason"),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("CustomerReleased")
    def _customer_released(
        self, *, borrower_id: str, released_on: date, reason: str, actor_id: UUID, role: Role
    ) -> None:
        self.customers.pop(borrower_id, None)

    # ---------------------------------------------- online monitor (在线监测员)
    @property
    def monitor_spells(self) -> tuple[MonitorSpell, ...]:
        """The person's spells as online monitor, oldest first (none for a record from before
        the function existed: read with its default)."""
        found: tuple[MonitorSpell, ...] = self.__dict__.get("_monitor_spells", ())
        return found

    def online_monitor_on(self, day: date) -> bool:
        """Whether the person was the designated online monitor on ``day``."""
        return any(s.covers(day) for s in self.monitor_spells)

    def designate_online_monitor(
        self,
        *,
        since: date,
        until: date | None,
        reason: str,
        held: frozenset[Role],
        actor: Actor,
    ) -> None:
        """Designate the person online monitor (专职信贷在线监测员) from ``since`` (until
        ``until`` or further notice), by the branch head, never themselves: a post-loan officer
        or a risk manager, outside the lending line whose customers they watch."""
        authorize(actor, Action.DESIGNATE_ONLINE_MONITOR)
        if actor.id == self.id:
            raise SegregationOfDutiesError(
                "不得指定本人为在线监测员", "nobody designates themselves online monitor"
            )
        if not held & MONITOR_ROLES:
            raise InvalidInputError(
                f"{self.name} 未担任贷后管理岗或风险经理，不能担任在线监测员",
                f"{self.staff_no} holds neither post_loan_officer nor risk_manager: an online "
                "monitor is outside the lending line",
                field="staff_no",
            )
        if until is not None:
            check_not_before(until, since, field="until", since_field="since")
        for spell in self.monitor_spells:
            if spell.since <= (until or date.max) and since <= (spell.until or date.max):
                raise InvalidTransitionError(
                    f"{self.name} 自 {spell.since.isoformat()} 起已为在线监测员",
                    f"{self.staff_no} is already online monitor from {spell.since.isoformat()}",
                    field="since",
                )
        self._online_monitor_designated(
            since=since,
            until=until,
            monitor_role=next(r for r in Role if r in held & MONITOR_ROLES).value,
            reason=require_text(reason, "reason"),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("OnlineMonitorDesignated")
    def _online_monitor_designated(
        self,
        *,
        since: date,
        until: date | None,
        monitor_role: str,
        reason: str,
        actor_id: UUID,
        role: Role,
    ) -> None:
        # ``monitor_role``: the role (post-loan officer or risk manager) the monitor holds, in
        # which the monthly monitoring tasks are theirs.
        spell = MonitorSpell(since, until, reason, actor_id)
        self.__dict__["_monitor_spells"] = (*self.monitor_spells, spell)

    def end_online_monitor(self, *, ended_on: date, reason: str, actor: Actor) -> None:
        """End the person's open (or later-ending) spell as online monitor on ``ended_on``."""
        authorize(actor, Action.DESIGNATE_ONLINE_MONITOR)
        current = next(
            (
                s
                for s in reversed(self.monitor_spells)
                if s.since <= ended_on and (s.until is None or s.until > ended_on)
            ),
            None,
        )
        if current is None:
            raise InvalidTransitionError(
                f"{self.name} 于 {ended_on.isoformat()} 并非在线监测员",
                f"{self.staff_no} is not online monitor on {ended_on.isoformat()}",
                field="ended_on",
            )
        self._online_monitor_ended(
            since=current.since,
            ended_on=ended_on,
            reason=require_text(reason, "reason"),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("OnlineMonitorEnded")
    def _online_monitor_ended(
        self, *, since: date, ended_on: date, reason: str, actor_id: UUID, role: Role
    ) -> None:
        # ``since`` names the spell ended.
        self.__dict__["_monitor_spells"] = tuple(
            MonitorSpell(s.since, ended_on, s.reason, s.designated_by) if s.since == since else s
            for s in self.monitor_spells
        )

    def issue_token(
        self,
        *,
        token_id: UUID,
        token_hash: str,
        actor: Actor,
        name: str | None = None,
        expires_at: datetime | None = None,
    ) -> None:
        """Record the hash of a new access token (the token itself is never stored), its name
        (what it is for: 核心系统日终文件, 审计取数…) and when it stops working."""
        authorize(actor, Action.ISSUE_TOKEN)
        if expires_at is not None and expires_at.tzinfo is None:
            raise InvalidInputError(
                "令牌到期时间须带时区", "a token's expiry needs a time zone", field="expires_at"
            )
        self._token_issued(
            token_id=token_id,
            token_hash=token_hash,
            actor_id=actor.id,
            role=actor.role,
            name=None if name is None else require_text(name, "name", max_length=100),
            expires_at=expires_at,
        )

    @event("TokenIssued")
    def _token_issued(
        self,
        *,
        token_id: UUID,
        token_hash: str,
        actor_id: UUID,
        role: Role,
        name: str | None = None,
        expires_at: datetime | None = None,
    ) -> None:
        self.token_hashes[token_id] = token_hash
        if expires_at is not None:
            self.token_expiry[token_id] = expires_at

    def revoke_token(self, *, token_id: UUID, actor: Actor, reason: str | None = None) -> None:
        """Revoke an access token: from now on it signs nobody in."""
        authorize(actor, Action.ISSUE_TOKEN)
        if token_id not in self.token_hashes:
            raise InvalidTransitionError("令牌不存在或已吊销", "no such live token")
        self._token_revoked(
            token_id=token_id,
            actor_id=actor.id,
            role=actor.role,
            reason=None if reason is None else require_text(reason, "reason", max_length=500),
        )

    @event("TokenRevoked")
    def _token_revoked(
        self, *, token_id: UUID, actor_id: UUID, role: Role, reason: str | None = None
    ) -> None:
        del self.token_hashes[token_id]
        self.token_expiry.pop(token_id, None)

    def live_token(self, token_id: UUID, now: datetime) -> str | None:
        """The hash of token ``token_id`` if it still signs its holder in at ``now``: issued,
        not revoked, not past its expiry."""
        expected = self.token_hashes.get(token_id)
        expiry = self.token_expiry.get(token_id)
        if expected is None or (expiry is not None and now >= expiry):
            return None
        return expected

    # ------------------------------------------------------------- signing in (登录)
    @property
    def first_role(self) -> Role | None:
        """The role a person acts in unless they choose another: the first held, by Role's
        order; None for someone who holds none now."""
        held = self.current_roles
        return next((r for r in Role if r in held), None)

    def locked_at(self, when: datetime) -> bool:
        """Whether sign-in is locked at ``when`` (UTC) after repeated wrong passwords."""
        return self.locked_until is not None and when < self.locked_until

    def set_password(self, *, password_hash: str, temporary: bool, actor: Actor) -> None:
        """An administrator sets a person's password; a temporary one must be changed at the
        first sign-in (首次登录修改密码). It also lifts a lock-out."""
        authorize(actor, Action.SET_PASSWORD)
        if actor.id == self.id:
            raise SegregationOfDutiesError(
                "不得为本人设置密码，请在登录后修改",
                "an administrator may not set their own password; change it after signing in",
            )
        self._password_set(
            password_hash=password_hash, temporary=temporary, actor_id=actor.id, role=actor.role
        )

    @event("PasswordSet")
    def _password_set(
        self, *, password_hash: str, temporary: bool, actor_id: UUID, role: Role
    ) -> None:
        self.password_hash = password_hash
        self.password_temporary = temporary
        self.failed_logins = 0
        self.locked_until = None

    def change_password(self, *, password_hash: str, actor_id: UUID) -> None:
        """The person changes their own password (the temporary one, or at will)."""
        if actor_id != self.id:
            raise SegregationOfDutiesError(
                "只能修改本人的密码", "a person may change only their own password"
            )
        self._password_changed(password_hash=password_hash, actor_id=self.id, role=self.first_role)

    @event("PasswordChanged")
    def _password_changed(self, *, password_hash: str, actor_id: UUID, role: Role | None) -> None:
        self.password_hash = password_hash
        self.password_temporary = False

    def record_login(self, *, role: Role | None, source: str) -> None:
        """A sign-in with the right password (the actor is the person; ``source`` the client's
        address as the server saw it)."""
        self._logged_in(actor_id=self.id, role=role, source=source[:64])

    @event("LoggedIn")
    def _logged_in(self, *, actor_id: UUID, role: Role | None, source: str) -> None:
        self.failed_logins = 0
        self.locked_until = None

    def record_login_failure(
        self,
        *,
        reason: LoginFailure,
        at: datetime,
        source: str,
        max_failures: int,
        lockout: timedelta,
    ) -> None:
        """A refused sign-in against this staff number. The actor is whoever typed it: the
        account tried is all that is known. The ``max_failures``-th wrong password in a row
        locks sign-in for ``lockout`` (登录失败锁定); attempts while locked change nothing."""
        failures = self.failed_logins
        locked_until: datetime | None = None
        if reason is LoginFailure.WRONG_PASSWORD:
            failures += 1
            if failures >= max_failures:
                locked_until = at + lockout
        self._login_failed(
            reason=reason,
            failures=failures,
            locked_until=locked_until,
            actor_id=self.id,
            role=None,
            source=source[:64],
        )

    @event("LoginFailed")
    def _login_failed(
        self,
        *,
        reason: LoginFailure,
        failures: int,
        locked_until: datetime | None,
        actor_id: UUID,
        role: Role | None,
        source: str,
    ) -> None:
        if locked_until is not None:
            self.locked_until = locked_until
            self.failed_logins = 0
        else:
            self.failed_logins = failures

    def record_logout(self, *, role: Role | None) -> None:
        """The person signed out of the console."""
        self._logged_out(actor_id=self.id, role=role)

    @event("LoggedOut")
    def _logged_out(self, *, actor_id: UUID, role: Role | None) -> None:
        pass
