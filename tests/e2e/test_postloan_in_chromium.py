"""The post-loan journey in a real Chromium, through the screens alone: a post-loan officer
signs in, records an inspection uploading its report (a real PDF made with ReportLab) and
proposes a five-level classification; the branch's reviewer determines it (认定) and the risk
manager signs in, reads the statutory floor, the proposer's reason and the determination, and
approves; the loan's page shows the new grade — and the archive,
asked over the API, holds each event with its document and its people.

Screenshots go to a temporary folder, or to ``DOSSIER_SCREENSHOTS_DIR`` when it is set.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from archive.core import CommandContext
from demo.gaps import RECEIPT_MISSING
from demo.portfolio import DemoStaff
from demo.staff import ROSTER
from domain.loan import Loan
from domain.values import Grade, LoanStatus, Role
from tests.e2e.conftest import Served
from tests.e2e.test_console_in_chromium import Watch, _chinese_rendered, _sign_in
from tests.factories import make_pdf

pytestmark = pytest.mark.slow


def _shoot(page: Any, name: str, tmp_path: Path) -> Path:
    chosen = os.environ.get("DOSSIER_SCREENSHOTS_DIR")
    folder = Path(chosen) if chosen else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def _loan(served: Served) -> tuple[DemoStaff, Loan]:
    """A post-loan officer and a loan on the books within their branch, without a proposal
    awaiting approval — the most overdue one, so that its statutory floor is one to read."""
    found: list[tuple[int, str, DemoStaff, Loan]] = []
    for officer in (s for s in served.staff if s.role == Role.POST_LOAN_OFFICER.value):
        ctx = CommandContext(served.archive.staff(officer.staff_no).id)
        found += [
            (loan.days_overdue, loan.loan_no, officer, loan)
            for loan in served.archive.list_loans(ctx, offset=0, limit=200)
            if loan.status is LoanStatus.ACTIVE
            and loan.loan_no != RECEIPT_MISSING
            and not any(p.status == "pending" for p in loan.proposals.values())
        ]
    assert found, "no loan of the demo for a post-loan officer to work on"
    _days, _no, officer, loan = max(found, key=lambda f: (f[0], f[1]))
    return officer, loan


def _propose(page: Any, grade: Grade, reason: str) -> None:
    """Propose ``grade`` from the loan's page, through its form."""
    page.locator("[data-testid=postloan-actions]").get_by_text("提出五级分类").click()
    page.wait_for_load_state()
    page.select_option("#f-grade", grade.value)
    page.fill("#f-reason", reason)
    page.click("form[data-testid=form-propose] button[type=submit]")
    page.wait_for_load_state()
    assert "五级分类已提交审批。" in page.inner_text("[data-testid=done]")


def _api(served: Served, token: str, path: str) -> Any:
    answer = httpx.get(
        f"{served.base_url}/api/v1{path}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_an_inspection_and_a_classification_through_the_screens(
    served: Served, browser: Any, tmp_path: Path
) -> None:
    officer, loan = _loan(served)
    risk = served.first(Role.RISK_MANAGER.value)
    reviewer_no = next(
        p.staff_no for p in ROSTER if p.role is Role.REVIEWER and p.branch == loan.branch
    )
    reviewer = next(s for s in served.staff if s.staff_no == reviewer_no)
    loan_no = loan.loan_no
    ctx = CommandContext(served.archive.staff(officer.staff_no).id)
    _current, floor = served.archive.floor_of(ctx, loan_no, served.archive.today())
    assert floor.grade is not Grade.NORMAL, "the demo's most overdue loan has a floor"
    proposed = floor.grade
    report = tmp_path / "贷后检查报告.pdf"
    report.write_bytes(make_pdf(f"贷后检查报告 {loan_no} 经营正常 库存相符", pages=2))
    today = served.archive.today().isoformat()

    context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900})
    page = context.new_page()
    watch = Watch(page, served.origin)
    shots: list[Path] = []
    try:
        # The post-loan officer records the inspection with its report.
        _sign_in(page, served, officer.staff_no, officer.password)
        page.goto(f"{served.base_url}/loans/{loan_no}")
        actions = page.locator("[data-testid=postloan-actions]")
        assert "登记贷后检查" in actions.inner_text()
        actions.get_by_text("登记贷后检查").click()
        page.wait_for_load_state()
        assert urlsplit(page.url).path == f"/loans/{loan_no}/inspections/new"
        _chinese_rendered(page)
        assert page.input_value("#f-inspected_on") == today  # today in the bank's zone
        page.select_option("#f-kind", "on_site")
        page.select_option("#f-reviewer_no", index=1)
        assert "（" in page.locator("#f-reviewer_no option:checked").inner_text()  # by name
        page.fill("#f-findings", "实地查看生产经营场所，开工正常，存货与账面相符，未见异常。")
        # Sent without answering its checklist (贷后检查表): the form comes back saying which
        # items are unanswered, nothing kept but what was typed.
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.click("form[data-testid=form-inspection] button[type=submit]")
        missing = answer.value
        assert missing.status == 422
        assert "尚有未答的检查项" in page.inner_text("[data-testid=form-error]")
        assert "存货与账面相符" in page.input_value("#f-findings")
        shots.append(_shoot(page, "postloan-00-inspection-refused", tmp_path))
        # Every item answered normal, the figures the checklist asks for, the judgment; the
        # signed scan of the report added beside the form generated from the answers.
        for radio in page.locator("[data-testid=checklist] input[value=normal]").all():
            radio.check()
        for figure in page.locator("[data-testid=checklist] input[name^='figure:']").all():
            figure.fill("1000000.00")
        page.select_option("#f-judgment", "normal")
        page.set_input_files("#f-report", str(report))
        shots.append(_shoot(page, "postloan-01-inspection-form", tmp_path))
        page.click("form[data-testid=form-inspection] button[type=submit]")
        page.wait_for_load_state()
        assert urlsplit(page.url).path == f"/loans/{loan_no}"
        assert "贷后检查已登记。" in page.inner_text("[data-testid=done]")
        assert "贷后检查报告" in page.inner_text("[data-testid=documents]")

        # …and proposes a grade better than the floor allows: the branch's reviewer sees so
        # before determining (认定), the determination is refused in the form with the domain's
        # reason, and the reviewer sends the proposal back.
        better = next(g for g in reversed(Grade) if g.is_better_than(floor.grade))
        _propose(page, better, "担保人代偿意愿强，建议维持较好分类")
        shots.append(_shoot(page, "postloan-02-proposal-pending", tmp_path))
        context.clear_cookies()
        _sign_in(page, served, reviewer.staff_no, reviewer.password)
        page.goto(f"{served.base_url}/loans/{loan_no}")
        page.locator("[data-testid=pending-proposals]").get_by_text("审阅并认定").click()
        page.wait_for_load_state()
        assert urlsplit(page.url).path.endswith("/determine")
        assert page.locator("[data-testid=below-floor]").count() == 1
        page.fill("#f-reason", "同意。")
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.click("button[name=decision][value=determine]")
        refused = answer.value
        assert 400 <= refused.status < 500
        assert f"不得认定为{better.zh}：监管下限为{floor.grade.zh}" in page.inner_text(
            "[data-testid=form-error]"
        )
        shots.append(_shoot(page, "postloan-03-approval-refused", tmp_path))
        page.fill("#f-reason", "低于监管下限，退回重新认定")
        page.click("button[name=decision][value=reject]")
        page.wait_for_load_state()
        assert "五级分类已否决。" in page.inner_text("[data-testid=done]")

        # The officer proposes the floor's grade; the risk manager reads the floor and the
        # reason, and approves.
        context.clear_cookies()
        _sign_in(page, served, officer.staff_no, officer.password)
        page.goto(f"{served.base_url}/loans/{loan_no}")
        _propose(page, proposed, f"逾期 {loan.days_overdue} 天，现场检查发现经营下滑，拟调整分类")
        pending = page.inner_text("[data-testid=pending-proposals]")
        assert proposed.zh in pending
        assert officer.name in pending
        assert "待信贷管理部门认定" in pending  # the officer does not decide
        context.clear_cookies()
        _sign_in(page, served, reviewer.staff_no, reviewer.password)
        page.goto(f"{served.base_url}/loans/{loan_no}")
        page.locator("[data-testid=pending-proposals]").get_by_text("审阅并认定").click()
        page.wait_for_load_state()
        page.fill("#f-reason", "经复核，认定与初分一致。")
        page.click("button[name=decision][value=determine]")
        page.wait_for_load_state()
        assert "五级分类已认定，待审批。" in page.inner_text("[data-testid=done]")
        context.clear_cookies()
        _sign_in(page, served, risk.staff_no, risk.password)
        page.goto(f"{served.base_url}/loans/{loan_no}")
        page.locator("[data-testid=pending-proposals]").get_by_text("审阅并审批").click()
        page.wait_for_load_state()
        floor_shown = page.inner_text("[data-testid=floor]")
        assert floor.grade.zh in floor_shown
        assert str(loan.days_overdue) in floor_shown
        assert "经营下滑" in page.inner_text("[data-testid=proposal]")
        assert page.locator("[data-testid=below-floor]").count() == 0
        page.fill("#f-reason", "同意。监管下限已核对。")
        shots.append(_shoot(page, "postloan-04-decision", tmp_path))
        page.click("button[name=decision][value=approve]")
        page.wait_for_load_state()
        assert urlsplit(page.url).path == f"/loans/{loan_no}"
        assert "五级分类已批准。" in page.inner_text("[data-testid=done]")
        facts = page.inner_text("dl.facts")
        assert proposed.zh in facts
        history = page.inner_text("[data-testid=classifications]")
        assert risk.name in history
        assert "已批准" in history
        shots.append(_shoot(page, "postloan-05-loan-after", tmp_path))
    finally:
        context.close()
    # The two refusals alone: their answers, and the browser's note of each in the console.
    assert f"{missing.status} {missing.url}" in watch.problems
    assert f"{refused.status} {refused.url}" in watch.problems
    assert [p for p in watch.problems if not {"409", "422"} & set(p.split())] == []
    assert all(s.stat().st_size > 10_000 for s in shots)

    # What the archive recorded, over the API.
    events = _api(served, risk.token, f"/loans/{loan_no}/events")["data"]
    inspection = [e for e in events if e["type"].endswith("InspectionRecorded")][-1]
    journey = [e for e in events if e["position"] >= inspection["position"]]
    by_type = {e["type"].rsplit(".", 1)[-1]: e for e in journey}
    assert inspection["data"]["kind"] == "on_site"
    assert inspection["role"] == "post_loan_officer"
    # The scan uploaded, and the form generated from the checklist's answers.
    assert [d["doc_type"] for d in inspection["documents"]] == ["inspection_report"] * 2
    assert inspection["documents"][0]["pages"] == 2
    assert inspection["documents"][1]["filename"].endswith("-on_site.pdf")
    assert inspection["data"]["judgment"] == "normal"
    assert {a["result"] for a in inspection["data"]["answers"]} == {"normal"}
    assert by_type["ClassificationRejected"]["data"]["reason"] == "低于监管下限，退回重新认定"
    assert [e["type"].rsplit(".", 1)[-1] for e in journey] == [
        "InspectionRecorded",
        "ClassificationProposed",
        "ClassificationRejected",
        "ClassificationProposed",
        "ClassificationDetermined",
        "ClassificationApproved",
    ]
    approved = by_type["ClassificationApproved"]
    assert (
        approved["data"]["proposal_id"] == by_type["ClassificationProposed"]["data"]["proposal_id"]
    )
    assert approved["role"] == "risk_manager"
    assert by_type["ClassificationDetermined"]["role"] == "reviewer"
    assert _api(served, risk.token, f"/loans/{loan_no}")["grade"] == proposed.value
