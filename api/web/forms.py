"""Running a typed command from a console form: the same command object the API builds, handed
to the application, which decides who may and what the rules allow.

A refusal comes back as the form again, with the message next to the field it names (or above
the form), the status the API would answer, and nothing recorded; a refusal of the caller's
role is left to the console's error page (403), as it is for a page; a refusal of segregation
of duties (this person, not on this record) is shown on the form."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from api.errors import status_of
from api.web.session import Viewer, archive_of
from archive.commands import Command
from domain.errors import (
    AuthorizationError,
    DomainError,
    InvalidInputError,
    SegregationOfDutiesError,
)

Again = Callable[[int, Mapping[str, str]], Response]
"""The form again, with this status and these messages by field (``form``: above the form)."""


def run_form(
    request: Request,
    viewer: Viewer,
    build: Callable[[], Command],
    again: Again,
    entered: Mapping[str, Any],
) -> Response | None:
    """Build the command and run it; the form again on a refusal, None when it ran. A field
    left empty is asked for in the viewer's language rather than with the validator's words."""
    try:
        archive_of(request).execute(viewer.ctx, build())
    except SegregationOfDutiesError as refused:  # the person may act, but not on this
        return again(status_of(refused), {"form": viewer.t.pick(refused.zh, refused.en)})
    except AuthorizationError:
        raise
    except InvalidInputError as invalid:
        field = str(invalid.context.get("field") or "form")
        message = viewer.t.pick(invalid.zh, invalid.en)
        if field in entered and not str(entered[field] or "").strip():
            message = viewer.t("Fill in this field.")
        return again(422, {field: message})
    except DomainError as refused:
        return again(status_of(refused), {"form": viewer.t.pick(refused.zh, refused.en)})
    return None
