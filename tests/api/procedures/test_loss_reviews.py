"""三个不放过: every loss reviewed for its cause, the persons responsible and the remedy.

A loan of 杭州示例机械制造有限公司 (城东支行), downgraded to 次级 at 95 days overdue, is downgraded
again to 可疑 on 1 October 2025: a loss. From that day its review is owed — the risk manager's
task while the cause, the persons responsible and the measures are recorded, the branch
head's once they are, due 30 days after the loss (``[accountability] loss_review_days``). The
account manager having been found responsible for the collection (责任认定), naming him links
the determination. The review is closed only once all three are recorded, by someone who
recorded none of it. The loan's read and the 三个不放过台账 (``npl_register/loss_reviews``, with
its export) show it; the write-off that follows is a loss of its own. Through the HTTP API, on
SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api, disburse, pdf
from tests.api.procedures.test_disposal_plans import downgrade

LOAN = "LR-001"


def loss_tasks(api: Api, on: str, after: int) -> list[tuple[str, str, str, str]]:
    answer = api.get("head", f"/tasks?on={on}&after={after}&kind=loss_review")
    assert answer.status_code == 200, answer.text
    return [
        (t["subject"], t["owner_role"], t["opens_on"], t["due_on"])
        for t in answer.json()["data"]
        if t["loan_no"] == LOAN
    ]


def register(api: Api, after: int, **params: str) -> list[dict[str, Any]]:
    api.client.app.state.registers.wait(["npl_register"], after, 60)
    answer = api.get(
        "auditor", "/registers/npl_register/loss_reviews", params={"after": after, **params}
    )
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()["data"]
    return rows


def to_doubtful(api: Api) -> int:
    base = f"/loans/{LOAN}/classifications"
    grade = {"grade": "doubtful", "sub_grade": "doubtful", "reason": "担保人失联，预计损失较大"}
    proposed = api.post("am", base, {**grade, "as_of": "2025-10-01"})
    assert proposed.status_code == 201, proposed.text
    proposal = proposed.json()["ids"]["proposal_id"]
    for who, action, body in (
        ("reviewer", "determine", grade),
        ("risk2", "approve", {"reason": "同意下调"}),
    ):
        answer = api.post(who, f"{base}/{proposal}/{action}", body)
        assert answer.status_code == 201, answer.text
    position: int = answer.json()["position"]
    return position


def refused(api: Api, who: str, path: str, body: dict[str, Any], status: int) -> dict[str, Any]:
    before = api.counts()
    answer = api.post(who, path, body)
    assert answer.status_code == status, answer.text
    assert api.counts() == before
    found: dict[str, Any] = answer.json()
    return found


def test_a_loss_is_reviewed_for_cause_responsibility_and_remedy_then_closed_by_another(
    api: Api,
) -> None:
    """Row 004-20 (LOS-01 to LOS-04)."""
    disburse(api, LOAN)
    downgrade(api, LOAN)  # 次级 on 1 September 2025: not a loss
    determined = api.post(
        "auditor",
        f"/loans/{LOAN}/responsibility",
        {
            "person_no": "AM001",
            "stage": "collection",
            "finding": "secondary",
            "sanction": "通报批评",
            "reason": "逾期后未按期上门催收",
        },
    )
    assert determined.status_code == 201, determined.text
    determination = determined.json()["ids"]["determination_id"]
    assert loss_tasks(api, "2025-09-20", determined.json()["position"]) == []

    position = to_doubtful(api)
    assert loss_tasks(api, "2025-10-02", position) == [
        ("downgrade 2025-10-01", "risk_manager", "2025-10-01", "2025-10-31")
    ]
    [row] = register(api, position)
    assert (row["loss"], row["loss_on"], row["status"]) == ("downgrade", "2025-10-01", "owed")

    path = f"/loans/{LOAN}/loss-reviews"
    first = {
        "loss": "downgrade",
        "loss_on": "2025-10-01",
        "analysed_on": "2025-10-08",
        "cause": "借款人主要下游客户破产，应收账款无法收回；贷后检查未及时发现担保人经营恶化",
        "responsible": ["AM001"],
    }
    wrong = refused(api, "risk", path, {**first, "loss_on": "2025-09-01"}, 422)
    assert wrong["context"]["field"] == "loss_on"
    opened = api.post("risk", path, first)
    assert opened.status_code == 201, opened.text
    review = opened.json()["ids"]["review_id"]
    after = opened.json()["position"]
    [row] = register(api, after)
    assert row["status"] == "recording"
    assert row["responsible_name"] == "张伟（AM001）"
    assert row["determinations"] == 1
    loan = api.get("auditor", f"/loans/{LOAN}").json()
    [loss] = loan["losses"]
    assert (loss["loss_zh"], loss["determinations"], loss["complete"]) == (
        "下调为可疑/损失类",
        [determination],
        False,
    )

    closure = {"closed_on": "2025-10-20", "opinion": "原因已查清，责任已落实，措施已到位"}
    early = refused(api, "head", f"{path}/{review}/closure", closure, 409)
    assert "整改及清收保全措施和责任人" in early["detail"]["zh"]

    measures = {
        "analysed_on": "2025-10-10",
        "measures": "起诉保证人并申请财产保全；追加抵押；整改贷后检查频次",
        "measures_owner": "PL001",
    }
    amended = api.post("am", f"{path}/{review}", measures)
    assert amended.status_code == 201, amended.text
    after = amended.json()["position"]
    assert loss_tasks(api, "2025-10-12", after) == [
        ("downgrade 2025-10-01", "branch_head", "2025-10-01", "2025-10-31")
    ]
    [row] = register(api, after)
    assert (row["status"], row["measures_owner_name"]) == ("to_close", "刘洋（PL001）")
    assert row["recorded_by_name"] == "陈静（RM001）、张伟（AM001）"

    refused(api, "risk", f"{path}/{review}/closure", closure, 403)  # recorded it
    closed = api.post("head", f"{path}/{review}/closure", closure)
    assert closed.status_code == 201, closed.text
    after = closed.json()["position"]
    assert loss_tasks(api, "2025-10-21", after) == []
    [row] = register(api, after, status="closed")
    assert (row["closed_on"], row["closed_by_name"]) == ("2025-10-20", "赵刚（BH001）")
    refused(api, "am", f"{path}/{review}", measures, 409)  # closed: no more amendments

    export = api.get("auditor", f"/registers/npl_register/loss_reviews?after={after}&format=csv")
    assert export.status_code == 200, export.text
    header = export.text.lstrip("\ufeff").splitlines()[0].split(",")
    assert header[:4] == ["借据号", "借款人", "机构", "损失类型"]
    assert "三个不放过办理状态" in header
    assert "已办结" in export.text
    assert "张伟（AM001）" in export.text

    # The write-off that follows is a loss of its own, owed from its day.
    evidence = ("破产裁定书.pdf", pdf("bankruptcy ruling"), "application/pdf")
    written = api.upload(
        "head",
        f"/loans/{LOAN}/write-off",
        {"written_off_on": "2025-11-15", "criterion": "bankruptcy", "reason": "借款人破产"},
        [("writeoff_evidence", evidence)],
    )
    assert written.status_code == 201, written.text
    after = written.json()["position"]
    assert loss_tasks(api, "2025-11-16", after) == [
        ("write_off 2025-11-15", "risk_manager", "2025-11-15", "2025-12-15")
    ]
    assert [r["loss"] for r in register(api, after)] == ["downgrade", "write_off"]
