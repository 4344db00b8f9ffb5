"""Staff administration (人员管理): enrolment, roles, access tokens, authentication."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import ClassVar
from uuid import UUID, uuid4

from pydantic import Field

from archive.commands import Command, handles
from archive.core import ArchiveCore, CommandContext, CommandResult, Work
from archive.errors import AuthenticationError
from archive.fields import Short, StaffNumber, Text
from domain.authorization import Action
from domain.errors import AlreadyExistsError, NotFoundError
from domain.staff import Staff
from domain.values import Actor, DocumentRef, Role

TOKEN_PREFIX = "dsr"  # noqa: S105 - the visible prefix of every token, not a secret


@dataclass(frozen=True)
class IssuedToken:
    """A freshly issued token: shown once, never stored in clear."""

    token_id: UUID
    token: str


@dataclass(frozen=True)
class Enrolment:
    """A person enrolled: what was recorded, their first token and their record as it stands.

    ``token`` is None when the enrolment is a replay of an earlier request (same idempotency
    key): the token was shown once, then.
    """

    result: CommandResult
    token: IssuedToken | None
    staff: Staff


def _hash_secret(secret: str) -> str:
    # Tokens carry 256 random bits, so a plain SHA-256 cannot be brute-forced;
    # a slow password hash would only slow every request down.
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_token(staff_id: UUID) -> tuple[IssuedToken, str]:
    token_id = uuid4()
    secret = secrets.token_urlsafe(32)
    token = f"{TOKEN_PREFIX}_{staff_id.hex}_{token_id.hex}_{secret}"
    return IssuedToken(token_id, token), _hash_secret(secret)


class EnrolStaff(Command):
    action = Action.ENROL_STAFF
    files_documents = False

    staff_no: StaffNumber
    name: Short
    branch: Short
    roles: list[Role] = Field(default_factory=list)


class StaffCommand(Command):
    """A command on one member of staff, named by their staff number (工号) in the path."""

    path: ClassVar[tuple[str, ...]] = ("staff_no",)
    files_documents = False

    staff_no: StaffNumber


class GrantRole(StaffCommand):
    action = Action.GRANT_ROLE

    role: Role


class RevokeRole(StaffCommand):
    action = Action.REVOKE_ROLE
    path = ("staff_no", "role")

    role: Role
    reason: Text


class IssueToken(StaffCommand):
    action = Action.ISSUE_TOKEN
    takes_body = False


class StaffCommands(ArchiveCore):
    """Commands of the system administrator, and token checks for every request."""

    @handles(EnrolStaff)
    def enrol_staff(self, ctx: CommandContext, cmd: EnrolStaff) -> Enrolment:
        """Enrol a person with their first roles; the token is shown once.

        The enrolment, the roles and the token are recorded in one save.
        """
        issued: list[IssuedToken] = []

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            staff = Staff.enrol(
                staff_no=cmd.staff_no, name=cmd.name, branch=cmd.branch, actor=actor
            )
            if self.recorder.select_events(staff.id, limit=1):
                # Otherwise the save loses on the existing record and the caller is told to
                # "reload and retry", which can never succeed.
                raise AlreadyExistsError(
                    f"工号 {staff.staff_no} 已登记",
                    f"staff number {staff.staff_no} is already enrolled",
                )
            for role in dict.fromkeys(cmd.roles):
                staff.grant_role(role=role, granted_at=self.clock(), actor=actor)
            token, token_hash = _new_token(staff.id)
            staff.issue_token(token_id=token.token_id, token_hash=token_hash, actor=actor)
            issued.append(token)
            ids = {"staff_id": str(staff.id), "token_id": str(token.token_id)}
            return Work(staff, [staff], ids)

        result = self.run(ctx, cmd, body)
        return Enrolment(result, issued[0] if issued else None, self.staff(cmd.staff_no))

    @handles(GrantRole)
    def grant_role(self, ctx: CommandContext, cmd: GrantRole) -> CommandResult:
        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            staff = self.staff(cmd.staff_no)
            self.check_version(staff, ctx)
            staff.grant_role(role=cmd.role, granted_at=self.clock(), actor=actor)
            return Work(staff, [staff])

        return self.run(ctx, cmd, body)

    @handles(RevokeRole)
    def revoke_role(self, ctx: CommandContext, cmd: RevokeRole) -> CommandResult:
        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            staff = self.staff(cmd.staff_no)
            self.check_version(staff, ctx)
            staff.revoke_role(
                role=cmd.role, revoked_at=self.clock(), reason=cmd.reason, actor=actor
            )
            return Work(staff, [staff])

        return self.run(ctx, cmd, body)

    @handles(IssueToken)
    def issue_token(
        self, ctx: CommandContext, cmd: IssueToken
    ) -> tuple[CommandResult, IssuedToken]:
        """Issue a new token for a person; shown once."""
        issued: list[IssuedToken] = []

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            staff = self.staff(cmd.staff_no)
            token, token_hash = _new_token(staff.id)
            staff.issue_token(token_id=token.token_id, token_hash=token_hash, actor=actor)
            issued.append(token)
            return Work(staff, [staff], {"token_id": str(token.token_id)})

        # A token is new every time: never replayed from an idempotency receipt.
        ctx = CommandContext(ctx.staff_id, ctx.role, ctx.expected_version, None)
        result = self.run(ctx, cmd, body)
        return result, issued[0]

    def authenticate(self, token: str) -> UUID:
        """The staff id a bearer token belongs to; refuse anything else."""
        refused = AuthenticationError(
            "访问令牌无效或已吊销", "the access token is invalid or revoked"
        )
        parts = token.split("_", 3)
        if len(parts) != 4 or parts[0] != TOKEN_PREFIX:
            raise refused
        try:
            staff_id, token_id = UUID(hex=parts[1]), UUID(hex=parts[2])
        except ValueError:
            raise refused from None
        try:
            staff = self.staff_by_id(staff_id)
        except NotFoundError:
            raise refused from None
        expected = staff.token_hashes.get(token_id)
        if expected is None or not hmac.compare_digest(expected, _hash_secret(parts[3])):
            raise refused
        return staff.id

    def list_staff(self, ctx: CommandContext) -> list[Staff]:
        """Everyone ever enrolled, in enrolment order."""
        self.actor(ctx, Action.READ_STAFF)
        enrolled = self.notifications_of(Staff.Enrolled)  # type: ignore[attr-defined]
        return [self.staff_by_id(UUID(str(n.originator_id))) for n in enrolled]
