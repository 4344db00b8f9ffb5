"""One router per resource; a command's route is one line, made by :func:`command_route`.

A command is defined once, in its area's module under archive/commands/ (see
archive/commands/__init__.py). ``command_route(router, path, RecordInspection)`` makes its
``POST`` route from it: the ids in the path and the JSON body (or the ``data`` part of a
multipart body with the documents) are the command's fields; the caller is authenticated and
their context read from the headers (If-Match, Idempotency-Key, X-Dossier-Role); the command is
handed to :meth:`DossierArchive.execute`; the answer is the command's result (201). Errors are
answered by the one error table (api/errors.py), the OpenAPI request body is the command's
fields (api/deps.py, ``command_openapi``) described by the command's docstring, the route's
description is the first paragraph of its handler's docstring. A command that does not
``takes_body`` is built from its path alone: its route reads no body and documents none.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, create_model

from api.deps import ArchiveDep, CommandCtx, CommandInput, command_input, command_openapi
from api.responses import BorrowerNo, CollateralNo, CreditCode, LoanNo, StaffNo, respond
from api.schemas import CommandPublic
from archive.commands import Command, handler_of

PATH_TYPES: dict[str, Any] = {
    "loan_no": LoanNo,
    "collateral_no": CollateralNo,
    "staff_no": StaffNo,
    "borrower_id": BorrowerNo,
    "credit_code": CreditCode,
}
"""How a route's path declares an id, where the command's own type does not say enough."""


def body_model(command: type[Command], name: str | None = None) -> type[BaseModel]:
    """The request body of ``command``: its fields less those of the path and assigned ids."""
    skip = {*command.path, *command.assigned}
    fields: dict[str, Any] = {
        field: (info.annotation, info)
        for field, info in command.model_fields.items()
        if field not in skip
    }
    extra = command.model_config.get("extra", "forbid")
    body: type[BaseModel] = create_model(
        name or command.__name__,
        __config__=ConfigDict(extra=extra),
        __doc__=command.__doc__,
        **fields,
    )
    return body


def command_route(
    router: APIRouter,
    path: str,
    command: type[Command],
    *,
    schema: str | None = None,
    name: str | None = None,
    answer: Callable[[Any, Response], Any] = respond,
    **route: Any,
) -> None:
    """Add the ``POST path`` route of ``command`` to ``router``.

    ``schema`` names the body in the OpenAPI (default: the command's class name), ``name`` the
    operation (default: the handler's name); ``answer`` turns the handler's result into the
    response (default: the command result, 201); ``route`` goes to ``router.post``.
    """
    handler = handler_of(command)
    body = body_model(command, schema)
    Input = Annotated[
        CommandInput[Any], Depends(command_input(body, documents=command.files_documents))
    ]

    def endpoint(
        archive: ArchiveDep,
        ctx: CommandCtx,
        response: Response,
        cmd: CommandInput[Any] | None = None,
        **ids: Any,
    ) -> Any:
        fields = cmd.body.model_dump() if cmd is not None else {}
        built = command.model_validate({**fields, **ids})
        uploads = cmd.uploads if cmd is not None else []
        return answer(archive.execute(ctx, built, uploads), response)

    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters = [
        inspect.Parameter(
            n, keyword, annotation=PATH_TYPES.get(n, command.model_fields[n].annotation)
        )
        for n in command.path
    ]
    parameters += [
        inspect.Parameter("archive", keyword, annotation=ArchiveDep),
        inspect.Parameter("ctx", keyword, annotation=CommandCtx),
    ]
    if command.takes_body:
        parameters.append(inspect.Parameter("cmd", keyword, annotation=Input))
        route.setdefault("openapi_extra", command_openapi(body, documents=command.files_documents))
    parameters.append(inspect.Parameter("response", keyword, annotation=Response))
    endpoint.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    endpoint.__name__ = name or handler.__name__
    # The route's description is the handler's summary; the rest of its docstring is for readers
    # of the code.
    endpoint.__doc__ = inspect.cleandoc(handler.__doc__ or "").split("\n\n")[0]
    route.setdefault("status_code", 201)
    route.setdefault("response_model", CommandPublic)
    router.post(path, **route)(endpoint)
