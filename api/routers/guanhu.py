"""管户: customers assigned to account managers, and loans' target-responsibility records.

``POST /staff/{staff_no}/customers`` assigns a customer to a manager (管户分配) within the cap
and amount tiers of ``[guanhu]``; ``POST /staff/{staff_no}/customers/release`` takes one off
(移交); ``POST /loans/{loan_no}/target-responsibility`` records the loan's signed
target-responsibility record for a year (贷后管理及目标责任书), its paper filed in the dossier.
The 管户台账 is the ``customer_register`` register (``/registers/customer_register/…``).
"""

from __future__ import annotations

from fastapi import APIRouter

from api.routers import command_route
from archive.commands.guanhu import AssignCustomer, ReleaseCustomer, SignTargetResponsibility

router = APIRouter(tags=["管户 customer assignment"])

command_route(router, "/staff/{staff_no}/customers", AssignCustomer, schema="CustomerAssignment")
command_route(
    router, "/staff/{staff_no}/customers/release", ReleaseCustomer, schema="CustomerRelease"
)
command_route(
    router,
    "/loans/{loan_no}/target-responsibility",
    SignTargetResponsibility,
    schema="TargetResponsibilitySigning",
)
