"""Errors of the registers, in the domain's bilingual hierarchy so the API maps them in one place."""

from __future__ import annotations

from domain.errors import DomainError, InvalidInputError, NotFoundError


class RegisterQueryError(InvalidInputError):
    """Raised when a register query names a filter, order, page or date it cannot serve."""

    code = "invalid_register_query"


class UnknownRegisterError(NotFoundError):
    """Raised when a register or listing of that name does not exist."""

    code = "unknown_register"


class RegisterBehindError(DomainError):
    """Raised when a register has not reached the asked position within the wait allowed."""

    code = "register_behind"
