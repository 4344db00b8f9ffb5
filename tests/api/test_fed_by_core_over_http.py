"""One source of each fact: with the core-banking feed enabled (``DOSSIER_FEED_ENABLED``), what
the core system owns — disbursements, repayments, overdue status, settlement — is recorded only
from its batches. The manual routes answer 409 ``fed_by_core`` and record nothing, documents
included; with the feed off they record as before. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.composition import build_archive
from api.settings import Settings
from archive.commands.staff import EnrolStaff
from archive.config import ArchiveConfig
from archive.core import SYSTEM_ID, CommandContext
from archive.feed.batch import LOANS, OVERDUE, REPAYMENTS, SETTLEMENTS
from archive.feed.writing import write_batch
from domain.loan import Loan
from domain.values import LoanStatus, Role
from tests.api.conftest import Api, pdf
from tests.api.served import app_serving
from tests.factories import encrypted_archive, settings_for

DAY1 = date(2026, 11, 2)
DAY2 = date(2026, 11, 3)

STAFF = {
    "am": ("account_manager", "张伟", Role.ACCOUNT_MANAGER),
    "officer": ("post_loan_officer", "刘洋", Role.POST_LOAN_OFFICER),
    "head": ("branch_head", "赵刚", Role.BRANCH_HEAD),
    "reviewer": ("reviewer", "王芳", Role.REVIEWER),
    "integration": ("integration", "核心系统对接", Role.INTEGRATION),
}

BOOKED = {
    "loan_no": "JD-1",
    "borrower_name": "林秀英",
    "borrower_kind": "individual",
    "borrower_id_type": "resident_id",
    "borrower_id_no": "11010519491231002X",
    "product": "individual_production",
    "branch": "营业部",
    "account_manager_no": "account_manager",
    "principal": "2000.00",
    "rate": "0.0435",
    "value_date": "2026-11-02",
    "maturity_date": "2027-11-02",
    "repayment_method": "equal_principal",
    "guarantee_type": "guarantee",
    "purpose": "购买种苗",
}
"""The loan the core system books in the first batch (loans.csv)."""

DISBURSEMENT = {
    "loan_no": "JD-9",
    "borrower_id": "91330100MA2KXXXX1Y",
    "borrower_name": "杭州示例机械制造有限公司",
    "borrower_type": "corporate",
    "borrower_rating": "A",
    "product": "corporate_working_capital",
    "principal": "1000000.00",
    "interest_rate": "4.35%",
    "value_date": "2026-11-02",
    "maturity_date": "2027-11-02",
    "repayment_method": "instalment",
    "guarantee_type": "guarantee",
    "branch": "营业部",
    "purpose": "购买原材料",
}


@dataclass
class Bank:
    """The API over a fresh store, the feed's identity, and where its batches are written."""

    api: Api
    feed: CommandContext
    batches: Path

    def import_batch(self, day: date, files: dict[str, list[dict[str, object]]]) -> Any:
        path = write_batch(
            self.batches / f"feed-{day:%Y%m%d}",
            bank="云溪农商银行",
            business_date=day,
            files=files,
        )
        [outcome] = self.api.archive.import_feed(self.feed, [path])
        assert outcome.status == "applied"
        return outcome

    def loan(self) -> Loan:
        loan = self.api.archive.repository.get(Loan.create_id("JD-1"))
        assert isinstance(loan, Loan)
        return loan


def _bank(store_env: dict[str, str], tmp_path: Path, *, fed: bool) -> Iterator[Bank]:
    archive = encrypted_archive(store_env, tmp_path, ArchiveConfig(fed_by_core=fed))
    admin = archive.execute(
        CommandContext(SYSTEM_ID),
        EnrolStaff(staff_no="ADM01", name="系统管理员", branch="总行", roles=[Role.ADMINISTRATOR]),
    )
    headers: dict[str, dict[str, str]] = {}
    feed = CommandContext(SYSTEM_ID)
    for who, (staff_no, name, role) in STAFF.items():
        enrolled = archive.execute(
            CommandContext(admin.staff.id),
            EnrolStaff(staff_no=staff_no, name=name, branch="营业部", roles=[role]),
        )
        assert enrolled.token is not None
        headers[who] = {"Authorization": f"Bearer {enrolled.token.token}"}
        if role is Role.INTEGRATION:
            feed = CommandContext(archive.authenticate(enrolled.token.token))
    settings = Settings(data_dir=tmp_path, in_process_sealer=False, feed_enabled=fed)
    batches = tmp_path / "batches"
    batches.mkdir()
    with TestClient(app_serving(settings, archive)) as client:
        bank = Bank(Api(client, archive, headers), feed, batches)
        bank.import_batch(DAY1, {LOANS: [BOOKED]})
        yield bank
    archive.close()


@pytest.fixture
def fed(store_env: dict[str, str], tmp_path: Path) -> Iterator[Bank]:
    """The feed enabled; JD-1 booked by the core system's first batch."""
    yield from _bank(store_env, tmp_path, fed=True)


@pytest.fixture
def manual(store_env: dict[str, str], tmp_path: Path) -> Iterator[Bank]:
    """The feed not enabled (the default); JD-1 booked by a batch all the same."""
    yield from _bank(store_env, tmp_path, fed=False)


def _document(doc_type: str, name: str) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [(doc_type, (f"{name}.pdf", pdf(name), "application/pdf"))]


REPAYMENT = {"paid_on": "2026-11-03", "principal": "500.00", "interest": "7.25"}
OVERDUE_STATUS = {
    "as_of": "2026-11-03",
    "days_overdue": 3,
    "overdue_principal": "100.00",
    "overdue_interest": "1.00",
}


def _refused(answer: Any, fact_zh: str, file: str) -> None:
    assert answer.status_code == 409, answer.text
    body = answer.json()
    assert body["error"] == "fed_by_core"
    assert fact_zh in body["detail"]["zh"]
    assert "核心系统" in body["detail"]["zh"]
    assert "core system's day-end feed" in body["detail"]["en"]
    assert file in body["detail"]["en"]
    assert "by hand" in body["detail"]["en"]


def test_with_the_feed_enabled_the_core_facts_are_refused_by_hand_recording_nothing(
    fed: Bank,
) -> None:
    api = fed.api
    version = fed.loan().version
    before = api.counts()

    booked = api.upload("am", "/loans", DISBURSEMENT, _document("loan_contract", "借款合同"))
    _refused(booked, "放款", "loans.csv")
    assert api.counts() == before
    plain = api.post("am", "/loans", DISBURSEMENT)
    _refused(plain, "放款", "loans.csv")

    for who in ("am", "officer"):
        repaid = api.upload(
            who, "/loans/JD-1/repayments", REPAYMENT, _document("repayment_voucher", "还款凭证")
        )
        _refused(repaid, "还款", "repayments.csv")
        assert api.counts() == before
    _refused(api.post("am", "/loans/JD-1/repayments", REPAYMENT), "还款", "repayments.csv")

    overdue = api.post("officer", "/loans/JD-1/overdue-status", OVERDUE_STATUS)
    _refused(overdue, "逾期", "overdue.csv")

    settled = api.upload(
        "am",
        "/loans/JD-1/settlement",
        {"settled_on": "2026-11-03"},
        _document("settlement_certificate", "结清证明"),
    )
    _refused(settled, "结清", "settlements.csv")
    english = api.post(
        "am",
        "/loans/JD-1/settlement",
        {"settled_on": "2026-11-03"},
        headers={"Accept-Language": "en", "Idempotency-Key": "settle-by-hand-1"},
    )
    _refused(english, "结清", "settlements.csv")
    assert english.json()["message"].startswith("settlement comes from the core system")

    assert api.counts() == before
    assert fed.loan().version == version
    assert api.get("am", "/loans/JD-9").status_code == 404


def test_with_the_feed_enabled_the_feed_still_records_what_the_core_owns(fed: Bank) -> None:
    fed.import_batch(
        DAY2,
        {
            LOANS: [{**BOOKED, "loan_no": "JD-2", "value_date": "2026-11-03"}],
            REPAYMENTS: [
                {
                    "reference": "TX-1",
                    "loan_no": "JD-1",
                    "paid_on": "2026-11-03",
                    "principal": "2000.00",
                    "interest": "7.25",
                    "penalty": "0.00",
                }
            ],
            OVERDUE: [
                {
                    "loan_no": "JD-1",
                    "days_overdue": "0",
                    "overdue_principal": "0.00",
                    "overdue_interest": "0.00",
                }
            ],
            SETTLEMENTS: [{"loan_no": "JD-1", "settled_on": "2026-11-03", "how": "repaid"}],
        },
    )
    settled = fed.loan()
    assert settled.status is LoanStatus.SETTLED
    assert settled.balance == 0
    assert set(settled.core_references) == {"TX-1"}
    assert fed.api.archive.repository.get(Loan.create_id("JD-2")) is not None


def test_with_the_feed_off_the_routes_record_as_before(manual: Bank) -> None:
    api = manual.api
    before = api.counts()
    repaid = api.upload(
        "am", "/loans/JD-1/repayments", REPAYMENT, _document("repayment_voucher", "还款凭证")
    )
    assert repaid.status_code == 201, repaid.text
    events, blobs, _keys = api.counts()
    assert events > before[0]
    assert blobs == before[1] + 1
    overdue = api.post("officer", "/loans/JD-1/overdue-status", OVERDUE_STATUS)
    assert overdue.status_code == 201, overdue.text
    cured = {**OVERDUE_STATUS, "days_overdue": 0, "overdue_principal": "0", "overdue_interest": "0"}
    assert api.post("officer", "/loans/JD-1/overdue-status", cured).status_code == 201
    rest = {"paid_on": "2026-11-03", "principal": "1500.00", "interest": "0"}
    assert api.post("am", "/loans/JD-1/repayments", rest).status_code == 201
    settled = api.post("am", "/loans/JD-1/settlement", {"settled_on": "2026-11-03"})
    assert settled.status_code == 201, settled.text
    assert manual.loan().status is LoanStatus.SETTLED
    booked = api.upload("am", "/loans", DISBURSEMENT, _document("loan_contract", "借款合同"))
    assert booked.status_code == 201, booked.text


def test_an_extension_stays_manual_and_the_core_reporting_it_records_nothing_more(
    fed: Bank,
) -> None:
    api = fed.api
    extended = api.post(
        "head",
        "/loans/JD-1/extensions",
        {
            "approved_on": "2026-11-03",
            "new_maturity_date": "2028-11-02",
            "reason": "季节性回款延迟",
        },
    )
    assert extended.status_code == 201, extended.text
    version = fed.loan().version
    fed.import_batch(DAY2, {LOANS: [{**BOOKED, "maturity_date": "2028-11-02"}]})
    assert fed.loan().version == version
    assert fed.loan().term.maturity_date == date(2028, 11, 2)


def test_the_setting_reaches_the_archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOSSIER_FEED_ENABLED", raising=False)
    off = build_archive(settings_for(tmp_path / "off"))
    try:
        assert off.config.fed_by_core is False
    finally:
        off.close()
    monkeypatch.setenv("DOSSIER_FEED_ENABLED", "true")
    settings = settings_for(tmp_path / "on")
    assert settings.feed_enabled is True
    on = build_archive(settings)
    try:
        assert on.config.fed_by_core is True
    finally:
        on.close()


def test_the_openapi_names_the_refusal_on_the_routes_the_core_owns(tmp_path: Path) -> None:
    paths = create_app(Settings(data_dir=tmp_path)).openapi()["paths"]
    for path in ("", "/{loan_no}/repayments", "/{loan_no}/overdue-status", "/{loan_no}/settlement"):
        answer = paths[f"/api/v1/loans{path}"]["post"]["responses"]["409"]
        assert "fed_by_core" in answer["description"]
        assert answer["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    extension = paths["/api/v1/loans/{loan_no}/extensions"]["post"]["responses"]["409"]
    assert "fed_by_core" not in extension["description"]


ORIGINATION = {
    "filed_on": "2026-11-02",
    "borrower_rating": "A",
    "origination_reviewer": "reviewer",
    "approver": "branch_head",
}
"""The origination record of JD-1 (贷前资料补录): what the core does not carry."""


def test_the_account_manager_files_the_origination_record_of_a_loan_the_core_booked(
    fed: Bank,
) -> None:
    api = fed.api
    credit_file = [
        *_document("loan_application", "借款申请书"),
        *_document("approval", "审批书"),
        *_document("loan_contract", "借款合同"),
    ]
    path = "/loans/JD-1/origination-record"
    before = api.counts()

    # Refused, recording nothing: another role; no documents; a document of another stage;
    # the investigator as reviewer.
    by_officer = api.upload("officer", path, ORIGINATION, credit_file)
    assert by_officer.status_code == 403, by_officer.text
    bare = api.post("am", path, ORIGINATION)
    assert bare.status_code == 422, bare.text
    assert bare.json()["detail"]["zh"]
    assert bare.json()["detail"]["en"]
    stray = api.upload("am", path, ORIGINATION, _document("inspection_report", "检查报告"))
    assert stray.status_code == 422, stray.text
    assert "放款资料" in stray.json()["detail"]["zh"]
    itself = api.upload(
        "am", path, {**ORIGINATION, "origination_reviewer": "account_manager"}, credit_file
    )
    assert itself.status_code == 403, itself.text
    assert itself.json()["error"] == "segregation_of_duties"
    assert api.counts() == before

    filed = api.upload("am", path, ORIGINATION, credit_file)
    assert filed.status_code == 201, filed.text
    assert filed.json()["events"] == ["OriginationRecordFiled"]
    assert len(filed.json()["documents"]) == 3
    loan = api.get("am", "/loans/JD-1").json()
    people = {p: api.archive.staff(n).id for p, n in (("r", "reviewer"), ("h", "branch_head"))}
    assert loan["borrower_rating"] == "A"
    assert loan["origination_reviewer_id"] == str(people["r"])
    assert loan["approver_id"] == str(people["h"])

    # Once: the second is a bilingual 409, recording nothing.
    after = api.counts()
    again = api.upload("am", path, {**ORIGINATION, "borrower_rating": "AA"}, credit_file)
    assert again.status_code == 409, again.text
    assert "不能重复补录" in again.json()["detail"]["zh"]
    assert "filed once" in again.json()["detail"]["en"]
    assert api.counts() == after
