"""The web console over a fresh store (SQLite and PostgreSQL), one person per role, each with a
lasting password, and a browser-like client that signs in as any of them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.settings import Settings
from archive.application import DossierArchive
from archive.commands.login import SetPassword
from archive.commands.staff import EnrolStaff
from archive.core import SYSTEM_ID, CommandContext
from domain.values import Role
from projections.service import RegisterService
from storage.sessions import SessionStore
from tests.api.served import app_serving
from tests.factories import encrypted_archive

PASSWORD = "Console2026pass"
PEOPLE: dict[Role, tuple[str, str]] = {
    Role.ACCOUNT_MANAGER: ("C0102", "林海燕"),
    Role.REVIEWER: ("C0104", "黄丽华"),
    Role.POST_LOAN_OFFICER: ("C0105", "吴磊"),
    Role.RISK_MANAGER: ("C0901", "郭立新"),
    Role.BRANCH_HEAD: ("C0101", "周建国"),
    Role.ARCHIVIST: ("C0911", "唐玉兰"),
    Role.ARCHIVE_HEAD: ("C0912", "许国华"),
    Role.COMPLIANCE: ("C0921", "韩淑珍"),
    Role.AUDITOR: ("C0931", "冯志明"),
    Role.ADMINISTRATOR: ("C0941", "曹宇航"),
    Role.INTEGRATION: ("C0951", "核心系统对接"),
}
CONSOLE = CommandContext(SYSTEM_ID)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Console:
    """The app, the application behind it and a client that keeps cookies like a browser."""

    client: TestClient
    archive: DossierArchive

    @property
    def registers(self) -> RegisterService:
        service: RegisterService = self.client.app.state.registers  # type: ignore[attr-defined]
        return service

    @property
    def sessions(self) -> SessionStore:
        store: SessionStore = self.client.app.state.sessions  # type: ignore[attr-defined]
        return store

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.client.get(path, follow_redirects=False, **kw)

    def csrf(self, path: str = "/") -> str:
        """The CSRF token of the form on ``path``."""
        page = self.get(path)
        found = CSRF.search(page.text)
        assert found, f"no form with a CSRF token on {path}: {page.status_code}"
        return found.group(1)

    def post(self, path: str, data: dict[str, str], **kw: Any) -> httpx.Response:
        return self.client.post(path, data=data, follow_redirects=False, **kw)

    def sign_in(self, staff_no: str, password: str = PASSWORD) -> httpx.Response:
        """Open the sign-in form and send it, as a browser would (cookies of others cleared)."""
        self.client.cookies.clear()
        token = self.csrf("/login")
        return self.post(
            "/login", {"staff_no": staff_no, "password": password, "csrf_token": token}
        )

    def as_role(self, role: Role) -> str:
        """Sign in as the person holding ``role``; returns their staff number."""
        staff_no = PEOPLE[role][0]
        answer = self.sign_in(staff_no)
        assert answer.status_code == 303, answer.text
        return staff_no

    def later(self, delta: timedelta) -> None:
        """Move the service's clock on (sessions time out by it)."""
        real = self.archive.clock
        self.archive.clock = lambda: real() + delta

    def now(self) -> datetime:
        return self.archive.clock()


@pytest.fixture
def console(store_env: dict[str, str], tmp_path: Path) -> Iterator[Console]:
    archive = encrypted_archive(store_env, tmp_path)
    for role, (staff_no, name) in PEOPLE.items():
        archive.execute(
            CONSOLE, EnrolStaff(staff_no=staff_no, name=name, branch="营业部", roles=[role])
        )
        archive.set_password(
            CONSOLE, SetPassword(staff_no=staff_no, password=PASSWORD), temporary=False
        )
    settings = Settings(data_dir=tmp_path, in_process_sealer=False)
    with TestClient(app_serving(settings, archive)) as client:
        yield Console(client, archive)
    archive.close()
