"""Staff administration (人员管理): enrolment, roles, access tokens, authentication."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from pydantic import Field

from archive.commands import Command, handles
from archive.core import SYSTEM_ID, ArchiveCore, CommandContext, CommandResult, Work
from archive.errors import AuthenticationError
from archive.fields import Short, StaffNumber, Text
from domain.authorization import Action
from domain.display import CONSOLE as CONSOLE_NAME
from domain.display import UNKNOWN_PERSON
from domain.errors import AlreadyExistsError, NotFoundError
from domain.staff import Staff
from domain.values import Actor, DocumentRef, Role

TOKEN_PREFIX = "dsr"  # noqa: S105 - the visible prefix of every token, not a secret
TOKEN_DAYS = 90
"""How many days a token works unless its issuer says otherwise (the first token of an
enrolment too): long enough for a quarter's integration work, short enough that a forgotten
token stops working by itself."""
TOKEN_DAYS_MAX = 366
"""The longest a token may work: a year, so every token is renewed at least once a year."""


@dataclass(frozen=True)
class IssuedToken:
    """A freshly issued token: shown once, never stored in clear."""

    token_id: UUID
    token: str
    expires_at: datetime | None = None


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


def _new_token(staff_id: UUID, expires_at: datetime) -> tuple[IssuedToken, str]:
    token_id = uuid4()
    secret = secrets.token_urlsafe(32)
    token = f"{TOKEN_PREFIX}_{staff_id.hex}_{token_id.hex}_{secret}"
    return IssuedToken(token_id, token, expires_at), _hash_secret(secret)


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
    """A new access token for the API and the CLI: what it is for and how many days it works
    (令牌用途与有效天数); shown once."""

    action = Action.ISSUE_TOKEN

    name: Short | None = Field(
        None, description="what the token is for (用途), e.g. 核心系统日终文件 / core feed"
    )
    valid_days: int = Field(
        TOKEN_DAYS,
        ge=1,
        le=TOKEN_DAYS_MAX,
        description=f"days the token works (有效天数), 1 to {TOKEN_DAYS_MAX}",
    )


class RevokeToken(StaffCommand):
    """Revoke an access token (吊销令牌): from then on it signs nobody in."""

    action = Action.ISSUE_TOKEN
    path = ("staff_no", "token_id")

    token_id: UUID
    reason: Text


TOKEN_STATUS_ZH = {"live": "有效", "expired": "已过期", "revoked": "已吊销"}


@dataclass(frozen=True)
class TokenRecord:
    """An access token as the archive knows it — never the token itself: what it is for,
    when and by whom it was issued, until when it works, whether and why it was revoked.

    Tokens issued by releases before tokens had names and expiry have neither; they work
    until revoked.
    """

    token_id: UUID
    name: str | None
    issued_at: datetime
    issued_by: UUID | None
    expires_at: datetime | None
    revoked_at: datetime | None = None
    revoked_by: UUID | None = None
    revoke_reason: str | None = None

    def status(self, now: datetime) -> str:
        """``revoked``, ``expired`` or ``live``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and now >= self.expires_at:
            return "expired"
        return "live"


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
            token, token_hash = _new_token(staff.id, self.wall_clock() + timedelta(days=TOKEN_DAYS))
            staff.issue_token(
                token_id=token.token_id,
                token_hash=token_hash,
                actor=actor,
                name=None,
                expires_at=token.expires_at,
            )
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
        """Issue a new token for a person, named for what it is for and working the days
        asked; shown once."""
        issued: list[IssuedToken] = []

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            staff = self.staff(cmd.staff_no)
            expires_at = self.wall_clock() + timedelta(days=cmd.valid_days)
            token, token_hash = _new_token(staff.id, expires_at)
            staff.issue_token(
                token_id=token.token_id,
                token_hash=token_hash,
                actor=actor,
                name=cmd.name,
                expires_at=expires_at,
            )
            issued.append(token)
            return Work(staff, [staff], {"token_id": str(token.token_id)})

        # A token is new every time: never replayed from an idempotency receipt.
        ctx = CommandContext(ctx.staff_id, ctx.role, ctx.expected_version, None)
        result = self.run(ctx, cmd, body)
        return result, issued[0]

    @handles(RevokeToken)
    def revoke_token(self, ctx: CommandContext, cmd: RevokeToken) -> CommandResult:
        """Revoke one of a person's access tokens, with the reason; it stops working at once."""

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            staff = self.staff(cmd.staff_no)
            if cmd.token_id not in {t.token_id for t in self._token_records(staff)}:
                raise NotFoundError(
                    f"{staff.name}（{staff.staff_no}）没有令牌 {cmd.token_id}",
                    f"{staff.staff_no} holds no token {cmd.token_id}",
                )
            staff.revoke_token(token_id=cmd.token_id, actor=actor, reason=cmd.reason)
            return Work(staff, [staff], {"token_id": str(cmd.token_id)})

        return self.run(ctx, cmd, body)

    def tokens_of(self, ctx: CommandContext, staff_no: str) -> list[TokenRecord]:
        """Every token ever issued to a person, revoked and expired ones included, oldest
        first — never the tokens themselves."""
        self.actor(ctx, Action.READ_STAFF)
        return self._token_records(self.staff(staff_no))

    def actor_name(self, staff_id: UUID | None) -> str:
        """Who recorded something, as people read it: 姓名（工号）, the server console, or
        '' for nobody."""
        if staff_id is None:
            return ""
        if staff_id == SYSTEM_ID:
            return CONSOLE_NAME
        try:
            return self.form_name(staff_id)
        except NotFoundError:
            return UNKNOWN_PERSON

    def _token_records(self, staff: Staff) -> list[TokenRecord]:
        records: dict[UUID, TokenRecord] = {}
        for event in self.events_of(staff.id):  # type: ignore[attr-defined]
            data = event.data
            if event.type == "TokenIssued":
                token_id = UUID(str(data["token_id"]))
                expires = data.get("expires_at")
                records[token_id] = TokenRecord(
                    token_id=token_id,
                    name=data.get("name"),
                    issued_at=event.timestamp,
                    issued_by=event.actor_id,
                    expires_at=None if expires is None else datetime.fromisoformat(expires),
                )
            elif event.type == "TokenRevoked":
                token_id = UUID(str(data["token_id"]))
                issued = records[token_id]
                records[token_id] = TokenRecord(
                    issued.token_id,
                    issued.name,
                    issued.issued_at,
                    issued.issued_by,
                    issued.expires_at,
                    revoked_at=event.timestamp,
                    revoked_by=event.actor_id,
                    revoke_reason=data.get("reason"),
                )
        return list(records.values())

    def authenticate(self, token: str) -> UUID:
        """The staff id a bearer token belongs to; refuse anything else."""
        return self.authenticate_token(token)[0]

    def authenticate_token(self, token: str) -> tuple[UUID, UUID]:
        """The staff id and the token id of a bearer token that works now; refuse a token
        unknown, revoked or past its expiry."""
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
        if staff.live_token(token_id, self.wall_clock()) is None:
            expiry = staff.token_expiry[token_id].astimezone(ZoneInfo(self.config.timezone))
            raise AuthenticationError(
                f"访问令牌已于 {expiry:%Y-%m-%d %H:%M} 过期，请管理员签发新令牌",
                f"the access token expired at {expiry:%Y-%m-%d %H:%M}; "
                "ask an administrator for a new one",
            )
        return staff.id, token_id

    def list_staff(self, ctx: CommandContext) -> list[Staff]:
        """Everyone ever enrolled, in enrolment order."""
        self.actor(ctx, Action.READ_STAFF)
        enrolled = self.notifications_of(Staff.Enrolled)  # type: ignore[attr-defined]
        return [self.staff_by_id(UUID(str(n.originator_id))) for n in enrolled]
