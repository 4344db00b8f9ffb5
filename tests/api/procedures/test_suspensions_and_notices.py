"""Industry, business lines, the lines of the rules, risk notices and 停复牌.

Two loans of 城东支行 are booked with their borrower's industry (GB/T 4754 门类: C 制造业 and
F 批发和零售业); one falls to 次级 in August 2026. The metrics group by industry and by business
line (条线) and mark the lines of the rules (不良警戒线 2.50%, 逾期率考核线 5.00%) breached. The
risk manager publishes a risk notice on 制造业 to 城东支行 with the figures the archive counted;
the branch acknowledges it and records its investigation and measures; its publisher may not
close it, another risk manager does. The risk manager suspends new lending in 城东支行 on the
breach; the branch head supervises; a loan booked there meanwhile is recorded and flagged, and
its read names the suspension; the suspension is lifted (复牌) by another risk manager only once
the figures no longer breach the line. A change of industry needs its evidence.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.values import Grade
from tests import steps
from tests.api.conftest import Api, disburse, pdf
from tests.api.procedures.test_portfolio_metrics import classify, ctx


def rows(api: Api, who: str, listing: str) -> list[dict[str, Any]]:
    after = api.archive.recorder.max_notification_id()
    path = "" if listing == "suspensions" else f"/{listing}"
    answer = api.get(who, f"/registers/risk_control_register{path}", params={"after": after})
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["data"]
    return found


def metrics(api: Api, by: str) -> dict[str, Any]:
    after = api.archive.recorder.max_notification_id()
    answer = api.get(
        "risk",
        "/portfolio/metrics",
        params={"as_of_position": after, "on": "2026-09-30", "by": by},
    )
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def book(api: Api) -> None:
    disburse(
        api,
        "SU-C1",
        principal="1000000.00",
        value_date="2026-01-10",
        maturity_date="2027-01-10",
        industry="C",
        borrower_id="91330100MA2KSU01Y",
    )
    disburse(
        api,
        "SU-F1",
        principal="500000.00",
        value_date="2026-01-10",
        maturity_date="2027-01-10",
        industry="F",
        borrower_id="91330100MA2KSU02Y",
    )
    classify(api, "SU-F1", Grade.SUBSTANDARD, date(2026, 8, 15), 95)


def test_metrics_by_industry_and_line_mark_the_lines_and_a_change_of_industry_needs_evidence(
    api: Api,
) -> None:
    """Rows 000-50, 003-21."""
    book(api)
    by_industry = metrics(api, "industry")
    lines = {line["group"]: line for line in by_industry["lines"]}
    assert set(lines) == {"C 制造业", "F 批发和零售业"}
    assert (lines["F 批发和零售业"]["npl_rate"], lines["C 制造业"]["npl_rate"]) == (
        "100.00",
        "0.00",
    )
    total = by_industry["total"]
    assert (total["npl_rate"], total["npl_alert"], total["npl_alert_breach"]) == (
        "33.33",
        "2.50",
        True,
    )
    assert (total["overdue_rate"], total["overdue_target"], total["overdue_breach"]) == (
        "33.33",
        "5.00",
        True,
    )
    by_line = metrics(api, "line")
    assert [(x["group"], x["loans"]) for x in by_line["lines"]] == [("公司信贷条线", 2)]
    by_product = metrics(api, "product")
    assert by_product["lines"][0]["npl_alert"] == "2.50"

    body = {
        "changed_on": "2026-09-01",
        "changes": [{"field": "industry", "value": "E"}],
        "reason": "借款人经营范围变更为建筑施工",
    }
    before = api.counts()
    refused = api.post("am", "/loans/SU-C1/information-changes", body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["context"]["field"] == "documents"
    wrong = api.post(
        "am",
        "/loans/SU-C1/information-changes",
        {**body, "changes": [{"field": "industry", "value": "Z"}]},
    )
    assert wrong.status_code == 422, wrong.text
    assert api.counts() == before
    changed = api.upload(
        "am",
        "/loans/SU-C1/information-changes",
        body,
        [("change_evidence", ("变更登记.pdf", pdf("scope change"), "application/pdf"))],
    )
    assert changed.status_code == 201, changed.text
    assert api.get("am", "/loans/SU-C1").json()["industry"] == "E 建筑业"
    ledger = api.get(
        "risk",
        "/registers/loan_ledger",
        params={"after": changed.json()["position"], "loan_no": "SU-C1"},
    ).json()["data"]
    assert ledger[0]["industry"] == "E"


def test_a_notice_is_acknowledged_investigated_and_closed_and_a_suspension_flags_bookings_until_lifted(
    api: Api,
) -> None:
    """Rows 000-63, 000-50, 002-92, 002-98, 003-21."""
    book(api)
    published = api.post(
        "risk",
        "/risk-notices",
        {
            "subject": "industry",
            "subject_key": "C",
            "units": ["城东支行"],
            "title": "制造业贷款风险提示",
            "content": "原材料价格上涨，制造业客户现金流承压，请排查存量客户。",
            "figures_on": "2026-09-30",
            "published_on": "2026-10-08",
            "figures": {"npl_rate": "0"},
        },
    )
    assert published.status_code == 422, "the figures are the archive's, never the request's"
    nowhere = api.post(
        "risk",
        "/risk-notices",
        {
            "subject": "branch",
            "subject_key": "火星支行",
            "title": "风险提示",
            "content": "请排查",
            "figures_on": "2026-09-30",
            "published_on": "2026-10-08",
        },
    )
    assert nowhere.status_code == 422, nowhere.text
    assert nowhere.json()["context"]["field"] == "subject_key"
    published = api.post(
        "risk",
        "/risk-notices",
        {
            "subject": "industry",
            "subject_key": "C",
            "units": ["城东支行"],
            "title": "制造业贷款风险提示",
            "content": "原材料价格上涨，制造业客户现金流承压，请排查存量客户。",
            "figures_on": "2026-09-30",
            "published_on": "2026-10-08",
        },
    )
    assert published.status_code == 201, published.text
    notice_id = published.json()["ids"]["notice_id"]
    assert published.json()["ids"]["notice_no"] == "风险提示〔2026〕第0001号"
    read = api.get("am", f"/risk-notices/{notice_id}").json()
    assert read["subject_name"] == "C 制造业"
    assert (read["figures"]["loans"], read["figures"]["balance"]) == (1, "1000000.00")
    assert read["published_by"] == "陈静（RM001）"
    assert read["state"] == "published"

    early = api.post(
        "am",
        f"/risk-notices/{notice_id}/investigations",
        {"investigated_on": "2026-10-09", "findings": "x", "measures": "y"},
    )
    assert early.status_code == 409, early.text
    ack = api.post(
        "am", f"/risk-notices/{notice_id}/acknowledgements", {"acknowledged_on": "2026-10-09"}
    )
    assert ack.status_code == 201, ack.text
    inv = api.post(
        "am",
        f"/risk-notices/{notice_id}/investigations",
        {
            "investigated_on": "2026-10-12",
            "findings": "制造业客户1户，经营正常，原材料库存充足。",
            "measures": "按月跟踪现金流，暂停对该户新增授信。",
        },
    )
    assert inv.status_code == 201, inv.text
    own = api.post(
        "risk",
        f"/risk-notices/{notice_id}/closure",
        {"closed_on": "2026-10-13", "conclusion": "已排查"},
    )
    assert own.status_code == 403, own.text
    closed = api.post(
        "risk2",
        f"/risk-notices/{notice_id}/closure",
        {"closed_on": "2026-10-13", "conclusion": "排查完毕，风险可控，办结。"},
    )
    assert closed.status_code == 201, closed.text
    read = api.get("risk", f"/risk-notices/{notice_id}").json()
    assert (read["state"], read["closed_by"]) == ("closed", "杨帆（RM002）")
    assert read["units"][0]["acknowledged_by"] == "张伟（AM001）"
    notices = rows(api, "risk", "notices")
    assert [(r["notice_no"], r["branch"], r["state"]) for r in notices] == [
        ("风险提示〔2026〕第0001号", "城东支行", "closed")
    ]

    clean = api.post(
        "risk",
        "/suspensions",
        {
            "subject": "product",
            "subject_key": "mortgage",
            "basis": "breach",
            "reason": "按揭贷款不良率超警戒线",
            "figures_on": "2026-09-30",
            "suspended_on": "2026-10-08",
        },
    )
    assert clean.status_code == 422, clean.text
    assert clean.json()["context"]["field"] == "basis"
    suspended = api.post(
        "risk",
        "/suspensions",
        {
            "subject": "branch",
            "subject_key": "城东支行",
            "basis": "breach",
            "reason": "不良率33.33%突破2.50%警戒线，暂停新增贷款投放。",
            "figures_on": "2026-09-30",
            "suspended_on": "2026-10-08",
        },
    )
    assert suspended.status_code == 201, suspended.text
    suspension_id = suspended.json()["ids"]["suspension_id"]
    assert suspended.json()["ids"]["suspension_no"] == "停牌〔2026〕第0001号"
    noted = api.post(
        "head",
        f"/suspensions/{suspension_id}/supervision",
        {"supervised_on": "2026-10-15", "note": "督导支行制定清收方案，逐户落实责任人。"},
    )
    assert noted.status_code == 201, noted.text

    booked = disburse(
        api,
        "SU-C2",
        principal="200000.00",
        value_date="2026-10-20",
        maturity_date="2027-10-20",
        borrower_id="91330100MA2KSU03Y",
    )
    assert booked["ids"]["suspended"] == "停牌〔2026〕第0001号"
    loan = api.get("am", "/loans/SU-C2").json()
    assert loan["suspensions"] == ["停牌〔2026〕第0001号 城东支行（地区（机构））"]
    flagged = rows(api, "risk", "flagged")
    assert [(r["loan_no"], r["suspension_no"]) for r in flagged] == [
        ("SU-C2", "停牌〔2026〕第0001号")
    ]

    own_lift = api.post(
        "risk",
        f"/suspensions/{suspension_id}/lifting",
        {"lifted_on": "2026-10-21", "reason": "已整改", "figures_on": "2026-10-21"},
    )
    assert own_lift.status_code == 403, own_lift.text
    still = api.post(
        "risk2",
        f"/suspensions/{suspension_id}/lifting",
        {"lifted_on": "2026-10-21", "reason": "已整改", "figures_on": "2026-10-21"},
    )
    assert still.status_code == 409, still.text
    steps.repay(api.archive, ctx(api, "AM001"), "SU-F1", date(2026, 10, 25), "500000.00")
    lifted = api.post(
        "risk2",
        f"/suspensions/{suspension_id}/lifting",
        {
            "lifted_on": "2026-10-26",
            "reason": "次级贷款已全额收回，不良率回落至警戒线以下，恢复投放。",
            "figures_on": "2026-10-26",
        },
    )
    assert lifted.status_code == 201, lifted.text
    read = api.get("risk", f"/suspensions/{suspension_id}").json()
    assert (read["state"], read["lifted_by"], read["suspended_by"]) == (
        "lifted",
        "杨帆（RM002）",
        "陈静（RM001）",
    )
    assert (read["figures"]["npl_breach"], read["lift_figures"]["npl_breach"]) == (True, False)
    assert read["notes"][0]["supervised_by"] == "赵刚（BH001）"
    register = rows(api, "risk", "suspensions")
    assert [(r["suspension_no"], r["state"], r["flagged_loans"]) for r in register] == [
        ("停牌〔2026〕第0001号", "lifted", 1)
    ]
    export = api.get(
        "risk", "/registers/risk_control_register", params={"format": "csv", "after": 0}
    )
    assert export.status_code == 200, export.text
    header = export.text.splitlines()[0]
    for column in ("停牌编号", "停牌原因", "停牌时不良率（%）", "复牌日期", "复牌人", "状态"):
        assert column in header, column
    assert "陈静（RM001）" in export.text
    assert "杨帆（RM002）" in export.text
    assert api.get("am", "/loans/SU-C2").json()["suspensions"] == []
    after = disburse(
        api,
        "SU-C3",
        principal="100000.00",
        value_date="2026-10-27",
        maturity_date="2027-10-27",
        borrower_id="91330100MA2KSU04Y",
    )
    assert "suspended" not in after["ids"]
