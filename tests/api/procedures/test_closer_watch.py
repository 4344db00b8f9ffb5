"""Closer watch of key and large customers and of third-party-serviced loans (重点监测).

The branch head puts the borrower of a corporate loan disbursed on 1 March 2025 on the
key-customer list (重点客户) on 1 April: the account manager then monitors it on site every
quarter (``watch.key_customer_on_site_months = 3``, 按季现场监测, 004-24), and the loan shows on
the watch list (003-87: 重点客户名单纳入关注类) without its grade changing. A loan of at least
``watch.large_customer_min_principal`` (额度较大) is monitored off site monthly (按月非现场监测,
004-18) from its value date, with no act needed. A loan serviced under the third-party model
(003-40) names the servicer and its contact: they are phoned every ten days (电话回访) and visited
on site twice a month (现场走访). Rules adopted before ``[watch]`` ask for none of it.
"""

from __future__ import annotations

import re
from typing import Any

from archive.core import CommandContext
from domain.rules import RuleSet
from domain.values import Role
from projections.rules_state import shipped_rules
from tests.api.conftest import Api, answered, disburse
from tests.api.console_harness import CSRF, PEOPLE, Console
from tests.factories import make_disbursement, make_upload

LOAN = "WT-001"
FINDINGS = "企业经营正常，销售回款稳定"


def inspect(api: Api, loan_no: str, on: str, kind: str) -> int:
    """An inspection of ``kind`` by the account manager (its checklist, if any, answered)."""
    checklist = api.get("am", f"/loans/{loan_no}/inspection-checklist?kind={kind}").json()
    answers = answered(checklist["code"]) if checklist["applies"] else {}
    body = {"kind": kind, "inspected_on": on, "reviewer_no": "RV001", "findings": FINDINGS}
    if checklist.get("counterpart"):  # a return visit's record names whom it reached
        body["counterpart"] = "钱伟"
    answer = api.post("am", f"/loans/{loan_no}/inspections", {**body, **answers})
    assert answer.status_code == 201, answer.text
    position: int = answer.json()["position"]
    return position


def tasks(api: Api, on: str, after: int, kind: str) -> list[dict[str, Any]]:
    answer = api.get("head", f"/tasks?on={on}&after={after}&kind={kind}")
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["data"]
    return found


def post(api: Api, who: str, path: str, body: dict[str, Any]) -> Any:
    return api.post(who, f"/loans/{LOAN}{path}", body)


def test_a_key_customer_is_monitored_on_site_every_quarter_and_stands_on_the_watch_list(
    api: Api,
) -> None:
    """Rows 004-24, 003-87, 000-20: designated by the branch head with the reason, the key
    customer's quarterly on-site monitoring is the account manager's task from the designation;
    an on-site inspection moves it a quarter on. The loan reads as a key customer's and the
    loan ledger lists it on the watch list, its grade untouched; taken off the list by a risk
    manager, the task is gone."""
    disburse(api, LOAN)
    done = post(
        api, "head", "/key-customer", {"designated_on": "2025-04-01", "reason": "授信集中度高"}
    )
    assert done.status_code == 201, done.text
    assert done.json()["events"] == ["KeyCustomerDesignated"]
    after = done.json()["position"]
    [task] = tasks(api, "2025-04-02", after, "key_customer_on_site")
    assert (task["kind_zh"], task["opens_on"], task["due_on"], task["owner_no"]) == (
        "重点客户现场监测",
        "2025-04-01",
        "2025-07-01",
        "AM001",
    )
    assert task["rule"] == "watch.key_customer_on_site_months = 3"

    loan = api.get("am", f"/loans/{LOAN}").json()
    assert loan["key_customer"]["since"] == "2025-04-01"
    assert loan["key_customer"]["reason"] == "授信集中度高"
    assert loan["grade"] == "normal"  # shown on the watch list, not reclassified
    ledger = api.get("head", f"/registers/loan_ledger?loan_no={LOAN}&after={after}").json()
    row = ledger["data"][0]
    assert (row["key_customer"], row["watch_list"]) == (True, True)

    # An off-site inspection does not make the on-site monitoring; an on-site one does.
    inspect(api, LOAN, "2025-05-10", "off_site")
    after = inspect(api, LOAN, "2025-06-20", "on_site")
    [task] = tasks(api, "2025-06-25", after, "key_customer_on_site")
    assert (task["opens_on"], task["due_on"]) == ("2025-06-21", "2025-09-20")
    assert tasks(api, "2025-10-01", after, "key_customer_on_site")[0]["overdue"] is True

    # Again: refused; taken off by a risk manager, with the reason.
    again = post(api, "risk", "/key-customer", {"designated_on": "2025-07-01", "reason": "再列"})
    assert again.status_code == 409, again.text
    off = post(
        api, "risk", "/key-customer/removal", {"removed_on": "2025-07-01", "reason": "风险缓释"}
    )
    assert off.status_code == 201, off.text
    assert off.json()["events"] == ["KeyCustomerRemoved"]
    assert tasks(api, "2025-10-01", off.json()["position"], "key_customer_on_site") == []
    assert api.get("am", f"/loans/{LOAN}").json()["key_customer"] is None


def test_only_the_branch_head_or_a_risk_manager_designates_and_a_reason_is_required(
    api: Api,
) -> None:
    """Rows 003-87, 000-20: the account manager may not designate the key customer; a blank
    reason or an unknown field is refused naming the field, and nothing is recorded."""
    disburse(api, LOAN)
    body = {"designated_on": "2025-04-01", "reason": "授信集中度高"}
    refused = post(api, "am", "/key-customer", body)
    assert refused.status_code == 403, refused.text
    blank = post(api, "head", "/key-customer", {**body, "reason": "  "})
    assert blank.status_code == 422, blank.text
    assert "reason" in blank.text
    early = post(api, "head", "/key-customer", {**body, "designated_on": "2025-02-01"})
    assert early.status_code == 422, early.text
    assert "designated_on" in early.text
    removal = post(
        api, "head", "/key-customer/removal", {"removed_on": "2025-04-01", "reason": "x"}
    )
    assert removal.status_code == 409, removal.text
    assert api.get("am", f"/loans/{LOAN}").json()["key_customer"] is None


def test_a_large_customer_is_monitored_off_site_every_month_from_its_value_date(api: Api) -> None:
    """Rows 004-18, 000-20: a loan of 20,000,000 元 reaches the rules' threshold (额度较大) and is
    monitored off site monthly from its value date, with no act needed; an off-site inspection
    moves the monitoring a month on. A loan below the threshold has none."""
    disburse(api, LOAN, principal="20000000.00")
    booked = disburse(api, "WT-002")
    [task] = tasks(api, "2025-03-05", booked["position"], "large_customer_off_site")
    assert (task["loan_no"], task["kind_zh"], task["opens_on"], task["due_on"]) == (
        LOAN,
        "大额客户非现场监测",
        "2025-03-01",
        "2025-04-01",
    )
    assert task["rule"] == ("watch.large_customer_off_site_months = 1 (principal >= 10000000)")
    after = inspect(api, LOAN, "2025-03-25", "off_site")
    [task] = tasks(api, "2025-03-26", after, "large_customer_off_site")
    assert (task["opens_on"], task["due_on"]) == ("2025-03-26", "2025-04-25")
    ledger = api.get("head", f"/registers/loan_ledger?loan_no={LOAN}&after={after}").json()
    assert ledger["data"][0]["large_customer"] is True


def test_a_third_party_serviced_loan_is_phoned_every_ten_days_and_visited_twice_a_month(
    api: Api,
) -> None:
    """Rows 003-40, 000-20: the branch head names the servicer and its contact; the contact is
    phoned every ten days (电话回访) and the borrower visited on site twice in each calendar month
    (现场走访), each the account manager's task, closed by inspections of those kinds."""
    disburse(api, LOAN)
    done = post(
        api,
        "head",
        "/third-party-service",
        {
            "servicer": "云溪融资服务有限公司",
            "contact": "钱伟",
            "contact_phone": "0571-88886666",
            "assigned_on": "2025-04-01",
        },
    )
    assert done.status_code == 201, done.text
    assert done.json()["events"] == ["ThirdPartyServiceAssigned"]
    after = done.json()["position"]
    [phone] = tasks(api, "2025-04-05", after, "third_party_phone_visit")
    assert (phone["subject"], phone["opens_on"], phone["due_on"]) == (
        "云溪融资服务有限公司（钱伟）",
        "2025-04-01",
        "2025-04-11",
    )
    [visit] = tasks(api, "2025-04-05", after, "third_party_on_site")
    assert (visit["subject"], visit["opens_on"], visit["due_on"], visit["rule"]) == (
        "2025-04",
        "2025-04-01",
        "2025-04-30",
        "watch.third_party_on_site_per_month = 2 (0 done)",
    )
    loan = api.get("am", f"/loans/{LOAN}").json()
    assert loan["third_party_service"]["contact"] == "钱伟"

    after = inspect(api, LOAN, "2025-04-08", "phone_visit")
    [phone] = tasks(api, "2025-04-09", after, "third_party_phone_visit")
    assert (phone["opens_on"], phone["due_on"]) == ("2025-04-09", "2025-04-18")

    after = inspect(api, LOAN, "2025-04-10", "on_site")
    [visit] = tasks(api, "2025-04-12", after, "third_party_on_site")
    assert visit["rule"].endswith("(1 done)")
    after = inspect(api, LOAN, "2025-04-20", "on_site")
    assert tasks(api, "2025-04-25", after, "third_party_on_site") == []
    [may] = tasks(api, "2025-05-02", after, "third_party_on_site")
    assert (may["subject"], may["due_on"]) == ("2025-05", "2025-05-31")

    same = post(
        api,
        "risk",
        "/third-party-service",
        {
            "servicer": "云溪融资服务有限公司",
            "contact": "钱伟",
            "contact_phone": "0571-88886666",
            "assigned_on": "2025-05-01",
        },
    )
    assert same.status_code == 422, same.text
    refused = post(
        api,
        "am",
        "/third-party-service",
        {"servicer": "某公司", "contact": "某人", "assigned_on": "2025-05-01"},
    )
    assert refused.status_code == 403, refused.text


def test_rules_adopted_before_the_watch_ask_for_no_closer_watch(api: Api) -> None:
    """Row 004-24: a rule set adopted before ``[watch]`` existed has no watch schedules: a key
    customer, a large loan and a third-party servicer open no task (the acts are still
    recorded)."""
    source = {k: v for k, v in shipped_rules().source.items() if k != "watch"}
    old = RuleSet.from_mapping(source)
    assert old.watch.key_customer_on_site_months is None
    assert api.archive.adopt_rules(old, source="an earlier release")
    disburse(api, LOAN, principal="20000000.00")
    post(api, "head", "/key-customer", {"designated_on": "2025-04-01", "reason": "集中度"})
    done = post(
        api,
        "head",
        "/third-party-service",
        {"servicer": "云溪融资服务有限公司", "contact": "钱伟", "assigned_on": "2025-04-01"},
    )
    assert done.status_code == 201, done.text
    after = done.json()["position"]
    for kind in (
        "key_customer_on_site",
        "large_customer_off_site",
        "third_party_phone_visit",
        "third_party_on_site",
        "maturity_notice",
    ):
        assert tasks(api, "2025-04-05", after, kind) == []


def test_the_branch_head_lists_a_key_customer_at_the_console_and_the_loan_shows_the_badge(
    console: Console,
) -> None:
    """Rows 003-87, 004-24 in the console: the loan page offers the branch head — not the
    account manager — the form that lists the borrower as a key customer; once sent, the page
    shows the watch badge and the reason, in Chinese."""
    am = CommandContext(console.archive.staff(PEOPLE[Role.ACCOUNT_MANAGER][0]).id)
    loan_no = "DK2026000950"
    console.archive.disburse(
        am,
        make_disbursement(loan_no),
        [make_upload("loan_contract"), make_upload("drawdown_receipt")],
    )
    console.as_role(Role.ACCOUNT_MANAGER)
    assert f"/loans/{loan_no}/key-customer/new" not in console.get(f"/loans/{loan_no}").text
    assert console.get(f"/loans/{loan_no}/key-customer/new").status_code == 403

    console.as_role(Role.BRANCH_HEAD)
    page = console.get(f"/loans/{loan_no}").text
    assert f"/loans/{loan_no}/key-customer/new" in page
    form = console.get(f"/loans/{loan_no}/key-customer/new")
    assert form.status_code == 200
    assert "列为重点客户的理由" in form.text
    token = CSRF.search(form.text)
    form_id = re.search(r'name="form_id" value="([0-9a-f]+)"', form.text)
    assert token
    assert form_id
    sent = console.post(
        f"/loans/{loan_no}/key-customer/new",
        {
            "csrf_token": token.group(1),
            "form_id": form_id.group(1),
            "designated_on": console.archive.today().isoformat(),
            "reason": "授信集中度高，列入重点客户名单",
        },
    )
    assert sent.status_code == 303, sent.text
    shown = console.get(sent.headers["location"]).text
    assert "已列为重点客户，纳入重点监测。" in shown
    assert "重点客户 · 纳入关注名单" in shown
    assert "授信集中度高，列入重点客户名单" in shown
    assert "列为重点客户" in shown.split('data-testid="timeline"', 1)[1]
