"""The three zones of customers (三大区间) and the plan for each (一户一策).

``POST /loans/{loan_no}/zones`` proposes the customer's zone and plan;
``…/zones/{proposal_id}/approve`` and ``…/reject`` decide it (the branch head or a risk manager,
never the proposer); ``POST /loans/{loan_no}/zone-reviews`` records a review when due, which may
propose another zone; ``POST /loans/{loan_no}/zone-notices`` records the customer told of its
assessment (评测情况通知). ``POST /loans/{loan_no}/bad-credit`` (and ``…/bad-credit/removal``)
puts the customer on the bad-credit customers' internal control list or takes it off (the risk
manager). The register (三大区间台账) is ``GET /registers/zone_register``, which lists the
customers on that list with ``bad_credit=true``.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.routers import command_route
from archive.commands.zones import (
    ApproveZone,
    DelistBadCredit,
    ListBadCredit,
    NotifyZone,
    ProposeZone,
    RejectZone,
    ReviewZone,
)

router = APIRouter(tags=["zones 三大区间"])

LOAN = "/loans/{loan_no}"
ONE = f"{LOAN}/zones/{{proposal_id}}"
command_route(router, f"{LOAN}/zones", ProposeZone, schema="ZoneProposal")
command_route(router, f"{ONE}/approve", ApproveZone, schema="ZoneApproval")
command_route(router, f"{ONE}/reject", RejectZone, schema="ZoneRejection")
command_route(router, f"{LOAN}/zone-reviews", ReviewZone, schema="ZoneReview")
command_route(router, f"{LOAN}/zone-notices", NotifyZone, schema="ZoneNotice")
command_route(router, f"{LOAN}/bad-credit", ListBadCredit, schema="BadCreditListing")
command_route(router, f"{LOAN}/bad-credit/removal", DelistBadCredit, schema="BadCreditRemoval")
