"""Fixtures of the HTTP tests: the API over a fresh store, and one token per duty."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from reportlab.pdfgen import canvas

from api.composition import Integrity
from api.settings import Settings
from archive.application import DossierArchive
from archive.commands.staff import EnrolStaff, IssuedToken
from archive.config import ArchiveConfig
from archive.core import SYSTEM_ID, CommandContext
from domain.rules import RuleSet
from domain.values import Role
from storage.blobs import LocalBlobStore
from storage.envelope import EncryptingBlobStore
from tests.api.console_harness import console  # noqa: F401 (fixture)
from tests.api.served import app_serving
from tests.factories import FIGURES, encrypted_archive
from tests.factories import answered as answered
from tests.postgres import fresh_schema

STAFF = {
    "am": ("AM001", "张伟", [Role.ACCOUNT_MANAGER]),
    "am2": ("AM002", "王芳", [Role.ACCOUNT_MANAGER]),
    "reviewer": ("RV001", "李娜", [Role.REVIEWER]),
    "officer": ("PL001", "刘洋", [Role.POST_LOAN_OFFICER]),
    "risk": ("RM001", "陈静", [Role.RISK_MANAGER]),
    "risk2": ("RM002", "杨帆", [Role.RISK_MANAGER]),
    "head": ("BH001", "赵刚", [Role.BRANCH_HEAD]),
    "auditor": ("AU001", "黄敏", [Role.AUDITOR]),
    "archivist": ("AR001", "孙悦", [Role.ARCHIVIST]),
    "archivist2": ("AR002", "周婷", [Role.ARCHIVIST]),
    "archhead": ("AH001", "吴静", [Role.ARCHIVE_HEAD]),
}


def limited_archive(
    store_env: dict[str, str], tmp_path: Path, max_upload_bytes: int
) -> tuple[DossierArchive, IssuedToken | None]:
    """An archive on plain local blobs taking documents of at most ``max_upload_bytes``, with
    an administrator enrolled: the archive and the administrator's token."""
    archive = DossierArchive(
        store_env,
        blobs=LocalBlobStore(tmp_path / "blobs"),
        config=ArchiveConfig(max_upload_bytes=max_upload_bytes),
    )
    enrolled = archive.execute(
        CommandContext(SYSTEM_ID),
        EnrolStaff(staff_no="AD", name="管理员", branch="总行", roles=[Role.ADMINISTRATOR]),
    )
    return archive, enrolled.token


def pdf(text: str = "借款合同", pages: int = 1) -> bytes:
    """A real, small PDF made with ReportLab."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=True)
    for number in range(pages):
        page.drawString(72, 720, f"{text} page {number + 1}")
        page.showPage()
    page.save()
    return buffer.getvalue()


@dataclass
class Api:
    """The client, the application behind it, and a header set per person."""

    client: TestClient
    archive: DossierArchive
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def enrol(self, who: str) -> Any:
        """Enrol ``who`` of :data:`STAFF` over HTTP as the administrator; keep their token.

        The answer is returned for the caller to check (201 when enrolled).
        """
        staff_no, name, roles = STAFF[who]
        answer = self.post(
            "admin",
            "/staff",
            {
                "staff_no": staff_no,
                "name": name,
                "branch": "城东支行",
                "roles": [r.value for r in roles],
            },
        )
        if answer.status_code == 201:
            self.headers[who] = {"Authorization": f"Bearer {answer.json()['token']}"}
        return answer

    def counts(self) -> tuple[int, int, int]:
        """(events, blobs, data keys) stored — what a refusal must leave unchanged."""
        blobs = self.archive.blobs
        keys = blobs.envelope.keys.count() if isinstance(blobs, EncryptingBlobStore) else 0
        return self.archive.recorder.max_notification_id() or 0, blobs.count(), keys

    def post(
        self,
        who: str,
        path: str,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        **kw: Any,
    ) -> Any:
        merged = {**self.headers[who], **(headers or {})}
        return self.client.post(f"/api/v1{path}", json=body, headers=merged, **kw)

    def send(
        self, who: str, path: str, content: str | bytes, content_type: str = "application/json"
    ) -> Any:
        """``content`` posted as it is, said to be ``content_type``: a body no client would
        build."""
        headers = {**self.headers[who], "Content-Type": content_type}
        return self.client.post(f"/api/v1{path}", content=content, headers=headers)

    def upload(
        self,
        who: str,
        path: str,
        body: dict[str, Any],
        files: list[tuple[str, tuple[str, bytes, str]]],
        headers: dict[str, str] | None = None,
        **kw: Any,
    ) -> Any:
        return self.client.post(
            f"/api/v1{path}",
            data={"data": json.dumps(body, ensure_ascii=False)},
            files=files,
            headers={**self.headers[who], **(headers or {})},
            **kw,
        )

    def get(self, who: str, path: str, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        merged = {**self.headers[who], **(headers or {})}
        return self.client.get(f"/api/v1{path}", headers=merged, **kw)

    @property
    def integrity(self) -> Integrity:
        """The Merkle log's store and sealer the app built (its sealer is not started)."""
        integrity: Integrity = self.client.app.state.integrity  # type: ignore[attr-defined]
        return integrity


@pytest.fixture
def api(store_env: dict[str, str], tmp_path: Path) -> Iterator[Api]:
    """The API on a fresh event store (SQLite and PostgreSQL), its staff enrolled."""
    archive = encrypted_archive(store_env, tmp_path)
    # Sealing happens on demand (POST /integrity/checkpoints), not in a thread, so that
    # what is sealed is what the test says.
    settings = Settings(data_dir=tmp_path, in_process_sealer=False)
    admin = archive.execute(
        CommandContext(SYSTEM_ID),
        EnrolStaff(staff_no="ADM01", name="系统管理员", branch="总行", roles=[Role.ADMINISTRATOR]),
    )
    assert admin.token is not None
    headers = {"admin": {"Authorization": f"Bearer {admin.token.token}"}}
    # Enrolled by the administrator as the route would (tests of enrolment over HTTP use
    # ``Api.enrol``), without a request each.
    for who, (staff_no, name, roles) in STAFF.items():
        enrolled = archive.execute(
            CommandContext(admin.staff.id),
            EnrolStaff(staff_no=staff_no, name=name, branch="城东支行", roles=list(roles)),
        )
        assert enrolled.token is not None
        headers[who] = {"Authorization": f"Bearer {enrolled.token.token}"}
    with TestClient(app_serving(settings, archive)) as client:
        yield Api(client, archive, headers)
    archive.close()


DISBURSEMENT = {
    "borrower_id": "91330100MA2KXXXX1Y",
    "borrower_name": "杭州示例机械制造有限公司",
    "borrower_type": "corporate",
    "borrower_rating": "A",
    "product": "corporate_working_capital",
    "principal": "1000000.00",
    "interest_rate": "4.35%",
    "value_date": "2025-03-01",
    "maturity_date": "2026-03-01",
    "repayment_method": "instalment",
    "guarantee_type": "guarantee",
    "branch": "城东支行",
    "purpose": "购买原材料",
}


def disburse_elsewhere(api: Api, loan_no: str, branch: str, **overrides: Any) -> Any:
    """A loan booked by AM001 in 城东支行, moved to ``branch`` by a risk manager from its value
    date: AM001 stays its A岗 (an account manager books loans in their own branch only)."""
    booked = disburse(api, loan_no, **overrides)
    on = overrides.get("value_date", DISBURSEMENT["value_date"])
    moved = api.post(
        "risk", f"/loans/{loan_no}/moves", {"branch": branch, "moved_on": on, "reason": "划转"}
    )
    assert moved.status_code == 201, moved.text
    return {**booked, "position": moved.json()["position"]}


def disburse(api: Api, loan_no: str, **overrides: Any) -> Any:
    """Disburse a loan over HTTP with its contract and drawdown receipt."""
    body = {**DISBURSEMENT, "loan_no": loan_no, **overrides}
    answer = api.upload(
        "am",
        "/loans",
        body,
        [
            (
                "loan_contract",
                (f"借款合同-{loan_no}.pdf", pdf(f"loan contract {loan_no}"), "application/pdf"),
            ),
            (
                "drawdown_receipt",
                (f"借据-{loan_no}.pdf", pdf(f"receipt {loan_no}"), "application/pdf"),
            ),
        ],
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
    ids=["sqlite", "postgres"],
)
def data_dir(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """The CLI's settings pointed at a fresh store: SQLite, or a new PostgreSQL schema."""
    monkeypatch.setenv("DOSSIER_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("DOSSIER_ENVIRONMENT", raising=False)
    monkeypatch.delenv("DOSSIER_CLOCK", raising=False)
    if request.param == "sqlite":
        monkeypatch.delenv("DOSSIER_EVENT_STORE", raising=False)
        monkeypatch.delenv("DOSSIER_POSTGRES_SCHEMA", raising=False)
        yield tmp_path / "var"
        return
    url: str = request.getfixturevalue("postgres_url")
    with fresh_schema(url, create=False) as schema:  # the service creates it
        monkeypatch.setenv("DOSSIER_EVENT_STORE", url)
        monkeypatch.setenv("DOSSIER_POSTGRES_SCHEMA", schema)
        yield tmp_path / "var"


def free_text_inspections(archive: DossierArchive) -> None:
    """Adopt the rules in force without their checklists (as a rule set adopted before them):
    inspections are then free text, for tests about something else than what they answer."""
    earlier = {k: v for k, v in archive.rule_set().source.items() if k != "checklists"}
    assert archive.adopt_rules(RuleSet.from_mapping(earlier), source="before checklists")


def checklist_answers(api: Api, loan_no: str, kind: str, **abnormal: str) -> dict[str, Any]:
    """The checklist of an inspection of ``kind`` answered: every item normal but those of
    ``abnormal`` (item code → note), its figures, a judgment (关注 with measures when some item
    is abnormal)."""
    answer = api.get("am", f"/loans/{loan_no}/inspection-checklist?kind={kind}")
    assert answer.status_code == 200, answer.text
    found = answer.json()
    answers = [
        {"item": i["code"], "result": "abnormal", "note": abnormal[i["code"]]}
        if i["code"] in abnormal
        else {"item": i["code"], "result": "normal"}
        for i in found["items"]
    ]
    body: dict[str, Any] = {
        "answers": answers,
        "figures": {f["code"]: FIGURES[f["code"]] for f in found["figures"]},
        "judgment": "watch" if abnormal else "normal",
    }
    if abnormal:
        body["measures"] = "跟踪异常事项，下次检查复核"
    return body
