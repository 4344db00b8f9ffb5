"""Staff (人员): enrolment, role grants and revocations over time, access tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Self
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.authorization import BUSINESS_ROLES, Action, authorize
from domain.dates import check_not_before
from domain.errors import InvalidInputError, InvalidTransitionError, SegregationOfDutiesError
from domain.values import Actor, Role, require_text, staff_id_for


@dataclass
class RoleSpell:
    """One period during which a person held a role."""

    role: Role
    granted_at: datetime
    revoked_at: datetime | None = None

    def covers(self, when: datetime) -> bool:
        return self.granted_at <= when and (self.revoked_at is None or when < self.revoked_at)


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
        """Grant a role; an administrator never holds a business role too (三员分立)."""
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

    def issue_token(self, *, token_id: UUID, token_hash: str, actor: Actor) -> None:
        """Record the hash of a new access token (the token itself is never stored)."""
        authorize(actor, Action.ISSUE_TOKEN)
        self._token_issued(
            token_id=token_id, token_hash=token_hash, actor_id=actor.id, role=actor.role
        )

    @event("TokenIssued")
    def _token_issued(self, *, token_id: UUID, token_hash: str, actor_id: UUID, role: Role) -> None:
        self.token_hashes[token_id] = token_hash

    def revoke_token(self, *, token_id: UUID, actor: Actor) -> None:
        """Revoke an access token."""
        authorize(actor, Action.ISSUE_TOKEN)
        if token_id not in self.token_hashes:
            raise InvalidTransitionError("令牌不存在或已吊销", "no such live token")
        self._token_revoked(token_id=token_id, actor_id=actor.id, role=actor.role)

    @event("TokenRevoked")
    def _token_revoked(self, *, token_id: UUID, actor_id: UUID, role: Role) -> None:
        del self.token_hashes[token_id]
