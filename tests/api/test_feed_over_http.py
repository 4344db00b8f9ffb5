"""Core-banking batches sent over HTTP: ``POST /feed/batches`` answers 202 with a job that the
service's worker applies in the background; the job is followed to its end, a refused batch has
its report (JSON and CSV) naming file, line and column, and nothing of it is recorded.
"""

from __future__ import annotations

import csv
import io
import time
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from archive.commands.staff import EnrolStaff
from archive.core import SYSTEM_ID, CommandContext
from archive.feed.batch import LOANS, REPAYMENTS
from archive.feed.writing import write_batch, zip_batch
from domain.feed import FeedBatch
from domain.loan import Loan
from domain.values import Role
from tests.api.conftest import Api

DAY1 = date(2026, 11, 2)
DAY2 = date(2026, 11, 3)


def loan(no: str, **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "loan_no": no,
        "borrower_name": "林秀英",
        "borrower_kind": "individual",
        "borrower_id_type": "resident_id",
        "borrower_id_no": "11010519491231002X",
        "product": "individual_production",
        "branch": "城东支行",
        "account_manager_no": "AM001",
        "principal": "2000.00",
        "rate": "0.0435",
        "value_date": "2026-11-02",
        "maturity_date": "2027-11-02",
        "repayment_method": "equal_principal",
        "guarantee_type": "guarantee",
        "purpose": "购买种苗",
    }
    row.update(changes)
    return row


def repayment(ref: str, principal: str) -> dict[str, object]:
    return {
        "reference": ref,
        "loan_no": "JD-1",
        "paid_on": "2026-11-03",
        "principal": principal,
        "interest": "0.00",
        "penalty": "0.00",
    }


def batch_zip(tmp: Path, day: date, files: dict[str, list[dict[str, object]]]) -> bytes:
    folder = write_batch(
        tmp / f"feed-{day:%Y%m%d}", bank="云溪农商银行", business_date=day, files=files
    )
    return zip_batch(folder, tmp / f"feed-{day:%Y%m%d}.zip").read_bytes()


def integration(api: Api) -> str:
    """Enrol the integration identity; its name in ``api.headers``."""
    enrolled = api.archive.execute(
        CommandContext(SYSTEM_ID),
        EnrolStaff(staff_no="INT01", name="核心系统对接", branch="总行", roles=[Role.INTEGRATION]),
    )
    assert enrolled.token is not None
    api.headers["feed"] = {"Authorization": f"Bearer {enrolled.token.token}"}
    return "feed"


def send(api: Api, data: bytes, who: str = "feed", **params: str) -> Any:
    return api.client.post(
        "/api/v1/feed/batches",
        files={"file": ("batch.zip", data, "application/zip")},
        params=params,
        headers=api.headers[who],
    )


def finished(api: Api, job: dict[str, Any], who: str = "feed") -> dict[str, Any]:
    """Poll the job every 50 ms until it is no longer queued or running."""
    deadline = time.monotonic() + 60
    while True:
        answer = api.client.get(job["links"]["self"], headers=api.headers[who])
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        if found["status"] not in ("queued", "running"):
            return found
        assert time.monotonic() < deadline, found
        time.sleep(0.05)


def test_a_good_batch_is_accepted_then_applied_and_its_loans_exist(
    api: Api, tmp_path: Path
) -> None:
    integration(api)
    sent = send(api, batch_zip(tmp_path, DAY1, {LOANS: [loan("JD-1"), loan("JD-2")]}))
    assert sent.status_code == 202, sent.text
    job = sent.json()
    assert sent.headers["Location"] == job["links"]["self"] == f"/api/v1/feed/jobs/{job['id']}"
    assert job["status"] in ("queued", "running", "applied")
    done = finished(api, job)
    assert done["status"] == "applied", done
    [outcome] = done["outcomes"]
    assert done["progress"] == {
        "file": LOANS,
        "lines_done": 2,
        "lines_total": 2,
        "events": outcome["events"],
    }
    assert outcome["events"] > 0
    assert outcome["balanced"] is True
    assert outcome["reconciliation"][LOANS]["archive_amount"] == "4000.00"
    assert done["problems_count"] == 0
    assert api.archive.loan("JD-1").principal == 2000
    # The batches on record, with their 对账, for those who read the feed.
    listed = api.get("auditor", "/feed/batches")
    assert listed.status_code == 200, listed.text
    [applied] = listed.json()["data"]
    assert applied["batch"] == outcome["batch"]
    assert applied["balanced"] is True
    assert applied["reconciliation"][LOANS]["control_records"] == "2"
    assert api.get("am", "/feed/batches").status_code == 403
    jobs = api.get("risk", "/feed/jobs")
    assert [j["id"] for j in jobs.json()["data"]] == [job["id"]]


def test_a_refused_batch_has_its_report_and_records_nothing(api: Api, tmp_path: Path) -> None:
    integration(api)
    first = send(api, batch_zip(tmp_path, DAY1, {LOANS: [loan("JD-1")]}))
    assert finished(api, first.json())["status"] == "applied"
    before = api.counts()
    bad = batch_zip(
        tmp_path, DAY2, {REPAYMENTS: [repayment("TX-1", "100.00"), repayment("TX-2", "5000.00")]}
    )
    sent = send(api, bad)
    assert sent.status_code == 202, sent.text
    done = finished(api, sent.json())
    assert done["status"] == "refused", done
    assert done["problems_count"] == 1
    assert done["outcomes"] == []
    assert api.counts() == before
    report = api.client.get(done["links"]["report.json"], headers=api.headers["auditor"])
    assert report.status_code == 200
    [problem] = report.json()["problems"]
    assert (problem["file"], problem["line"], problem["column"]) == (REPAYMENTS, 3, "principal")
    assert "超过余额" in problem["reason_zh"]
    assert "exceeds the balance" in problem["reason_en"]
    table = api.client.get(done["links"]["report.csv"], headers=api.headers["feed"])
    assert table.headers["content-type"].startswith("text/csv")
    assert table.headers["content-disposition"].endswith(
        f'filename="feed-report-{DAY2:%Y%m%d}.csv"'
    )
    rows = list(csv.reader(io.StringIO(table.text.removeprefix("\ufeff"))))
    assert rows[0][:3] == ["文件 file", "行号 line", "列 column"]
    assert rows[1][:3] == [REPAYMENTS, "3", "principal"]
    # With partial=true the valid line is applied and the refused one reported.
    sent = send(api, bad, partial="true")
    done = finished(api, sent.json())
    assert done["status"] == "applied", done
    assert done["partial"] is True
    assert done["problems_count"] == 1
    [outcome] = done["outcomes"]
    assert outcome["refused"] == 1
    assert outcome["balanced"] is False
    [problem] = api.client.get(done["links"]["report.json"], headers=api.headers["feed"]).json()[
        "problems"
    ]
    assert problem["line"] == 3
    assert set(api.archive.loan("JD-1").core_references) == {"TX-1"}


def test_only_the_integration_role_sends_batches_and_nothing_is_read_before(
    api: Api, tmp_path: Path
) -> None:
    data = batch_zip(tmp_path, DAY1, {LOANS: [loan("JD-1")]})
    before = api.counts()
    for who in ("admin", "am", "risk", "auditor"):
        refused = send(api, data, who=who)
        assert refused.status_code == 403, refused.text
        assert refused.json()["detail"]["zh"]
    no_token = api.client.post("/api/v1/feed/batches", files={"file": ("b.zip", data)})
    assert no_token.status_code == 401
    assert api.counts() == before
    assert api.get("risk", "/feed/jobs").json()["count"] == 0


def test_what_is_not_a_batch_zip_is_refused_in_both_languages(
    api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    integration(api)
    before = api.counts()
    not_zip = send(api, b"loan_no,principal\r\nJD-1,100\r\n")
    assert not_zip.status_code == 422, not_zip.text
    assert "zip" in not_zip.json()["detail"]["zh"]
    assert "not a zip" in not_zip.json()["detail"]["en"]
    no_file = api.client.post(
        "/api/v1/feed/batches", data={"partial": "true"}, headers=api.headers["feed"]
    )
    assert no_file.status_code == 422, no_file.text
    assert no_file.json()["context"]["field"] == "file"
    as_json = api.post("feed", "/feed/batches", {"file": "x"})
    assert as_json.status_code == 422
    odd = send(api, batch_zip(tmp_path, DAY1, {LOANS: [loan("JD-1")]}), partial="maybe")
    assert odd.status_code == 422
    assert odd.json()["context"]["problems"][0]["field"] == "partial"
    odd_field = api.client.post(
        "/api/v1/feed/batches",
        files={"file": ("b.zip", batch_zip(tmp_path, DAY1, {LOANS: [loan("JD-1")]}))},
        data={"partial": "maybe"},
        headers=api.headers["feed"],
    )
    assert odd_field.status_code == 422
    assert odd_field.json()["context"]["field"] == "partial"
    app = api.client.app
    monkeypatch.setattr(
        app.state,  # type: ignore[attr-defined]
        "settings",
        app.state.settings.model_copy(update={"feed_max_bytes": 600}),  # type: ignore[attr-defined]
    )
    big = send(api, batch_zip(tmp_path, DAY1, {LOANS: [loan(f"JD-{n}") for n in range(20)]}))
    assert big.status_code == 413, big.text
    assert "上限" in big.json()["detail"]["zh"]
    assert "larger than 600 bytes" in big.json()["detail"]["en"]
    assert api.counts() == before
    assert api.get("risk", "/feed/jobs").json()["count"] == 0
    unknown = api.get("risk", "/feed/jobs/6f1d4c1e-5a57-4a38-9f38-4d5a3a7b2c10")
    assert unknown.status_code == 404
    assert api.get("risk", "/feed/jobs/not-a-uuid").status_code == 422


def test_the_batch_progress_is_kept_on_record(api: Api, tmp_path: Path) -> None:
    integration(api)
    sent = send(api, batch_zip(tmp_path, DAY1, {LOANS: [loan("JD-1")]}))
    done = finished(api, sent.json())
    stored = api.archive.repository.get(FeedBatch.create_id(done["outcomes"][0]["batch"]))
    assert isinstance(stored, FeedBatch)
    assert stored.lines_done == 1
    assert isinstance(api.archive.repository.get(Loan.create_id("JD-1")), Loan)


def test_a_damaged_zip_is_refused_with_its_report(api: Api, tmp_path: Path) -> None:
    integration(api)
    data = bytearray(batch_zip(tmp_path, DAY1, {LOANS: [loan("JD-1")]}))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        first = z.infolist()[0]
    # The first member's compressed bytes overwritten: the zip's directory still reads.
    start = first.header_offset + 30 + len(first.filename.encode()) + len(first.extra)
    data[start : start + first.compress_size] = b"\x07" * first.compress_size
    before = api.counts()
    sent = send(api, bytes(data))
    assert sent.status_code == 202, sent.text
    done = finished(api, sent.json())
    assert done["status"] == "refused", done
    assert done["problems_count"] == 1
    assert api.counts() == before
