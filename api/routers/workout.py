"""Workout: restructuring, extension, handover, asset preservation, write-off, disposal plans.

``POST /loans/{loan_no}/disposal-plans`` submits a disposal plan (处置方案申报);
``…/disposal-plans/{plan_id}/decision`` records the branch head's approval or refusal and
``…/disposal-plans/{plan_id}/result`` what the approved plan recovered. The loan's read lists
its plans.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.routers import command_route
from archive.commands.disposal import (
    DecideDisposalPlan,
    RecordDisposalResult,
    SubmitDisposalPlan,
)
from archive.commands.losses import AmendLossReview, CloseLossReview, RecordLossReview
from archive.commands.workout import (
    Extend,
    HandOver,
    Restructure,
    ReturnFromAssetPreservation,
    TransferToAssetPreservation,
    WriteOff,
)

router = APIRouter(prefix="/loans/{loan_no}", tags=["collection and workout"])

command_route(router, "/restructurings", Restructure, schema="RestructuringCreate")
command_route(router, "/extensions", Extend, schema="ExtensionCreate")
command_route(router, "/handovers", HandOver, schema="HandoverCreate")
command_route(
    router, "/asset-preservation", TransferToAssetPreservation, schema="PreservationTransfer"
)
command_route(
    router,
    "/asset-preservation/return",
    ReturnFromAssetPreservation,
    schema="PreservationReturn",
)
command_route(router, "/write-off", WriteOff, schema="WriteOffCreate")

PLAN = "/disposal-plans/{plan_id}"
command_route(router, "/disposal-plans", SubmitDisposalPlan, schema="DisposalPlanCreate")
command_route(router, f"{PLAN}/decision", DecideDisposalPlan, schema="DisposalPlanDecision")
command_route(router, f"{PLAN}/result", RecordDisposalResult, schema="DisposalResultCreate")

# 三个不放过: a loss's review recorded, amended, then closed by another (损失分析).
REVIEW = "/loss-reviews/{review_id}"
command_route(router, "/loss-reviews", RecordLossReview, schema="LossReviewCreate")
command_route(router, REVIEW, AmendLossReview, schema="LossReviewAmendment")
command_route(router, f"{REVIEW}/closure", CloseLossReview, schema="LossReviewClosure")
