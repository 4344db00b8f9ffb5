"""The core-banking feed in the console: the integration role sends a batch from the form and
follows its job (a progress bar, polled while it runs); a refused batch shows its report as a
table with the files to download; those who read the feed see the batches applied with their
reconciliation (对账), 平 or 不平."""

from __future__ import annotations

import re
import time
from datetime import date
from pathlib import Path

import httpx

from archive.feed.batch import LOANS, REPAYMENTS
from archive.feed.writing import write_batch, zip_batch
from domain.values import Role
from tests.api.console_harness import Console

DAY1 = date(2026, 11, 2)
DAY2 = date(2026, 11, 3)
JOB = re.compile(r'id="job-([0-9a-f-]{36})"[^>]*data-status="([a-z]+)"')


def loan(no: str) -> dict[str, object]:
    return {
        "loan_no": no,
        "borrower_name": "林秀英",
        "borrower_kind": "individual",
        "borrower_id_type": "resident_id",
        "borrower_id_no": "11010519491231002X",
        "product": "individual_production",
        "branch": "营业部",
        "account_manager_no": "C0102",
        "principal": "2000.00",
        "rate": "0.0435",
        "value_date": "2026-11-02",
        "maturity_date": "2027-11-02",
        "repayment_method": "equal_principal",
        "guarantee_type": "guarantee",
        "purpose": "购买种苗",
    }


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


def send(console: Console, data: bytes) -> httpx.Response:
    """The form sent as htmx sends it: the CSRF token in its header, the jobs panel back."""
    token = console.csrf("/feed")
    return console.client.post(
        "/feed/batches",
        files={"file": ("feed-20261102.zip", data, "application/zip")},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )


def followed(console: Console, job_id: str) -> str:
    """The job's row, polled as the page does until it no longer runs."""
    deadline = time.monotonic() + 60
    while True:
        row = console.get(f"/feed/jobs/{job_id}", headers={"HX-Request": "true"})
        assert row.status_code == 200, row.text
        [(_id, status)] = JOB.findall(row.text)
        if status not in ("queued", "running"):
            assert 'hx-trigger="every 1s"' not in row.text
            return row.text
        assert 'hx-trigger="every 1s"' in row.text
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_a_batch_sent_from_the_form_is_followed_to_its_reconciliation(
    console: Console, tmp_path: Path
) -> None:
    console.as_role(Role.INTEGRATION)
    page = console.get("/feed")
    assert page.status_code == 200
    assert 'data-testid="feed-upload"' in page.text
    assert "提交批次" in page.text
    panel = send(console, batch_zip(tmp_path, DAY1, {LOANS: [loan("JD-1"), loan("JD-2")]}))
    assert panel.status_code == 200, panel.text
    assert 'id="feed-jobs"' in panel.text
    # The form comes back empty beside the panel (out of band): the batch is not sent twice.
    assert '<form id="feed-form" hx-swap-oob="true"' in panel.text
    assert '<form id="feed-form" method="post"' in page.text
    [(job_id, _status)] = JOB.findall(panel.text)
    row = followed(console, job_id)
    assert 'data-status="applied"' in row
    assert '<progress max="2" value="2"' in row
    assert "已导入 2 / 2 行" in row
    assert "对账" in row
    assert '<span class="tag ok">平</span>' in row
    # The poll that finds the batch applied has the page show the batches again (htmx).
    polled = console.get(f"/feed/jobs/{job_id}", headers={"HX-Request": "true"})
    assert polled.headers["HX-Trigger"] == "feed-batches-changed"
    section = console.get("/feed").text.split('data-testid="feed-batches"')[1].split(">")[0]
    assert 'hx-trigger="feed-batches-changed from:body"' in section
    assert 'hx-select="#feed-batches"' in section
    # Those who read the feed see the batch and its 对账 per file, and send nothing.
    console.as_role(Role.AUDITOR)
    page = console.get("/feed")
    assert page.status_code == 200
    assert 'data-testid="feed-upload"' not in page.text
    batches = page.text.split('data-testid="feed-batches"')[1]
    assert "2026-11-02" in batches
    assert LOANS in batches
    assert "4,000.00" in batches
    assert '<span class="tag ok">平</span>' in batches
    assert 'href="/registers/feed_batches"' in batches  # the register, to filter and export
    # Who may not send a batch is refused before the upload is read.
    refused = console.client.post(
        "/feed/batches",
        files={"file": ("x.zip", b"PK", "application/zip")},
        headers={"X-CSRF-Token": console.csrf("/feed")},
    )
    assert refused.status_code == 403
    # The register of batches: its business-date picker is not confused with the column.
    register = console.get("/registers/feed_batches")
    assert register.status_code == 200
    assert '截至业务日期 <input type="date" name="on"' in register.text
    console.as_role(Role.ACCOUNT_MANAGER)
    refused_page = console.get("/feed")
    assert refused_page.status_code == 403
    # The page names everyone who may read it, not only who may send a batch.
    assert "此操作仅限风险经理、合规、审计、系统对接岗" in refused_page.text


def test_a_refused_batch_shows_its_report_with_the_files_to_download(
    console: Console, tmp_path: Path
) -> None:
    console.as_role(Role.INTEGRATION)
    first = send(console, batch_zip(tmp_path, DAY1, {LOANS: [loan("JD-1")]}))
    followed(console, JOB.findall(first.text)[0][0])
    bad = batch_zip(
        tmp_path, DAY2, {REPAYMENTS: [repayment("TX-1", "100.00"), repayment("TX-2", "5000.00")]}
    )
    panel = send(console, bad)
    job_id = JOB.findall(panel.text)[0][0]
    row = followed(console, job_id)
    assert 'data-status="refused"' in row
    assert '<span class="tag alert">已拒收，未记录</span>' in row  # not 无权办理, a 403's title
    assert "无权办理" not in row
    refused_poll = console.get(f"/feed/jobs/{job_id}", headers={"HX-Request": "true"})
    assert "HX-Trigger" not in refused_poll.headers  # nothing new among the batches
    report = row.split('data-testid="feed-report"')[1]
    assert "<th>原因</th><th>Reason</th>" in report
    assert f"<td>{REPAYMENTS}</td>" in report
    assert '<td class="num">3</td><td>principal</td>' in report
    assert "超过余额" in report
    assert "exceeds the balance" in report
    table = console.get(f"/feed/jobs/{job_id}/report.csv")
    assert table.status_code == 200
    assert "principal" in table.text
    # Downloaded under the batch's business date, not the job's id.
    assert table.headers["Content-Disposition"] == 'attachment; filename="feed-report-20261103.csv"'
    as_json = console.get(f"/feed/jobs/{job_id}/report.json")
    assert as_json.json()["problems"][0]["line"] == 3
    assert as_json.headers["Content-Disposition"].endswith('filename="feed-report-20261103.json"')
    # Not a zip: the refusal is said in the panel, nothing queued.
    panel = send(console, b"not a zip")
    assert "不是 zip 文件" in panel.text
    assert len(JOB.findall(panel.text)) == 2


def test_a_partial_batch_shows_its_refused_lines_and_does_not_balance(
    console: Console, tmp_path: Path
) -> None:
    console.as_role(Role.INTEGRATION)
    first = send(console, batch_zip(tmp_path, DAY1, {LOANS: [loan("JD-1")]}))
    followed(console, JOB.findall(first.text)[0][0])
    bad = batch_zip(
        tmp_path, DAY2, {REPAYMENTS: [repayment("TX-1", "100.00"), repayment("TX-2", "5000.00")]}
    )
    token = console.csrf("/feed")
    panel = console.client.post(
        "/feed/batches",
        files={"file": ("feed-20261103.zip", bad, "application/zip")},
        data={"partial": "true"},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    row = followed(console, JOB.findall(panel.text)[0][0])
    assert 'data-status="applied"' in row
    assert '<span class="tag alert">不平</span>' in row
    assert "超过余额" in row.split('data-testid="feed-report"')[1]
    batches = console.get("/feed").text.split('data-testid="feed-batches"')[1]
    assert "（拒绝 1 行）" in batches
    assert '<span class="tag alert">不平</span>' in batches
