"""Request logging and the request-size guard."""

from __future__ import annotations

import time
import uuid

import structlog
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp

from api.errors import error_body

log = structlog.get_logger("dossier.http")


class RequestLog(BaseHTTPMiddleware):
    """One line per request: method, path, status, duration, request id (never a body)."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        started = time.perf_counter()
        response = await call_next(request)
        response.headers["X-Request-ID"] = request_id
        log.info(
            "request",
            method=request.method,
            path=request.url.path,
            status=response.status_code,
            ms=round((time.perf_counter() - started) * 1000, 1),
            request_id=request_id,
        )
        return response


class BodyLimit(BaseHTTPMiddleware):
    """Refuse a request whose declared length exceeds what any command may carry."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        super().__init__(app)
        self.max_bytes = max_bytes

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            body = error_body(
                request,
                "request_too_large",
                f"请求体超过上限 {self.max_bytes} 字节",
                f"the request body is larger than {self.max_bytes} bytes",
            )
            return JSONResponse(body, status_code=413)
        return await call_next(request)
