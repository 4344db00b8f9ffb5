"""贷款档案 — loan dossiers: search by loan number or borrower, and a loan's page with its
timeline of events (who, in which role, when, with which documents).

The search reads the loan ledger (贷后管理台账), as ``GET /api/v1/registers/loan_ledger``
does; the loan and its events are ``GET /api/v1/loans/{loan_no}`` and ``…/events``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response

from api.fields import Count, Line
from api.responses import LoanNo
from api.web.pages.common import PAGE_SIZE, enter, page_router, people_named, registers_of
from api.web.people import People
from api.web.render import render
from api.web.session import ViewerDep, archive_of
from archive.reading import RecordedEvent
from domain import values
from domain.authorization import Action
from domain.errors import DomainError
from domain.values import LabelledEnum
from projections.query import AsOf, Search
from projections.registers.responsibility.summaries import DATE_FIELDS, VERBS

router = page_router()

LEDGER = "loan_ledger"
SHOWN = (
    "loan_no",
    "borrower_name",
    "product",
    "branch",
    "balance",
    "grade",
    "status",
    "days_overdue",
    "account_manager",
    "next_inspection_due",
)


@router.get("/loans")
def loans(
    request: Request,
    viewer: ViewerDep,
    q: Annotated[Line, Query(max_length=100)] = "",
    offset: Annotated[Count, Query()] = 0,
) -> Response:
    enter(request, viewer, "loans")
    service = registers_of(request)
    selection = service.select(LEDGER)
    _actor, scope = archive_of(request).reading_scope(viewer.ctx, selection.projection.read_action)
    text = q.strip()
    page = service.page(
        selection,
        as_of=AsOf(),
        scope=scope,
        filters={},
        order_by=["loan_no"],
        limit=PAGE_SIZE,
        offset=offset,
        search=Search(("loan_no", "borrower_name"), text) if text else None,
    )
    spec = selection.projection.specs()[selection.listing.table]
    columns = [c for name in SHOWN for c in spec.columns if c.name == name]
    return render(
        request,
        "loans.html",
        viewer,
        area="loans",
        q=text,
        page=page,
        rows=people_named(service, columns, page.rows),
        columns=columns,
        limit=PAGE_SIZE,
        offset=offset,
    )


@dataclass(frozen=True)
class Entry:
    """One event on a loan's timeline, as a person reads it."""

    position: int | None
    recorded: datetime
    business_date: str
    what: str
    who: str
    role: str | None
    documents: list[str]
    details: list[tuple[str, str]]


def _words(name: str) -> str:
    """``InspectionRecorded`` → ``Inspection recorded``."""
    spaced = re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()
    return spaced[:1].upper() + spaced[1:]


def _business_date(data: dict[str, Any]) -> str:
    for name in DATE_FIELDS:
        value = data.get(name)
        if isinstance(value, str) and value:
            return value[:10]
        if isinstance(value, date):
            return value.isoformat()
    return ""


def _labels() -> dict[str, str]:
    """Every coded value of the domain's enumerations and its Chinese label."""
    found: dict[str, str] = {}
    for obj in vars(values).values():
        if isinstance(obj, type) and issubclass(obj, LabelledEnum) and obj is not LabelledEnum:
            for member in obj:
                found.setdefault(str(member.value), member.zh)
    return found


LABELS = _labels()
DETAILS = ("kind", "grade", "colour", "outcome", "finding", "stage")


def _detail(value: str, lang: str) -> str:
    if lang == "zh":
        return LABELS.get(value, value)
    return value.replace("_", " ")


def timeline(events: list[RecordedEvent], people: People, doc_name: Any, lang: str) -> list[Entry]:
    entries = []
    for event in events:
        name = event.type.rsplit(".", 1)[-1]
        verb = VERBS.get(name) if lang == "zh" else None
        entries.append(
            Entry(
                position=event.position,
                recorded=event.timestamp,
                business_date=_business_date(dict(event.data)),
                what=verb or _words(name),
                who=people(event.actor_id),
                role=event.role,
                documents=[doc_name(d.get("doc_type", "")) for d in event.documents],
                details=[
                    (k, _detail(v, lang))
                    for k, v in event.data.items()
                    if k in DETAILS and isinstance(v, str)
                ],
            )
        )
    return entries


@router.get("/loans/{loan_no}")
def loan(request: Request, viewer: ViewerDep, loan_no: LoanNo) -> Response:
    enter(request, viewer, "loans")
    archive = archive_of(request)
    found = archive.get_loan(viewer.ctx, loan_no)
    events = archive.loan_events(viewer.ctx, loan_no)
    people = People(archive, viewer.t)
    types = archive.rule_set().document_types

    def doc_name(code: str) -> str:
        known = types.get(code)
        return viewer.t.pick(known.zh, known.en) if known else code

    try:
        dossier = archive.get_dossier(viewer.ctx, loan_no)
        documents = len(dossier.documents)
    except DomainError:
        documents = None
    entries = timeline(events, people, doc_name, viewer.t.language)
    entries.reverse()  # newest first, as a file is read
    return render(
        request,
        "loan.html",
        viewer,
        area="loans",
        loan=found,
        account_manager=people(found.account_manager_id),
        entries=entries,
        documents=documents,
        may_trail=viewer.can(Action.READ_TRAIL),
    )
