"""Every read route, with every role of the demo bank: refused (403) exactly when the one table
says so.

A route that shows what a register shows takes that register's permission from
``REGISTER_READS`` — the destruction batches and their register PDF the destruction register's,
the borrowings the circulation register's — and every other GET route is listed below with its
own permission. A new GET route listed nowhere fails this test, as does a route whose answer
(403 or not) disagrees with its permission for any role (docs/rules.md STF-02, STF-10).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from archive.core import CommandContext
from demo.gaps import BORROWING_OVERDUE
from demo.portfolio import build_portfolio
from domain.authorization import PERMISSIONS, REGISTER_READS, Action
from domain.values import Role
from projections.registers import all_registers
from tests.api.conftest import Api

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
    "/loans/{loan_no}": Needs(Action.READ_BUSINESS),
    "/loans/{loan_no}/events": Needs(Action.READ_BUSINESS),
    "/loans/{loan_no}/classifications/floor": Needs(Action.READ_BUSINESS),
    "/loans/{loan_no}/collateral": Needs(Action.READ_BUSINESS),
    "/loans/{loan_no}/collateral/{collateral_no}": Needs(Action.READ_BUSINESS),
    "/loans/{loan_no}/collateral/{collateral_no}/events": Needs(Action.READ_BUSINESS),
    "/loans/{loan_no}/dossier": Needs(Action.READ_BUSINESS),
    "/loans/{loan_no}/dossier/events": Needs(Action.READ_BUSINESS),
    "/loans/{loan_no}/documents/{sha256}": Needs(Action.READ_DOCUMENT),
    "/archive/past-retention": Needs(Action.READ_BUSINESS),
    # The registers' index: names and positions, no rows.
    "/registers": Needs(Action.READ_BUSINESS),
    # Judged from the work queue and completeness registers, for their own readers.
    "/tasks/mine": Needs(Action.READ_BUSINESS),
    "/tasks": Needs(Action.READ_ALL_TASKS),
    "/reports/compliance": Needs(Action.READ_COMPLIANCE_REPORT),
    "/reports/compliance/issued/{report_id}": Needs(Action.READ_COMPLIANCE_REPORT),
    # The Merkle log: hashes and signatures.
    "/integrity/checkpoints": Needs(Action.READ_INTEGRITY),
    "/integrity/checkpoints/latest": Needs(Action.READ_INTEGRITY),
    "/integrity/checkpoints/{tree_size}": Needs(Action.READ_INTEGRITY),
    "/integrity/public-keys": Needs(Action.READ_INTEGRITY),
    "/integrity/proofs/inclusion": Needs(Action.READ_INTEGRITY),
    "/integrity/proofs/consistency": Needs(Action.READ_INTEGRITY),
    "/integrity/verifications/{run_id}": Needs(Action.VERIFY_INTEGRITY),
    # People.
    "/staff": Needs(Action.READ_STAFF),
    "/staff/me": SIGNED_IN,
    # The service itself.
    "/health": PUBLIC,
    "/health/live": PUBLIC,
    "/health/ready": PUBLIC,
    "/document-types": SIGNED_IN,
}
"""Every GET route that is not a register's own (``/registers/<name>…``, which mirror it)."""

QUERIES = {
    "/loans/{loan_no}/classifications/floor": "as_of=2026-06-30",
    "/loans/{loan_no}/documents/{sha256}": "purpose=audit",
    "/archive/past-retention": "on=2026-12-01",
    "/registers/document_search/search": "q=合同",
    "/integrity/proofs/inclusion": "position=1",
    "/integrity/proofs/consistency": "first=1&second=2",
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


@dataclass
class Demo:
    """The API over the demo bank: one token per role, and real things to ask for."""

    api: Api
    tokens: dict[Role, str]
    values: dict[str, str]


@pytest.fixture
def demo(api: Api) -> Demo:
    summary = build_portfolio(api.archive, loans=3)
    tokens: dict[Role, str] = {}
    for person in summary.staff:
        tokens.setdefault(Role(person.role), person.token)
    assert set(tokens) == set(Role), "the demo has someone in every role"
    archive = api.archive
    auditor = CommandContext(archive.authenticate(tokens[Role.AUDITOR]))
    loans = [loan.loan_no for loan in archive.list_loans(auditor, limit=100)]
    loan, collateral = next((n, c) for n in loans if (c := archive.list_collateral(auditor, n)))
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
            "staff_no": "0101",
            "tree_size": "1",
        },
    )


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
    for route in routes:
        permission = permission_of(route)
        url = PREFIX + route.format(**demo.values)
        if route in QUERIES:
            url += "?" + QUERIES[route]
        if permission == PUBLIC:
            assert demo.api.client.get(url).status_code not in (401, 403), url
            continue
        assert demo.api.client.get(url).status_code == 401, f"{url} answers without a token"
        for role in Role:
            answer = demo.api.client.get(
                url, headers={"Authorization": f"Bearer {demo.tokens[role]}"}
            )
            expected = allowed(permission, role)
            if answer.status_code >= 500 or answer.status_code in (401, 422):
                wrong.append(f"{role.value} GET {route}: {answer.status_code} {answer.text[:200]}")
            elif (answer.status_code == 403) == expected:
                said = "refused" if answer.status_code == 403 else f"answered {answer.status_code}"
                should = "be allowed" if expected else "be refused"
                wrong.append(f"{role.value} GET {route}: {said}, should {should} ({permission})")
            elif answer.status_code == 403:
                assert answer.json()["detail"]["zh"], answer.text
    assert not wrong, "\n".join(wrong)
