"""Running a typed command from a console form: the same command object the API builds, handed
to the application, which decides who may and what the rules allow.

A refusal comes back as the form again, with the message next to the field it names (or above
the form), the status the API would answer, and nothing recorded; a refusal of the caller's
role is left to the console's error page (403), as it is for a page; a refusal of segregation
of duties (this person, not on this record) is shown on the form."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

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


@dataclass(frozen=True)
class Shown:
    """How a page shows its forms: the status it answers with and, for a form sent back
    refused, which one (``form``), what was entered in it and the messages by field."""

    status: int = 200
    form: str = ""
    entered: Mapping[str, Any] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)

    def context(self) -> dict[str, Any]:
        """What the page's template is given: ``status``, ``form``, ``entered``, ``errors``."""
        return asdict(self)


FIRST = Shown()
"""A page as first shown: every form empty."""

Page = Callable[[Shown], Response]
"""A page that shows its forms as told."""


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


def submit(
    request: Request,
    viewer: Viewer,
    build: Callable[[], Command],
    page: Page,
    form: str,
    entered: Mapping[str, Any],
    then: str,
) -> Response:
    """Run the command of the page's form ``form``: on a refusal the page again with the form
    as entered and the messages, otherwise a redirect (303) to ``then``."""
    refused = run_form(
        request,
        viewer,
        build,
        lambda status, errors: page(Shown(status, form, entered, errors)),
        entered,
    )
    return refused or RedirectResponse(then, status_code=303)
