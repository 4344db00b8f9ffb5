"""Post-loan management papers (贷后管理文书): written, reviewed through their chain, sent up, read.

The shipped rules name the kinds (``[papers]``): a branch's post-loan officer writes the
quarterly work report (贷后管理工作报告) with its PDF; the team manager (reviewer), the risk
department (risk_manager) and the branch head review it in turn, each a different person and
never the author, each approving or returning it with a reason; returned, it is revised with a
new PDF and goes through the chain again; through it, it is submitted to the unit above (总行)
and read (阅知) there by its branch head. Its due date is ten working days after the quarter by
the bank's calendar (国庆 skipped); the work queue of the author's unit shows the step awaited
and, past the due date, that it is overdue; the head office's queue shows the reading owed. The
periodic monitoring report, the monthly risk guidance, the month's priorities and the yearly
targets and plan go through their own chains; the minutes of the risk-and-quality analysis
meeting and of the post-loan meeting list each loan discussed with the measures decided
(逐户研究措施), shown by loan in the register and on the loan's page.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from tests.api.conftest import Api, disburse, pdf

PDF = "application/pdf"


def paper_file(text: str) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("management_paper", (f"{text}.pdf", pdf(text), PDF))]


def draft(api: Api, who: str, body: dict[str, Any], text: str = "贷后管理工作报告") -> Any:
    return api.upload(who, "/papers", body, paper_file(text))


def tasks(
    api: Api, who: str, on: str, after: int, kind: str, *, mine: bool = False
) -> list[dict[str, Any]]:
    """The tasks of ``kind`` open on ``on``: the reader's own, or all within their scope."""
    path = "/tasks/mine" if mine else "/tasks"
    answer = api.get(who, path, params={"kind": kind, "on": on, "after": after})
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["data"]
    return found


def register(api: Api, who: str, after: int, listing: str = "", **filters: str) -> Any:
    path = f"/registers/paper_register{listing}"
    answer = api.get(who, path, params={"after": after, **filters})
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def enrol_head_office(api: Api) -> None:
    """总行's branch head, who reads what its branches send up."""
    made = api.post(
        "admin",
        "/staff",
        {"staff_no": "ZH001", "name": "钱卫东", "branch": "总行", "roles": ["branch_head"]},
    )
    assert made.status_code == 201, made.text
    api.headers["hq_head"] = {"Authorization": f"Bearer {made.json()['token']}"}


REPORT = {
    "kind": "work_report",
    "period": "2026-Q3",
    "title": "城东支行2026年第三季度贷后管理工作报告",
    "drafted_on": "2026-10-12",
}


def test_a_quarterly_work_report_goes_through_its_chain_and_is_read_at_the_head_office(
    api: Api,
) -> None:
    """Rows 003-47, 002-94, 002-106: written, reviewed by 团队经理 → 风控部 → 行长 (returned
    once, revised), submitted to the unit above and read there; the queue shows it overdue."""
    enrol_head_office(api)
    made = draft(api, "officer", REPORT)
    assert made.status_code == 201, made.text
    ids = made.json()["ids"]
    paper_id = ids["paper_id"]
    assert ids["paper_no"] == "贷后文书〔2026〕第0001号"
    first = made.json()["documents"][0]["sha256"]

    read = api.get("reviewer", f"/papers/{paper_id}").json()
    assert (read["branch"], read["period_start"], read["period_end"]) == (
        "城东支行",
        "2026-07-01",
        "2026-09-30",
    )
    assert read["due_on"] == "2026-10-20", (
        "10 working days after 30 Sep: 国庆 skipped, 10 Oct worked"
    )
    assert [(s["role"], s["zh"]) for s in read["chain"]] == [
        ("reviewer", "团队经理审查"),
        ("risk_manager", "风控部审查"),
        ("branch_head", "主管行长审定"),
    ]
    assert (read["author"], read["state"], read["next_step"]) == ("刘洋（PL001）", "in_review", 0)

    position = made.json()["position"]
    awaited = tasks(api, "head", "2026-10-13", position, "paper_review")
    assert [
        (t["subject"], t["branch"], t["owner_role"], t["due_on"], t["overdue"]) for t in awaited
    ] == [("贷后文书〔2026〕第0001号", "城东支行", "reviewer", "2026-10-20", False)]

    # The risk department may not take the team manager's step.
    early = api.post(
        "risk",
        f"/papers/{paper_id}/reviews",
        {"approved": True, "reason": "同意", "vetted_on": "2026-10-13"},
    )
    assert early.status_code == 422, early.text
    assert "团队经理审查" in early.json()["detail"]["zh"]

    ok = api.post(
        "reviewer",
        f"/papers/{paper_id}/reviews",
        {"approved": True, "reason": "内容完整，同意报风控部", "vetted_on": "2026-10-13"},
    )
    assert ok.status_code == 201, ok.text
    back = api.post(
        "risk",
        f"/papers/{paper_id}/reviews",
        {
            "approved": False,
            "reason": "未分析关注类贷款迁徙情况，请补充后重报",
            "vetted_on": "2026-10-14",
        },
    )
    assert back.status_code == 201, back.text
    position = back.json()["position"]
    assert tasks(api, "head", "2026-10-21", position, "paper_review") == []
    revision = tasks(api, "officer", "2026-10-21", position, "paper_revision", mine=True)
    assert [(t["owner_name"], t["overdue"]) for t in revision] == [("刘洋（PL001）", True)]

    # Only the author revises, with a new document.
    not_author = api.upload(
        "am",
        f"/papers/{paper_id}/revisions",
        {"note": "补充迁徙分析", "revised_on": "2026-10-15"},
        paper_file("他人修改稿"),
    )
    assert not_author.status_code in (403, 422), not_author.text
    revised = api.upload(
        "officer",
        f"/papers/{paper_id}/revisions",
        {"note": "补充关注类贷款迁徙分析", "revised_on": "2026-10-15"},
        paper_file("贷后管理工作报告（修改稿）"),
    )
    assert revised.status_code == 201, revised.text
    second = revised.json()["documents"][0]["sha256"]
    assert second != first

    for who, day in (("reviewer", "2026-10-16"), ("risk", "2026-10-19")):
        step = api.post(
            who,
            f"/papers/{paper_id}/reviews",
            {"approved": True, "reason": "同意", "vetted_on": day},
        )
        assert step.status_code == 201, step.text
    # A branch head of another unit is out of scope; the head of 城东支行 approves.
    last = api.post(
        "head",
        f"/papers/{paper_id}/reviews",
        {"approved": True, "reason": "同意报送总行", "vetted_on": "2026-10-20"},
    )
    assert last.status_code == 201, last.text
    assert last.json()["events"] == ["PaperReviewed", "PaperSubmitted"]
    position = last.json()["position"]

    read = api.get("hq_head", f"/papers/{paper_id}").json()
    assert (read["state"], read["submitted_to"], read["submitted_on"]) == (
        "submitted",
        "总行",
        "2026-10-20",
    )
    assert [(r["reviewer"], r["approved"], r["round"]) for r in read["reviews"]] == [
        ("李娜（RV001）", True, 1),
        ("陈静（RM001）", False, 1),
        ("李娜（RV001）", True, 2),
        ("陈静（RM001）", True, 2),
        ("赵刚（BH001）", True, 2),
    ]
    assert [d["sha256"] for d in read["documents"]] == [first, second]
    swept = api.archive.sweep(grace=timedelta(0), dry_run=True)
    assert not [k for k in swept.removed if k.startswith(paper_id)], "both revisions are cited"
    document = api.get("hq_head", f"/papers/{paper_id}/document.pdf")
    assert document.status_code == 200
    assert hashlib.sha256(document.content).hexdigest() == second
    earlier = api.get("hq_head", f"/papers/{paper_id}/document.pdf", params={"sha256": first})
    assert hashlib.sha256(earlier.content).hexdigest() == first

    assert tasks(api, "head", "2026-10-21", position, "paper_review") == []
    reading = tasks(api, "hq_head", "2026-10-28", position, "paper_acknowledgement")
    assert [(t["branch"], t["owner_role"], t["due_on"], t["overdue"]) for t in reading] == [
        ("总行", "branch_head", "2026-10-27", True)
    ]

    # The branch head of 城东支行 is not of the unit it was sent to.
    own = api.post(
        "head",
        f"/papers/{paper_id}/acknowledgement",
        {"acknowledged_on": "2026-10-21", "opinion": "阅"},
    )
    assert own.status_code == 403, own.text
    acknowledged = api.post(
        "hq_head",
        f"/papers/{paper_id}/acknowledgement",
        {"acknowledged_on": "2026-10-22", "opinion": "已阅。关注类迁徙请按月跟踪。"},
    )
    assert acknowledged.status_code == 201, acknowledged.text
    position = acknowledged.json()["position"]
    assert tasks(api, "hq_head", "2026-10-28", position, "paper_acknowledgement") == []

    rows = register(api, "hq_head", position)
    assert [
        (
            r["paper_no"],
            r["kind_zh"],
            r["branch"],
            r["period"],
            r["author_id_name"],
            r["returned"],
            r["submitted_to"],
            r["acknowledged_by_name"],
            r["state"],
        )
        for r in rows
    ] == [
        (
            "贷后文书〔2026〕第0001号",
            "贷后管理工作报告",
            "城东支行",
            "2026-Q3",
            "刘洋（PL001）",
            1,
            "总行",
            "钱卫东（ZH001）",
            "acknowledged",
        )
    ]
    export = api.get(
        "hq_head", "/registers/paper_register", params={"format": "csv", "after": position}
    )
    assert export.status_code == 200, export.text
    text = export.content.decode("utf-8-sig")
    header = text.splitlines()[0]
    for words in ("文书编号", "文书种类", "编写机构", "应完成日期", "阅知人", "状态"):
        assert words in header, words
    assert "钱卫东（ZH001）" in text
    assert "上级已阅知" in text


def test_nobody_reviews_their_own_paper_nor_two_steps_and_bad_papers_record_nothing(
    api: Api,
) -> None:
    """Rows 003-47, 003-14: segregation of duties in the chain; the kind's period, author and
    document are enforced; a refusal records nothing."""
    granted = api.post("admin", "/staff/PL001/roles", {"role": "reviewer"})
    assert granted.status_code == 201, granted.text
    granted = api.post("admin", "/staff/RV001/roles", {"role": "risk_manager"})
    assert granted.status_code == 201, granted.text
    made = draft(api, "officer", REPORT)
    assert made.status_code == 201, made.text
    paper_id = made.json()["ids"]["paper_id"]
    before = api.counts()

    own = api.post(
        "officer",
        f"/papers/{paper_id}/reviews",
        {"approved": True, "reason": "同意", "vetted_on": "2026-10-13"},
        headers={"X-Dossier-Role": "reviewer"},
    )
    assert own.status_code == 403, own.text
    assert own.json()["error"] == "segregation_of_duties"
    assert api.counts() == before

    ok = api.post(
        "reviewer",
        f"/papers/{paper_id}/reviews",
        {"approved": True, "reason": "同意", "vetted_on": "2026-10-13"},
        headers={"X-Dossier-Role": "reviewer"},
    )
    assert ok.status_code == 201, ok.text
    before = api.counts()
    twice = api.post(
        "reviewer",
        f"/papers/{paper_id}/reviews",
        {"approved": True, "reason": "同意", "vetted_on": "2026-10-14"},
        headers={"X-Dossier-Role": "risk_manager"},
    )
    assert twice.status_code == 403, twice.text
    assert "不同的人" in twice.json()["detail"]["zh"] or "两个环节" in twice.json()["detail"]["zh"]
    assert api.counts() == before

    wrong_period = draft(api, "officer", {**REPORT, "period": "2026"})
    assert wrong_period.status_code == 422, wrong_period.text
    assert "period" in wrong_period.text
    wrong_author = draft(api, "am", {**REPORT, "kind": "risk_guidance", "period": "2026-09"})
    assert wrong_author.status_code in (403, 422), wrong_author.text
    too_early = draft(api, "officer", {**REPORT, "drafted_on": "2026-09-20"})
    assert too_early.status_code == 422, too_early.text
    no_file = api.post("officer", "/papers", REPORT)
    assert no_file.status_code == 422, no_file.text
    image = api.upload(
        "officer",
        "/papers",
        REPORT,
        [("site_photo", ("photo.pdf", pdf("not a paper"), PDF))],
    )
    assert image.status_code == 422, image.text
    unknown = draft(api, "officer", {**REPORT, "kind": "weekly_gossip"})
    assert unknown.status_code == 422, unknown.text
    assert "weekly_gossip" in unknown.json()["detail"]["en"]
    assert api.counts() == before, "a refused paper records nothing and stores no document"


def test_minutes_list_each_loan_with_its_measures_shown_by_loan(api: Api) -> None:
    """Rows 002-16, 002-69: the risk-and-quality analysis meeting's minutes (行长主持, 逐户研究
    措施) and the post-loan meeting's minutes (例会审议), each loan with its measures, shown by
    loan in the register and on the loan's page."""
    enrol_head_office(api)
    disburse(api, "L-PAP-1")
    disburse(api, "L-PAP-2", borrower_id="91330100MA2KYYYY2Z", borrower_name="杭州示例纺织有限公司")
    minutes = {
        "kind": "quality_meeting_minutes",
        "met_on": "2026-11-20",
        "title": "2026年11月贷款风险状况及质量分析会纪要",
        "drafted_on": "2026-11-23",
        "loans": [
            {"loan_no": "L-PAP-1", "measures": "追加保证人，按月现场检查，下调至关注类。"},
            {"loan_no": "L-PAP-2", "measures": "压缩授信30%，到期收回，不再续贷。"},
        ],
    }
    none = draft(api, "officer", {**minutes, "loans": []}, "纪要")
    assert none.status_code == 422, none.text
    assert "逐户" in none.json()["detail"]["zh"]
    made = draft(api, "officer", minutes, "风险状况及质量分析会纪要")
    assert made.status_code == 201, made.text
    paper_id = made.json()["ids"]["paper_id"]
    read = api.get("head", f"/papers/{paper_id}").json()
    assert read["due_on"] == "2026-11-25", "3 working days after the meeting"
    assert [(m["loan_no"], m["borrower_name"]) for m in read["loans"]] == [
        ("L-PAP-1", "杭州示例机械制造有限公司"),
        ("L-PAP-2", "杭州示例纺织有限公司"),
    ]
    signed = api.post(
        "head",
        f"/papers/{paper_id}/reviews",
        {"approved": True, "reason": "签发", "vetted_on": "2026-11-24"},
    )
    assert signed.status_code == 201, signed.text
    assert signed.json()["events"] == ["PaperReviewed", "PaperSubmitted"]

    routine = draft(
        api,
        "reviewer",
        {
            "kind": "routine_meeting_minutes",
            "met_on": "2026-11-27",
            "title": "11月贷后管理例会纪要",
            "drafted_on": "2026-11-27",
            "loans": [{"loan_no": "L-PAP-1", "measures": "例会审议：维持关注类，继续追加担保。"}],
        },
        "例会纪要",
    )
    assert routine.status_code == 201, routine.text
    done = api.post(
        "head",
        f"/papers/{routine.json()['ids']['paper_id']}/reviews",
        {"approved": True, "reason": "签发", "vetted_on": "2026-11-30"},
    )
    assert done.status_code == 201, done.text
    assert done.json()["events"] == ["PaperReviewed"], "例会纪要 is not sent up"
    position = done.json()["position"]
    read = api.get("head", f"/papers/{routine.json()['ids']['paper_id']}").json()
    assert (read["state"], read["submitted_to"]) == ("approved", None)

    by_loan = register(api, "am", position, "/paper_loans", loan_no="L-PAP-1")
    assert [(r["kind_zh"], r["met_on"], r["measures"], r["state"]) for r in by_loan] == [
        (
            "贷款风险状况及质量分析会纪要",
            "2026-11-20",
            "追加保证人，按月现场检查，下调至关注类。",
            "submitted",
        ),
        ("贷后管理例会纪要", "2026-11-27", "例会审议：维持关注类，继续追加担保。", "approved"),
    ]


def test_the_monitoring_report_guidance_priorities_and_plan_go_through_their_own_chains(
    api: Api,
) -> None:
    """Rows 003-14, 003-22, 004-08, 002-91: the periodic monitoring report to 风控部 and
    总经理; the risk department's monthly risk guidance and its risk-monitoring meeting's
    minutes (风险监测会); the month's credit-work priorities due
    three working days into the month; the yearly targets and plan, sent up."""
    monitoring = draft(
        api,
        "am",
        {
            "kind": "monitoring_report",
            "period": "2026-10",
            "title": "2026年10月定期监控报告",
            "drafted_on": "2026-11-02",
        },
        "定期监控报告",
    )
    assert monitoring.status_code == 201, monitoring.text
    paper_id = monitoring.json()["ids"]["paper_id"]
    for who, day in (("risk", "2026-11-03"), ("head", "2026-11-04")):
        step = api.post(
            who,
            f"/papers/{paper_id}/reviews",
            {"approved": True, "reason": "已阅", "vetted_on": day},
        )
        assert step.status_code == 201, step.text
    read = api.get("am", f"/papers/{paper_id}").json()
    assert (read["due_on"], read["state"]) == ("2026-11-06", "approved")
    assert [s["zh"] for s in read["chain"]] == ["风控部审阅", "总经理审阅"]

    guidance = draft(
        api,
        "risk",
        {
            "kind": "risk_guidance",
            "period": "2026-11",
            "title": "2026年11月风险指引：房地产上下游行业风险提示",
            "drafted_on": "2026-12-01",
        },
        "风险指引",
    )
    assert guidance.status_code == 201, guidance.text
    assert api.get("risk", f"/papers/{guidance.json()['ids']['paper_id']}").json()["due_on"] == (
        "2026-12-07"
    )

    disburse(api, "L-PAP-9")
    monitoring_meeting = draft(
        api,
        "risk",
        {
            "kind": "risk_monitoring_minutes",
            "met_on": "2026-12-02",
            "title": "2026年12月风险监测会纪要",
            "drafted_on": "2026-12-03",
            "loans": [{"loan_no": "L-PAP-9", "measures": "列入按月监测，要求补充抵押。"}],
        },
        "风险监测会纪要",
    )
    assert monitoring_meeting.status_code == 201, monitoring_meeting.text
    meeting_id = monitoring_meeting.json()["ids"]["paper_id"]
    read = api.get("head", f"/papers/{meeting_id}").json()
    assert (read["kind_zh"], read["due_on"], read["chain"][0]["role"]) == (
        "风险监测会纪要",
        "2026-12-07",
        "branch_head",
    )

    priorities = draft(
        api,
        "reviewer",
        {
            "kind": "work_priorities",
            "period": "2026-11",
            "title": "11月信贷工作重点",
            "drafted_on": "2026-11-05",
        },
        "本月信贷工作重点",
    )
    assert priorities.status_code == 201, priorities.text
    position = priorities.json()["position"]
    late = [
        t
        for t in tasks(api, "head", "2026-11-05", position, "paper_review")
        if t["subject"] == priorities.json()["ids"]["paper_no"]
    ]
    assert [(t["due_on"], t["overdue"], t["owner_role"]) for t in late] == [
        ("2026-11-04", True, "branch_head")
    ], "due three working days into the month: drafted late, overdue at once"

    plan = draft(
        api,
        "officer",
        {
            "kind": "targets_plan",
            "period": "2026",
            "title": "城东支行2026年贷后管理工作目标和规划",
            "drafted_on": "2026-01-15",
        },
        "工作目标和规划",
    )
    assert plan.status_code == 201, plan.text
    plan_id = plan.json()["ids"]["paper_id"]
    read = api.get("officer", f"/papers/{plan_id}").json()
    assert (read["due_on"], [s["role"] for s in read["chain"]]) == (
        "2026-01-29",
        ["risk_manager", "branch_head"],
    )
    for who, day in (("risk", "2026-01-20"), ("head", "2026-01-21")):
        step = api.post(
            who,
            f"/papers/{plan_id}/reviews",
            {"approved": True, "reason": "同意", "vetted_on": day},
        )
        assert step.status_code == 201, step.text
    assert step.json()["events"] == ["PaperReviewed", "PaperSubmitted"]
