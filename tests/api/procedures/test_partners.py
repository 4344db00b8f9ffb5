"""Partner institutions (合作机构): guarantee companies, third-party servicers, their figures.

The risk manager 陈静 registers two institutions: 杭州示例融资担保有限公司, a guarantee company
with a cooperation limit of 2,000,000 元, and 河南示例饲料有限公司, the 饲料公司 of the
third-party service model. The guarantee company guarantees two loans of 城东支行; one falls
behind in June 2025 and the company pays the 51,200 元 overdue on the borrower's behalf (代偿,
担保公司先垫付), then chases the borrower for it (再向客户追款): the compensation and the
progress of its recovery are recorded on the loan. On any day the partner register gives each
institution its loans, balance, 合作机构不良率 and 代偿率 (compensated ÷ compensated plus the
arrears still unpaid), flagging those over the rules' lines (批量监管合作机构风险). With the
servicer the bank talks periodically to verify its customers' information (与饲料公司定期沟通
核实客户信息), and the servicer's chasing of an overdue customer is a collection step of its own
(通过饲料公司追债). Each loan's repayments and arrears give its repayment-behaviour indicator,
whose thresholds raise the catalogue's BEH-08 signal (还款数据分析、风险模型).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from archive.commands.partners import RegisterPartner
from archive.core import CommandContext
from domain.values import Grade, PartnerKind, Role
from tests import steps
from tests.api.conftest import Api, disburse, pdf
from tests.api.console_harness import PEOPLE, Console

GUARANTOR = {
    "name": "杭州示例融资担保有限公司",
    "kind": "guarantee_company",
    "credit_code": "91330100MA2GU0001K",
    "contact": "钱经理",
    "contact_phone": "0571-88880001",
    "cooperation_from": "2025-01-01",
    "cooperation_to": "2027-12-31",
    "limit": "2000000.00",
    "registered_on": "2025-02-01",
}
SERVICER = {
    "name": "河南示例饲料有限公司",
    "kind": "servicer",
    "credit_code": "91411500MA40FE0018",
    "contact": "孙主管",
    "cooperation_from": "2025-01-01",
    "registered_on": "2025-02-01",
}
G_CODE, S_CODE = GUARANTOR["credit_code"], SERVICER["credit_code"]


def ctx(api: Api, staff_no: str) -> CommandContext:
    return CommandContext(api.archive.staff(staff_no).id)


def guarantee(api: Api, loan_no: str, amount: str, on: str = "2025-03-01") -> Any:
    body = {
        "guarantor_name": GUARANTOR["name"],
        "kind": "guarantee_company",
        "id_no": G_CODE,
        "amount": amount,
        "contract_no": f"BZ-{loan_no}",
        "registered_on": on,
    }
    return api.upload(
        "am",
        f"/loans/{loan_no}/guarantees",
        body,
        [("guarantee_contract", (f"BZ-{loan_no}.pdf", pdf("保证合同"), "application/pdf"))],
    )


def overdue(api: Api, loan_no: str, as_of: str, days: int, principal: str, interest: str) -> None:
    answer = api.post(
        "officer",
        f"/loans/{loan_no}/overdue-status",
        {
            "as_of": as_of,
            "days_overdue": days,
            "overdue_principal": principal,
            "overdue_interest": interest,
        },
    )
    assert answer.status_code == 201, answer.text


def repay(api: Api, loan_no: str, on: str, principal: str, interest: str = "0.00") -> None:
    answer = api.post(
        "officer",
        f"/loans/{loan_no}/repayments",
        {"paid_on": on, "principal": principal, "interest": interest},
    )
    assert answer.status_code == 201, answer.text


def partners(api: Api, who: str, on: str) -> dict[str, dict[str, Any]]:
    after = api.archive.recorder.max_notification_id()
    answer = api.get(who, "/partners", params={"on": on, "as_of_position": after})
    assert answer.status_code == 200, answer.text
    return {p["credit_code"]: p for p in answer.json()["data"]}


def rows(api: Api, who: str, listing: str, **params: Any) -> list[dict[str, Any]]:
    after = api.archive.recorder.max_notification_id()
    answer = api.get(
        who, f"/registers/partner_register/{listing}", params={"after": after, **params}
    )
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["data"]
    return found


def compensate(api: Api, loan_no: str, guarantee_id: str, **body: Any) -> Any:
    return api.upload(
        "am",
        f"/loans/{loan_no}/compensations",
        {"guarantee_id": guarantee_id, **body},
        [("compensation_voucher", ("代偿凭证.pdf", pdf("代偿款入账凭证"), "application/pdf"))],
    )


def register_partners(api: Api) -> None:
    for body in (GUARANTOR, SERVICER):
        answer = api.post("risk", "/partners", body)
        assert answer.status_code == 201, answer.text
        assert answer.json()["events"] == ["PartnerRegistered"]


def test_partner_register_figures_npl_and_compensation_rates_on_any_date(api: Api) -> None:
    """Rows 002-97, 000-39: institutions registered by the risk manager only (the same code
    twice is a conflict, a malformed one refused naming ``credit_code``); a guarantee company's
    compensation (代偿) recorded on the loan with its voucher, within the amount guaranteed and
    only once the loan fell behind; its recovery from the borrower (追偿) recorded step by
    step, the claim outstanding shown on the loan and the register. On 11 June, 15 July and 15
    August the institution's figures follow from the facts of each day: 代偿率 100% and
    合作机构不良率 34.48% over the lines of 10% and 5%, flagged; a suspended company guarantees
    no new loan until resumed."""
    refused = api.post("am", "/partners", GUARANTOR)
    assert refused.status_code == 403, refused.text
    bad = api.post("risk", "/partners", {**GUARANTOR, "credit_code": "91330100MA2GU0001"})
    assert bad.status_code == 422, bad.text
    assert "credit_code" in bad.text
    register_partners(api)
    again = api.post("risk", "/partners", {**GUARANTOR, "name": "另一家"})
    assert again.status_code == 409, again.text

    disburse(api, "PT-001", borrower_id="91330100MA2KPT01Y")
    disburse(api, "PT-002", principal="500000.00", borrower_id="91330100MA2KPT02Y")
    first = guarantee(api, "PT-001", "600000.00")
    assert first.status_code == 201, first.text
    g1 = first.json()["ids"]["guarantee_id"]
    second = guarantee(api, "PT-002", "300000.00")
    assert second.status_code == 201, second.text

    # Not behind yet: nothing to compensate.
    early = compensate(api, "PT-001", g1, amount="1000.00", compensated_on="2025-05-01", note="x")
    assert early.status_code == 409, early.text
    overdue(api, "PT-001", "2025-06-10", 10, "50000.00", "1200.00")
    before = partners(api, "risk", "2025-06-11")[G_CODE]
    assert (before["loans"], before["balance"], before["overdue"]) == (2, "1500000.00", "51200.00")
    assert (before["compensated"], before["compensation_rate"], before["npl_rate"]) == (
        "0.00",
        "0.00",
        "0.00",
    )
    assert before["flagged"] is False
    assert before["limit_used"] == "75.00"

    too_much = compensate(
        api, "PT-001", g1, amount="600000.01", compensated_on="2025-06-12", note="超额"
    )
    assert too_much.status_code == 422, too_much.text
    assert "amount" in too_much.text
    no_voucher = api.post(
        "am",
        "/loans/PT-001/compensations",
        {"guarantee_id": g1, "amount": "51200.00", "compensated_on": "2025-06-12", "note": "x"},
    )
    assert no_voucher.status_code == 422, no_voucher.text
    paid = compensate(
        api,
        "PT-001",
        g1,
        amount="51200.00",
        compensated_on="2025-06-12",
        note="代偿第3期逾期本金50000元及利息1200元",
    )
    assert paid.status_code == 201, paid.text
    assert paid.json()["events"][0] == "GuarantorCompensated"
    compensation = paid.json()["ids"]["compensation_id"]
    # The core-banking feed: the company's payment reaches the loan as a repayment; cured.
    repay(api, "PT-001", "2025-06-12", "50000.00", "1200.00")
    overdue(api, "PT-001", "2025-06-12", 0, "0.00", "0.00")

    path = f"/loans/PT-001/compensations/{compensation}/recoveries"
    step = {"recovered_on": "2025-07-01", "recovered": "20000.00", "progress": "借款人归还代偿款"}
    recovered = api.post("am", path, step)
    assert recovered.status_code == 201, recovered.text
    over = api.post("am", path, {**step, "recovered": "31200.01"})
    assert over.status_code == 422, over.text
    assert "recovered" in over.text
    [shown] = api.get("auditor", "/loans/PT-001").json()["compensations"]
    assert (shown["amount"], shown["recovered"], shown["claim"]) == (
        "51200.00",
        "20000.00",
        "31200.00",
    )
    assert shown["progress"] == [
        {"recovered_on": "2025-07-01", "recovered": "20000.00", "progress": "借款人归还代偿款"}
    ]

    july = partners(api, "risk", "2025-07-15")[G_CODE]
    assert (july["balance"], july["overdue"], july["compensated"]) == (
        "1450000.00",
        "0.00",
        "51200.00",
    )
    assert (july["compensation_rate"], july["recovered"], july["claim"]) == (
        "100.00",
        "20000.00",
        "31200.00",
    )
    assert july["flags"] == ["代偿率 100.00% 超过 10.00%"]

    steps.overdue(api.archive, ctx(api, "AM001"), "PT-002", date(2025, 8, 1), 95)
    proposed = steps.propose(
        api.archive, ctx(api, "AM001"), "PT-002", Grade.SUBSTANDARD, date(2025, 8, 1), "逾期95天"
    )
    steps.approve(api.archive, ctx(api, "RM001"), "PT-002", proposed)
    august = partners(api, "head", "2025-08-15")[G_CODE]
    assert (august["npl_balance"], august["npl_rate"]) == ("500000.00", "34.48")
    assert "合作机构不良率 34.48% 超过 5.00%" in august["flags"]
    # The same day read earlier in time is unchanged: the figures are those of the day.
    assert partners(api, "risk", "2025-06-11")[G_CODE]["compensated"] == "0.00"

    register = rows(api, "risk", "compensations", loan_no="PT-001")
    assert [(r["guarantor_name"], r["amount"], r["claim"]) for r in register] == [
        (GUARANTOR["name"], "51200.00", "31200.00")
    ]

    suspended = api.post(
        "risk",
        f"/partners/{G_CODE}/suspension",
        {"suspended_on": "2025-09-01", "reason": "代偿率超过预警线，暂停新增合作"},
    )
    assert suspended.status_code == 201, suspended.text
    disburse(api, "PT-003", borrower_id="91330100MA2KPT03Y")
    refused_new = guarantee(api, "PT-003", "100000.00", on="2025-09-02")
    assert refused_new.status_code == 409, refused_new.text
    assert "暂停合作" in refused_new.text
    resumed = api.post(
        "risk", f"/partners/{G_CODE}/resumption", {"resumed_on": "2025-09-10", "reason": "已整改"}
    )
    assert resumed.status_code == 201, resumed.text
    assert guarantee(api, "PT-003", "100000.00", on="2025-09-11").status_code == 201
    listed = partners(api, "risk", "2025-09-11")[G_CODE]
    assert (listed["status"], listed["status_reason"], listed["loans"]) == ("active", "已整改", 3)
    changes = rows(api, "risk", "status_changes")
    assert [(c["status"], c["reason"]) for c in changes] == [
        ("suspended", "代偿率超过预警线，暂停新增合作"),
        ("active", "已整改"),
    ]


def tasks(api: Api, who: str, on: str) -> list[dict[str, Any]]:
    after = api.archive.recorder.max_notification_id()
    answer = api.get(who, f"/tasks?on={on}&after={after}&kind=servicer_communication")
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["data"]
    return found


def test_a_servicer_is_talked_to_periodically_and_its_chasing_is_a_collection_step(
    api: Api,
) -> None:
    """Rows 000-34, 000-31: a loan serviced by the registered 饲料公司 names it by its code
    (under its registered name; an unregistered code is refused). The communication with the
    servicer is due every 30 days (``partners.communication_every_days``) as the post-loan
    officer's task; recorded — who, when, what was verified, the changes found — it moves the
    task on, and the borrower's phone found changed is maintained on the loan in the same act.
    The servicer chasing the overdue borrower (通过饲料公司追债) is recorded as a collection
    step naming the servicer, in the collection record; a loan with no servicer has none."""
    register_partners(api)
    disburse(api, "PT-010", borrower_id="91330100MA2KPT10Y", product="individual_production")
    service = {
        "servicer": SERVICER["name"],
        "contact": "孙主管",
        "assigned_on": "2025-03-02",
        "servicer_code": S_CODE,
    }
    wrong = api.post("risk", "/loans/PT-010/third-party-service", {**service, "servicer": "别家"})
    assert wrong.status_code == 422, wrong.text
    assert "servicer" in wrong.text
    unknown = api.post(
        "risk", "/loans/PT-010/third-party-service", {**service, "servicer_code": G_CODE[:-1] + "X"}
    )
    assert unknown.status_code == 404, unknown.text
    not_a_servicer = api.post(
        "risk", "/loans/PT-010/third-party-service", {**service, "servicer_code": G_CODE}
    )
    assert not_a_servicer.status_code == 422, not_a_servicer.text
    assigned = api.post("risk", "/loans/PT-010/third-party-service", service)
    assert assigned.status_code == 201, assigned.text
    assert api.get("am", "/loans/PT-010").json()["third_party_service"]["servicer_code"] == S_CODE

    [task] = tasks(api, "head", "2025-03-05")
    assert (task["kind_zh"], task["subject"], task["partner_code"]) == (
        "与第三方服务机构定期沟通核实",
        SERVICER["name"],
        S_CODE,
    )
    assert (task["opens_on"], task["due_on"], task["owner_role"]) == (
        "2025-02-01",
        "2025-03-03",
        "post_loan_officer",
    )
    assert task["overdue"] is True

    talk = {
        "communicated_on": "2025-03-10",
        "loan_no": "PT-010",
        "verified": "回访客户后与饲料公司核实：存栏生猪1200头，饲料款按月结清",
        "changes_found": "借款人更换了手机号码",
        "changes": [{"field": "phone", "value": "13800001111"}],
    }
    done = api.post("am", f"/partners/{S_CODE}/communications", talk)
    assert done.status_code == 201, done.text
    assert done.json()["events"] == ["ServicerCommunicationRecorded"]
    loan = api.get("am", "/loans/PT-010").json()
    assert loan["borrower_information"]["phone"] == "13800001111"
    assert "河南示例饲料有限公司" in loan["information_changes"][-1]["reason"]
    [task] = tasks(api, "head", "2025-03-20")
    assert (task["opens_on"], task["due_on"], task["overdue"]) == (
        "2025-03-10",
        "2025-04-09",
        False,
    )
    [row] = rows(api, "risk", "communications")
    assert (row["communicated_on"], row["loan_no"], row["changes_found"]) == (
        "2025-03-10",
        "PT-010",
        "借款人更换了手机号码",
    )
    assert row["information_changed"] is True
    assert row["actor_id_name"] == "张伟（AM001）"

    disburse(api, "PT-011", borrower_id="91330100MA2KPT11Y")
    elsewhere = api.post(
        "am", f"/partners/{S_CODE}/communications", {**talk, "loan_no": "PT-011", "changes": None}
    )
    assert elsewhere.status_code == 422, elsewhere.text
    assert "loan_no" in elsewhere.text
    guarantor = api.post(
        "am", f"/partners/{G_CODE}/communications", {**talk, "changes": None, "loan_no": None}
    )
    assert guarantor.status_code == 422, guarantor.text

    overdue(api, "PT-010", "2025-04-05", 5, "20000.00", "800.00")
    chased = api.post(
        "am",
        "/loans/PT-010/collection-steps",
        {
            "kind": "servicer_collection",
            "taken_on": "2025-04-06",
            "days_overdue": 6,
            "outcome": "饲料公司上门追收，借款人承诺出栏后归还",
            "promised_date": "2025-04-20",
        },
    )
    assert chased.status_code == 201, chased.text
    after = chased.json()["position"]
    steps_rows = api.get(
        "risk", "/registers/overdue_ledger/steps", params={"after": after, "loan_no": "PT-010"}
    ).json()["data"]
    assert [(s["kind"], s["servicer"]) for s in steps_rows] == [
        ("servicer_collection", SERVICER["name"])
    ]
    overdue(api, "PT-011", "2025-04-05", 5, "20000.00", "800.00")
    none = api.post(
        "am",
        "/loans/PT-011/collection-steps",
        {
            "kind": "servicer_collection",
            "taken_on": "2025-04-06",
            "days_overdue": 6,
            "outcome": "x",
        },
    )
    assert none.status_code == 409, none.text

    # Suspended, the servicer asks for no communication and takes no new loan.
    api.post(
        "risk",
        f"/partners/{S_CODE}/suspension",
        {"suspended_on": "2025-04-10", "reason": "服务质量不达标"},
    )
    assert tasks(api, "head", "2025-05-20") == []
    refused = api.post(
        "risk", "/loans/PT-011/third-party-service", {**service, "assigned_on": "2025-04-11"}
    )
    assert refused.status_code == 409, refused.text


def behave(api: Api, loan_no: str) -> None:
    """Three arrears spells in a year, the longest 35 days, two repayments in a row while
    overdue, one of them partial."""
    overdue(api, loan_no, "2025-04-05", 5, "50000.00", "1200.00")
    repay(api, loan_no, "2025-04-06", "10000.00", "1200.00")  # partial: 11,200 of 51,200
    overdue(api, loan_no, "2025-04-10", 0, "0.00", "0.00")
    overdue(api, loan_no, "2025-05-05", 3, "50000.00", "1200.00")
    overdue(api, loan_no, "2025-05-06", 4, "50000.00", "1200.00")
    repay(api, loan_no, "2025-05-06", "50000.00", "1200.00")  # late, the whole
    overdue(api, loan_no, "2025-05-07", 0, "0.00", "0.00")
    overdue(api, loan_no, "2025-07-10", 35, "50000.00", "1200.00")


def test_repayment_behaviour_indicator_raises_the_catalogue_signal_and_sums_the_portfolio(
    api: Api,
) -> None:
    """Row 003-04: from a loan's repayments and arrears the indicator on a day counts, over
    the last 12 months, the times it fell into arrears (3), the most days overdue (35), the
    longest run of repayments while overdue (2) and the partial ones (1), each against its
    threshold ([repayment_behaviour]); the assessment raises BEH-08 (还款行为异常) with the
    figures reached as its reason — once while it is open — and a loan that pays on time
    raises nothing. The portfolio sums the indicator over the loans the reader reaches."""
    disburse(api, "PT-020", borrower_id="91330100MA2KPT20Y")
    disburse(api, "PT-021", borrower_id="91330100MA2KPT21Y")
    behave(api, "PT-020")
    repay(api, "PT-021", "2025-04-01", "50000.00", "3600.00")

    head = api.archive.recorder.max_notification_id()
    early = api.get(
        "am",
        "/loans/PT-020/repayment-behaviour",
        params={"on": "2025-04-30", "as_of_position": head},
    )
    assert early.status_code == 200, early.text
    assert early.json()["breaches"] == []
    now = api.get(
        "am",
        "/loans/PT-020/repayment-behaviour",
        params={"on": "2025-07-15", "as_of_position": api.archive.recorder.max_notification_id()},
    ).json()
    figures = {k: (v["value"], v["threshold"]) for k, v in now["figures"].items()}
    assert figures == {
        "late_episodes": (3, 3),
        "most_days_late": (35, 30),
        "consecutive_late": (2, 2),
        "partial_payments": (1, 2),
    }
    assert (now["since"], now["repayments"], now["on_time"], now["signal"]) == (
        "2024-07-15",
        2,
        0,
        "BEH-08",
    )
    assert now["breaches"] == [
        "近期逾期次数 3（阈值 3）",
        "最长逾期天数 35（阈值 30）",
        "连续逾期还款期数 2（阈值 2）",
    ]

    refused = api.post(
        "auditor", "/loans/PT-020/repayment-behaviour/assessments", {"assessed_on": "2025-07-15"}
    )
    assert refused.status_code == 403, refused.text
    assessed = api.post(
        "am", "/loans/PT-020/repayment-behaviour/assessments", {"assessed_on": "2025-07-15"}
    )
    assert assessed.status_code == 201, assessed.text
    assert assessed.json()["events"] == ["WarningRaised", "RepaymentBehaviourAssessed"]
    signal = assessed.json()["ids"]["signal_id"]
    warnings = api.get("am", "/loans/PT-020").json()
    assert warnings["open_warnings"] == 1
    events = api.get("am", "/loans/PT-020/events").json()["data"]
    raised = next(e for e in events if e["type"] == "WarningRaised")
    assert raised["data"]["code"] == "BEH-08"
    assert raised["data"]["signal_id"] == signal
    assert "最长逾期天数 35（阈值 30）" in raised["data"]["reason"]
    again = api.post(
        "am", "/loans/PT-020/repayment-behaviour/assessments", {"assessed_on": "2025-07-16"}
    )
    assert again.status_code == 201, again.text
    assert again.json()["events"] == ["RepaymentBehaviourAssessed"]
    fine = api.post(
        "am", "/loans/PT-021/repayment-behaviour/assessments", {"assessed_on": "2025-07-15"}
    )
    assert fine.json()["events"] == ["RepaymentBehaviourAssessed"]

    summed = api.get(
        "risk",
        "/portfolio/repayment-behaviour",
        params={"on": "2025-07-15", "as_of_position": api.archive.recorder.max_notification_id()},
    )
    assert summed.status_code == 200, summed.text
    total = summed.json()
    assert (total["loans"], total["breaching_count"], total["signal"]) == (2, 1, "BEH-08")
    assert total["figures"]["late_episodes"]["loans_reaching"] == 1
    assert total["figures"]["partial_payments"]["total"] == 1
    assert [b["loan_no"] for b in total["breaching"]] == ["PT-020"]
    assessments = api.get(
        "risk",
        "/registers/repayment_register/assessments",
        params={"after": api.archive.recorder.max_notification_id()},
    ).json()["data"]
    assert [(a["assessed_on"], a["loan_no"], a["most_days_late"]) for a in assessments] == [
        ("2025-07-15", "PT-020", 35),
        ("2025-07-15", "PT-021", 0),
        ("2025-07-16", "PT-020", 35),
    ]


def test_the_console_lists_the_partners_with_their_figures_and_people_by_name(
    console: Console,
) -> None:
    """Rows 002-97, 000-39: the console's 合作机构 page shows each institution with its type,
    status, figures and the risk manager who registered it, by name."""
    risk_no, risk = PEOPLE[Role.RISK_MANAGER]
    made = console.archive.execute(
        CommandContext(console.archive.staff(risk_no).id),
        RegisterPartner(
            name=GUARANTOR["name"],
            kind=PartnerKind.GUARANTEE_COMPANY,
            credit_code=G_CODE,
            contact="钱经理",
            cooperation_from=date(2025, 1, 1),
            limit=Decimal("2000000.00"),
            registered_on=date(2025, 2, 1),
        ),
    )
    console.registers.wait(["partner_register", "loan_ledger"], made.position, 30)
    console.as_role(Role.RISK_MANAGER)
    page = console.get("/partners?on=2025-03-01")
    assert page.status_code == 200, page.text
    assert GUARANTOR["name"] in page.text
    assert "担保机构" in page.text
    assert "合作中" in page.text
    assert f"{risk}（{risk_no}）" in page.text
    assert "2000000.00" in page.text
