"""三大区间 and 一户一策 at the console: the loan page's zone panel and its forms.

The forms send the same commands as the API's routes (``POST /api/v1/loans/{loan_no}/zones``,
``…/zones/{proposal_id}/approve|reject``, ``…/zone-reviews``), through the post-loan forms'
machinery (:mod:`api.web.pages.postloan`): offered only to whoever the application lets do the
act on this loan, refused with the application's own words otherwise. The approval and the
rejection act on the proposal pending on the loan (one at a time).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from api.responses import LoanNo
from api.web.i18n import N_
from api.web.pages.common import page_router
from api.web.pages.postloan import DONE, Field, Form, Link, _send_command, _show, may
from api.web.people import People
from api.web.session import Viewer, ViewerDep, archive_of
from archive.commands import Command
from archive.commands.zones import ApproveZone, ProposeZone, RejectZone, ReviewZone
from domain.authorization import Action
from domain.errors import InvalidTransitionError
from domain.loan import Loan

router = page_router()

DONE.update(
    {
        "zone_proposal": N_("The zone and its plan have been proposed for approval."),
        "zone_approval": N_("The zone and its plan have been approved."),
        "zone_rejection": N_("The proposed zone has been rejected."),
        "zone_review": N_("The review of the zone has been recorded."),
    }
)

PLAN_FIELDS = [
    Field("measures", N_("Measures (一户一策)"), "textarea", required=False),
    Field("target", N_("Target"), "textarea", required=False),
    Field("responsible_no", N_("Person responsible (staff no.)"), "text", required=False),
    Field("deadline", N_("Deadline of the plan"), "date", required=False),
]


def _zones(loan: Loan, request: Request) -> tuple[tuple[str, str], ...]:
    rules = archive_of(request).rule_set().zones
    return tuple((z.code, f"{z.zh}（{z.band}区间）") for z in rules.zones.values())


def propose_form(request: Request) -> Callable[[Loan], Form]:
    def make(loan: Loan) -> Form:
        return Form(
            key="zone_proposal",
            title=N_("Propose the customer's zone"),
            action=Action.PROPOSE_ZONE,
            path=f"/loans/{loan.loan_no}/zones/new",
            fields=[
                Field("zone", N_("Zone"), "select", options=_zones(loan, request)),
                Field("proposed_on", N_("Date proposed"), "date"),
                Field("reason", N_("Why this zone"), "textarea"),
                *[
                    Field(f.name, f.label, f.kind, required=f.name == "responsible_no")
                    for f in PLAN_FIELDS
                ],
            ],
            submit=N_("Propose"),
            intro=N_(
                "A restricted, strictly restricted or exit zone needs its plan: measures, target "
                "and deadline. The branch head or a risk manager approves it, never its proposer."
            ),
        )

    return make


def approve_form(loan: Loan) -> Form:
    return Form(
        key="zone_approval",
        title=N_("Approve the proposed zone"),
        action=Action.APPROVE_ZONE,
        path=f"/loans/{loan.loan_no}/zones/approve",
        fields=[
            Field("approved_on", N_("Date approved"), "date"),
            Field("opinion", N_("Opinion"), "textarea"),
        ],
        submit=N_("Approve"),
    )


def reject_form(loan: Loan) -> Form:
    return Form(
        key="zone_rejection",
        title=N_("Reject the proposed zone"),
        action=Action.APPROVE_ZONE,
        path=f"/loans/{loan.loan_no}/zones/reject",
        fields=[
            Field("rejected_on", N_("Date rejected"), "date"),
            Field("reason", N_("Why it is rejected"), "textarea"),
        ],
        submit=N_("Reject"),
    )


def review_form(request: Request) -> Callable[[Loan], Form]:
    def make(loan: Loan) -> Form:
        return Form(
            key="zone_review",
            title=N_("Review the customer's zone"),
            action=Action.REVIEW_ZONE,
            path=f"/loans/{loan.loan_no}/zone-reviews/new",
            fields=[
                Field("reviewed_on", N_("Date reviewed"), "date"),
                Field("progress", N_("Progress on the plan"), "textarea"),
                Field("repayment_capacity", N_("Repayment capacity"), "textarea"),
                Field("operations", N_("Operations and finances"), "textarea"),
                Field("market", N_("Market and industry"), "textarea", required=False),
                Field(
                    "zone",
                    N_("Propose another zone"),
                    "select",
                    required=False,
                    options=_zones(loan, request),
                ),
                Field("reason", N_("Why another zone"), "textarea", required=False),
                *PLAN_FIELDS,
            ],
            submit=N_("Record the review"),
        )

    return make


def panel(request: Request, viewer: Viewer, loan: Loan) -> dict[str, Any]:
    """What the loan page shows of the customer's zone: the zone and plan in force, the last
    review, a proposal awaiting approval, and the forms the viewer may open."""
    t = viewer.t
    base = f"/loans/{loan.loan_no}"
    people = People(archive_of(request), t)
    rules = archive_of(request).rule_set().zones
    current, pending = loan.zone, loan.pending_zone
    links = []
    if pending is None and may(request, viewer, Action.PROPOSE_ZONE, loan):
        links.append(Link(t(N_("Propose the customer's zone")), f"{base}/zones/new"))
    if pending is not None and may(request, viewer, Action.APPROVE_ZONE, loan):
        links.append(Link(t(N_("Approve the proposed zone")), f"{base}/zones/approve"))
        links.append(Link(t(N_("Reject the proposed zone")), f"{base}/zones/reject"))
    if current is not None and may(request, viewer, Action.REVIEW_ZONE, loan):
        links.append(Link(t(N_("Review the customer's zone")), f"{base}/zone-reviews/new"))

    def plan(found: Any) -> dict[str, str]:
        return {
            "measures": found.measures or "",
            "target": found.target or "",
            "responsible": people(found.responsible_id),
            "deadline": found.deadline.isoformat() if found.deadline else "",
        }

    return {
        "zone": rules.label(current.zone) if current else "",
        "since": current.since.isoformat() if current else "",
        "approved_by": people(current.approved_by) if current else "",
        "last_reviewed_on": current.last_reviewed_on.isoformat() if current else "",
        "plan": plan(current.plan) if current else None,
        "pending": rules.label(pending.zone) if pending else "",
        "pending_by": people(pending.proposer_id) if pending else "",
        "pending_plan": plan(pending.plan) if pending else None,
        "links": links,
    }


# ------------------------------------------------------------------------- the forms' routes
def _pending(request: Request, viewer: Viewer, loan_no: str) -> str:
    pending = archive_of(request).get_loan(viewer.ctx, loan_no).pending_zone
    if pending is None:
        raise InvalidTransitionError(
            f"贷款 {loan_no} 没有待审批的区间划分", f"loan {loan_no} has no zone awaiting approval"
        )
    return str(pending.proposal_id)


def _routes(
    path: str,
    make: Callable[[Request], Callable[[Loan], Form]],
    command: type[Command],
    pending: bool = False,
) -> None:
    def show(request: Request, viewer: ViewerDep, loan_no: LoanNo) -> Response:
        return _show(request, viewer, loan_no, make(request))

    async def send(request: Request, viewer: ViewerDep, loan_no: LoanNo) -> Response:
        ids = {"proposal_id": _pending(request, viewer, loan_no)} if pending else {}
        return await _send_command(
            request, viewer, loan_no, make(request), command, lambda _sent: [], **ids
        )

    name = path.replace("/", "_").replace("-", "_")
    router.add_api_route(f"/loans/{{loan_no}}/{path}", show, methods=["GET"], name=f"{name}_page")
    router.add_api_route(f"/loans/{{loan_no}}/{path}", send, methods=["POST"], name=name)


_routes("zones/new", propose_form, ProposeZone)
_routes("zones/approve", lambda _request: approve_form, ApproveZone, pending=True)
_routes("zones/reject", lambda _request: reject_form, RejectZone, pending=True)
_routes("zone-reviews/new", review_form, ReviewZone)
