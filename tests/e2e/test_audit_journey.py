"""An auditor's day in Chromium, through the screens alone: one person's actions and one loan's
responsibility chain read from the trail, the whole record verified from the page, and an audit
bundle of a loan issued with its purpose — then checked over the API and offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from demo.gaps import RECEIPT_MISSING
from dossier_verify import verify_path
from tests.e2e.conftest import Served
from tests.e2e.test_console_in_chromium import Watch, _shoot, _sign_in

pytestmark = pytest.mark.slow


def test_an_auditor_reads_the_trail_verifies_and_issues_a_bundle(
    served: Served, browser: Any, tmp_path: Path
) -> None:
    auditor = served.first("auditor")
    manager = served.first("account_manager")
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1440, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    watch = Watch(page, served.origin)
    try:
        _sign_in(page, served, auditor.staff_no, auditor.password)
        page.click("nav.sidebar a[href='/audit']")
        page.wait_for_load_state()
        # One person's actions, chosen by name.
        page.select_option(
            "[data-testid=trail-person] select", label=f"{manager.name}（{manager.staff_no}）"
        )
        page.click("[data-testid=trail-person] button[type=submit]")
        page.wait_for_load_state()
        asked = parse_qs(urlsplit(page.url).query)
        assert asked["actor_staff_no"] == [manager.staff_no]
        assert page.locator("table.grid tbody tr").count() >= 1
        assert manager.name in page.inner_text("table.grid")
        page.go_back()
        # One loan's chain of responsibility.
        page.fill("[data-testid=trail-loan] input[name=loan_no]", RECEIPT_MISSING)
        page.click("[data-testid=trail-loan] button[type=submit]")
        page.wait_for_load_state()
        assert RECEIPT_MISSING in page.inner_text("table.grid")
        page.go_back()
        # The responsibility determinations, with their appeals and decisions.
        page.click("[data-testid=to-determinations]")
        page.wait_for_load_state()
        assert page.inner_text("h1.page-title").startswith("不良贷款责任认定")
        assert page.locator("[data-testid=determine]").count() == 1
        _shoot(page, "audit-determinations", tmp_path)
        page.go_back()
        # Verify the whole record now.
        page.click("[data-testid=verify] button[type=submit]")
        page.wait_for_load_state()
        assert "完整" in page.inner_text("[data-testid=verdict]")
        run_id = page.inner_text("dl.facts code >> nth=-1").strip()
        _shoot(page, "audit-verification", tmp_path)
        page.click("nav.crumbs a")
        page.wait_for_load_state()
        # An audit bundle of a loan, with its purpose.
        page.fill("#loan_no", RECEIPT_MISSING)
        page.fill("#purpose", "年度专项审计")
        with page.expect_download() as waited:
            page.click("[data-testid=bundle] button[type=submit]")
        saved = tmp_path / waited.value.suggested_filename
        waited.value.save_as(saved)
        page.goto(served.base_url + "/audit")
        _shoot(page, "audit", tmp_path)
    finally:
        context.close()
    assert watch.problems == []
    recorded = httpx.get(
        f"{served.base_url}/api/v1/integrity/verifications/{run_id}",
        headers={"Authorization": f"Bearer {auditor.token}"},
        timeout=30,
    )
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["intact"] is True
    assert recorded.json()["role"] == "auditor"
    report = verify_path(saved)
    assert report.ok, report.problems
