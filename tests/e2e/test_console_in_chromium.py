"""The web console in a real Chromium: every demo role signs in and visits every link of its
navigation — no 4xx or 5xx, no console error, no request to another origin, Chinese rendered
with real glyphs — and the guards hold in the browser too: a form without its CSRF token is
refused, an idle session goes back to sign-in, repeated wrong passwords lock sign-in.

Screenshots of the main screens are taken on the way (into a temporary folder; into
``DOSSIER_SCREENSHOTS_DIR`` when set — ``make screenshots`` sets it to docs/screenshots).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from archive.core import CommandContext
from demo.gaps import DELIBERATE_LOANS, RECEIPT_MISSING
from demo.staff import ROSTER
from domain.values import Role
from tests.e2e.conftest import Served

RECEIPT_MISSING_MANAGER = next(
    d.account_manager for d in DELIBERATE_LOANS if d.loan_no == RECEIPT_MISSING
)

pytestmark = pytest.mark.slow

ROLES = [r.value for r in Role]

GLYPHS = """() => {
  const canvas = document.createElement("canvas");
  canvas.width = 64;
  canvas.height = 64;
  const context = canvas.getContext("2d");
  const family = getComputedStyle(document.body).fontFamily;
  const draw = (text) => {
    context.clearRect(0, 0, 64, 64);
    context.font = "40px " + family;
    context.fillText(text, 4, 48);
    return canvas.toDataURL();
  };
  // Two characters no font has (private use) draw the same empty box; two real Chinese
  // characters drawn with a CJK font differ. Without fonts-noto-cjk they are boxes too.
  return {
    missing: draw("\\uE000") === draw("\\uE001"),
    distinct: draw("工") !== draw("作") && draw("工") !== draw("\\uE000"),
  };
}"""


class Watch:
    """What a page did that it should not: error answers, console errors, other origins."""

    def __init__(self, page: Any, origin: str) -> None:
        self.problems: list[str] = []
        page.on("response", self._response)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("request", lambda request: self._request(request, origin))

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.problems.append(f"{response.status} {response.url}")

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")

    def _request(self, request: Any, origin: str) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if f"{parts.scheme}://{parts.netloc}" != origin:
            self.problems.append(f"request to another origin: {request.url}")


def _sign_in(page: Any, served: Served, staff_no: str, password: str) -> None:
    page.goto(served.base_url + "/")
    assert urlsplit(page.url).path == "/login"
    page.fill("#staff_no", staff_no)
    page.fill("#password", password)
    page.click("form.stacked button[type=submit]")
    page.wait_for_load_state()


def _chinese_rendered(page: Any) -> None:
    assert page.get_attribute("html", "lang") == "zh-CN"
    glyphs = page.evaluate(GLYPHS)
    assert glyphs == {"missing": True, "distinct": True}, "Chinese renders as empty boxes"


def _shots() -> Path | None:
    chosen = os.environ.get("DOSSIER_SCREENSHOTS_DIR")
    return Path(chosen) if chosen else None


def _shoot(page: Any, name: str, tmp_path: Path) -> Path:
    folder = _shots() or tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


@pytest.mark.parametrize("role", ROLES)
def test_every_role_visits_every_link_of_its_navigation(
    served: Served, browser: Any, role: str
) -> None:
    person = served.first(role)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900})
    page = context.new_page()
    watch = Watch(page, served.origin)
    try:
        _sign_in(page, served, person.staff_no, person.password)
        assert urlsplit(page.url).path == "/"
        assert f"{person.name}（{person.staff_no}）" in page.inner_text("header")
        _chinese_rendered(page)
        links = page.eval_on_selector_all(
            "nav.sidebar a[class^='nav-']", "links => links.map(a => a.getAttribute('href'))"
        )
        assert "/" in links
        visited = []
        for href in links:
            page.goto(served.base_url + href)
            assert page.locator("h1.page-title").count() == 1, href
            _chinese_rendered(page)
            visited.append(href)
            # One step further where the page lists things: the first loan, the first register.
            for follow in ("main a[href^='/loans/']", "main a[href^='/registers/']"):
                first = page.locator(follow).first
                if first.count():
                    target = first.get_attribute("href")
                    page.goto(served.base_url + target)
                    assert page.locator("h1.page-title").count() == 1, target
                    page.go_back()
        assert visited == links
    finally:
        context.close()
    assert watch.problems == []


def test_the_main_screens_look_like_the_bank_s_back_office(
    served: Served, browser: Any, tmp_path: Path
) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900})
    page = context.new_page()
    watch = Watch(page, served.origin)
    shots: list[Path] = []
    try:
        page.goto(served.base_url + "/login")
        shots.append(_shoot(page, "01-login", tmp_path))
        # The account manager of the loan under collection shown below (城西支行): an account
        # manager reads their own branch's loans only (数据权限).
        manager = next(s for s in served.staff if s.staff_no == RECEIPT_MISSING_MANAGER)
        _sign_in(page, served, manager.staff_no, manager.password)
        shots.append(_shoot(page, "02-workbench", tmp_path))
        page.goto(served.base_url + "/loans?q=DK2026")
        shots.append(_shoot(page, "03-loans", tmp_path))
        # The search box finds the loan by the last 6 characters of its borrower's ID number,
        # which the list shows masked but for them.
        borrower_id = served.archive.get_loan(
            CommandContext(served.archive.staff(manager.staff_no).id), RECEIPT_MISSING
        ).borrower_id
        page.fill("#q", borrower_id[-6:])
        page.select_option("#kind", "id_suffix")
        page.click("form.filters button[type=submit]")
        page.wait_for_load_state()
        found = page.inner_text("[data-testid=loans-found]")
        assert RECEIPT_MISSING in found
        assert borrower_id not in page.content()
        assert "*" * (len(borrower_id) - 6) + borrower_id[-6:] in found
        page.goto(served.base_url + f"/loans/{RECEIPT_MISSING}")  # collection under way
        assert RECEIPT_MISSING in page.inner_text("h1")
        # Its dossier: the receipt never filed is a gap, its classifications and documents
        # are listed by name, and a document opens — with a purpose — as a watermarked copy.
        assert "催收通知书回执" in page.inner_text("[data-testid=gaps]")
        assert page.locator("[data-testid=classifications] h2").count() == 1
        documents = page.locator("[data-testid=documents]")
        assert "借款合同" in documents.inner_text()
        shots.append(_shoot(page, "04-loan-timeline", tmp_path))
        reading = documents.locator("details.read").first
        reading.locator("summary").click()
        reading.locator("select[name=purpose]").select_option("business")
        with page.expect_download() as download:
            reading.locator("button[type=submit]").click()
        assert download.value.suggested_filename.endswith("-副本.pdf")
        copy = Path(download.value.path()).read_bytes()
        assert copy.startswith(b"%PDF")
        page.reload()
        assert "调阅文档" in page.inner_text("ol.timeline li:first-child")
        assert manager.name in page.inner_text("ol.timeline li:first-child")
        page.goto(served.base_url + "/registers/loan_ledger")
        shots.append(_shoot(page, "05-register", tmp_path))
        for role, path, name in (
            (Role.ARCHIVIST, "/archive", "06-archive-room"),
            (Role.AUDITOR, "/audit", "07-audit"),
            (Role.COMPLIANCE, "/compliance", "08-compliance"),
            (Role.ADMINISTRATOR, "/admin", "09-administration"),
        ):
            person = served.first(role.value)
            context.clear_cookies()
            _sign_in(page, served, person.staff_no, person.password)
            page.goto(served.base_url + path)
            shots.append(_shoot(page, name, tmp_path))
        page.goto(served.base_url + "/language/en?next=/")
        assert "Workbench" in page.inner_text("main")
        shots.append(_shoot(page, "10-english", tmp_path))
    finally:
        context.close()
    assert watch.problems == []
    assert all(s.stat().st_size > 10_000 for s in shots)


def test_a_form_without_its_csrf_token_is_refused_in_the_browser(
    served: Served, browser: Any
) -> None:
    person = served.first(Role.REVIEWER.value)
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    try:
        _sign_in(page, served, person.staff_no, person.password)
        page.eval_on_selector("form.logout input[name=csrf_token]", "input => input.remove()")
        with page.expect_response(lambda r: urlsplit(r.url).path == "/logout") as answer:
            page.click("form.logout button")
        assert answer.value.status == 403
        assert "表单已失效" in page.inner_text("main")
        page.goto(served.base_url + "/")
        assert urlsplit(page.url).path == "/"  # still signed in: nothing was done
        assert person.name in page.inner_text("header")
    finally:
        context.close()


def test_an_idle_session_is_sent_back_to_sign_in(served: Served, browser: Any) -> None:
    person = served.first(Role.POST_LOAN_OFFICER.value)
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    try:
        _sign_in(page, served, person.staff_no, person.password)
        assert urlsplit(page.url).path == "/"
        served.later(timedelta(minutes=31))
        page.goto(served.base_url + "/loans")
        assert urlsplit(page.url).path == "/login"
        assert "会话已超时" in page.inner_text("main")
        page.fill("#staff_no", person.staff_no)
        page.fill("#password", person.password)
        page.click("form.stacked button[type=submit]")
        page.wait_for_load_state()
        assert urlsplit(page.url).path == "/loans"  # back where the person was going
    finally:
        context.close()


def test_repeated_wrong_passwords_lock_sign_in(served: Served, browser: Any) -> None:
    # A second account manager, so that no other test signs in as them.
    person = next(
        s
        for s in served.staff
        if s.staff_no == [p for p in ROSTER if p.role.value == "account_manager"][1].staff_no
    )
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    try:
        for attempt in range(5):
            _sign_in(page, served, person.staff_no, f"Wrong{attempt}guess2026")
            assert urlsplit(page.url).path == "/login"
        assert "账户已暂时锁定" in page.inner_text("main")
        _sign_in(page, served, person.staff_no, person.password)
        assert urlsplit(page.url).path == "/login"
        assert "账户已暂时锁定" in page.inner_text("main")
    finally:
        context.close()
