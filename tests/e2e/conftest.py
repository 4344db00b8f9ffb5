"""The console served for a real browser: the demo portfolio behind a uvicorn server in this
process, and Debian's chromium driven by Playwright (never a downloaded browser).

Without ``/usr/bin/chromium`` these tests are skipped — and fail, loudly, in CI (``CI=true``),
where ``make test`` installs it (``make system-deps``). The server runs on the rehearsal clock
of the demo's evening (2026-11-20 18:00 in the bank's zone), so the work queue shows what the
README says it shows; a test moves that clock on to let a session time out.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn

from api.app import create_app
from api.composition import build_archive
from api.settings import Settings
from archive.application import DossierArchive
from archive.commands.login import SetPassword
from archive.commands.staff import EnrolStaff
from archive.core import SYSTEM_ID, CommandContext
from demo.portfolio import DemoStaff, build_portfolio
from domain.values import Role
from projections.service import RegisterService
from tests.conftest import unavailable

CHROMIUM = Path("/usr/bin/chromium")
DEMO_EVENING = datetime.fromisoformat("2026-11-20T18:00:00+08:00")
LOANS = int(os.environ.get("DOSSIER_E2E_DEMO_LOANS", "8"))
SEED = 20260701


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Debian chromium; its absence skips the browser tests, or fails them in CI."""
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(
            f"{CHROMIUM} is missing: `make system-deps` installs the Debian packages chromium "
            "and fonts-noto-cjk (never a browser downloaded by Playwright)"
        )
    return str(CHROMIUM)


@dataclass
class Served:
    """The console at ``base_url`` over the demo portfolio, and the demo's people."""

    base_url: str
    archive: DossierArchive
    staff: tuple[DemoStaff, ...]
    shifts: list[timedelta] = field(default_factory=list)
    registers: RegisterService | None = None
    """The served app's registers (their followers apply what the screens record)."""

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    def first(self, role: str) -> DemoStaff:
        """The first demo person holding ``role``."""
        return next(s for s in self.staff if s.role == role)

    def later(self, delta: timedelta) -> None:
        """Move the service's clock on by ``delta`` (sessions time out by it)."""
        real: Callable[[], datetime] = self.archive.clock
        self.archive.clock = lambda: real() + delta
        self.shifts.append(delta)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _with_integration(
    archive: DossierArchive, staff: tuple[DemoStaff, ...]
) -> tuple[DemoStaff, ...]:
    """The demo's people and, where the demo staffs nobody in the integration role (the
    identity the core feed is imported under), one enrolled here, so every role signs in."""
    if any(s.role == Role.INTEGRATION.value for s in staff):
        return staff
    password = "Integration2026pass"
    enrolled = archive.execute(
        CommandContext(SYSTEM_ID),
        EnrolStaff(staff_no="0951", name="核心系统对接", branch="总行", roles=[Role.INTEGRATION]),
    )
    assert enrolled.token is not None
    archive.set_password(
        CommandContext(SYSTEM_ID), SetPassword(staff_no="0951", password=password), temporary=False
    )
    person = DemoStaff(
        "0951", "核心系统对接", Role.INTEGRATION.value, enrolled.token.token, password
    )
    return (*staff, person)


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    data_dir = tmp_path_factory.mktemp("console")
    settings = Settings(data_dir=data_dir, clock=DEMO_EVENING, demo_on_first_start=False)
    archive = build_archive(settings)
    summary = build_portfolio(archive, loans=LOANS, seed=SEED)
    staff = _with_integration(archive, summary.staff)
    app = create_app(settings, archive)
    try:
        with serve(app) as base_url:
            registers: RegisterService = app.state.registers
            head = archive.recorder.max_notification_id() or 0
            registers.wait(list(registers.projections), head, 30)
            yield Served(base_url, archive, staff, registers=registers)
    finally:
        archive.close()


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """``app`` served by uvicorn in a thread of this process on a free port; its base URL."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="console-e2e", daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the console's server did not start")
        time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=60)


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Chromium's sandbox needs an unprivileged user; as root (containers) it refuses to start.
        args = ["--no-sandbox"] if os.geteuid() == 0 else []
        # The browser's own widgets (date pickers, file buttons) in the bank's language.
        args.append("--lang=zh-CN")
        launched = playwright.chromium.launch(executable_path=chromium, args=args)
        try:
            yield launched
        finally:
            launched.close()
