"""The application's commands, one module per area, each a mixin of :class:`DossierArchive`.

Every module here holds the commands (and their reads) of one area — the same name as the
area's domain module, router, CLI group and register — and goes through the command path of
:mod:`archive.core`. None imports another command module except where one area's command
builds on another's (a destruction checks borrowing). What several areas share — the day a
loan closed, the retention its close starts — is in :mod:`archive.core`.

A command is written once, as a typed object beside the application method that handles it::

    class RecordInspection(LoanCommand):
        action = Action.RECORD_INSPECTION
        kind: InspectionKind
        findings: Text
        ...

    @handles(RecordInspection)
    def record_inspection(self, ctx, cmd, uploads=()): ...

The route builds it from the request (``command_route`` in api/routers/__init__.py: the path's
ids and the JSON body are its fields), the CLI from its options, a test or the demo in code;
:meth:`DossierArchive.execute` hands it to its handler. What the request fingerprint of an
idempotent command hashes is :meth:`Command.params`, the command's fields by name: stored
receipts hold those hashes, so a field keeps its name (a request may call it otherwise through
an ``alias``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core.core_schema import ValidatorFunctionWrapHandler

from archive.fields import MAX_INT
from domain.authorization import Action
from domain.errors import InvalidInputError


class Command(BaseModel):
    """One request to the archive, as its fields: what the route, the CLI and a test build.

    ``action`` is what the caller must be allowed to do; ``path`` names the fields a route
    takes from its URL rather than its body; ``assigned`` the fields the caller's code may set
    (the id of what the command creates) but a request never does; ``files_documents`` whether the
    command files documents; ``takes_body`` whether a request carries a body at all (a command
    named wholly by its path, such as a new token for a person, takes none).
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_by_name=True, validate_by_alias=True
    )

    action: ClassVar[Action]
    path: ClassVar[tuple[str, ...]] = ()
    assigned: ClassVar[tuple[str, ...]] = ()
    files_documents: ClassVar[bool] = True
    takes_body: ClassVar[bool] = True

    expected_version: int | None = Field(
        default=None,
        ge=1,
        le=MAX_INT,
        description="optimistic concurrency: the version you last saw",
    )

    @model_validator(mode="wrap")
    @classmethod
    def _refuse(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        """A command built in code with a bad value is refused as any bad input is."""
        try:
            return handler(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(part) for part in first["loc"]) or cls.__name__
            raise InvalidInputError(
                f"{field} 无效：{first['msg']}", f"{field}: {first['msg']}", field=field
            ) from None

    def params(self) -> dict[str, Any]:
        """What the request fingerprint hashes: every field but the version and assigned ids.

        A nested object (a transfer list's item) is hashed as the JSON object it was sent as.
        """
        skip = {"expected_version", *self.assigned}
        return {
            name: _plain(getattr(self, name))
            for name in type(self).model_fields
            if name not in skip
        }

    def arguments(self, *but: str) -> dict[str, Any]:
        """The command's fields as the keyword arguments of the domain method that records it.

        Every field but the loan's number (the aggregate it names), the expected version and
        ``but`` (the fields the handler turns into something else, a staff number into a party).
        """
        skip = {"loan_no", "expected_version", *but}
        return {name: getattr(self, name) for name in type(self).model_fields if name not in skip}

    def assigned_ids(self) -> dict[str, str]:
        """The ids the caller's code assigned (what the command creates), as a result names them."""
        return {name: str(getattr(self, name)) for name in self.assigned}


def _plain(value: Any) -> Any:
    """``value`` with every nested model as the dict of its fields."""
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class LoanCommand(Command):
    """A command on one loan, named by its number (借据号) in the path."""

    path: ClassVar[tuple[str, ...]] = ("loan_no",)

    loan_no: str


H = TypeVar("H", bound=Callable[..., Any])

HANDLERS: dict[type[Command], Callable[..., Any]] = {}
"""Every command class and the application method that handles it."""


def handles(command: type[Command]) -> Callable[[H], H]:
    """Register the decorated application method as the one handler of ``command``."""

    def register(method: H) -> H:
        if command in HANDLERS:
            raise TypeError(f"{command.__name__} is handled twice")
        HANDLERS[command] = method
        return method

    return register


def handler_of(command: type[Command]) -> Callable[..., Any]:
    """The application method that handles ``command``."""
    try:
        return HANDLERS[command]
    except KeyError:
        raise TypeError(f"no handler for {command.__name__}") from None


def command_named(method: str) -> type[Command] | None:
    """The command handled by the application method named ``method``, if it is typed.

    For callers that plan commands by method name (the demo's portfolio).
    """
    return next((c for c, h in HANDLERS.items() if h.__name__ == method), None)
