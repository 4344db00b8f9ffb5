"""Errors of the registers, in the domain's bilingual hierarchy so the API maps them in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.errors import ConflictError, DomainError, InvalidInputError, NotFoundError

if TYPE_CHECKING:
    from projections.store import Failure


class RegisterQueryError(InvalidInputError):
    """Raised when a register query names a filter, order, page or date it cannot serve."""

    code = "invalid_register_query"


class UnknownRegisterError(NotFoundError):
    """Raised when a register or listing of that name does not exist."""

    code = "unknown_register"


class RegisterBehindError(DomainError):
    """Raised when a register has not reached the asked position within the wait allowed."""

    code = "register_behind"


class RegisterFailedError(DomainError):
    """Raised when a register has stopped at an event it could not apply.

    It stays at the position before that event (never skipping it) until the cause is fixed
    and the service restarted or the register rebuilt; until then it serves no reads, so that
    nobody is shown a register silently short of the log.
    """

    code = "register_failed"


def register_failed(name: str, failure: Failure) -> RegisterFailedError:
    """The refusal to read register ``name``, which stopped at ``failure``."""
    return RegisterFailedError(
        f"登记簿 {name} 停在位置 {failure.position - 1}：无法处理位置 {failure.position} 的事件 "
        f"{failure.event_type}（{failure.error_type}）；修复后重启服务或重建该登记簿方可读取",
        f"register {name} has stopped at position {failure.position - 1}: it cannot apply the "
        f"event at position {failure.position} ({failure.event_type}: {failure.error_type}); "
        "it answers again once the cause is fixed and the service restarted or the register "
        "rebuilt",
        register=name,
        position=failure.position,
        event_type=failure.event_type,
        error_type=failure.error_type,
        stopped_at=failure.position - 1,
    )


class PositionBeyondHeadError(ConflictError):
    """Raised when a reader waits for a log position that has not been recorded (past the head)."""

    code = "position_beyond_head"
