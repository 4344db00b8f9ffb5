"""The audit screens: the trail read per person and per loan, a verification run from the page
and recorded, an audit bundle issued with its purpose — and refusals that record nothing."""

from __future__ import annotations

import io
import zipfile
from uuid import UUID

from archive.core import CommandContext
from domain.integrity import AuditBundle
from domain.values import Role
from tests.api.console_harness import PEOPLE, Console
from tests.factories import make_disbursement

LOAN = "DK2026004000"


def _head(console: Console) -> int:
    return console.archive.recorder.max_notification_id() or 0


def _book(console: Console) -> None:
    manager = CommandContext(console.archive.staff(PEOPLE[Role.ACCOUNT_MANAGER][0]).id)
    done = console.archive.disburse(manager, make_disbursement(LOAN, branch="营业部"))
    console.registers.wait(["accountability_trail"], done.position, 30)


def test_the_trail_is_read_per_person_and_per_loan_by_name(console: Console) -> None:
    _book(console)
    console.as_role(Role.AUDITOR)
    page = console.get("/audit")
    assert page.status_code == 200
    manager_no, manager = PEOPLE[Role.ACCOUNT_MANAGER]
    assert f'<option value="{manager_no}">{manager}（{manager_no}）</option>' in page.text
    assert 'data-testid="trail-loan"' in page.text
    actions = console.get(
        f"/registers/accountability_trail?listing=actions&actor_staff_no={manager_no}"
    )
    assert actions.status_code == 200
    assert LOAN in actions.text
    parts = console.get(f"/registers/accountability_trail?listing=parts&loan_no={LOAN}")
    assert parts.status_code == 200
    assert manager in parts.text


def test_a_verification_is_run_from_the_page_and_recorded(console: Console) -> None:
    _book(console)
    console.as_role(Role.AUDITOR)
    token = console.csrf("/audit")
    before = _head(console)
    run = console.post("/audit/verifications", {"csrf_token": token, "documents": "on"})
    assert run.status_code == 201, run.text
    assert 'data-testid="verdict"' in run.text
    assert "完整" in run.text
    assert _head(console) == before + 1
    console.registers.wait(["accountability_trail"], before + 1, 30)
    listed = console.get("/audit")
    assert 'data-testid="runs"' in listed.text
    assert PEOPLE[Role.AUDITOR][1] in listed.text
    link = listed.text.split('href="/audit/verifications/', 1)[1].split('"', 1)[0]
    recorded = console.get(f"/audit/verifications/{link}")
    assert recorded.status_code == 200
    assert PEOPLE[Role.AUDITOR][1] in recorded.text


def test_an_audit_bundle_is_issued_with_its_purpose(console: Console) -> None:
    _book(console)
    console.as_role(Role.AUDITOR)
    token = console.csrf("/audit")
    before = _head(console)
    no_purpose = console.post(
        "/audit/bundles", {"csrf_token": token, "loan_no": LOAN, "purpose": ""}
    )
    assert no_purpose.status_code == 422
    assert 'id="purpose-error"' in no_purpose.text
    unknown = console.post(
        "/audit/bundles", {"csrf_token": token, "loan_no": "DK0000000000", "purpose": "专项审计"}
    )
    assert unknown.status_code == 404
    assert 'id="loan_no-error"' in unknown.text
    assert _head(console) == before
    issued = console.post(
        "/audit/bundles", {"csrf_token": token, "loan_no": LOAN, "purpose": "专项审计"}
    )
    assert issued.status_code == 201, issued.text
    assert issued.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(issued.content)).namelist()
    assert any(n.endswith("bagit.txt") for n in names)
    recorded = console.archive.repository.get(UUID(issued.headers["x-bundle-id"]))
    assert isinstance(recorded, AuditBundle)
    assert recorded.purpose == "专项审计"
    assert recorded.tree_size == int(issued.headers["x-checkpoint-size"])


def test_a_role_without_the_rights_neither_sees_nor_runs_them(console: Console) -> None:
    _book(console)
    console.as_role(Role.ARCHIVIST)
    token = console.csrf("/")
    before = _head(console)
    assert console.post("/audit/verifications", {"csrf_token": token}).status_code == 403
    refused = console.post(
        "/audit/bundles", {"csrf_token": token, "loan_no": LOAN, "purpose": "看看"}
    )
    assert refused.status_code == 403
    assert _head(console) == before
