"""重点监测 and 到期提示 at the console: the loan page's watch badge and forms, and the month's
maturities with the action that issues each notice.

The forms send the same commands as the API's routes (``POST /api/v1/loans/{loan_no}/
key-customer``, ``…/key-customer/removal``, ``…/third-party-service``, ``…/maturity-notices``),
through the post-loan forms' machinery (:mod:`api.web.pages.postloan`): offered only to whoever
the application lets do the act on this loan, refused with the application's own words
otherwise. ``/maturities`` lists the loans maturing in a month (next month by default) within
the viewer's data scope, as ``GET /api/v1/maturities`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.responses import LoanNo
from api.routers.watch import listed
from api.web.i18n import N_
from api.web.pages.common import enter, page_router, registers_of
from api.web.pages.postloan import DONE, Field, Form, Link, _send_command, _show, may
from api.web.people import People
from api.web.render import render
from api.web.session import Viewer, ViewerDep, archive_of
from archive.commands import Command
from archive.commands.watch import (
    AssignThirdPartyService,
    DesignateKeyCustomer,
    IssueMaturityNotice,
    RemoveKeyCustomer,
)
from domain.authorization import Action
from domain.errors import DomainError
from domain.loan import Loan
from domain.schedules import add_months
from projections.query import AsOf

router = page_router()

DONE.update(
    {
        "key_customer": N_("The borrower is now a key customer, under closer watch."),
        "key_customer_removal": N_("The borrower has been taken off the key-customer list."),
        "third_party": N_("The third-party servicer has been recorded."),
        "maturity_notice": N_("The maturity notice has been recorded and its letter filed."),
    }
)


# ------------------------------------------------------------------------------ forms
def designate_form(loan: Loan) -> Form:
    return Form(
        key="key_customer",
        title=N_("List as a key customer"),
        action=Action.DESIGNATE_KEY_CUSTOMER,
        path=f"/loans/{loan.loan_no}/key-customer/new",
        fields=[
            Field("designated_on", N_("Date listed"), "date"),
            Field("reason", N_("Why the borrower is a key customer"), "textarea"),
        ],
        submit=N_("List as a key customer"),
        intro=N_(
            "A key customer is monitored on site every quarter and shown on the watch list; "
            "its grade does not change by this."
        ),
    )


def removal_form(loan: Loan) -> Form:
    return Form(
        key="key_customer_removal",
        title=N_("Take off the key-customer list"),
        action=Action.DESIGNATE_KEY_CUSTOMER,
        path=f"/loans/{loan.loan_no}/key-customer/removal",
        fields=[
            Field("removed_on", N_("Date taken off"), "date"),
            Field("reason", N_("Why it is taken off"), "textarea"),
        ],
        submit=N_("Take off the list"),
    )


def third_party_form(loan: Loan) -> Form:
    return Form(
        key="third_party",
        title=N_("Service by a third party"),
        action=Action.ASSIGN_THIRD_PARTY_SERVICE,
        path=f"/loans/{loan.loan_no}/third-party-service/new",
        fields=[
            Field("servicer", N_("Servicer"), "text"),
            Field("contact", N_("Contact there"), "text"),
            Field("contact_phone", N_("Contact's phone"), "text", required=False),
            Field("assigned_on", N_("From"), "date"),
        ],
        submit=N_("Record the servicer"),
        intro=N_("The contact is phoned every ten days and the borrower visited twice a month."),
    )


def notice_form(loan: Loan) -> Form:
    return Form(
        key="maturity_notice",
        title=N_("Issue the maturity notice"),
        action=Action.ISSUE_MATURITY_NOTICE,
        path=f"/loans/{loan.loan_no}/maturity-notices/new",
        fields=[
            Field("issued_on", N_("Date issued"), "date"),
            Field("addressee", N_("Sent to"), "text"),
        ],
        submit=N_("Issue the notice"),
        defaults={"addressee": loan.borrower_name},
        intro=N_("The notice (贷款到期通知书) is generated and filed in the dossier."),
    )


def panel(request: Request, viewer: Viewer, loan: Loan) -> dict[str, Any]:
    """What the loan page shows of the closer watch: the badges, the servicer, the notices
    sent, and the forms the viewer may open."""
    t = viewer.t
    base = f"/loans/{loan.loan_no}"
    people = People(archive_of(request), t)
    rules = archive_of(request).rule_set()
    may_designate = may(request, viewer, Action.DESIGNATE_KEY_CUSTOMER, loan)
    links = []
    if may_designate and loan.key_customer is None:
        links.append(Link(t(N_("List as a key customer")), f"{base}/key-customer/new"))
    if may_designate and loan.key_customer is not None:
        links.append(Link(t(N_("Take off the key-customer list")), f"{base}/key-customer/removal"))
    if may(request, viewer, Action.ASSIGN_THIRD_PARTY_SERVICE, loan):
        links.append(Link(t(N_("Service by a third party")), f"{base}/third-party-service/new"))
    if may(request, viewer, Action.ISSUE_MATURITY_NOTICE, loan):
        links.append(Link(t(N_("Issue the maturity notice")), f"{base}/maturity-notices/new"))
    key = loan.key_customer
    return {
        "key_customer": key is not None,
        "key_since": key.since.isoformat() if key else "",
        "key_reason": key.reason if key else "",
        "key_by": people(key.designated_by) if key else "",
        "large": rules.watch.is_large(loan.principal),
        "third_party": loan.third_party,
        "notices": [
            (n.issued_on.isoformat(), n.addressee, n.maturity_date.isoformat())
            for n in loan.maturity_notices
        ],
        "links": links,
    }


# ------------------------------------------------------------------------- the forms' routes
FORMS: dict[str, tuple[Callable[[Loan], Form], type[Command]]] = {
    "key-customer/new": (designate_form, DesignateKeyCustomer),
    "key-customer/removal": (removal_form, RemoveKeyCustomer),
    "third-party-service/new": (third_party_form, AssignThirdPartyService),
    "maturity-notices/new": (notice_form, IssueMaturityNotice),
}


def _routes(path: str) -> None:
    make, command = FORMS[path]

    def show(request: Request, viewer: ViewerDep, loan_no: LoanNo) -> Response:
        return _show(request, viewer, loan_no, make)

    async def send(request: Request, viewer: ViewerDep, loan_no: LoanNo) -> Response:
        return await _send_command(request, viewer, loan_no, make, command)

    name = path.replace("/", "_").replace("-", "_")
    router.add_api_route(f"/loans/{{loan_no}}/{path}", show, methods=["GET"], name=f"{name}_page")
    router.add_api_route(f"/loans/{{loan_no}}/{path}", send, methods=["POST"], name=name)


for _path in FORMS:
    _routes(_path)


# ------------------------------------------------------------------------------ maturities
@router.get("/maturities")
async def maturities_page(request: Request, viewer: ViewerDep, month: str = "") -> Response:
    """到期贷款清单: the loans maturing in a month (next month by default), each with whether
    its notice went out and, for whoever may, the action that issues it."""
    enter(request, viewer, "loans")
    archive = archive_of(request)
    chosen = month.strip() or add_months(archive.today().replace(day=1), 1).strftime("%Y-%m")

    def read() -> Any:
        _actor, scope = archive.reading_scope(viewer.ctx, Action.READ_BUSINESS)
        return listed(
            registers_of(request), archive, month=chosen, as_of=AsOf(), scope=scope, branch=None
        )

    try:
        answer = await run_in_threadpool(read)
        refused = ""
    except DomainError as exc:
        answer, refused = None, viewer.t.pick(exc.zh, exc.en)
    may_issue = viewer.can(Action.ISSUE_MATURITY_NOTICE)
    return render(
        request,
        "maturities.html",
        viewer,
        area="loans",
        month=chosen,
        answer=answer,
        refused=refused,
        may_issue=may_issue,
    )
