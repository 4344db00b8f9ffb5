"""A lawful destruction in Chromium, through the screens alone, on an archive of its own whose
clock stands in 2056, after a dossier's thirty-year retention has run out and it was appraised
"destroy": the archive head proposes the batch, the branch head and compliance approve it, an
archivist executes it while two supervisors and IT type their own passwords on the same screen.
Afterwards the document answers 410 over the API and the destruction register's PDF shows the
date of every step."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from api.app import create_app
from api.composition import build_archive
from api.settings import Settings
from archive.application import DossierArchive
from archive.commands.login import SetPassword
from archive.commands.staff import EnrolStaff, IssueToken
from archive.core import SYSTEM_ID, CommandContext
from domain.values import Role
from tests.api.console_harness import PASSWORD, PEOPLE
from tests.api.test_console_destruction import LOAN, _past_retention
from tests.e2e.conftest import serve
from tests.e2e.test_console_in_chromium import Watch, _shoot, _sign_in

pytestmark = pytest.mark.slow

AFTER_RETENTION = datetime(2056, 3, 1, 9, 0, tzinfo=UTC)


@dataclass
class Room:
    """A console over its own archive: the people of the console harness, and its address."""

    base_url: str
    archive: DossierArchive
    auditor_token: str
    sha: str


@dataclass
class _Harness:
    """What ``_past_retention`` needs of the console harness: the archive and its registers."""

    archive: DossierArchive
    registers: Any


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Room]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("destruction"), demo_on_first_start=False)
    archive = build_archive(settings)
    console = CommandContext(SYSTEM_ID)
    for role, (staff_no, name) in PEOPLE.items():
        archive.execute(
            console, EnrolStaff(staff_no=staff_no, name=name, branch="营业部", roles=[role])
        )
        archive.set_password(
            console, SetPassword(staff_no=staff_no, password=PASSWORD), temporary=False
        )
    _result, issued = archive.execute(console, IssueToken(staff_no=PEOPLE[Role.AUDITOR][0]))
    app = create_app(settings, archive)
    try:
        with serve(app) as base_url:
            sha = _past_retention(_Harness(archive, app.state.registers))  # type: ignore[arg-type]
            yield Room(base_url, archive, issued.token, sha)
    finally:
        archive.close()


def _page_as(browser: Any, room: Room, role: Role) -> tuple[Any, Any]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    _sign_in(page, room, PEOPLE[role][0], PASSWORD)  # type: ignore[arg-type]
    return context, page


def test_a_destruction_is_done_through_the_screens_with_each_supervisor_s_password(
    room: Room, browser: Any, tmp_path: Path
) -> None:
    origin = room.base_url
    # The archive head proposes the batch from the dossiers past retention.
    context, page = _page_as(browser, room, Role.ARCHIVE_HEAD)
    watch = Watch(page, origin)
    page.click("nav.sidebar a[href='/archive']")
    page.click("[data-testid=to-destruction]")
    page.check(f"#pick-{LOAN}")
    page.fill("input[name=proposed_on]", "2056-02-01")
    page.click("[data-testid=propose] button[type=submit]")
    page.wait_for_load_state()
    batch_url = page.url
    assert "销毁〔2056〕第0001号" in page.inner_text("[data-testid=batch-no]")
    context.close()
    assert watch.problems == []
    # The branch head, then compliance, approve on the batch's page.
    for role, testid, day in (
        (Role.BRANCH_HEAD, "approve", "2056-02-02"),
        (Role.COMPLIANCE, "compliance-approve", "2056-02-03"),
    ):
        context, page = _page_as(browser, room, role)
        page.goto(batch_url)
        page.fill(f"[data-testid={testid}] input[type=date]", day)
        page.click(f"[data-testid={testid}] button[type=submit]")
        page.wait_for_load_state()
        assert day in page.inner_text("[data-testid=steps]")
        context.close()
    # The archivist executes; each supervisor types their own password, one mistyped first.
    context, page = _page_as(browser, room, Role.ARCHIVIST)
    page.goto(batch_url)
    auditor, compliance, it = (
        PEOPLE[r][0] for r in (Role.AUDITOR, Role.COMPLIANCE, Role.ADMINISTRATOR)
    )
    page.fill("#supervisor_no-0", auditor)
    page.fill("#supervisor_password-0", PASSWORD)
    page.fill("#supervisor_no-1", compliance)
    page.fill("#supervisor_password-1", "mistyped-password")
    page.fill("#it_supervisor_no", it)
    page.fill("#it_supervisor_password", PASSWORD)
    page.fill("#method", "电子文件密钥销毁并删除；纸质档案碎纸")
    page.click("[data-testid=execute] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#supervisor-1-error").is_visible()
    assert "未办理" in page.inner_text("[data-testid=executed-on]")
    _shoot(page, "destruction-refused", tmp_path)
    page.fill("#supervisor_password-0", PASSWORD)
    page.fill("#supervisor_password-1", PASSWORD)
    page.fill("#it_supervisor_password", PASSWORD)
    page.click("[data-testid=execute] button[type=submit]")
    page.wait_for_load_state()
    assert "2056-03-01" in page.inner_text("[data-testid=executed-on]")
    _shoot(page, "destruction-executed", tmp_path)
    context.close()
    # Over the API: the content is gone; the register's PDF has every step's date.
    headers = {"Authorization": f"Bearer {room.auditor_token}"}
    gone = httpx.get(
        f"{origin}/api/v1/loans/{LOAN}/documents/{room.sha}",
        params={"purpose": "audit"},
        headers=headers,
        timeout=30,
    )
    assert gone.status_code == 410, gone.text
    batch_id = batch_url.rsplit("/", 1)[1]
    pdf = httpx.get(
        f"{origin}/api/v1/destruction-batches/{batch_id}/register.pdf", headers=headers, timeout=30
    )
    assert pdf.status_code == 200, pdf.text
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    for day in ("2056-02-01", "2056-02-02", "2056-02-03", "2056-03-01"):
        assert day in text, day
