"""Supervision of post-loan work (贷后管理检查): a check scored on the sheet, its notice followed
to closure.

The shipped rules hold the scoring sheet (《贷后管理日常检查评分表》, 百分制, ``[supervision]``):
a risk manager checks an account manager's post-loan work, deducting points item by item; the
score is computed, and below 80 a rectification notice (限期整改通知书) with its deadline is
generated and stored with the check. The work queue asks the account manager for the
rectification by the deadline, then the checker for its acceptance (验收), which closes the
check; the penalty is recorded as decided (300 元, on the person, with the reason). The
supervision register lists the check, its score, notice, deadline and state. Nobody checks
themselves nor their own unit; beyond the checker's scope a check is refused; a bad score is a
4xx in both languages that records nothing.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from tests.api.conftest import Api
from tests.api.test_scope_over_http import refused_out_of_scope


def check(**overrides: Any) -> dict[str, Any]:
    return {
        "subject": "account_manager",
        "staff_no": "AM001",
        "checked_on": "2025-06-10",
        "period_from": "2025-01-01",
        "period_to": "2025-05-31",
        "deductions": [
            {
                "item": "routine_inspection",
                "points": 12,
                "finding": "3户常规检查超期，报告未分析资金流向",
            },
            {"item": "classification", "points": 6, "finding": "1户逾期95天仍列关注类"},
            {"item": "dossier", "points": 4, "finding": "2户合同原件未按期移交档案室"},
        ],
        "findings": "贷后管理制度落实不到位，得分低于合格线，限期整改。",
        **overrides,
    }


def tasks(api: Api, who: str, on: str, after: int, kind: str) -> list[dict[str, Any]]:
    """The person's own tasks of ``kind`` open on ``on``."""
    answer = api.get(who, "/tasks/mine", params={"kind": kind, "on": on, "after": after})
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["data"]
    return found


def register(api: Api, who: str, listing: str, after: int) -> list[dict[str, Any]]:
    path = "" if listing == "checks" else f"/{listing}"
    answer = api.get(who, f"/registers/supervision_register{path}", params={"after": after})
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()["data"]
    return rows


def test_a_check_below_the_pass_score_is_rectified_accepted_and_closed_with_its_penalty(
    api: Api, tmp_path: Path
) -> None:
    """Rows 004-01, 004-27, 004-30, 004-31, 000-18, 000-19, 000-43, 000-57, 000-58, 002-40,
    002-83, 002-84, 003-73."""
    made = api.post("risk", "/supervision-checks", check())
    assert made.status_code == 201, made.text
    ids = made.json()["ids"]
    check_id, notice_no = ids["check_id"], ids["notice_no"]
    assert (ids["check_no"], notice_no) == ("贷后检查〔2025〕第0001号", "整改〔2025〕第0001号")

    read = api.get("am", f"/supervision-checks/{check_id}").json()
    assert (read["total"], read["score"], read["pass_score"], read["passed"]) == (
        100,
        78,
        80,
        False,
    )
    assert read["deadline"] == "2025-07-10", "30 days (supervision.rectification_days)"
    assert read["proposed_penalty"] == "300.00"
    assert (read["staff_name"], read["checker_name"]) == ("张伟（AM001）", "陈静（RM001）")
    assert [(i["item"], i["deducted"]) for i in read["items"] if i["deducted"]] == [
        ("routine_inspection", 12),
        ("classification", 6),
        ("dossier", 4),
    ]
    assert read["state"] == "rectifying"

    notice = api.get("am", f"/supervision-checks/{check_id}/notice.pdf")
    assert notice.status_code == 200, notice.text
    assert notice.content.startswith(b"%PDF")
    from pypdf import PdfReader  # the notice's text is extractable

    path = tmp_path / "notice.pdf"
    path.write_bytes(notice.content)
    text = "".join(p.extract_text() for p in PdfReader(path).pages)
    for words in ("限期整改通知书", notice_no, "78", "2025-07-10", "张伟"):
        assert words in text, words
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(tmp_path / "n")], check=True)
        assert list(tmp_path.glob("n*.png"))

    position = made.json()["position"]
    due = tasks(api, "am", "2025-07-11", position, "rectification")
    assert [(t["subject"], t["due_on"], t["overdue"], t["owner_name"]) for t in due] == [
        (notice_no, "2025-07-10", True, "张伟（AM001）")
    ]

    reported = api.post(
        "am",
        f"/supervision-checks/{check_id}/rectification",
        {"reported_on": "2025-07-05", "report": "已补做3户检查并补充资金流向分析；原件已移交。"},
    )
    assert reported.status_code == 201, reported.text
    position = reported.json()["position"]
    assert tasks(api, "am", "2025-07-06", position, "rectification") == []
    accept = tasks(api, "risk", "2025-07-06", position, "rectification_acceptance")
    assert [(t["owner_name"], t["due_on"]) for t in accept] == [("陈静（RM001）", "2025-07-10")]

    not_mine = api.post(
        "head",
        f"/supervision-checks/{check_id}/acceptance",
        {"accepted_on": "2025-07-08", "opinion": "同意"},
    )
    assert not_mine.status_code == 403, not_mine.text
    accepted = api.post(
        "risk",
        f"/supervision-checks/{check_id}/acceptance",
        {"accepted_on": "2025-07-08", "opinion": "经现场验收，问题已整改到位，同意销号。"},
    )
    assert accepted.status_code == 201, accepted.text
    penalty = api.post(
        "risk",
        f"/supervision-checks/{check_id}/penalties",
        {
            "staff_no": "AM001",
            "amount": "300.00",
            "reason": "检查得分78分，低于80分，按评分表扣减",
            "decided_on": "2025-07-08",
        },
    )
    assert penalty.status_code == 201, penalty.text
    position = penalty.json()["position"]
    assert tasks(api, "risk", "2025-07-20", position, "rectification_acceptance") == []

    read = api.get("risk", f"/supervision-checks/{check_id}").json()
    assert (read["state"], read["accepted_on"]) == ("closed", "2025-07-08")
    assert [(p["penalised"], p["amount"], p["decided_by"]) for p in read["penalties"]] == [
        ("张伟（AM001）", "300.00", "陈静（RM001）")
    ]
    rows = register(api, "auditor", "checks", position)
    assert [
        (r["notice_no"], r["score"], r["deadline"], r["state"], r["penalties"], r["staff_id_name"])
        for r in rows
    ] == [(notice_no, 78, "2025-07-10", "closed", "300.00", "张伟（AM001）")]
    fined = register(api, "auditor", "penalties", position)
    assert [(r["staff_id_name"], r["amount"], r["decided_by_name"]) for r in fined] == [
        ("张伟（AM001）", "300.00", "陈静（RM001）")
    ]


def test_nobody_checks_themselves_or_their_unit_nor_beyond_their_scope_nor_scores_badly(
    api: Api,
) -> None:
    """Rows 004-30, 000-43, 002-17: segregation of duties, data scope, the sheet's bounds; a
    unit above checks one under it (上级行对下级行的检查)."""
    granted = api.post("admin", "/staff/RM001/roles", {"role": "account_manager"})
    assert granted.status_code == 201, granted.text
    far = api.post(
        "admin",
        "/staff",
        {"staff_no": "YY001", "name": "周建国", "branch": "营业部", "roles": ["branch_head"]},
    )
    assert far.status_code == 201, far.text
    api.headers["yy_head"] = {"Authorization": f"Bearer {far.json()['token']}"}
    before = api.counts()

    own = api.post("risk", "/supervision-checks", check(staff_no="RM001"))
    assert own.status_code == 403, own.text
    assert own.json()["error"] == "segregation_of_duties"
    unit = api.post(
        "risk", "/supervision-checks", check(subject="branch", staff_no=None, branch="城东支行")
    )
    assert unit.status_code == 403, unit.text
    assert "本机构" in unit.json()["detail"]["zh"]
    wrong = api.post("am2", "/supervision-checks", check())
    assert wrong.status_code == 403, wrong.text
    assert wrong.json()["error"] == "role_not_permitted"
    refused_out_of_scope(api, api.post("yy_head", "/supervision-checks", check()), before)

    unknown = api.post(
        "risk",
        "/supervision-checks",
        check(deductions=[{"item": "parties", "points": 5, "finding": "无"}]),
    )
    assert unknown.status_code == 422, unknown.text
    assert "parties" in unknown.json()["detail"]["zh"]
    assert "no item 'parties'" in unknown.json()["detail"]["en"]
    over = api.post(
        "risk",
        "/supervision-checks",
        check(
            deductions=[
                {"item": "funds_use", "points": 6, "finding": "用途监控缺失"},
                {"item": "funds_use", "points": 5, "finding": "未取得发票"},
            ]
        ),
    )
    assert over.status_code == 422, over.text
    assert "超过该项分值 10" in over.json()["detail"]["zh"]
    assert "exceed the item's 10" in over.json()["detail"]["en"]
    assert api.counts() == before, "a refused check records nothing and stores no notice"

    below = api.post(
        "head",
        "/supervision-checks",
        check(subject="branch", staff_no=None, branch="东湖分理处", deductions=[]),
    )
    assert below.status_code == 201, below.text  # the unit above checks the outlet under it
    assert "notice_no" not in below.json()["ids"], "a pass issues no notice"
    assert api.counts()[1] == before[1], "and stores none"
    read = api.get("head", f"/supervision-checks/{below.json()['ids']['check_id']}").json()
    assert (read["branch"], read["score"], read["state"]) == ("东湖分理处", 100, "passed")
