"""Handing a non-performing loan to asset preservation (不良贷款移交资产保全) with its papers.

A corporate loan of 城东支行, 95 days overdue and downgraded to 次级, is transferred by the
risk manager to the asset preservation department. The transfer is a filing trigger of the
shipped rules (``preservation.transfer``): the 资产保全移交书 — the handover of the customer
relationship and the earlier papers (前期客户关系及资料交接) — is required with it, shown as a
gap of the completeness register until it is filed, and met (late) once it is. Through the HTTP API,
on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api, disburse, pdf
from tests.api.procedures.test_disposal_plans import downgrade

LOAN = "DK2025000591"
RULE = "preservation.transfer"


def requirements(api: Api, listing: str, after: int) -> list[dict[str, Any]]:
    path = "/registers/completeness" + ("" if listing == "gaps" else f"/{listing}")
    answer = api.get("auditor", f"{path}?loan_no={LOAN}&rule_id={RULE}&after={after}")
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["data"]
    return found


def test_the_transfer_to_asset_preservation_requires_the_handover_of_its_papers(
    api: Api,
) -> None:
    """Row 000-59."""
    disburse(api, LOAN)
    downgrade(api, LOAN)
    transferred = api.post(
        "risk",
        f"/loans/{LOAN}/asset-preservation",
        {"transferred_on": "2025-09-10", "reason": "逾期超过90天，移交资产保全部清收"},
    )
    assert transferred.status_code == 201, transferred.text
    [gap] = requirements(api, "gaps", transferred.json()["position"])
    assert (gap["stage"], gap["doc_type"], gap["doc_type_zh"], gap["required_since"]) == (
        "preservation",
        "asset_preservation_transfer",
        "资产保全移交书",
        "2025-09-10",
    )

    handover = ("资产保全移交书.pdf", pdf("asset preservation transfer"), "application/pdf")
    filed = api.upload(
        "am",
        f"/loans/{LOAN}/dossier/documents",
        {"stage": "preservation"},
        [("asset_preservation_transfer", handover)],
    )
    assert filed.status_code == 201, filed.text
    position = filed.json()["position"]
    assert requirements(api, "gaps", position) == []
    [met] = requirements(api, "requirements", position)
    assert met["status"] == "filed_late", "met, after the day of the transfer"
