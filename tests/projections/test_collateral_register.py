"""押品/权证台账: every collateral, its value, where its title certificate is, and every movement.

A corporate loan disbursed on 10 January 2025 is secured by a flat: the account manager
registers it (appraised at 2,500,000.00 on 20 December 2024) with its valuation report and
registration certificate. On 12 January the two archivists lodge the certificate in the vault;
on 2 June the second takes it out for a lawsuit (诉讼财产保全) and on 20 June the first returns
it, each movement with its custody form. On 1 July the post-loan officer revalues the flat at
2,100,000.00; on 1 August insures it until 31 January 2026, and records on 1 September that the
policy has lapsed. The loan is settled on 10 October and the account manager releases the
collateral on 15 October with the release certificate.

The register shows the collateral as it stands — revalued, its insurance lapsed, released —
and the three certificate movements in order with their custodians and custody forms; as it
stood right after the take-out, the certificate was out and the value the original one.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from archive.commands.collateral import (
    LodgeCertificate,
    RecordInsuranceLapse,
    ReleaseCollateral,
    RenewInsurance,
    ReturnCertificate,
    RevalueCollateral,
    TakeOutCertificate,
)
from archive.commands.lifecycle import Settle
from archive.core import CommandContext, CommandResult
from domain.values import GuaranteeType, collateral_id_for, loan_id_for
from projections.export import to_csv, to_xlsx
from tests import steps
from tests.factories import PRINCIPAL, make_disbursement, make_upload
from tests.projections.conftest import Registers

LOAN_NO = "JJ2025011000601"
COLLATERAL_NO = "YP2025-0601"
NAME = "collateral_register"
DESCRIPTION = "上海市浦东新区示例路 88 号 1201 室"
REGISTRATION_NO = "沪(2025)浦字不动产证明第0060101号"
CERTIFICATE_NO = "他项权证 0060101"
POLICY_NO = "PICC-2025-0601"
INSURER = "中国人民财产保险股份有限公司"
LITIGATION = "提交法院办理诉讼财产保全"


def _sha(result: CommandResult) -> str:
    (document,) = result.documents
    return document.sha256


def _register_and_lodge(registers: Registers, staff: dict[str, CommandContext]) -> CommandResult:
    """The loan, its flat registered, and the certificate lodged by the two archivists."""
    app = registers.app
    am = staff["account_manager"]
    app.execute(
        am,
        make_disbursement(LOAN_NO, guarantee_type=GuaranteeType.MORTGAGE),
        [make_upload("loan_contract"), make_upload("mortgage_contract")],
    )
    steps.register_collateral(
        app,
        am,
        LOAN_NO,
        [
            make_upload("valuation_report", "押品评估报告 YP2025-0601"),
            make_upload("registration_certificate", "不动产登记证明 YP2025-0601"),
        ],
        collateral_no=COLLATERAL_NO,
        description=DESCRIPTION,
        registration_no=REGISTRATION_NO,
    )
    return app.execute(
        staff["archivist"],
        LodgeCertificate(
            loan_no=LOAN_NO,
            collateral_no=COLLATERAL_NO,
            certificate_no=CERTIFICATE_NO,
            lodged_on=date(2025, 1, 12),
            custodian_nos=["archivist", "second_archivist"],
        ),
        [make_upload("custody_form", "权证入库交接单 YP2025-0601")],
    )


def test_a_collateral_from_registration_to_release_with_its_certificate_movements(
    registers: Registers, staff: dict[str, CommandContext]
) -> None:
    app = registers.app
    am, plo = staff["account_manager"], staff["post_loan_officer"]
    first, second = staff["archivist"], staff["second_archivist"]
    collateral_id = collateral_id_for(loan_id_for(LOAN_NO), COLLATERAL_NO)

    lodged = _register_and_lodge(registers, staff)
    # 出库 for a lawsuit, recorded by the second archivist (named first), then 归还.
    taken_out = app.execute(
        second,
        TakeOutCertificate(
            loan_no=LOAN_NO,
            collateral_no=COLLATERAL_NO,
            taken_out_on=date(2025, 6, 2),
            purpose=LITIGATION,
            custodian_nos=["second_archivist", "archivist"],
        ),
        [make_upload("custody_form", "权证出库交接单 YP2025-0601")],
    )
    returned = app.execute(
        first,
        ReturnCertificate(
            loan_no=LOAN_NO,
            collateral_no=COLLATERAL_NO,
            returned_on=date(2025, 6, 20),
            custodian_nos=["archivist", "second_archivist"],
        ),
        [make_upload("custody_form", "权证归还交接单 YP2025-0601")],
    )
    # 重估, 续保, 脱保.
    app.execute(
        plo,
        RevalueCollateral(
            loan_no=LOAN_NO,
            collateral_no=COLLATERAL_NO,
            revalued_on=date(2025, 7, 1),
            value=Decimal("2100000.00"),
        ),
        [make_upload("revaluation_report", "押品重估报告 YP2025-0601")],
    )
    app.execute(
        plo,
        RenewInsurance(
            loan_no=LOAN_NO,
            collateral_no=COLLATERAL_NO,
            policy_no=POLICY_NO,
            insurer=INSURER,
            expires_on=date(2026, 1, 31),
        ),
        [make_upload("insurance_policy", "财产保险单 YP2025-0601")],
    )
    app.execute(
        plo,
        RecordInsuranceLapse(
            loan_no=LOAN_NO, collateral_no=COLLATERAL_NO, lapsed_on=date(2025, 9, 1)
        ),
    )
    # 结清, then 注销 by the account manager.
    steps.repay(app, am, LOAN_NO, date(2025, 10, 10), PRINCIPAL)
    app.execute(am, Settle(loan_no=LOAN_NO, settled_on=date(2025, 10, 10)))
    app.execute(
        am,
        ReleaseCollateral(
            loan_no=LOAN_NO,
            collateral_no=COLLATERAL_NO,
            released_on=date(2025, 10, 15),
            reason="贷款已结清，办理抵押注销",
        ),
        [make_upload("release_certificate", "抵押注销登记证明 YP2025-0601")],
    )
    registers.catch_up()

    in_order = f"{first.staff_id},{second.staff_id}"
    assert registers.rows(NAME, "collateral") == [
        {
            "collateral_id": collateral_id,
            "loan_id": loan_id_for(LOAN_NO),
            "loan_no": LOAN_NO,
            "collateral_no": COLLATERAL_NO,
            "kind": "real_estate",
            "description": DESCRIPTION,
            "owner_name": "上海示例贸易有限公司",
            "value": Decimal("2100000.00"),
            "valued_on": date(2025, 7, 1),
            "revaluations": 1,
            "registration_no": REGISTRATION_NO,
            "registered_on": date(2025, 1, 5),
            "certificate_no": CERTIFICATE_NO,
            "certificate_status": "released",
            "certificate_moved_on": date(2025, 6, 20),
            "custodians": in_order,
            "out_purpose": None,
            "policy_no": POLICY_NO,
            "insurer": INSURER,
            "insurance_expires_on": date(2026, 1, 31),
            "insurance_lapsed_on": date(2025, 9, 1),
            "status": "released",
            "released_on": date(2025, 10, 15),
        }
    ]

    # Three movements, in order, each with its two custodians (the recorder first) and form.
    movements = registers.rows(NAME, "movements")
    assert movements == [
        {
            "collateral_id": collateral_id,
            "loan_no": LOAN_NO,
            "collateral_no": COLLATERAL_NO,
            "movement": movement,
            "moved_on": moved_on,
            "certificate_no": CERTIFICATE_NO,
            "purpose": purpose,
            "custodians": custodians,
            "actor_id": actor_id,
            "documents": _sha(result),
        }
        for movement, moved_on, purpose, custodians, actor_id, result in (
            ("lodged", date(2025, 1, 12), "", in_order, first.staff_id, lodged),
            (
                "taken_out",
                date(2025, 6, 2),
                LITIGATION,
                f"{second.staff_id},{first.staff_id}",
                second.staff_id,
                taken_out,
            ),
            ("returned", date(2025, 6, 20), "", in_order, first.staff_id, returned),
        )
    ]

    # As it stood right after the take-out: the certificate out, for the lawsuit, and the
    # value the original appraisal; right before the revaluation, back in the vault.
    (then,) = registers.as_of(NAME, "collateral", position=taken_out.position)
    assert (
        then["certificate_status"],
        then["out_purpose"],
        then["custodians"],
        then["value"],
        then["valued_on"],
        then["revaluations"],
        then["status"],
    ) == (
        "out",
        LITIGATION,
        f"{second.staff_id},{first.staff_id}",
        Decimal("2500000.00"),
        date(2024, 12, 20),
        0,
        "registered",
    )
    (before_revaluation,) = registers.as_of(NAME, "collateral", position=returned.position)
    assert (
        before_revaluation["certificate_status"],
        before_revaluation["out_purpose"],
        before_revaluation["value"],
        before_revaluation["policy_no"],
    ) == ("in_vault", None, Decimal("2500000.00"), None)
    assert [
        m["movement"] for m in registers.as_of(NAME, "movements", position=taken_out.position)
    ] == ["lodged", "taken_out"]


def test_the_register_exports_with_chinese_headers_and_labels(
    registers: Registers, staff: dict[str, CommandContext]
) -> None:
    _register_and_lodge(registers, staff)
    registers.catch_up()
    columns = registers.register(NAME).specs()["collateral"].exported()
    rows = registers.rows(NAME, "collateral")

    sheet = load_workbook(io.BytesIO(to_xlsx("押品台账", columns, rows))).active
    assert sheet is not None
    header, row = (list(r) for r in sheet.iter_rows(values_only=True))
    assert header == [
        "借据号",
        "押品编号",
        "押品类型",
        "押品描述",
        "所有权人",
        "评估价值",
        "评估日",
        "重估次数",
        "抵押登记证明号",
        "登记日",
        "权证编号",
        "权证状态",
        "权证最近出入库日",
        "保管人",
        "出库用途",
        "保单号",
        "保险公司",
        "保险到期日",
        "保险失效日",
        "押品状态",
        "注销日",
    ]
    values = dict(zip(header, row, strict=True))
    assert (values["借据号"], values["押品编号"], values["押品类型"]) == (
        LOAN_NO,
        COLLATERAL_NO,
        "房产",
    )
    assert (values["评估价值"], values["权证状态"], values["押品状态"]) == (
        2500000.0,
        "在库",
        "在押",
    )

    header, row = list(csv.reader(io.StringIO(to_csv(columns, rows).decode("utf-8-sig"))))
    values = dict(zip(header, row, strict=True))
    assert (values["押品类型"], values["权证状态"], values["登记日"]) == (
        "房产",
        "在库",
        "2025-01-05",
    )
