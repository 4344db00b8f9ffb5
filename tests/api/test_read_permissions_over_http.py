"""Every read route, with every role of the demo bank, asked by people inside and outside the
data scope: refused (403) exactly when the one table and the scope say so.

A route that shows what a register shows takes that register's permission from
``REGISTER_READS`` — the destruction batches and their register PDF the destruction register's,
the borrowings the circulation register's — and every other GET route is listed below with its
own permission. A new GET route listed nowhere fails this test, as does a route whose answer
(403 or not) disagrees with its permission for any role (docs/rules.md STF-02, STF-10).

Each role is asked by a person inside the scope of the loan a route names and, for the roles
whose scope is a branch, by one outside it (a person of another branch): a route naming the
loan refuses the outsider ``out_of_scope``; a listing answers them without any loan of the demo
beyond their scope (docs/rules.md SCP-04, SCP-05). Every command gets the same table below,
each with a valid request of its own (tests/api/fuzzing_scenario.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from api.settings import Settings
from archive.commands.staff import EnrolStaff
from archive.core import SYSTEM_ID, CommandContext
from archive.receipts import BorrowerIndex
from demo.gaps import BORROWING_OVERDUE
from demo.portfolio import build_portfolio
from demo.staff import ROSTER
from domain.authorization import PERMISSIONS, REGISTER_READS, Action
from domain.rules import shipped_rules
from domain.values import Role
from projections.registers import all_registers
from tests.api.conftest import Api
from tests.api.fuzzing_scenario import Bank, Example, Scenario, prepare_on

PREFIX = "/api/v1"


@dataclass(frozen=True)
class Mirrors:
    """The route shows what this register shows: its permission is the register's."""

    register: str


@dataclass(frozen=True)
class Needs:
    """The route shows nothing a register holds; it needs this permission of its own."""

    action: Action


SIGNED_IN = "any signed-in person"
PUBLIC = "anyone, without a token"
Permission = Mirrors | Needs | str

ROUTES: dict[str, Permission] = {
    # What a register shows, wherever it is shown.
    "/destruction-batches/{batch_id}": Mirrors("destruction_register"),
    "/destruction-batches/{batch_id}/register.pdf": Mirrors("destruction_register"),
    "/loans/{loan_no}/dossier/borrowings": Mirrors("circulation_register"),
    "/borrowings/{borrowing_id}": Mirrors("circulation_register"),
    # A loan, its dossier and collateral, as they stand (the aggregates themselves).
    "/loans": Needs(Action.READ_BUSINESS),
    "/maturities": Needs(Action.READ_BUSINESS),
    # The key customers on a date (重点客户), from the central monitoring register.
    "/monitoring/key-customers": Needs(Action.READ_BUSINESS),
    "/target-coverage": Needs(Action.READ_BUSINESS),
    "/loans/{loan_no}": Needs(Action.READ_BUSINESS),
    "/loans/{loan_no}/events": Needs(Action.READ_BUSINESS),
    "/loans/{loan_no}/classifications/floor": Needs(Action.READ_BUSINESS),
    "/loans/{loan_no}/inspection-checklist": Needs(Action.READ_BUSINESS),
    "/loans/{loan_no}/collateral": Needs(Action.READ_BUSINESS),
    "/loans/{loan_no}/collateral/{collateral_no}": Needs(Action.READ_BUSINESS),
    "/loans/{loan_no}/collateral/{collateral_no}/events": Needs(Action.READ_BUSINESS),
    "/loans/{loan_no}/dossier": Needs(Action.READ_BUSINESS),
    "/loans/{loan_no}/dossier/events": Needs(Action.READ_BUSINESS),
    "/loans/{loan_no}/documents/{sha256}": Needs(Action.READ_DOCUMENT),
    "/archive/past-retention": Needs(Action.READ_BUSINESS),
    # Who could read a dossier on a day (数据权限): for audit.
    "/loans/{loan_no}/readers": Needs(Action.READ_READERS),
    # The customer file (按户建档): the borrower's loans within the reader's scope.
    "/customers/{borrower_id}": Needs(Action.READ_BUSINESS),
    # The registers' index: names and positions, no rows.
    "/registers": Needs(Action.READ_BUSINESS),
    # Judged from the work queue and completeness registers, for their own readers.
    "/tasks/mine": Needs(Action.READ_BUSINESS),
    "/tasks": Needs(Action.READ_ALL_TASKS),
    "/reports/compliance": Needs(Action.READ_COMPLIANCE_REPORT),
    "/reports/compliance/issued/{report_id}": Needs(Action.READ_COMPLIANCE_REPORT),
    # Portfolio metrics and the risk-monitoring report, from the loan ledger.
    "/portfolio/metrics": Needs(Action.READ_PORTFOLIO),
    "/reports/risk": Needs(Action.READ_PORTFOLIO),
    "/reports/risk/issued/{report_id}": Needs(Action.READ_PORTFOLIO),
    # Partner institutions' figures (合作机构不良率, 代偿率) and the repayment behaviour summed
    # over the portfolio, from the partner, repayment and loan registers.
    "/partners": Needs(Action.READ_PORTFOLIO),
    "/portfolio/repayment-behaviour": Needs(Action.READ_PORTFOLIO),
    # One loan's repayment-behaviour indicator (还款行为指标).
    "/loans/{loan_no}/repayment-behaviour": Needs(Action.READ_BUSINESS),
    # The Merkle log: hashes and signatures.
    "/integrity/checkpoints": Needs(Action.READ_INTEGRITY),
    "/integrity/checkpoints/latest": Needs(Action.READ_INTEGRITY),
    "/integrity/checkpoints/{tree_size}": Needs(Action.READ_INTEGRITY),
    "/integrity/public-keys": Needs(Action.READ_INTEGRITY),
    # Which keys verification believes, and whether the signing key is among them.
    "/integrity/trusted-keys": Needs(Action.READ_TRUSTED_KEYS),
    "/integrity/proofs/inclusion": Needs(Action.READ_INTEGRITY),
    "/integrity/proofs/consistency": Needs(Action.READ_INTEGRITY),
    "/integrity/verifications/{run_id}": Needs(Action.VERIFY_INTEGRITY),
    # People.
    "/staff": Needs(Action.READ_STAFF),
    "/staff/me": SIGNED_IN,
    # A person's access tokens (never the tokens): who reads the staff list.
    "/staff/{staff_no}/tokens": Needs(Action.READ_STAFF),
    # Evaluations of a person's post-loan duties (履职评价): the trail's readers, within their
    # scope of the person's unit (and the person themselves).
    "/staff/{staff_no}/evaluations": Needs(Action.READ_TRAIL),
    # A person's and a unit's post-loan assessment (贷后管理考核结果, for credit approval): the
    # assessment register's readers (the trail's), within their scope of the unit (and the
    # person themselves).
    "/staff/{staff_no}/assessment": Mirrors("assessment_register"),
    "/units/{branch}/assessment": Mirrors("assessment_register"),
    # A supervision check and its rectification notice (贷后管理检查): the trail's readers,
    # within their scope of the unit checked (and the person or unit checked).
    "/supervision-checks/{check_id}": Needs(Action.READ_TRAIL),
    "/supervision-checks/{check_id}/notice.pdf": Needs(Action.READ_TRAIL),
    # A risk notice (风险预警提示) and a suspension (停复牌): business readers within their
    # scope of the units concerned.
    "/risk-notices/{notice_id}": Needs(Action.READ_BUSINESS),
    "/suspensions/{suspension_id}": Needs(Action.READ_BUSINESS),
    # A branch's feedback (经办行反馈问题): the business readers within their scope of the
    # raising unit (and its raiser and handler).
    "/feedback/{feedback_id}": Needs(Action.READ_BUSINESS),
    # A management paper and its document (贷后管理文书): those who read its unit's business
    # within their scope (and the unit it was submitted to).
    "/papers/{paper_id}": Needs(Action.READ_BUSINESS),
    "/papers/{paper_id}/document.pdf": Needs(Action.READ_BUSINESS),
    # The core-banking feed: the import jobs of this service and the batches on record with
    # their 对账, for those who read the feed.
    "/feed/jobs": Needs(Action.READ_FEED),
    "/feed/jobs/{job_id}": Needs(Action.READ_FEED),
    "/feed/jobs/{job_id}/report.json": Needs(Action.READ_FEED),
    "/feed/jobs/{job_id}/report.csv": Needs(Action.READ_FEED),
    "/feed/batches": Needs(Action.READ_FEED),
    # The service itself.
    "/health": PUBLIC,
    "/health/live": PUBLIC,
    "/health/ready": PUBLIC,
    "/document-types": SIGNED_IN,
    "/warning-catalogue": SIGNED_IN,
}
"""Every GET route that is not a register's own (``/registers/<name>…``, which mirror it)."""

QUERIES = {
    "/loans/{loan_no}/classifications/floor": "as_of=2026-06-30",
    "/loans/{loan_no}/inspection-checklist": "kind=routine",
    "/loans/{loan_no}/documents/{sha256}": "purpose=audit",
    "/archive/past-retention": "on=2026-12-01",
    "/loans/{loan_no}/readers": "on=2026-06-30",
    "/registers/document_search/search": "q=合同",
    "/integrity/proofs/inclusion": "position=1",
    "/integrity/proofs/consistency": "first=1&second=2",
    "/maturities": "month=2026-12",
    "/target-coverage": "year=2026",
    "/reports/risk": "on=2026-09-30",
    "/monitoring/key-customers": "on=2026-09-30",
    "/feed/batches": "limit=10",
}
"""The required query parameters, so that what decides the answer is the caller's role."""


def permission_of(path: str) -> Permission:
    """A route's permission: its register's for ``/registers/<name>…``, else its line above."""
    parts = path.split("/")
    if len(parts) > 2 and parts[1] == "registers" and parts[2] in REGISTER_READS:
        return Mirrors(parts[2])
    if path not in ROUTES:
        pytest.fail(f"GET {path} declares no permission: add it to ROUTES", pytrace=False)
    return ROUTES[path]


def allowed(permission: Permission, role: Role) -> bool:
    if permission in (PUBLIC, SIGNED_IN):
        return True
    if isinstance(permission, Mirrors):
        return role in PERMISSIONS[REGISTER_READS[permission.register]]
    assert isinstance(permission, Needs)
    return role in PERMISSIONS[permission.action]


def test_every_register_has_its_line_in_the_table_of_register_reads() -> None:
    assert {p.name for p in all_registers()} == set(REGISTER_READS)
    for register in all_registers():
        assert register.read_action is REGISTER_READS[register.name]


BRANCH_SCOPED = (Role.ACCOUNT_MANAGER, Role.REVIEWER, Role.POST_LOAN_OFFICER, Role.BRANCH_HEAD)
"""The roles whose scope is a branch (or one's own loans) by the shipped rules: they have people
outside a loan's scope. The others reach the whole bank, or (the administrator) nothing."""


@dataclass(frozen=True)
class Person:
    """A member of the demo's staff: number, role, branch, token."""

    staff_no: str
    role: Role
    branch: str
    token: str


@dataclass(frozen=True)
class DemoLoan:
    """A loan of the demo as scope sees it: its branch and who manages it (staff numbers)."""

    loan_no: str
    branch: str
    managers: frozenset[str]


@dataclass
class Demo:
    """The API over the demo bank: one token per role, and real things to ask for."""

    api: Api
    tokens: dict[Role, str]
    values: dict[str, str]
    people: list[Person]
    loans: dict[str, DemoLoan]

    def of(self, role: Role) -> list[Person]:
        return [p for p in self.people if p.role is role]

    def reaches(self, person: Person, loan: DemoLoan) -> bool:
        """Whether ``person`` may read ``loan``: written out here from the shipped rules (the
        hierarchy of rules.toml), apart from the function the application asks."""
        below = shipped_rules().scope.hierarchy.below(person.branch)
        if person.role is Role.ACCOUNT_MANAGER:
            return loan.branch == person.branch or person.staff_no in loan.managers
        if person.role in (Role.REVIEWER, Role.POST_LOAN_OFFICER):
            return loan.branch == person.branch
        if person.role is Role.BRANCH_HEAD:
            return loan.branch in below
        # The administrator and the integration identity read no business data.
        return person.role not in (Role.ADMINISTRATOR, Role.INTEGRATION)

    def asked_by(self, role: Role, loan: DemoLoan | None) -> list[tuple[Person, bool]]:
        """Who of ``role`` asks about ``loan``: one inside its scope and, for a role scoped to a
        branch, one outside (no loan named: the first of the role, and an outsider to the
        demo's main loan, both expected to see no loan beyond their scope)."""
        subject = loan or self.loans[self.values["loan_no"]]
        people = self.of(role)
        inside = next((p for p in people if self.reaches(p, subject)), people[0])
        asked = [(inside, True)]
        if role in BRANCH_SCOPED:
            outside = next(p for p in people if not self.reaches(p, subject))
            asked.append((outside, False))
        return asked

    def unreached(self, person: Person) -> set[str]:
        """The demo's loans beyond ``person``'s scope: no listing they read may show one."""
        return {n for n, loan in self.loans.items() if not self.reaches(person, loan)}


ROLE_REFUSALS = ("role_not_permitted", "administrator_business_action")
"""Refusals for the role alone, which scope does not change (a duty kept apart, by contrast,
may depend on who the person is: an appeal is only the person's the finding concerns)."""
UPLOADS_ONLY = (
    "/loans/{loan_no}/write-off",
    "/loans/{loan_no}/dossier/documents",
    "/loans/{loan_no}/origination-record",
    "/papers",
    "/papers/{paper_id}/revisions",
    "/feed/batches",  # a batch zip, sent by the integration role
)
"""The commands whose every valid request carries documents: the scenario has none for them."""


@pytest.fixture
def demo(api: Api) -> Demo:
    return demo_of(api, loans=3)


def demo_of(api: Api, *, loans: int) -> Demo:
    summary = build_portfolio(api.archive, loans=loans)
    tokens: dict[Role, str] = {}
    for person in summary.staff:
        tokens.setdefault(Role(person.role), person.token)
    branches = {p.staff_no: p.branch for p in ROSTER}
    people = [
        Person(p.staff_no, Role(p.role), branches[p.staff_no], p.token) for p in summary.staff
    ]
    if Role.INTEGRATION not in tokens:  # the identity the core feed is imported under
        enrolled = api.archive.execute(
            CommandContext(SYSTEM_ID),
            EnrolStaff(
                staff_no="0951", name="核心系统对接", branch="总行", roles=[Role.INTEGRATION]
            ),
        )
        assert enrolled.token is not None
        tokens[Role.INTEGRATION] = enrolled.token.token
        people.append(Person("0951", Role.INTEGRATION, "总行", enrolled.token.token))
    assert set(tokens) == set(Role), "the demo has someone in every role"
    archive = api.archive
    auditor = CommandContext(archive.authenticate(tokens[Role.AUDITOR]))
    held_loans: dict[str, DemoLoan] = {}
    for found in archive.list_loans(auditor, limit=100):
        managers = {m for m in (found.account_manager_id, found.b_manager_id) if m}
        numbers = {m: archive.staff_by_id(m).staff_no for m in managers}
        held_loans[found.loan_no] = DemoLoan(
            found.loan_no, found.branch, frozenset(numbers.values())
        )
    held = {loan.branch for loan in held_loans.values()}
    assert {"营业部", "城东支行", "城西支行"} <= held, f"the demo has loans in {held}"
    loan, collateral = next(
        (n, c) for n in held_loans if (c := archive.list_collateral(auditor, n))
    )
    borrowings = archive.list_borrowings(auditor, BORROWING_OVERDUE)
    assert borrowings, f"{BORROWING_OVERDUE} was borrowed in the demo"
    documents = archive.get_dossier(auditor, loan).documents
    return Demo(
        api,
        tokens,
        {
            "loan_no": loan,
            "collateral_no": collateral[0].collateral_no,
            "borrowing_id": str(borrowings[0].id),
            "sha256": documents[0].ref.sha256,
            "batch_id": str(uuid.uuid4()),  # none in the demo: the allowed get a 404
            "run_id": str(uuid.uuid4()),
            "report_id": str(uuid.uuid4()),  # none issued: the allowed get a 404
            "check_id": str(uuid.uuid4()),  # none in this demo: the allowed get a 404
            "notice_id": str(uuid.uuid4()),
            "suspension_id": str(uuid.uuid4()),
            "feedback_id": str(uuid.uuid4()),  # none in this demo: the allowed get a 404
            "paper_id": str(uuid.uuid4()),  # not the demo's paper: the allowed get a 404
            "job_id": str(uuid.uuid4()),  # no batch sent to this service: the allowed get a 404
            "staff_no": "0101",
            "branch": "营业部",  # 0101's unit
            "tree_size": "1",
            "borrower_id": archive.loan(loan).borrower_id,
        },
        people,
        held_loans,
    )


def concerned(route: str, demo: Demo) -> DemoLoan | None:
    """The loan a route names: by its number, a document or collateral of it, a borrowing; or
    the unit of the person whose evaluations it lists."""
    if "{borrowing_id}" in route:
        return demo.loans[BORROWING_OVERDUE]
    if "{loan_no}" in route or "{borrower_id}" in route:  # the borrower's one loan
        return demo.loans[demo.values["loan_no"]]
    if route in ("/staff/{staff_no}/evaluations", "/staff/{staff_no}/assessment"):
        # the person's unit, as if a loan of it
        return DemoLoan("", demo.api.archive.staff(demo.values["staff_no"]).branch, frozenset())
    if route == "/units/{branch}/assessment":  # the unit, as if a loan of it
        return DemoLoan("", demo.values["branch"], frozenset())
    return None


def test_every_read_route_answers_each_role_as_its_permission_says(demo: Demo) -> None:
    paths: dict[str, Any] = demo.api.client.app.openapi()["paths"]  # type: ignore[attr-defined]
    routes = sorted(p.removeprefix(PREFIX) for p, ops in paths.items() if "get" in ops)
    assert all(p.startswith(PREFIX) for p in paths)
    assert set(ROUTES) <= set(routes), f"listed but gone: {set(ROUTES) - set(routes)}"
    for route in routes:
        required = [
            p["name"]
            for p in paths[PREFIX + route]["get"].get("parameters", [])
            if p["in"] == "query" and p.get("required")
        ]
        given = QUERIES.get(route, "")
        assert all(f"{name}=" in given for name in required), f"QUERIES[{route!r}]: {required}"
    wrong: list[str] = []
    cases: dict[str, int] = {"routes": 0, "inside": 0, "outside": 0}
    for route in routes:
        permission = permission_of(route)
        url = PREFIX + route.format(**demo.values)
        if route in QUERIES:
            url += "?" + QUERIES[route]
        if permission == PUBLIC:
            assert demo.api.client.get(url).status_code not in (401, 403), url
            continue
        assert demo.api.client.get(url).status_code == 401, f"{url} answers without a token"
        cases["routes"] += 1
        loan = concerned(route, demo)
        for role in Role:
            for person, inside in demo.asked_by(role, loan):
                cases["inside" if inside else "outside"] += 1
                answer = demo.api.client.get(
                    url, headers={"Authorization": f"Bearer {person.token}"}
                )
                permitted = allowed(permission, role)
                expected = permitted and (inside or loan is None)
                who = f"{role.value} {person.staff_no} ({'in' if inside else 'out of'} scope)"
                if answer.status_code >= 500 or answer.status_code in (401, 422):
                    wrong.append(f"{who} GET {route}: {answer.status_code} {answer.text[:200]}")
                elif (answer.status_code == 403) == expected:
                    said = (
                        "refused" if answer.status_code == 403 else f"answered {answer.status_code}"
                    )
                    should = "be allowed" if expected else "be refused"
                    wrong.append(f"{who} GET {route}: {said}, should {should} ({permission})")
                elif answer.status_code == 403:
                    assert answer.json()["detail"]["zh"], answer.text
                    if permitted and not inside:  # refused by scope, not by role
                        assert answer.json()["error"] == "out_of_scope", answer.text
                elif answer.headers["content-type"].startswith("application/json"):
                    shown = [n for n in demo.unreached(person) if n in answer.text]
                    if shown:
                        wrong.append(f"{who} GET {route}: shows {shown}, beyond their scope")
    assert not wrong, "\n".join(wrong)
    print(f"read routes × roles × people: {cases}")
    assert cases["outside"] >= 4 * cases["routes"], "every route asked from outside the scope"


# ------------------------------------------------------------------------------ commands
def acts(demo: Demo, person: Person, loan: DemoLoan) -> bool:
    """Whether ``person`` may act on ``loan`` (or book one in its branch, for a loan yet to
    be): an account manager on the loans they manage, the others as they read."""
    if person.role is Role.ACCOUNT_MANAGER and loan.loan_no:
        return person.staff_no in loan.managers
    return demo.reaches(person, loan)


def subjects(demo: Demo, path: str, example: Example) -> list[DemoLoan]:
    """The loans a command names — by number, borrowing, batch or list — as they stand now;
    or the branch it books a loan in, or the unit of the person whose duties it evaluates or
    whose customers it assigns."""
    archive = demo.api.archive
    numbers: list[str] = []
    if "loan_no" in example.path:
        numbers.append(example.path["loan_no"])
    if "borrower_id" in example.path:  # a customer's file: its loans
        numbers += [x.loan_no for x in archive.borrower_loans(example.path["borrower_id"])]
    if "borrowing_id" in example.path:
        numbers.append(archive.repository.get(UUID(example.path["borrowing_id"])).loan_no)
    if "batch_id" in example.path:
        batch = archive.repository.get(UUID(example.path["batch_id"]))
        numbers += [archive.repository.get(d).loan_no for d in batch.dossier_ids]
    if "record_id" in example.path:  # a month's monitoring record names its customer's loan
        numbers.append(archive.repository.get(UUID(example.path["record_id"])).loan_no)
    body = example.body or {}
    numbers += body.get("loan_nos", [])
    if path == "/monitoring/records" or (
        path.startswith("/partners/") and isinstance(body.get("loan_no"), str)
    ):
        # A monitoring record, or a communication with a servicer: the loan it names.
        numbers.append(body["loan_no"])
    found = []
    for number in numbers:
        loan = archive.loan(number)
        managers = {m for m in (loan.account_manager_id, loan.b_manager_id) if m}
        staff = frozenset(archive.staff_by_id(m).staff_no for m in managers)
        found.append(DemoLoan(loan.loan_no, loan.branch, staff))
    if not found and isinstance(body.get("branch"), str) and not path.startswith("/staff"):
        found.append(DemoLoan("", body["branch"], frozenset()))
    if not found and path.startswith("/supervision-checks"):
        # A check of post-loan work: within the checker's reach of the unit checked.
        if "check_id" in example.path:
            unit = archive.repository.get(UUID(example.path["check_id"])).branch
        else:
            unit = archive.staff(body["staff_no"]).branch
        found.append(DemoLoan("", unit, frozenset()))
    if not found and path.startswith(("/risk-notices", "/suspensions")):
        # A risk notice or a suspension: within the actor's reach of the units it concerns.
        found += [DemoLoan("", unit, frozenset()) for unit in risk_units(demo, example)]
    if not found and path.startswith("/feedback/"):
        # A branch's feedback: within the reach of the unit that raised it.
        unit = archive.repository.get(UUID(example.path["feedback_id"])).branch
        found.append(DemoLoan("", unit, frozenset()))
    if not found and path.startswith("/papers/"):
        # A paper: reviewed within the reviewer's reach of its unit, read by the unit above.
        paper = archive.repository.get(UUID(example.path["paper_id"]))
        unit = paper.submitted_to if path.endswith("/acknowledgement") else paper.branch
        found.append(DemoLoan("", unit, frozenset()))
    managing = path.endswith(("/evaluations", "/customers", "/customers/release"))
    managing = path.endswith(
        (
            "/evaluations",
            "/customers",
            "/customers/release",
            "/online-monitor",
            "/online-monitor/end",
        )
    )
    if not found and managing and "staff_no" in example.path:
        # A person's duties evaluated, customers assigned to them (管户) or the person made
        # online monitor: within the evaluator's or the branch head's reach of their unit.
        evaluated = archive.staff(example.path["staff_no"])
        found.append(DemoLoan("", evaluated.branch, frozenset()))
    return found


def risk_units(demo: Demo, example: Example) -> list[str]:
    """The units a risk notice or a suspension concerns (none: bank-wide)."""
    archive = demo.api.archive
    for name in ("notice_id", "suspension_id"):
        if name in example.path:
            found = archive.repository.get(UUID(example.path[name]))
            units = getattr(found, "units", None)
            return list(units) if units is not None else [u for u in [found.branch] if u]
    body = example.body or {}
    if body.get("subject") == "branch":
        return [body["subject_key"]]
    if body.get("subject") == "customer":
        index = archive.repository.get(BorrowerIndex.create_id(body["subject_key"]))
        return [archive.repository.get(index.loan_ids[-1]).branch]
    return list(body.get("units", []))


def asking(demo: Demo, role: Role, loans: list[DemoLoan]) -> list[tuple[Person, bool]]:
    """One person of ``role`` who may act on every loan named and, for a branch-scoped role, one
    who may act on none of them (when the command names any)."""
    people = demo.of(role)
    inside = next((p for p in people if all(acts(demo, p, loan) for loan in loans)), None)
    asked = [(inside, True)] if inside is not None else []
    if loans and role in BRANCH_SCOPED:
        outside = next(p for p in people if not any(acts(demo, p, loan) for loan in loans))
        asked.insert(0, (outside, False))  # before anyone inside has used the request up
    return asked


@pytest.fixture
def commands(api: Api) -> tuple[Demo, Scenario]:
    """The demo with a valid request for every command, made true on it by the fuzzing
    scenario, in process."""
    found = demo_of(api, loans=4)
    client = TestClient(api.client.app, base_url=f"http://testserver{PREFIX}")
    tokens = {p.staff_no: p.token for p in found.people}
    # As the served demo's sealer would have: a first checkpoint before the scenario's own.
    sealed = client.post(
        "/integrity/checkpoints", headers={"Authorization": f"Bearer {tokens['0931']}"}
    )
    assert sealed.status_code == 201, sealed.text
    today = datetime.now(ZoneInfo(Settings().timezone)).date()
    return found, prepare_on(Bank("", tokens, client), today)


def test_every_command_answers_people_inside_and_outside_the_scope(
    commands: tuple[Demo, Scenario],
) -> None:
    demo, scenario = commands
    paths: dict[str, Any] = demo.api.client.app.openapi()["paths"]  # type: ignore[attr-defined]
    posts = sorted(p.removeprefix(PREFIX) for p, ops in paths.items() if "post" in ops)
    examples = {
        path.removeprefix(PREFIX): example
        for (method, path), example in scenario.examples.items()
        if method == "POST"
    }
    for path in posts:  # a command that takes nothing needs no example to be valid
        if path not in examples and "{" not in path:
            examples[path] = Example()
    without = sorted(set(posts) - set(examples))
    assert set(without) <= set(UPLOADS_ONLY), f"commands with no valid request: {without}"
    client = demo.api.client
    wrong: list[str] = []
    cases: dict[str, int] = {"commands": 0, "inside": 0, "outside": 0, "naming a loan": 0}
    for path in posts:
        if path not in examples:
            continue
        example = examples[path]
        loans = subjects(demo, path, example)
        cases["commands"] += 1
        cases["naming a loan"] += bool(loans)
        url = PREFIX + path.format(**example.path)
        refusals: dict[Role, str] = {}
        for role in Role:
            for person, inside in asking(demo, role, loans):
                cases["inside" if inside else "outside"] += 1
                before = demo.api.counts()
                answer = client.post(
                    url,
                    json=example.body or {},
                    params=example.query,
                    headers={"Authorization": f"Bearer {person.token}"},
                )
                error = answer.json().get("error") if answer.status_code >= 400 else None
                who = f"{role.value} {person.staff_no} ({'in' if inside else 'out of'} scope)"
                if answer.status_code >= 500:
                    wrong.append(f"{who} POST {path}: {answer.status_code} {answer.text[:200]}")
                elif inside and error == "out_of_scope":
                    wrong.append(f"{who} POST {path}: refused out of scope ({answer.text[:200]})")
                elif not inside and answer.status_code != 403:
                    wrong.append(f"{who} POST {path}: answered {answer.status_code}, not refused")
                elif not inside:
                    refusals[role] = str(error)
                    if demo.api.counts() != before:
                        wrong.append(f"{who} POST {path}: refused, yet something was recorded")
                elif refusals.get(role) in ROLE_REFUSALS and error != refusals[role]:
                    # Refused for their role outside: refused as well inside.
                    wrong.append(f"{who} POST {path}: {error}, outside {refusals[role]}")
                if not loans and error == "out_of_scope":
                    wrong.append(f"{who} POST {path}: out_of_scope, yet it names no loan")
    assert not wrong, "\n".join(wrong)
    print(f"commands × roles × people: {cases}")
    assert cases["naming a loan"] >= 0.75 * cases["commands"]
    assert cases["outside"] >= 4 * cases["naming a loan"], "each asked from outside the scope"
