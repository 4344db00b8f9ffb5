"""How long the web console takes to render its main screens over the demo portfolio, each beside
a floor.

Run ``.venv/bin/python bench/console_pages.py [--loans 200] [--n 30] [--logins 0]``.

It loads the demo portfolio (``dossier demo --loans N``, as a developer does before
``make run``) into a temporary data directory — or reuses one given with ``--data-dir`` that
already holds it (``demo-credentials.txt``) — and serves the console in this process
(``create_app`` under Starlette's TestClient, with the registers' follower running). Each screen
is asked for by a demo person who may see it, signed in through ``POST /login`` with the
password the demo wrote, as a browser would: cookies, the form's CSRF token.

* **screens** — 工作台 ``/``, ``/loans``, one loan's dossier ``/loans/{loan_no}`` (the loan
  with the most events), ``/registers`` and every register's first page
  ``/registers/{name}``, ``/archive``, ``/compliance``, ``/audit`` and ``/admin``. Every
  screen is asked for ``--n`` times after ``--warmup`` untimed requests, the screens taken in
  turn (one request each per round) so that all see the same machine state; p50 and p95 of
  the time from the request to the whole body read.
* **the floor** — ``GET /login`` signed out: the same app, middleware and template engine,
  no business data; asked for in the same rounds. Each screen's p50 is shown ÷ the floor's
  p50. A static asset (``/static/console.css``) is timed too, as a second reference.
* **signing in** — ``POST /login`` (which records the sign-in on the person's staff record)
  and ``POST /logout``, timed the same way.

``--logins K`` first records K sign-ins and K sign-outs on the record of every person signed in
(2K events each), as a year or more of daily use would; the screens are then measured on those
records.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

import httpx
from fastapi.testclient import TestClient
from measure import peak_rss_mib, percentile

from api.app import create_app
from api.composition import build_archive
from api.settings import Settings
from archive.application import DossierArchive
from domain.loan import Loan
from projections.errors import RegisterBehindError
from projections.service import RegisterService

ROOT = Path(__file__).resolve().parent.parent
CREDENTIALS = "demo-credentials.txt"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
READERS = (
    "auditor",
    "compliance",
    "risk_manager",
    "archive_head",
    "archivist",
    "branch_head",
    "administrator",
)
"""Who reads a register page: the first of these the register lets in."""


@dataclass(frozen=True)
class Person:
    staff_no: str
    name: str
    role: str
    password: str


def people(data_dir: Path) -> dict[str, Person]:
    """The demo's first account in each role, from the credentials file the demo wrote."""
    found: dict[str, Person] = {}
    for line in (data_dir / CREDENTIALS).read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        staff_no, name, role, _token, password = line.split("\t")
        found.setdefault(role, Person(staff_no, name, role, password))
    return found


def load_demo(data_dir: Path, loans: int) -> float:
    """``dossier demo --loans N`` into ``data_dir``; returns the seconds it took."""
    env = {**os.environ, "DOSSIER_DATA_DIR": str(data_dir), "DOSSIER_LOG_LEVEL": "warning"}
    for name in ("DOSSIER_EVENT_STORE", "DOSSIER_POSTGRES_SCHEMA", "DOSSIER_ENVIRONMENT"):
        env.pop(name, None)
    started = time.monotonic()
    subprocess.run(  # noqa: S603 (a benchmark script, fixed arguments)
        [sys.executable, "-m", "api.cli", "demo", "--loans", str(loans)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.monotonic() - started


class Browser:
    """One person's cookies over the shared TestClient, as their own browser would keep them."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.jar = httpx.Cookies()

    def request(self, method: str, path: str, data: dict[str, str] | None = None) -> httpx.Response:
        self.client.cookies = self.jar
        try:
            return self.client.request(method, path, data=data, follow_redirects=False)
        finally:
            self.jar = httpx.Cookies(self.client.cookies)

    def get(self, path: str) -> int:
        return self.request("GET", path).status_code

    def csrf(self, path: str) -> str:
        page = self.request("GET", path)
        found = CSRF.search(page.text)
        assert found, f"no CSRF token on {path}: {page.status_code}"
        return found[1]

    def sign_in(self, person: Person) -> float:
        """Open the sign-in form and send it; returns the seconds the ``POST`` took."""
        self.jar = httpx.Cookies()
        token = self.csrf("/login")
        form = {"staff_no": person.staff_no, "password": person.password, "csrf_token": token}
        started = time.perf_counter()
        answer = self.request("POST", "/login", form)
        elapsed = time.perf_counter() - started
        assert answer.status_code == 303, (answer.status_code, answer.text[:500])
        assert answer.headers["location"] != "/password", "the demo's password is temporary"
        return elapsed

    def sign_out(self) -> float:
        """Send the sign-out form of the workbench; returns the seconds the ``POST`` took."""
        token = self.csrf("/")
        started = time.perf_counter()
        answer = self.request("POST", "/logout", {"csrf_token": token})
        elapsed = time.perf_counter() - started
        assert answer.status_code == 303, (answer.status_code, answer.text[:500])
        return elapsed


@dataclass
class Screen:
    """A page, the person asking for it, and its timings (seconds)."""

    label: str
    path: str
    who: str
    browser: Browser
    times: list[float] = field(default_factory=list)

    def once(self) -> float:
        started = time.perf_counter()
        status = self.browser.get(self.path)
        elapsed = time.perf_counter() - started
        assert status == 200, (self.label, self.path, self.who, status)
        return elapsed

    def p(self, q: int) -> float:
        return percentile(self.times, q) * 1000


def screens(client: TestClient, accounts: dict[str, Person]) -> tuple[Screen, list[Screen]]:
    """The floor and the screens, each with a browser signed in as a person who may see it."""
    browsers: dict[str, Browser] = {}

    def as_role(role: str) -> Browser:
        if role not in browsers:
            browsers[role] = Browser(client)
            browsers[role].sign_in(accounts[role])
        return browsers[role]

    def screen(label: str, path: str, role: str) -> Screen:
        person = accounts[role]
        return Screen(label, path, f"{person.name}（{person.staff_no}）{role}", as_role(role))

    nobody = Browser(client)
    floor = Screen("floor: sign-in form, signed out", "/login", "—", nobody)
    shown = [
        Screen("static asset", "/static/console.css", "—", nobody),
        screen("工作台 workbench", "/", "post_loan_officer"),
        screen("工作台 workbench", "/", "branch_head"),
        screen("工作台 workbench", "/", "risk_manager"),
        screen("贷款 loans", "/loans", "branch_head"),
        screen("贷款 loans", "/loans", "risk_manager"),
        screen("档案 a loan's dossier", f"/loans/{_loan_with_most_events(client)}", "risk_manager"),
        screen("台账 registers", "/registers", "auditor"),
    ]
    registers: RegisterService = client.app.state.registers  # type: ignore[attr-defined]
    for name in registers.projections:
        path = f"/registers/{name}"
        reader = next((r for r in READERS if as_role(r).get(path) == 200), None)
        if reader is None:
            raise SystemExit(f"nobody of {READERS} may read {path}")
        shown.append(screen(f"台账 {name}", path, reader))
    shown += [
        screen("档案室 archive room", "/archive", "archive_head"),
        screen("合规 compliance", "/compliance", "compliance"),
        screen("审计 audit", "/audit", "auditor"),
        screen("管理 admin", "/admin", "administrator"),
    ]
    return floor, shown


def _loan_with_most_events(client: TestClient) -> str:
    """The number of the loan with the longest history: its dossier page shows the most."""
    archive: DossierArchive = client.app.state.archive  # type: ignore[attr-defined]
    counts: Counter[UUID] = Counter()
    start = 1
    while page := archive.recorder.select_notifications(start=start, limit=1000):
        counts.update(n.originator_id for n in page if n.topic.startswith("domain.loan."))
        start = page[-1].id + 1
    loan_id, _events = counts.most_common(1)[0]
    loan: Loan = archive.repository.get(loan_id)
    return loan.loan_no


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loans", type=int, default=200, help="demo loans (default 200)")
    parser.add_argument("--n", type=int, default=30, help="timed requests per screen")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per screen")
    parser.add_argument("--logins", type=int, default=0, help="sign-ins per person before")
    parser.add_argument("--data-dir", type=Path, help="a data directory to keep or reuse")
    args = parser.parse_args()
    print(f"{platform.node()} · Python {platform.python_version()} · {time.strftime('%Y-%m-%d')}")
    with tempfile.TemporaryDirectory(prefix="console-pages-") as tmp:
        data_dir = args.data_dir or Path(tmp)
        data_dir.mkdir(parents=True, exist_ok=True)
        if not (data_dir / CREDENTIALS).exists():
            seconds = load_demo(data_dir, args.loans)
            print(f"demo of {args.loans} loans loaded in {seconds:.0f} s")
        else:
            print(f"reusing the demo in {data_dir}")
        run(data_dir, args)


def caught_up(client: TestClient) -> None:
    """Wait until every register has applied the newest event: the follower then idles."""
    archive: DossierArchive = client.app.state.archive  # type: ignore[attr-defined]
    registers: RegisterService = client.app.state.registers  # type: ignore[attr-defined]
    head = archive.recorder.max_notification_id() or 0
    started = time.monotonic()
    while True:  # each wait is capped (MAX_WAIT_SECONDS)
        try:
            registers.wait(list(registers.projections), head, 30)
            break
        except RegisterBehindError:
            if time.monotonic() - started > 1800:
                raise
    print(f"{head:,} events; registers caught up in {time.monotonic() - started:.0f} s")


def run(data_dir: Path, args: argparse.Namespace) -> None:
    settings = Settings(
        data_dir=data_dir, demo_on_first_start=False, in_process_sealer=False, log_level="warning"
    )
    archive = build_archive(settings)
    try:
        with TestClient(create_app(settings, archive)) as client:
            caught_up(client)
            accounts = people(data_dir)
            measure(client, accounts, args)
    finally:
        archive.close()


def age(archive: DossierArchive, accounts: Iterable[Person], logins: int) -> None:
    """Record ``logins`` sign-ins and sign-outs on each person's record, the events the console
    records for them, without checking a password each time (Argon2 would take minutes)."""
    for person in accounts:
        left = logins
        while left:
            staff = archive.staff(person.staff_no)
            for _ in range(min(left, 100)):
                staff.record_login(role=None, source="10.0.0.1")
                staff.record_logout(role=None)
            archive.save(staff)
            left -= min(left, 100)


def measure(client: TestClient, accounts: dict[str, Person], args: argparse.Namespace) -> None:
    if args.logins:
        started = time.monotonic()
        age(client.app.state.archive, accounts.values(), args.logins)  # type: ignore[attr-defined]
        print(
            f"{args.logins:,} sign-ins and sign-outs recorded for each of {len(accounts)} people "
            f"in {time.monotonic() - started:.0f} s"
        )
        caught_up(client)
    floor, shown = screens(client, accounts)
    every = [floor, *shown]
    for _ in range(args.warmup):
        for s in every:
            s.once()
    signing = Browser(client)
    person = accounts["auditor"]
    sign_in: list[float] = []
    sign_out: list[float] = []
    for _ in range(args.n):
        for s in every:
            s.times.append(s.once())
        sign_in.append(signing.sign_in(person))
        sign_out.append(signing.sign_out())
    base = floor.p(50)
    print()
    print(f"n = {args.n} a screen after {args.warmup} warm-up; ms")
    print("| screen | path | seen by | p50 | p95 | ratio (p50 ÷ floor p50) |")
    print("|---|---|---|--:|--:|--:|")
    for s in every:
        print(
            f"| {s.label} | `{s.path}` | {s.who} | {s.p(50):.1f} | {s.p(95):.1f} "
            f"| {s.p(50) / base:.1f} |"
        )
    for label, path, times in (
        ("sign in", "POST /login", sign_in),
        ("sign out", "POST /logout", sign_out),
    ):
        p50 = percentile(times, 50) * 1000
        p95 = percentile(times, 95) * 1000
        who = f"{person.name}（{person.staff_no}）{person.role}"
        print(f"| {label} | `{path}` | {who} | {p50:.1f} | {p95:.1f} | {p50 / base:.1f} |")
    print(f"peak RSS {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
