"""Dependencies as named ``Annotated`` aliases: the application, the caller, the command input."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar
from uuid import UUID

from fastapi import Depends, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.composition import Integrity
from api.fields import Line
from archive.application import DossierArchive
from archive.core import CommandContext, expecting
from archive.documents.ingest import Upload
from archive.errors import AuthenticationError
from domain.errors import InvalidInputError
from domain.values import Role
from projections.service import RegisterService

MAX_FILES = 20
MAX_JSON_DEPTH = 32
"""How deep a command's JSON may nest. The deepest command nests three levels (a transfer's
receipt: object, list of checks, check); past this a body is refused with 422 before it is
parsed into a model, rather than exhausting the parser's recursion."""


def get_archive(request: Request) -> DossierArchive:
    archive: DossierArchive = request.app.state.archive
    return archive


ArchiveDep = Annotated[DossierArchive, Depends(get_archive)]


def get_registers(request: Request) -> RegisterService:
    service: RegisterService = request.app.state.registers
    return service


RegistersDep = Annotated[RegisterService, Depends(get_registers)]


def get_integrity(request: Request) -> Integrity:
    """The Merkle log's store and sealer (built by the app's lifespan)."""
    integrity: Integrity = request.app.state.integrity
    return integrity


IntegrityDep = Annotated[Integrity, Depends(get_integrity)]

_bearer = HTTPBearer(auto_error=False, description="个人访问令牌 / personal access token")


def current_staff(
    request: Request,
    archive: ArchiveDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> UUID:
    """The authenticated caller's staff id; the token's use is counted (its last use shown to
    the administrator) and its id goes into the request's log line."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationError("缺少访问令牌", "a bearer token is required")
    staff_id, token_id = archive.authenticate_token(credentials.credentials)
    request.state.token_id = token_id
    sessions = getattr(request.app.state, "sessions", None)
    if sessions is not None:
        sessions.note_token_use(token_id, staff_id, archive.wall_clock())
    return staff_id


CurrentStaff = Annotated[UUID, Depends(current_staff)]


def _role(value: str | None) -> Role | None:
    if value is None or not value.strip():
        return None
    parsed: Role = Role.parse(value.strip(), "X-Dossier-Role")
    return parsed


def _version(value: str | None) -> int | None:
    if value is None:
        return None
    text = value.strip().strip('"').removeprefix("W/").strip('"')
    if not text.isdigit():
        raise InvalidInputError(
            "If-Match 须为版本号", "If-Match must carry the version number", field="If-Match"
        )
    return int(text)


def command_context(
    staff_id: CurrentStaff,
    idempotency_key: Annotated[
        Line | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)
    ] = None,
    if_match: Annotated[Line | None, Header(alias="If-Match", max_length=64)] = None,
    acting_role: Annotated[Line | None, Header(alias="X-Dossier-Role", max_length=64)] = None,
) -> CommandContext:
    """Who calls, in which role, against which version, under which idempotency key."""
    return CommandContext(
        staff_id=staff_id,
        role=_role(acting_role),
        expected_version=_version(if_match),
        idempotency_key=idempotency_key,
    )


CommandCtx = Annotated[CommandContext, Depends(command_context)]


def read_context(
    staff_id: CurrentStaff,
    acting_role: Annotated[Line | None, Header(alias="X-Dossier-Role", max_length=64)] = None,
) -> CommandContext:
    """Who reads, and in which role."""
    return CommandContext(staff_id=staff_id, role=_role(acting_role))


ReadCtx = Annotated[CommandContext, Depends(read_context)]

M = TypeVar("M", bound=BaseModel)


@dataclass
class CommandInput(Generic[M]):
    """A command's validated body and its uploaded documents."""

    body: M
    uploads: list[Upload]

    def context(self, ctx: CommandContext) -> CommandContext:
        return expecting(ctx, getattr(self.body, "expected_version", None))


def command_input(
    model: type[M], *, documents: bool = True
) -> Callable[[Request], Awaitable[CommandInput[M]]]:
    """Parse a command sent as JSON, or as multipart with a ``data`` JSON part and files.

    In multipart form each file part's field name is its document type code
    (``loan_contract``, ``inspection_report`` …). A command that files no documents
    (``documents=False``) refuses files rather than dropping them unread.
    """

    async def parse(request: Request) -> CommandInput[M]:
        content_type = request.headers.get("content-type", "")
        uploads: list[Upload] = []
        try:
            if content_type.startswith("multipart/form-data"):
                try:
                    form = await request.form(max_files=MAX_FILES, max_fields=MAX_FILES + 10)
                except StarletteHTTPException as exc:
                    if exc.status_code != 400:
                        raise  # the body limit's 413, met while the parts stream in
                    # Starlette's answer to a body that is not multipart as declared.
                    raise RequestValidationError(
                        [{"loc": ("body",), "msg": str(exc.detail), "type": "multipart_invalid"}]
                    ) from None
                raw = form.get("data")
                data = json.loads(raw) if isinstance(raw, str) and raw.strip() else {}
                for name, value in form.multi_items():
                    if isinstance(value, UploadFile):
                        uploads.append(
                            Upload(
                                doc_type=name,
                                filename=value.filename or "",
                                stream=value.file,
                                declared_media_type=value.content_type,
                            )
                        )
            else:
                raw_body = await request.body()
                data = json.loads(raw_body) if raw_body.strip() else {}
        except ValueError:
            # Not JSON, not UTF-8, or a number of more digits than Python converts (4,300).
            raise RequestValidationError(
                [{"loc": ("body",), "msg": "not valid JSON", "type": "json_invalid"}]
            ) from None
        except RecursionError:
            raise _too_deep() from None
        if _depth(data) > MAX_JSON_DEPTH:
            raise _too_deep()
        if uploads and not documents:
            raise InvalidInputError(
                "此操作不附文件；补充材料请通过 /dossier/documents 归档",
                "this command files no documents; file supplements through /dossier/documents",
                field=uploads[0].doc_type,
            )
        if not isinstance(data, dict):
            raise RequestValidationError(
                [{"loc": ("body",), "msg": "must be a JSON object", "type": "dict_type"}]
            )
        try:
            body = model.model_validate(data)
        except ValidationError as exc:
            raise RequestValidationError(exc.errors()) from None
        return CommandInput(body, uploads)

    return parse


def _depth(value: object) -> int:
    """How deeply ``value`` nests lists and objects (a scalar: 0), counted without recursion,
    and no further than one level past the limit."""
    deepest = 0
    pending: list[tuple[object, int]] = [(value, 0)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, dict | list):
            level += 1
            deepest = max(deepest, level)
            if level > MAX_JSON_DEPTH:
                break
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, level) for child in children)
    return deepest


def _too_deep() -> RequestValidationError:
    return RequestValidationError(
        [
            {
                "loc": ("body",),
                "msg": f"JSON nested deeper than {MAX_JSON_DEPTH} levels",
                "type": "json_too_deep",
            }
        ]
    )


COMMAND_MODELS: dict[str, type[BaseModel]] = {}


def command_openapi(
    model: type[BaseModel], *, documents: bool = True, required: bool = True
) -> dict[str, object]:
    """OpenAPI request body for a command: JSON, or multipart with documents (``required``:
    False when an empty body means every field's default)."""
    COMMAND_MODELS[model.__name__] = model
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    content: dict[str, object] = {"application/json": {"schema": ref}}
    if documents:
        content["multipart/form-data"] = {
            "schema": {
                "type": "object",
                "properties": {
                    "data": {
                        "type": "string",
                        "description": f"JSON of {model.__name__} / 命令内容（JSON）",
                    }
                },
                "additionalProperties": {
                    "type": "string",
                    "format": "binary",
                    "description": "a document; the field name is its document type code",
                },
            }
        }
    return {"requestBody": {"required": required, "content": content}}
