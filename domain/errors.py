"""Domain errors: a small hierarchy, each carrying a bilingual message.

The API maps these classes to HTTP status codes in one table; nothing here
knows about HTTP.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Raised when a command breaks a business rule of the domain."""

    code = "domain_error"

    def __init__(self, zh: str, en: str, **context: Any) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en
        self.context = context

    def __str__(self) -> str:
        return f"{self.en} / {self.zh}"


class InvalidInputError(DomainError):
    """Raised when a command's values are malformed or out of range."""

    code = "invalid_input"


class NotFoundError(DomainError):
    """Raised when a loan, dossier, staff member or sub-record does not exist."""

    code = "not_found"


class ConflictError(DomainError):
    """Raised when a command conflicts with the current state of an aggregate."""

    code = "conflict"


class InvalidTransitionError(ConflictError):
    """Raised when a command is not allowed in the aggregate's current state."""

    code = "invalid_transition"


class AlreadyExistsError(ConflictError):
    """Raised when something with the same natural key was recorded before."""

    code = "already_exists"


class ClassificationFloorError(ConflictError):
    """Raised when an approval would put a loan above its statutory floor grade."""

    code = "classification_floor"


class AuthorizationError(DomainError):
    """Raised when the actor may not perform the command at all."""

    code = "forbidden"


class RoleNotPermittedError(AuthorizationError):
    """Raised when none of the roles the actor holds is allowed to perform the command."""

    code = "role_not_permitted"


class SegregationOfDutiesError(AuthorizationError):
    """Raised when a command would let one person hold two duties that must be separate."""

    code = "segregation_of_duties"


class AdministratorBusinessActionError(SegregationOfDutiesError):
    """Raised when a system administrator tries to record or read business data (三员分立)."""

    code = "administrator_business_action"
