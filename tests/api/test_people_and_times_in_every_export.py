"""People by name, times with their zone, amounts in 元: in every file the archive hands out.

The demo portfolio, and on it the states the fuzzing run makes true — borrowings requested,
approved, handed out, returned and closed, transfers received, holds, collateral moved, a
destruction batch executed, responsibility determined — all over HTTP as the bank's people,
on SQLite and on PostgreSQL. Then every file a person is handed is asked for: each listing of
every register as CSV and as XLSX (and as JSON), the compliance report as PDF and XLSX (read
and issued), the destruction register, every borrow slip and transfer receipt filed, a
watermarked copy and an electronic copy. In none of them is a member of staff an id:

- no staff id appears anywhere in any of them (hyphenated or as 32 hex digits);
- every cell of a column that holds a person reads 姓名（工号） (several joined by 、);
- every time carries its offset (``+08:00``) — CSV text, XLSX number formats, PDF text, JSON;
- every amount reads in 元 with thousands separators (CSV) or is shown so (XLSX format);
- a page shortfall names the document by its title.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader

from api.app import create_app
from api.composition import build_archive
from api.settings import Settings
from archive.application import DossierArchive
from demo.portfolio import build_portfolio
from domain.display import CONSOLE
from domain.values import SYSTEM_ID, staff_id_for
from projections.projection import Projection
from projections.registers import all_registers
from tests.api.fuzzing_scenario import RUNNERS, Bank, Scenario
from tests.factories import settings_for

pytestmark = pytest.mark.slow

ZONE = "Asia/Shanghai"
AUDITOR, COMPLIANCE, ARCHIVE_HEAD = RUNNERS["auditor"], RUNNERS["compliance"], "0912"
PERSON = re.compile(r"^[^\s（）、,]+（[^\s（）、,]+）$")
"""姓名（工号）."""
UUID_TEXT = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}", re.I
)
TIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?")
OFFSET = re.compile(r"\s?(?:[+-]\d{2}:\d{2}|Z)")
AMOUNT = re.compile(r"^-?\d{1,3}(?:,\d{3})*\.\d{2} 元$")


def times_without_zone(text: str) -> list[str]:
    """Every time in ``text`` not followed by its offset."""
    return [m.group(0) for m in TIME.finditer(text) if not OFFSET.match(text, m.end(), m.end() + 7)]


@dataclass
class Portfolio:
    """The demo with the scenario made true on it, and what checking its files found."""

    client: TestClient
    archive: DossierArchive
    tokens: dict[str, str]
    scenario: Scenario
    staff_ids: set[str] = field(default_factory=set)
    checked: Counter[str] = field(default_factory=Counter)

    def get(self, staff_no: str, path: str, **params: Any) -> Any:
        answer = self.client.get(
            path, params=params, headers={"Authorization": f"Bearer {self.tokens[staff_no]}"}
        )
        assert answer.status_code == 200, (path, params, answer.status_code, answer.text[:300])
        return answer

    def post(self, staff_no: str, path: str, body: dict[str, Any]) -> Any:
        answer = self.client.post(
            path, json=body, headers={"Authorization": f"Bearer {self.tokens[staff_no]}"}
        )
        assert answer.status_code in (200, 201), (path, answer.status_code, answer.text[:300])
        return answer

    def no_staff_id_in(self, what: str, text: str) -> None:
        found = {u.lower().replace("-", "") for u in UUID_TEXT.findall(text)}
        assert not found & self.staff_ids, f"{what} shows a member of staff by id"


def _settings(data_dir: Path, **overrides: Any) -> Settings:
    return settings_for(data_dir, in_process_follower=True, timezone=ZONE, **overrides)


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
    ids=["sqlite", "postgres"],
)
def bank(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Portfolio]:
    data_dir = tmp_path_factory.mktemp(f"exports-{request.param}")
    schema = None
    if request.param == "sqlite":
        settings = _settings(data_dir)
    else:
        import psycopg
        from psycopg import sql

        url: str = request.getfixturevalue("postgres_url")
        schema = f"t_{uuid.uuid4().hex}"
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        settings = _settings(data_dir, event_store=url, postgres_schema=schema)
    archive = build_archive(settings)
    try:
        summary = build_portfolio(archive, loans=1)
        tokens = {s.staff_no: s.token for s in summary.staff}
        app = create_app(settings, archive)
        with TestClient(app, base_url="http://testserver/api/v1") as client:
            scenario = Scenario(Bank("", tokens, client=client), today())
            scenario.run(through="retention")
            made = Portfolio(client, archive, tokens, scenario)
            short_return(made)
            execute = scenario.examples[("POST", "/api/v1/destruction-batches/{batch_id}/execute")]
            assert execute.body is not None
            made.post(
                RUNNERS["archivist"],
                f"/destruction-batches/{scenario.batch_id}/execute",
                execute.body,
            )
            head = archive.recorder.max_notification_id()
            made.get(AUDITOR, "/registers/accountability_trail", after=head, wait=30, limit=1)
            made.get(AUDITOR, "/registers/work_queue", after=head, wait=30, limit=1)
            listed = made.get(AUDITOR, "/registers/staff_directory", limit=1000).json()["data"]
            made.staff_ids = {staff_id_for(s["staff_no"]).hex for s in listed} | {SYSTEM_ID.hex}
            assert len(made.staff_ids) > 20
            yield made
    finally:
        archive.close()
        if schema is not None:
            import psycopg
            from psycopg import sql

            with psycopg.connect(request.getfixturevalue("postgres_url"), autocommit=True) as conn:
                conn.execute("SET lock_timeout = '10s'")
                conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def today() -> date:
    return datetime.now(ZoneInfo(ZONE)).date()


def short_return(bank: Portfolio) -> None:
    """Hand out the scenario's approved borrowing (its slip is filed) and take it back one page
    short of its first document: the shortfall is recorded and escalated."""
    examples = bank.scenario.examples
    checkout = examples[("POST", "/api/v1/borrowings/{borrowing_id}/check-out")]
    borrowing_id = checkout.path["borrowing_id"]
    assert checkout.body is not None
    bank.post(RUNNERS["archivist"], f"/borrowings/{borrowing_id}/check-out", checkout.body)
    pages = dict(checkout.body["pages"])
    first = sorted(pages)[0]
    pages[first] = pages[first] - 1 if pages[first] > 1 else pages[first] + 1
    bank.post(
        RUNNERS["archivist"],
        f"/borrowings/{borrowing_id}/return",
        {"on": checkout.body["on"], "pages": pages},
    )


def listings() -> list[tuple[Projection, str, str]]:
    """Every listing of every register: the register, the listing's name and its path."""
    found = []
    for projection in all_registers():
        for index, listing in enumerate(projection.listings):
            path = f"/registers/{projection.name}" + ("" if index == 0 else f"/{listing}")
            found.append((projection, listing, path))
    return found


def _reader(bank: Portfolio, path: str) -> str:
    """Someone who may read the listing: the auditor, else compliance, else the archive head."""
    for staff_no in (AUDITOR, COMPLIANCE, ARCHIVE_HEAD):
        answer = bank.client.get(
            path, params={"limit": 1}, headers={"Authorization": f"Bearer {bank.tokens[staff_no]}"}
        )
        if answer.status_code == 200:
            return staff_no
    raise AssertionError(f"nobody reads {path}")


# ------------------------------------------------------------------------------ registers
def test_every_register_export_names_people_and_zones_times(bank: Portfolio) -> None:
    exported = 0
    for projection, listing_name, path in listings():
        reader = _reader(bank, path)
        spec = projection.specs()[projection.listings[listing_name].table]
        columns = spec.exported()
        money = {c.name for c in columns if isinstance(c.type, sa.Numeric)}
        times = {c.name for c in columns if isinstance(c.type, sa.DateTime)}
        shows = {c.name: c.info["shows"] for c in columns if c.info.get("shows")}
        names = [c.name for c in columns]

        body = bank.get(reader, path, limit=1000).json()
        assert [c["name"] for c in body["columns"]] == names
        for row in body["data"]:
            for name, kind in shows.items():
                if row[name] is not None and kind != "record":
                    named = row[name + "_name"]
                    people = named.split("、") if kind == "people" else [named]
                    assert all(PERSON.match(p) or p == CONSOLE for p in people), (path, named)
                    bank.checked["json person"] += 1
            for name in times:
                if row[name] is not None:
                    assert not times_without_zone(row[name]), (path, name, row[name])
                    assert row[name].endswith("+08:00")
                    bank.checked["json time"] += 1

        text = bank.get(reader, path, format="csv").content.decode("utf-8-sig")
        bank.no_staff_id_in(f"{path}.csv", text)
        assert not times_without_zone(text), (path, times_without_zone(text)[:3])
        header, *rows = list(csv.reader(io.StringIO(text)))
        assert len(header) == len(names)
        for line in rows:
            values = dict(zip(names, line, strict=True))
            for name, kind in shows.items():
                if values[name]:
                    _is_person(bank, path, values[name], kind)
            for name in money:
                if values[name]:
                    assert AMOUNT.match(values[name]), (path, name, values[name])
                    bank.checked["csv amount"] += 1
            for name in times:
                if values[name]:
                    bank.checked["csv time"] += 1
        bank.checked["csv rows"] += len(rows)

        book = load_workbook(io.BytesIO(bank.get(reader, path, format="xlsx").content))
        sheet = book.active
        assert sheet is not None
        xlsx_rows = list(sheet.iter_rows())
        assert [c.value for c in xlsx_rows[0]] == header
        cells = [c for row in xlsx_rows[1:] for c in row]
        bank.no_staff_id_in(f"{path}.xlsx", " ".join(str(c.value) for c in cells))
        for row in xlsx_rows[1:]:
            for name, cell in zip(names, row, strict=True):
                if cell.value is None:
                    continue
                if name in shows:
                    _is_person(bank, path, str(cell.value), shows[name])
                if isinstance(cell.value, datetime):
                    # a date is a date; a time is shown with its offset
                    if name in times:
                        assert re.search(r'" [+-]\d{2}:\d{2}"', cell.number_format), (
                            path,
                            name,
                            cell.number_format,
                        )
                        bank.checked["xlsx time"] += 1
                    else:
                        assert cell.number_format == "yyyy-mm-dd", (path, name)
                elif isinstance(cell.value, str):
                    assert not times_without_zone(cell.value), (path, name, cell.value)
                if name in money:
                    assert "元" in cell.number_format, (path, name, cell.number_format)
                    bank.checked["xlsx amount"] += 1
        exported += 2
    assert exported == 2 * len(listings()) >= 2 * 26
    # Not vacuous: the scenario fills the person, time and amount columns.
    assert bank.checked["csv person"] > 300, bank.checked
    assert bank.checked["csv people"] > 5, bank.checked
    assert bank.checked["csv record person"] > 10, bank.checked
    assert bank.checked["json person"] > 300, bank.checked
    assert min(bank.checked[k] for k in ("csv time", "xlsx time", "json time")) > 100
    assert min(bank.checked[k] for k in ("csv amount", "xlsx amount")) > 20


def _is_person(bank: Portfolio, path: str, value: str, kind: str) -> None:
    if kind == "people":
        assert all(PERSON.match(p) for p in value.split("、")), (path, value)
        bank.checked["csv people"] += 1
    elif kind == "record":
        if PERSON.match(value) or value == CONSOLE:
            bank.checked["csv record person"] += 1
        else:  # a record that is not a person: a loan, a dossier …, by its id
            assert uuid.UUID(value).hex not in bank.staff_ids, (path, value)
    else:
        assert PERSON.match(value) or value == CONSOLE, (path, value)
        bank.checked["csv person"] += 1


def test_a_page_shortfall_names_the_document_by_title(bank: Portfolio) -> None:
    rows = bank.get(AUDITOR, "/registers/circulation_register", page_mismatch="true").json()
    short = [r for r in rows["data"] if r["mismatch_detail"]]
    assert short
    for row in short:
        dossier = bank.get(AUDITOR, f"/loans/{row['loan_no']}/dossier").json()
        filed = {d["filename"].rsplit(".", 1)[0] for d in dossier["documents"]}
        for item in row["mismatch_detail"].split("；"):
            title, _, counts = item.partition("：")
            assert re.fullmatch(r"借出\d+页，归还\d+页", counts), item
            assert title in filed, (title, filed)
        assert PERSON.match(row["returned_to_name"])


# ------------------------------------------------------------------------------ PDFs
def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def check_pdf(bank: Portfolio, kind: str, content: bytes) -> str:
    text = pdf_text(content)
    assert text.strip(), kind
    bank.no_staff_id_in(kind, text)
    assert not times_without_zone(text), (kind, times_without_zone(text)[:3])
    bank.checked[kind] += 1
    return text


def _person_in(text: str) -> bool:
    return re.search(r"[^\s（）、：:]+（\d{4}）", text) is not None


def test_every_pdf_kind_names_people_and_states_the_zone(bank: Portfolio) -> None:
    on = today().isoformat()
    # The compliance report, read and issued, PDF and workbook.
    report = bank.get(COMPLIANCE, "/reports/compliance", on=on, format="pdf")
    text = check_pdf(bank, "compliance report", report.content)
    assert "Asia/Shanghai" in text
    assert "UTC+08:00" in text
    assert _person_in(text)
    issued = bank.post(COMPLIANCE, "/reports/compliance", {"purpose": "检查", "on": on})
    check_pdf(bank, "compliance report", issued.content)
    workbook = bank.post(
        COMPLIANCE, "/reports/compliance", {"purpose": "检查", "on": on, "format": "xlsx"}
    )
    book = load_workbook(io.BytesIO(workbook.content))
    cells = " ".join(
        str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row
    )
    bank.no_staff_id_in("compliance workbook", cells)
    assert not times_without_zone(cells.replace(" 00:00:00", ""))

    # The destruction register of the executed batch.
    batch = bank.scenario.batch_id
    register = bank.get(ARCHIVE_HEAD, f"/destruction-batches/{batch}/register.pdf")
    text = check_pdf(bank, "destruction register", register.content)
    assert _person_in(text.split("监销人", 1)[1])

    # Every borrow slip and transfer receipt filed, as an auditor reads the originals.
    loans = bank.get(AUDITOR, "/loans", limit=200).json()["data"]
    for loan in loans:
        dossier = bank.get(AUDITOR, f"/loans/{loan['loan_no']}/dossier").json()
        for document in dossier["documents"]:
            kind = {"borrow_slip": "borrow slip", "transfer_list": "transfer receipt"}.get(
                document["doc_type"]
            )
            if kind is None:
                continue
            original = bank.client.get(
                f"/loans/{loan['loan_no']}/documents/{document['sha256']}",
                params={"purpose": "audit", "original": "true"},
                headers={"Authorization": f"Bearer {bank.tokens[AUDITOR]}"},
            )
            if original.status_code == 410:  # the dossier was destroyed
                continue
            assert original.status_code == 200, original.text
            assert _person_in(check_pdf(bank, kind, original.content)), kind
    assert bank.checked["borrow slip"] >= 3
    assert bank.checked["transfer receipt"] >= 10

    # A watermarked copy for a reader, and an electronic copy for a borrower.
    loan_no = loans[0]["loan_no"]
    document = bank.get(AUDITOR, f"/loans/{loan_no}/dossier").json()["documents"][0]
    copy = bank.get(AUDITOR, f"/loans/{loan_no}/documents/{document['sha256']}", purpose="audit")
    assert copy.headers["X-Watermarked"] == "true"
    assert _person_in(check_pdf(bank, "watermarked copy", copy.content))
    example = bank.scenario.examples[("POST", "/api/v1/borrowings/{borrowing_id}/electronic-copy")]
    assert example.body is not None
    electronic = bank.post(
        RUNNERS["archivist"],
        f"/borrowings/{example.path['borrowing_id']}/electronic-copy",
        example.body,
    )
    assert _person_in(check_pdf(bank, "electronic copy", electronic.content))
    assert {
        "compliance report",
        "destruction register",
        "borrow slip",
        "transfer receipt",
        "watermarked copy",
        "electronic copy",
    } <= set(bank.checked)
