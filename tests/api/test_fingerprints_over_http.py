"""A request's idempotency fingerprint keeps its bytes, whatever carries the command.

A receipt in the log holds the SHA-256 of its request's fingerprint (archive/core.py); a client
retrying after an upgrade must still be recognised, so rewriting a command's route, body or
application method must not change a byte of what is hashed. Each request below is sent over
HTTP to the real routes; the application behind them stops at the fingerprint (nothing is
loaded or stored: the ids in the paths name nothing). The hashes were computed by this test on
the code in which every route spelled its command's fields out by hand. One request also runs
end to end, and its stored receipt holds the same hash.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from archive.application import DossierArchive
from archive.config import ArchiveConfig
from archive.core import CommandContext, _fingerprint
from archive.documents.ingest import Upload, staged
from archive.receipts import CommandReceipt
from archive.rules import shipped_rules
from domain.authorization import Action
from tests.api.conftest import Api, disburse, free_text_inspections, pdf

STAFF_ID = UUID("00000000-0000-4000-8000-000000000001")
ID = "3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"
SHA = "ab" * 32
LOAN = "DK2025000301"
REPORT = ("inspection_report", ("贷后检查报告.pdf", pdf("inspection"), "application/pdf"))
TRANSFER_LIST = ("transfer_list", ("移交清单.pdf", pdf("transfer list"), "application/pdf"))

CONTRACT = ("loan_contract", ("借款合同.pdf", pdf("contract"), "application/pdf"))
VOUCHER = ("repayment_voucher", ("还款凭证.pdf", pdf("voucher"), "application/pdf"))
DISBURSEMENT = {
    "loan_no": "DK2025000303",
    "borrower_id": "91330100MA2K000001",
    "borrower_name": "杭州明远贸易有限公司",
    "borrower_type": "corporate",
    "borrower_rating": "AA",
    "product": "corporate_working_capital",
    "principal": "1000000.00",
    "interest_rate": "4.35%",
    "value_date": "2025-03-01",
    "maturity_date": "2026-03-01",
    "repayment_method": "bullet",
    "guarantee_type": "mortgage",
    "branch": "城东支行",
    "purpose": "购买原材料",
}

# (name, path, body, files, the SHA-256 of the fingerprint main computed)
CASES: list[tuple[str, str, dict[str, Any], list[Any], str]] = [
    (
        "record_inspection",
        f"/loans/{LOAN}/inspections",
        {
            "kind": "routine",
            "inspected_on": "2025-04-01",
            "reviewer_no": "RV001",
            "findings": "经营正常",
        },
        [],
        "6d56108070d7347ea38bf90c82f9e42fa70f2d10773560e9237c5058b30cde0a",
    ),
    (
        "record_inspection_with_report",
        f"/loans/{LOAN}/inspections",
        {
            "kind": "on_site",
            "inspected_on": "2025-04-01",
            "reviewer_no": "RV001",
            "findings": "经营正常，库存充足",
            "expected_version": 3,
        },
        [REPORT],
        "4e37a27b8c7d977488ad451aa63340d6e987275f1a1cda1285f6909e549a74a2",
    ),
    (
        "correct_inspection",
        f"/loans/{LOAN}/inspections/{ID}/corrections",
        {"findings": "库存数据更正", "reason": "盘点表抄错"},
        [],
        "c5be4daaedf51954f56a3630301457f72963db3ac11be6650bdb10b8ca930739",
    ),
    (
        "raise_warning",
        f"/loans/{LOAN}/warnings",
        {"colour": "orange", "code": "W-07", "raised_on": "2025-05-02", "reason": "主要客户流失"},
        [],
        "15225ef460cadcbf2d69353de70894ae25040888dab4e63467a0349ba4ab9813",
    ),
    (
        "handle_warning",
        f"/loans/{LOAN}/warnings/{ID}/handle",
        {"handled_on": "2025-05-09", "measures": "追加保证人"},
        [],
        "75f4f2a3e128bf886b3580c677a59b8dd0b0cf39a913e9063253ef625651b9b3",
    ),
    (
        "clear_warning",
        f"/loans/{LOAN}/warnings/{ID}/clear",
        {"cleared_on": "2025-06-01", "reason": "新客户已签约"},
        [],
        "f0a66f776edc08f792e829308e161c98a2bc92e5f1f2b6d9d94bb091d88de213",
    ),
    (
        "disburse",
        "/loans",
        DISBURSEMENT,
        [],
        "dd90c2451151a6f9aba4880fa76c1128feb5a1500fcf68d370da9e0a31bcdb9e",
    ),
    (
        "disburse_with_parties_and_contract",
        "/loans",
        {
            **DISBURSEMENT,
            "investigator": "AM002",
            "origination_reviewer": "RV001",
            "approver": "BH001",
        },
        [CONTRACT],
        "d9134cb59f35ce4cf4338b69591864c787d5f67b61c011f304c83b854374146f",
    ),
    (
        "disburse_with_approver",
        "/loans",
        {**DISBURSEMENT, "principal": 500000, "approver": "BH001"},
        [],
        "cd4556ac615d1b77a1810ea8736ab7afad620b53ce09e1ab5f4bcd498976b53a",
    ),
    (
        "record_repayment",
        f"/loans/{LOAN}/repayments",
        {"paid_on": "2025-04-01", "principal": "10000.00", "interest": "3625.5"},
        [],
        "1f79dd4047bcf2e2c0930d543b55e21c7dd3408ee304a219344322db36f98361",
    ),
    (
        "record_repayment_with_voucher",
        f"/loans/{LOAN}/repayments",
        {"paid_on": "2025-04-01", "principal": 0, "interest": 3625.5, "expected_version": 2},
        [VOUCHER],
        "11b3d61b591ea6609ea40713306c4f62f1ddefc450432a512af59be7cd1d248b",
    ),
    (
        "record_overdue",
        f"/loans/{LOAN}/overdue-status",
        {
            "as_of": "2025-06-30",
            "days_overdue": 45,
            "overdue_principal": "50000",
            "overdue_interest": "812.40",
        },
        [],
        "ef3849ac051e95cb31c05c2d650652cfa29a1ea139331b5aaca39e7b4c450aa7",
    ),
    (
        "settle",
        f"/loans/{LOAN}/settlement",
        {"settled_on": "2026-03-01"},
        [],
        "d16bbf2a22084ad3d1a8fa56c3f84d87d0e1b80f6b9c8e96f92656eda42e1737",
    ),
    (
        "propose_classification",
        f"/loans/{LOAN}/classifications",
        {"grade": "special_mention", "reason": "逾期45天", "as_of": "2025-06-30"},
        [],
        "9e486cdc70895f1b6dd4c05d7155767cba515d54b692208be4baf059765241ce",
    ),
    (
        "propose_classification_with_sub_grade",
        f"/loans/{LOAN}/classifications",
        {
            "grade": "substandard",
            "sub_grade": "substandard_1",
            "reason": "逾期九十天以上",
            "as_of": "2025-09-30",
        },
        [],
        "d1f940a2ad5062ad7ea7c1779aa7d350a4448764a69a20a76c7006a7f6dea4a5",
    ),
    (
        "approve_classification",
        f"/loans/{LOAN}/classifications/{ID}/approve",
        {"reason": "同意"},
        [],
        "28fbfafb8706d87ce9201dbd146d54b5b3a9c28612c73746e5d9abdbbe722d8f",
    ),
    (
        "reject_classification",
        f"/loans/{LOAN}/classifications/{ID}/reject",
        {"reason": "依据不足"},
        [],
        "88da007f81055b349e7b26749b3a9df098399e716cb2beb5920b91b3aadf125f",
    ),
    (
        "take_collection_step",
        f"/loans/{LOAN}/collection-steps",
        {
            "kind": "phone_call",
            "taken_on": "2025-05-03",
            "days_overdue": 3,
            "outcome": "承诺月底还款",
            "promised_date": "2025-05-31",
        },
        [],
        "3dd013f537d69077dfeeeacad994606d1ebe2b79df86307483fccf96824e8ac6",
    ),
    (
        "take_collection_step_without_promise",
        f"/loans/{LOAN}/collection-steps",
        {
            "kind": "notice_served",
            "taken_on": "2025-06-01",
            "days_overdue": 32,
            "outcome": "借款人签收",
        },
        [],
        "fbab320abf7c322011deae436b430a19dc8b50d8189499ebcde1e8215771374d",
    ),
    (
        "restructure",
        f"/loans/{LOAN}/restructurings",
        {
            "restructured_on": "2025-07-01",
            "new_maturity_date": "2027-07-01",
            "new_interest_rate": "3.85%",
            "terms": "分24期还款",
            "reason": "经营困难",
        },
        [],
        "21082ac65b294ea93d77251c0cded456eb2b94f30d6ebc113e9cf65e1abc2232",
    ),
    (
        "extend",
        f"/loans/{LOAN}/extensions",
        {
            "approved_on": "2026-02-20",
            "new_maturity_date": "2027-03-01",
            "reason": "季节性回款延迟",
        },
        [],
        "898249aaa88011217c0e58f35812cf7fd6a23409865ef01f7d18f1d96224b8ab",
    ),
    (
        "hand_over",
        f"/loans/{LOAN}/handovers",
        {"handed_over_on": "2025-08-01", "receiving_no": "AM002", "reason": "岗位调整"},
        [],
        "547d8a424e126c8f898cc2a9c2dba1297fbe5148b76a0cfe987036427181d7e1",
    ),
    (
        "transfer_to_asset_preservation",
        f"/loans/{LOAN}/asset-preservation",
        {"transferred_on": "2025-10-08", "reason": "转入不良"},
        [],
        "4eb151cd0af4d70d5f078312bef10a01d8ead7f7ab919a26cac660021032591e",
    ),
    (
        "write_off",
        f"/loans/{LOAN}/write-off",
        {"written_off_on": "2026-06-30", "criterion": "bankruptcy", "reason": "破产清算终结"},
        [],
        "364b52bcdcbb459922b8f2ffa8a730e600dc847a2285b84697cdd82d55ad5328",
    ),
    (
        "determine_responsibility",
        f"/loans/{LOAN}/responsibility",
        {
            "person_no": "AM001",
            "stage": "post_loan",
            "finding": "main",
            "sanction": "通报批评",
            "reason": "未按期检查",
        },
        [],
        "7fad58e0fb515d563902c1f8d0f23e806aa6538972d62a38194e121ac90e7ecf",
    ),
    (
        "determine_responsibility_without_sanction",
        f"/loans/{LOAN}/responsibility",
        {"person_no": "AM001", "stage": "investigation", "finding": "exempt", "reason": "已尽职"},
        [],
        "23128d041e09f870ef8b399060ec3dc5d7361fd643f5558531108a16000b9965",
    ),
    (
        "appeal_responsibility",
        f"/loans/{LOAN}/responsibility/{ID}/appeal",
        {"reason": "检查记录齐全"},
        [],
        "7c4e96f6cca0a580841507e360b5e24b838a141834926b5430a94246bfcc2241",
    ),
    (
        "decide_appeal",
        f"/loans/{LOAN}/responsibility/{ID}/decision",
        {"outcome": "upheld", "reason": "维持原认定"},
        [],
        "99ab631a453ac3187875f6098f59e656d518137c34e7a9b8727739a6805d85fa",
    ),
    (
        "decide_appeal_with_finding",
        f"/loans/{LOAN}/responsibility/{ID}/decision",
        {"outcome": "amended", "finding": "secondary", "reason": "部分采纳"},
        [],
        "896fdac8a83c9919dcfcdde532e0983fd76a0dab71dead6847f91687627e15fb",
    ),
    (
        "record_objection",
        f"/loans/{LOAN}/objections",
        {"subject": "责任认定", "text": "认定事实有误"},
        [],
        "03fb51abd6b338a4951f74a71d57a79dfde5c89b00d20e677a07052996fd58ef",
    ),
    (
        "request_borrowing",
        f"/loans/{LOAN}/dossier/borrowings",
        {
            "purpose": "audit",
            "reason": "内审抽查",
            "requested_on": "2026-11-02",
        },
        [],
        "4dee8143240d79841cbb2ab09fddc471d71c71f226ff290043043e4d0efda7b5",
    ),
    (
        "request_borrowing_of_documents",
        f"/loans/{LOAN}/dossier/borrowings",
        {
            "purpose": "litigation",
            "form": "electronic_copy",
            "reason": "诉讼举证",
            "requested_on": "2026-11-02",
            "due_on": "2026-11-20",
            "documents": [SHA],
        },
        [],
        "f375cdfc30b7d35d80f73b386b26205f91b8fa13f5d59273c5838aec2888a531",
    ),
    (
        "approve_borrowing",
        f"/borrowings/{ID}/approve",
        {},
        [],
        "76a61108f698285e062e8597b80af08f96e15e95a546000be2f2178191b66ec2",
    ),
    (
        "approve_borrowing_with_archivist",
        f"/borrowings/{ID}/approve",
        {"due_on": "2026-11-20", "archivist_no": "AR001", "reason": "同意"},
        [],
        "f1f68c4aae6eede1035c79b70378ce34033a752bfe8e526a2148718df49e3e83",
    ),
    (
        "reject_borrowing",
        f"/borrowings/{ID}/reject",
        {"reason": "用途不明"},
        [],
        "3c63b641bd98a81b5ce93120e47e1dd51b94571a7a5ee866be51cdb63c086006",
    ),
    (
        "check_out",
        f"/borrowings/{ID}/check-out",
        {"on": "2026-11-03", "pages": {SHA: 12}},
        [],
        "97f128a438abf44b7d8e9ec99d0102ea27e8c82f4180bcc17672dbd41e43473c",
    ),
    (
        "return_borrowing",
        f"/borrowings/{ID}/return",
        {"on": "2026-11-10", "pages": {SHA: 11}, "expected_version": 4},
        [],
        "38f19a29fdd737c1249e1724337af703394efbd65f1e7c83a8dc6c72b766f15c",
    ),
    (
        "close_borrowing",
        f"/borrowings/{ID}/close",
        {"closed_on": "2026-11-11"},
        [],
        "4daa5551d6ebf8afa8a1a7b09395989b38d3c0374ff17e618ef81e3ea336ffc9",
    ),
    (
        "close_borrowing_with_reason",
        f"/borrowings/{ID}/close",
        {"closed_on": "2026-11-11", "reason": "缺页已报告"},
        [],
        "c921a23b9b9f497713effd260e15b021965442ac163188fdc826612b17f2d595",
    ),
    (
        "issue_electronic_copy",
        f"/borrowings/{ID}/electronic-copy",
        {"issued_on": "2026-11-03", "expires_on": "2026-11-30"},
        [],
        "f84458c5e652f4557571d4cbae1475e59e40b1531649d9a9fc574c6bb4528552",
    ),
    (
        "note_overdue_borrowings",
        "/borrowings/overdue-notices",
        {"on": "2026-11-20"},
        [],
        "623df8e6276a129ad8be061d14b9dcd95a58cbd072aa854d36c6f57b23165a4b",
    ),
    (
        "propose_destruction",
        "/destruction-batches",
        {"loan_nos": [LOAN, "DK2025000302"], "proposed_on": "2026-11-02"},
        [],
        "d058fd146f854dca27db47c3e2bf317fde857f439ff234a47fc5c63f1c7b0d8d",
    ),
    (
        "approve_destruction",
        f"/destruction-batches/{ID}/approve",
        {"approved_on": "2026-11-03"},
        [],
        "215084064ddf2c9085175ceca33d954791911db95bc32e299e68a9e030e66b96",
    ),
    (
        "compliance_approve_destruction",
        f"/destruction-batches/{ID}/compliance-approve",
        {"approved_on": "2026-11-04"},
        [],
        "07fce4c3a2a3f2af3cb100ddb26ac872fc2d3a90e03a3a860bf133c638f06a85",
    ),
    (
        "execute_destruction",
        f"/destruction-batches/{ID}/execute",
        {"supervisor_nos": ["AH001", "AU001"], "method": "碎纸机粉碎"},
        [],
        "4d8ea27e464b26ab84bfe511f1a35310ff57a1bf6a0e8a9a43698442c1006d1f",
    ),
    (
        "execute_destruction_with_it_supervisor",
        f"/destruction-batches/{ID}/execute",
        {"supervisor_nos": ["AH001", "AU001"], "it_supervisor_no": "IT001", "method": "粉碎"},
        [],
        "f86579091fccb90bd55a03bdb288eba4182bdd2b5b984c66685501ec0a06b5fe",
    ),
    (
        "list_transfer",
        f"/loans/{LOAN}/dossier/transfers",
        {
            "kind": "originals",
            "items": [
                {"doc_type": "loan_contract", "title": "借款合同", "pages": 12},
                {"doc_type": "drawdown_receipt", "title": "借据", "pages": 1},
            ],
            "listed_on": "2025-03-03",
        },
        [],
        "16c9ea77e0daec16eb18f92285e14c106c3e978c16609f7b909da197f838c8db",
    ),
    (
        "list_transfer_signed_with_a_list",
        f"/loans/{LOAN}/dossier/transfers",
        {
            "kind": "full",
            "items": [{"doc_type": "approval", "title": "审批表", "pages": 2}],
            "listed_on": "2026-03-03",
            "signed_on": "2025-03-01",
            "expected_version": 5,
        },
        [TRANSFER_LIST],
        "7a1ec73f07d7a6315639139dee37c53df15fbf527be3d9e13b8bb6582b8ae9a3",
    ),
    (
        "receive_transfer",
        f"/loans/{LOAN}/dossier/transfers/{ID}/receive",
        {
            "checks": [
                {"item_no": 1, "condition": "present", "pages_counted": 12},
                {"item_no": 2, "condition": "damaged", "pages_counted": 1, "note": "水渍"},
                {"item_no": 3, "condition": "missing"},
            ],
            "received_on": "2025-03-05",
        },
        [],
        "8c4305e6ea4ac7abb392e2289a6984bfa3d748a1750018fbfbbcb25c2d92c335",
    ),
    (
        "clear_defect",
        f"/loans/{LOAN}/dossier/defects/{ID}/clear",
        {"cleared_on": "2025-03-12", "note": "借据原件已补交"},
        [],
        "b9b600f0cb5c21f9ba155cb6b46b490cff276267cf1cc13c964ddcfde43fe5f7",
    ),
    (
        "catalogue",
        f"/loans/{LOAN}/dossier/catalogue",
        {"shelf_location": "2-03-05-2", "catalogued_on": "2026-03-10"},
        [],
        "398360b4f495d0d3b18bf58a5de90f690730e0e1ed8029098c377ec6e0c7b97d",
    ),
    (
        "place_hold",
        f"/loans/{LOAN}/dossier/holds",
        {
            "kind": "litigation",
            "reason": "借款人涉诉",
            "reference": "(2026)浙0102民初123号",
            "placed_on": "2026-04-01",
        },
        [],
        "f14776f7d06570081b2f185f2650d6db8e3a2f98c4d8a9c32dc78c59e3505009",
    ),
    (
        "release_hold",
        f"/loans/{LOAN}/dossier/holds/{ID}/release",
        {"reason": "案件已结", "released_on": "2026-09-01"},
        [],
        "fefcd146045f76ae8b2fe74db3ddcae7b98aec976997a0ca081b75452eea1521",
    ),
    (
        "open_appraisal",
        f"/loans/{LOAN}/dossier/appraisals",
        {"opened_on": "2056-01-10", "group_nos": ["AH001", "AU001"]},
        [],
        "e9c8f9c59893243033df39c993562660733627ff40b2826c3326a7535cc8c559",
    ),
    (
        "decide_appraisal",
        f"/loans/{LOAN}/dossier/appraisals/{ID}/decide",
        {"opinion": "destroy", "text": "已无保存价值", "decided_on": "2056-01-20"},
        [],
        "63473e334894c106ebd17419c342bdfd389c4d8abef35f5cc52caf698d9e5194",
    ),
    (
        "extend_retention",
        f"/loans/{LOAN}/dossier/retention/extend",
        {"ends_on": "2066-12-31", "reason": "仍有诉讼", "extended_on": "2056-01-21"},
        [],
        "267f01ec9d29732ceefc8ed4377b3367b000fc05ca18d7ae97aabdb7fbeb51a7",
    ),
    (
        "extend_retention_after_an_appraisal",
        f"/loans/{LOAN}/dossier/retention/extend",
        {
            "ends_on": "2066-12-31",
            "reason": "鉴定意见：延长",
            "extended_on": "2056-01-21",
            "appraisal_id": ID,
        },
        [],
        "3082c37c1e7b802eeb5d482d7660a0c8ecd4e5390c6c33d4e82940942458fc75",
    ),
    (
        "register_collateral",
        f"/loans/{LOAN}/collateral",
        {
            "collateral_no": "YP2025000301-01",
            "kind": "real_estate",
            "description": "杭州市西湖区文三路 1 号 301 室",
            "owner_name": "张三",
            "appraised_value": "1200000.00",
            "appraised_on": "2025-02-20",
            "registration_no": "浙(2025)杭州市不动产证明第0001号",
            "registered_on": "2025-02-25",
        },
        [],
        "d7378549c0068efec77175ee200dc3168b0c9eb72750b9dba987f11733e6ffb1",
    ),
    (
        "register_collateral_valued_as_a_number",
        f"/loans/{LOAN}/collateral",
        {
            "collateral_no": "YP2025000301-02",
            "kind": "deposit_receipt",
            "description": "定期存单",
            "owner_name": "李四",
            "appraised_value": 500000.5,
            "appraised_on": "2025-02-20",
            "registered_on": "2025-02-25",
        },
        [],
        "3c077f918859cc8b999301794393bd43f9c8cb069b47950ee75afe2c1ab455c2",
    ),
    (
        "lodge_certificate",
        f"/loans/{LOAN}/collateral/YP-01/lodge",
        {"certificate_no": "ZS-0001", "lodged_on": "2025-03-01", "custodian_nos": ["A1", "A2"]},
        [],
        "066d3e2b3781a7826ab029fee2c417452821bfe7ec475470213ac336d91bece6",
    ),
    (
        "take_out_certificate",
        f"/loans/{LOAN}/collateral/YP-01/take-out",
        {"taken_out_on": "2025-06-01", "purpose": "办理续押", "custodian_nos": ["A1", "A2"]},
        [],
        "4181753224ab31422e583549170f9dfd9acf7921f80b51924798b638cbcee655",
    ),
    (
        "return_certificate",
        f"/loans/{LOAN}/collateral/YP-01/return",
        {"returned_on": "2025-06-03", "custodian_nos": ["A2", "A1"], "expected_version": 4},
        [],
        "2af59e0531fe9f6c24d591be8a175aafed21f6a50dc1fa28ebfd3206a0b01670",
    ),
    (
        "revalue_collateral",
        f"/loans/{LOAN}/collateral/YP-01/revalue",
        {"revalued_on": "2025-12-31", "value": "1100000"},
        [],
        "e1febe9b7208cb149e0a3f9b5d5eb5697b1fd0572e69ba71652f737aa7154064",
    ),
    (
        "renew_insurance",
        f"/loans/{LOAN}/collateral/YP-01/insurance/renew",
        {"policy_no": "PICC-2026-01", "insurer": "中国人保", "expires_on": "2027-01-01"},
        [],
        "02a6d8dfb4d607be87fb1bc1a10d8fea6c6c1ca04339b9a70231c284d10c8aa5",
    ),
    (
        "record_insurance_lapse",
        f"/loans/{LOAN}/collateral/YP-01/insurance/lapse",
        {"lapsed_on": "2026-01-02"},
        [],
        "236d6668add69ab02513d6e54a5e134165c7b7e26650c06ab88f66c5fac80f81",
    ),
    (
        "release_collateral",
        f"/loans/{LOAN}/collateral/YP-01/release",
        {"released_on": "2026-03-01", "reason": "贷款已结清"},
        [],
        "e6538b9452493af9591c82bbee19d5df6c0d514a78f49f7534afee9c039d50d7",
    ),
    (
        "enrol_staff",
        "/staff",
        {"staff_no": "0942", "name": "王芳", "branch": "城东支行", "roles": ["auditor"]},
        [],
        "6d7ae43019f3ddeffd267720cce35021c02eff5289f5d422101ea661aa704c20",
    ),
    (
        "enrol_staff_without_roles",
        "/staff",
        {"staff_no": "0943", "name": "赵敏", "branch": "城东支行"},
        [],
        "5ccef53f0d3a28b358695e58027018d63fef59a26a9d3a8d7bd60d58559a47e4",
    ),
    (
        "grant_role",
        "/staff/0942/roles",
        {"role": "archivist"},
        [],
        "5b2de96991f8b6e4a55418d315ffbd1dc20b8abf9b7369dcac6ec3c288016f63",
    ),
    (
        "revoke_role",
        "/staff/0942/roles/auditor/revoke",
        {"reason": "调离审计岗位"},
        [],
        "03e5d2178811d1a162da086aa00ab9456d12504acfbfa4244eacafebf419ec19",
    ),
]


class Fingerprinted(Exception):
    """The command path reached the fingerprint: here is its hash."""

    def __init__(self, digest: str) -> None:
        super().__init__(digest)
        self.digest = digest


def stop_at_fingerprint(
    ctx: CommandContext,
    action: Action,
    params: Mapping[str, Any],
    body: Any,
    uploads: Sequence[Upload] = (),
) -> Any:
    """The first steps of the command path: documents staged, the request fingerprinted."""
    with staged(list(uploads), ArchiveConfig(), shipped_rules) as documents:
        raise Fingerprinted(_fingerprint(action, params, [d.ref for d in documents]))


def transfer_receipt() -> Upload:
    """A receipt's signed transfer list (移交清单), which the real office renders."""
    content = io.BytesIO(pdf("transfer receipt"))
    return Upload("transfer_list", "移交清单.pdf", content, declared_media_type="application/pdf")


def slip() -> Upload:
    """A hand-out's borrow slip (借阅单), which the real desk renders from the borrowing."""
    content = io.BytesIO(pdf("borrow slip"))
    return Upload("borrow_slip", "借阅单.pdf", content, declared_media_type="application/pdf")


@pytest.fixture(scope="module")
def client() -> TestClient:
    """The real routes over an application that stops at the fingerprint."""
    stub: Any = DossierArchive.__new__(DossierArchive)
    stub.authenticate = lambda token: STAFF_ID
    stub.authenticate_token = lambda token: (STAFF_ID, STAFF_ID)
    stub.wall_clock = lambda: datetime.now(UTC)
    stub.config = ArchiveConfig()  # the core-banking feed off: the commands reach the path
    stub._execute = stop_at_fingerprint
    # What some commands read before their command path starts.
    stub.actor = lambda ctx, action: None
    stub._borrow_slip = lambda ctx, action, borrowing_id, pages: slip()
    stub._transfer_receipt = lambda *args, **kwargs: transfer_receipt()
    stub._arrears_notices = lambda cmd, uploads: []  # notices the ladder generates
    stub._all_borrowings = lambda: [SimpleNamespace(is_overdue=lambda on: True)]
    stub.destruction_batch = lambda batch_id: SimpleNamespace(executed=False)
    return TestClient(create_app(Settings(), stub))


def fingerprint_of(client: TestClient, path: str, body: dict[str, Any], files: list[Any]) -> str:
    headers = {"Authorization": "Bearer t", "Idempotency-Key": "k-1"}
    form: dict[str, Any] = (
        {"data": {"data": json.dumps(body, ensure_ascii=False)}, "files": files}
        if files
        else {"json": body}
    )
    with pytest.raises(Fingerprinted) as reached:
        client.post(f"/api/v1{path}", headers=headers, **form)
    return reached.value.digest


@pytest.mark.parametrize(
    ("path", "body", "files", "digest"),
    [pytest.param(path, body, files, digest, id=name) for name, path, body, files, digest in CASES],
)
def test_a_command_request_keeps_the_fingerprint_it_had(
    client: TestClient, path: str, body: dict[str, Any], files: list[Any], digest: str
) -> None:
    assert fingerprint_of(client, path, body, files) == digest


def test_a_stored_receipt_holds_the_pinned_fingerprint(api: Api) -> None:
    """End to end: an inspection's receipt holds the hash pinned above (no version in it), a
    free-text one as before checklists."""
    disburse(api, LOAN)
    free_text_inspections(api.archive)
    _name, path, body, files, digest = CASES[1]
    headers = {"Idempotency-Key": "insp-1"}
    unversioned = {k: v for k, v in body.items() if k != "expected_version"}
    answer = api.upload("am", path, unversioned, files, headers=headers)
    assert answer.status_code == 201, answer.text
    staff_id = api.archive.authenticate(api.headers["am"]["Authorization"].split()[1])
    receipt = api.archive.repository.get(CommandReceipt.create_id(staff_id, "insp-1"))
    assert receipt.fingerprint == digest
