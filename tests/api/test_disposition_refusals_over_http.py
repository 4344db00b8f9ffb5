"""Each refusal of a destruction batch, and each of its duties kept apart, over HTTP.

One test per rule: the loan still live; written off with recovery continuing; a hold open; an
item out on loan; retention not yet ended; no appraisal concluding "destroy"; not yet approved;
and the duties — proposer, approver, compliance, executor, two supervisors and IT — each held
by a different person. Each answers its own status and bilingual error body, and leaves the
events, blobs and data keys as they were (``refused``), on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest

from domain.values import AppraisalOpinion, Grade, HoldKind
from tests import steps
from tests.api.conftest import Api, disburse
from tests.api.test_custody_over_http import ITEMS, compliance, refused
from tests.api.test_disposition_over_http import LOAN, ctx, prepare

B = "/destruction-batches"
PROPOSE: dict[str, Any] = {"loan_nos": [LOAN], "proposed_on": "2056-02-01"}
APPROVAL = {"approved_on": "2056-02-02"}
EXECUTE: dict[str, Any] = {
    "supervisor_nos": ["AU001", "AR002"],
    "it_supervisor_no": "ADM01",
    "method": "密钥销毁、删除电子文件；纸质碎纸",
}


def proposed(api: Api) -> str:
    answer = api.post("archhead", B, PROPOSE)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["ids"]["batch_id"])


def approved(api: Api) -> str:
    batch = proposed(api)
    assert api.post("head", f"{B}/{batch}/approve", APPROVAL).status_code == 201
    answer = api.post("compliance", f"{B}/{batch}/compliance-approve", APPROVAL)
    assert answer.status_code == 201, answer.text
    return batch


@pytest.fixture
def ready(api: Api) -> Api:
    """A settled, catalogued dossier whose retention has ended, appraised "destroy"."""
    compliance(api)
    prepare(api)
    return api


def test_a_live_loan_is_not_destroyed(api: Api) -> None:
    compliance(api)
    disburse(api, LOAN)
    archive = api.archive
    listed = steps.list_transfer(
        archive, ctx(api, "AM001"), LOAN, ITEMS, date(2025, 1, 13), signed_on=date(2025, 1, 10)
    )
    steps.receive_transfer(
        archive, ctx(api, "AR001"), LOAN, listed, steps.present(6, 4), date(2025, 1, 14)
    )
    steps.catalogue(archive, ctx(api, "AR001"), LOAN, "1-01", date(2025, 1, 15))
    archive.clock = lambda: datetime(2056, 3, 1, 9, tzinfo=UTC)
    refused(api, "archhead", B, PROPOSE, 409, "destruction_loan_not_settled")


def test_a_written_off_loan_whose_recovery_continues_is_not_destroyed(api: Api) -> None:
    compliance(api)
    disburse(api, LOAN)
    archive = api.archive
    am, officer, risk = ctx(api, "AM001"), ctx(api, "PL001"), ctx(api, "RM001")
    steps.overdue(archive, officer, LOAN, date(2025, 6, 30), 95, "200000.00", "8000.00")
    proposal = steps.propose(archive, am, LOAN, Grade.SUBSTANDARD, date(2025, 6, 30), "逾期 95 天")
    steps.approve(archive, risk, LOAN, proposal)
    steps.write_off(archive, ctx(api, "BH001"), LOAN, date(2025, 12, 20))
    archive.clock = lambda: datetime(2126, 3, 1, 9, tzinfo=UTC)
    refused(api, "archhead", B, PROPOSE, 409, "destruction_recovery_continues")


def test_an_open_hold_refuses_proposal_and_execution(ready: Api) -> None:
    api = ready
    batch = approved(api)
    hold = {
        "kind": HoldKind.LITIGATION.value,
        "reason": "涉诉",
        "reference": "(2056)沪01民初9号",
        "placed_on": "2056-02-04",
    }
    placed = api.post("compliance", f"/loans/{LOAN}/dossier/holds", hold)
    assert placed.status_code == 201, placed.text
    refused(api, "archhead", B, PROPOSE, 409, "destruction_hold_open")
    refused(api, "archivist", f"{B}/{batch}/execute", EXECUTE, 409, "destruction_hold_open")


def test_anything_out_on_loan_refuses_execution(ready: Api) -> None:
    api = ready
    batch = approved(api)
    asked = api.post(
        "auditor",
        f"/loans/{LOAN}/dossier/borrowings",
        {
            "purpose": "audit",
            "form": "original",
            "reason": "销毁前审计抽查",
            "requested_on": "2056-02-04",
        },
    )
    assert asked.status_code == 201, asked.text
    borrowing = asked.json()["ids"]["borrowing_id"]
    assert api.post("archhead", f"/borrowings/{borrowing}/approve", {}).status_code == 201
    items = api.archive.borrowing(UUID(borrowing)).items
    dossier = api.archive.dossier_of(api.archive.loan(LOAN))
    pages = {sha: dossier.filed(sha).ref.pages or 0 for sha in items}
    out = api.post(
        "archivist", f"/borrowings/{borrowing}/check-out", {"on": "2056-02-04", "pages": pages}
    )
    assert out.status_code == 201, out.text
    refused(api, "archivist", f"{B}/{batch}/execute", EXECUTE, 409, "destruction_on_loan")
    refused(api, "archhead", B, PROPOSE, 409, "destruction_on_loan")


def test_nothing_is_destroyed_before_retention_ends(ready: Api) -> None:
    api = ready
    batch = approved(api)
    api.archive.clock = lambda: datetime(2055, 12, 31, 12, tzinfo=UTC)
    refused(
        api, "archivist", f"{B}/{batch}/execute", EXECUTE, 409, "destruction_retention_not_ended"
    )
    on_the_last_day = {**PROPOSE, "proposed_on": "2055-12-31"}
    refused(api, "archhead", B, on_the_last_day, 409, "destruction_retention_not_ended")


def test_a_dossier_not_appraised_destroy_is_not_proposed(api: Api) -> None:
    compliance(api)
    prepare(api, AppraisalOpinion.EXTEND)
    refused(api, "archhead", B, PROPOSE, 409, "destruction_not_appraised")


def test_a_batch_is_executed_only_after_both_approvals(ready: Api) -> None:
    api = ready
    batch = proposed(api)
    refused(api, "archivist", f"{B}/{batch}/execute", EXECUTE, 409, "destruction_not_approved")
    assert api.post("head", f"{B}/{batch}/approve", APPROVAL).status_code == 201
    refused(api, "archivist", f"{B}/{batch}/execute", EXECUTE, 409, "destruction_not_approved")


Case = tuple[str, Callable[[Api, str], tuple[str, str, dict[str, Any]]], int, str]
DUTIES: dict[str, Case] = {
    "only the archive head proposes": (
        "proposed",
        lambda api, batch: ("archivist", B, PROPOSE),
        403,
        "role_not_permitted",
    ),
    "the proposer does not approve": (
        "proposed",
        lambda api, batch: ("archhead", f"{B}/{batch}/approve", APPROVAL),
        403,
        "role_not_permitted",
    ),
    "compliance approves, nobody else": (
        "proposed",
        lambda api, batch: ("head", f"{B}/{batch}/compliance-approve", APPROVAL),
        403,
        "role_not_permitted",
    ),
    "a supervisor is not the proposer": (
        "approved",
        lambda api, batch: (
            "archivist",
            f"{B}/{batch}/execute",
            {**EXECUTE, "supervisor_nos": ["AU001", "AH001"]},
        ),
        403,
        "destruction_duty_doubled",
    ),
    "a supervisor is not the executor": (
        "approved",
        lambda api, batch: (
            "archivist",
            f"{B}/{batch}/execute",
            {**EXECUTE, "supervisor_nos": ["AU001", "AR001"]},
        ),
        403,
        "destruction_duty_doubled",
    ),
    "two different supervisors": (
        "approved",
        lambda api, batch: (
            "archivist",
            f"{B}/{batch}/execute",
            {**EXECUTE, "supervisor_nos": ["AU001", "AU001"]},
        ),
        403,
        "destruction_supervisors",
    ),
    "an IT supervisor for electronic records": (
        "approved",
        lambda api, batch: (
            "archivist",
            f"{B}/{batch}/execute",
            {**EXECUTE, "it_supervisor_no": None},
        ),
        403,
        "destruction_supervisors",
    ),
    "only an archivist executes": (
        "approved",
        lambda api, batch: ("auditor", f"{B}/{batch}/execute", EXECUTE),
        403,
        "role_not_permitted",
    ),
}


@pytest.mark.parametrize("rule", list(DUTIES))
def test_each_duty_of_a_destruction_is_held_by_a_different_person(ready: Api, rule: str) -> None:
    api = ready
    stage, make, status, code = DUTIES[rule]
    batch = approved(api) if stage == "approved" else proposed(api)
    who, path, body = make(api, batch)
    refused(api, who, path, body, status, code)
