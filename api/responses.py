"""Turning a command's result into the HTTP answer."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Path, Response

from api.schemas import CommandPublic
from archive.core import CommandResult
from archive.reading import DocumentCopy

LoanNo = Annotated[
    str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$", description="借据号")
]
CollateralNo = Annotated[
    str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$", description="押品编号")
]
BorrowerNo = Annotated[
    str,
    Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$", description="客户号"),
]
StaffNo = Annotated[
    str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9._-]+$", description="工号")
]
CreditCode = Annotated[
    str,
    Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9]+$", description="统一社会信用代码"),
]


def respond(result: CommandResult, response: Response) -> CommandPublic:
    """The result body, with the new version as ETag and the replay marker."""
    response.headers["ETag"] = f'"{result.version}"'
    response.headers["X-Event-Position"] = str(result.position)
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return CommandPublic.of(result)


def document_copy(copy: DocumentCopy) -> Response:
    """A document read through the audited path, as an attachment that is never cached: the
    copy's hash, the original's, whether it is watermarked (and, for an OFD, why not) and the
    read event's position."""
    note = {"X-Watermark-Note": copy.note} if copy.note else {}
    return Response(
        content=copy.content,
        media_type=copy.media_type,
        headers={
            **note,
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(copy.filename)}",
            "X-Content-SHA256": copy.sha256,
            "X-Original-SHA256": copy.ref.sha256,
            "X-Watermarked": "true" if copy.watermarked else "false",
            "X-Event-Position": str(copy.position),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
