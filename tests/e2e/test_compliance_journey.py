"""A compliance officer's day in Chromium, through the screens alone: the report on the demo's
evening, completeness by branch drilled down to the documents missing, then the report issued
with its purpose — and the archive holds the record of that file, hash and all."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.e2e.conftest import Served
from tests.e2e.test_console_in_chromium import Watch, _shoot, _sign_in

pytestmark = pytest.mark.slow


def test_compliance_drills_down_to_the_gaps_and_issues_the_report(
    served: Served, browser: Any, tmp_path: Path
) -> None:
    officer = served.first("compliance")
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1440, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    watch = Watch(page, served.origin)
    try:
        _sign_in(page, served, officer.staff_no, officer.password)
        page.click("nav.sidebar a[href='/compliance']")
        page.wait_for_load_state()
        by_branch = page.locator("[data-testid=by-branch] tbody tr")
        assert by_branch.count() >= 1
        shown_missing = int(
            page.locator(".figure.alert .value").first.inner_text().replace(",", "")
        )
        assert shown_missing > 0, "the demo portfolio holds deliberate gaps"
        _shoot(page, "compliance-report", tmp_path)
        # Down from a stage to the documents missing in it.
        # (the first stage with documents missing: the stage with the most documents due,
        # listed first, may have none missing)
        page.locator("[data-testid=by-stage] tbody tr td a.alert").first.click()
        page.wait_for_load_state()
        assert urlsplit(page.url).path == "/compliance/gaps"
        rows = page.locator("[data-testid=gaps] tbody tr")
        assert rows.count() >= 1
        first_loan = rows.first.locator("td a").first.inner_text()
        assert first_loan.startswith("DK")
        _shoot(page, "compliance-gaps", tmp_path)
        page.click("nav.crumbs a")
        page.wait_for_load_state()
        # Issue the report: without a purpose the form says why; with one, the file comes.
        page.click("[data-testid=issue-report] button[type=submit]")
        page.wait_for_load_state()
        assert page.locator("#purpose-error").is_visible()
        page.fill("#purpose", "报送监管部门季度检查")
        with (
            page.expect_response("**/compliance/issue") as answered,
            page.expect_download() as waited,
        ):
            page.click("[data-testid=issue-report] button[type=submit]")
        download = waited.value
        report_id = answered.value.headers["x-dossier-report-id"]
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
        body = saved.read_bytes()
        assert body[:5] == b"%PDF-"
    finally:
        context.close()
    # The one refusal is the form sent without a purpose, answered 422 on purpose.
    assert [p for p in watch.problems if "422" not in p] == []
    assert len(watch.problems) <= 2
    # What the archive recorded, read over the API with the officer's own token: the issued
    # report, drawn again from its recorded position, hashes to the file the browser received.
    again = httpx.get(
        f"{served.base_url}/api/v1/reports/compliance/issued/{report_id}",
        headers={"Authorization": f"Bearer {officer.token}"},
        timeout=60,
    )
    assert again.status_code == 200, again.text
    assert again.headers["x-dossier-report-sha256"] == hashlib.sha256(body).hexdigest()
    assert again.headers["x-dossier-report-rebuilt-sha256"] == hashlib.sha256(body).hexdigest()
