"""Small factories for domain tests: actors, parties, documents, a disbursed loan."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from archive.commands.staff import EnrolStaff
from domain.loan import Loan
from domain.rules import RuleSet, shipped_rules
from domain.values import (
    Actor,
    BorrowerType,
    DocumentRef,
    GuaranteeType,
    Party,
    Product,
    RepaymentMethod,
    Role,
)

VALUE_DATE = date(2025, 1, 10)
MATURITY_DATE = date(2026, 1, 10)
PRINCIPAL = Decimal("1000000.00")


def actor(role: Role, id: UUID | None = None) -> Actor:
    """Someone acting in ``role``; a fresh person unless ``id`` is given."""
    return Actor(id=id or uuid4(), role=role)


def party(*roles: Role, id: UUID | None = None) -> Party:
    """Another person named by a command, holding ``roles`` now."""
    return Party(id=id or uuid4(), roles=frozenset(roles))


def doc(
    doc_type: str = "loan_contract", content: bytes | None = None, *, pages: int = 1
) -> DocumentRef:
    """A cited document whose hash is the SHA-256 of ``content`` (by default, unique bytes)."""
    body = content if content is not None else f"{doc_type}:{uuid4()}".encode()
    return DocumentRef(
        doc_type=doc_type,
        sha256=hashlib.sha256(body).hexdigest(),
        size=len(body),
        media_type="application/pdf",
        filename=f"{doc_type}.pdf",
        pages=pages,
    )


def _corporate_loan(loan_no: str | None = None) -> dict[str, Any]:
    """The facts of a typical corporate working-capital loan, under a fresh number by default."""
    return {
        "loan_no": loan_no or f"JJ{uuid4().hex[:12].upper()}",
        "borrower_id": "91310000MA1FL0000X",
        "borrower_name": "上海示例贸易有限公司",
        "borrower_type": BorrowerType.CORPORATE,
        "borrower_rating": "A",
        "product": Product.CORPORATE_WORKING_CAPITAL,
        "principal": PRINCIPAL,
        "interest_rate": "3.45%",
        "value_date": VALUE_DATE,
        "maturity_date": MATURITY_DATE,
        "repayment_method": RepaymentMethod.BULLET,
        "guarantee_type": GuaranteeType.GUARANTEE,
        "branch": "营业部",
        "purpose": "采购原材料",
    }


def disbursement_params(**overrides: Any) -> dict[str, Any]:
    """The keyword arguments of ``Loan.disburse`` for a typical corporate loan."""
    params: dict[str, Any] = {
        **_corporate_loan(),
        "documents": (doc("loan_contract"), doc("drawdown_receipt")),
    }
    params.update(overrides)
    params.setdefault("actor", actor(Role.ACCOUNT_MANAGER))
    return params


def disbursed_loan(**overrides: Any) -> Loan:
    """A loan just disbursed by an account manager (override any ``disburse`` argument)."""
    return Loan.disburse(**disbursement_params(**overrides))


# --------------------------------------------------------------------------------------------
# Application-level factories (tests/archive): real PDFs, uploads, disbursements, enrolled staff.
# Imports are local to each function so that this section never touches the import block above,
# which the domain factories own.


def make_pdf(text: str, *, pages: int = 1) -> bytes:
    """A real PDF of ``pages`` pages showing ``text`` (Chinese included), made with ReportLab.

    The output is deterministic (``invariant``), so the same text gives the same bytes and the
    same SHA-256, and different texts give different documents.
    """
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    for page in range(1, pages + 1):
        pdf.setFont("STSong-Light", 14)
        pdf.drawString(72, 760, text)
        pdf.setFont("Helvetica", 9)
        pdf.drawString(72, 60, f"page {page} / {pages}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def make_plain_pdf(text: str) -> bytes:
    """A one-page PDF whose page stream is not compressed: ``text`` stands in its bytes as is."""
    import io

    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pageCompression=0, invariant=True)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


def make_png() -> bytes:
    """A tiny but valid 1x1 PNG image."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def make_upload(
    doc_type: str,
    text: str | None = None,
    *,
    filename: str | None = None,
    data: bytes | None = None,
    pages: int = 1,
) -> Any:
    """An upload of ``doc_type``: a PDF of ``text`` unless raw ``data`` is given."""
    from archive.documents.ingest import from_bytes

    body = data if data is not None else make_pdf(text or f"{doc_type} {uuid4()}", pages=pages)
    return from_bytes(doc_type, filename or f"{doc_type}.pdf", body)


def encrypted_archive(store_env: dict[str, str], tmp_path: Path, config: Any = None) -> Any:
    """The whole application as the service builds it — documents encrypted under a data key per
    dossier, kept in a key store of their own — on the event store ``store_env`` and a blob folder
    under ``tmp_path`` (closing it closes the key store); ``config`` its ArchiveConfig, if not
    the default."""
    from archive.application import DossierArchive
    from storage.blobs import LocalBlobStore
    from storage.crypto import MasterKey
    from storage.envelope import EncryptingBlobStore, Envelope
    from storage.keystore import SQLiteKeyStore

    keys = SQLiteKeyStore(tmp_path / "keys.sqlite")
    blobs = EncryptingBlobStore(
        LocalBlobStore(tmp_path / "blobs"), Envelope(keys, MasterKey.generate())
    )
    return DossierArchive(store_env, blobs=blobs, config=config, on_close=(keys.close,))


def make_disbursement(loan_no: str | None = None, **overrides: Any) -> Any:
    """A typical corporate working-capital disbursement: the ``Disburse`` command (override any
    field, the people who investigated, reviewed and approved it among them)."""
    from archive.commands.lifecycle import Disburse

    facts = _corporate_loan(loan_no)
    facts.update(overrides)
    return Disburse(**facts)


def make_staff(app: Any) -> dict[str, Any]:
    """Enrol, through the console, an account manager, a second account manager, a reviewer,
    a post-loan officer, a risk manager, a branch head, an auditor, two archivists (the two
    custodians of collateral certificates) and an administrator, each with one role and a token.

    Returns a ``CommandContext`` per person, keyed by their staff number (工号): the keys are
    ``account_manager``, ``account_manager_2``, ``reviewer``, ``post_loan_officer``,
    ``risk_manager``, ``branch_head``, ``auditor``, ``archivist``, ``second_archivist``,
    ``administrator``, ``archive_head``, ``compliance`` and ``integration`` (the identity the
    core-banking feed runs under). Each context carries the staff id that the person's own token
    authenticates to, so every later command goes through the real token check.
    """
    from archive.core import SYSTEM_ID, CommandContext

    people: dict[str, tuple[str, Role]] = {
        "account_manager": ("张伟", Role.ACCOUNT_MANAGER),
        "account_manager_2": ("李娜", Role.ACCOUNT_MANAGER),
        "reviewer": ("王芳", Role.REVIEWER),
        "post_loan_officer": ("刘洋", Role.POST_LOAN_OFFICER),
        "risk_manager": ("陈静", Role.RISK_MANAGER),
        "branch_head": ("杨军", Role.BRANCH_HEAD),
        "auditor": ("赵敏", Role.AUDITOR),
        "archivist": ("黄丽", Role.ARCHIVIST),
        "second_archivist": ("孙悦", Role.ARCHIVIST),
        "administrator": ("周强", Role.ADMINISTRATOR),
        "archive_head": ("吴静", Role.ARCHIVE_HEAD),
        "compliance": ("郑洁", Role.COMPLIANCE),
        "integration": ("核心系统对接", Role.INTEGRATION),
    }
    console = CommandContext(SYSTEM_ID)
    contexts: dict[str, CommandContext] = {}
    for staff_no, (name, role) in people.items():
        token = app.execute(
            console, EnrolStaff(staff_no=staff_no, name=name, branch="营业部", roles=[role])
        ).token
        assert token is not None
        contexts[staff_no] = CommandContext(app.authenticate(token.token))
    return contexts


def settings_for(data_dir: Path, **overrides: Any) -> Any:
    """The settings of the embedded default over ``data_dir``, nothing started in the background
    (override any)."""
    from api.settings import Settings

    values: dict[str, Any] = {
        "environment": "development",
        "data_dir": data_dir,
        "event_store": "sqlite",
        "postgres_schema": None,
        "blob_store": "local",
        "master_key": None,
        "master_key_file": None,
        "signing_key": None,
        "signing_key_file": None,
        "demo_on_first_start": False,
        "in_process_follower": False,
        "in_process_sealer": False,
        "clock": None,
        **overrides,
    }
    return Settings(**values)


def rules_with(**tables: Mapping[str, Any]) -> RuleSet:
    """A bank's own rule set: the shipped one with the given keys of each table changed
    (nested tables merged key by key, anything else replaced)."""
    source: dict[str, Any] = json.loads(json.dumps(dict(shipped_rules().source)))
    for name, keys in tables.items():
        source[name] = _merged(source.get(name, {}), keys)
    return RuleSet.from_mapping(source)


def _merged(base: Any, changes: Mapping[str, Any]) -> dict[str, Any]:
    found = dict(base) if isinstance(base, dict) else {}
    for key, value in changes.items():
        found[key] = _merged(found.get(key), value) if isinstance(value, Mapping) else value
    return found


FIGURES = {
    "total_assets": "52000000.00",
    "total_liabilities": "31000000.00",
    "sales_revenue": "18500000.00",
    "net_profit": "1200000.00",
    "operating_cash_flow": "2300000.00",
    "other_bank_financing": "8000000.00",
    "external_guarantees": "0",
}
"""A company's key figures in 元, for a corporate checklist."""


def answered(code: str = "corporate", **abnormal: str) -> dict[str, Any]:
    """The shipped checklist ``code`` answered: every item normal but those of ``abnormal``
    (item code → note), its figures, a judgment (关注 with measures when some item is
    abnormal)."""
    found = shipped_rules().checklists.get(code)
    assert found is not None, code
    body: dict[str, Any] = {
        "answers": [
            {"item": i.code, "result": "abnormal", "note": abnormal[i.code]}
            if i.code in abnormal
            else {"item": i.code, "result": "normal"}
            for i in found.items
        ],
        "figures": {f.code: FIGURES[f.code] for f in found.figures},
        "judgment": "watch" if abnormal else "normal",
    }
    if abnormal:
        body["measures"] = "跟踪异常事项，下次检查复核"
    return body
