"""Request logging and the request-size guard."""

from __future__ import annotations

import re
import time
import uuid

import structlog
from starlette.datastructures import Headers
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import replace_params
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import RequestTooLargeError, too_large
from api.metrics import request_served

log = structlog.get_logger("dossier.http")


class RequestLog(BaseHTTPMiddleware):
    """One line per request: method, path, route template, status, duration, request id and
    the id of the access token that authenticated it, if any (never a body, never the token).

    The request id (``X-Request-ID``, or one made up) is bound for the whole request, so every
    line logged while it is answered carries it; the response returns it. The request is
    counted in the metrics under its route template (``api.metrics.request_served``).
    """

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        request_id = _request_id(request.headers.get("x-request-id"))
        started = time.perf_counter()
        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                response = await call_next(request)
            except Exception:
                seconds = time.perf_counter() - started
                request_served(request.method, _route(request), 500, seconds)
                raise
            seconds = time.perf_counter() - started
            route = _route(request)
            request_served(request.method, route, response.status_code, seconds)
            response.headers["X-Request-ID"] = request_id
            token_id = getattr(request.state, "token_id", None)
            log.info(
                "request",
                method=request.method,
                path=request.url.path,
                route=route,
                status=response.status_code,
                ms=round(seconds * 1000, 1),
                **({"token_id": str(token_id)} if token_id is not None else {}),
            )
        return response


_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def _request_id(offered: str | None) -> str:
    """The caller's request id if it is a plain token (it goes into every log line), else one
    made up."""
    if offered and _REQUEST_ID.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


def _route(request: Request) -> str | None:
    """The template of the route that answered (``/api/v1/loans/{loan_no}``), never the raw
    path: the metrics' labels stay few whatever paths are asked for.

    The route a router included under a prefix knows its path without the prefix; the prefix
    is what precedes, in the path asked for, the route's path with its parameters filled in.
    """
    route = request.scope.get("route")
    template = getattr(route, "path", None)
    if not isinstance(template, str):
        return None
    asked: str = request.scope.get("path", "")
    try:
        filled, _ = replace_params(
            getattr(route, "path_format", template),
            getattr(route, "param_convertors", {}),
            dict(request.scope.get("path_params") or {}),
        )
    except Exception:  # a parameter its convertor cannot write back: keep the bare template
        return template
    if asked.endswith(filled):
        return asked[: len(asked) - len(filled)] + template
    return template


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
