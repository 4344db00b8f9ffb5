"""贷款信息维护与用途监控 — on a loan's page, the borrower's information now, every change of
it and the uses of the funds; the forms that change the information (``POST /api/v1/loans/
{loan_no}/information-changes``) and record a use of the funds (``…/funds-uses``), sent as the
other post-loan forms are (:mod:`api.web.pages.postloan`): offered only to whoever may do the
act on the loan, refused with the application's own words, nothing recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.responses import LoanNo
from api.web.i18n import N_
from api.web.pages.common import page_router
from api.web.pages.postloan import (
    Field,
    Form,
    Link,
    Refused,
    Sent,
    _built,
    _doc_types,
    _options,
    _sent,
    _show,
    _submit,
    _upload,
    may,
)
from api.web.people import People
from api.web.session import Viewer, ViewerDep, archive_of
from archive.commands.information import ChangeBorrowerInformation, RecordFundsUse
from archive.core import CommandContext
from archive.documents.ingest import Upload
from domain.authorization import Action
from domain.industry import Industry, industry_label
from domain.information import BorrowerField, MaritalStatus, PaymentMethod
from domain.loan import Loan

router = page_router()

EVIDENCE = ("change_evidence", "rating_form")
"""The document types a change of information files: its evidence, the new rating form."""

HINTS = {
    BorrowerField.INCOME: N_("Yearly, in yuan, e.g. 360000.00."),
    BorrowerField.RATING: N_("The risk manager's, with the borrower rating form attached."),
    BorrowerField.INDUSTRY: N_("The GB/T 4754 section, with its evidence attached."),
}
CHOSEN: dict[BorrowerField, Callable[[Viewer], tuple[tuple[str, str], ...]]] = {
    BorrowerField.MARITAL_STATUS: lambda viewer: _options(MaritalStatus, viewer),
    BorrowerField.INDUSTRY: lambda _viewer: tuple((i.value, i.label) for i in Industry),
}
"""The items chosen from a list rather than typed, with their choices."""


@dataclass(frozen=True)
class Item:
    """One item of the borrower's information as the page shows it."""

    label: str
    value: str


@dataclass(frozen=True)
class Change:
    changed_on: str
    items: list[str]
    reason: str
    who: str


@dataclass(frozen=True)
class Use:
    used_on: str
    amount: str
    payee: str
    use: str
    matches: bool
    method: str
    signal: str


def _value(field: str, value: str | None, viewer: Viewer) -> str:
    if value is None:
        return "—"
    if field == BorrowerField.INDUSTRY.value:
        return industry_label(value)
    if field == BorrowerField.MARITAL_STATUS.value:
        member = next((m for m in MaritalStatus if m.value == value), None)
        if member is not None:
            return viewer.t.pick(member.zh, member.value)
    return value


def _label(field: str, viewer: Viewer) -> str:
    member = next((m for m in BorrowerField if m.value == field), None)
    return viewer.t.pick(member.zh, field.replace("_", " ")) if member else field


def panel(request: Request, viewer: Viewer, loan: Loan) -> dict[str, Any]:
    """The borrower's information, its changes (newest first) and the uses of the funds."""
    t = viewer.t
    people = People(archive_of(request), t)
    info = loan.borrower_information
    base = f"/loans/{loan.loan_no}"
    links = [
        Link(t(label), f"{base}/{path}")
        for action, label, path in (
            (
                Action.CHANGE_BORROWER_INFORMATION,
                N_("Change the borrower's information"),
                "information/new",
            ),
            (Action.RECORD_FUNDS_USE, N_("Record a use of the funds"), "funds-uses/new"),
        )
        if may(request, viewer, action, loan)
    ]
    codes = {w.id: w.code for w in loan.warnings.values()}
    return {
        "purpose": loan.purpose,
        "items": [
            Item(_label(f.value, viewer), _value(f.value, info.get(f.value), viewer))
            for f in BorrowerField
        ],
        "changes": [
            Change(
                changed_on=c.changed_on.isoformat(),
                items=[
                    f"{_label(f, viewer)}：{_value(f, old, viewer)} → {_value(f, new, viewer)}"
                    for f, old, new in c.changes
                ],
                reason=c.reason,
                who=people(c.actor_id),
            )
            for c in reversed(loan.information_changes)
        ],
        "uses": [
            Use(
                used_on=u.used_on.isoformat(),
                amount=f"{u.amount:,.2f}",
                payee=u.payee,
                use=u.use,
                matches=u.matches_purpose,
                method=t.pick(u.payment_method.zh, u.payment_method.value),
                signal=codes.get(u.signal_id, "") if u.signal_id else "",
            )
            for u in reversed(loan.funds_uses)
        ],
        "links": links,
    }


# ------------------------------------------------------------------------------ forms
def information_form(request: Request, viewer: Viewer, loan: Loan) -> Form:
    info = loan.borrower_information
    return Form(
        key="information",
        title=N_("Change the borrower's information"),
        action=Action.CHANGE_BORROWER_INFORMATION,
        path=f"/loans/{loan.loan_no}/information/new",
        fields=[
            Field("changed_on", N_("Effective date"), "date"),
            *[
                Field(
                    f.value,
                    _label(f.value, viewer),
                    "select" if f in CHOSEN else "text",
                    required=False,
                    options=CHOSEN[f](viewer) if f in CHOSEN else (),
                    hint=HINTS.get(f, ""),
                )
                for f in BorrowerField
            ],
            Field("reason", N_("Why it changed"), "textarea"),
            Field(
                "doc_type",
                N_("Document type"),
                "select",
                required=False,
                options=tuple(
                    (code, label) for code, label in _doc_types(request, viewer) if code in EVIDENCE
                ),
            ),
            Field("documents", N_("Documents"), "files", required=False),
        ],
        submit=N_("Record the changes"),
        intro=N_(
            "Change only what changed; the old values are the loan's as recorded. A change of "
            "rating is the risk manager's, with the borrower rating form attached."
        ),
        defaults=dict(info),
    )


def funds_form(request: Request, viewer: Viewer, loan: Loan) -> Form:
    return Form(
        key="funds",
        title=N_("Record a use of the funds"),
        action=Action.RECORD_FUNDS_USE,
        path=f"/loans/{loan.loan_no}/funds-uses/new",
        fields=[
            Field("used_on", N_("Date paid"), "date"),
            Field("amount", N_("Amount (yuan)"), "text"),
            Field("payee", N_("Payee"), "text"),
            Field("use", N_("What it paid for"), "text"),
            Field(
                "matches_purpose",
                N_("Matches the loan's purpose"),
                "select",
                options=(("true", viewer.t(N_("Yes"))), ("false", viewer.t(N_("No")))),
                hint=N_("A use against the purpose raises the warning signal BEH-05 (orange)."),
            ),
            Field(
                "payment_method",
                N_("Payment method"),
                "select",
                options=_options(PaymentMethod, viewer),
            ),
            Field(
                "doc_type",
                N_("Document type"),
                "select",
                required=False,
                options=_doc_types(request, viewer, ("funds_use",)),
            ),
            Field("documents", N_("Documents"), "files", required=False),
        ],
        submit=N_("Record the use"),
        intro=N_("Each payment out of the loan, checked against the purpose it was granted for."),
    )


def _documents(sent: Sent, viewer: Viewer) -> list[Upload]:
    files = sent.files.get("documents", [])
    doc_type = sent.text("doc_type")
    if files and not doc_type:
        raise Refused({"doc_type": viewer.t("Choose the type of the documents attached.")})
    return [_upload(doc_type, f) for f in files]


@router.get("/loans/{loan_no}/information/new")
def information_page(request: Request, viewer: ViewerDep, loan_no: LoanNo) -> Response:
    """变更借款人信息: the form."""
    return _show(request, viewer, loan_no, lambda loan: information_form(request, viewer, loan))


@router.post("/loans/{loan_no}/information/new")
async def change_information(request: Request, viewer: ViewerDep, loan_no: LoanNo) -> Response:
    """Record the changes (``ChangeBorrowerInformation``): each field whose value differs from
    the loan's."""
    sent = await _sent(request)

    def run(ctx: CommandContext, data: dict[str, Any], sent: Sent, form: Form) -> Any:
        archive = archive_of(request)
        info = archive.get_loan(viewer.ctx, loan_no).borrower_information
        changes = [
            {"field": f.value, "value": data[f.value]}
            for f in BorrowerField
            if data.get(f.value) and str(data[f.value]).strip() != info.get(f.value)
        ]
        if not changes:
            raise Refused({}, viewer.t("Nothing was changed."))
        fields = {"changed_on": data["changed_on"], "reason": data["reason"]}
        built = _built(
            ChangeBorrowerInformation,
            {**fields, "changes": changes, "loan_no": loan_no},
            form,
            viewer,
        )
        return archive.execute(ctx, built, _documents(sent, viewer))

    send = _submit(
        request, viewer, loan_no, lambda loan: information_form(request, viewer, loan), run
    )
    return await run_in_threadpool(send, sent)


@router.get("/loans/{loan_no}/funds-uses/new")
def funds_page(request: Request, viewer: ViewerDep, loan_no: LoanNo) -> Response:
    """登记资金使用: the form."""
    return _show(request, viewer, loan_no, lambda loan: funds_form(request, viewer, loan))


@router.post("/loans/{loan_no}/funds-uses/new")
async def record_funds_use(request: Request, viewer: ViewerDep, loan_no: LoanNo) -> Response:
    """Record the use (``RecordFundsUse``); one against the purpose raises BEH-05."""
    sent = await _sent(request)

    def run(ctx: CommandContext, data: dict[str, Any], sent: Sent, form: Form) -> Any:
        fields = {k: v for k, v in data.items() if k in RecordFundsUse.model_fields}
        built = _built(RecordFundsUse, {**fields, "loan_no": loan_no}, form, viewer)
        return archive_of(request).execute(ctx, built, _documents(sent, viewer))

    send = _submit(request, viewer, loan_no, lambda loan: funds_form(request, viewer, loan), run)
    return await run_in_threadpool(send, sent)
