"""Data scope (数据权限): people and loans moved between branches, account managers assigned, and
who could read a dossier on a given day.

Each move is an event with its business date (a person's ``Staff.Transferred``, a loan's
``Loan.BranchChanged`` and ``Loan.AccountManagersAssigned``), so the scope of anyone on any past
day is answered from the events (:meth:`ScopeCommands.readers_on`). Whom a command or a read
reaches now is decided in archive/core.py, by domain/scope.py, for every command and read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import Field

from archive.commands import Command, LoanCommand, handles
from archive.core import ArchiveCore, CommandContext, CommandResult, Work
from archive.fields import Short, Text
from domain.authorization import BUSINESS_ROLES, Action
from domain.errors import NotFoundError
from domain.loan import Loan
from domain.rules import RuleSet, RulesInForce, parse_adopted, shipped_rules
from domain.scope import Mode, Reach, in_scope
from domain.staff import Staff
from domain.values import Actor, DocumentRef, Party, Role


class TransferStaff(Command):
    """A person moved to another unit of the bank from a date (人员调动), by an administrator."""

    action = Action.TRANSFER_STAFF
    path = ("staff_no",)
    files_documents = False

    staff_no: Short
    branch: Short = Field(description="the unit the person moves to (机构)")
    moved_on: date
    reason: Text


class MoveLoan(LoanCommand):
    """A loan moved to another unit of the bank from a date (贷款划转), by a branch head or a
    risk manager whose scope holds both units."""

    action = Action.MOVE_LOAN
    files_documents = False

    branch: Short = Field(description="the unit the loan moves to (机构)")
    moved_on: date
    reason: Text


class AssignAccountManagers(LoanCommand):
    """The loan's account managers from a date (管户, 双人管户): the A岗 and, where it has one,
    the B岗 — people of the branch head's own units who hold the account manager role."""

    action = Action.ASSIGN_ACCOUNT_MANAGERS
    files_documents = False

    a_manager_no: Short = Field(description="staff number of the A岗 (主管户客户经理)")
    b_manager_no: Short | None = Field(
        default=None, description="staff number of the B岗 (协管户客户经理), if any"
    )
    assigned_on: date
    reason: Text


@dataclass(frozen=True)
class Reader:
    """One person who could read a dossier on a day, in which role, and why."""

    staff_no: str
    name: str
    branch: str
    role: Role
    reach: Reach
    why_zh: str
    why_en: str

    @property
    def display(self) -> str:
        return f"{self.name}（{self.staff_no}）"


@dataclass(frozen=True)
class Readers:
    """Who could read a loan's dossier on ``on``, judged from the events and the rules then."""

    loan_no: str
    on: date
    existed: bool
    """Whether the loan had been disbursed by then (none could read what did not exist)."""
    branch: str | None
    a_manager: str | None
    b_manager: str | None
    rules_version: str
    readers: tuple[Reader, ...]


class ScopeCommands(ArchiveCore):
    """Moves of people and loans between branches, account managers, readers on a day."""

    @handles(TransferStaff)
    def transfer_staff(self, ctx: CommandContext, cmd: TransferStaff) -> CommandResult:
        """Move a person to another unit of the bank from ``moved_on``."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            staff = self.staff(cmd.staff_no)
            staff.transfer(branch=cmd.branch, moved_on=cmd.moved_on, reason=cmd.reason, actor=actor)
            return Work(staff, [staff], {"staff_no": staff.staff_no})

        return self.run(ctx, cmd, body)

    @handles(MoveLoan)
    def move_loan(self, ctx: CommandContext, cmd: MoveLoan) -> CommandResult:
        """Move a loan to another unit from ``moved_on``: the loan must lie within the caller's
        scope, and so must the unit it moves to."""
        return self.for_loan(
            ctx,
            cmd,
            lambda loan, actor, _refs: loan.move(
                branch=cmd.branch, moved_on=cmd.moved_on, reason=cmd.reason, actor=actor
            ),
        )

    @handles(AssignAccountManagers)
    def assign_account_managers(
        self, ctx: CommandContext, cmd: AssignAccountManagers
    ) -> CommandResult:
        """Assign a loan's A岗 and B岗 from ``assigned_on``."""

        def command(loan: Loan, actor: Actor, _refs: list[DocumentRef]) -> None:
            loan.assign_account_managers(
                a_manager=self._manager(cmd.a_manager_no, actor, "a_manager_no"),
                b_manager=(
                    self._manager(cmd.b_manager_no, actor, "b_manager_no")
                    if cmd.b_manager_no
                    else None
                ),
                assigned_on=cmd.assigned_on,
                reason=cmd.reason,
                actor=actor,
            )

        return self.for_loan(ctx, cmd, command)

    def _manager(self, staff_no: str, actor: Actor, field: str) -> Party:
        """A person named to manage a loan: one of the assigning head's own units."""
        staff = self.staff(staff_no)
        reaching = self.reaching(actor, Action.ASSIGN_ACCOUNT_MANAGERS)
        if reaching is not None and not reaching.reaches_branch(staff.branch):
            raise reaching.refusal(
                f"{staff.name}（{staff.staff_no}，{staff.branch}）",
                f"{staff.name} ({staff.staff_no}, {staff.branch})",
                field=field,
                branch=staff.branch,
            )
        return Party(staff.id, staff.roles_at(self.clock()))

    def scopes_of(self, ctx: CommandContext) -> list[tuple[Role, str, str]]:
        """What the caller reaches in each business role held now: (role, what they may act
        on, what they may read), in words (Chinese / English)."""
        staff = self.staff_by_id(ctx.staff_id)
        found = []
        for role in sorted(staff.roles_at(self.clock()), key=list(Role).index):
            worded = []
            for action in (Action.RECORD_INSPECTION, Action.READ_BUSINESS):  # act, read
                # The integration identity's scope is the core feed's, not business data's.
                business = role in BUSINESS_ROLES
                reaching = self.reaching(Actor(staff.id, role), action) if business else None
                zh, en = reaching.describe() if reaching is not None else ("无", "nothing")
                worded.append(f"{zh} / {en}")
            found.append((role, worded[0], worded[1]))
        return found

    # ------------------------------------------------------------------ readers
    def readers_on(self, ctx: CommandContext, loan_no: str, on: date) -> Readers:
        """Everyone who could read the loan's dossier at some moment of ``on`` (the bank's day):
        each person holding a business role that day whose read scope, by the rules in force at
        the day's end, reached the loan as it stood that day — its unit, its A岗 and B岗 — from
        the unit the person belonged to that day. For auditors (docs/rules.md SCP-07)."""
        self.actor(ctx, Action.READ_READERS)
        loan = self.loan(loan_no)
        zone = ZoneInfo(self.config.timezone)
        start = datetime.combine(on, time(0), zone).astimezone(UTC)
        end = start + timedelta(days=1)
        rules = self.rules_at(end)
        if on < loan.value_date:
            return Readers(loan.loan_no, on, False, None, None, None, rules.version, ())
        branch = loan.branch_on(on)
        a_id, b_id = loan.managers_on(on)
        readers: list[Reader] = []
        for staff in self._everyone():
            held = [r for r in Role if r in BUSINESS_ROLES and self._held(staff, r, start, end)]
            person_branch = staff.branch_on(on)
            for role in held:
                reader = self._reader(
                    staff, role, person_branch, branch, a_id, b_id, rules, loan.loan_no
                )
                if reader is not None:
                    readers.append(reader)
        return Readers(
            loan_no=loan.loan_no,
            on=on,
            existed=True,
            branch=branch,
            a_manager=self._named(a_id),
            b_manager=self._named(b_id) if b_id is not None else None,
            rules_version=rules.version,
            readers=tuple(sorted(readers, key=lambda r: (r.staff_no, list(Role).index(r.role)))),
        )

    @staticmethod
    def _held(staff: Staff, role: Role, start: datetime, end: datetime) -> bool:
        """Whether ``staff`` held ``role`` at some moment between ``start`` and ``end``."""
        return any(
            s.role is role and s.granted_at < end and (s.revoked_at is None or s.revoked_at > start)
            for s in staff.spells
        )

    @staticmethod
    def _reader(
        staff: Staff,
        role: Role,
        person_branch: str,
        loan_branch: str,
        a_id: UUID,
        b_id: UUID | None,
        rules: RuleSet,
        loan_no: str,
    ) -> Reader | None:
        managers = {m for m in (a_id, b_id) if m is not None}
        for reach in rules.scope.reaches(role, Mode.READ):
            if not in_scope(
                reach,
                person_id=staff.id,
                person_branch=person_branch,
                loan_branch=loan_branch,
                loan_managers=managers,
                hierarchy=rules.scope.hierarchy,
            ):
                continue
            if reach is Reach.BANK:
                why = (f"{role.zh}：全行", f"{role.value}: bank-wide")
            elif reach is Reach.OWN_LOANS:
                post = "A岗" if staff.id == a_id else "B岗"
                why = (
                    f"{role.zh}：本人管户（{post}）",
                    f"{role.value}: manages {loan_no} ({post})",
                )
            elif reach is Reach.BRANCH:
                why = (f"{role.zh}：本机构（{loan_branch}）", f"{role.value}: of {loan_branch}")
            else:
                why = (
                    f"{role.zh}：{person_branch}及下辖机构（贷款属{loan_branch}）",
                    f"{role.value}: {loan_branch} lies within {person_branch}",
                )
            return Reader(staff.staff_no, staff.name, person_branch, role, reach, *why)
        return None

    def _everyone(self) -> list[Staff]:
        found: list[Staff] = []
        for notification in self.notifications_of(Staff.Enrolled):  # type: ignore[attr-defined]
            staff: Any = self.repository.get(UUID(str(notification.originator_id)))
            if isinstance(staff, Staff):
                found.append(staff)
        return found

    def _named(self, staff_id: UUID) -> str:
        try:
            return self.form_name(staff_id)
        except NotFoundError:
            return str(staff_id)

    def rules_at(self, moment: datetime) -> RuleSet:
        """The rules in force at ``moment`` (UTC), by the time each rule set was recorded: the
        last adopted by then, the shipped ones before any."""
        found = shipped_rules()
        for stored in self.recorder.select_events(RulesInForce.create_id()):
            event: Any = self.mapper.to_domain_event(stored)
            if event.timestamp >= moment:
                break
            found = parse_adopted(event.rules)
        return found
