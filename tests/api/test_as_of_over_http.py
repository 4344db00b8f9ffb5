""" "As of" a past date: the ledger and a loan's full state as they stood then, after later changes.

The events' record times are set by moving the clock the event store stamps them with; the
bank's day ends at midnight in its time zone (Asia/Shanghai by default), not at UTC midnight.
"""

from __future__ import annotations

from datetime import UTC, datetime

import eventsourcing.domain
import pytest

from tests.api.conftest import Api, disburse
from tests.api.test_registers_over_http import approve_grade


def _recording_at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    monkeypatch.setattr(eventsourcing.domain, "datetime_now_with_tzinfo", lambda: moment)


def test_the_ledger_and_the_loan_as_of_a_past_date_show_the_grade_of_that_day(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    _recording_at(monkeypatch, datetime(2025, 6, 10, 9, 0, tzinfo=UTC))
    disbursed = disburse(api, "AO-001")["position"]
    # 16:30 UTC on 30 June is already 00:30 on 1 July in the bank's time zone.
    _recording_at(monkeypatch, datetime(2025, 6, 30, 16, 30, tzinfo=UTC))
    position = approve_grade(api, "AO-001", "special_mention", "本金逾期35天")
    monkeypatch.undo()

    def ledger(query: str) -> list[dict[str, object]]:
        answer = api.get(
            "officer", f"/registers/loan_ledger?loan_no=AO-001&after={position}&{query}"
        )
        assert answer.status_code == 200, answer.text
        rows: list[dict[str, object]] = answer.json()["data"]
        return rows

    assert ledger("as_of=2025-06-01") == []
    assert [r["grade"] for r in ledger("as_of=2025-06-30")] == ["normal"]
    assert [r["grade"] for r in ledger("as_of=2025-07-01")] == ["special_mention"]
    assert [r["grade"] for r in ledger("")] == ["special_mention"]
    assert [r["grade"] for r in ledger("as_of=2025-06-30T16:29:00Z")] == ["normal"]

    then = api.get("officer", "/loans/AO-001?as_of=2025-06-30")
    assert then.status_code == 200, then.text
    assert then.json()["grade"] == "normal"
    now = api.get("officer", "/loans/AO-001")
    assert now.json()["grade"] == "special_mention"
    assert then.json()["version"] < now.json()["version"]
    assert "etag" not in then.headers  # a past state is not something to send If-Match against

    by_position = api.get("officer", f"/loans/AO-001?as_of_position={disbursed}")
    assert by_position.json()["grade"] == "normal"
    assert by_position.json()["version"] == 1
    ledger_then = ledger(f"as_of_position={disbursed}")
    assert [r["grade"] for r in ledger_then] == ["normal"]

    before = api.get("officer", "/loans/AO-001?as_of=2025-06-01")
    assert before.status_code == 404
    assert before.json()["detail"]["en"] == "loan AO-001 did not exist yet at that point"
