"""Signing in to the console (登录): passwords, sign-in, lock-out and sign-out.

People sign in to the web console with their staff number and a password; bearer tokens stay
for the API and the CLI. An administrator sets the password (temporary: the person changes it
at the first sign-in); only its argon2id hash is recorded, on the Staff aggregate. Every
sign-in, refusal and sign-out against a known staff number is an event on that person's
record; a staff number nobody holds records nothing — the sealed log takes no writes from
strangers — and the caller is told the same as for a wrong password.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any, ClassVar
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventsourcing.persistence import IntegrityError

from archive.commands import Command, handles
from archive.core import ArchiveCore, CommandContext, CommandResult, Work
from archive.errors import AuthenticationError, ConcurrentUpdateError
from archive.fields import Password, StaffNumber
from domain.authorization import Action, choose_role
from domain.errors import DomainError, InvalidInputError, NotFoundError
from domain.staff import Staff, check_password
from domain.values import Actor, DocumentRef, LoginFailure, Role

HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
"""argon2id with the OWASP Password Storage Cheat Sheet's parameters (19 MiB, 2 passes, one
lane): tens of milliseconds a sign-in on a busy server, and every demo person enrolled in well
under a second. A stored hash names its own parameters, so raising them later still verifies
the hashes made before."""


@cache
def _decoy() -> str:
    """A hash verified when there is none to verify, so that the answer takes as long."""
    return HASHER.hash(secrets.token_urlsafe(16))


SAVE_ATTEMPTS = 3


class LoginRefusedError(AuthenticationError):
    """Raised when a staff number and password do not sign in (either may be wrong)."""

    code = "login_refused"

    def __init__(self) -> None:
        super().__init__("工号或密码不正确", "wrong staff number or password")


class UnknownLoginError(LoginRefusedError):
    """Raised when nobody holds the staff number given: nothing is recorded, and the caller
    is told what a wrong password is told."""

    code = "login_refused"


class AccountLockedError(AuthenticationError):
    """Raised when sign-in is locked after repeated wrong passwords."""

    code = "account_locked"


class SetPassword(Command):
    """A temporary password for the web console: the person changes it at first sign-in."""

    action = Action.SET_PASSWORD
    path: ClassVar[tuple[str, ...]] = ("staff_no",)
    files_documents = False

    staff_no: StaffNumber
    password: Password

    def params(self) -> dict[str, Any]:
        """The password is no part of an idempotency receipt's fingerprint: a hash of it
        without salt, kept for ever, would be one more copy to guard."""
        return {k: v for k, v in super().params().items() if k != "password"}


@dataclass(frozen=True)
class Login:
    """Who signed in, and whether they must change a temporary password first."""

    staff_id: UUID
    staff_no: str
    name: str
    must_change_password: bool


def generate_password() -> str:
    """A random password that passes :func:`domain.staff.check_password` (14 characters,
    letters and digits, none easily confused)."""
    letters = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
    digits = "23456789"
    while True:
        chosen = "".join(secrets.choice(letters + digits) for _ in range(14))
        if any(c in string.ascii_letters for c in chosen) and any(c in digits for c in chosen):
            return chosen


class LoginCommands(ArchiveCore):
    """Passwords and sign-in, against the Staff aggregate."""

    @handles(SetPassword)
    def set_password(
        self, ctx: CommandContext, cmd: SetPassword, *, temporary: bool = True
    ) -> CommandResult:
        """Set a person's password for the web console (an administrator's): a temporary one,
        which the person changes at the first sign-in; it also lifts a lock-out.

        ``temporary=False`` (a lasting password) is for code that sets one on purpose — the
        demo's accounts; a request always sets a temporary one.
        """
        check_password(cmd.password, cmd.staff_no)
        hashed = HASHER.hash(cmd.password)

        def body(actor: Actor, _refs: list[DocumentRef]) -> Work:
            staff = self.staff(cmd.staff_no)
            self.check_version(staff, ctx)
            staff.set_password(password_hash=hashed, temporary=temporary, actor=actor)
            return Work(staff, [staff])

        return self.run(ctx, cmd, body)

    def log_in(self, staff_no: str, password: str, *, source: str) -> Login:
        """Sign a person in, or refuse; every outcome for a known staff number is recorded.

        Raises UnknownLoginError (nothing recorded), LoginRefusedError or AccountLockedError.
        """
        staff = self.check_credentials(staff_no, password, source=source)
        role = staff.first_role
        assert role is not None  # check_credentials refuses a person holding no role
        signed = self._on_staff(staff.id, lambda s: s.record_login(role=role, source=source))
        return Login(signed.id, signed.staff_no, signed.name, signed.password_temporary)

    def check_credentials(self, staff_no: str, password: str, *, source: str) -> Staff:
        """The person whose staff number and password these are, holding a role now — or a
        refusal, recorded as a failed sign-in (wrong passwords count towards the lock-out)
        exactly as at sign-in. Used to sign in, and to have a second person present confirm
        an act with their own password (监销人 at a destruction) without signing them in.

        Raises UnknownLoginError (nothing recorded), LoginRefusedError or AccountLockedError.
        """
        try:
            staff = self.staff(staff_no.strip())
        except (NotFoundError, InvalidInputError):
            _verify(_decoy(), password)
            raise UnknownLoginError() from None
        now = self.clock()
        config = self.config

        def refuse(reason: LoginFailure) -> Callable[[Staff], None]:
            def record(person: Staff) -> None:
                person.record_login_failure(
                    reason=reason,
                    at=now,
                    source=source,
                    max_failures=config.login_max_failures,
                    lockout=timedelta(minutes=config.login_lockout_minutes),
                )

            return record

        if staff.locked_at(now):
            self._on_staff(staff.id, refuse(LoginFailure.LOCKED))
            raise _locked(staff)
        if staff.password_hash is None:
            _verify(_decoy(), password)
            self._on_staff(staff.id, refuse(LoginFailure.NO_PASSWORD))
            raise LoginRefusedError()
        if not _verify(staff.password_hash, password):
            after = self._on_staff(staff.id, refuse(LoginFailure.WRONG_PASSWORD))
            if after.locked_at(now):
                raise _locked(after)
            raise LoginRefusedError()
        if staff.first_role is None:
            self._on_staff(staff.id, refuse(LoginFailure.NO_ROLE))
            raise AuthenticationError(
                "当前未担任任何岗位，不能登录", "you hold no role at this moment: no sign-in"
            )
        return staff

    def change_password(self, ctx: CommandContext, *, current: str, new: str) -> None:
        """The signed-in person changes their own password, giving the current one."""
        staff = self.staff_by_id(ctx.staff_id)
        if staff.password_hash is None or not _verify(staff.password_hash, current):
            raise InvalidInputError(
                "当前密码不正确", "the current password is wrong", field="current_password"
            )
        check_password(new, staff.staff_no)
        if _verify(staff.password_hash, new):
            raise InvalidInputError(
                "新密码不得与当前密码相同",
                "the new password must differ from the current one",
                field="new_password",
            )
        hashed = HASHER.hash(new)
        self._on_staff(
            staff.id, lambda s: s.change_password(password_hash=hashed, actor_id=ctx.staff_id)
        )

    def log_out(self, ctx: CommandContext) -> None:
        """Record that the person signed out, in the role they were acting in."""
        role: Role | None = ctx.role

        def record(staff: Staff) -> None:
            acting = role if role in staff.current_roles else staff.first_role
            staff.record_logout(role=acting)

        self._on_staff(ctx.staff_id, record)

    def permitted(self, ctx: CommandContext) -> frozenset[Action]:
        """Every action the caller may take now, in the role they chose (or in any they hold):
        what a screen offers them, decided by the check every command and read makes."""
        held = self.staff_by_id(ctx.staff_id).roles_at(self.clock())
        allowed: set[Action] = set()
        for action in Action:
            try:
                choose_role(held, action, ctx.role)
            except DomainError:
                continue
            allowed.add(action)
        return frozenset(allowed)

    def _on_staff(self, staff_id: UUID, change: Callable[[Staff], None]) -> Staff:
        """Apply ``change`` to the person's record and save it, reloading if another sign-in
        of the same person saved first."""
        for _attempt in range(SAVE_ATTEMPTS):
            staff = self.staff_by_id(staff_id)
            change(staff)
            try:
                self.save(staff)
            except IntegrityError:
                continue
            return staff
        raise ConcurrentUpdateError(
            "登录记录正被同时修改，请重试", "the sign-in record changed meanwhile; try again"
        )


def _verify(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _locked(staff: Staff) -> AccountLockedError:
    until = staff.locked_until
    assert until is not None
    return AccountLockedError(
        "登录失败次数过多，账户已暂时锁定，请稍后再试或联系系统管理员",
        "too many wrong passwords: sign-in is locked for a while; try later or ask an "
        "administrator",
        locked_until=until.isoformat(),
    )
