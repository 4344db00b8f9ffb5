"""The console's pages: a left navigation by area that offers each role exactly the areas its
application calls allow, every link answering, refusals shown as a message in the page,
Chinese by default and English by a switch, and nothing loaded from another origin."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import pytest

from archive.commands.staff import IssueToken
from domain.values import Role
from tests.api.console_harness import CONSOLE, PEOPLE, Console
from tests.factories import make_disbursement

AREAS = {
    "/": "工作台",
    "/loans": "贷款档案",
    "/archive": "档案室",
    "/archive/desk": "借阅台",
    "/audit": "审计",
    "/compliance": "合规",
    "/portfolio": "资产质量",
    "/registers": "台账",
    "/feed": "日终文件",
    "/admin": "系统管理",
}
SHOWN: dict[Role, set[str]] = {
    Role.ACCOUNT_MANAGER: {"/", "/loans", "/registers"},
    Role.REVIEWER: {"/", "/loans", "/registers"},
    Role.POST_LOAN_OFFICER: {"/", "/loans", "/registers"},
    Role.RISK_MANAGER: {
        "/",
        "/loans",
        "/audit",
        "/compliance",
        "/portfolio",
        "/registers",
        "/feed",
    },
    Role.BRANCH_HEAD: {
        "/",
        "/loans",
        "/archive",
        "/archive/desk",
        "/audit",
        "/compliance",
        "/portfolio",
        "/registers",
    },
    Role.ARCHIVIST: {"/", "/loans", "/archive", "/archive/desk", "/registers"},
    Role.ARCHIVE_HEAD: {
        "/",
        "/loans",
        "/archive",
        "/archive/desk",
        "/audit",  # the trusted keys (read_trusted_keys)
        "/compliance",
        "/registers",
    },
    Role.INTEGRATION: {"/", "/feed"},
    # Those who check the archive office read its records but lend nothing: no desk.
    Role.COMPLIANCE: set(AREAS) - {"/archive/desk"},
    Role.AUDITOR: set(AREAS) - {"/archive/desk"},
    Role.ADMINISTRATOR: {"/", "/audit", "/admin"},
}


class Links(HTMLParser):
    """Every address a page points at: links, scripts, style sheets, images, forms."""

    def __init__(self) -> None:
        super().__init__()
        self.nav: list[str] = []
        self.addresses: list[str] = []
        self._in_nav = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "nav" and values.get("class") == "sidebar":
            self._in_nav = True
        for name in ("href", "src", "action", "hx-get", "hx-post"):
            if values.get(name):
                self.addresses.append(values[name] or "")
        if tag == "a" and self._in_nav and values.get("class", "").startswith("nav-"):
            self.nav.append(values["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self._in_nav = False


def _links(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_each_role_sees_its_areas_and_every_link_answers(console: Console, role: Role) -> None:
    console.as_role(role)
    home = console.get("/")
    assert home.status_code == 200
    nav = _links(home.text).nav
    assert set(nav) == SHOWN[role]
    for path in nav:
        page = console.get(path)
        assert page.status_code == 200, (path, page.text[:500])
        assert AREAS[path] in page.text
        assert "Traceback" not in page.text
        for address in _links(page.text).addresses:
            assert not re.match(r"^(https?:)?//", address), (path, address)
            if address.startswith(("/static/", "/docs", "/redoc")) or address in SHOWN[role]:
                assert console.get(address).status_code == 200, (path, address)


@pytest.mark.parametrize(
    ("role", "path"),
    [
        (Role.ACCOUNT_MANAGER, "/admin"),
        (Role.ACCOUNT_MANAGER, "/compliance"),
        (Role.ARCHIVIST, "/audit"),
        (Role.ADMINISTRATOR, "/loans"),
        (Role.ADMINISTRATOR, "/registers/loan_ledger"),
        (Role.ACCOUNT_MANAGER, "/registers/circulation_register"),
        (Role.INTEGRATION, "/loans"),
        (Role.INTEGRATION, "/registers"),
        (Role.INTEGRATION, "/registers/loan_ledger"),
        (Role.INTEGRATION, "/archive"),
        (Role.INTEGRATION, "/audit"),
        (Role.INTEGRATION, "/admin"),
    ],
)
def test_an_area_not_offered_refuses_in_the_page(console: Console, role: Role, path: str) -> None:
    console.as_role(role)
    refused = console.get(path)
    assert refused.status_code == 403
    assert 'data-testid="refusal"' in refused.text
    assert "Traceback" not in refused.text
    # The refusal is the application's own, in the person's language.
    assert ("仅限" in refused.text) or ("三员分立" in refused.text)


def test_english_by_a_switch_that_is_remembered(console: Console) -> None:
    console.as_role(Role.AUDITOR)
    switched = console.get("/language/en?next=/loans")
    assert switched.status_code == 303
    assert switched.headers["location"] == "/loans"
    page = console.get("/loans")
    assert '<html lang="en">' in page.text
    assert "Loan dossiers" in page.text
    assert "贷款档案" not in page.text
    back = console.get("/language/zh?next=https://evil.test/")
    assert back.headers["location"] == "/"
    assert "贷款档案" in console.get("/loans").text


def test_the_browser_language_is_heard_until_a_choice_is_made(console: Console) -> None:
    console.client.cookies.clear()
    english = console.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.text
    assert "Staff number" in english.text
    chinese = console.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert "工号" in chinese.text
    console.get("/language/zh")
    chosen = console.get("/login", headers={"Accept-Language": "en"})
    assert "工号" in chosen.text


def test_every_message_of_the_console_has_its_chinese(console: Console) -> None:
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    from api.web import i18n

    root = i18n.LOCALE_DIR.parent
    found = {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(root),
            method_map=[("**.py", "python"), ("templates/**.html", "jinja2")],
            keywords={"_": None, "t": None, "N_": None},
        )
    }
    with (i18n.LOCALE_DIR / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalogue = read_po(source)
    translated = {m.id: m.string for m in catalogue if m.id and not m.fuzzy}
    assert sorted(m for m in found if not translated.get(m)) == []
    assert sorted(set(translated) - found) == []


def test_swagger_ui_and_redoc_come_from_the_app_itself(console: Console) -> None:
    for path in ("/docs", "/redoc"):
        page = console.get(path)
        assert page.status_code == 200
        assert not re.search(r"https?://", page.text), path
        for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text):
            assert console.get(asset).status_code == 200, asset
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in console.get("/docs").text
    assert "/static/vendor/redoc/redoc.standalone.js" in console.get("/redoc").text
    assert console.get("/openapi.json").status_code == 200


def test_loans_are_found_by_number_or_borrower_and_show_their_timeline(
    console: Console,
) -> None:
    manager = CommandContext_of(console, Role.ACCOUNT_MANAGER)
    result = console.archive.disburse(
        manager, make_disbursement("DK2026000018", borrower_name="云溪示范农业合作社")
    )
    console.archive.disburse(manager, make_disbursement("DK2026000019"))
    console.registers.wait(["loan_ledger"], result.position, 30)
    console.as_role(Role.ACCOUNT_MANAGER)
    by_name = console.get("/loans?q=示范农业")
    assert 'href="/loans/DK2026000018"' in by_name.text
    assert 'href="/loans/DK2026000019"' not in by_name.text
    by_number = console.get("/loans?q=dk2026000019")
    assert 'href="/loans/DK2026000019"' in by_number.text
    assert 'href="/loans/DK2026000018"' not in by_number.text
    wildcard = console.get("/loans?q=%25")
    assert "没有与" in wildcard.text
    loan = console.get("/loans/DK2026000018")
    assert loan.status_code == 200
    assert "放款" in loan.text
    assert "林海燕（C0102）" in loan.text
    assert "云溪示范农业合作社" in loan.text
    missing = console.get("/loans/DK0000000000")
    assert missing.status_code == 404
    assert "不存在" in missing.text


def CommandContext_of(console: Console, role: Role) -> object:
    from archive.core import CommandContext

    return CommandContext(console.archive.staff(PEOPLE[role][0]).id)


def test_a_register_filters_pages_and_exports_what_it_shows(console: Console) -> None:
    manager = CommandContext_of(console, Role.ACCOUNT_MANAGER)
    last = None
    for number in range(3):
        last = console.archive.disburse(
            manager, make_disbursement(f"DK20260001{number:02d}", branch="营业部")
        )
    assert last is not None
    console.registers.wait(["loan_ledger"], last.position, 30)
    console.as_role(Role.BRANCH_HEAD)
    page = console.get("/registers/loan_ledger?branch=营业部")
    assert page.status_code == 200
    assert page.text.count('href="/loans/DK20260001') == 3
    assert "贷后管理台账" in page.text
    exported = console.get("/registers/loan_ledger/export?branch=营业部&format=csv")
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][0] == "借据号"
    assert len(rows) == 4
    xlsx = console.get("/registers/loan_ledger/export?format=xlsx")
    assert xlsx.content[:2] == b"PK"
    bad = console.get("/registers/loan_ledger?grade=not-a-grade&as_of=yesterday")
    assert bad.status_code == 422
    assert 'data-testid="filter-error"' in bad.text
    as_of = console.get("/registers/loan_ledger?as_of=2020-01-01")
    assert "没有记录" in as_of.text


def test_the_administrator_sees_staff_roles_and_tokens_but_no_business(
    console: Console,
) -> None:
    console.as_role(Role.ADMINISTRATOR)
    staff = console.get("/admin")
    assert "冯志明" in staff.text
    assert "审计" in staff.text
    roles = console.get("/admin/roles")
    assert "read_business" in roles.text
    console.archive.execute(CONSOLE, IssueToken(staff_no=PEOPLE[Role.AUDITOR][0]))
    tokens = console.get("/admin/tokens")
    assert "冯志明（C0931）" in tokens.text
    assert "服务器控制台" in tokens.text
    workbench = console.get("/")
    assert "三员分立" in workbench.text


def test_the_integration_identity_is_told_what_it_is_for_and_sees_no_business(
    console: Console,
) -> None:
    console.as_role(Role.INTEGRATION)
    home = console.get("/")
    assert home.status_code == 200
    assert 'data-testid="integration"' in home.text
    assert "核心系统日终文件" in home.text
    assert "系统管理员不办理业务" not in home.text  # not told it is the administrator
    assert 'data-testid="overdue-count"' not in home.text  # no business tasks
    for address in ("/feed", "/docs", "/password"):
        assert f'href="{address}"' in home.text
        assert console.get(address).status_code == 200
    # The register of batches it reads by its own permission, without the Registers area.
    batches = console.get("/registers/feed_batches")
    assert batches.status_code == 200, batches.text[:500]
    assert 'href="/registers"' not in batches.text
    assert console.get("/registers").status_code == 403
    assert console.get("/language/en?next=/").status_code == 303
    assert "end-of-day feed" in console.get("/").text


def test_the_administrator_sees_the_integration_identity_among_the_staff(
    console: Console,
) -> None:
    console.as_role(Role.ADMINISTRATOR)
    staff = console.get("/admin")
    assert "核心系统对接" in staff.text
    assert "系统对接岗" in staff.text
    roles = console.get("/admin/roles")
    assert "核心系统对接（C0951）" in roles.text
    assert "import_feed" in roles.text


def test_register_pages_name_people_never_by_id(console: Console) -> None:
    manager = CommandContext_of(console, Role.ACCOUNT_MANAGER)
    result = console.archive.disburse(manager, make_disbursement("DK2026000200"))
    console.registers.wait(["work_queue", "staff_directory"], result.position, 30)
    console.as_role(Role.BRANCH_HEAD)
    page = console.get("/registers/work_queue?loan_no=DK2026000200")
    assert page.status_code == 200
    assert "林海燕（C0102）" in page.text
    manager_id = str(console.archive.staff(PEOPLE[Role.ACCOUNT_MANAGER][0]).id)
    assert manager_id not in page.text
    assert manager_id.replace("-", "") not in page.text


def test_a_register_and_a_loan_are_read_on_a_business_date_and_as_recorded_then(
    console: Console,
) -> None:
    """The picker offers 业务日期 and 记录时点: the register and the loan answer on a business
    date from the facts dated up to it, and the export's name says which times it is of."""
    manager = CommandContext_of(console, Role.ACCOUNT_MANAGER)
    done = console.archive.disburse(manager, make_disbursement("DK2026000199", branch="营业部"))
    console.registers.wait(["loan_ledger"], done.position, 30)
    console.as_role(Role.BRANCH_HEAD)  # value date 2025-01-10

    page = console.get("/registers/loan_ledger?loan_no=DK2026000199&on=2025-01-10")
    assert page.status_code == 200
    assert 'name="on"' in page.text
    assert 'name="as_of"' in page.text
    assert 'href="/loans/DK2026000199?on=2025-01-10"' in page.text  # the loan on that day
    assert "业务日期 2025-01-10" in page.text
    assert "next=/registers/loan_ledger%3Floan_no%3DDK2026000199%26on%3D2025-01-10" in page.text
    future = console.get("/registers/loan_ledger?on=2099-01-01")
    assert future.status_code == 422
    assert "晚于今日" in future.text
    everything = console.get("/registers/loan_ledger?loan_no=DK2026000199&as_of=9999-12-31")
    assert everything.status_code == 200
    assert 'href="/loans/DK2026000199?as_of=9999-12-31"' in everything.text
    before = console.get("/registers/loan_ledger?loan_no=DK2026000199&on=2025-01-09")
    assert 'href="/loans/DK2026000199?on=2025-01-09"' not in before.text
    assert "没有记录" in before.text
    bad = console.get("/registers/loan_ledger?on=2025-02-30")
    assert bad.status_code == 422
    assert "业务日期须为日期" in bad.text
    exported = console.get("/registers/loan_ledger/export?on=2025-01-10&format=csv")
    assert exported.status_code == 200
    assert "-on-2025-01-10" in exported.headers["Content-Disposition"]
    assert exported.headers["X-Dossier-On"] == "2025-01-10"

    then = console.get("/loans/DK2026000199?on=2025-01-10")
    assert 'data-testid="then"' in then.text
    assert "业务日期 2025-01-10" in then.text
    not_yet = console.get("/loans/DK2026000199?on=2025-01-09")
    assert 'data-testid="then-refused"' in not_yet.text
    assert "尚未放款" in not_yet.text


def test_the_administrator_issues_a_token_once_and_revokes_it_with_a_reason(
    console: Console,
) -> None:
    console.as_role(Role.ADMINISTRATOR)
    auditor = PEOPLE[Role.AUDITOR][0]
    empty = console.post(
        "/admin/tokens", {"staff_no": auditor, "valid_days": "0", "csrf_token": console.csrf()}
    )
    assert empty.status_code == 422
    assert 'data-testid="issued-token"' not in empty.text

    page = console.post(
        "/admin/tokens",
        {"staff_no": auditor, "name": "审计取数", "valid_days": "30", "csrf_token": console.csrf()},
    )
    assert page.status_code == 200, page.text[:500]
    shown = re.search(r"<code class=\"secret\">(dsr_[^<]+)</code>", page.text)
    assert shown is not None
    token = shown.group(1)
    me = console.client.get("/api/v1/staff/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    listed = console.get("/admin/tokens")
    assert token not in listed.text  # shown once, on the page that issued it
    assert "审计取数" in listed.text
    token_id = token.split("_")[2]
    row = re.search(r'<tr data-token="([0-9a-f-]+)">(?:(?!</tr>).)*审计取数', listed.text, re.S)
    assert row is not None
    assert row.group(1).replace("-", "") == token_id
    uuid = row.group(1)

    no_reason = console.post(
        f"/admin/tokens/{auditor}/{uuid}/revoke", {"reason": "", "csrf_token": console.csrf()}
    )
    assert no_reason.status_code == 422
    revoked = console.post(
        f"/admin/tokens/{auditor}/{uuid}/revoke",
        {"reason": "审计项目结束", "csrf_token": console.csrf()},
    )
    assert revoked.status_code == 303, revoked.text[:500]
    after = console.get("/admin/tokens")
    assert "已吊销" in after.text
    assert "审计项目结束" in after.text
    gone = console.client.get("/api/v1/staff/me", headers={"Authorization": f"Bearer {token}"})
    assert gone.status_code == 401
