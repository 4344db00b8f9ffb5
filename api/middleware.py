"""Request logging and the request-size guard."""

from __future__ import annotations

import time
import uuid

import structlog
from starlette.datastructures import Headers
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import RequestTooLargeError, too_large

log = structlog.get_logger("dossier.http")


class RequestLog(BaseHTTPMiddleware):
    """One line per request: method, path, status, duration, request id and the id of the
    access token that authenticated it, if any (never a body, never the token)."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        started = time.perf_counter()
        response = await call_next(request)
        response.headers["X-Request-ID"] = request_id
        token_id = getattr(request.state, "token_id", None)
        log.info(
            "request",
            method=request.method,
            path=request.url.path,
            status=response.status_code,
            ms=round((time.perf_counter() - started) * 1000, 1),
            request_id=request_id,
            **({"token_id": str(token_id)} if token_id is not None else {}),
        )
        return response


class BodyLimit:
    """Refuse a request body larger than any command of its kind may carry (413).

    The limit holds on the bytes actually received, not only on a declared Content-Length: a
    chunked body is counted as it arrives and refused at the first chunk past the limit, before
    it is held in memory or anything is recorded. A JSON command carries no documents and gets
    the small limit; a multipart one may carry up to ``MAX_FILES`` documents of the upload limit.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        json_bytes: int,
        multipart_bytes: int,
        own_limit: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.json_bytes = json_bytes
        self.multipart_bytes = multipart_bytes
        self.own_limit = own_limit
        """Paths whose route counts its body against a limit of its own (a batch upload)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in self.own_limit:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        multipart = headers.get("content-type", "").lower().startswith("multipart/")
        limit = self.multipart_bytes if multipart else self.json_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(scope, receive, send, RequestTooLargeError(limit))
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise RequestTooLargeError(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except RequestTooLargeError as error:
            # The app's handler answers it where the body is read; this catches a read made
            # outside it (a middleware), if the answer has not begun.
            if started:
                raise
            await _refuse(scope, receive, send, error)


async def _refuse(scope: Scope, receive: Receive, send: Send, error: RequestTooLargeError) -> None:
    await too_large(Request(scope), error)(scope, receive, send)
