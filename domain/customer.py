"""The customer file (客户档案, 按户建档): what the bank keeps of one borrower across its loans.

A borrower's loans each have their dossier; the customer file gathers them by the borrower's id
and keeps what belongs to the customer rather than to one loan (``[customers]`` of the rules):

* its managing bank (客户管理行, 002-76): under the tiered management of customers
  (客户分层经营管理), the branch head names, customer by customer, the unit that manages it as a
  whole; the unit must be at the level ``managing_levels`` names for the customer's amount tier
  (``[guanhu] tiers``) and at or above a unit its loans are booked at (经营行), with the reason;
* its operating rhythm (客户运营规律, 000-33): the months of its harvest or sales and the days of
  the month in which it is phoned (电话回访), with the window it prefers to be called in — the
  phone return visits then fall due in those days (``domain.tasks``);
* its contact (失联客户, 002-95): each attempt to reach it (return visit, collection, reminder),
  reached or not; ``unreachable_after_failures`` failures in a row mark it unreachable (失联)
  with those attempts as the evidence, and new contact data verified — reached on them — clear
  it, saying when the change was learned, so that the timeliness of the update can be measured.

A rule set adopted before ``[customers]`` names no managing level and marks nobody unreachable.

Pure: the standard library and ``domain`` only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.authorization import Action, authorize
from domain.dates import check_not_before
from domain.errors import InvalidInputError, InvalidTransitionError
from domain.scope import Level
from domain.values import (
    NAMESPACE,
    Actor,
    ContactChannel,
    ContactPurpose,
    Role,
    require_text,
)

Fail = Callable[[str, str, str], Exception]

EARLIER_CUSTOMERS: Mapping[str, Any] = {
    "managing_levels": {},
    "unreachable_after_failures": None,
}
"""``[customers]`` of a rule set adopted before it: no managing level, nobody marked 失联."""


@dataclass(frozen=True)
class CustomerRules:
    """``[customers]``: the level of the managing bank per amount tier, and how many failed
    attempts in a row make a customer unreachable (失联)."""

    managing_levels: Mapping[str, Level] = field(default_factory=dict)
    unreachable_after_failures: int | None = None


def parse_customers(raw: Any, fail: Fail, tiers: Sequence[str]) -> CustomerRules:
    """The ``[customers]`` table of a rule set; ``tiers`` are the tiers ``[guanhu]`` names."""
    if raw is None:
        return CustomerRules()
    if not isinstance(raw, dict):
        raise fail("customers", "须为表", "must be a table")
    unknown = sorted(set(raw) - set(EARLIER_CUSTOMERS))
    if unknown:
        raise fail(f"customers.{unknown[0]}", "未知的键", "unknown key")
    levels = raw.get("managing_levels", {})
    if not isinstance(levels, dict):
        raise fail("customers.managing_levels", "须为表", "must be a table")
    known = {lv.value: lv for lv in Level}
    found: dict[str, Level] = {}
    for tier, level in levels.items():
        path = f"customers.managing_levels.{tier}"
        if tier not in tiers:
            raise fail(path, "须为 [guanhu] tiers 中的层级", "must be a tier of [guanhu] tiers")
        if level not in known:
            raise fail(path, f"须为机构层级：{', '.join(known)}", f"must be one of {list(known)}")
        found[tier] = known[level]
    after = raw.get("unreachable_after_failures")
    if after is not None and (
        isinstance(after, bool) or not isinstance(after, int) or not 1 <= after <= 20
    ):
        raise fail(
            "customers.unreachable_after_failures",
            f"须为 1–20 的整数，而非 {after!r}",
            f"must be 1-20, not {after!r}",
        )
    return CustomerRules(found, after)


@dataclass(frozen=True)
class OperatingRhythm:
    """When the customer is phoned (电话回访时间): in ``months`` (its harvest or sales), between
    day ``from_day`` and ``to_day`` of the month, preferably in ``call_window``."""

    months: tuple[int, ...]
    from_day: int
    to_day: int
    call_window: str | None
    note: str

    def window_in(self, year: int, month: int) -> tuple[date, date] | None:
        """The days of ``month`` in which the visit falls (None: not one of the months)."""
        if month not in self.months:
            return None
        last = _month_days(year, month)
        return date(year, month, min(self.from_day, last)), date(
            year, month, min(self.to_day, last)
        )

    def encode(self) -> str:
        """The rhythm as the registers keep it (JSON)."""
        return json.dumps(
            {
                "months": list(self.months),
                "from_day": self.from_day,
                "to_day": self.to_day,
                "call_window": self.call_window,
                "note": self.note,
            },
            ensure_ascii=False,
        )

    @classmethod
    def decode(cls, text: str) -> OperatingRhythm:
        data = json.loads(text)
        return cls(
            tuple(data["months"]),
            data["from_day"],
            data["to_day"],
            data["call_window"],
            data["note"],
        )

    def windows_around(self, day: date) -> tuple[tuple[date, date] | None, tuple[date, date]]:
        """The latest window opened by ``day`` (None: none in the past year) and the next one
        opening after ``day``."""
        latest: tuple[date, date] | None = None
        following: tuple[date, date] | None = None
        for offset in range(-12, 13):
            index = day.year * 12 + day.month - 1 + offset
            window = self.window_in(index // 12, index % 12 + 1)
            if window is None:
                continue
            if window[0] <= day:
                latest = window
            elif following is None:
                following = window
        assert following is not None  # at least one month a year
        return latest, following

    def describe(self) -> str:
        months = "、".join(f"{m}月" for m in self.months)
        window = f"，{self.call_window}" if self.call_window else ""
        return f"{months} {self.from_day}日至{self.to_day}日{window}"


def _month_days(year: int, month: int) -> int:
    following = date(year + (month == 12), month % 12 + 1, 1)
    return (following - date(year, month, 1)).days


@dataclass(frozen=True)
class ContactAttempt:
    """One attempt to reach the customer: when, how, on which number or address, whether it
    reached them."""

    attempted_on: date
    channel: ContactChannel
    purpose: ContactPurpose
    contact: str
    reached: bool
    note: str
    actor_id: UUID


@dataclass(frozen=True)
class VerifiedContact:
    """Contact data verified (联系信息核实): the customer reached on them."""

    verified_on: date
    learned_on: date
    phone: str | None
    address: str | None
    note: str
    actor_id: UUID


def check_months(months: Sequence[int]) -> tuple[int, ...]:
    found = tuple(sorted(set(months)))
    if not found or len(found) != len(months) or any(not 1 <= m <= 12 for m in found):
        raise InvalidInputError(
            "months 须为 1–12 的月份，各不相同，至少一个",
            "months must be distinct months 1-12, at least one",
            field="months",
        )
    return found


class Customer(Aggregate):
    """One borrower's file (客户档案): its managing bank, operating rhythm and contact."""

    @staticmethod
    def create_id(borrower_id: str) -> UUID:
        return uuid5(NAMESPACE, f"customer:{borrower_id}")

    @classmethod
    def open(cls, borrower_id: str, borrower_name: str) -> Customer:
        return cls(borrower_id=borrower_id, borrower_name=borrower_name)

    @event("Opened")
    def __init__(self, *, borrower_id: str, borrower_name: str) -> None:
        self.borrower_id = borrower_id
        self.borrower_name = borrower_name
        self.managing_branch: str | None = None
        self.managing_level: Level | None = None
        self.managing_tier: str | None = None
        self.managing_reason: str | None = None
        self.managing_set_on: date | None = None
        self.managing_set_by: UUID | None = None
        self.rhythm: OperatingRhythm | None = None
        self.attempts: list[ContactAttempt] = []
        self.verified: list[VerifiedContact] = []
        self.unreachable_since: date | None = None

    # ------------------------------------------------------------ 客户管理行
    def set_managing_branch(
        self,
        *,
        branch: str,
        level: Level,
        tier: str | None,
        required: Level | None,
        booked_at: Sequence[tuple[str, ...]],
        set_on: date,
        reason: str,
        actor: Actor,
    ) -> None:
        """Name the customer's managing bank: at the ``required`` level for its tier (when the
        rules name one) and on the path above one of the units its loans are booked at
        (``booked_at``: each loan unit's path from the head office down)."""
        authorize(actor, Action.SET_MANAGING_BRANCH)
        if required is not None and level is not required:
            raise InvalidInputError(
                f"{tier or ''}客户的管理行须为{required.zh}级机构，{branch} 是{level.zh}"
                "（规则 customers.managing_levels）",
                f"a {tier} customer is managed by a {required.value} unit; {branch} is a "
                f"{level.value} (customers.managing_levels)",
                field="branch",
            )
        if not any(branch in path for path in booked_at):
            raise InvalidInputError(
                f"管理行须为客户贷款的经营行或其上级机构，{branch} 不是",
                f"the managing bank must be a unit its loans are booked at or one above it; "
                f"{branch} is neither",
                field="branch",
            )
        if branch == self.managing_branch:
            raise InvalidTransitionError(
                f"客户管理行已是 {branch}", f"the managing bank is already {branch}", field="branch"
            )
        if self.managing_set_on is not None:
            check_not_before(set_on, self.managing_set_on, field="set_on", since_field="set_on")
        self._managing_branch_set(
            branch=branch,
            level=level.value,
            tier=tier,
            set_on=set_on,
            reason=require_text(reason, "reason"),
            actor_id=actor.id,
            role=actor.role,
        )

    @event("ManagingBranchSet")
    def _managing_branch_set(
        self,
        *,
        branch: str,
        level: str,
        tier: str | None,
        set_on: date,
        reason: str,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.managing_branch = branch
        self.managing_level = Level.parse(level, "level")
        self.managing_tier = tier
        self.managing_reason = reason
        self.managing_set_on = set_on
        self.managing_set_by = actor_id

    # ------------------------------------------------------------ 运营规律
    def record_rhythm(
        self,
        *,
        months: Sequence[int],
        from_day: int,
        to_day: int,
        call_window: str | None,
        note: str,
        agreed_on: date,
        actor: Actor,
    ) -> None:
        """Record when the customer is phoned from ``agreed_on`` (agreed with the customer and
        its feed company): its months and days, its preferred window."""
        authorize(actor, Action.MAINTAIN_CUSTOMER_CONTACT)
        found = check_months(months)
        if not 1 <= from_day <= to_day <= 31:
            raise InvalidInputError(
                "回访日须满足 1 ≤ from_day ≤ to_day ≤ 31",
                "the days must satisfy 1 <= from_day <= to_day <= 31",
                field="to_day",
            )
        self._rhythm_recorded(
            months=list(found),
            from_day=from_day,
            to_day=to_day,
            call_window=call_window.strip() if call_window and call_window.strip() else None,
            note=require_text(note, "note"),
            agreed_on=agreed_on,
            actor_id=actor.id,
            role=actor.role,
        )

    @event("RhythmRecorded")
    def _rhythm_recorded(
        self,
        *,
        months: list[int],
        from_day: int,
        to_day: int,
        call_window: str | None,
        note: str,
        agreed_on: date,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.rhythm = OperatingRhythm(tuple(months), from_day, to_day, call_window, note)

    # ------------------------------------------------------------ 失联
    @property
    def failures_in_a_row(self) -> list[ContactAttempt]:
        """The attempts that failed since the customer was last reached or verified."""
        since = self.verified[-1].verified_on if self.verified else None
        failed: list[ContactAttempt] = []
        for attempt in self.attempts:
            if attempt.reached:
                failed = []
            elif since is None or attempt.attempted_on >= since:
                failed.append(attempt)
        return failed

    def record_attempt(
        self,
        *,
        attempted_on: date,
        channel: ContactChannel,
        purpose: ContactPurpose,
        contact: str,
        reached: bool,
        note: str,
        unreachable_after: int | None,
        actor: Actor,
    ) -> None:
        """Record one attempt to reach the customer; the ``unreachable_after``-th failure in a
        row marks it unreachable (失联) with the failed attempts as the evidence."""
        authorize(actor, Action.MAINTAIN_CUSTOMER_CONTACT)
        if reached and self.unreachable_since is not None:
            raise InvalidTransitionError(
                "失联客户须先核实新的联系信息（verify）再登记联系成功",
                "an unreachable customer is reached again by verifying its new contact data",
                field="reached",
            )
        if self.attempts:
            check_not_before(
                attempted_on,
                self.attempts[-1].attempted_on,
                field="attempted_on",
                since_field="attempted_on",
            )
        self._attempted(
            attempted_on=attempted_on,
            channel=channel,
            purpose=purpose,
            contact=require_text(contact, "contact", max_length=200),
            reached=reached,
            note=require_text(note, "note"),
            actor_id=actor.id,
            role=actor.role,
        )
        failed = self.failures_in_a_row
        if (
            self.unreachable_since is None
            and unreachable_after is not None
            and len(failed) >= unreachable_after
        ):
            evidence = "；".join(
                f"{a.attempted_on.isoformat()} {a.channel.zh} {a.contact}：{a.note}" for a in failed
            )
            self._marked_unreachable(
                since=attempted_on,
                failures=len(failed),
                evidence=evidence,
                actor_id=actor.id,
                role=actor.role,
            )

    @event("Attempted")
    def _attempted(
        self,
        *,
        attempted_on: date,
        channel: ContactChannel,
        purpose: ContactPurpose,
        contact: str,
        reached: bool,
        note: str,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.attempts = [
            *self.attempts,
            ContactAttempt(attempted_on, channel, purpose, contact, reached, note, actor_id),
        ]

    @event("MarkedUnreachable")
    def _marked_unreachable(
        self, *, since: date, failures: int, evidence: str, actor_id: UUID, role: Role
    ) -> None:
        self.unreachable_since = since

    def verify_contact(
        self,
        *,
        verified_on: date,
        learned_on: date,
        phone: str | None,
        address: str | None,
        note: str,
        actor: Actor,
    ) -> None:
        """New contact data verified (核实): the customer reached on them, no longer 失联.
        ``learned_on`` is when the bank learned of the change (the update's timeliness)."""
        authorize(actor, Action.MAINTAIN_CUSTOMER_CONTACT)
        if not (phone and phone.strip()) and not (address and address.strip()):
            raise InvalidInputError(
                "须写明核实后的联系电话（phone）或地址（address）",
                "name the phone or the address verified",
                field="phone",
            )
        check_not_before(verified_on, learned_on, field="verified_on", since_field="learned_on")
        self._verified(
            verified_on=verified_on,
            learned_on=learned_on,
            phone=phone.strip() if phone and phone.strip() else None,
            address=address.strip() if address and address.strip() else None,
            note=require_text(note, "note"),
            was_unreachable=self.unreachable_since is not None,
            actor_id=actor.id,
            role=actor.role,
        )

    @event("ContactVerified")
    def _verified(
        self,
        *,
        verified_on: date,
        learned_on: date,
        phone: str | None,
        address: str | None,
        note: str,
        was_unreachable: bool,
        actor_id: UUID,
        role: Role,
    ) -> None:
        self.verified = [
            *self.verified,
            VerifiedContact(verified_on, learned_on, phone, address, note, actor_id),
        ]
        self.unreachable_since = None
