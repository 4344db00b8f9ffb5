"""Return visits (贷后回访) and the closer watch of a loan with a warning signal open.

A corporate loan disbursed on 1 March 2025 is serviced under the third-party model from 1 April
(第三方服务模式, ``[watch]``): its contact is phoned every ten days and the borrower visited on
site twice a month. Each phone visit answers the 电话回访记录 (the seven things asked: the
contact, the actual controller, production stopped or not, the last ten days' sales and
purchases, orders, wages, anything else) and each on-site visit the 现场回访记录 (eleven), both
naming whom they reached (有记录：时间、对象、内容); an on-site visit files the photo taken with
the actual controller (与实际控制人合影照片). The answers end in a risk judgment the loan ledger
shows (反映到系统并进行风险评估).

A warning signal open on the loan (raised, not cleared) raises the on-site frequency
(``watch.open_signal_on_site_days``: red every 7 days, orange — 停产半停产, OPS-01 — every 15)
until it is cleared; and the 风险预警信号处理表 filled in when the signal is found is filed with
its raising and serves its handling.
"""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api, disburse, pdf

LOAN = "RV-001"
BASE = f"/loans/{LOAN}"
CONTACT = "云溪融资服务有限公司 钱伟"


def serviced(api: Api) -> None:
    disburse(api, LOAN)
    done = api.post(
        "head",
        f"{BASE}/third-party-service",
        {"servicer": "云溪融资服务有限公司", "contact": "钱伟", "assigned_on": "2025-04-01"},
    )
    assert done.status_code == 201, done.text


def checklist(api: Api, kind: str) -> dict[str, Any]:
    answer = api.get("am", f"{BASE}/inspection-checklist?kind={kind}")
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def answers(found: dict[str, Any], **abnormal: str) -> list[dict[str, str]]:
    return [
        {"item": i["code"], "result": "abnormal", "note": abnormal[i["code"]]}
        if i["code"] in abnormal
        else {"item": i["code"], "result": "normal"}
        for i in found["items"]
    ]


def visit(api: Api, body: dict[str, Any], photos: tuple[str, ...] = ()) -> Any:
    body = {"reviewer_no": "RV001", **body}
    if not photos:
        return api.post("am", f"{BASE}/inspections", body)
    on = body["inspected_on"]
    files = [(t, (f"{t}.pdf", pdf(f"{t} {on}"), "application/pdf")) for t in photos]
    return api.upload("am", f"{BASE}/inspections", body, files)


def tasks(api: Api, on: str, after: int, kind: str) -> list[dict[str, Any]]:
    answer = api.get("head", f"/tasks?on={on}&after={after}&kind={kind}")
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["data"]
    return found


def requirements(api: Api, rule_id: str, after: int) -> list[dict[str, Any]]:
    answer = api.get(
        "auditor",
        f"/registers/completeness/requirements?loan_no={LOAN}&rule_id={rule_id}&after={after}",
    )
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["data"]
    return found


def test_return_visits_answer_their_records_naming_whom_they_reached(api: Api) -> None:
    """Rows 000-29, 000-33, 003-12, 003-41, 003-42, 003-43: the third-party-serviced loan's
    phone visit answers the seven items of the 电话回访记录 and names the contact reached; its
    abnormal answer (半停产) ends in a 关注 judgment the loan ledger shows, and the ten-day
    phone task moves on. The on-site visit answers the eleven items of the 现场回访记录, files
    the photo with the actual controller (no gap), and counts towards the two visits of the
    month; one without that photo leaves the gap ``inspection.return_visit_photo``."""
    serviced(api)
    phone = checklist(api, "phone_visit")
    assert (phone["code"], phone["zh"], len(phone["items"]), phone["counterpart"]) == (
        "third_party_phone_visit",
        "电话回访记录",
        7,
        True,
    )
    assert "工资按时发放（期间为发工资日）" in {i["zh"] for i in phone["items"]}
    site = checklist(api, "on_site")
    assert (site["code"], len(site["items"]), site["counterpart"]) == (
        "third_party_site_visit",
        11,
        True,
    )

    called = visit(
        api,
        {
            "kind": "phone_visit",
            "inspected_on": "2025-04-08",
            "findings": "电话回访：二号车间半停产，其余正常",
            "counterpart": CONTACT,
            "answers": answers(phone, **{"R-03": "二号车间因订单不足半停产"}),
            "judgment": "watch",
            "measures": "下次现场回访核实开工率",
        },
    )
    assert called.status_code == 201, called.text
    after = called.json()["position"]
    [record] = api.get("am", BASE).json()["inspection_records"]
    assert (record["inspected_on"], record["counterpart"], record["checklist"]) == (
        "2025-04-08",
        CONTACT,
        "third_party_phone_visit",
    )
    assert (record["abnormal"], record["judgment"]) == (1, "watch")
    ledger = api.get("officer", f"/registers/loan_ledger?loan_no={LOAN}&after={after}")
    assert ledger.status_code == 200, ledger.text
    [row] = ledger.json()["data"]
    assert (row["last_judgment"], row["last_abnormal"]) == ("关注", 1)
    [call] = tasks(api, "2025-04-09", after, "third_party_phone_visit")
    assert call["due_on"] == "2025-04-18"

    on_site = {
        "kind": "on_site",
        "findings": "现场回访：开工率约七成，实际控制人在厂",
        "counterpart": "实际控制人王建国",
        "answers": answers(site),
        "judgment": "normal",
    }
    both = ("site_photo", "controller_photo")
    first = visit(api, {**on_site, "inspected_on": "2025-04-10"}, both)
    assert first.status_code == 201, first.text
    assert "controller_photo" in {d["doc_type"] for d in first.json()["documents"]}
    second = visit(api, {**on_site, "inspected_on": "2025-04-20"}, ("site_photo",))
    assert second.status_code == 201, second.text
    after = second.json()["position"]
    assert sorted(
        r["status"] for r in requirements(api, "inspection.return_visit_photo", after)
    ) == [
        "filed",
        "missing",
    ]
    assert tasks(api, "2025-04-25", after, "third_party_on_site") == []


def test_a_return_visit_without_whom_it_reached_or_an_item_is_refused_recording_nothing(
    api: Api,
) -> None:
    """Rows 003-41, 003-43: the record of a return visit names whom it reached — left out or
    blank, refused naming ``counterpart`` in Chinese and English; an item left unanswered is
    refused naming ``answers``; nothing is recorded."""
    serviced(api)
    phone = checklist(api, "phone_visit")
    good = {
        "kind": "phone_visit",
        "inspected_on": "2025-04-08",
        "findings": "电话回访，经营正常",
        "counterpart": CONTACT,
        "answers": answers(phone),
        "judgment": "normal",
    }
    before = api.counts()
    for change, field in (
        ({"counterpart": None}, "counterpart"),
        ({"counterpart": "   "}, "counterpart"),
        ({"answers": answers(phone)[1:]}, "answers"),
    ):
        refused = visit(api, {**good, **change})
        assert refused.status_code == 422, (field, refused.text)
        body = refused.json()
        assert body["context"]["field"] == field, (field, body)
        assert body["detail"]["zh"], body
        assert body["detail"]["en"], body
    assert api.counts() == before
    assert api.get("am", BASE).json()["inspections"] == 0


def raise_signal(api: Api, code: str, on: str, files: tuple[str, ...] = ()) -> dict[str, Any]:
    body = {"code": code, "raised_on": on, "reason": "回访发现"}
    uploads = [(t, (f"{t}.pdf", pdf(f"{t} {code}"), "application/pdf")) for t in files]
    path = f"{BASE}/warnings"
    answer = (
        api.upload("officer", path, body, uploads) if files else api.post("officer", path, body)
    )
    assert answer.status_code == 201, answer.text
    found: dict[str, Any] = answer.json()
    return found


def step(api: Api, who: str, signal: str, verb: str, body: dict[str, Any]) -> int:
    answer = api.post(who, f"{BASE}/warnings/{signal}/{verb}", body)
    assert answer.status_code == 201, answer.text
    position: int = answer.json()["position"]
    return position


def test_an_open_signal_raises_the_on_site_frequency_until_it_is_cleared(api: Api) -> None:
    """Rows 002-23, 002-24, 003-18, 003-49, 004-26, 002-45: the catalogue has the signals of
    trouble (停产半停产, 劳资紧张/罢工, 管理人失踪或被采取强制措施, 拖欠工资); a yellow signal leaves the routine
    schedule; OPS-01 (停产半停产, orange) raised on 1 April with its 风险预警信号处理表 asks for an
    on-site inspection every 15 days, moved by the on-site inspection of 10 April; the handling
    on 2 April brings no form, yet the form filed when the signal was found serves it (filed,
    not missing). Once the signal is cleared through the closed loop the closer watch ends."""
    disburse(api, LOAN)
    listed = {s["code"]: s for s in api.get("officer", "/warning-catalogue").json()}
    troubles = {code: listed[code]["colour"] for code in ("OPS-01", "OPS-02", "OPS-07", "OPS-09")}
    assert troubles == {"OPS-01": "orange", "OPS-02": "red", "OPS-07": "orange", "OPS-09": "orange"}
    assert "罢工" in listed["OPS-09"]["name"]
    assert "强制措施" in listed["OPS-02"]["name"]
    yellow = raise_signal(api, "EXT-04", "2025-03-20")
    assert tasks(api, "2025-03-25", yellow["position"], "signal_watch_on_site") == []
    raised = raise_signal(api, "OPS-01", "2025-04-01", ("warning_form",))
    signal = raised["ids"]["signal_id"]
    [task] = tasks(api, "2025-04-02", raised["position"], "signal_watch_on_site")
    assert (task["kind_zh"], task["opens_on"], task["due_on"], task["rule"]) == (
        "预警客户加密现场监测",
        "2025-04-01",
        "2025-04-16",
        "watch.open_signal_on_site_days.orange = 15",
    )

    handled = step(
        api, "risk", signal, "handle", {"handled_on": "2025-04-02", "measures": "查封预查"}
    )
    [form] = requirements(api, "warning.form", handled)
    assert (form["status"], form["filed_on"]) == ("filed", "2025-04-01")

    inspected = visit(
        api,
        {
            "kind": "on_site",
            "inspected_on": "2025-04-10",
            "findings": "停产车间设备、存货已清点，资产无转移",
            "answers": answers(checklist(api, "on_site")),
            "figures": {
                "total_assets": "52000000.00",
                "total_liabilities": "30000000.00",
                "sales_revenue": "9000000.00",
                "net_profit": "-120000.00",
                "operating_cash_flow": "-50000.00",
                "other_bank_financing": "8000000.00",
                "external_guarantees": "0",
            },
            "judgment": "normal",
        },
        ("site_photo",),
    )
    assert inspected.status_code == 201, inspected.text
    [task] = tasks(api, "2025-04-30", inspected.json()["position"], "signal_watch_on_site")
    assert (task["opens_on"], task["due_on"], task["overdue"]) == ("2025-04-11", "2025-04-25", True)

    step(api, "officer", signal, "feedback", {"feedback_on": "2025-04-20", "result": "已复产"})
    body = {"determined_on": "2025-04-21", "confirmed": True, "opinion": "属实，已化解"}
    step(api, "reviewer", signal, "determine", body)
    cleared = step(api, "head", signal, "clear", {"cleared_on": "2025-04-22", "reason": "复产"})
    assert tasks(api, "2025-04-30", cleared, "signal_watch_on_site") == []
