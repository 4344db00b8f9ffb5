"""The registers over HTTP: read-your-writes, filters, sorting, paging, "as of", exports, refusals."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from tests.api.conftest import Api, disburse, pdf


def approve_grade(api: Api, loan_no: str, grade: str, reason: str) -> int:
    """Propose a grade as the account manager, determine it (认定) as the reviewer, approve it as
    the risk manager; the position."""
    proposed = api.post(
        "am",
        f"/loans/{loan_no}/classifications",
        {"grade": grade, "reason": reason, "as_of": "2025-09-05"},
    )
    assert proposed.status_code == 201, proposed.text
    proposal = proposed.json()["ids"]["proposal_id"]
    determined = api.post(
        "reviewer",
        f"/loans/{loan_no}/classifications/{proposal}/determine",
        {"grade": grade, "reason": "同意初分"},
    )
    assert determined.status_code == 201, determined.text
    approved = api.upload(
        "risk",
        f"/loans/{loan_no}/classifications/{proposal}/approve",
        {"reason": "同意"},
        [("classification_form", ("五级分类认定表.pdf", pdf("form"), "application/pdf"))],
    )
    assert approved.status_code == 201, approved.text
    return int(approved.json()["position"])


def test_a_command_is_in_the_loan_ledger_when_read_after_its_position(api: Api) -> None:
    position = disburse(api, "RL-001")["position"]

    answer = api.get("officer", f"/registers/loan_ledger?after={position}&loan_no=RL-001")

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["position"] >= position
    assert body["total"] == 1
    (row,) = body["data"]
    assert row["loan_no"] == "RL-001"
    assert row["balance"] == "1000000.00"
    assert row["grade"] == "normal"
    assert row["next_inspection_due"] == "2025-03-16"  # corporate: first follow-up in 15 days
    assert {"name": "grade", "zh": "五级分类", "en": "grade", "filter": True} in body["columns"]


def test_the_ledger_filters_sorts_pages_and_answers_as_of_an_earlier_position(api: Api) -> None:
    for n, principal in enumerate(["300000.00", "100000.00", "200000.00"], start=1):
        disburse(api, f"RL-10{n}", principal=principal)
    before = api.counts()[0]
    after = approve_grade(api, "RL-102", "special_mention", "本金逾期35天")

    by_balance = api.get("officer", f"/registers/loan_ledger?after={after}&sort=-balance&limit=2")
    assert [r["loan_no"] for r in by_balance.json()["data"]] == ["RL-101", "RL-103"]
    assert by_balance.json()["total"] == 3
    second_page = api.get("officer", "/registers/loan_ledger?sort=-balance&limit=2&offset=2")
    assert [r["loan_no"] for r in second_page.json()["data"]] == ["RL-102"]

    watched = api.get("officer", "/registers/loan_ledger?grade=special_mention")
    assert [r["loan_no"] for r in watched.json()["data"]] == ["RL-102"]

    then = api.get("officer", f"/registers/loan_ledger?as_of_position={before}&loan_no=RL-102")
    assert then.json()["data"][0]["grade"] == "normal"
    now = api.get("officer", "/registers/loan_ledger?loan_no=RL-102")
    assert now.json()["data"][0]["grade"] == "special_mention"


def test_exports_open_with_chinese_headers_and_the_rows(api: Api) -> None:
    disburse(api, "RL-201")
    position = disburse(api, "RL-202", principal="50000.00")["position"]

    xlsx = api.get("officer", f"/registers/loan_ledger?format=xlsx&after={position}")
    assert xlsx.status_code == 200, xlsx.text
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("借据号", "借款人编号", "借款人", "借款人类型")
    assert [(r[0], r[3]) for r in rows[1:]] == [("RL-201", "企业"), ("RL-202", "企业")]
    balance = rows[0].index("贷款余额")
    assert [r[balance] for r in rows[1:]] == [1000000.0, 50000.0]

    text = api.get("officer", "/registers/loan_ledger?format=csv&loan_no=RL-202").content
    assert text.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert table[0][0] == "借据号"
    assert [r[0] for r in table[1:]] == ["RL-202"]
    assert "五级分类" in table[0]
    assert table[1][table[0].index("五级分类")] == "正常"


def test_bad_register_queries_are_refused_with_what_is_wrong(api: Api) -> None:
    disburse(api, "RL-301")
    cases = [
        ("/registers/loan_ledger?colour=red", 422, "colour"),
        ("/registers/loan_ledger?sort=nonsense", 422, "nonsense"),
        ("/registers/loan_ledger?as_of=yesterday", 422, "as_of"),
        ("/registers/loan_ledger?days_overdue=many", 422, "days_overdue"),
        ("/registers/no_such_register", 404, None),
        ("/registers/loan_ledger?limit=0", 422, "limit"),
    ]
    for path, status, named in cases:
        answer = api.get("officer", path)
        assert answer.status_code == status, (path, answer.text)
        body = answer.json()
        assert body["detail"]["zh"], body
        assert body["detail"]["en"], body
        if named:
            assert named in body["detail"]["en"] or named in str(body["context"]), body


def test_registers_need_a_token(api: Api) -> None:
    assert api.client.get("/api/v1/registers/loan_ledger").status_code == 401
    listed = api.get("officer", "/registers")
    assert listed.status_code == 200
    assert "loan_ledger" in {r["name"] for r in listed.json()["data"]}


def test_registers_and_loans_answer_on_a_business_date_and_as_recorded_then(api: Api) -> None:
    """业务日期 and 记录时点 over HTTP: a late repayment changes the days after its date; what
    was known before it was recorded stays as it was; exports say which times they are of."""
    disburse(api, "RL-ON1")  # value date 2025-03-01, 1,000,000.00
    overdue = api.post(
        "officer",
        "/loans/RL-ON1/overdue-status",
        {
            "as_of": "2025-09-05",
            "days_overdue": 35,
            "overdue_principal": "50000.00",
            "overdue_interest": "3625.00",
        },
    )
    assert overdue.status_code == 201, overdue.text
    known = approve_grade(api, "RL-ON1", "special_mention", "本金逾期35天")  # as of 2025-09-05
    late = api.post(  # a repayment made on 2025-06-30, entered only now
        "officer",
        "/loans/RL-ON1/repayments",
        {"paid_on": "2025-06-30", "principal": "100000.00", "interest": "0.00"},
    )
    assert late.status_code == 201, late.text
    after = late.json()["position"]

    def ledger(query: str) -> dict[str, object]:
        answer = api.get("officer", f"/registers/loan_ledger?loan_no=RL-ON1&after={after}&{query}")
        assert answer.status_code == 200, answer.text
        (row,) = answer.json()["data"]
        return {k: row[k] for k in ("grade", "balance", "days_overdue")}

    assert ledger("on=2025-06-29") == {
        "grade": "normal",
        "balance": "1000000.00",
        "days_overdue": 0,
    }
    assert ledger("on=2025-06-30") == {"grade": "normal", "balance": "900000.00", "days_overdue": 0}
    assert ledger("on=2025-09-05") == {
        "grade": "special_mention",
        "balance": "900000.00",
        "days_overdue": 35,
    }
    # What the archive knew of 2025-06-30 before the repayment was entered.
    assert ledger(f"on=2025-06-30&as_of_position={known}") == {
        "grade": "normal",
        "balance": "1000000.00",
        "days_overdue": 0,
    }
    before = api.get("officer", "/registers/loan_ledger?loan_no=RL-ON1&on=2025-02-28")
    assert before.json()["total"] == 0  # not yet disbursed on that day
    assert before.json()["as_of"]["on"] == "2025-02-28"
    assert before.headers["X-Dossier-On"] == "2025-02-28"

    loan = api.get("officer", "/loans/RL-ON1?on=2025-06-30")
    assert loan.status_code == 200, loan.text
    assert (loan.json()["grade"], loan.json()["balance"]) == ("normal", "900000.00")
    then = api.get("officer", f"/loans/RL-ON1?on=2025-09-30&as_of_position={known}")
    assert (then.json()["grade"], then.json()["balance"]) == ("special_mention", "1000000.00")
    missing = api.get("officer", "/loans/RL-ON1?on=2025-02-28")
    assert missing.status_code == 404, missing.text
    assert "2025-02-28" in missing.json()["detail"]["zh"]
    bad = api.get("officer", "/registers/loan_ledger?on=2025-02-30")
    assert bad.status_code == 422, bad.text
    assert "on" in bad.text
    future = api.get("officer", "/registers/loan_ledger?on=2099-01-01")
    assert future.status_code == 422, future.text
    assert "晚于今日" in future.json()["detail"]["zh"]
    last_day = api.get("officer", "/registers/loan_ledger?loan_no=RL-ON1&as_of=9999-12-31")
    assert last_day.status_code == 200, last_day.text
    assert last_day.json()["total"] == 1
    assert api.get("officer", "/loans/RL-ON1?as_of=9999-12-31").status_code == 200

    exported = api.get("officer", "/registers/loan_ledger?on=2025-06-30&format=xlsx")
    assert exported.status_code == 200
    assert "-on-2025-06-30" in exported.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(exported.content))
    stated = {row[0]: row[1] for row in book["查询条件"].iter_rows(values_only=True)}
    assert stated["业务日期 / business date (on)"] == "2025-06-30"
    assert stated["记录时点 / recorded as of (as_of)"] == "现在 / now"
    assert int(stated["台账已处理至日志位置 / log position applied"]) >= after


def test_exports_show_a_sub_grade_by_its_chinese_label(api: Api) -> None:
    """细分档次 is the bank's own code (rules.toml): an export reads it as the screen does."""
    disburse(api, "RL-SUB1")
    proposed = api.post(
        "am",
        "/loans/RL-SUB1/classifications",
        {
            "grade": "special_mention",
            "sub_grade": "special_mention_1",
            "reason": "本金逾期35天",
            "as_of": "2025-09-05",
        },
    )
    assert proposed.status_code == 201, proposed.text
    after = proposed.json()["position"]
    exported = api.get(
        "officer", f"/registers/classification_register/proposals?after={after}&format=csv"
    )
    assert exported.status_code == 200, exported.text
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [row["拟定细分档次"] for row in rows if row["借据号"] == "RL-SUB1"] == ["关注一级"]
    listed = api.get("officer", "/registers/classification_register/proposals?loan_no=RL-SUB1")
    assert listed.json()["data"][0]["sub_grade"] == "special_mention_1"  # JSON keeps the code
