"""The OpenAPI document, true about errors and files.

FastAPI documents what a route returns when all goes well, and a 422 body that is not ours.
This module completes the document once, for every operation, from what the operation takes:

- each error status it can answer, with the one error body every error has
  (``{error, detail: {zh, en}, message, context}``, :class:`ErrorPublic`):
  401 and 403 where a caller must sign in (a security requirement); 422 where it takes any
  input; 404 where its path names a record, or it is a command (commands name people and
  records); 409 and 413 for commands (state, version, idempotency key; body size); 409 and 503
  for the reads that wait on the registers (``after``, ``X-Dossier-After``, ``wait``: a
  position beyond the head of the log, a register not there yet or stopped); any other status
  the route declares in its own ``responses`` (a description is enough: the body is filled in
  here, unless the route documents one of its own);
- each file type it can answer: a ``format`` parameter's choices (CSV, XLSX, PDF …) as the
  media types of its success answer.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

from api.deps import COMMAND_MODELS

ERROR_SCHEMA = "Error"
ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}


class ErrorDetail(BaseModel):
    """The error in both languages."""

    zh: str = Field(description="中文说明")
    en: str = Field(description="English explanation")


class ErrorPublic(BaseModel):
    """Every error answer: a code to act on, the explanation in Chinese and English, the
    explanation in the caller's language (Accept-Language; Chinese by default), and facts."""

    error: str = Field(
        description="machine-readable code: invalid_input, role_not_permitted, not_found …"
    )
    detail: ErrorDetail
    message: str = Field(description="the explanation in the caller's language")
    context: dict[str, Any] = Field(
        description="facts of the error; for invalid_input, `problems`: a list of "
        "{field, problem, type}, one per field refused"
    )


WHY: dict[int, str] = {
    400: "请求无效 / the request cannot be understood",
    401: "缺少或无效的访问令牌 / no valid bearer token (WWW-Authenticate: Bearer)",
    403: "岗位无权或违反不相容职务分离 / your role may not do this, or it would break a "
    "segregation of duties",
    404: "借据、记录或人员不存在 / no such loan, record or person",
    409: "与当前状态冲突：状态、版本（If-Match）、幂等键，或等待的位置超出日志末尾 / conflict with "
    "the current state: the record's state, its version (If-Match), an Idempotency-Key used "
    "for another request, or a position beyond the head of the log",
    410: "档案已销毁 / the dossier was destroyed: its documents are gone",
    413: "请求体或文件过大 / the request body or a document is too large",
    422: "输入无效，context.problems 逐项说明 / invalid input: context.problems names each field",
    503: "登记簿暂未到位或已停止，稍后重试（Retry-After）/ a register has not reached the "
    "position yet, or has stopped on an event it cannot apply; retry later (Retry-After)",
}

MEDIA: dict[str, str] = {
    "json": "application/json",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "zip": "application/zip",
}
"""The media type of each value a ``format`` parameter may take."""

WAIT_PARAMETERS = frozenset({"after", "X-Dossier-After", "wait"})
"""Parameters of the reads that wait for the registers to reach a log position."""


def error_statuses(operation: dict[str, Any], method: str) -> set[int]:
    """The error statuses an operation can answer, read from what it takes (see the module's
    docstring); a status it already declares is kept."""
    parameters = operation.get("parameters", [])
    names = {p["name"] for p in parameters}
    command = method == "post"
    statuses: set[int] = set()
    if operation.get("security"):
        statuses |= {401, 403}
    if parameters or "requestBody" in operation or command:
        statuses.add(422)
    if any(p["in"] == "path" for p in parameters) or command:
        statuses.add(404)
    if command:
        statuses |= {409, 413}
    if names & WAIT_PARAMETERS:
        statuses |= {409, 503}
    statuses |= {int(s) for s in operation.get("responses", {}) if s.isdigit() and int(s) >= 400}
    return statuses


def _error_response(status: int, declared: dict[str, Any] | None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": (declared or {}).get("description") or WHY.get(status, "error"),
        "content": {"application/json": {"schema": ERROR_REF}},
    }
    if status == 401:
        response["headers"] = {
            "WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}
        }
    if status == 503:
        response["headers"] = {
            "Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}
        }
    return response


def _own_body(declared: dict[str, Any]) -> bool:
    """Whether a route documents a body of its own for an error status (readiness answers
    503 with its report), rather than FastAPI's 422 body or none."""
    content = declared.get("content")
    return bool(content) and "HTTPValidationError" not in json.dumps(content)


def _file_types(operation: dict[str, Any]) -> list[str]:
    """The media types a ``format`` parameter lets the caller ask for."""
    for parameter in operation.get("parameters", []):
        if parameter.get("name") == "format":
            schema = parameter.get("schema", {})
            return [MEDIA[v] for v in schema.get("enum", []) if v in MEDIA]
    return []


def complete(schema: dict[str, Any]) -> None:
    """Add to ``schema`` the errors and file types of every operation (in place)."""
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            for status in sorted(error_statuses(operation, method)):
                declared = responses.get(str(status))
                if declared is not None and _own_body(declared):
                    continue
                responses[str(status)] = _error_response(status, declared)
            for media in _file_types(operation):
                for status, answer in responses.items():
                    if status.startswith("2"):
                        answer.setdefault("content", {}).setdefault(media, {})
            operation["responses"] = dict(sorted(responses.items()))
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorPublic.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in error_schema.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components[ERROR_SCHEMA] = error_schema
    # FastAPI's own 422 body, which no route answers with.
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)


def document(app: FastAPI) -> dict[str, Any]:
    """The application's OpenAPI document: routes, command bodies, errors and file types."""
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, model in COMMAND_MODELS.items():
        model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for def_name, definition in model_schema.pop("$defs", {}).items():
            components.setdefault(def_name, definition)
        components[name] = model_schema
    complete(schema)
    return schema
