"""The reviewer's countersign of an inspection (复核意见), and what waits on it.

A corporate loan rated A disbursed on Saturday 1 March 2025: the account manager inspects it on
Monday 10 March naming 李娜 (RV001) as reviewer. Under the shipped rules
(``inspections.countersign_days = 5`` working days) she countersigns by Monday 17 March; until
then the inspection does not count, the queue holds her ``countersign`` task, and the
completeness register shows the inspection incomplete. A countersigned routine inspection opens
the quarterly re-classification (``classification.review_within_days = 10``), closed by a
classification proposal (初分) as of the inspection's date or later.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from archive.commands.inspections import RecordInspection
from archive.core import CommandContext
from domain.rules import RuleSet
from domain.values import InspectionKind, Role
from projections.rules_state import shipped_rules
from tests.api.conftest import Api, disburse
from tests.api.console_harness import CSRF, PEOPLE, Console
from tests.factories import answered, make_disbursement, make_upload

LOAN = "CS-001"
FINDINGS = "企业经营正常，销售回款稳定，抵押物状况良好"


def inspect(api: Api, on: str, kind: str = "first_follow_up", reviewer: str = "RV001") -> Any:
    """An inspection by the account manager, its checklist (if one applies) answered normal."""
    checklist = api.get("am", f"/loans/{LOAN}/inspection-checklist?kind={kind}").json()
    answers = answered(checklist["code"]) if checklist["applies"] else {}
    answer = api.post(
        "am",
        f"/loans/{LOAN}/inspections",
        {
            "kind": kind,
            "inspected_on": on,
            "reviewer_no": reviewer,
            "findings": FINDINGS,
            **answers,
        },
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def countersign(api: Api, who: str, inspection_id: str, on: str, **extra: Any) -> Any:
    return api.post(
        who,
        f"/loans/{LOAN}/inspections/{inspection_id}/countersign",
        {"opinion": "同意检查结论，资料齐全", "countersigned_on": on, **extra},
    )


def tasks(api: Api, who: str, on: str, after: int, kind: str = "") -> list[dict[str, Any]]:
    query = f"on={on}&after={after}" + (f"&kind={kind}" if kind else "")
    answer = api.get(who, f"/tasks?{query}" if who != "reviewer" else f"/tasks/mine?{query}")
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["data"]
    return found


def register(api: Api, listing: str, after: int) -> list[dict[str, Any]]:
    """The countersign requirements of the completeness register (``gaps`` or
    ``requirements``)."""
    path = "/registers/completeness" + ("" if listing == "gaps" else f"/{listing}")
    answer = api.get(
        "auditor", f"{path}?loan_no={LOAN}&rule_id=inspection.countersign&after={after}"
    )
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["data"]
    return found


def inspection_read(api: Api) -> dict[str, Any]:
    loan = api.get("am", f"/loans/{LOAN}")
    assert loan.status_code == 200, loan.text
    [record] = loan.json()["inspection_records"]
    found: dict[str, Any] = record
    return found


def test_the_named_reviewer_countersigns_and_the_inspection_then_counts(api: Api) -> None:
    """Rows 002-14, 003-72: the reviewer named on the inspection gives her opinion and the
    measures she proposes; the queue's countersign task is hers, due five working days after
    the inspection, and closes; only then does the first follow-up count (the schedule moves,
    in the queue and in the loan ledger alike)."""
    disburse(api, LOAN)
    recorded = inspect(api, "2025-03-10")
    inspection_id = recorded["ids"]["inspection_id"]

    waiting = tasks(api, "reviewer", "2025-03-12", recorded["position"])
    assert [
        (t["kind"], t["kind_zh"], t["owner_no"], t["due_on"], t["subject"]) for t in waiting
    ] == [("countersign", "检查复核", "RV001", "2025-03-17", f"2025-03-10 {inspection_id[:8]}")]
    assert waiting[0]["rule"] == "inspections.countersign_days = 5 working days"
    # Not yet countersigned: the first follow-up is still owed.
    first = tasks(api, "head", "2025-03-12", recorded["position"], "first_inspection")
    assert [t["due_on"] for t in first] == ["2025-03-16"]
    ledger = api.get("head", f"/registers/loan_ledger?loan_no={LOAN}&after={recorded['position']}")
    assert ledger.json()["data"][0]["first_inspected"] is False

    done = countersign(api, "reviewer", inspection_id, "2025-03-14", measures="按季跟踪回款")
    assert done.status_code == 201, done.text
    assert done.json()["events"] == ["InspectionCountersigned"]
    after = done.json()["position"]
    assert tasks(api, "reviewer", "2025-03-14", after) == []
    assert tasks(api, "head", "2025-03-14", after, "first_inspection") == []
    routine = tasks(api, "head", "2025-03-14", after, "routine_inspection")
    assert [t["due_on"] for t in routine] == ["2025-05-10"]  # rating A: every 2 months
    row = api.get("head", f"/registers/loan_ledger?loan_no={LOAN}&after={after}").json()["data"][0]
    assert (row["first_inspected"], row["next_inspection_due"]) == (True, "2025-05-10")

    read = inspection_read(api)
    assert {k: read[k] for k in ("countersigned", "countersigned_on", "countersign_late")} == {
        "countersigned": True,
        "countersigned_on": "2025-03-14",
        "countersign_late": False,
    }
    assert (read["countersign_opinion"], read["countersign_measures"]) == (
        "同意检查结论，资料齐全",
        "按季跟踪回款",
    )
    assert read["countersign_due_on"] == "2025-03-17"

    # Once only.
    again = countersign(api, "reviewer", inspection_id, "2025-03-15")
    assert again.status_code == 409, again.text
    assert "复核" in again.json()["detail"]["zh"]
    assert "already" in again.json()["detail"]["en"]


def test_the_inspector_another_reviewer_or_a_bad_date_is_refused_and_nothing_recorded(
    api: Api,
) -> None:
    """Rows 002-14, 003-72: only the named reviewer, holding the reviewer role, countersigns —
    not the inspector, not a reviewer the inspection does not name; not before the inspection,
    not in the future; every refusal in Chinese and English, nothing recorded."""
    disburse(api, LOAN)
    other = api.post(
        "admin",
        "/staff",
        {"staff_no": "RV002", "name": "钱进", "branch": "城东支行", "roles": ["reviewer"]},
    )
    assert other.status_code == 201, other.text
    api.headers["rv2"] = {"Authorization": f"Bearer {other.json()['token']}"}
    inspection_id = inspect(api, "2025-03-10")["ids"]["inspection_id"]
    before = api.counts()

    by_inspector = countersign(api, "am", inspection_id, "2025-03-12")
    assert by_inspector.status_code == 403, by_inspector.text
    assert "countersign_inspection" in by_inspector.json()["detail"]["en"]
    by_other = countersign(api, "rv2", inspection_id, "2025-03-12")
    assert by_other.status_code == 403, by_other.text
    assert "复核人" in by_other.json()["detail"]["zh"]
    assert "only the reviewer the inspection names" in by_other.json()["detail"]["en"]
    early = countersign(api, "reviewer", inspection_id, "2025-03-09")
    assert early.status_code == 422, early.text
    assert early.json()["context"]["field"] == "countersigned_on"
    future = countersign(api, "reviewer", inspection_id, "2999-01-01")
    assert future.status_code == 422, future.text
    blank = countersign(api, "reviewer", inspection_id, "2025-03-12", opinion="  ")
    assert blank.status_code == 422, blank.text
    assert api.counts() == before
    assert inspection_read(api)["countersigned"] is False


def test_a_late_countersign_is_accepted_and_marked_late(api: Api) -> None:
    """Rows 002-14, 003-72: after the deadline the countersign is recorded, marked late in the
    loan read and in the completeness register (filed late)."""
    disburse(api, LOAN)
    recorded = inspect(api, "2025-03-10")
    inspection_id = recorded["ids"]["inspection_id"]
    overdue = tasks(api, "reviewer", "2025-03-20", recorded["position"])
    assert [(t["kind"], t["overdue"]) for t in overdue] == [("countersign", True)]

    late = countersign(api, "reviewer", inspection_id, "2025-03-20")
    assert late.status_code == 201, late.text
    read = inspection_read(api)
    assert (read["countersign_late"], read["countersign_due_on"]) == (True, "2025-03-17")
    rows = register(api, "requirements", late.json()["position"])
    assert [(r["status"], r["due_on"], r["filed_on"], r["days_late"]) for r in rows] == [
        ("filed_late", "2025-03-17", "2025-03-20", 3)
    ]


def test_the_inspection_is_incomplete_until_countersigned(api: Api) -> None:
    """Rows 002-14, 003-72: the completeness register shows the inspection's countersign
    missing (a gap) until the reviewer gives it."""
    disburse(api, LOAN)
    recorded = inspect(api, "2025-03-10")
    gaps = register(api, "gaps", recorded["position"])
    assert [(g["doc_type_zh"], g["due_on"], g["status"]) for g in gaps] == [
        ("复核意见", "2025-03-17", "missing")
    ]
    done = countersign(api, "reviewer", recorded["ids"]["inspection_id"], "2025-03-11")
    assert done.status_code == 201, done.text
    after = done.json()["position"]
    assert register(api, "gaps", after) == []
    rows = register(api, "requirements", after)
    assert [(r["status"], r["filed_on"]) for r in rows] == [("filed", "2025-03-11")]


def test_a_countersigned_routine_inspection_opens_the_quarterly_reclassification(
    api: Api,
) -> None:
    """Rows 003-84, 003-86, 003-77: inspection and classification are started together and
    approved apart: the countersigned routine inspection opens the account manager's
    re-classification task, due ten days after the countersign, which a proposal (初分) as of
    the inspection's date closes; a proposal dated before it would not."""
    disburse(api, LOAN)
    first = inspect(api, "2025-03-10")
    signed = countersign(api, "reviewer", first["ids"]["inspection_id"], "2025-03-11")
    assert signed.status_code == 201, signed.text
    # A first follow-up is no routine inspection: no re-classification follows it.
    position = signed.json()["position"]
    assert tasks(api, "head", "2025-03-12", position, "periodic_reclassification") == []

    routine = inspect(api, "2025-05-08", kind="routine")
    done = countersign(api, "reviewer", routine["ids"]["inspection_id"], "2025-05-09")
    assert done.status_code == 201, done.text
    found = tasks(api, "head", "2025-05-12", done.json()["position"], "periodic_reclassification")
    assert [
        (t["kind_zh"], t["owner_no"], t["opens_on"], t["due_on"], t["subject"]) for t in found
    ] == [("季度风险分类更新", "AM001", "2025-05-09", "2025-05-19", "2025-05-08")]
    assert found[0]["rule"] == "classification.review_within_days = 10 after routine inspection"

    stale = api.post(
        "am",
        f"/loans/{LOAN}/classifications",
        {"grade": "normal", "reason": "按季分类，维持正常", "as_of": "2025-05-07"},
    )
    assert stale.status_code == 201, stale.text  # as of before the inspection: still open
    assert tasks(api, "head", "2025-05-12", stale.json()["position"], "periodic_reclassification")
    rejected = api.post(
        "risk",
        f"/loans/{LOAN}/classifications/{stale.json()['ids']['proposal_id']}/reject",
        {"reason": "基准日早于检查日"},
    )
    assert rejected.status_code in (200, 201), rejected.text
    proposed = api.post(
        "am",
        f"/loans/{LOAN}/classifications",
        {"grade": "normal", "reason": "按季分类，维持正常", "as_of": "2025-05-08"},
    )
    assert proposed.status_code == 201, proposed.text
    after = proposed.json()["position"]
    assert tasks(api, "head", "2025-05-12", after, "periodic_reclassification") == []


def test_an_inspection_under_rules_without_the_key_counts_once_recorded(api: Api) -> None:
    """Rows 002-14, 003-72: rules adopted before ``countersign_days`` existed require no
    countersign: the inspection counts at once, opens no countersign task and no gap; the
    reviewer may still countersign it."""
    source = dict(shipped_rules().source)
    source["inspections"] = {
        k: v for k, v in source["inspections"].items() if k != "countersign_days"
    }
    source["classification"] = {
        k: v for k, v in source["classification"].items() if k != "review_within_days"
    }
    old = RuleSet.from_mapping(source)
    assert (old.countersign_days, old.review_within_days) == (None, None)
    assert api.archive.adopt_rules(old, source="an earlier release")
    disburse(api, LOAN)
    recorded = inspect(api, "2025-03-10")
    position = recorded["position"]
    assert tasks(api, "reviewer", "2025-03-20", position) == []
    assert tasks(api, "head", "2025-03-20", position, "first_inspection") == []
    gaps = register(api, "gaps", position)
    assert gaps == []
    done = countersign(api, "reviewer", recorded["ids"]["inspection_id"], "2025-03-20")
    assert done.status_code == 201, done.text
    read = inspection_read(api)
    assert (read["countersigned"], read["countersign_late"], read["countersign_due_on"]) == (
        True,
        False,
        None,
    )


def test_the_reviewer_countersigns_from_her_work_queue_and_the_loan_page(console: Console) -> None:
    """Rows 002-14, 003-72 in the console: the reviewer's workbench lists the countersign task;
    the loan page offers her — and only her — the countersign form, in Chinese; once sent, the
    inspection is countersigned and the task is gone."""
    am = CommandContext(console.archive.staff(PEOPLE[Role.ACCOUNT_MANAGER][0]).id)
    loan_no = "DK2026000900"
    console.archive.disburse(
        am,
        make_disbursement(loan_no),
        [make_upload("loan_contract"), make_upload("drawdown_receipt")],
    )
    today = console.archive.today()
    checklist = console.archive.rule_set().checklists.for_inspection(
        InspectionKind.ROUTINE.value, console.archive.loan(loan_no).checklist_facts()
    )
    answers = answered(checklist.code) if checklist is not None else {}
    recorded = console.archive.execute(
        am,
        RecordInspection(
            loan_no=loan_no,
            kind=InspectionKind.ROUTINE,
            inspected_on=today,
            reviewer_no=PEOPLE[Role.REVIEWER][0],
            findings=FINDINGS,
            **answers,
        ),
    )
    console.registers.wait(["staff_directory", "work_queue", "completeness"], recorded.position, 30)
    inspection_id = recorded.ids["inspection_id"]
    path = f"/loans/{loan_no}/inspections/{inspection_id}/countersign"

    console.as_role(Role.POST_LOAN_OFFICER)
    assert path not in console.get(f"/loans/{loan_no}").text
    assert console.get(path).status_code == 403

    console.as_role(Role.REVIEWER)
    workbench = console.get("/").text
    assert "检查复核" in workbench
    assert loan_no in workbench
    loan_page = console.get(f"/loans/{loan_no}").text
    assert path in loan_page
    assert "复核" in loan_page
    # The countersign awaited is a gap named as the register names it, not by its code.
    gaps = loan_page.split('data-testid="gaps"', 1)[-1].split("</section>", 1)[0]
    assert "<td>复核意见</td>" in gaps
    assert ">countersign<" not in gaps
    form = console.get(path)
    assert form.status_code == 200, form.text
    for label in ("复核贷后检查", "复核日期", "复核意见", "建议措施"):
        assert label in form.text, label
    token = CSRF.search(form.text)
    form_id = re.search(r'name="form_id" value="([0-9a-f]+)"', form.text)
    assert token
    assert form_id
    sent = console.client.post(
        path,
        data={
            "csrf_token": token.group(1),
            "form_id": form_id.group(1),
            "countersigned_on": today.isoformat(),
            "opinion": "同意检查结论",
            "measures": "",
        },
        files=[("none", ("", b"", "application/pdf"))],
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    assert sent.headers["location"].startswith(f"/loans/{loan_no}?done=countersign")
    assert "贷后检查已复核。" in console.get(sent.headers["location"]).text
    loan = console.archive.get_loan(am, loan_no)
    assert loan.inspections[UUID(inspection_id)].countersign_opinion == "同意检查结论"
    assert path not in console.get(f"/loans/{loan_no}").text
