"""Turning a command's result into the HTTP answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Response

from api.schemas import CommandPublic
from archive.core import CommandResult

LoanNo = Annotated[
    str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$", description="借据号")
]
CollateralNo = Annotated[
    str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$", description="押品编号")
]
StaffNo = Annotated[
    str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9._-]+$", description="工号")
]


def respond(result: CommandResult, response: Response) -> CommandPublic:
    """The result body, with the new version as ETag and the replay marker."""
    response.headers["ETag"] = f'"{result.version}"'
    response.headers["X-Event-Position"] = str(result.position)
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return CommandPublic.of(result)
