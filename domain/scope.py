"""Data scope (数据权限): which loans a person reaches, by role, branch and account management.

The bank is a hierarchy of units (总行 → 分行 → 支行 → 网点: ``[[branches]]`` of the rules);
every member of staff belongs to one unit and every loan to one unit and to its account
managers (A岗, and B岗 where it has one). Each role reaches loans within a scope (:class:`Reach`)
for what it does (``act``: commands) and for what it reads (``read``), set per role in
``[scope]`` (docs/rules.md SCP-01 to SCP-08). Roles and segregation of duties decide *what* a
person may do; scope decides *on which loans*.

:func:`in_scope` is the one decision. :class:`Reaching` holds it for one person asking in one
role for one kind of thing: it decides a loan (:meth:`Reaching.covers`), explains a refusal in
Chinese and English naming the scope (:meth:`Reaching.check`), and gives the same decision as a
set of branches and a manager (:class:`RowScope`), by which the registers filter their rows.

Pure: the standard library and the domain's own values only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from uuid import UUID

from domain.authorization import Action
from domain.errors import OutOfScopeError, UnknownBranchError
from domain.values import LabelledEnum, Role


class Reach(LabelledEnum):
    """How far a role reaches (数据范围)."""

    OWN_LOANS = ("own_loans", "本人管户贷款")
    BRANCH = ("branch", "本机构")
    BRANCH_AND_BELOW = ("branch_and_below", "本机构及下辖机构")
    BANK = ("bank", "全行")


class Level(LabelledEnum):
    """A unit's place in the bank (机构层级), from the head office down."""

    HEAD_OFFICE = ("head_office", "总行")
    BRANCH = ("branch", "分行")
    SUB_BRANCH = ("sub_branch", "支行")
    OUTLET = ("outlet", "网点")

    @property
    def depth(self) -> int:
        return list(Level).index(self)


class Mode(LabelledEnum):
    """What a person asks to do with a loan: record something on it, or read it."""

    ACT = ("act", "办理")
    READ = ("read", "查阅")


READS: frozenset[Action] = frozenset(
    {
        Action.READ_BUSINESS,
        Action.READ_DOCUMENT,
        Action.READ_ORIGINAL,
        Action.READ_TRAIL,
        Action.READ_ARCHIVE_RECORDS,
        Action.READ_ALL_TASKS,
        Action.READ_COMPLIANCE_REPORT,
        Action.READ_PORTFOLIO,
        Action.READ_READERS,
        # Recorded, but reads: handing out a report or a bundle, checking fixity, asking to
        # borrow a dossier (the approval is the control) look at a loan, they change nothing.
        Action.ISSUE_COMPLIANCE_REPORT,
        Action.ISSUE_RISK_REPORT,
        Action.ISSUE_AUDIT_BUNDLE,
        Action.CHECK_FIXITY,
        Action.REQUEST_BORROWING,
    }
)
"""The actions judged by a role's read scope; every other action by its act scope."""


OWN_BEHALF: frozenset[Action] = frozenset({Action.APPEAL_RESPONSIBILITY})
"""What a person does on their own behalf, which the domain allows only to the person it
concerns: appealing a responsibility finding about oneself (复议) is open to them wherever the
loan now lies and whoever manages it; no scope limits it."""


def mode_of(action: Action) -> Mode:
    """Whether ``action`` reads a loan or acts on it."""
    return Mode.READ if action in READS else Mode.ACT


@dataclass(frozen=True)
class Unit:
    """One unit of the bank (机构): its name, code, level and the unit above it."""

    name: str
    code: str
    level: Level
    parent: str | None


@dataclass(frozen=True)
class Hierarchy:
    """The bank's units by name. Empty when the rules in force name none (as rule sets written
    before scope existed): then any branch name is accepted and each stands alone."""

    units: Mapping[str, Unit] = field(default_factory=lambda: MappingProxyType({}))
    _below: Mapping[str, frozenset[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        children: dict[str, list[str]] = {}
        for unit in self.units.values():
            if unit.parent is not None:
                children.setdefault(unit.parent, []).append(unit.name)

        def under(name: str) -> frozenset[str]:
            found = {name}
            for child in children.get(name, ()):
                found |= under(child)
            return frozenset(found)

        below = {name: under(name) for name in self.units}
        object.__setattr__(self, "_below", MappingProxyType(below))

    @property
    def configured(self) -> bool:
        return bool(self.units)

    def knows(self, name: str) -> bool:
        return not self.configured or name in self.units

    def below(self, name: str) -> frozenset[str]:
        """``name`` and every unit under it (a name the hierarchy does not know: itself)."""
        return self._below.get(name, frozenset({name}))

    def path(self, name: str) -> tuple[str, ...]:
        """The units from the head office down to ``name``."""
        chain: list[str] = []
        current: str | None = name
        while current is not None and current not in chain:
            chain.append(current)
            unit = self.units.get(current)
            current = unit.parent if unit is not None else None
        return tuple(reversed(chain))

    def check_known(self, name: str, field: str = "branch") -> str:
        """``name`` when it is a unit of the bank; else a 422 naming the units there are."""
        if self.knows(name):
            return name
        known = "、".join(self.units)
        raise UnknownBranchError(
            f"{field} 不是本行的机构：{name}（本行机构：{known}）",
            f"{field}: {name!r} is not a unit of the bank; units: {', '.join(self.units)}",
            field=field,
            branch=name,
        )


@dataclass(frozen=True)
class RoleReach:
    """How far one role reaches for what it does and for what it reads."""

    act: Reach
    read: Reach


@dataclass(frozen=True)
class ScopeRules:
    """``[scope]`` and ``[[branches]]`` of the rules in force."""

    roles: Mapping[Role, RoleReach]
    hierarchy: Hierarchy

    def reaches(self, role: Role, mode: Mode) -> tuple[Reach, ...]:
        """What ``role`` reaches in ``mode``: its act scope; reading, its read scope as well
        (nobody acts on a loan they could not read). None for a role with no business data."""
        found = self.roles.get(role)
        if found is None:
            return ()
        return (found.act,) if mode is Mode.ACT else (found.read, found.act)


def in_scope(
    reach: Reach,
    *,
    person_id: UUID,
    person_branch: str,
    loan_branch: str,
    loan_managers: Iterable[UUID],
    hierarchy: Hierarchy,
) -> bool:
    """Whether a person of ``person_branch`` reaching ``reach`` reaches a loan of
    ``loan_branch`` managed by ``loan_managers`` (A岗, B岗): the one decision of data scope."""
    if reach is Reach.BANK:
        return True
    if reach is Reach.OWN_LOANS:
        return person_id in frozenset(loan_managers)
    if reach is Reach.BRANCH:
        return loan_branch == person_branch
    return loan_branch in hierarchy.below(person_branch)


def reaches_branch(reach: Reach, person_branch: str, branch: str, hierarchy: Hierarchy) -> bool:
    """Whether a command of a person reaching ``reach`` may name ``branch`` (book a loan there,
    move one there, report on it): their own unit, those under it, or any for the bank."""
    if reach is Reach.BANK:
        return True
    if reach is Reach.BRANCH_AND_BELOW:
        return branch in hierarchy.below(person_branch)
    return branch == person_branch


@dataclass(frozen=True)
class RowScope:
    """The loans a scope reaches, as a set, for registers to filter rows by: the loans of
    ``branches`` and those ``manager_id`` manages (A岗 or B岗). ``branches`` None: every loan."""

    branches: frozenset[str] | None
    manager_id: UUID | None
    zh: str
    en: str

    @classmethod
    def everything(cls) -> RowScope:
        return cls(None, None, "全行", "the whole bank")

    @property
    def filtered(self) -> bool:
        """Whether some loans are left out."""
        return self.branches is not None

    def covers(self, branch: str, managers: Iterable[UUID]) -> bool:
        if self.branches is None or branch in self.branches:
            return True
        return self.manager_id is not None and self.manager_id in frozenset(managers)

    def contains(self, other: RowScope) -> bool:
        """Whether every loan ``other`` reaches is one this reaches (judged by its terms: the
        same or fewer branches, and no other manager's loans)."""
        if self.branches is None:
            return True
        if other.branches is None or not other.branches <= self.branches:
            return False
        return other.manager_id is None or other.manager_id == self.manager_id

    def to_record(self) -> dict[str, Any] | None:
        """As an event records it (None: the whole bank)."""
        if not self.filtered:
            return None
        return {
            "branches": sorted(self.branches or ()),
            "manager_id": str(self.manager_id) if self.manager_id is not None else None,
            "zh": self.zh,
            "en": self.en,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any] | None) -> RowScope:
        """The scope an event recorded (None: the whole bank)."""
        if record is None:
            return cls.everything()
        manager = record.get("manager_id")
        return cls(
            frozenset(record["branches"]),
            UUID(manager) if manager else None,
            str(record["zh"]),
            str(record["en"]),
        )


@dataclass(frozen=True)
class Reaching:
    """One person asking, in one role, to act on or read loans: what they reach.

    ``reaches`` are the role's scopes in that mode (see :meth:`ScopeRules.reaches`); a loan is
    reached when any of them reaches it.
    """

    person_id: UUID
    person: str
    """How the person is named: 姓名（工号）."""
    branch: str
    role: Role
    mode: Mode
    reaches: tuple[Reach, ...]
    hierarchy: Hierarchy

    def covers(self, branch: str, managers: Iterable[UUID]) -> bool:
        """Whether the person reaches a loan of ``branch`` managed by ``managers``."""
        managed = frozenset(managers)
        return any(
            in_scope(
                reach,
                person_id=self.person_id,
                person_branch=self.branch,
                loan_branch=branch,
                loan_managers=managed,
                hierarchy=self.hierarchy,
            )
            for reach in self.reaches
        )

    def reaches_branch(self, branch: str) -> bool:
        return any(reaches_branch(r, self.branch, branch, self.hierarchy) for r in self.reaches)

    def rows(self) -> RowScope:
        """The same decision as :meth:`covers`, as a set of branches and a manager."""
        zh, en = self.describe()
        if Reach.BANK in self.reaches:
            return RowScope(None, None, zh, en)
        branches: frozenset[str] = frozenset()
        for reach in self.reaches:
            if reach is Reach.BRANCH:
                branches |= {self.branch}
            elif reach is Reach.BRANCH_AND_BELOW:
                branches |= self.hierarchy.below(self.branch)
        own = Reach.OWN_LOANS in self.reaches
        return RowScope(branches, self.person_id if own else None, zh, en)

    def describe(self) -> tuple[str, str]:
        """The scope in words, Chinese and English: 本机构（城东支行）及本人管户贷款."""
        zh: list[str] = []
        en: list[str] = []
        for reach in sorted(set(self.reaches), key=lambda r: list(Reach).index(r), reverse=True):
            if reach is Reach.BANK:
                zh.append("全行")
                en.append("every loan of the bank")
            elif reach is Reach.BRANCH_AND_BELOW:
                zh.append(f"本机构及下辖机构（{self.branch}）")
                en.append(f"the loans of {self.branch} and the units under it")
            elif reach is Reach.BRANCH:
                zh.append(f"本机构（{self.branch}）")
                en.append(f"the loans of {self.branch}")
            else:
                zh.append(f"本人管户贷款（{self.person}）")
                en.append(f"the loans {self.person} manages (A岗/B岗)")
        return "及".join(zh) or "无", " and ".join(en) or "nothing"

    def refusal(self, what_zh: str, what_en: str, **context: object) -> OutOfScopeError:
        """The 403 for ``what`` (a loan, a branch) lying outside this scope, naming the scope."""
        zh, en = self.describe()
        verb = "act on" if self.mode is Mode.ACT else "read"
        return OutOfScopeError(
            f"{what_zh}不在您的数据权限范围内：{self.role.zh}{self.mode.zh}范围为{zh}",
            f"{what_en} is outside your data scope: as {self.role.value} you may {verb} {en}",
            mode=self.mode.value,
            role=self.role.value,
            scope=[r.value for r in self.reaches],
            scope_zh=zh,
            scope_en=en,
            person_branch=self.branch,
            **context,
        )

    def check(self, loan_no: str, branch: str, managers: Iterable[UUID]) -> None:
        """Refuse (403 ``out_of_scope``) unless the person reaches the loan."""
        if not self.covers(branch, managers):
            raise self.refusal(
                f"贷款 {loan_no}（{branch}）",
                f"loan {loan_no} ({branch})",
                loan_no=loan_no,
                branch=branch,
            )

    def check_branch(self, branch: str, field: str = "branch") -> None:
        """Refuse naming a branch beyond the person's reach (booking or moving a loan there)."""
        self.hierarchy.check_known(branch, field)
        if not self.reaches_branch(branch):
            raise self.refusal(f"机构 {branch}", f"branch {branch}", branch=branch, field=field)
