"""Retries and races: an idempotent retry records nothing new; a race never loses a write."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.api.conftest import Api, checklist_answers, disburse, pdf

LOAN = "DK2025000301"
INSPECTION = {
    "kind": "routine",
    "inspected_on": "2025-04-01",
    "reviewer_no": "RV001",
    "findings": "经营正常",
}


def inspect(api: Api, key: str, findings: str = "经营正常", data: bytes | None = None) -> Any:
    return api.upload(
        "am",
        f"/loans/{LOAN}/inspections",
        {**INSPECTION, **checklist_answers(api, LOAN, "routine"), "findings": findings},
        [("inspection_report", ("贷后检查报告.pdf", data or pdf("inspection"), "application/pdf"))],
        headers={"Idempotency-Key": key},
    )


def test_an_idempotent_retry_returns_the_first_result_and_records_nothing_new(api: Api) -> None:
    disburse(api, LOAN)
    first = inspect(api, "insp-2025-04-01")
    assert first.status_code == 201, first.text
    after_first = api.counts()
    retry = inspect(api, "insp-2025-04-01")
    assert retry.status_code == 201, retry.text
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert api.counts() == after_first
    a, b = first.json(), retry.json()
    assert b["replayed"] is True
    assert a["replayed"] is False
    for field in ("aggregate_id", "version", "position", "events", "documents", "ids"):
        assert a[field] == b[field], field
    events = api.get("am", f"/loans/{LOAN}/events").json()["data"]
    assert [e["type"] for e in events].count("InspectionRecorded") == 1


def test_reusing_a_key_for_a_different_request_is_refused(api: Api) -> None:
    disburse(api, LOAN)
    assert inspect(api, "k-1").status_code == 201
    before = api.counts()
    answer = inspect(api, "k-1", findings="另一份不同的检查结论")
    assert answer.status_code == 409
    assert answer.json()["error"] == "idempotency_key_reused"
    assert api.counts() == before


def test_keys_belong_to_their_caller(api: Api) -> None:
    disburse(api, LOAN)
    assert inspect(api, "same-key").status_code == 201
    other = api.post(
        "officer",
        f"/loans/{LOAN}/overdue-status",
        {
            "as_of": "2025-05-01",
            "days_overdue": 2,
            "overdue_principal": "10.00",
            "overdue_interest": "0.00",
        },
        headers={"Idempotency-Key": "same-key"},
    )
    assert other.status_code == 201
    assert other.json()["replayed"] is False


def test_two_racing_commands_on_one_loan_give_one_success_and_one_409(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both load the same version before either saves: the store's version check decides."""
    disburse(api, LOAN)
    before_events, before_blobs, _keys = api.counts()
    barrier = threading.Barrier(2, timeout=10)
    load = api.archive.loan

    def load_then_wait(loan_no: str) -> Any:
        loan = load(loan_no)
        barrier.wait()
        return loan

    monkeypatch.setattr(api.archive, "loan", load_then_wait)
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(
            pool.map(lambda n: inspect(api, f"race-{n}", data=pdf(f"report {n}")), range(2))
        )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201, 409], [a.text for a in answers]
    loser = next(a for a in answers if a.status_code == 409).json()
    assert loser["error"] == "concurrent_update"
    assert loser["context"]["current_version"] == 2
    monkeypatch.undo()
    events = api.get("am", f"/loans/{LOAN}/events").json()["data"]
    assert [e["type"] for e in events] == ["Disbursed", "InspectionRecorded"]
    # The winner's event and documents (its upload and its generated form, the same bytes as
    # the loser's) are stored; the loser's upload was removed again.
    winner = next(a for a in answers if a.status_code == 201).json()
    assert api.archive.blobs.count() == before_blobs + 2
    dossier = api.get("am", f"/loans/{LOAN}/dossier").json()
    assert winner["documents"][0]["sha256"] in {d["sha256"] for d in dossier["documents"]}
    assert api.counts()[0] > before_events


def test_unsynchronised_conflicting_commands_never_both_succeed(api: Api) -> None:
    disburse(api, LOAN)
    assert (
        api.post(
            "officer",
            f"/loans/{LOAN}/overdue-status",
            {
                "as_of": "2025-05-01",
                "days_overdue": 5,
                "overdue_principal": "10.00",
                "overdue_interest": "0.00",
            },
        ).status_code
        == 201
    )
    for round_no in range(5):
        version = api.get("am", f"/loans/{LOAN}").json()["version"]
        start = threading.Barrier(2, timeout=10)

        def repay(n: int, version: int = version, start: threading.Barrier = start) -> Any:
            start.wait()
            return api.post(
                "am",
                f"/loans/{LOAN}/repayments",
                {
                    "paid_on": "2025-05-02",
                    "principal": f"{n + 1}.00",
                    "interest": "0.00",
                    "expected_version": version,
                },
            )

        with ThreadPoolExecutor(max_workers=2) as pool:
            answers = list(pool.map(repay, range(2)))
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [201, 409], (round_no, [a.text for a in answers])
        assert {a.json()["error"] for a in answers if a.status_code == 409} <= {
            "stale_version",
            "concurrent_update",
        }
    events = api.get("am", f"/loans/{LOAN}/events").json()["data"]
    assert [e["type"] for e in events].count("RepaymentRecorded") == 5
