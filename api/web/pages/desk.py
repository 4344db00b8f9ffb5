"""借阅台 — the archive office's circulation desk: the requests to approve (审批, with a due
date defaulting from the rules), the approved originals to hand out (借出), what is out and what
is overdue, and the returns (归还) with the pages of each document counted by its title.

A barcode scanner types the folder's label (its 档号, or the loan number) and Enter into the
desk's one field: the desk finds the open borrowing of that folder and goes to its check-out
or return. Every step is the application's own command, as ``POST /api/v1/borrowings/…``
sends it (archive/commands/borrowing.py); a refused one shows its message on the form, with
its status, and records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from api.errors import status_of
from api.web.i18n import N_
from api.web.pages.common import enter, page_router
from api.web.people import People
from api.web.render import render
from api.web.session import Viewer, ViewerDep, archive_of
from archive.commands.borrowing import (
    ApproveBorrowing,
    CheckOut,
    CloseBorrowing,
    NoteOverdueBorrowings,
    RejectBorrowing,
    ReturnBorrowing,
)
from domain.authorization import Action
from domain.borrowing import Borrowing
from domain.dossier import Dossier
from domain.errors import DomainError
from domain.values import BorrowingForm, BorrowingStatus, LabelledEnum

router = page_router()

DESK = "/archive/desk"
S = BorrowingStatus
SCAN_MODES = ("", "check_out", "return")
VERBS = {
    "Requested": N_("Requested"),
    "Approved": N_("Approved"),
    "Rejected": N_("Rejected"),
    "CheckedOut": N_("Handed out"),
    "Returned": N_("Taken back"),
    "PageCountMismatched": N_("Pages short, escalated"),
    "CopyIssued": N_("Electronic copy issued"),
    "OverdueNoted": N_("Overdue reminder"),
    "Closed": N_("Closed"),
}
"""The borrowing's events as its history names them (message ids)."""


def scan_key(code: str) -> str:
    """A scanned or typed code as the desk compares it: the label's barcode carries the 档号
    in ASCII (``·`` as ``.``), and a scanner may type it in either case."""
    return code.strip().replace("·", ".").upper()


def _label(member: LabelledEnum | None, lang: str) -> str:
    if member is None:
        return ""
    return member.zh if lang == "zh" else str(member.value).replace("_", " ")


# ------------------------------------------------------------------------------- lines
@dataclass(frozen=True)
class Item:
    """One document of a borrowing by its title, with its pages filed, out and back."""

    sha256: str
    title: str
    filename: str
    pages_filed: int | None
    pages_out: int | None
    pages_in: int | None

    @property
    def short(self) -> int:
        """Pages missing at return (0 when none, or not returned)."""
        if self.pages_out is None or self.pages_in is None:
            return 0
        return max(self.pages_out - self.pages_in, 0)


@dataclass
class Line:
    """A borrowing as the desk shows it: every person by name, every date in the bank's zone."""

    borrowing: Borrowing
    reference_code: str
    """The folder's 档号: the one the request saw, else the one catalogued since."""
    borrower_name: str
    requester: str
    purpose: str
    form: str
    status: str
    approvers: list[str]
    archivist: str
    escalated_to: str
    days_overdue: int
    items: list[Item] = field(default_factory=list)

    @property
    def id(self) -> UUID:
        return self.borrowing.id

    @property
    def pages_out(self) -> int:
        return sum(self.borrowing.pages_out.values())

    @property
    def short(self) -> int:
        return sum(i.short for i in self.items)


class Desk:
    """What the desk reads for one page: borrowings, their dossiers and people, once each."""

    def __init__(self, request: Request, viewer: Viewer) -> None:
        self.request = request
        self.viewer = viewer
        self.archive = archive_of(request)
        self.people = People(self.archive, viewer.t)
        self.lang = viewer.t.language
        self.today = self.archive.today()
        self._dossiers: dict[str, Dossier | None] = {}
        types = self.archive.rule_set().document_types

        def doc_name(code: str) -> str:
            known = types.get(code)
            return viewer.t.pick(known.zh, known.en) if known else code

        self.doc_name = doc_name

    def dossier(self, loan_no: str) -> Dossier | None:
        if loan_no not in self._dossiers:
            try:
                self._dossiers[loan_no] = self.archive.get_dossier(self.viewer.ctx, loan_no)
            except DomainError:
                self._dossiers[loan_no] = None
        return self._dossiers[loan_no]

    def line(self, b: Borrowing, *, items: bool = False) -> Line:
        dossier = self.dossier(b.loan_no)
        overdue = (self.today - b.due_on).days if b.is_overdue(self.today) else 0
        found = Line(
            borrowing=b,
            reference_code=b.reference_code or (dossier.reference_code if dossier else None) or "",
            borrower_name=dossier.borrower_name if dossier is not None else "",
            requester=self.people(b.requester_id),
            purpose=_label(b.purpose, self.lang),
            form=_label(b.form, self.lang),
            status=_label(b.status, self.lang),
            approvers=[self.people(a) for a in b.approver_ids],
            archivist=self.people(b.archivist_id),
            escalated_to=_label(b.escalated_to, self.lang),
            days_overdue=overdue,
        )
        if items:
            found.items = [self.item(dossier, b, sha) for sha in b.items]
        return found

    def item(self, dossier: Dossier | None, b: Borrowing, sha: str) -> Item:
        title, filename, pages = sha[:12], "", None
        if dossier is not None:
            try:
                ref = dossier.filed(sha).ref
                title, filename, pages = self.doc_name(ref.doc_type), ref.filename, ref.pages
            except DomainError:
                pass
        return Item(
            sha256=sha,
            title=title,
            filename=filename,
            pages_filed=pages,
            pages_out=b.pages_out.get(sha),
            pages_in=b.pages_in.get(sha),
        )

    def open(self) -> list[Borrowing]:
        return self.archive.desk_borrowings(self.viewer.ctx)

    def borrowing(self, borrowing_id: UUID) -> Borrowing:
        return self.archive.get_borrowing(self.viewer.ctx, borrowing_id)

    def history(self, borrowing_id: UUID) -> list[tuple[datetime, str, str]]:
        """Who did what to the borrowing and when (recorded time, in the bank's zone)."""
        return [
            (e.timestamp, e.type.rsplit(".", 1)[-1], self.people(e.actor_id))
            for e in self.archive.borrowing_events(self.viewer.ctx, borrowing_id)
        ]


def _entered(request: Request, viewer: Viewer) -> Desk:
    enter(request, viewer, "desk")
    return Desk(request, viewer)


# ------------------------------------------------------------------------------- the desk
@router.get(DESK)
def desk(request: Request, viewer: ViewerDep) -> Response:
    return _desk(request, viewer)


def _desk(
    request: Request,
    viewer: Viewer,
    *,
    code: str = "",
    mode: str = "",
    error: str | None = None,
    candidates: list[Line] | None = None,
    status: int = 200,
) -> Response:
    desk = _entered(request, viewer)
    asked = request.query_params.get("reminded", "")
    reminded = int(asked) if asked.isdigit() else None
    lines = [desk.line(b) for b in desk.open()]
    to_approve = [x for x in lines if x.borrowing.status is S.REQUESTED]
    to_hand_out = [x for x in lines if x.borrowing.status is S.APPROVED]
    out = [x for x in lines if x.borrowing.status is S.CHECKED_OUT and not x.days_overdue]
    overdue = [x for x in lines if x.borrowing.status is S.CHECKED_OUT and x.days_overdue]
    short = [x for x in lines if x.borrowing.status is S.RETURNED and x.borrowing.escalated]
    return render(
        request,
        "desk.html",
        viewer,
        status=status,
        area="desk",
        today=desk.today,
        to_approve=to_approve,
        to_hand_out=to_hand_out,
        out=out,
        overdue=overdue,
        short=short,
        code=code,
        mode=mode,
        error=error,
        candidates=candidates or [],
        default_days=desk.archive.rule_set().borrowing.default_days,
        may_approve=viewer.can(Action.APPROVE_BORROWING),
        may_hand_out=viewer.can(Action.CHECK_OUT_BORROWING),
        may_take_back=viewer.can(Action.RETURN_BORROWING),
        may_remind=viewer.can(Action.NOTE_OVERDUE_BORROWINGS),
        reminded=reminded,
    )


@router.post(f"{DESK}/overdue-notices")
def note_overdue(request: Request, viewer: ViewerDep) -> Response:
    """Record today's reminder of every overdue borrowing (逾期催还), as
    ``POST /api/v1/borrowings/overdue-notices`` does; at most one a day each."""
    desk = _entered(request, viewer)
    try:
        done = desk.archive.execute(viewer.ctx, NoteOverdueBorrowings(on=desk.today))
    except DomainError as refused:
        message, status = _refused(viewer, refused)
        return _desk(request, viewer, error=message, status=status)
    noted = len(done.ids["borrowing_ids"].split(",")) if done is not None else 0
    return RedirectResponse(f"{DESK}?reminded={noted}", status_code=303)


@router.post(f"{DESK}/scan")
def scan(
    request: Request,
    viewer: ViewerDep,
    code: Annotated[str, Form(max_length=200)] = "",
    mode: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """A scanned label: the open borrowing of that folder, at its check-out or its return."""
    desk = _entered(request, viewer)
    key = scan_key(code)
    mode = mode if mode in SCAN_MODES else ""
    if not key:
        error = viewer.t("Scan the folder's barcode, or type its reference code or loan number.")
        return _desk(request, viewer, code=code, mode=mode, error=error, status=422)
    wanted = {
        "check_out": (S.APPROVED,),
        "return": (S.CHECKED_OUT,),
        "": (S.CHECKED_OUT, S.APPROVED),
    }[mode]
    matches = [
        line.borrowing
        for line in (desk.line(b) for b in desk.open() if b.status in wanted)
        if line.borrowing.form is BorrowingForm.ORIGINAL
        and key
        in {
            scan_key(line.borrowing.loan_no),
            scan_key(line.reference_code),
            scan_key(line.borrowing.borrow_no),
        }
    ]
    if not matches:
        error = viewer.t(
            "No borrowing of %(code)s is waiting to be handed out or taken back.", code=code.strip()
        )
        return _desk(request, viewer, code=code, mode=mode, error=error, status=404)
    if len(matches) > 1:
        # The folder has two borrowings at the desk: the clerk picks the slip.
        lines = [desk.line(b) for b in matches]
        return _desk(request, viewer, code=code, mode=mode, candidates=lines)
    return RedirectResponse(f"{DESK}/borrowings/{matches[0].id}", status_code=303)


# ------------------------------------------------------------------------ one borrowing
@router.get(DESK + "/borrowings/{borrowing_id}")
def borrowing(request: Request, viewer: ViewerDep, borrowing_id: UUID) -> Response:
    return _borrowing(request, viewer, borrowing_id)


def _borrowing(
    request: Request,
    viewer: Viewer,
    borrowing_id: UUID,
    *,
    error: str | None = None,
    status: int = 200,
    entered: dict[str, Any] | None = None,
) -> Response:
    desk = _entered(request, viewer)
    line = desk.line(desk.borrowing(borrowing_id), items=True)
    dossier = desk.dossier(line.borrowing.loan_no)
    return render(
        request,
        "desk_borrowing.html",
        viewer,
        status=status,
        area="desk",
        line=line,
        b=line.borrowing,
        dossier=dossier,
        history=desk.history(borrowing_id),
        verbs=VERBS,
        today=desk.today,
        error=error,
        entered=entered or {},
        default_days=desk.archive.rule_set().borrowing.default_days,
        may_approve=viewer.can(Action.APPROVE_BORROWING),
        may_hand_out=viewer.can(Action.CHECK_OUT_BORROWING),
        may_take_back=viewer.can(Action.RETURN_BORROWING),
        may_close=viewer.can(Action.CLOSE_BORROWING),
        may_label=dossier is not None and dossier.reference_code is not None,
    )


def _refused(viewer: Viewer, refused: DomainError | ValidationError) -> tuple[str, int]:
    """The refusal in the viewer's language, and its status (a 4xx)."""
    if isinstance(refused, DomainError):
        return viewer.t.pick(refused.zh, refused.en), status_of(refused)
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}"
        for e in refused.errors()
    )
    return viewer.t("Check what you entered: %(problems)s", problems=problems), 422


def _run(
    request: Request,
    viewer: Viewer,
    borrowing_id: UUID,
    make: Any,
    entered: dict[str, Any],
) -> Response:
    """Send the command ``make()`` builds; on refusal, the form again with the message."""
    try:
        command = make()
    except _NotADate:
        message = viewer.t("Enter the date as YYYY-MM-DD.")
        return _borrowing(request, viewer, borrowing_id, error=message, status=422, entered=entered)
    try:
        archive_of(request).execute(viewer.ctx, command)
    except (DomainError, ValidationError) as refused:
        message, status = _refused(viewer, refused)
        return _borrowing(
            request, viewer, borrowing_id, error=message, status=status, entered=entered
        )
    return RedirectResponse(f"{DESK}/borrowings/{borrowing_id}", status_code=303)


class _NotADate(ValueError):
    """A date field holding something that is not a date."""


def _day(value: str) -> date:
    """A date typed into a form: YYYY-MM-DD."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise _NotADate(value) from None


@router.post(DESK + "/borrowings/{borrowing_id}/approve")
def approve(
    request: Request,
    viewer: ViewerDep,
    borrowing_id: UUID,
    due_on: Annotated[str, Form(max_length=32)] = "",
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    _entered(request, viewer)
    entered = {"due_on": due_on, "reason": reason}
    return _run(
        request,
        viewer,
        borrowing_id,
        lambda: ApproveBorrowing.model_validate(
            {
                "borrowing_id": borrowing_id,
                "due_on": _day(due_on) if due_on.strip() else None,
                "reason": reason,
            }
        ),
        entered,
    )


@router.post(DESK + "/borrowings/{borrowing_id}/reject")
def reject(
    request: Request,
    viewer: ViewerDep,
    borrowing_id: UUID,
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    _entered(request, viewer)
    if not reason.strip():
        message = viewer.t("Say why the borrowing is rejected.")
        return _borrowing(
            request, viewer, borrowing_id, error=message, status=422, entered={"reject": ""}
        )
    return _run(
        request,
        viewer,
        borrowing_id,
        lambda: RejectBorrowing(borrowing_id=borrowing_id, reason=reason),
        {"reject": reason},
    )


@router.post(DESK + "/borrowings/{borrowing_id}/close")
def close(
    request: Request,
    viewer: ViewerDep,
    borrowing_id: UUID,
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Close the borrowing (结案); pages missing, only whom the shortfall went to, with a reason."""
    desk = _entered(request, viewer)
    return _run(
        request,
        viewer,
        borrowing_id,
        lambda: CloseBorrowing(borrowing_id=borrowing_id, closed_on=desk.today, reason=reason),
        {"close": reason},
    )


async def _pages(request: Request) -> dict[str, str]:
    """The pages counted per document: the form's ``pages-<sha256>`` fields."""
    form = await request.form()
    return {
        str(k).removeprefix("pages-"): str(v).strip()
        for k, v in form.items()
        if str(k).startswith("pages-") and isinstance(v, str)
    }


def _counted(viewer: Viewer, pages: dict[str, str]) -> tuple[dict[str, int], str | None]:
    counted: dict[str, int] = {}
    for sha, value in pages.items():
        if not value.isdigit():
            return {}, viewer.t("Enter the pages counted of every document, as a whole number.")
        counted[sha] = int(value)
    return counted, None


def _counted_step(
    request: Request,
    viewer: Viewer,
    borrowing_id: UUID,
    kind: type[CheckOut] | type[ReturnBorrowing],
    on: str,
    pages: dict[str, str],
    entered: dict[str, Any],
) -> Response:
    """A check-out or a return: the pages counted of each document, on a day."""
    _entered(request, viewer)
    counted, problem = _counted(viewer, pages)
    if problem:
        return _borrowing(request, viewer, borrowing_id, error=problem, status=422, entered=entered)
    return _run(
        request,
        viewer,
        borrowing_id,
        lambda: kind.model_validate(
            {"borrowing_id": borrowing_id, "on": _day(on), "pages": counted}
        ),
        entered,
    )


@router.post(DESK + "/borrowings/{borrowing_id}/check-out")
async def check_out(request: Request, viewer: ViewerDep, borrowing_id: UUID) -> Response:
    form = await request.form()
    on = str(form.get("on", "")).strip()
    pages = await _pages(request)
    entered = {"on": on, "pages": pages}
    return await run_in_threadpool(
        _counted_step, request, viewer, borrowing_id, CheckOut, on, pages, entered
    )


@router.post(DESK + "/borrowings/{borrowing_id}/return")
async def take_back(request: Request, viewer: ViewerDep, borrowing_id: UUID) -> Response:
    form = await request.form()
    on = str(form.get("on", "")).strip()
    pages = await _pages(request)
    entered = {"on": on, "pages": pages}
    return await run_in_threadpool(
        _counted_step, request, viewer, borrowing_id, ReturnBorrowing, on, pages, entered
    )
