"""Destruction batches over HTTP: propose, approve twice, execute; then the document is 410 Gone.

Each refusal answers with its status and bilingual error body and leaves events, blobs and data
keys as they were.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from pypdf import PdfReader

from archive.commands.lifecycle import Settle
from archive.core import CommandContext
from domain.values import AppraisalOpinion, TransferKind
from tests import steps
from tests.api.conftest import Api, disburse
from tests.api.test_custody_over_http import ITEMS, compliance, refused

LOAN = "JJ-HTTP-DESTROY-1"
B = "/destruction-batches"


def ctx(api: Api, staff_no: str) -> CommandContext:
    return CommandContext(api.archive.staff(staff_no).id)


def prepare(api: Api, opinion: AppraisalOpinion = AppraisalOpinion.DESTROY) -> str:
    """Disburse over HTTP; settle, transfer, catalogue and appraise (``opinion``) in the archive."""
    archive = api.archive
    filed = disburse(api, LOAN)
    am, archivist, head = ctx(api, "AM001"), ctx(api, "AR001"), ctx(api, "AH001")
    steps.repay(archive, am, LOAN, date(2025, 6, 30), "1000000.00", Decimal(0))
    archive.execute(am, Settle(loan_no=LOAN, settled_on=date(2025, 6, 30)))
    listed = steps.list_transfer(archive, am, LOAN, ITEMS, date(2025, 7, 2), kind=TransferKind.FULL)
    steps.receive_transfer(archive, archivist, LOAN, listed, steps.present(6, 4), date(2025, 7, 3))
    steps.catalogue(archive, archivist, LOAN, "1-01", date(2025, 7, 4))
    archive.clock = lambda: datetime(2056, 3, 1, 9, tzinfo=UTC)
    opened = steps.open_appraisal(archive, head, LOAN, date(2056, 1, 5), ["AR002", "AU001"])
    steps.decide_appraisal(
        archive,
        head,
        LOAN,
        opened,
        opinion,
        "已无保存价值" if opinion is AppraisalOpinion.DESTROY else "仍有查考价值，建议延长保管",
        date(2056, 1, 10),
    )
    return str(filed["documents"][0]["sha256"])


def test_a_destruction_batch_over_http(api: Api) -> None:
    compliance(api)
    sha = prepare(api)
    propose: dict[str, Any] = {"loan_nos": [LOAN], "proposed_on": "2056-02-01"}
    refused(api, "archivist", B, propose, 403, "role_not_permitted")
    proposed = api.post("archhead", B, propose)
    assert proposed.status_code == 201, proposed.text
    batch = proposed.json()["ids"]["batch_id"]
    # The first batch of 2056's series; the refused proposal above took no number.
    assert proposed.json()["ids"]["batch_no"] == "销毁〔2056〕第0001号"
    execute = {
        "supervisor_nos": ["AU001", "AR002"],
        "it_supervisor_no": "ADM01",
        "method": "密钥销毁、删除电子文件；纸质碎纸",
    }
    refused(api, "archivist", f"{B}/{batch}/execute", execute, 409, "destruction_not_approved")
    approval = {"approved_on": "2056-02-02"}
    refused(api, "archhead", f"{B}/{batch}/approve", approval, 403, "role_not_permitted")
    assert api.post("head", f"{B}/{batch}/approve", approval).status_code == 201
    answer = api.post("compliance", f"{B}/{batch}/compliance-approve", approval)
    assert answer.status_code == 201, answer.text
    doubled = {**execute, "supervisor_nos": ["AU001", "AH001"]}
    refused(api, "archivist", f"{B}/{batch}/execute", doubled, 403, "destruction_duty_doubled")
    no_it = {**execute, "it_supervisor_no": None}
    refused(api, "archivist", f"{B}/{batch}/execute", no_it, 403, "destruction_supervisors")
    done = api.post("archivist", f"{B}/{batch}/execute", execute)
    assert done.status_code == 201, done.text

    shown = api.get("auditor", f"{B}/{batch}")
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert body["completed"] is True
    [entry] = body["entries"]
    assert entry["retention"] == "D30"
    assert entry["opinion"] == "已无保存价值"

    pdf = api.get("auditor", f"{B}/{batch}/register.pdf")
    assert pdf.status_code == 200
    import io

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "销毁清册" in text
    assert entry["reference_code"].split("·")[0] in text
    # The approval and execution dates, each beside its step (the execution's is today).
    facts = text.split()
    assert facts[facts.index("销毁批次") + 1] == "销毁〔2056〕第0001号"
    assert facts[facts.index("批准日期") + 1] == "2056-02-02"
    assert facts[facts.index("销毁日期") + 1] == body["executed_on"]
    assert "未办理" not in text

    gone = api.get("auditor", f"/loans/{LOAN}/documents/{sha}", params={"purpose": "audit"})
    assert gone.status_code == 410, gone.text
    assert gone.json()["error"] == "document_destroyed"
    assert gone.json()["context"]["destruction_batch_id"] == batch
