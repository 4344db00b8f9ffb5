"""Portfolio metrics (资产质量指标) and the risk-monitoring report (风险监测报告).

Four loans in two branches: in 城东支行 one stays 正常, one falls from 正常 to 次级 in the third
quarter of 2026, one 次级 at the end of June is written off in September; in 营业部 one falls due
on 31 August, is repaid in part and is 关注 at the quarter's end. On 30 September the figures by
branch, product and account manager follow from those facts alone; the migration between 30
June and 30 September is the regulator's (向下迁徙 ÷ (期初余额 − 期间减少)); a branch head reads
only her branch; a risk manager issues the quarterly report, which is drawn again from its
record byte for byte even after the period's facts have changed.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from pypdf import PdfReader

from archive.core import CommandContext
from archive.reports import risk
from domain.values import Grade, WarningColour
from tests import steps
from tests.api.conftest import Api, disburse, disburse_elsewhere
from tests.api.test_scope_over_http import refused_out_of_scope

CJK = re.compile(r"[\u4e00-\u9fff]")
Q2, Q3 = date(2026, 6, 30), date(2026, 9, 30)


def ctx(api: Api, staff_no: str) -> CommandContext:
    return CommandContext(api.archive.staff(staff_no).id)


def classify(api: Api, loan_no: str, grade: Grade, as_of: date, days: int) -> None:
    am, risk = ctx(api, "AM001"), ctx(api, "RM001")
    steps.overdue(api.archive, am, loan_no, as_of, days)
    if grade is Grade.SPECIAL_MENTION:
        proposed = steps.propose_special_mention(api.archive, am, loan_no, as_of, "逾期")
    else:
        proposed = steps.propose(api.archive, am, loan_no, grade, as_of, "逾期超过90天")
    steps.approve(api.archive, risk, loan_no, proposed)


def portfolio(api: Api, who: str, **params: Any) -> Any:
    after = api.archive.recorder.max_notification_id()
    return api.get(who, "/portfolio/metrics", params={"as_of_position": after, **params})


def figures(line: dict[str, Any]) -> tuple[Any, ...]:
    return (
        line["group"],
        line["loans"],
        line["balance"],
        line["npl_rate"],
        line["overdue_rate"],
        line["special_mention_share"],
    )


def book(api: Api) -> None:
    for n, (loan_no, principal) in enumerate(
        (("PF-E1", "1000000.00"), ("PF-E2", "500000.00"), ("PF-E3", "200000.00"))
    ):
        disburse(api, loan_no, principal=principal, borrower_id=f"91330100MA2KPF0{n}Y")
    disburse_elsewhere(
        api,
        "PF-Y1",
        "营业部",
        principal="800000.00",
        maturity_date="2026-08-31",
        borrower_id="91330100MA2KPF09Y",
    )
    classify(api, "PF-E3", Grade.SUBSTANDARD, date(2026, 5, 1), 100)
    classify(api, "PF-E2", Grade.SUBSTANDARD, date(2026, 8, 15), 95)
    steps.repay(api.archive, ctx(api, "AM001"), "PF-Y1", date(2026, 8, 31), "300000.00")
    classify(api, "PF-Y1", Grade.SPECIAL_MENTION, date(2026, 9, 20), 20)
    steps.write_off(api.archive, ctx(api, "BH001"), "PF-E3", date(2026, 9, 10))


def test_metrics_by_branch_product_and_manager_on_a_date_and_migration_between_two(
    api: Api,
) -> None:
    """Rows 000-51, 000-62, 000-67, 002-05, 002-48, 002-55, 002-61, 002-67, 004-25: 不良率, 逾期率 and 关注类占比 on a
    date by branch, product and account manager (by name); 迁徙率 and the migration matrix
    between two dates; 收回率 and 核销 over the period; a branch head sees her branch only and
    is refused another; a bad date is refused in Chinese and English."""
    book(api)
    answer = portfolio(api, "risk", on=str(Q3), by="branch")
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert (found["since"], found["filtered"]) == (str(Q2), False)
    assert [figures(line) for line in found["lines"]] == [
        ("城东支行", 2, "1500000.00", "33.33", "33.33", "0.00"),
        ("营业部", 1, "500000.00", "0.00", "100.00", "100.00"),
    ]
    total = found["total"]
    assert figures(total) == ("合计", 3, "2000000.00", "25.00", "50.00", "25.00")
    normal = total["migration"]["normal"]
    assert (normal["start_balance"], normal["decreased"], normal["remaining"]) == (
        "2300000.00",
        "300000.00",
        "2000000.00",
    )
    assert normal["to"] == {
        "normal": "1000000.00",
        "special_mention": "500000.00",
        "substandard": "500000.00",
        "doubtful": "0.00",
        "loss": "0.00",
    }
    assert (normal["rate"], normal["shares"]["substandard"]) == ("50.00", "25.00")
    substandard = total["migration"]["substandard"]
    assert (substandard["decreased"], substandard["rate"]) == ("200000.00", None)
    assert (total["due"], total["recovered"], total["recovery_rate"]) == (
        "800000.00",
        "300000.00",
        "37.50",
    )
    assert (total["written_off_loans"], total["written_off"]) == (1, "200000.00")

    by_manager = portfolio(api, "auditor", on=str(Q3), by="manager").json()
    assert [line["group"] for line in by_manager["lines"]] == ["张伟（AM001）"]
    by_product = portfolio(api, "auditor", on=str(Q3), by="product").json()
    assert [line["group"] for line in by_product["lines"]] == ["公司流动资金贷款"]
    june = portfolio(api, "risk", on=str(Q2), since="2026-04-30").json()
    assert next(figures(line) for line in june["lines"]) == (
        "城东支行",
        3,
        "1700000.00",
        "11.76",
        "11.76",
        "0.00",
    )
    assert june["total"]["migration"]["normal"]["start_balance"] == "2500000.00"  # PF-E3 too

    mine = portfolio(api, "head", on=str(Q3))
    assert mine.status_code == 200, mine.text
    assert (mine.json()["filtered"], [line["group"] for line in mine.json()["lines"]]) == (
        True,
        ["城东支行"],
    )
    before = api.counts()
    refused_out_of_scope(api, portfolio(api, "head", on=str(Q3), branch="营业部"), before)
    assert portfolio(api, "am", on=str(Q3)).status_code == 403
    for params in ({"on": "2026-09-31"}, {"on": str(Q3), "since": "2026-10-31"}):
        bad = portfolio(api, "risk", **params)
        assert bad.status_code == 422, bad.text
        detail = bad.json()["detail"]
        assert CJK.search(detail["zh"]), detail
        assert re.search("[a-z]", detail["en"]), detail
    assert api.counts() == before


def test_the_quarterly_risk_report_is_issued_by_risk_and_drawn_again_byte_for_byte(
    api: Api, tmp_path: Path
) -> None:
    """Rows 000-51, 000-62, 002-59, 002-65, 003-61, 003-92, 004-25: 风险管理部 issues the quarterly 风险监测报告 (PDF and XLSX), recorded with
    its hash and position; readers within its scope have it drawn again byte for byte after
    the period's facts changed; a branch head may not issue it nor read the bank's; a bad
    period records nothing."""
    book(api)
    before = api.counts()
    future = api.post("risk", "/reports/risk", {"purpose": "季度风险监测", "on": "2099-03-31"})
    assert future.status_code == 422, future.text
    assert "晚于今日" in future.json()["detail"]["zh"], future.text
    assert "after today" in future.json()["detail"]["en"], future.text
    period = api.post("risk", "/reports/risk", {"purpose": "x", "on": str(Q3), "period": "year"})
    assert period.status_code == 422, period.text
    head = api.post("head", "/reports/risk", {"purpose": "季度风险监测", "on": str(Q3)})
    assert (head.status_code, head.json()["error"]) == (403, "role_not_permitted")
    assert api.counts() == before, "a refusal records nothing"

    issued = {}
    at = api.archive.recorder.max_notification_id()
    for format in ("pdf", "xlsx"):
        body = {"purpose": "季度风险监测", "on": str(Q3), "format": format, "as_of_position": at}
        answer = api.post("risk", "/reports/risk", body)
        assert answer.status_code == 201, answer.text
        issued[format] = answer
    pdf = issued["pdf"].content
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    for expected in ("风险监测报告", "不良率", "25.00%", "城东支行", "张伟（AM001）", "37.50%"):
        assert expected in text, expected
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-", str(tmp_path / "p")],
            input=pdf,
            check=True,
        )
        assert any(tmp_path.glob("p*.png"))

    # a repayment dated in the quarter, recorded after the issue, changes nothing issued
    steps.repay(api.archive, ctx(api, "AM001"), "PF-E1", date(2026, 9, 15), "100000.00")
    now = portfolio(api, "risk", on=str(Q3)).json()["total"]["balance"]
    assert now == "1900000.00"
    for format, answer in issued.items():
        report_id = answer.headers["X-Dossier-Report-Id"]
        again = api.get("auditor", f"/reports/risk/issued/{report_id}")
        assert again.status_code == 200, again.text
        assert again.content == answer.content, format
        assert (
            again.headers["X-Dossier-Report-Rebuilt-SHA256"]
            == answer.headers["X-Dossier-Report-SHA256"]
        )
    # Issued as the previous release did (renderer 1: the CID font, not embedded, no PDF/A),
    # the report is drawn again by renderer 1, from its record, to the hash recorded then.
    with pytest.MonkeyPatch.context() as earlier:
        earlier.setattr(risk, "RENDERER", 1)
        earlier.setattr(risk.render, "__kwdefaults__", {"renderer": 1})
        body = {"purpose": "季度风险监测", "on": str(Q3), "format": "pdf", "as_of_position": at}
        old = api.post("risk", "/reports/risk", body)
    assert old.status_code == 201, old.text
    assert b"STSong-Light" in old.content
    assert b"pdfaid" not in old.content
    assert b"pdfaid" in issued["pdf"].content
    again = api.get("auditor", f"/reports/risk/issued/{old.headers['X-Dossier-Report-Id']}")
    assert again.status_code == 200, again.text
    assert again.headers["X-Dossier-Report-Renderer"] == "1"
    assert again.content == old.content
    assert (
        again.headers["X-Dossier-Report-Rebuilt-SHA256"] == old.headers["X-Dossier-Report-SHA256"]
    )
    refused_out_of_scope(
        api,
        api.get("head", f"/reports/risk/issued/{issued['pdf'].headers['X-Dossier-Report-Id']}"),
        api.counts(),
    )
    after = api.archive.recorder.max_notification_id()
    preview = api.get("head", "/reports/risk", params={"on": str(Q3), "as_of_position": after})
    assert preview.status_code == 200, preview.text
    assert preview.json()["by_branch"]["total"]["balance"] == "1400000.00"


def test_targets_provision_amount_bands_and_the_causes_behind_the_quarter(api: Api) -> None:
    """Rows 002-89, 000-53, 002-04, 002-54, 003-93, 000-55, 002-57, 002-02, 000-66, 003-56:
    the loans grouped by the amount bands of the rules; each branch's NPL ratio beside the
    ceiling the rules set it (超标 or 达标) and the provision (拨备) its grades call for; the
    quarterly report analyses the causes — warnings raised by branch and category, those
    handled with measures, the downgrades with their recorded reasons — and gives the NPL
    loans by disposal route with the write-offs and the provision held."""
    book(api)
    raised = steps.raise_warning(
        api.archive,
        ctx(api, "AM001"),
        "PF-E2",
        date(2026, 8, 10),
        "停产半月",
        colour=WarningColour.ORANGE,
        code="OPS-04",
    )
    signal = UUID(raised.ids["signal_id"])
    steps.handle_warning(
        api.archive, ctx(api, "RM001"), "PF-E2", signal, date(2026, 8, 12), "约谈实际控制人"
    )

    by_amount = portfolio(api, "risk", on=str(Q3), by="amount").json()
    assert [(line["group"], line["loans"], line["balance"]) for line in by_amount["lines"]] == [
        ("500,000元及以下", 1, "500000.00"),
        ("500,000元以上至1,000,000元", 2, "1500000.00"),
    ]
    found = portfolio(api, "risk", on=str(Q3)).json()
    assert [
        (
            line["group"],
            line["npl_rate"],
            line["npl_ceiling"],
            line["npl_breach"],
            line["provision"],
        )
        for line in (*found["lines"], found["total"])
    ] == [
        ("城东支行", "33.33", "2.00", True, "165000.00"),
        ("营业部", "0.00", "3.00", False, "15000.00"),
        ("合计", "25.00", "3.00", True, "180000.00"),
    ]

    after = api.archive.recorder.max_notification_id()
    params = {"on": str(Q3), "as_of_position": after}
    report = api.get("risk", "/reports/risk", params=params)
    assert report.status_code == 200, report.text
    causes = report.json()["causes"]
    assert causes["warnings"] == [{"branch": "城东支行", "category": "经营类", "count": 1}]
    assert causes["handled_with_measures"] == {"城东支行": 1}
    assert [
        (d["loan_no"], d["from_grade"], d["to_grade"], d["reason"]) for d in causes["downgrades"]
    ] == [
        ("PF-E2", "normal", "substandard", "逾期超过90天"),
        ("PF-Y1", "normal", "special_mention", "逾期"),
    ]
    assert [(r["route"], r["loans"], r["balance"]) for r in causes["npl_by_route"]] == [
        ("核销", 1, "200000.00"),
        ("清收", 1, "500000.00"),
    ]
    pdf = api.get("risk", "/reports/risk", params={**params, "format": "pdf"}).content
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    for expected in (
        "不良率上限",
        "超标",
        "165,000.00",
        "经营类预警",
        "逾期超过90天",
        "不良处置",
        "风控措施",
    ):
        assert expected in text, expected
