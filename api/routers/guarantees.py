"""Guarantees (保证): guarantors registered on a loan and their re-assessment (代偿能力).

The loan's read (``GET /loans/{loan_no}``) lists its guarantees with their latest assessment.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.routers import command_route
from archive.commands.guarantees import ReassessGuarantor, RegisterGuarantee

router = APIRouter(prefix="/loans/{loan_no}/guarantees", tags=["guarantees"])

command_route(router, "", RegisterGuarantee, schema="GuaranteeCreate")
command_route(router, "/{guarantee_id}/reassess", ReassessGuarantor, schema="GuarantorReassessment")
