"""The one table from error classes to HTTP answers, and the handlers that use it.

Every error body is ``{"error": code, "detail": {"zh": …, "en": …}, "message": …,
"context": {…}}``: ``message`` is in the caller's language (Accept-Language,
Chinese by default), ``detail`` always carries both.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from archive.errors import (
    AuthenticationError,
    DocumentTooLargeError,
    StoredDocumentAlteredError,
)
from archive.reports.bundles import BundleIntegrityError, BundleNotSealedError
from domain.errors import (
    AuthorizationError,
    ConflictError,
    DocumentDestroyedError,
    DomainError,
    InvalidInputError,
    NotFoundError,
)
from projections.errors import RegisterBehindError, RegisterFailedError
from storage.blobs import BlobNotFoundError
from storage.sealing import (
    CheckpointNotFoundError,
    KeyRetiredError,
    LogMismatchError,
    NotSealedError,
)

log = structlog.get_logger(__name__)

STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (StoredDocumentAlteredError, 500),
    (BundleIntegrityError, 500),
    (BundleNotSealedError, 503),
    (RegisterBehindError, 503),
    (RegisterFailedError, 503),
    (AuthenticationError, 401),
    (AuthorizationError, 403),
    (NotFoundError, 404),
    (DocumentDestroyedError, 410),
    (ConflictError, 409),
    (DocumentTooLargeError, 413),
    (InvalidInputError, 422),
)
"""Most specific first: the first class an error is an instance of decides."""

INTEGRITY_STATUS: tuple[tuple[type[Exception], int, str, str, str], ...] = (
    (
        NotSealedError,
        404,
        "not_sealed",
        "该事件尚未封存：还没有覆盖它的签名检查点，请在下次封存后再查",
        "not sealed yet: no signed checkpoint covers it; ask again after the next seal",
    ),
    (
        CheckpointNotFoundError,
        404,
        "checkpoint_not_found",
        "没有该树大小的签名检查点",
        "there is no signed checkpoint of that tree size",
    ),
    (
        KeyRetiredError,
        503,
        "signing_key_retired",
        "签名密钥已轮换或吊销，未作封存；请配置其后继密钥并重启",
        "the signing key was rotated away or revoked, so nothing was sealed; configure its "
        "successor (DOSSIER_SIGNING_KEY_FILE) and restart",
    ),
    (
        LogMismatchError,
        500,
        "log_mismatch",
        "事件日志与已签名的检查点不一致，未作封存；请立即运行 dossier verify",
        "the event log no longer agrees with what was signed; nothing was sealed — "
        "run `dossier verify` now",
    ),
)
"""The Merkle log's errors (storage errors, not DomainError): status, code, Chinese, English."""


def status_of(error: DomainError) -> int:
    for cls, status in STATUS:
        if isinstance(error, cls):
            return status
    return 400


def _language(request: Request) -> str:
    accept = request.headers.get("accept-language", "zh").lower()
    return "en" if accept.startswith("en") else "zh"


def error_body(
    request: Request, code: str, zh: str, en: str, context: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "error": code,
        "detail": {"zh": zh, "en": en},
        "message": en if _language(request) == "en" else zh,
        "context": context or {},
    }


async def domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = status_of(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status == 503:
        # A register that stopped at an event waits for someone to fix it, not for a second.
        headers = {"Retry-After": "60" if isinstance(exc, RegisterFailedError) else "1"}
    context = {k: v if isinstance(v, int | str | list) else str(v) for k, v in exc.context.items()}
    return JSONResponse(
        error_body(request, exc.code, exc.zh, exc.en, context), status_code=status, headers=headers
    )


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {
            "field": _field(tuple(e.get("loc", ()))),
            "problem": e.get("msg", ""),
            "type": e.get("type"),
        }
        for e in exc.errors()
    ]
    fields = ", ".join(p["field"] for p in problems)
    body = error_body(
        request,
        "invalid_input",
        f"请求内容无效：{fields}",
        f"the request is malformed: {fields}",
        {"problems": problems},
    )
    return JSONResponse(body, status_code=422)


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    texts = {
        404: ("找不到该地址", "no such resource"),
        405: ("不支持该请求方法", "method not allowed"),
        413: ("请求体过大", "the request body is too large"),
    }
    zh, en = texts.get(exc.status_code, (str(exc.detail), str(exc.detail)))
    return JSONResponse(
        error_body(request, f"http_{exc.status_code}", zh, en),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


class RequestTooLargeError(StarletteHTTPException):
    """Raised when more bytes of a request body arrive than any command of its kind may carry."""

    def __init__(self, limit: int) -> None:
        super().__init__(413)
        self.limit = limit


def too_large(request: Request, error: RequestTooLargeError) -> JSONResponse:
    body = error_body(
        request,
        "request_too_large",
        f"请求体超过上限 {error.limit} 字节",
        f"the request body is larger than {error.limit} bytes",
        {"limit": error.limit},
    )
    # The rest of the body is never read: the connection cannot carry another request.
    return JSONResponse(body, status_code=413, headers={"Connection": "close"})


async def request_too_large(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestTooLargeError)
    return too_large(request, exc)


async def blob_missing(request: Request, exc: Exception) -> JSONResponse:
    # An event cites bytes the store does not have: an integrity failure, not a 4xx.
    log.error("document_missing_from_blob_store", error=str(exc))
    body = error_body(
        request,
        "document_missing",
        "文档存储中缺少该文档，请联系管理员进行完整性检查",
        "the document is missing from the blob store; run an integrity check",
    )
    return JSONResponse(body, status_code=500)


async def integrity_error(request: Request, exc: Exception) -> JSONResponse:
    for cls, status, code, zh, en in INTEGRITY_STATUS:
        if isinstance(exc, cls):
            if status >= 500:
                log.error("integrity_failure", code=code, error=str(exc))
            body = error_body(request, code, zh, en, {"reason": str(exc)})
            return JSONResponse(body, status_code=status)
    raise exc  # installed only for the classes of the table


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestTooLargeError, request_too_large)
    app.add_exception_handler(BlobNotFoundError, blob_missing)
    for cls, *_ in INTEGRITY_STATUS:
        app.add_exception_handler(cls, integrity_error)
