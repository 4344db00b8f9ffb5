"""The post-loan staff's forms in the console: an inspection with its report uploaded, a
classification proposed and then approved or rejected with the statutory floor shown first,
warnings raised, handled and cleared, collection steps and supplements filed with their
documents. Each form records through the same application call as the API; each refusal shows
the application's message in Chinese inside the form, with a 4xx, and records nothing; a role
without the right, or a loan beyond the person's data scope, neither shows the form nor takes
it."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from archive.commands.lifecycle import RecordOverdue
from archive.commands.login import SetPassword
from archive.commands.staff import EnrolStaff
from archive.core import CommandContext
from archive.feed.batch import LOANS
from archive.feed.writing import write_batch
from domain.values import Grade, Role
from tests.api.console_harness import CONSOLE, CSRF, PASSWORD, PEOPLE, Console
from tests.factories import answered, make_disbursement, make_pdf, make_upload

LOAN = "DK2026000500"
PDF = "application/pdf"


def _ctx(console: Console, role: Role) -> CommandContext:
    return CommandContext(console.archive.staff(PEOPLE[role][0]).id)


def _disbursed(console: Console, *, days_overdue: int = 0) -> None:
    """A loan of 林海燕 (account manager) in 营业部, overdue by ``days_overdue`` days if any;
    the registers the forms read are brought up to date."""
    result = console.archive.disburse(
        _ctx(console, Role.ACCOUNT_MANAGER),
        make_disbursement(LOAN),
        [make_upload("loan_contract"), make_upload("drawdown_receipt")],
    )
    position = result.position
    if days_overdue:
        overdue = console.archive.execute(
            _ctx(console, Role.ACCOUNT_MANAGER),
            RecordOverdue(
                loan_no=LOAN,
                as_of=console.archive.today(),
                days_overdue=days_overdue,
                overdue_principal=Decimal("50000.00"),
                overdue_interest=Decimal("1200.00"),
            ),
        )
        position = overdue.position
    console.registers.wait(["staff_directory", "completeness"], position, 30)


def _events(console: Console, name: str) -> list[Any]:
    return [
        e
        for e in console.archive.loan_events(_ctx(console, Role.AUDITOR), LOAN)
        if e.type.endswith(name)
    ]


def _count(console: Console) -> int:
    return len(console.archive.loan_events(_ctx(console, Role.AUDITOR), LOAN)) + len(
        console.archive.dossier_events(_ctx(console, Role.AUDITOR), LOAN)
    )


def _send(
    console: Console,
    path: str,
    data: dict[str, str],
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
) -> httpx.Response:
    """Open the form at ``path`` and send it with its CSRF token, as a browser would."""
    page = console.get(path)
    assert page.status_code == 200, page.text
    token = CSRF.search(page.text)
    assert token
    form_id = re.search(r'name="form_id" value="([0-9a-f]+)"', page.text)
    assert form_id
    body = {"csrf_token": token.group(1), "form_id": form_id.group(1), **data}
    return console.client.post(
        path, data=body, files=files or [("none", ("", b"", PDF))], follow_redirects=False
    )


def _checklist_fields(**abnormal: str) -> dict[str, str]:
    """The corporate checklist answered as the console's form sends it."""
    body = answered("corporate", **abnormal)
    fields = {f"answer:{a['item']}": a["result"] for a in body["answers"]}
    fields |= {f"note:{a['item']}": a["note"] for a in body["answers"] if a.get("note")}
    fields |= {f"figure:{code}": amount for code, amount in body["figures"].items()}
    fields["judgment"] = body["judgment"]
    if "measures" in body:
        fields["measures"] = body["measures"]
    return fields


def _refusal(page: str) -> str:
    found = re.search(r'data-testid="form-error">(.*?)</div>', page, re.S)
    assert found, "no refusal in the form"
    return found.group(1)


def _today(console: Console) -> str:
    return console.archive.today().isoformat()


# ----------------------------------------------------------------------------- inspection
def test_an_inspection_is_recorded_with_its_report_uploaded(console: Console) -> None:
    _disbursed(console)
    console.as_role(Role.POST_LOAN_OFFICER)
    loan_page = console.get(f"/loans/{LOAN}").text
    assert f"/loans/{LOAN}/inspections/new" in loan_page
    form = console.get(f"/loans/{LOAN}/inspections/new")
    assert form.status_code == 200
    for label in ("检查方式", "检查日期", "复核人", "检查发现", "贷后检查报告（PDF）"):
        assert label in form.text, label
    assert f'value="{_today(console)}"' in form.text  # today in the bank's zone
    assert "黄丽华（C0104）" in form.text  # the reviewer by name
    assert "吴磊（C0105）</option>" not in form.text  # never oneself

    answer = _send(
        console,
        f"/loans/{LOAN}/inspections/new",
        {
            "kind": "routine",
            "inspected_on": _today(console),
            "reviewer_no": "C0104",
            "findings": "经营正常，按期付息，库存与账面相符",
            **_checklist_fields(),
        },
        [("report", ("贷后检查报告.pdf", make_pdf("贷后检查报告 DK2026000500"), PDF))],
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].startswith(f"/loans/{LOAN}?done=inspection")
    recorded = _events(console, "InspectionRecorded")
    assert len(recorded) == 1
    assert recorded[0].data["findings"] == "经营正常，按期付息，库存与账面相符"
    # The scan uploaded, and the report generated from the checklist's answers.
    assert [d["doc_type"] for d in recorded[0].documents] == ["inspection_report"] * 2
    assert recorded[0].role == "post_loan_officer"
    dossier = console.archive.get_dossier(_ctx(console, Role.AUDITOR), LOAN)
    assert "贷后检查报告.pdf" in [d.ref.filename for d in dossier.documents]
    shown = console.get(answer.headers["location"]).text
    assert "贷后检查已登记。" in shown
    done = shown.split('data-testid="done-entry">', 1)[1].split("</div>", 1)[0]
    assert "登记贷后检查" in done  # the new entry, at the top of the page
    assert "吴磊（C0105）" in done
    assert "贷后检查报告" in done
    timeline = shown.split('data-testid="timeline"', 1)[1]
    assert "贷后检查报告" in timeline
    assert "常规检查" in timeline


def test_a_refused_inspection_shows_why_in_the_form_and_records_nothing(
    console: Console,
) -> None:
    _disbursed(console)
    console.as_role(Role.POST_LOAN_OFFICER)
    before = _count(console)
    tomorrow = (console.archive.today() + timedelta(days=1)).isoformat()
    fields = {
        "kind": "routine",
        "inspected_on": tomorrow,
        "reviewer_no": "C0104",
        "findings": "正常",
    }
    report = [("report", ("报告.pdf", make_pdf("报告"), PDF))]
    future = _send(console, f"/loans/{LOAN}/inspections/new", fields, report)
    assert future.status_code in (400, 409, 422)
    assert "inspected_on" in _refusal(future.text) or "日期" in _refusal(future.text)
    assert "正常" in future.text  # what was typed is kept
    without_report = _send(
        console, f"/loans/{LOAN}/inspections/new", {**fields, "inspected_on": _today(console)}
    )
    # Neither a report nor the checklist's answers (the report is generated from them).
    assert without_report.status_code == 422
    assert "尚有未答的检查项" in _refusal(without_report.text)
    not_a_pdf = _send(
        console,
        f"/loans/{LOAN}/inspections/new",
        {**fields, "inspected_on": _today(console)},
        [("report", ("报告.pdf", b"not a pdf at all", PDF))],
    )
    assert 400 <= not_a_pdf.status_code < 500
    assert _refusal(not_a_pdf.text)
    assert _count(console) == before
    assert _events(console, "InspectionRecorded") == []


# ------------------------------------------------------------------------ classification
def _propose(console: Console, grade: Grade, reason: str) -> httpx.Response:
    return _send(
        console,
        f"/loans/{LOAN}/classifications/new",
        {"grade": grade.value, "sub_grade": "", "as_of": _today(console), "reason": reason},
    )


def test_a_proposal_better_than_the_floor_is_refused_at_determination_with_the_floor_shown(
    console: Console,
) -> None:
    _disbursed(console, days_overdue=100)
    console.as_role(Role.POST_LOAN_OFFICER)
    proposed = _propose(console, Grade.SPECIAL_MENTION, "担保人代偿意愿强，暂列关注")
    assert proposed.status_code == 303, proposed.text
    proposal_id = _events(console, "ClassificationProposed")[0].data["proposal_id"]
    assert f"/classifications/{proposal_id}" not in console.get(f"/loans/{LOAN}").text

    # Awaiting 认定: the risk manager waits, the branch's reviewer determines.
    console.as_role(Role.RISK_MANAGER)
    waiting = console.get(f"/loans/{LOAN}").text
    assert f"/classifications/{proposal_id}/determine" not in waiting
    assert "待认定" in waiting.split('data-testid="proposal-stage"', 1)[1][:40]
    console.as_role(Role.REVIEWER)
    loan_page = console.get(f"/loans/{LOAN}").text
    assert f"/loans/{LOAN}/classifications/{proposal_id}/determine" in loan_page
    decision = console.get(f"/loans/{LOAN}/classifications/{proposal_id}/determine")
    assert decision.status_code == 200
    floor = decision.text.split('data-testid="floor"', 1)[1].split("</section>", 1)[0]
    assert "次级" in floor  # more than 90 days overdue
    assert "逾期 100 天" in floor
    assert 'data-testid="below-floor"' in floor
    proposal = decision.text.split('data-testid="proposal"', 1)[1].split("</section>", 1)[0]
    assert "担保人代偿意愿强，暂列关注" in proposal
    assert "吴磊（C0105）" in proposal

    before = _count(console)
    refused = _send(
        console,
        f"/loans/{LOAN}/classifications/{proposal_id}/determine",
        {"grade": "special_mention", "sub_grade": "", "reason": "同意", "decision": "determine"},
    )
    assert 400 <= refused.status_code < 500
    assert "不得认定为关注：监管下限为次级" in _refusal(refused.text)
    assert _count(console) == before
    assert _events(console, "ClassificationDetermined") == []

    sent_back = _send(
        console,
        f"/loans/{LOAN}/classifications/{proposal_id}/determine",
        {"grade": "special_mention", "reason": "逾期超过90天，应至少为次级", "decision": "reject"},
    )
    assert sent_back.status_code == 303, sent_back.text
    assert _events(console, "ClassificationRejected")[0].data["reason"] == (
        "逾期超过90天，应至少为次级"
    )


def test_a_proposal_determined_at_the_floor_is_approved_and_the_loan_shows_its_grade(
    console: Console,
) -> None:
    _disbursed(console, days_overdue=100)
    console.as_role(Role.POST_LOAN_OFFICER)
    form = console.get(f"/loans/{LOAN}/classifications/new").text
    for label in ("拟定分类", "分类基准日", "提出理由"):
        assert label in form, label
    assert _propose(console, Grade.SUBSTANDARD, "逾期100天，下调为次级").status_code == 303
    proposal_id = _events(console, "ClassificationProposed")[0].data["proposal_id"]

    console.as_role(Role.REVIEWER)
    form = console.get(f"/loans/{LOAN}/classifications/{proposal_id}/determine").text
    for label in ("认定分类", "认定意见", "认定五级分类"):
        assert label in form, label
    determined = _send(
        console,
        f"/loans/{LOAN}/classifications/{proposal_id}/determine",
        {
            "grade": "substandard",
            "sub_grade": "substandard_2",
            "reason": "抵押物处置困难，认定为次级二级",
            "decision": "determine",
        },
    )
    assert determined.status_code == 303, determined.text
    assert "五级分类已认定，待审批。" in console.get(determined.headers["location"]).text
    assert _events(console, "ClassificationDetermined")[0].data["sub_grade"] == "substandard_2"

    console.as_role(Role.RISK_MANAGER)
    loan_page = console.get(f"/loans/{LOAN}").text
    assert "待审批" in loan_page.split('data-testid="proposal-stage"', 1)[1][:40]
    assert "黄丽华（C0104）" in loan_page  # the determiner, by name
    history = loan_page.split('data-testid="classification-stage"', 1)[1][:300]
    assert history.startswith(">待审批<")
    assert "次级二级（黄丽华（C0104））" in history  # the determined grade and its determiner
    decision = console.get(f"/loans/{LOAN}/classifications/{proposal_id}").text
    assert 'data-testid="below-floor"' not in decision
    shown = decision.split('data-testid="determined"', 1)[1][:200]
    assert "次级二级" in shown
    assert "抵押物处置困难，认定为次级二级" in decision
    approved = _send(
        console,
        f"/loans/{LOAN}/classifications/{proposal_id}",
        {"reason": "同意下调为次级", "decision": "approve"},
        [("classification_form", ("五级分类认定表.pdf", make_pdf("五级分类认定表"), PDF))],
    )
    assert approved.status_code == 303, approved.text
    event = _events(console, "ClassificationApproved")[0]
    assert event.data["reason"] == "同意下调为次级"
    assert event.data["sub_grade"] == "substandard_2"  # the determined sub-grade
    assert [d["doc_type"] for d in event.documents] == ["classification_form"]
    assert console.archive.get_loan(_ctx(console, Role.AUDITOR), LOAN).grade is Grade.SUBSTANDARD
    page = console.get(approved.headers["location"]).text
    facts = page.split('class="facts"', 1)[1].split("</dl>", 1)[0]
    assert "次级" in facts
    assert "五级分类已批准。" in page


def test_only_the_risk_manager_decides_and_the_page_says_so(console: Console) -> None:
    _disbursed(console)
    console.as_role(Role.POST_LOAN_OFFICER)
    assert _propose(console, Grade.SPECIAL_MENTION, "主要客户流失").status_code == 303
    proposal_id = _events(console, "ClassificationProposed")[0].data["proposal_id"]
    page = console.get(f"/loans/{LOAN}/classifications/{proposal_id}")
    assert page.status_code == 403
    assert 'data-testid="refusal"' in page.text
    before = _count(console)
    token = console.csrf(f"/loans/{LOAN}")
    sent = console.post(
        f"/loans/{LOAN}/classifications/{proposal_id}",
        {"csrf_token": token, "reason": "自批", "decision": "approve"},
    )
    assert sent.status_code == 403
    assert "岗位" in sent.text
    assert _count(console) == before


# ------------------------------------------------------------------------------ warnings
def test_a_warning_is_raised_handled_and_cleared(console: Console) -> None:
    """Rows 003-91, 002-92: the raise form selects a signal of the catalogue; each next step
    of 发布→处置→反馈→认定→消除 is offered to whoever may take it."""
    _disbursed(console)
    console.as_role(Role.POST_LOAN_OFFICER)
    form = console.get(f"/loans/{LOAN}/warnings/new").text
    assert "OPS-04 涉及重大诉讼或仲裁（橙色）" in form
    raised = _send(
        console,
        f"/loans/{LOAN}/warnings/new",
        {
            "code": "OPS-04",
            "raised_on": _today(console),
            "reason": "借款人涉诉，账户被冻结",
        },
    )
    assert raised.status_code == 303, raised.text
    signal_id = _events(console, "WarningRaised")[0].data["signal_id"]
    officer_view = console.get(f"/loans/{LOAN}").text
    assert "借款人涉诉，账户被冻结" in officer_view
    assert f"/warnings/{signal_id}/handle" not in officer_view  # the risk manager's
    token = console.csrf(f"/loans/{LOAN}")
    refused = console.post(
        f"/loans/{LOAN}/warnings/{signal_id}/handle",
        {"csrf_token": token, "handled_on": _today(console), "measures": "x"},
    )
    assert refused.status_code == 403
    assert _events(console, "WarningHandled") == []

    console.as_role(Role.RISK_MANAGER)
    risk_view = console.get(f"/loans/{LOAN}").text
    assert f"/warnings/{signal_id}/handle" in risk_view
    assert f"/warnings/{signal_id}/report" in risk_view  # orange: reported to the risk manager
    assert f"/warnings/{signal_id}/report" not in officer_view
    reported = _send(
        console, f"/loans/{LOAN}/warnings/{signal_id}/report", {"reported_on": _today(console)}
    )
    assert reported.status_code == 303, reported.text
    assert _events(console, "WarningReported")[0].data["to_role"] == "risk_manager"
    handled = _send(
        console,
        f"/loans/{LOAN}/warnings/{signal_id}/handle",
        {"handled_on": _today(console), "measures": "追加保证人，压降授信"},
        [("warning_form", ("预警处理表.pdf", make_pdf("风险预警信号处理表"), PDF))],
    )
    assert handled.status_code == 303, handled.text
    assert _events(console, "WarningHandled")[0].data["measures"] == "追加保证人，压降授信"
    risk_view = console.get(f"/loans/{LOAN}").text
    assert f"/warnings/{signal_id}/clear" not in risk_view  # not before 认定, not the handler
    console.as_role(Role.POST_LOAN_OFFICER)
    assert f"/warnings/{signal_id}/feedback" in console.get(f"/loans/{LOAN}").text
    fed = _send(
        console,
        f"/loans/{LOAN}/warnings/{signal_id}/feedback",
        {"feedback_on": _today(console), "result": "已追加保证人"},
    )
    assert fed.status_code == 303, fed.text
    console.as_role(Role.REVIEWER)
    reviewer_view = console.get(f"/loans/{LOAN}").text
    assert "已反馈" in reviewer_view.split('data-testid="warnings"', 1)[1]
    assert f"/warnings/{signal_id}/determine" in reviewer_view
    determined = _send(
        console,
        f"/loans/{LOAN}/warnings/{signal_id}/determine",
        {"determined_on": _today(console), "confirmed": "true", "opinion": "风险属实，措施有效"},
    )
    assert determined.status_code == 303, determined.text
    assert _events(console, "WarningDetermined")[0].data["confirmed"] is True
    console.as_role(Role.BRANCH_HEAD)
    assert f"/warnings/{signal_id}/clear" in console.get(f"/loans/{LOAN}").text
    cleared = _send(
        console,
        f"/loans/{LOAN}/warnings/{signal_id}/clear",
        {"cleared_on": _today(console), "reason": "诉讼已撤诉，账户解冻"},
    )
    assert cleared.status_code == 303, cleared.text
    assert len(_events(console, "WarningCleared")) == 1
    page = console.get(cleared.headers["location"]).text
    warnings = page.split('data-testid="warnings"', 1)[1].split("</section>", 1)[0]
    assert "已解除" in warnings
    assert "橙色" in warnings
    assert "涉及重大诉讼或仲裁" in warnings


def test_a_red_signal_s_emergency_plan_is_started_and_followed_in_the_console(
    console: Console,
) -> None:
    """Row 002-31 (应急预案): a red signal shows the plan owed and offers the risk manager its
    form, the owner chosen by name; started, the row names the owner and the deadline, and the
    post-loan officer records its progress."""
    _disbursed(console)
    console.as_role(Role.POST_LOAN_OFFICER)
    raised = _send(
        console,
        f"/loans/{LOAN}/warnings/new",
        {"code": "OPS-02", "raised_on": _today(console), "reason": "实际控制人失联"},
    )
    assert raised.status_code == 303, raised.text
    signal_id = _events(console, "WarningRaised")[0].data["signal_id"]
    officer_view = console.get(f"/loans/{LOAN}").text
    assert "须启动应急预案" in officer_view
    assert f"/warnings/{signal_id}/emergency-plan" not in officer_view  # the risk manager's
    console.as_role(Role.RISK_MANAGER)
    path = f"/loans/{LOAN}/warnings/{signal_id}/emergency-plan"
    assert path in console.get(f"/loans/{LOAN}").text
    form = console.get(path).text
    assert "林海燕" in form  # the owner chosen by name
    started = _send(
        console,
        path,
        {
            "started_on": _today(console),
            "measures": "冻结授信额度，追加抵押",
            "owner_no": PEOPLE[Role.ACCOUNT_MANAGER][0],
            "due_on": (console.archive.today() + timedelta(days=30)).isoformat(),
        },
    )
    assert started.status_code == 303, started.text
    assert len(_events(console, "EmergencyPlanStarted")) == 1
    console.as_role(Role.POST_LOAN_OFFICER)
    progressed = _send(
        console,
        f"{path}/progress",
        {"progress_on": _today(console), "progress": "已冻结授信额度"},
    )
    assert progressed.status_code == 303, progressed.text
    page = console.get(progressed.headers["location"]).text
    warnings = page.split('data-testid="warnings"', 1)[1].split("</section>", 1)[0]
    assert "应急预案" in warnings
    assert "林海燕" in warnings
    assert "已记录进展 1 次" in warnings


def test_a_warning_not_yet_handled_cannot_be_cleared_and_the_form_says_why(
    console: Console,
) -> None:
    _disbursed(console)
    console.as_role(Role.RISK_MANAGER)
    raised = _send(
        console,
        f"/loans/{LOAN}/warnings/new",
        {"code": "FIN-03", "raised_on": _today(console), "reason": "欠息"},
    )
    assert raised.status_code == 303
    signal_id = _events(console, "WarningRaised")[0].data["signal_id"]
    assert f"/warnings/{signal_id}/clear" not in console.get(f"/loans/{LOAN}").text
    before = _count(console)
    path = f"/loans/{LOAN}/warnings/{signal_id}/clear"
    refused = _send(console, path, {"cleared_on": _today(console), "reason": "已结息"})
    assert refused.status_code == 409
    assert "尚未处置，不能解除" in _refusal(refused.text)
    assert "已结息" in refused.text  # what was typed is kept
    missing = _send(console, f"/loans/{LOAN}/warnings/new", {"code": ""})
    assert missing.status_code == 422
    assert "预警信号为必填项。" in missing.text
    assert _count(console) == before
    assert _events(console, "WarningCleared") == []


# ---------------------------------------------------------------------------- collection
def test_a_collection_step_is_recorded_with_its_documents(console: Console) -> None:
    _disbursed(console, days_overdue=35)
    console.as_role(Role.POST_LOAN_OFFICER)
    form = console.get(f"/loans/{LOAN}/collection-steps/new").text
    assert 'value="35"' in form  # days overdue as the loan stands
    assert "逾期催收通知书" in form
    answer = _send(
        console,
        f"/loans/{LOAN}/collection-steps/new",
        {
            "kind": "notice_served",
            "taken_on": _today(console),
            "days_overdue": "35",
            "outcome": "借款人签收催收通知书，承诺月底前归还",
            "promised_date": "",
            "doc_type": "collection_notice",
        },
        [
            ("documents", ("催收通知书.pdf", make_pdf("逾期催收通知书"), PDF)),
            ("documents", ("回执.pdf", make_pdf("催收通知书回执"), PDF)),
        ],
    )
    assert answer.status_code == 303, answer.text
    step = _events(console, "CollectionStepTaken")[0]
    assert step.data["outcome"] == "借款人签收催收通知书，承诺月底前归还"
    assert [d["doc_type"] for d in step.documents] == ["collection_notice"] * 2
    assert "送达催收通知书" in console.get(answer.headers["location"]).text

    before = _count(console)
    untyped = _send(
        console,
        f"/loans/{LOAN}/collection-steps/new",
        {
            "kind": "phone_call",
            "taken_on": _today(console),
            "days_overdue": "abc",
            "outcome": "无人接听",
        },
    )
    assert untyped.status_code == 422
    assert "逾期天数" in untyped.text
    assert _count(console) == before


# ----------------------------------------------------------------------------- documents
def test_documents_are_filed_into_the_dossier(console: Console) -> None:
    _disbursed(console)
    console.as_role(Role.POST_LOAN_OFFICER)
    answer = _send(
        console,
        f"/loans/{LOAN}/dossier/documents/new",
        {"doc_type": "loan_application"},
        [("documents", ("借款申请书.pdf", make_pdf("借款申请书 补交"), PDF))],
    )
    assert answer.status_code == 303, answer.text
    dossier = console.archive.get_dossier(_ctx(console, Role.AUDITOR), LOAN)
    filed = [d for d in dossier.documents if d.ref.filename == "借款申请书.pdf"]
    assert len(filed) == 1
    assert filed[0].ref.doc_type == "loan_application"
    assert filed[0].stage == "disbursement"
    before = _count(console)
    empty = _send(console, f"/loans/{LOAN}/dossier/documents/new", {"doc_type": "other"})
    assert empty.status_code == 422
    assert "请附上文档。" in empty.text
    assert _count(console) == before


# ------------------------------------------------------------------ roles and data scope
def test_a_role_without_the_right_sees_no_form_and_is_refused(console: Console) -> None:
    _disbursed(console)
    console.as_role(Role.COMPLIANCE)
    page = console.get(f"/loans/{LOAN}").text
    assert 'data-testid="postloan-actions"' not in page
    token = console.csrf(f"/loans/{LOAN}")
    before = _count(console)
    for path in (
        "inspections/new",
        "classifications/new",
        "warnings/new",
        "collection-steps/new",
        "dossier/documents/new",
    ):
        shown = console.get(f"/loans/{LOAN}/{path}")
        assert shown.status_code == 403, path
        assert 'data-testid="refusal"' in shown.text
        sent = console.post(
            f"/loans/{LOAN}/{path}",
            {
                "csrf_token": token,
                "kind": "routine",
                "inspected_on": _today(console),
                "reviewer_no": "C0104",
                "findings": "x",
            },
        )
        assert sent.status_code == 403, path
        assert "岗位" in sent.text, path
    assert _count(console) == before


def test_a_loan_beyond_the_data_scope_offers_no_form(console: Console) -> None:
    """Another account manager of the branch reads the loan but acts on their own loans only."""
    _disbursed(console)
    console.archive.execute(
        CONSOLE,
        EnrolStaff(staff_no="C0110", name="陈晓东", branch="营业部", roles=[Role.ACCOUNT_MANAGER]),
    )
    console.archive.set_password(
        CONSOLE, SetPassword(staff_no="C0110", password=PASSWORD), temporary=False
    )
    console.sign_in("C0110")
    page = console.get(f"/loans/{LOAN}")
    assert page.status_code == 200
    assert 'data-testid="postloan-actions"' not in page.text
    assert console.get(f"/loans/{LOAN}/warnings/new").status_code == 403
    token = console.csrf(f"/loans/{LOAN}")
    before = _count(console)
    sent = console.post(
        f"/loans/{LOAN}/warnings/new",
        {"csrf_token": token, "colour": "red", "code": "W", "raised_on": _today(console)},
    )
    assert sent.status_code == 403
    assert 'data-testid="refusal"' in sent.text
    assert _count(console) == before
    console.as_role(Role.ACCOUNT_MANAGER)  # the loan's own manager does see the forms
    assert 'data-testid="postloan-actions"' in console.get(f"/loans/{LOAN}").text


def test_a_form_without_its_csrf_token_is_refused(console: Console) -> None:
    _disbursed(console)
    console.as_role(Role.POST_LOAN_OFFICER)
    before = _count(console)
    sent = console.post(
        f"/loans/{LOAN}/warnings/new",
        {"colour": "red", "code": "W", "raised_on": _today(console), "reason": "x"},
    )
    assert sent.status_code == 403
    assert _count(console) == before


def test_the_same_form_sent_twice_records_once(console: Console) -> None:
    """A double click sends the form's own idempotency key twice: one warning, one event."""
    _disbursed(console)
    console.as_role(Role.POST_LOAN_OFFICER)
    path = f"/loans/{LOAN}/warnings/new"
    page = console.get(path).text
    token = CSRF.search(page)
    form_id = re.search(r'name="form_id" value="([0-9a-f]+)"', page)
    assert token
    assert form_id
    body = {
        "csrf_token": token.group(1),
        "form_id": form_id.group(1),
        "code": "BEH-02",
        "raised_on": _today(console),
        "reason": "借款人失联",
    }
    first = console.post(path, body)
    second = console.post(path, body)
    assert (first.status_code, second.status_code) == (303, 303)
    assert len(_events(console, "WarningRaised")) == 1
    assert console.get(path).text.count(form_id.group(1)) == 0  # each form its own key


def test_a_borrowing_is_requested_from_the_loan_page_and_numbered(console: Console) -> None:
    _disbursed(console)
    console.as_role(Role.ACCOUNT_MANAGER)
    loan_page = console.get(f"/loans/{LOAN}")
    assert f'href="/loans/{LOAN}/borrowings/new"' in loan_page.text
    before = _count(console)
    missing = _send(
        console,
        f"/loans/{LOAN}/borrowings/new",
        {"purpose": "audit", "form": "original", "reason": "", "requested_on": "2026-12-01"},
    )
    assert missing.status_code == 422
    assert 'id="reason-error"' in missing.text
    assert _count(console) == before
    dossier = console.archive.get_dossier(_ctx(console, Role.AUDITOR), LOAN)
    contract = next(d.ref.sha256 for d in dossier.documents if d.ref.doc_type == "loan_contract")
    form = console.get(f"/loans/{LOAN}/borrowings/new")
    assert f'value="{contract}"' in form.text
    assert "借款合同" in form.text
    asked = _send(
        console,
        f"/loans/{LOAN}/borrowings/new",
        {
            "purpose": "audit",
            "form": "original",
            "reason": "审计抽查合同原件",
            "requested_on": console.archive.today().isoformat(),
            "documents": [contract],  # type: ignore[dict-item]
        },
    )
    assert asked.status_code == 303, asked.text
    archivist = _ctx(console, Role.ARCHIVIST)
    [borrowing] = [b for b in console.archive.desk_borrowings(archivist) if b.loan_no == LOAN]
    assert borrowing.borrow_no == f"借阅〔{console.archive.today().year}〕第0001号"
    assert borrowing.requester_id == _ctx(console, Role.ACCOUNT_MANAGER).staff_id
    assert borrowing.reason == "审计抽查合同原件"
    assert borrowing.items == [contract]
    console.as_role(Role.ADMINISTRATOR)
    assert console.get(f"/loans/{LOAN}/borrowings/new").status_code == 403


def test_an_inspection_answers_its_checklist_in_the_console_and_the_loan_shows_it(
    console: Console,
) -> None:
    """Rows 000-01, 000-06, 003-80: the inspection form draws the corporate checklist with
    Chinese labels; an abnormal answer without its note is refused and nothing recorded; once
    answered, the loan's page shows the judgment, the abnormal count, the answers and a link to
    the generated 公司客户贷后检查报告."""
    _disbursed(console)
    console.as_role(Role.POST_LOAN_OFFICER)
    form = console.get(f"/loans/{LOAN}/inspections/new?kind=routine").text
    for label in ("公司客户贷后检查报告", "客户及内部管理", "担保情况", "资产总额", "总体风险判断"):
        assert label in form, label
    assert 'name="answer:C-14" value="abnormal"' in form
    assert "?kind=phone_visit" in form
    phone = console.get(f"/loans/{LOAN}/inspections/new?kind=phone_visit").text
    assert "无适用的检查表" in phone

    before = _count(console)
    base = {
        "kind": "routine",
        "inspected_on": _today(console),
        "reviewer_no": "C0104",
        "findings": "应收账款增加，需关注",
    }
    unnoted = _checklist_fields(**{"C-08": "x"}) | {"note:C-08": ""}
    refused = _send(console, f"/loans/{LOAN}/inspections/new", {**base, **unnoted})
    assert refused.status_code == 422, refused.text
    assert "C-08" in _refusal(refused.text)
    assert _count(console) == before

    answer = _send(
        console,
        f"/loans/{LOAN}/inspections/new",
        {**base, **_checklist_fields(**{"C-08": "应收账款较上季增加三成"})},
    )
    assert answer.status_code == 303, answer.text
    page = console.get(f"/loans/{LOAN}").text
    shown = page.split('data-testid="inspections"', 1)[1].split("</section>", 1)[0]
    for expected in ("公司客户贷后检查报告", "关注", "应收账款较上季增加三成", "打开生成的检查表"):
        assert expected in shown, expected
    row = shown.split('data-testid="inspection"', 1)[1]
    assert '<td class="num">1</td>' in row


# --------------------------------------------------------------------- origination record
def test_the_account_manager_files_the_origination_record_of_a_fed_loan_in_the_console(
    console: Console, tmp_path: Path
) -> None:
    """A loan the core booked offers its account manager the 贷前资料补录 form, once."""
    fed = "HX2026000501"
    row = {
        "loan_no": fed,
        "borrower_name": "林秀英",
        "borrower_kind": "individual",
        "borrower_id_type": "resident_id",
        "borrower_id_no": "11010519491231002X",
        "product": "individual_production",
        "branch": "营业部",
        "account_manager_no": PEOPLE[Role.ACCOUNT_MANAGER][0],
        "principal": "100000.00",
        "rate": "0.0435",
        "value_date": _today(console),
        "maturity_date": (console.archive.today() + timedelta(days=365)).isoformat(),
        "repayment_method": "equal_principal",
        "guarantee_type": "credit",
        "purpose": "购买种苗",
    }
    path = write_batch(
        tmp_path / "feed",
        bank="云溪农商银行",
        business_date=console.archive.today(),
        files={LOANS: [row]},
    )
    [outcome] = console.archive.import_feed(_ctx(console, Role.INTEGRATION), [path])
    assert outcome.status == "applied"
    head = console.archive.recorder.max_notification_id() or 0
    console.registers.wait(["staff_directory", "completeness"], head, 30)
    form = f"/loans/{fed}/origination-record/new"

    console.as_role(Role.POST_LOAN_OFFICER)
    assert form not in console.get(f"/loans/{fed}").text
    console.as_role(Role.ACCOUNT_MANAGER)
    page = console.get(f"/loans/{fed}").text
    assert form in page
    # Booked by the core: unrated, investigated by its account manager, nobody else yet.
    manager = console.archive.staff(PEOPLE[Role.ACCOUNT_MANAGER][0])
    assert _shown(page, "borrower-rating") == "未评级"
    assert manager.name in _shown(page, "origination-investigator")
    assert _shown(page, "origination-reviewer") == "待补录"
    assert _shown(page, "origination-approver") == "待补录"
    fields = {
        "filed_on": _today(console),
        "borrower_rating": "A",
        "origination_reviewer_no": PEOPLE[Role.REVIEWER][0],
        "approver_no": PEOPLE[Role.BRANCH_HEAD][0],
    }
    files = [
        ("loan_application", ("借款申请书.pdf", make_pdf("借款申请书"), PDF)),
        ("approval", ("审批书.pdf", make_pdf("审批书"), PDF)),
    ]
    before = len(console.archive.loan_events(_ctx(console, Role.AUDITOR), fed))
    # The approver is chosen among branch heads and risk managers; no credit file, no record.
    itself = _send(console, form, {**fields, "approver_no": PEOPLE[Role.REVIEWER][0]}, files)
    assert itself.status_code == 422, itself.text
    bare = _send(console, form, fields)
    assert bare.status_code == 422, bare.text
    assert "信贷档案资料" in _refusal(bare.text)
    assert len(console.archive.loan_events(_ctx(console, Role.AUDITOR), fed)) == before

    answer = _send(console, form, fields, files)
    assert answer.status_code == 303, answer.text
    loan = console.archive.get_loan(_ctx(console, Role.AUDITOR), fed)
    assert loan.borrower_rating == "A"
    assert loan.approver_id == console.archive.staff(PEOPLE[Role.BRANCH_HEAD][0]).id
    dossier = console.archive.get_dossier(_ctx(console, Role.AUDITOR), fed)
    assert sorted(d.ref.doc_type for d in dossier.documents) == ["approval", "loan_application"]
    # Filed: the form is offered no more, and the page names who reviewed and approved it.
    page = console.get(f"/loans/{fed}").text
    assert form not in page
    assert _shown(page, "borrower-rating") == "A"
    reviewer = console.archive.staff(PEOPLE[Role.REVIEWER][0])
    approver = console.archive.staff(PEOPLE[Role.BRANCH_HEAD][0])
    assert reviewer.name in _shown(page, "origination-reviewer")
    assert approver.name in _shown(page, "origination-approver")


def _shown(page: str, testid: str) -> str:
    """The text of the element the page marks with ``data-testid``."""
    found = re.search(rf'data-testid="{testid}">([^<]*)<', page)
    assert found is not None, f"{testid} not on the page"
    return found.group(1).strip()
