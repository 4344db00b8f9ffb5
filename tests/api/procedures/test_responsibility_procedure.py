"""The responsibility determination procedure (认定程序) after the finding.

An auditor records a finding against the account manager of a loan 40 days overdue, naming the
determination group (认定小组) and the meeting that made it (认定会: its day and who attended).
The finding is then signed off level by level (逐级签批) — each level by a different person,
never the auditor who made it, and only once the written determination (认定书,
``responsibility_determination``) is filed — the person concerned is notified, appeals (复议)
and has the appeal decided, and only then is the case referred to the discipline and
inspection department (移交监察). The accountability trail's determinations listing holds
every step, people by name.
"""

from __future__ import annotations

from typing import Any

from archive.commands.staff import EnrolStaff
from archive.core import SYSTEM_ID, CommandContext
from domain.values import Role
from tests.api.conftest import Api, disburse, pdf

LOAN = "RP-PROC-001"


def step(api: Api, who: str, determination_id: str, body: dict[str, Any], *docs: str) -> Any:
    path = f"/loans/{LOAN}/responsibility/{determination_id}/steps"
    if not docs:
        return api.post(who, path, body)
    files = [(d, (f"{d}.pdf", pdf("不良贷款责任认定书"), "application/pdf")) for d in docs]
    return api.upload(who, path, body, files)


def refused(api: Api, answer: Any, status: int, words: str) -> None:
    """A refusal naming what is wrong, in Chinese and English, that recorded nothing."""
    assert answer.status_code == status, answer.text
    assert words in answer.text, answer.text


def test_group_meeting_written_determination_sign_off_notice_appeal_and_referral(
    api: Api,
) -> None:
    """Rows 000-76, 003-20, 003-76."""
    enrolled = api.archive.execute(
        CommandContext(SYSTEM_ID),
        EnrolStaff(staff_no="AU002", name="钱磊", branch="城东支行", roles=[Role.AUDITOR]),
    )
    assert enrolled.token is not None
    api.headers["auditor2"] = {"Authorization": f"Bearer {enrolled.token.token}"}
    disburse(api, LOAN)
    overdue = api.post(
        "officer",
        f"/loans/{LOAN}/overdue-status",
        {
            "as_of": "2025-06-20",
            "days_overdue": 40,
            "overdue_principal": "50000.00",
            "overdue_interest": "1200.00",
        },
    )
    assert overdue.status_code == 201, overdue.text
    finding = {
        "person_no": "AM001",
        "stage": "collection",
        "finding": "secondary",
        "sanction": "通报批评",
        "reason": "逾期后未按期上门催收",
        "group_member_nos": ["AU001", "RM001"],
        "meeting_on": "2025-06-25",
    }
    before = api.counts()
    no_attendees = api.post("auditor", f"/loans/{LOAN}/responsibility", finding)
    refused(api, no_attendees, 422, "认定会须同时填写召开日期与参会人员")
    assert "attendees" in no_attendees.text
    member = api.post(
        "auditor",
        f"/loans/{LOAN}/responsibility",
        {**finding, "group_member_nos": ["AU001", "AM001"], "attendee_nos": ["AU001"]},
    )
    refused(api, member, 403, "被认定人不得参加本人的认定小组或认定会")
    assert api.counts() == before
    determined = api.post(
        "auditor",
        f"/loans/{LOAN}/responsibility",
        {**finding, "attendee_nos": ["AU001", "RM001", "BH001"]},
    )
    assert determined.status_code == 201, determined.text
    determination_id = determined.json()["ids"]["determination_id"]

    sign = {"step": "signed_off", "taken_on": "2025-06-26", "note": "同意认定意见"}
    before = api.counts()
    refused(
        api,
        step(api, "head", determination_id, {**sign, "step": "notified"}),
        409,
        "认定书签批后方可通知被认定人",
    )
    refused(api, step(api, "head", determination_id, sign), 409, "签批须附书面认定书")
    refused(api, step(api, "auditor", determination_id, sign), 403, "认定人以外的不同人员")
    assert api.counts() == before
    first = step(api, "head", determination_id, sign, "responsibility_determination")
    assert first.status_code == 201, first.text
    assert [d["doc_type"] for d in first.json()["documents"]] == ["responsibility_determination"]
    refused(api, step(api, "head", determination_id, sign), 403, "不同人员")
    second = step(api, "auditor2", determination_id, {**sign, "taken_on": "2025-06-27"})
    assert second.status_code == 201, second.text

    notice = {
        "step": "notified",
        "taken_on": "2025-06-28",
        "note": "已书面通知被认定人，告知复议权利",
    }
    assert step(api, "auditor", determination_id, notice).status_code == 201
    appeal = api.post(
        "am",
        f"/loans/{LOAN}/responsibility/{determination_id}/appeal",
        {"reason": "已按期上门，有走访记录为证"},
    )
    assert appeal.status_code == 201, appeal.text
    referral = {
        "step": "referred",
        "taken_on": "2025-07-10",
        "note": "移交纪检监察部门处理",
        "department": "纪检监察室",
    }
    before = api.counts()
    refused(api, step(api, "auditor", determination_id, referral), 409, "复议尚未决定")
    assert api.counts() == before
    decided = api.post(
        "auditor2",
        f"/loans/{LOAN}/responsibility/{determination_id}/decision",
        {"outcome": "upheld", "reason": "走访记录不足以证明按期催收，维持原认定"},
    )
    assert decided.status_code == 201, decided.text
    referred = step(api, "auditor", determination_id, referral)
    assert referred.status_code == 201, referred.text

    rows = api.get(
        "auditor",
        "/registers/accountability_trail/determinations",
        params={
            "loan_no": LOAN,
            "after": referred.json()["position"],
        },
    ).json()["data"]
    assert [
        (
            r["person_name"],
            r["group_members"],
            r["meeting_on"],
            r["attendees"],
            r["written"],
            r["signed_off_by"],
            r["sign_off_levels"],
            r["notified_on"],
            r["outcome"],
            r["referred_on"],
            r["referred_to"],
        )
        for r in rows
    ] == [
        (
            "张伟",
            "黄敏、陈静",
            "2025-06-25",
            "黄敏、陈静、赵刚",
            True,
            "赵刚、钱磊",
            2,
            "2025-06-28",
            "upheld",
            "2025-07-10",
            "纪检监察室",
        )
    ]
