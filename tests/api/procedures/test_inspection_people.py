"""Who makes an inspection: the main and the assistant inspector (A岗, B岗), and the departments
joining the on-site inspection of a major risk matter (会同有关部门现场检查).

Rows 002-12 (贷后检查设A、B岗：A岗为主检查人，B岗为辅助检查人) and 000-68 (风险管理部负责对贷款
项目出现的重大风险事项，会同有关部门一起进行现场检查，共同提出处理意见). Under the shipped rules a
corporate loan of 3,000,000 元 or more needs a B岗 (``[managers] b_post_required``) and its
inspections of the kinds ``assistant_kinds`` list name their assistant inspector, another person
than the main one and the reviewer; a red signal (``[special] joint_colours``) makes the special
inspection joint: it is refused until the departments and people joining are named. Each is
named on the record, the generated report and the inspection register (贷后检查登记簿).
"""

from __future__ import annotations

import io
import json
from typing import Any

from pypdf import PdfReader

from tests.api.conftest import Api, checklist_answers, disburse

LOAN = "IP-001"
SMALL = "IP-002"


def inspect(api: Api, loan_no: str, kind: str, **extra: Any) -> Any:
    body = {
        "kind": kind,
        "inspected_on": extra.pop("inspected_on", "2025-03-20"),
        "reviewer_no": "RV001",
        "findings": "经营正常，按期付息",
        **checklist_answers(api, loan_no, kind),
        **extra,
    }
    return api.post("am", f"/loans/{loan_no}/inspections", body)


def refused(api: Api, answer: Any, before: Any, status: int, *words: str) -> None:
    assert answer.status_code == status, answer.text
    text = json.dumps(answer.json(), ensure_ascii=False)
    for word in words:
        assert word in text, text
    assert api.counts() == before


def register(api: Api, after: int, loan_no: str = LOAN) -> list[dict[str, Any]]:
    answer = api.get(
        "auditor", "/registers/inspection_register", params={"loan_no": loan_no, "after": after}
    )
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()["data"]
    return rows


def report_text(api: Api, loan_no: str, filename_part: str) -> str:
    """The text of the generated report whose file name has ``filename_part``."""
    dossier = api.get("auditor", f"/loans/{loan_no}/dossier")
    assert dossier.status_code == 200, dossier.text
    [document] = [d for d in dossier.json()["documents"] if filename_part in d["filename"]]
    read = api.get(
        "auditor",
        f"/loans/{loan_no}/documents/{document['sha256']}?purpose=audit&original=true",
    )
    assert read.status_code == 200, read.text
    reader = PdfReader(io.BytesIO(read.content))
    text = "".join(page.extract_text() for page in reader.pages)
    return text.replace(" ", "").replace("\n", "")


def test_an_inspection_of_a_loan_needing_a_b_post_names_its_assistant_inspector(
    api: Api,
) -> None:
    """Row 002-12: the first follow-up of a 5,000,000 元 corporate loan is refused without its
    assistant inspector (B岗), or with the main inspector or the reviewer as assistant; with
    another person it is recorded, both named on the record, the report and the register. A
    small loan needs no B岗: its inspection by one person stands. The assistant, having the
    same duties (A、B岗职责相同), may correct the record."""
    disburse(api, LOAN, principal="5000000.00")
    assigned = api.post(
        "head",
        f"/loans/{LOAN}/account-managers",
        {
            "a_manager_no": "AM001",
            "b_manager_no": "AM002",
            "assigned_on": "2025-03-05",
            "reason": "双人管户",
        },
    )
    assert assigned.status_code == 201, assigned.text
    before = api.counts()
    refused(api, inspect(api, LOAN, "first_follow_up"), before, 422, "assistant_no", "B岗")
    own = inspect(api, LOAN, "first_follow_up", assistant_no="AM001")
    refused(api, own, before, 403, "主检查人")
    reviewer = inspect(api, LOAN, "first_follow_up", assistant_no="RV001")
    refused(api, reviewer, before, 403, "辅助检查人")

    recorded = inspect(api, LOAN, "first_follow_up", assistant_no="AM002")
    assert recorded.status_code == 201, recorded.text
    inspection_id = recorded.json()["ids"]["inspection_id"]
    loan = api.get("auditor", f"/loans/{LOAN}").json()
    [inspection] = loan["inspection_records"]
    assert inspection["assistant_id"] == str(api.archive.staff("AM002").id)

    [row] = register(api, recorded.json()["position"])
    assert (
        row["kind"],
        row["inspector_name"],
        row["assistant_name"],
        row["reviewer_name"],
        row["joint"],
    ) == ("first_follow_up", "张伟（AM001）", "王芳（AM002）", "李娜（RV001）", False)
    text = report_text(api, LOAN, "first_follow_up")
    assert "主检查人（A岗）张伟（AM001）" in text, text
    assert "辅助检查人（B岗）王芳（AM002）" in text, text

    corrected = api.post(
        "am2",
        f"/loans/{LOAN}/inspections/{inspection_id}/corrections",
        {"findings": "经营正常，按期付息；库存偏高", "reason": "补充库存情况"},
    )
    assert corrected.status_code == 201, corrected.text
    [row] = register(api, corrected.json()["position"])
    assert (row["findings"], row["corrections"]) == ("经营正常，按期付息；库存偏高", 1)

    disburse(api, SMALL)  # 1,000,000 元: no B岗 needed
    alone = inspect(api, SMALL, "first_follow_up")
    assert alone.status_code == 201, alone.text
    [row] = register(api, alone.json()["position"], SMALL)
    assert (row["inspector_name"], row["assistant"], row["assistant_name"]) == (
        "张伟（AM001）",
        None,
        None,
    )


def test_the_special_inspection_of_a_red_signal_is_joint_and_names_who_took_part(
    api: Api,
) -> None:
    """Row 000-68: after a red signal the special inspection is refused until the departments
    and people joining are named (``joint``), each once and none of them an inspector or the
    reviewer; recorded, the report and the register list them by department and name. An
    orange signal (not a joint colour) opens a special inspection the branch makes alone, and
    a phone visit cannot be joined."""
    disburse(api, SMALL)
    orange = api.post(
        "officer",
        f"/loans/{SMALL}/warnings",
        {"code": "BEH-05", "raised_on": "2025-04-01", "reason": "资金挪用"},
    )
    assert orange.status_code == 201, orange.text
    alone = inspect(api, SMALL, "special", inspected_on="2025-04-03")
    assert alone.status_code == 201, alone.text

    red = api.post(
        "officer",
        f"/loans/{SMALL}/warnings",
        {"code": "GUA-04", "raised_on": "2025-04-05", "reason": "保证人失联"},
    )
    assert red.status_code == 201, red.text
    risk = {"department": "风险管理部", "staff_no": "RM001"}
    before = api.counts()
    refused(
        api, inspect(api, SMALL, "special", inspected_on="2025-04-08"), before, 422, "joint", "会同"
    )
    twice = inspect(api, SMALL, "special", inspected_on="2025-04-08", joint=[risk, risk])
    refused(api, twice, before, 422, "joint")
    inspector = inspect(
        api,
        SMALL,
        "special",
        inspected_on="2025-04-08",
        joint=[{"department": "公司业务部", "staff_no": "AM001"}],
    )
    refused(api, inspector, before, 422, "joint")
    visit = api.post(
        "am",
        f"/loans/{SMALL}/inspections",
        {
            "kind": "phone_visit",
            "inspected_on": "2025-04-08",
            "reviewer_no": "RV001",
            "findings": "电话回访",
            "joint": [risk],
        },
    )
    refused(api, visit, before, 422, "joint")

    joint = [risk, {"department": "资产保全部", "staff_no": "BH001"}]
    recorded = inspect(api, SMALL, "special", inspected_on="2025-04-08", joint=joint)
    assert recorded.status_code == 201, recorded.text
    rows = {r["inspected_on"]: r for r in register(api, recorded.json()["position"], SMALL)}
    assert rows["2025-04-03"]["joint"] is False
    row = rows["2025-04-08"]
    assert (row["joint"], row["joint_departments"], row["joint_people_name"]) == (
        True,
        "风险管理部；资产保全部",
        "陈静（RM001）、赵刚（BH001）",
    )
    text = report_text(api, SMALL, "2025-04-08-special")
    assert "会同检查部门及人员风险管理部陈静（RM001）；资产保全部赵刚（BH001）" in text, text
    loan = api.get("auditor", f"/loans/{SMALL}").json()
    [joined] = [i for i in loan["inspection_records"] if i["joint"]]
    assert [j["department"] for j in joined["joint"]] == ["风险管理部", "资产保全部"]

    # The red signal inspected jointly, a later special inspection may be the branch's alone.
    later = inspect(api, SMALL, "special", inspected_on="2025-04-20")
    assert later.status_code == 201, later.text
