"""贷款档案 — one loan's dossier page: its facts, the documents its filing rules still miss
(completeness gaps), every five-level classification, the documents of its dossier — each
opened through the audited read — and its timeline of events (who, in which role, when, with
which documents; the dossier's own events, reads among them, included).

Every read goes through the application in the viewer's role and data scope, as the API's do:
the loan and its events are ``GET /api/v1/loans/{loan_no}`` and ``…/events``, the dossier
``…/dossier`` and ``…/dossier/events``, the gaps the completeness register
(``GET /api/v1/registers/completeness/requirements?loan_no=…``), and opening a document
``GET /api/v1/loans/{loan_no}/documents/{sha256}?purpose=…``: the read is recorded as an
event of the dossier before a byte of the watermarked copy is handed over.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import Form, Path, Query, Request
from fastapi.responses import Response

from api.fields import Line
from api.responses import LoanNo, document_copy
from api.web.pages import information, papers, postloan, watch, zones
from api.web.pages.common import enter, page_router, registers_of, sub_grade_labels
from api.web.people import People
from api.web.render import render
from api.web.session import Viewer, ViewerDep, archive_of
from archive.reading import RecordedEvent
from domain import values
from domain.authorization import Action
from domain.dossier import Dossier
from domain.errors import DomainError
from domain.industry import industry_label
from domain.values import Grade, LabelledEnum, ReadPurpose
from projections.errors import RegisterBehindError, RegisterFailedError, RegisterQueryError
from projections.query import AsOf
from projections.registers.classification import ProposalStatus
from projections.registers.filing.completeness.tables import RequirementStatus, Stage
from projections.registers.responsibility.summaries import DATE_FIELDS, VERBS

router = page_router()

Sha256 = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]
COMPLETENESS = "completeness"
REQUIREMENTS_SHOWN = 500
"""At most this many requirements of one loan are read for its gaps (a loan has tens)."""


# ------------------------------------------------------------------------------ timeline
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
DETAILS = ("kind", "grade", "sub_grade", "colour", "outcome", "finding", "stage")


def _detail(key: str, value: str, lang: str, sub_grades: Mapping[str, str]) -> str:
    """A coded value in ``lang``: a sub-grade by the rules' label, else by the domain's."""
    if lang == "zh":
        labels = sub_grades if key == "sub_grade" else LABELS
        return labels.get(value, value)
    return value.replace("_", " ")


def _label(enum: type[LabelledEnum], value: Any, lang: str) -> str:
    """The label of ``value`` of ``enum`` in ``lang`` (the value itself if it is not one)."""
    member = next((m for m in enum if m.value == value), None)
    if member is None:
        return str(value or "")
    return member.zh if lang == "zh" else str(member.value).replace("_", " ")


def timeline(
    events: list[RecordedEvent],
    people: People,
    doc_name: Callable[[str], str],
    lang: str,
    filed: dict[str, str] | None = None,
    sub_grades: Mapping[str, str] | None = None,
) -> list[Entry]:
    """The events as a person reads them; ``filed`` names the dossier's documents by hash (a
    read cites its document by hash only), ``sub_grades`` labels each sub-grade code."""
    entries = []
    for event in events:
        name = event.type.rsplit(".", 1)[-1]
        verb = VERBS.get(name) if lang == "zh" else None
        documents = [doc_name(d.get("doc_type", "")) for d in event.documents]
        read = event.data.get("sha256")
        if not documents and isinstance(read, str) and filed and read in filed:
            documents = [filed[read]]
        details = [
            (k, _detail(k, v, lang, sub_grades or {}))
            for k, v in event.data.items()
            if k in DETAILS and isinstance(v, str)
        ]
        if isinstance(event.data.get("purpose"), str):
            details.append(("purpose", _label(ReadPurpose, event.data["purpose"], lang)))
        entries.append(
            Entry(
                position=event.position,
                recorded=event.timestamp,
                business_date=_business_date(dict(event.data)),
                what=verb or _words(name),
                who=people(event.actor_id),
                role=event.role,
                documents=documents,
                details=details,
            )
        )
    return entries


def _dossier_events_shown(events: list[RecordedEvent], loan_id: UUID) -> list[RecordedEvent]:
    """The dossier's events a loan's timeline adds to its own: not its opening nor the filings
    of documents a loan event brought (that event already lists them), but supplements, the
    documents of its collateral's events, reads, fixity checks and the archive office's steps."""
    return [
        e
        for e in events
        if e.type != "Opened"
        and not (e.type == "DocumentFiled" and e.data.get("evidences_id") == str(loan_id))
    ]


# ------------------------------------------------------------------------- classifications
@dataclass
class Classification:
    """One five-level classification of the loan: its proposal and the decision on it."""

    proposed_at: datetime
    as_of: str
    grade: str
    sub_grade: str
    previous_grade: str
    proposer: str
    reason: str
    status: str = ""
    determined: str = ""
    """The determined grade (认定) and its determiner, once determined."""
    determination_reason: str = ""
    decided_by: str = ""
    decided_at: datetime | None = None
    decision_reason: str = ""
    floor: str = ""
    position: int | None = None


def classifications(
    events: list[RecordedEvent], people: People, sub_grades: dict[str, str], lang: str
) -> list[Classification]:
    """Every classification proposed for the loan, newest first, with who decided and why."""
    found: dict[str, Classification] = {}
    for event in events:
        name = event.type.rsplit(".", 1)[-1]
        data = event.data
        key = str(data.get("proposal_id", ""))
        if name == "ClassificationProposed":
            code = data.get("sub_grade")
            found[key] = Classification(
                proposed_at=event.timestamp,
                as_of=str(data.get("as_of", ""))[:10],
                grade=_label(Grade, data.get("grade"), lang),
                sub_grade=(sub_grades.get(code, code) if lang == "zh" else code) if code else "",
                previous_grade=_label(Grade, data.get("previous_grade"), lang),
                proposer=people(event.actor_id),
                reason=str(data.get("reason", "")),
                status=_label(
                    ProposalStatus,
                    "awaiting_determination" if data.get("determination_required") else "pending",
                    lang,
                ),
                position=event.position,
            )
        elif name == "ClassificationDetermined" and key in found:
            entry = found[key]
            entry.status = _label(ProposalStatus, "pending", lang)
            code = data.get("sub_grade")
            shown = _label(Grade, data.get("grade"), lang)
            if code:
                shown += f" · {sub_grades.get(code, code) if lang == 'zh' else code}"
            entry.determined = f"{shown}（{people(event.actor_id)}）"
            entry.determination_reason = str(data.get("reason", ""))
        elif name in ("ClassificationApproved", "ClassificationRejected") and key in found:
            entry = found[key]
            entry.status = _label(
                ProposalStatus, "approved" if name == "ClassificationApproved" else "rejected", lang
            )
            entry.decided_by = people(event.actor_id)
            entry.decided_at = event.timestamp
            entry.decision_reason = str(data.get("reason", ""))
            entry.floor = _label(Grade, data["floor"], lang) if data.get("floor") else ""
    return sorted(found.values(), key=lambda c: c.position or 0, reverse=True)


# --------------------------------------------------------------------------------- gaps
@dataclass(frozen=True)
class Gap:
    """A document a filing rule requires of the loan that is missing, or came late."""

    document: str
    stage: str
    rule: str
    required_since: date | None
    due_on: date | None
    status: str
    overdue: bool
    filed_on: date | None
    days_late: int | None


@dataclass
class Gaps:
    """The loan's gaps as the completeness register shows them, or why it cannot."""

    rows: list[Gap] = field(default_factory=list)
    required: int = 0
    unavailable: str | None = None
    lagging: bool = False
    """The register has not yet applied the loan's latest event: what it shows may lag."""


def gaps_of(
    request: Request,
    viewer: Viewer,
    loan_no: str,
    doc_name: Callable[[str], str],
    latest: int | None,
) -> Gaps:
    """The requirements of the loan still missing or filed late, read from the completeness
    register within the viewer's data scope — without waiting: a register that has not applied
    the loan's ``latest`` event yet shows what it has and says so; one stopped at an event says
    that instead."""
    service = registers_of(request)
    selection = service.select(COMPLETENESS, "requirements")
    archive = archive_of(request)
    _actor, scope = archive.reading_scope(viewer.ctx, selection.projection.read_action)
    lang = viewer.t.language
    try:
        lagging = not service.applied([COMPLETENESS], latest)
        page = service.page(
            selection,
            scope=scope,
            as_of=AsOf(),
            filters={"loan_no": loan_no},
            order_by=["due_on", "trigger_position", "rule_id"],
            limit=REQUIREMENTS_SHOWN,
            offset=0,
        )
    except (RegisterFailedError, RegisterBehindError) as refused:
        return Gaps(unavailable=viewer.t.pick(refused.zh, refused.en))
    today = archive.today()
    rows = []
    for row in page.rows:
        status = row.get("status")
        if status == RequirementStatus.FILED.value:
            continue
        due = row.get("due_on")
        overdue = status == RequirementStatus.MISSING.value and due is not None and due < today
        code = str(row.get("doc_type", ""))
        named = doc_name(code)
        if named == code and row.get("doc_type_zh"):
            # Not a document of the catalogue (the reviewer's countersign, 复核意见): the
            # register names it.
            named = str(row["doc_type_zh"])
        rows.append(
            Gap(
                document=named,
                stage=_label(Stage, row.get("stage"), lang),
                rule=str(row.get("rule_id") or ""),
                required_since=row.get("required_since"),
                due_on=due,
                status=_label(RequirementStatus, status, lang),
                overdue=overdue,
                filed_on=row.get("filed_on"),
                days_late=row.get("days_late"),
            )
        )
    return Gaps(rows=rows, required=len(page.rows), lagging=lagging)


# ------------------------------------------------------------------------------ documents
@dataclass(frozen=True)
class Document:
    """A document of the dossier by its title: type and file name (never its hash)."""

    sha256: str
    title: str
    filename: str
    stage: str
    pages: int | None
    stampable: bool = True
    """False for an OFD: it is handed over as the original, without a watermark."""


def documents_of(dossier: Dossier, doc_name: Callable[[str], str], lang: str) -> list[Document]:
    return [
        Document(
            sha256=d.ref.sha256,
            title=doc_name(d.ref.doc_type),
            filename=d.ref.filename,
            stage=_label(Stage, d.stage, lang),
            pages=d.ref.pages,
            stampable=d.ref.stampable,
        )
        for d in dossier.documents
    ]


def _namer(request: Request, viewer: Viewer) -> Callable[[str], str]:
    types = archive_of(request).rule_set().document_types

    def doc_name(code: str) -> str:
        known = types.get(code)
        return viewer.t.pick(known.zh, known.en) if known else code

    return doc_name


# ---------------------------------------------------------------------------------- pages
@dataclass(frozen=True)
class Then:
    """The loan on a business date and/or as recorded by a past time (the page's picker)."""

    on: str
    as_of: str
    loan: Any = None
    refused: str = ""


def _then(request: Request, viewer: Viewer, loan_no: str, on: str, as_of: str) -> Then | None:
    """The loan as the picker asks (None when it asks nothing), or why it cannot be shown."""
    if not on and not as_of:
        return None
    from api.web.pages.registers import point_of  # the register page's reading of the picker

    try:
        point = point_of(registers_of(request), on, as_of)
        at = point.at.replace(tzinfo=UTC) if point.at is not None else None
        loan = archive_of(request).get_loan(viewer.ctx, loan_no, at=at, on=point.on)
    except (RegisterQueryError, DomainError) as refused:
        return Then(on, as_of, refused=viewer.t.pick(refused.zh, refused.en))
    return Then(on, as_of, loan)


@router.get("/loans/{loan_no}")
def loan(
    request: Request,
    viewer: ViewerDep,
    loan_no: LoanNo,
    on: Annotated[Line, Query(max_length=32)] = "",
    as_of: Annotated[Line, Query(max_length=32)] = "",
) -> Response:
    enter(request, viewer, "loans")
    archive = archive_of(request)
    found = archive.get_loan(viewer.ctx, loan_no)
    events = archive.loan_events(viewer.ctx, loan_no)
    people = People(archive, viewer.t)
    doc_name = _namer(request, viewer)
    lang = viewer.t.language
    sub_grades = sub_grade_labels(request)
    dossier: Dossier | None
    try:
        dossier = archive.get_dossier(viewer.ctx, loan_no)
        dossier_events = archive.dossier_events(viewer.ctx, loan_no)
    except DomainError:
        dossier, dossier_events = None, []
    documents = documents_of(dossier, doc_name, lang) if dossier is not None else []
    filed = {d.sha256: d.title for d in documents}
    merged = sorted(
        [*events, *_dossier_events_shown(dossier_events, found.id)],
        key=lambda e: (e.position is None, e.position or 0, e.timestamp),
    )
    positions = [e.position for e in merged if e.position is not None]
    entries = timeline(merged, people, doc_name, lang, filed, sub_grades)
    entries.reverse()  # newest first, as a file is read
    return render(
        request,
        "loan.html",
        viewer,
        area="loans",
        loan=found,
        account_manager=people(found.account_manager_id),
        origination=[
            (key, label, people(person_id) if person_id is not None else None)
            for key, label, person_id in (
                ("investigator", ("调查人", "Investigated by"), found.investigator_id),
                ("reviewer", ("审查人", "Reviewed by"), found.origination_reviewer_id),
                ("approver", ("审批人", "Approved by"), found.approver_id),
            )
        ],
        entries=entries,
        documents=documents,
        dossier=dossier,
        destroyed=dossier is not None and dossier.destroyed_on is not None,
        gaps=gaps_of(request, viewer, loan_no, doc_name, max(positions, default=None)),
        classifications=classifications(events, people, sub_grades, lang),
        sub_grades=sub_grades,
        purposes=list(ReadPurpose),
        may_read=viewer.can(Action.READ_DOCUMENT),
        may_trail=viewer.can(Action.READ_TRAIL),
        may_label=viewer.can(Action.READ_ARCHIVE_RECORDS),
        postloan=postloan.panel(request, viewer, found),
        information=information.panel(request, viewer, found),
        watch=watch.panel(request, viewer, found),
        zones=zones.panel(request, viewer, found),
        meeting_measures=papers.measures_of(request, viewer, loan_no),
        inspections=postloan.inspections_shown(request, viewer, found, documents, people),
        then=_then(request, viewer, loan_no, on.strip(), as_of.strip()),
        industry=industry_label(found.industry) if found.industry else None,
        suspensions=[
            f"{s.suspension_no} {s.subject_name}（{s.subject.zh}）"
            for s in archive.suspensions_of_loan(found)
        ],
        on=on.strip(),
        as_of=as_of.strip(),
    )


def _document(request: Request, viewer: Viewer, loan_no: str, sha256: str) -> Document:
    """The document asked for, once the viewer is known to be allowed to read documents (the
    application's own refusal otherwise) and the loan to lie within their scope."""
    enter(request, viewer, "loans")
    archive = archive_of(request)
    archive.actor(viewer.ctx, Action.READ_DOCUMENT)  # refuses a role that may not read them
    dossier = archive.get_dossier(viewer.ctx, loan_no)  # refuses a loan beyond their scope
    filed = dossier.filed(sha256)  # 404 for a document the dossier does not hold
    return documents_of(dossier, _namer(request, viewer), viewer.t.language)[
        dossier.documents.index(filed)
    ]


def _form(
    request: Request,
    viewer: Viewer,
    loan_no: str,
    document: Document,
    *,
    purpose: str = "",
    error: str | None = None,
) -> Response:
    return render(
        request,
        "document_read.html",
        viewer,
        area="loans",
        status=422 if error else 200,
        loan_no=loan_no,
        document=document,
        purposes=list(ReadPurpose),
        purpose=purpose,
        error=error,
    )


@router.get("/loans/{loan_no}/documents/{sha256}")
def read_form(request: Request, viewer: ViewerDep, loan_no: LoanNo, sha256: Sha256) -> Response:
    """Ask why the document is read (查阅目的) before it is opened."""
    return _form(request, viewer, loan_no, _document(request, viewer, loan_no, sha256))


@router.post("/loans/{loan_no}/documents/{sha256}")
def read_document(
    request: Request,
    viewer: ViewerDep,
    loan_no: LoanNo,
    sha256: Sha256,
    purpose: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Open the document: the read is recorded (with its purpose) as an event of the dossier,
    then the copy watermarked with the reader's name, the purpose and the date is handed over.
    Without a purpose nothing is recorded and the form says why."""
    document = _document(request, viewer, loan_no, sha256)
    chosen = next((p for p in ReadPurpose if p.value == purpose.strip()), None)
    if chosen is None:
        error = viewer.t("Choose why you are reading this document.")
        return _form(request, viewer, loan_no, document, purpose=purpose, error=error)
    copy = archive_of(request).read_document(viewer.ctx, loan_no, sha256, purpose=chosen)
    return document_copy(copy)
