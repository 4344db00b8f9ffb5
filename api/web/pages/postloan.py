"""贷后操作 — the post-loan staff's forms on a loan: record an inspection with its report,
propose a five-level classification and approve or reject it (the statutory floor and the
proposer's reason shown first), raise / handle / clear a risk warning, record a collection step,
register a guarantee and re-assess its guarantor (保证人), and file documents into the dossier.

Each form sends the same command, to the same application call, as its API route —
``POST /api/v1/loans/{loan_no}/inspections``, ``…/classifications``, ``…/classifications/{id}/
approve`` and ``/reject``, ``…/warnings`` (and ``/handle``, ``/clear``), ``…/collection-steps``,
``…/guarantees`` (and ``/{id}/reassess``) and ``…/dossier/documents`` — in the person's session instead of a bearer token, with the documents
uploaded as the API's multipart fields are (one per document type). A form is offered only to
whoever the application lets do the act on this loan (their role, their data scope); anyone
else asking for it, or sending it, gets the application's own refusal (403) as a page. A refused
command shows the form again with the refusal in Chinese beside it (4xx) and records nothing; a
recorded one goes back to the loan's page (303), where the new entry heads the timeline.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from uuid import UUID, uuid4

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from api.errors import status_of
from api.responses import LoanNo
from api.web.i18n import N_
from api.web.pages.common import enter, page_router, registers_of, sub_grade_labels
from api.web.people import People
from api.web.render import render
from api.web.session import Viewer, ViewerDep, archive_of
from archive.commands import Command
from archive.commands.borrowing import RequestBorrowing
from archive.commands.classification import (
    ApproveClassification,
    DetermineClassification,
    ProposeClassification,
    RejectClassification,
)
from archive.commands.collection import TakeCollectionStep
from archive.commands.guarantees import ReassessGuarantor, RegisterGuarantee
from archive.commands.inspections import CountersignInspection, RecordInspection
from archive.commands.lifecycle import ORIGINATION_STAGE, FileOriginationRecord
from archive.commands.warnings import (
    ClearWarning,
    DetermineWarning,
    GiveWarningFeedback,
    HandleWarning,
    RaiseWarning,
    RecordEmergencyProgress,
    ReportWarning,
    StartEmergencyPlan,
)
from archive.core import CommandContext
from archive.documents.ingest import Upload
from domain.authorization import Action
from domain.checklists import Checklist, ChecklistItem
from domain.errors import DomainError, NotFoundError
from domain.loan import Loan
from domain.records import Proposal
from domain.values import (
    BorrowingForm,
    BorrowingPurpose,
    CollectionPlan,
    CollectionStepKind,
    Grade,
    GuarantorCapacity,
    GuarantorKind,
    InspectionKind,
    LabelledEnum,
    WarningColour,
)
from projections.query import AsOf

router = page_router()

Kind = Literal["date", "text", "textarea", "select", "number", "file", "files", "checks"]
PDF_OR_IMAGE = "application/pdf,application/ofd,.ofd,image/jpeg,image/png,image/tiff"
REVIEWERS_READ = 1000
"""At most this many people are read from the staff directory for the reviewer's list."""
INSPECTION_REPORTS = {InspectionKind.FIRST_FOLLOW_UP.value: "first_inspection_report"}
"""The report an inspection of each kind files (any other kind: the inspection report)."""
NO_REPORT = frozenset({InspectionKind.PHONE_VISIT.value})
"""Inspections that file no report (a phone visit is noted, not written up)."""


@dataclass(frozen=True)
class Field:
    """One field of a form as the template draws it."""

    name: str
    label: str
    kind: Kind
    required: bool = True
    options: tuple[tuple[str, str], ...] = ()
    hint: str = ""
    accept: str = PDF_OR_IMAGE


@dataclass
class Form:
    """A form on a loan: what it asks, where it is sent, what it does once checked."""

    key: str
    title: str
    action: Action
    path: str
    fields: list[Field]
    submit: str
    defaults: dict[str, str] = field(default_factory=dict)
    intro: str = ""
    checklist: ChecklistShown | None = None
    """The checklist an inspection answers, drawn below the fields (an inspection form)."""


@dataclass(frozen=True)
class ChecklistShown:
    """An inspection form's checklist (贷后检查表): its items by area, figures, judgments, and
    the kinds one may switch to (each with the checklist it answers)."""

    kind: str
    checklist: Checklist | None
    judgments: tuple[tuple[str, str], ...]
    kinds: tuple[tuple[str, str], ...]

    def areas(self) -> list[tuple[str, str, list[ChecklistItem]]]:
        return self.checklist.areas() if self.checklist is not None else []


@dataclass
class Sent:
    """What a form sent: its values and its files (the empty file inputs left out)."""

    values: dict[str, str]
    files: dict[str, list[UploadFile]]
    lists: dict[str, list[str]] = field(default_factory=dict)
    """Every value of each name sent (a list of checkboxes sends one per box ticked)."""

    def text(self, name: str) -> str:
        return self.values.get(name, "").strip()


class Refused(Exception):
    """A form's values the console itself refuses before the application is asked: each
    field's message, or one for the whole form."""

    def __init__(self, errors: Mapping[str, str], message: str = "") -> None:
        super().__init__(message)
        self.errors = dict(errors)
        self.message = message


# -------------------------------------------------------------------------- permissions
def may(request: Request, viewer: Viewer, action: Action, loan: Loan) -> bool:
    """Whether the application lets the viewer do ``action`` on ``loan`` now: a role that may,
    and the loan within that role's data scope for acting."""
    if not viewer.can(action):
        return False
    archive = archive_of(request)
    try:
        actor = archive.actor(viewer.ctx, action)
        reaching = archive.reaching(actor, action)
        if reaching is not None:  # the loan already read: its unit and managers decide
            reaching.check(loan.loan_no, loan.branch, loan.managers)
    except DomainError:
        return False
    return True


def permit(request: Request, viewer: Viewer, action: Action, loan_no: str) -> None:
    """Raise the application's own refusal (403, in both languages) unless the viewer may do
    ``action`` on the loan."""
    archive = archive_of(request)
    actor = archive.actor(viewer.ctx, action)
    archive.check_reach(actor, action, loan_no)


# ---------------------------------------------------------------------------- options
def _options(enum: type[LabelledEnum], viewer: Viewer) -> tuple[tuple[str, str], ...]:
    return tuple((str(m.value), viewer.t.pick(m.zh, str(m.value).replace("_", " "))) for m in enum)


def _doc_types(
    request: Request, viewer: Viewer, stages: Sequence[str] | None = None
) -> tuple[tuple[str, str], ...]:
    types = archive_of(request).rule_set().document_types
    return tuple(
        (code, viewer.t.pick(d.zh, d.en))
        for code, d in types.items()
        if stages is None or d.stage in stages
    )


def _reviewers(
    request: Request, viewer: Viewer, loan: Loan, role: str = "reviewer"
) -> tuple[tuple[str, str], ...]:
    """Who may countersign an inspection: each person holding the reviewer role now (or
    ``role``, or any with ``""``), by name, those of the loan's branch first — from the staff
    directory, as every page names people."""
    service = registers_of(request)
    selection = service.select("staff_directory")
    _actor, scope = archive_of(request).reading_scope(viewer.ctx, Action.READ_BUSINESS)
    page = service.page(
        selection,
        scope=scope,
        as_of=AsOf(),
        filters={},
        order_by=["staff_no"],
        limit=REVIEWERS_READ,
        offset=0,
    )
    found = [
        r
        for r in page.rows
        if (not role or role in str(r.get("roles") or "").split(","))
        and r["staff_id"] != viewer.staff.id
    ]
    found.sort(key=lambda r: (r.get("branch") != loan.branch, r["staff_no"]))
    return tuple((str(r["staff_no"]), str(r["display_name"])) for r in found)


# ------------------------------------------------------------------------------ forms
def _file(name: str, label: str, *, required: bool = False, hint: str = "") -> Field:
    return Field(name, label, "file", required=required, hint=hint)


def inspection_checklist(request: Request, viewer: Viewer, loan: Loan, kind: str) -> ChecklistShown:
    """The checklist an inspection of ``kind`` of the loan answers, by the rules in force."""
    lists = archive_of(request).rule_set().checklists
    chosen = kind if kind in {k.value for k in InspectionKind} else InspectionKind.ROUTINE.value
    return ChecklistShown(
        kind=chosen,
        checklist=lists.for_inspection(chosen, loan.checklist_facts()),
        judgments=tuple((j.code, viewer.t.pick(j.zh, j.en)) for j in lists.judgments),
        kinds=_options(InspectionKind, viewer),
    )


def inspection_form(request: Request, viewer: Viewer, loan: Loan, kind: str = "") -> Form:
    kind = kind or request.query_params.get("kind", "")
    shown = inspection_checklist(request, viewer, loan, kind)
    return Form(
        key="inspection",
        title=N_("Record an inspection"),
        action=Action.RECORD_INSPECTION,
        path=f"/loans/{loan.loan_no}/inspections/new",
        fields=[
            Field(
                "kind", N_("Inspection kind"), "select", options=_options(InspectionKind, viewer)
            ),
            Field("inspected_on", N_("Inspection date"), "date"),
            Field(
                "reviewer_no",
                N_("Reviewer (countersigns)"),
                "select",
                options=_reviewers(request, viewer, loan),
                hint=N_("Someone other than yourself, holding the reviewer role."),
            ),
            Field(
                "assistant_no",
                N_("Assistant inspector (B post)"),
                "select",
                required=False,
                options=_reviewers(request, viewer, loan, role="account_manager"),
                hint=N_(
                    "You are the main inspector (A post); a loan the rules say needs a B post "
                    "names its assistant inspector."
                ),
            ),
            Field("findings", N_("Findings"), "textarea"),
            _file(
                "report",
                N_("Inspection report (PDF)"),
                hint=N_(
                    "Required when no checklist applies (except for a phone visit); filed into "
                    "the dossier. With a checklist, the form is generated from the answers and "
                    "a scan may be added."
                ),
            ),
            _file("site_photo", N_("On-site photo"), hint=N_("For an on-site inspection.")),
            *_return_visit_fields(shown.checklist),
        ],
        submit=N_("Record the inspection"),
        defaults={"kind": shown.kind},
        checklist=shown,
    )


def _return_visit_fields(checklist: Checklist | None) -> list[Field]:
    """A return visit's record (回访记录) names whom the inspector spoke to or met; its
    on-site visit files the photo with the actual controller."""
    if checklist is None or not checklist.counterpart:
        return []
    fields = [Field("counterpart", N_("Whom you spoke to or met"), "text")]
    if InspectionKind.ON_SITE.value in checklist.kinds:
        fields.append(
            _file(
                "controller_photo",
                N_("Photo with the actual controller"),
                hint=N_("For an on-site return visit."),
            )
        )
    return fields


def countersign_form(loan: Loan, inspection_id: UUID) -> Form:
    return Form(
        key="countersign",
        title=N_("Countersign the inspection"),
        action=Action.COUNTERSIGN_INSPECTION,
        path=f"/loans/{loan.loan_no}/inspections/{inspection_id}/countersign",
        fields=[
            Field("countersigned_on", N_("Date countersigned"), "date"),
            Field("opinion", N_("Reviewer's opinion"), "textarea"),
            Field(
                "measures",
                N_("Measures proposed"),
                "textarea",
                required=False,
                hint=N_("Optional: what the reviewer asks to be done."),
            ),
        ],
        submit=N_("Countersign"),
        intro=N_(
            "Only the reviewer the inspection names countersigns it, once; after the deadline "
            "the rules set it is recorded as late."
        ),
    )


def checklist_answers(checklist: Checklist, sent: Sent) -> dict[str, Any]:
    """The checklist answers a form sent: each item answered (an unanswered one left out, for
    the loan to name), the figures, the judgment and the measures."""
    answers = []
    for item in checklist.items:
        result = sent.text(f"answer:{item.code}")
        if result:
            note = sent.text(f"note:{item.code}")
            answers.append({"item": item.code, "result": result, "note": note or None})
    return {
        "answers": answers,
        "figures": {
            f.code: sent.text(f"figure:{f.code}")
            for f in checklist.figures
            if sent.text(f"figure:{f.code}")
        },
        "judgment": sent.text("judgment") or None,
        "measures": sent.text("measures") or None,
    }


def inspections_shown(
    request: Request, viewer: Viewer, loan: Loan, documents: Sequence[Any], people: Any
) -> list[dict[str, Any]]:
    """The loan's inspections for its page, newest first: each with its checklist answers (or
    as free text recorded before checklists) and its generated form among the documents."""
    lists = archive_of(request).rule_set().checklists
    t = viewer.t
    rows = []
    for inspection in sorted(loan.inspections.values(), key=lambda i: i.inspected_on, reverse=True):
        checklist = lists.get(inspection.checklist)
        judgment = lists.judgment(inspection.judgment)
        name = f"inspection-{loan.loan_no}-{inspection.inspected_on.isoformat()}-"
        name += f"{inspection.kind.value}.pdf"
        items = {i.code: i for i in checklist.items} if checklist is not None else {}
        answers = [
            {
                "code": a["item"],
                "text": t.pick(items[a["item"]].zh, items[a["item"]].en)
                if a["item"] in items
                else a["item"],
                "abnormal": a["result"] == "abnormal",
                "note": a.get("note") or "",
            }
            for a in inspection.answers or []
        ]
        figures = {f.code: t.pick(f.zh, f.en) for f in checklist.figures} if checklist else {}
        rows.append(
            {
                "inspected_on": inspection.inspected_on.isoformat(),
                "kind": t.pick(inspection.kind.zh, inspection.kind.value.replace("_", " ")),
                "inspector": people(inspection.inspector_id),
                "assistant": people(inspection.assistant_id) if inspection.assistant_id else "",
                "joint": [
                    (j["department"], people(UUID(j["staff_id"]))) for j in inspection.joint or []
                ],
                "reviewer": people(inspection.reviewer_id),
                "findings": inspection.findings,
                "free_text": inspection.checklist is None,
                "checklist": t.pick(checklist.zh, checklist.en)
                if checklist is not None
                else inspection.checklist,
                "judgment": t.pick(judgment.zh, judgment.en)
                if judgment is not None
                else inspection.judgment,
                "abnormal": inspection.abnormal,
                "measures": inspection.measures or "",
                "counterpart": inspection.counterpart or "",
                "answers": answers,
                "figures": [
                    (figures.get(code, code), amount)
                    for code, amount in (inspection.figures or {}).items()
                ],
                "form": next((d for d in documents if d.filename == name), None),
            }
        )
    return rows


def propose_form(request: Request, viewer: Viewer, loan: Loan) -> Form:
    sub_grades = sub_grade_labels(request)
    return Form(
        key="propose",
        title=N_("Propose a five-level classification"),
        action=Action.PROPOSE_CLASSIFICATION,
        path=f"/loans/{loan.loan_no}/classifications/new",
        fields=[
            Field("grade", N_("Proposed grade"), "select", options=_options(Grade, viewer)),
            Field(
                "sub_grade",
                N_("Sub-grade"),
                "select",
                required=False,
                options=tuple(
                    (code, zh if viewer.t.language == "zh" else code)
                    for code, zh in sub_grades.items()
                ),
                hint=N_("Optional: the bank's refinement of the grade chosen."),
            ),
            Field("as_of", N_("Classification date"), "date"),
            Field("reason", N_("Reason for the proposal"), "textarea"),
            _file("classification_form", N_("Classification form")),
        ],
        submit=N_("Submit for approval"),
        defaults={"grade": loan.grade.value},
        intro=N_(
            "The branch's credit management determines the proposal where the rules require it "
            "(认定), then a risk manager approves or rejects it; neither may be you."
        ),
    )


def decide_form(loan: Loan, proposal_id: UUID) -> Form:
    return Form(
        key="decide",
        title=N_("Approve or reject the classification"),
        action=Action.APPROVE_CLASSIFICATION,
        path=f"/loans/{loan.loan_no}/classifications/{proposal_id}",
        fields=[
            Field("reason", N_("Reason for the decision"), "textarea"),
            _file(
                "classification_form",
                N_("Classification form"),
                hint=N_("Filed with an approval only."),
            ),
        ],
        submit=N_("Approve"),
    )


def determine_form(request: Request, viewer: Viewer, loan: Loan, proposal_id: UUID) -> Form:
    """认定: the branch's credit management confirms the proposed grade or sets another."""
    sub_grades = sub_grade_labels(request)
    proposal = loan.proposals.get(proposal_id)
    defaults = (
        {"grade": proposal.grade.value, "sub_grade": proposal.sub_grade or ""} if proposal else {}
    )
    return Form(
        key="determine",
        title=N_("Determine the classification"),
        action=Action.DETERMINE_CLASSIFICATION,
        path=f"/loans/{loan.loan_no}/classifications/{proposal_id}/determine",
        fields=[
            Field("grade", N_("Determined grade"), "select", options=_options(Grade, viewer)),
            Field(
                "sub_grade",
                N_("Sub-grade"),
                "select",
                required=False,
                options=tuple(
                    (code, zh if viewer.t.language == "zh" else code)
                    for code, zh in sub_grades.items()
                ),
            ),
            Field("reason", N_("Reason for the determination"), "textarea"),
        ],
        submit=N_("Determine"),
        defaults=defaults,
        intro=N_(
            "Confirm the proposed grade or set another, with the reason; a risk manager other "
            "than you and the proposer then approves it."
        ),
    )


def raise_form(request: Request, viewer: Viewer, loan: Loan) -> Form:
    """Under rules with a catalogue (预警信号指标库), a select of its signals, each with its
    colour; under rules without one, the colour and a free code."""
    catalogue = archive_of(request).rule_set().warnings.catalogue
    if catalogue:
        signal_fields = [
            Field(
                "code",
                N_("Warning signal"),
                "select",
                options=tuple(
                    (
                        c.code,
                        f"{c.code} {c.name}（{viewer.t.pick(c.colour.zh, c.colour.value)}）",
                    )
                    for c in catalogue.values()
                ),
                hint=N_("The signal of the bank's warning catalogue; its colour comes with it."),
            )
        ]
    else:
        signal_fields = [
            Field("colour", N_("Warning level"), "select", options=_options(WarningColour, viewer)),
            Field(
                "code",
                N_("Signal code"),
                "text",
                hint=N_("The code of the signal in the bank's warning catalogue."),
            ),
        ]
    return Form(
        key="raise",
        title=N_("Raise a risk warning"),
        action=Action.RAISE_WARNING,
        path=f"/loans/{loan.loan_no}/warnings/new",
        fields=[
            *signal_fields,
            Field("raised_on", N_("Date raised"), "date"),
            Field("reason", N_("What was seen"), "textarea"),
            _file("warning_form", N_("Warning handling form")),
        ],
        submit=N_("Raise the warning"),
    )


def report_form(loan: Loan, signal_id: UUID) -> Form:
    return Form(
        key="report",
        title=N_("Receive a warning's report"),
        action=Action.REPORT_WARNING,
        path=f"/loans/{loan.loan_no}/warnings/{signal_id}/report",
        fields=[Field("reported_on", N_("Date received"), "date")],
        submit=N_("Record the report received"),
        intro=N_("The warning reaches the role its colour's reporting route names."),
    )


def feedback_form(loan: Loan, signal_id: UUID) -> Form:
    return Form(
        key="feedback",
        title=N_("Report the result of a warning's handling"),
        action=Action.GIVE_WARNING_FEEDBACK,
        path=f"/loans/{loan.loan_no}/warnings/{signal_id}/feedback",
        fields=[
            Field("feedback_on", N_("Date of the feedback"), "date"),
            Field("result", N_("Result of the measures"), "textarea"),
        ],
        submit=N_("Record the feedback"),
    )


def determine_warning_form(loan: Loan, signal_id: UUID, viewer: Viewer) -> Form:
    return Form(
        key="determine_warning",
        title=N_("Determine a risk warning"),
        action=Action.DETERMINE_WARNING,
        path=f"/loans/{loan.loan_no}/warnings/{signal_id}/determine",
        fields=[
            Field("determined_on", N_("Date determined"), "date"),
            Field(
                "confirmed",
                N_("Determination"),
                "select",
                options=(
                    ("true", viewer.t(N_("Risk confirmed"))),
                    ("false", viewer.t(N_("Risk dismissed"))),
                ),
            ),
            Field("opinion", N_("Opinion"), "textarea"),
        ],
        submit=N_("Determine"),
        intro=N_(
            "Neither whoever handled the warning nor whoever gave its feedback determines it."
        ),
    )


def handle_form(loan: Loan, signal_id: UUID) -> Form:
    return Form(
        key="handle",
        title=N_("Handle a risk warning"),
        action=Action.HANDLE_WARNING,
        path=f"/loans/{loan.loan_no}/warnings/{signal_id}/handle",
        fields=[
            Field("handled_on", N_("Date handled"), "date"),
            Field("measures", N_("Measures taken"), "textarea"),
            _file("warning_form", N_("Warning handling form")),
        ],
        submit=N_("Record the handling"),
    )


def plan_form(request: Request, viewer: Viewer, loan: Loan, signal_id: UUID) -> Form:
    return Form(
        key="plan",
        title=N_("Start the emergency plan"),
        action=Action.START_EMERGENCY_PLAN,
        path=f"/loans/{loan.loan_no}/warnings/{signal_id}/emergency-plan",
        fields=[
            Field("started_on", N_("Date started"), "date"),
            Field("measures", N_("Emergency measures"), "textarea"),
            Field(
                "owner_no",
                N_("Who carries it out"),
                "select",
                options=_reviewers(request, viewer, loan, role="account_manager"),
            ),
            Field("due_on", N_("To be carried out by"), "date"),
        ],
        submit=N_("Start the plan"),
        intro=N_("A red signal starts its emergency plan at once, the day it is raised."),
    )


def progress_form(loan: Loan, signal_id: UUID) -> Form:
    return Form(
        key="progress",
        title=N_("Record the emergency plan's progress"),
        action=Action.RECORD_EMERGENCY_PROGRESS,
        path=f"/loans/{loan.loan_no}/warnings/{signal_id}/emergency-plan/progress",
        fields=[
            Field("progress_on", N_("Date"), "date"),
            Field("progress", N_("How the plan stands"), "textarea"),
        ],
        submit=N_("Record the progress"),
    )


def clear_form(loan: Loan, signal_id: UUID) -> Form:
    return Form(
        key="clear",
        title=N_("Clear a risk warning"),
        action=Action.CLEAR_WARNING,
        path=f"/loans/{loan.loan_no}/warnings/{signal_id}/clear",
        fields=[
            Field("cleared_on", N_("Date cleared"), "date"),
            Field("reason", N_("Why it is cleared"), "textarea"),
        ],
        submit=N_("Clear the warning"),
    )


def collection_form(request: Request, viewer: Viewer, loan: Loan) -> Form:
    return Form(
        key="collection",
        title=N_("Record a collection step"),
        action=Action.TAKE_COLLECTION_STEP,
        path=f"/loans/{loan.loan_no}/collection-steps/new",
        fields=[
            Field(
                "kind",
                N_("Collection step"),
                "select",
                options=_options(CollectionStepKind, viewer),
            ),
            Field("taken_on", N_("Date taken"), "date"),
            Field("days_overdue", N_("Days overdue that day"), "number"),
            Field("outcome", N_("Outcome"), "textarea"),
            Field(
                "legal_adviser",
                N_("Legal adviser informed"),
                "text",
                required=False,
                hint=N_("Required from the fifth day overdue (法律顾问介入)."),
            ),
            Field(
                "participants",
                N_("Others taking part"),
                "text",
                required=False,
                hint=N_(
                    "Staff numbers, separated by commas: the post-loan officer on the joint "
                    "visit; the post-loan officer and a supervisor on the revised plan."
                ),
            ),
            Field(
                "cause",
                N_("Cause of the arrears found"),
                "textarea",
                required=False,
                hint=N_("On a revised plan: the cause investigated and verified (逾期原因)."),
            ),
            Field(
                "plan",
                N_("Plan settled on"),
                "select",
                required=False,
                options=_options(CollectionPlan, viewer),
                hint=N_("On a revised plan only; early recall is 提前收回贷款."),
            ),
            Field(
                "promised_date",
                N_("Repayment promised for"),
                "date",
                required=False,
                hint=N_("If the borrower promised to pay by a date."),
            ),
            Field(
                "doc_type",
                N_("Document type"),
                "select",
                required=False,
                options=_doc_types(request, viewer, ("collection",)),
            ),
            Field("documents", N_("Documents"), "files", required=False),
        ],
        submit=N_("Record the step"),
        defaults={"days_overdue": str(loan.days_overdue)},
    )


def guarantee_form(viewer: Viewer, loan: Loan) -> Form:
    return Form(
        key="guarantee",
        title=N_("Register a guarantee"),
        action=Action.REGISTER_GUARANTEE,
        path=f"/loans/{loan.loan_no}/guarantees/new",
        fields=[
            Field("guarantor_name", N_("Guarantor"), "text"),
            Field(
                "kind", N_("Kind of guarantor"), "select", options=_options(GuarantorKind, viewer)
            ),
            Field(
                "id_no",
                N_("ID card number or credit code"),
                "text",
                hint=N_("18 characters: the ID card of a person, the credit code of a company."),
            ),
            Field("amount", N_("Amount guaranteed (yuan)"), "text"),
            Field("contract_no", N_("Guarantee contract number"), "text"),
            Field("registered_on", N_("Date registered"), "date"),
            Field("rating", N_("Credit rating"), "text", required=False),
            _file("guarantee_contract", N_("Guarantee contract")),
        ],
        submit=N_("Register the guarantee"),
    )


def reassess_form(viewer: Viewer, loan: Loan, guarantee_id: UUID) -> Form:
    guarantee = loan.guarantees.get(guarantee_id)
    name = guarantee.guarantor_name if guarantee is not None else ""
    return Form(
        key="reassess",
        title=N_("Re-assess a guarantor"),
        action=Action.REASSESS_GUARANTOR,
        path=f"/loans/{loan.loan_no}/guarantees/{guarantee_id}/reassess",
        fields=[
            Field("assessed_on", N_("Date assessed"), "date"),
            Field(
                "capacity",
                N_("Repayment capacity"),
                "select",
                options=_options(GuarantorCapacity, viewer),
                hint=N_("Weakened or lost raises warning signal GUA-03."),
            ),
            Field("rating", N_("Credit rating"), "text", required=False),
            Field("findings", N_("Findings"), "textarea"),
            _file("guarantor_assessment", N_("Assessment report")),
        ],
        submit=N_("Record the re-assessment"),
        intro=name,
    )


def _credit_file_types(request: Request) -> list[tuple[str, str, str]]:
    """The document types of a disbursement's credit file (放款资料), by the rules in force:
    code, Chinese and English names."""
    types = archive_of(request).rule_set().document_types
    return [(code, t.zh, t.en) for code, t in types.items() if t.stage == ORIGINATION_STAGE]


def origination_form(request: Request, viewer: Viewer, loan: Loan) -> Form:
    """贷前资料补录: the credit file, rating and reviewer and approver of a loan the core booked."""
    approvers = _reviewers(request, viewer, loan, role="branch_head") + _reviewers(
        request, viewer, loan, role="risk_manager"
    )
    return Form(
        key="origination",
        title=N_("File the origination record"),
        action=Action.FILE_ORIGINATION,
        path=f"/loans/{loan.loan_no}/origination-record/new",
        fields=[
            Field("filed_on", N_("Filed on"), "date"),
            Field(
                "borrower_rating",
                N_("Credit rating"),
                "text",
                hint=N_("The borrower's rating the loan was granted on (e.g. AA, A+)."),
            ),
            Field(
                "origination_reviewer_no",
                N_("Reviewed by"),
                "select",
                options=_reviewers(request, viewer, loan),
            ),
            Field(
                "approver_no",
                N_("Approved by"),
                "select",
                options=approvers,
                hint=N_(
                    "A branch head or a risk manager; neither the investigator nor the reviewer."
                ),
            ),
            *(
                Field(code, viewer.t.pick(zh, en), "files", required=False)
                for code, zh, en in _credit_file_types(request)
            ),
        ],
        submit=N_("File the origination record"),
        intro=N_(
            "The core system booked this loan without its credit file, rating, reviewer or "
            "approver: file them once, with the documents (贷前资料补录)."
        ),
    )


def documents_form(request: Request, viewer: Viewer, loan: Loan) -> Form:
    return Form(
        key="documents",
        title=N_("File documents into the dossier"),
        action=Action.FILE_DOCUMENT,
        path=f"/loans/{loan.loan_no}/dossier/documents/new",
        fields=[
            Field("doc_type", N_("Document type"), "select", options=_doc_types(request, viewer)),
            Field(
                "documents",
                N_("Documents"),
                "files",
                hint=N_("PDF, JPEG, PNG or TIFF; several files of the same type at once."),
            ),
        ],
        submit=N_("File into the dossier"),
        intro=N_(
            "For documents that evidence no new event of their own (补充归档): the dossier "
            "records who filed them and when."
        ),
    )


def _document_label(doc_type: str, filename: str, types: Mapping[str, Any], viewer: Viewer) -> str:
    """A filed document as a person names it: its type (借款合同), then its file's name."""
    known = types.get(doc_type)
    name = viewer.t.pick(known.zh, known.en) if known is not None else doc_type
    return f"{name}（{filename}）"


def borrowing_form(request: Request, viewer: Viewer, loan: Loan) -> Form:
    archive = archive_of(request)
    days = archive.rule_set().borrowing.default_days
    dossier = archive.dossier_of(loan)
    types = archive.rule_set().document_types
    return Form(
        key="borrow",
        title=N_("Request to borrow the dossier"),
        action=Action.REQUEST_BORROWING,
        path=f"/loans/{loan.loan_no}/borrowings/new",
        fields=[
            Field("purpose", N_("Purpose"), "select", options=_options(BorrowingPurpose, viewer)),
            Field("form", N_("What is lent"), "select", options=_options(BorrowingForm, viewer)),
            Field("reason", N_("Why it is needed"), "textarea"),
            Field(
                "documents",
                N_("Documents"),
                "checks",
                required=False,
                options=tuple(
                    (d.ref.sha256, _document_label(d.ref.doc_type, d.ref.filename, types, viewer))
                    for d in dossier.documents
                ),
                hint=N_("None ticked: the whole dossier."),
            ),
            Field("requested_on", N_("Date of the request"), "date"),
            Field(
                "due_on",
                N_("Back by"),
                "date",
                required=False,
                hint=viewer.t(
                    "Left empty: %(days)s days after approval, as the rules say.", days=days
                ),
            ),
        ],
        submit=N_("Send the request"),
        defaults={"purpose": BorrowingPurpose.BUSINESS.value, "form": BorrowingForm.ORIGINAL.value},
        intro=N_(
            "The archive office approves the request at its desk and numbers the slip "
            "(借阅〔年〕第号)."
        ),
    )


# ------------------------------------------------------------------------ the loan page
@dataclass(frozen=True)
class Link:
    label: str
    path: str


@dataclass(frozen=True)
class PendingProposal:
    id: UUID
    grade: str
    sub_grade: str
    as_of: str
    proposer: str
    reason: str
    path: str | None
    stage: str = ""
    """待认定 or 待审批."""
    determined: str = ""
    """The determined grade (认定) and who determined it, once determined."""
    waiting_for: str = ""
    act: str = ""
    """What the link does: determine (认定) or decide (审批)."""


@dataclass(frozen=True)
class GuaranteeShown:
    name: str
    kind: str
    id_no: str
    amount: str
    contract_no: str
    capacity: str
    capacity_code: str
    rating: str
    assessed_on: str
    reassess: str | None


@dataclass(frozen=True)
class Signal:
    colour: str
    colour_code: str
    code: str
    name: str
    raised_on: str
    reason: str
    status: str
    handled_on: str
    measures: str
    cleared_on: str
    handle: str | None
    clear: str | None
    report: str | None = None
    feedback: str | None = None
    determine: str | None = None
    plan: str = ""
    """The emergency plan (应急预案): owner, deadline, progress; what is owed, or nothing."""
    start_plan: str | None = None
    record_progress: str | None = None


DONE: dict[str, str] = {
    "inspection": N_("The inspection has been recorded."),
    "countersign": N_("The inspection has been countersigned."),
    "propose": N_("The classification has been proposed for approval."),
    "determine": N_("The classification has been determined and awaits approval."),
    "approve": N_("The classification has been approved."),
    "reject": N_("The classification has been rejected."),
    "raise": N_("The warning has been raised."),
    "handle": N_("The warning's handling has been recorded."),
    "clear": N_("The warning has been cleared."),
    "report": N_("The warning's report has been received."),
    "feedback": N_("The result of the warning's handling has been reported."),
    "determine_warning": N_("The warning has been determined."),
    "plan": N_("The emergency plan has been started."),
    "progress": N_("The emergency plan's progress has been recorded."),
    "collection": N_("The collection step has been recorded."),
    "guarantee": N_("The guarantee has been registered."),
    "reassess": N_("The guarantor's re-assessment has been recorded."),
    "documents": N_("The documents have been filed into the dossier."),
    "borrow": N_("The borrowing has been requested; the archive office approves it at its desk."),
    "information": N_("The borrower's information has been changed."),
    "funds": N_("The use of the funds has been recorded."),
}
PROPOSAL_STATUS = {
    "awaiting_determination": N_("Awaiting determination"),
    "pending": N_("Awaiting approval"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
}
STATUS = {
    "raised": N_("Raised"),
    "handled": N_("Handled"),
    "fed_back": N_("Result reported"),
    "determined": N_("Determined"),
    "cleared": N_("Cleared"),
}


def _proposal_path(base: str, proposal: Proposal, allowed: Mapping[Action, bool]) -> str | None:
    """Where the viewer acts on a pending proposal: the determination (认定) while it awaits
    one, the decision (审批) after; None when the viewer may do neither."""
    if proposal.stage == "awaiting_determination":
        may_act = allowed[Action.DETERMINE_CLASSIFICATION]
        return f"{base}/classifications/{proposal.id}/determine" if may_act else None
    return (
        f"{base}/classifications/{proposal.id}" if allowed[Action.APPROVE_CLASSIFICATION] else None
    )


def _determined(t: Any, proposal: Proposal, sub_grades: Mapping[str, str], people: Any) -> str:
    """The determined grade and its determiner (认定), or nothing before the determination."""
    if proposal.determiner_id is None or proposal.determined_grade is None:
        return ""
    grade = proposal.determined_grade
    shown = t.pick(grade.zh, grade.value.replace("_", " "))
    code = proposal.determined_sub_grade
    if code:
        shown += f" · {sub_grades.get(code, code) if t.language == 'zh' else code}"
    return f"{shown}（{people(proposal.determiner_id)}）"


def panel(request: Request, viewer: Viewer, loan: Loan) -> dict[str, Any]:
    """What the loan's page shows of the post-loan work: the forms the viewer may open, the
    proposals awaiting a decision and the warnings, each with what the viewer may do to it."""
    t = viewer.t
    allowed = {
        a: may(request, viewer, a, loan)
        for a in (
            Action.RECORD_INSPECTION,
            Action.COUNTERSIGN_INSPECTION,
            Action.PROPOSE_CLASSIFICATION,
            Action.DETERMINE_CLASSIFICATION,
            Action.APPROVE_CLASSIFICATION,
            Action.RAISE_WARNING,
            Action.HANDLE_WARNING,
            Action.CLEAR_WARNING,
            Action.REPORT_WARNING,
            Action.GIVE_WARNING_FEEDBACK,
            Action.DETERMINE_WARNING,
            Action.START_EMERGENCY_PLAN,
            Action.RECORD_EMERGENCY_PROGRESS,
            Action.TAKE_COLLECTION_STEP,
            Action.REGISTER_GUARANTEE,
            Action.REASSESS_GUARANTOR,
            Action.FILE_DOCUMENT,
            Action.REQUEST_BORROWING,
            Action.FILE_ORIGINATION,
        )
    }
    base = f"/loans/{loan.loan_no}"
    links = [
        Link(t(label), f"{base}/{path}")
        for action, label, path in (
            (Action.RECORD_INSPECTION, N_("Record an inspection"), "inspections/new"),
            (Action.PROPOSE_CLASSIFICATION, N_("Propose a classification"), "classifications/new"),
            (Action.RAISE_WARNING, N_("Raise a risk warning"), "warnings/new"),
            (Action.TAKE_COLLECTION_STEP, N_("Record a collection step"), "collection-steps/new"),
            (Action.REGISTER_GUARANTEE, N_("Register a guarantee"), "guarantees/new"),
            (Action.FILE_DOCUMENT, N_("File documents"), "dossier/documents/new"),
        )
        if allowed[action]
    ]
    if allowed[Action.FILE_ORIGINATION] and loan.booked_by_core and not loan.origination_filed_on:
        links.insert(
            0, Link(t(N_("File the origination record")), f"{base}/origination-record/new")
        )
    if allowed[Action.COUNTERSIGN_INSPECTION]:  # the inspections naming the viewer, unsigned
        links += [
            Link(
                t("Countersign the inspection of %(date)s", date=i.inspected_on.isoformat()),
                f"{base}/inspections/{i.id}/countersign",
            )
            for i in sorted(loan.inspections.values(), key=lambda i: i.inspected_on)
            if i.reviewer_id == viewer.staff.id and i.countersigned_on is None
        ]
    people = People(archive_of(request), t)
    sub_grades = sub_grade_labels(request)
    pending = [
        PendingProposal(
            id=p.id,
            grade=t.pick(p.grade.zh, p.grade.value.replace("_", " ")),
            sub_grade=(sub_grades.get(p.sub_grade, p.sub_grade) if p.sub_grade else ""),
            as_of=p.as_of.isoformat(),
            proposer=people(p.proposer_id),
            reason=p.reason,
            path=_proposal_path(base, p, allowed),
            stage=t(PROPOSAL_STATUS[p.stage]),
            determined=_determined(t, p, sub_grades, people),
            waiting_for=t(
                N_("Awaiting the branch's credit management")
                if p.stage == "awaiting_determination"
                else N_("Awaiting the risk manager")
            ),
            act=t(
                N_("Review and determine")
                if p.stage == "awaiting_determination"
                else N_("Review and decide")
            ),
        )
        for p in loan.proposals.values()
        if p.status == "pending"
    ]
    rules = archive_of(request).rule_set().warnings
    me = viewer.staff.id
    signals = [
        Signal(
            colour=t.pick(w.colour.zh, w.colour.value),
            colour_code=w.colour.value,
            code=w.code,
            name=rules.catalogue[w.code].name if w.code in rules.catalogue else "",
            raised_on=w.raised_on.isoformat(),
            reason=w.reason,
            status=t(STATUS.get(w.status, w.status)),
            handled_on=w.handled_on.isoformat() if w.handled_on else "",
            measures=w.measures or "",
            cleared_on=w.cleared_on.isoformat() if w.cleared_on else "",
            handle=f"{base}/warnings/{w.id}/handle"
            if allowed[Action.HANDLE_WARNING] and w.status == "raised"
            else None,
            clear=f"{base}/warnings/{w.id}/clear"
            if allowed[Action.CLEAR_WARNING]
            and (
                w.status == "determined"
                if w.closed_loop
                else w.status in {"handled", "fed_back", "determined"}
            )
            and not (w.closed_loop and me in w.handler_ids)
            else None,
            report=f"{base}/warnings/{w.id}/report"
            if allowed[Action.REPORT_WARNING]
            and w.reported_on is None
            and w.cleared_on is None
            and w.colour in rules.reporting
            and {rules.reporting[w.colour].to, rules.reporting[w.colour].escalate_to}
            & set(viewer.roles)
            else None,
            feedback=f"{base}/warnings/{w.id}/feedback"
            if allowed[Action.GIVE_WARNING_FEEDBACK] and w.status == "handled"
            else None,
            determine=f"{base}/warnings/{w.id}/determine"
            if allowed[Action.DETERMINE_WARNING]
            and w.status == "fed_back"
            and me not in w.handler_ids | w.feedback_by
            else None,
            plan=_plan_shown(t, w, people),
            start_plan=f"{base}/warnings/{w.id}/emergency-plan"
            if allowed[Action.START_EMERGENCY_PLAN]
            and w.plan_started_on is None
            and w.cleared_on is None
            else None,
            record_progress=f"{base}/warnings/{w.id}/emergency-plan/progress"
            if allowed[Action.RECORD_EMERGENCY_PROGRESS]
            and w.plan_started_on is not None
            and w.cleared_on is None
            else None,
        )
        for w in sorted(loan.warnings.values(), key=lambda w: w.raised_on, reverse=True)
    ]
    guarantees = [
        GuaranteeShown(
            name=g.guarantor_name,
            kind=t.pick(g.kind.zh, g.kind.value.replace("_", " ")),
            id_no=g.id_no,
            amount=str(g.amount),
            contract_no=g.contract_no,
            capacity=t.pick(g.capacity.zh, g.capacity.value),
            capacity_code=g.capacity.value,
            rating=g.rating,
            assessed_on=g.assessed_on.isoformat(),
            reassess=f"{base}/guarantees/{g.id}/reassess"
            if allowed[Action.REASSESS_GUARANTOR]
            else None,
        )
        for g in loan.guarantees.values()
    ]
    done = request.query_params.get("done", "")
    borrow = (
        Link(t(N_("Request to borrow")), f"{base}/borrowings/new")
        if allowed[Action.REQUEST_BORROWING]
        else None
    )
    return {
        "links": links,
        "borrow": borrow,
        "pending": pending,
        "signals": signals,
        "guarantees": guarantees,
        "done": t(DONE[done]) if done in DONE else "",
    }


# ------------------------------------------------------------------------------ sending
async def _sent(request: Request) -> Sent:
    form: FormData = await request.form()
    values: dict[str, str] = {}
    files: dict[str, list[UploadFile]] = {}
    lists: dict[str, list[str]] = {}
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            if value.filename:
                files.setdefault(name, []).append(value)
        elif name != "csrf_token":
            values[name] = value
            lists.setdefault(name, []).append(value)
    return Sent(values, files, lists)


def _upload(doc_type: str, file: UploadFile) -> Upload:
    return Upload(
        doc_type=doc_type,
        filename=file.filename or "",
        stream=file.file,
        declared_media_type=file.content_type,
    )


def _check(form: Form, sent: Sent, viewer: Viewer) -> dict[str, Any]:
    """The form's values, each required one present (else Refused, naming the fields); empty
    optional ones as none."""
    errors: dict[str, str] = {}
    data: dict[str, Any] = {}
    for f in form.fields:
        if f.kind in ("file", "files"):
            if f.required and not sent.files.get(f.name):
                errors[f.name] = viewer.t("Attach %(field)s.", field=viewer.t(f.label))
            continue
        if f.kind == "checks":
            ticked = sent.lists.get(f.name, [])
            if any(v not in {o for o, _ in f.options} for v in ticked):
                errors[f.name] = viewer.t(
                    "Choose %(field)s from the list.", field=viewer.t(f.label)
                )
            data[f.name] = ticked or None
            continue
        value = sent.text(f.name) if f.kind != "textarea" else sent.values.get(f.name, "")
        if not value.strip():
            if f.required:
                errors[f.name] = viewer.t("%(field)s is required.", field=viewer.t(f.label))
            else:
                data[f.name] = None
            continue
        if f.options and value not in {v for v, _ in f.options}:
            errors[f.name] = viewer.t("Choose %(field)s from the list.", field=viewer.t(f.label))
            continue
        data[f.name] = value
    if errors:
        raise Refused(errors)
    return data


def _built(command: type[Command], data: Mapping[str, Any], form: Form, viewer: Viewer) -> Command:
    """The command of the form's values, or Refused naming each field not valid."""
    try:
        return command.model_validate(data)
    except ValidationError as exc:
        labels = {f.name: f.label for f in form.fields}
        errors: dict[str, str] = {}
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else ""
            label = labels.get(name)
            if label is not None:
                errors.setdefault(name, viewer.t("%(field)s is not valid.", field=viewer.t(label)))
        raise Refused(
            errors, "" if errors else viewer.t("Some of what was sent is not valid.")
        ) from None


def _context(viewer: Viewer, sent: Sent) -> CommandContext:
    """The viewer's context with the form's own idempotency key: the same form sent twice (a
    double click) records once."""
    key = sent.text("form_id")
    if not key:
        return viewer.ctx
    return dataclasses.replace(viewer.ctx, idempotency_key=f"console-form:{key[:64]}")


def _page(
    request: Request,
    viewer: Viewer,
    loan: Loan,
    form: Form,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    message: str = "",
    status: int = 200,
    template: str = "forms_postloan.html",
    chosen: Mapping[str, list[str]] | None = None,
    **extra: Any,
) -> Response:
    today = archive_of(request).today().isoformat()
    shown = {f.name: today for f in form.fields if f.kind == "date" and f.required}
    shown.update(form.defaults)
    if values is not None:
        shown.update(values)
    return render(
        request,
        template,
        viewer,
        area="loans",
        status=status,
        loan=loan,
        form=form,
        values=shown,
        chosen=dict(chosen or {}),
        errors=dict(errors or {}),
        message=message,
        form_id=uuid4().hex,
        **extra,
    )


Run = Callable[[CommandContext, dict[str, Any], Sent, Form], Any]


def _submit(
    request: Request,
    viewer: Viewer,
    loan_no: str,
    make: Callable[[Loan], Form],
    run: Run,
    done: Callable[[Sent], str] | None = None,
    page: Callable[..., Response] | None = None,
) -> Callable[[Sent], Response]:
    """Send a form: refused before a word is read unless the viewer may do the act on this
    loan; the form again with its refusal otherwise; the loan's page once recorded."""

    def send(sent: Sent) -> Response:
        enter(request, viewer, "loans")
        archive = archive_of(request)
        loan = archive.get_loan(viewer.ctx, loan_no)
        form = make(loan)
        permit(request, viewer, form.action, loan_no)
        shown = page or _page
        try:
            data = _check(form, sent, viewer)
            run(_context(viewer, sent), data, sent, form)
        except Refused as refused:
            return shown(
                request,
                viewer,
                loan,
                form,
                values=sent.values,
                chosen=sent.lists,
                errors=refused.errors,
                message=refused.message
                or viewer.t("The form has mistakes; see the fields marked below."),
                status=422,
            )
        except DomainError as refused:
            status = status_of(refused)
            return shown(
                request,
                viewer,
                loan,
                form,
                values=sent.values,
                chosen=sent.lists,
                message=viewer.t.pick(refused.zh, refused.en),
                status=status if 400 <= status < 500 else 400,
            )
        key = done(sent) if done is not None else form.key
        return RedirectResponse(f"/loans/{loan_no}?done={key}", status_code=303)

    return send


async def _send_command(
    request: Request,
    viewer: Viewer,
    loan_no: str,
    make: Callable[[Loan], Form],
    command: type[Command],
    uploads: Callable[[Sent], list[Upload]] = lambda _sent: [],
    **path: Any,
) -> Response:
    """Send a form whose values are the fields of ``command`` (with the loan's number and the
    ``path`` ids), its files as ``uploads`` reads them — the common case of every form."""
    sent = await _sent(request)

    def run(ctx: CommandContext, data: dict[str, Any], sent: Sent, form: Form) -> Any:
        files = uploads(sent)
        fields = {k: v for k, v in data.items() if k in command.model_fields}
        built = _built(command, {**fields, "loan_no": loan_no, **path}, form, viewer)
        return archive_of(request).execute(ctx, built, files)

    send = _submit(request, viewer, loan_no, make, run)
    return await run_in_threadpool(send, sent)


def _show(request: Request, viewer: Viewer, loan_no: str, make: Callable[[Loan], Form]) -> Response:
    enter(request, viewer, "loans")
    loan = archive_of(request).get_loan(viewer.ctx, loan_no)
    form = make(loan)
    permit(request, viewer, form.action, loan_no)
    return _page(request, viewer, loan, form)


# ------------------------------------------------------------------------- inspections
@router.get("/loans/{loan_no}/inspections/new")
def inspection_page(request: Request, viewer: ViewerDep, loan_no: LoanNo) -> Response:
    """登记贷后检查: the form."""
    return _show(request, viewer, loan_no, lambda loan: inspection_form(request, viewer, loan))


@router.post("/loans/{loan_no}/inspections/new")
async def record_inspection(request: Request, viewer: ViewerDep, loan_no: LoanNo) -> Response:
    """Record the inspection with its report (``RecordInspection``, as the API's route)."""
    sent = await _sent(request)

    def run(ctx: CommandContext, data: dict[str, Any], sent: Sent, form: Form) -> Any:
        kind = str(data.get("kind") or "")
        reports = sent.files.get("report", [])
        checklist = form.checklist.checklist if form.checklist is not None else None
        if not reports and kind not in NO_REPORT and checklist is None:
            raise Refused({"report": viewer.t("Attach the inspection report (PDF).")})
        report_type = INSPECTION_REPORTS.get(kind, "inspection_report")
        uploads = [_upload(report_type, f) for f in reports]
        uploads += [_upload("site_photo", f) for f in sent.files.get("site_photo", [])]
        uploads += [_upload("controller_photo", f) for f in sent.files.get("controller_photo", [])]
        answered = checklist_answers(checklist, sent) if checklist is not None else {}
        command = _built(RecordInspection, {**data, **answered, "loan_no": loan_no}, form, viewer)
        return archive_of(request).execute(ctx, command, uploads)

    kind = sent.text("kind")
    send = _submit(
        request, viewer, loan_no, lambda loan: inspection_form(request, viewer, loan, kind), run
    )
    return await run_in_threadpool(send, sent)


@router.get("/loans/{loan_no}/inspections/{inspection_id}/countersign")
def countersign_page(
    request: Request, viewer: ViewerDep, loan_no: LoanNo, inspection_id: UUID
) -> Response:
    """复核贷后检查: the form."""
    return _show(request, viewer, loan_no, lambda loan: countersign_form(loan, inspection_id))


@router.post("/loans/{loan_no}/inspections/{inspection_id}/countersign")
async def countersign_inspection(
    request: Request, viewer: ViewerDep, loan_no: LoanNo, inspection_id: UUID
) -> Response:
    """Countersign the inspection (``CountersignInspection``, as the API's route)."""
    return await _send_command(
        request,
        viewer,
        loan_no,
        lambda loan: countersign_form(loan, inspection_id),
        CountersignInspection,
        inspection_id=inspection_id,
    )


# ---------------------------------------------------------------------- classification
@router.get("/loans/{loan_no}/classifications/new")
def propose_page(request: Request, viewer: ViewerDep, loan_no: LoanNo) -> Response:
    """提出五级分类: the form."""
    return _show(request, viewer, loan_no, lambda loan: propose_form(request, viewer, loan))


@router.post("/loans/{loan_no}/classifications/new")
async def propose(request: Request, viewer: ViewerDep, loan_no: LoanNo) -> Response:
    """Propose the grade (``ProposeClassification``)."""
    return await _send_command(
        request,
        viewer,
        loan_no,
        lambda loan: propose_form(request, viewer, loan),
        ProposeClassification,
        lambda sent: [
            _upload("classification_form", f) for f in sent.files.get("classification_form", [])
        ],
    )


@dataclass(frozen=True)
class Proposed:
    """A proposal awaiting a decision, as the approver reads it before deciding."""

    grade: str
    grade_code: str
    sub_grade: str
    previous_grade: str
    as_of: str
    proposer: str
    reason: str
    determined: str = ""
    """The determined grade (认定), if determined."""
    determiner: str = ""
    determination_reason: str = ""


@dataclass(frozen=True)
class FloorShown:
    """The loan's statutory floor on the proposal's date, and why (as the domain computes it)."""

    grade: str
    reasons: list[str]
    days_overdue: int
    below: bool
    """The proposal is better than the floor: approving it will be refused."""


def _decision_page(
    request: Request,
    viewer: Viewer,
    loan: Loan,
    form: Form,
    **kw: Any,
) -> Response:
    t = viewer.t
    proposal_id = UUID(form.path.removesuffix("/determine").rsplit("/", 1)[-1])
    proposal = loan.proposals.get(proposal_id)
    if proposal is None:
        raise NotFoundError("没有该分类申请", "no such classification proposal")
    archive = archive_of(request)
    _current, floor = archive.floor_of(viewer.ctx, loan.loan_no, proposal.as_of)
    sub_grades = sub_grade_labels(request)
    people = People(archive, t)
    previous = next(
        (
            e.data.get("previous_grade")
            for e in archive.loan_events(viewer.ctx, loan.loan_no)
            if e.type.endswith("ClassificationProposed")
            and e.data.get("proposal_id") == str(proposal_id)
        ),
        None,
    )
    previous_grade = next((g for g in Grade if g.value == previous), None)
    shown = Proposed(
        grade=t.pick(proposal.grade.zh, proposal.grade.value.replace("_", " ")),
        grade_code=proposal.grade.value,
        sub_grade=sub_grades.get(proposal.sub_grade, proposal.sub_grade)
        if proposal.sub_grade
        else "",
        previous_grade=t.pick(previous_grade.zh, previous_grade.value) if previous_grade else "",
        as_of=proposal.as_of.isoformat(),
        proposer=people(proposal.proposer_id),
        reason=proposal.reason,
        determined=_determined(t, proposal, sub_grades, people),
        determiner=people(proposal.determiner_id) if proposal.determiner_id else "",
        determination_reason=_determination_reason(archive, viewer, loan, proposal_id),
    )
    floor_shown = FloorShown(
        grade=t.pick(floor.grade.zh, floor.grade.value.replace("_", " ")),
        reasons=[t.pick(zh, en) for zh, en in floor.reasons],
        days_overdue=loan.days_overdue,
        below=proposal.final_grade.is_better_than(floor.grade),
    )
    return _page(
        request,
        viewer,
        loan,
        form,
        template="forms_decision.html",
        proposal=shown,
        status_text=t(PROPOSAL_STATUS.get(proposal.stage, proposal.stage)),
        pending=proposal.status == "pending",
        floor=floor_shown,
        may_reject=may(request, viewer, Action.REJECT_CLASSIFICATION, loan),
        **kw,
    )


def _determination_reason(archive: Any, viewer: Viewer, loan: Loan, proposal_id: UUID) -> str:
    """The determiner's reason (认定意见), read from the loan's ClassificationDetermined."""
    return next(
        (
            str(e.data.get("reason", ""))
            for e in archive.loan_events(viewer.ctx, loan.loan_no)
            if e.type.endswith("ClassificationDetermined")
            and e.data.get("proposal_id") == str(proposal_id)
        ),
        "",
    )


@router.get("/loans/{loan_no}/classifications/{proposal_id}")
def decision_page(
    request: Request, viewer: ViewerDep, loan_no: LoanNo, proposal_id: UUID
) -> Response:
    """审批五级分类: the proposal, its proposer's reason and the loan's statutory floor, then
    the decision."""
    enter(request, viewer, "loans")
    loan = archive_of(request).get_loan(viewer.ctx, loan_no)
    form = decide_form(loan, proposal_id)
    permit(request, viewer, form.action, loan_no)
    return _decision_page(request, viewer, loan, form)


@router.post("/loans/{loan_no}/classifications/{proposal_id}")
async def decide(
    request: Request, viewer: ViewerDep, loan_no: LoanNo, proposal_id: UUID
) -> Response:
    """Approve (``ApproveClassification``, the floor enforced by the domain) or reject
    (``RejectClassification``) the proposal."""
    sent = await _sent(request)
    decision = sent.text("decision")

    def run(ctx: CommandContext, data: dict[str, Any], sent: Sent, form: Form) -> Any:
        archive = archive_of(request)
        fields = {**data, "loan_no": loan_no, "proposal_id": proposal_id}
        files = sent.files.get("classification_form", [])
        if decision == "reject":
            permit(request, viewer, Action.REJECT_CLASSIFICATION, loan_no)
            if files:
                raise Refused({"classification_form": viewer.t("A rejection files no documents.")})
            return archive.execute(ctx, _built(RejectClassification, fields, form, viewer))
        if decision != "approve":
            raise Refused({}, viewer.t("Choose to approve or to reject."))
        uploads = [_upload("classification_form", f) for f in files]
        return archive.execute(ctx, _built(ApproveClassification, fields, form, viewer), uploads)

    send = _submit(
        request,
        viewer,
        loan_no,
        lambda loan: decide_form(loan, proposal_id),
        run,
        done=lambda _sent: "reject" if decision == "reject" else "approve",
        page=_decision_page,
    )
    return await run_in_threadpool(send, sent)


@router.get("/loans/{loan_no}/classifications/{proposal_id}/determine")
def determination_page(
    request: Request, viewer: ViewerDep, loan_no: LoanNo, proposal_id: UUID
) -> Response:
    """认定五级分类: the proposal, its proposer's reason and the floor, then the determination."""
    enter(request, viewer, "loans")
    loan = archive_of(request).get_loan(viewer.ctx, loan_no)
    form = determine_form(request, viewer, loan, proposal_id)
    permit(request, viewer, form.action, loan_no)
    return _determination_page(request, viewer, loan, form)


def _determination_page(
    request: Request, viewer: Viewer, loan: Loan, form: Form, **kw: Any
) -> Response:
    proposal_id = UUID(form.path.removesuffix("/determine").rsplit("/", 1)[-1])
    proposal = loan.proposals.get(proposal_id)
    return _decision_page(
        request,
        viewer,
        loan,
        form,
        decide_value="determine",
        decide_label=viewer.t("Determine"),
        pending_stage=proposal is not None and proposal.stage == "awaiting_determination",
        **kw,
    )


@router.post("/loans/{loan_no}/classifications/{proposal_id}/determine")
async def determine(
    request: Request, viewer: ViewerDep, loan_no: LoanNo, proposal_id: UUID
) -> Response:
    """Determine (``DetermineClassification``, the floor enforced by the domain) or send back
    (``RejectClassification``) the proposal."""
    sent = await _sent(request)
    decision = sent.text("decision")

    def run(ctx: CommandContext, data: dict[str, Any], sent: Sent, form: Form) -> Any:
        archive = archive_of(request)
        if decision == "reject":
            permit(request, viewer, Action.REJECT_CLASSIFICATION, loan_no)
            fields = {"reason": data["reason"], "loan_no": loan_no, "proposal_id": proposal_id}
            return archive.execute(ctx, _built(RejectClassification, fields, form, viewer))
        if decision != "determine":
            raise Refused({}, viewer.t("Choose to determine or to send back."))
        fields = {**data, "loan_no": loan_no, "proposal_id": proposal_id}
        fields["sub_grade"] = fields.get("sub_grade") or None
        return archive.execute(ctx, _built(DetermineClassification, fields, form, viewer))

    send = _submit(
        request,
        viewer,
        loan_no,
        lambda loan: determine_form(request, viewer, loan, proposal_id),
        run,
        done=lambda _sent: "reject" if decision == "reject" else "determine",
        page=_determination_page,
    )
    return await run_in_threadpool(send, sent)


# ----------------------------------------------------------------------------- warnings
def _warning_docs(sent: Sent) -> list[Upload]:
    return [_upload("warning_form", f) for f in sent.files.get("warning_form", [])]


@router.get("/loans/{loan_no}/warnings/new")
def raise_page(request: Request, viewer: ViewerDep, loan_no: LoanNo) -> Response:
    """发起风险预警: the form."""
    return _show(request, viewer, loan_no, lambda loan: raise_form(request, viewer, loan))


@router.post("/loans/{loan_no}/warnings/new")
async def raise_warning(request: Request, viewer: ViewerDep, loan_no: LoanNo) -> Response:
    """Raise the warning (``RaiseWarning``)."""
    return await _send_command(
        request,
        viewer,
        loan_no,
        lambda loan: raise_form(request, viewer, loan),
        RaiseWarning,
        _warning_docs,
    )


@router.get("/loans/{loan_no}/warnings/{signal_id}/handle")
def handle_page(request: Request, viewer: ViewerDep, loan_no: LoanNo, signal_id: UUID) -> Response:
    """处置风险预警: the form."""
    return _show(request, viewer, loan_no, lambda loan: handle_form(loan, signal_id))


@router.post("/loans/{loan_no}/warnings/{signal_id}/handle")
async def handle_warning(
    request: Request, viewer: ViewerDep, loan_no: LoanNo, signal_id: UUID
) -> Response:
    """Record the warning's handling (``HandleWarning``)."""
    return await _send_command(
        request,
        viewer,
        loan_no,
        lambda loan: handle_form(loan, signal_id),
        HandleWarning,
        _warning_docs,
        signal_id=signal_id,
    )


def _plan_shown(t: Any, w: Any, people: Any) -> str:
    """The emergency plan of a signal, as its row says it: started (owner, deadline, progress
    recorded) or owed."""
    if w.plan_started_on is not None:
        return str(
            t(
                "Emergency plan started %(day)s by %(owner)s, due %(due)s; progress recorded %(n)s times",
                day=w.plan_started_on.isoformat(),
                owner=people(w.plan_owner_id),
                due=w.plan_due_on.isoformat() if w.plan_due_on else "",
                n=w.plan_progress,
            )
        )
    if w.plan_required and w.cleared_on is None:
        return str(t("Emergency plan to be started"))
    return ""


@router.get("/loans/{loan_no}/warnings/{signal_id}/emergency-plan")
def plan_page(request: Request, viewer: ViewerDep, loan_no: LoanNo, signal_id: UUID) -> Response:
    """启动应急预案: the form."""
    return _show(request, viewer, loan_no, lambda loan: plan_form(request, viewer, loan, signal_id))


@router.post("/loans/{loan_no}/warnings/{signal_id}/emergency-plan")
async def start_emergency_plan(
    request: Request, viewer: ViewerDep, loan_no: LoanNo, signal_id: UUID
) -> Response:
    """Start the emergency plan (``StartEmergencyPlan``)."""
    return await _send_command(
        request,
        viewer,
        loan_no,
        lambda loan: plan_form(request, viewer, loan, signal_id),
        StartEmergencyPlan,
        signal_id=signal_id,
    )


@router.get("/loans/{loan_no}/warnings/{signal_id}/emergency-plan/progress")
def progress_page(
    request: Request, viewer: ViewerDep, loan_no: LoanNo, signal_id: UUID
) -> Response:
    """记录应急预案进展: the form."""
    return _show(request, viewer, loan_no, lambda loan: progress_form(loan, signal_id))


@router.post("/loans/{loan_no}/warnings/{signal_id}/emergency-plan/progress")
async def record_emergency_progress(
    request: Request, viewer: ViewerDep, loan_no: LoanNo, signal_id: UUID
) -> Response:
    """Record the emergency plan's progress (``RecordEmergencyProgress``)."""
    return await _send_command(
        request,
        viewer,
        loan_no,
        lambda loan: progress_form(loan, signal_id),
        RecordEmergencyProgress,
        signal_id=signal_id,
    )


@router.get("/loans/{loan_no}/warnings/{signal_id}/clear")
def clear_page(request: Request, viewer: ViewerDep, loan_no: LoanNo, signal_id: UUID) -> Response:
    """解除风险预警: the form."""
    return _show(request, viewer, loan_no, lambda loan: clear_form(loan, signal_id))


@router.post("/loans/{loan_no}/warnings/{signal_id}/clear")
async def clear_warning(
    request: Request, viewer: ViewerDep, loan_no: LoanNo, signal_id: UUID
) -> Response:
    """Clear the warning (``ClearWarning``)."""
    return await _send_command(
        request,
        viewer,
        loan_no,
        lambda loan: clear_form(loan, signal_id),
        ClearWarning,
        _warning_docs,
        signal_id=signal_id,
    )


# ---------------------------------------------------------------------------- collection
@router.get("/loans/{loan_no}/collection-steps/new")
def collection_page(request: Request, viewer: ViewerDep, loan_no: LoanNo) -> Response:
    """登记催收: the form."""
    return _show(request, viewer, loan_no, lambda loan: collection_form(request, viewer, loan))


def _typed_documents(sent: Sent, viewer: Viewer) -> list[Upload]:
    """The files of the ``documents`` field, each of the type chosen in ``doc_type``."""
    files = sent.files.get("documents", [])
    doc_type = sent.text("doc_type")
    if files and not doc_type:
        raise Refused({"doc_type": viewer.t("Choose the type of the documents attached.")})
    return [_upload(doc_type, f) for f in files]


@router.post("/loans/{loan_no}/collection-steps/new")
async def take_collection_step(request: Request, viewer: ViewerDep, loan_no: LoanNo) -> Response:
    """Record the step with its documents (``TakeCollectionStep``)."""
    return await _send_command(
        request,
        viewer,
        loan_no,
        lambda loan: collection_form(request, viewer, loan),
        TakeCollectionStep,
        lambda sent: _typed_documents(sent, viewer),
    )


# ---------------------------------------------------------------------------- guarantors
@router.get("/loans/{loan_no}/guarantees/new")
def guarantee_page(request: Request, viewer: ViewerDep, loan_no: LoanNo) -> Response:
    """登记保证: the form."""
    return _show(request, viewer, loan_no, lambda loan: guarantee_form(viewer, loan))


@router.post("/loans/{loan_no}/guarantees/new")
async def register_guarantee(request: Request, viewer: ViewerDep, loan_no: LoanNo) -> Response:
    """Register the guarantee with its contract (``RegisterGuarantee``)."""
    return await _send_command(
        request,
        viewer,
        loan_no,
        lambda loan: guarantee_form(viewer, loan),
        RegisterGuarantee,
        lambda sent: [
            _upload("guarantee_contract", f) for f in sent.files.get("guarantee_contract", [])
        ],
    )


@router.get("/loans/{loan_no}/guarantees/{guarantee_id}/reassess")
def reassess_page(
    request: Request, viewer: ViewerDep, loan_no: LoanNo, guarantee_id: UUID
) -> Response:
    """保证人代偿能力重估: the form."""
    return _show(request, viewer, loan_no, lambda loan: reassess_form(viewer, loan, guarantee_id))


@router.post("/loans/{loan_no}/guarantees/{guarantee_id}/reassess")
async def reassess_guarantor(
    request: Request, viewer: ViewerDep, loan_no: LoanNo, guarantee_id: UUID
) -> Response:
    """Record the re-assessment with its report (``ReassessGuarantor``)."""
    return await _send_command(
        request,
        viewer,
        loan_no,
        lambda loan: reassess_form(viewer, loan, guarantee_id),
        ReassessGuarantor,
        lambda sent: [
            _upload("guarantor_assessment", f) for f in sent.files.get("guarantor_assessment", [])
        ],
        guarantee_id=guarantee_id,
    )


# ---------------------------------------------------------------------- origination record
@router.get("/loans/{loan_no}/origination-record/new")
def origination_page(request: Request, viewer: ViewerDep, loan_no: LoanNo) -> Response:
    """贷前资料补录: the form."""
    return _show(request, viewer, loan_no, lambda loan: origination_form(request, viewer, loan))


@router.post("/loans/{loan_no}/origination-record/new")
async def file_origination_record(request: Request, viewer: ViewerDep, loan_no: LoanNo) -> Response:
    """File the origination record with its credit file (``FileOriginationRecord``, as
    ``POST /api/v1/loans/{loan_no}/origination-record``): each file of the type its field names."""
    codes = [code for code, _zh, _en in _credit_file_types(request)]
    return await _send_command(
        request,
        viewer,
        loan_no,
        lambda loan: origination_form(request, viewer, loan),
        FileOriginationRecord,
        lambda sent: [_upload(code, f) for code in codes for f in sent.files.get(code, [])],
    )


# ----------------------------------------------------------------------------- documents
@router.get("/loans/{loan_no}/dossier/documents/new")
def documents_page(request: Request, viewer: ViewerDep, loan_no: LoanNo) -> Response:
    """补充归档: the form."""
    return _show(request, viewer, loan_no, lambda loan: documents_form(request, viewer, loan))


@router.post("/loans/{loan_no}/dossier/documents/new")
async def file_documents(request: Request, viewer: ViewerDep, loan_no: LoanNo) -> Response:
    """File the documents (``file_supplement``, as ``POST …/dossier/documents``), under the
    stage their type belongs to."""
    sent = await _sent(request)

    def run(ctx: CommandContext, data: dict[str, Any], sent: Sent, form: Form) -> Any:
        archive = archive_of(request)
        uploads = _typed_documents(sent, viewer)
        known = archive.rule_set().document_types.get(str(data["doc_type"]))
        stage = known.stage if known is not None else "other"
        return archive.file_supplement(ctx, loan_no, stage=stage, uploads=uploads)

    send = _submit(
        request, viewer, loan_no, lambda loan: documents_form(request, viewer, loan), run
    )
    return await run_in_threadpool(send, sent)


# ---------------------------------------------------------------------------- borrowing
@router.get("/loans/{loan_no}/borrowings/new")
def borrowing_page(request: Request, viewer: ViewerDep, loan_no: LoanNo) -> Response:
    """申请借阅: the form."""
    return _show(request, viewer, loan_no, lambda loan: borrowing_form(request, viewer, loan))


@router.post("/loans/{loan_no}/borrowings/new")
async def request_borrowing(request: Request, viewer: ViewerDep, loan_no: LoanNo) -> Response:
    """Ask to borrow the dossier (``RequestBorrowing``, as ``POST /api/v1/loans/{loan_no}/
    dossier/borrowings``): the slip takes its year's next number when recorded."""
    return await _send_command(
        request,
        viewer,
        loan_no,
        lambda loan: borrowing_form(request, viewer, loan),
        RequestBorrowing,
    )


@router.get("/loans/{loan_no}/warnings/{signal_id}/report")
def report_page(request: Request, viewer: ViewerDep, loan_no: LoanNo, signal_id: UUID) -> Response:
    """签收预警报告: the form."""
    return _show(request, viewer, loan_no, lambda loan: report_form(loan, signal_id))


@router.post("/loans/{loan_no}/warnings/{signal_id}/report")
async def report_warning(
    request: Request, viewer: ViewerDep, loan_no: LoanNo, signal_id: UUID
) -> Response:
    """Record the warning's report received (``ReportWarning``)."""
    return await _send_command(
        request,
        viewer,
        loan_no,
        lambda loan: report_form(loan, signal_id),
        ReportWarning,
        signal_id=signal_id,
    )


@router.get("/loans/{loan_no}/warnings/{signal_id}/feedback")
def feedback_page(
    request: Request, viewer: ViewerDep, loan_no: LoanNo, signal_id: UUID
) -> Response:
    """反馈预警处置结果: the form."""
    return _show(request, viewer, loan_no, lambda loan: feedback_form(loan, signal_id))


@router.post("/loans/{loan_no}/warnings/{signal_id}/feedback")
async def feedback_warning(
    request: Request, viewer: ViewerDep, loan_no: LoanNo, signal_id: UUID
) -> Response:
    """Report the result of the warning's handling (``GiveWarningFeedback``)."""
    return await _send_command(
        request,
        viewer,
        loan_no,
        lambda loan: feedback_form(loan, signal_id),
        GiveWarningFeedback,
        _warning_docs,
        signal_id=signal_id,
    )


@router.get("/loans/{loan_no}/warnings/{signal_id}/determine")
def determine_warning_page(
    request: Request, viewer: ViewerDep, loan_no: LoanNo, signal_id: UUID
) -> Response:
    """认定风险预警: the form."""
    return _show(
        request, viewer, loan_no, lambda loan: determine_warning_form(loan, signal_id, viewer)
    )


@router.post("/loans/{loan_no}/warnings/{signal_id}/determine")
async def determine_warning(
    request: Request, viewer: ViewerDep, loan_no: LoanNo, signal_id: UUID
) -> Response:
    """Determine the warning (``DetermineWarning``)."""
    return await _send_command(
        request,
        viewer,
        loan_no,
        lambda loan: determine_warning_form(loan, signal_id, viewer),
        DetermineWarning,
        _warning_docs,
        signal_id=signal_id,
    )
