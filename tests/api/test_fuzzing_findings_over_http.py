"""What fuzzing found, each refused with a 4xx naming the field or answered, never a 5xx.

A collateral register that could not be exported as XLSX (its sheet title holds "/"); control
characters let into free text, which broke every later XLSX export of the register that shows
them; JSON nested past the parser's recursion; paging beyond the stores' 64-bit integers; a
multipart body that is not multipart. Each refusal records nothing.
"""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook

from api.fields import MAX_INT
from archive.commands.warnings import RaiseWarning
from archive.core import CommandContext
from domain.values import WarningColour
from tests.api.conftest import Api, answered, disburse

LOAN = "FZ2025000001"
INSPECTION = {
    "kind": "routine",
    "inspected_on": "2025-04-01",
    "reviewer_no": "RV001",
    "findings": "经营正常",
}


def refused(api: Api, answer: Any, before: tuple[int, int, int], field: str) -> dict[str, Any]:
    """422 invalid_input naming ``field`` in both languages and in the problems; nothing kept."""
    assert answer.status_code == 422, answer.text
    body: dict[str, Any] = answer.json()
    assert body["error"] == "invalid_input", body
    assert field in body["detail"]["zh"], body
    assert field in body["detail"]["en"], body
    assert field in {p["field"] for p in body["context"]["problems"]}, body
    assert api.counts() == before, "a refused command must record nothing"
    return body


def test_the_collateral_register_exports_as_xlsx_although_its_title_holds_a_slash(
    api: Api,
) -> None:
    disburse(api, LOAN)
    registered = api.post(
        "am",
        f"/loans/{LOAN}/collateral",
        {
            "collateral_no": "YP001",
            "kind": "real_estate",
            "description": "厂房",
            "owner_name": "杭州示例机械制造有限公司",
            "appraised_value": "800000.00",
            "appraised_on": "2025-02-20",
            "registration_no": "浙(2025)杭州市不动产证明第0000001号",
            "registered_on": "2025-02-25",
        },
    )
    assert registered.status_code == 201, registered.text
    after = registered.json()["position"]
    answer = api.get("auditor", f"/registers/collateral_register?format=xlsx&after={after}")
    assert answer.status_code == 200, answer.text
    book = load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == ["押品 权证台账", "查询条件"]  # the rows, and the times they are of
    assert any(cell.value == "YP001" for row in book.active.iter_rows() for cell in row)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("field", "text"),
    [("findings", "经营正常\x07"), ("findings", "\x00"), ("reviewer_no", "RV001\x1b")],
    ids=["bel", "nul", "esc"],
)
def test_a_control_character_in_a_command_is_refused_naming_the_field(
    api: Api, field: str, text: str
) -> None:
    disburse(api, LOAN)
    before = api.counts()
    answer = api.post("am", f"/loans/{LOAN}/inspections", {**INSPECTION, field: text})
    body = refused(api, answer, before, field)
    assert "U+00" in body["context"]["problems"][0]["problem"]


def test_a_control_character_in_a_multipart_command_is_refused(api: Api) -> None:
    disburse(api, LOAN)
    before = api.counts()
    answer = api.client.post(
        f"/api/v1/loans/{LOAN}/inspections",
        data={"data": json.dumps({**INSPECTION, "findings": "正常\x1b[31m"})},
        files=[("inspection_report", ("检查报告.pdf", b"%PDF-1.4", "application/pdf"))],
        headers=api.headers["am"],
    )
    refused(api, answer, before, "findings")


def test_multi_line_text_keeps_its_line_breaks_and_tabs(api: Api) -> None:
    disburse(api, LOAN)
    findings = "一、经营正常\r\n二、\t库存增加"
    body = {**INSPECTION, **answered(), "findings": findings}
    answer = api.post("am", f"/loans/{LOAN}/inspections", body)
    assert answer.status_code == 201, answer.text
    events = api.get("auditor", f"/loans/{LOAN}/events").json()["data"]
    assert events[-1]["data"]["findings"] == findings


def test_a_line_break_in_a_one_line_field_is_refused(api: Api) -> None:
    before = api.counts()
    answer = api.post(
        "admin", "/staff", {"staff_no": "X01", "name": "张\n伟", "branch": "城东支行"}
    )
    refused(api, answer, before, "name")


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/registers/loan_ledger?branch=%E5%9F%8E%07", "branch"),
        ("/registers/document_search/search?q=%E5%80%9F%00", "q"),
        ("/registers/loan_ledger?sort=loan_no%1b", "sort"),
        ("/tasks?branch=%7f", "branch"),
    ],
)
def test_a_control_character_in_a_query_is_refused_naming_it(
    api: Api, path: str, field: str
) -> None:
    before = api.counts()
    refused(api, api.get("auditor", path), before, field)


def test_control_characters_recorded_by_an_earlier_release_are_escaped_in_exports(
    api: Api,
) -> None:
    """Text recorded before the API refused control characters (here through the
    application, with a command built unchecked as an earlier release took it) exports
    escaped, instead of failing."""
    disburse(api, LOAN)
    officer = CommandContext(api.archive.staff("PL001").id)
    raised = api.archive.execute(
        officer,
        RaiseWarning.model_construct(
            loan_no=LOAN,
            colour=WarningColour.YELLOW,
            code="FIN-03",
            raised_on=date(2025, 4, 1),
            reason="担保人\x07失联\x00",
        ),
    )
    after = f"after={raised.position}"
    xlsx = api.get("auditor", f"/registers/warning_ledger?format=xlsx&{after}")
    assert xlsx.status_code == 200, xlsx.text
    cells = [
        c.value for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows() for c in row
    ]  # type: ignore[union-attr]
    assert "担保人\\u0007失联\\u0000" in cells
    csv = api.get("auditor", f"/registers/warning_ledger?format=csv&{after}")
    assert csv.status_code == 200, csv.text
    assert "担保人\\u0007失联\\u0000" in csv.content.decode("utf-8-sig")


@pytest.mark.parametrize("depth", [40, 100_000], ids=["past-the-limit", "past-the-parser"])
@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("am", f"/loans/{LOAN}/inspections"),
        ("auditor", f"/loans/{LOAN}/audit-bundles"),
        ("auditor", "/reports/compliance"),
        ("auditor", "/integrity/verifications"),
    ],
)
def test_json_nested_too_deep_is_refused_with_422(
    api: Api, who: str, path: str, depth: int
) -> None:
    disburse(api, LOAN)
    before = api.counts()
    body = '{"findings": ' + "[" * depth + "]" * depth + "}"
    answer = api.send(who, path, body)
    refused(api, answer, before, "body")
    assert answer.json()["context"]["problems"][0]["type"] == "json_too_deep"


def test_a_number_of_more_digits_than_python_reads_is_refused_with_422(api: Api) -> None:
    disburse(api, LOAN)
    before = api.counts()
    body = '{"paid_on": "2025-04-01", "principal": ' + "9" * 5000 + ', "interest": 0}'
    answer = api.send("am", f"/loans/{LOAN}/repayments", body)
    refused(api, answer, before, "body")


def test_a_multipart_body_that_is_not_multipart_is_refused_with_422(api: Api) -> None:
    disburse(api, LOAN)
    before = api.counts()
    answer = api.send(
        "am", f"/loans/{LOAN}/inspections", b"--x\r\nnot a part", "multipart/form-data; boundary=x"
    )
    refused(api, answer, before, "body")


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/registers/loan_ledger?offset={2**70}", "offset"),
        (f"/registers/loan_ledger?offset={MAX_INT + 1}", "offset"),
        (f"/registers/loan_ledger?as_of_position={2**64}", "as_of_position"),
        (f"/registers/loan_ledger?after={2**64}", "after"),
        (f"/registers/document_search/search?q=x&offset={2**64}", "offset"),
        (f"/loans?offset={2**64}", "offset"),
        (f"/loans/{LOAN}?as_of_position={2**64}", "as_of_position"),
        (f"/integrity/checkpoints?offset={2**64}", "offset"),
        (f"/integrity/proofs/inclusion?position={2**64}", "position"),
    ],
)
def test_a_paging_or_position_parameter_beyond_the_bound_is_refused(
    api: Api, path: str, field: str
) -> None:
    disburse(api, LOAN)
    before = api.counts()
    refused(api, api.get("auditor", path), before, field)


def test_the_largest_offset_allowed_answers_an_empty_page(api: Api) -> None:
    answer = api.get("auditor", f"/registers/loan_ledger?offset={MAX_INT}")
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"] == []


def test_a_version_beyond_the_bound_is_refused(api: Api) -> None:
    disburse(api, LOAN)
    before = api.counts()
    answer = api.post("am", f"/loans/{LOAN}/inspections", {**INSPECTION, "expected_version": 2**64})
    refused(api, answer, before, "expected_version")
