"""The compliance report's counting, on facts made here: what is due, missing, late and pending
on the report date; which loans stand at or below their statutory floor; who owns overdue work;
which dossiers wait for appraisal; and how a scope narrows all of it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID, uuid5

from domain.classification import FloorPolicy
from domain.compliance import ComplianceReport, FloorStanding, Requirement, Scope, build_report
from domain.tasks import DossierFacts, LoanFacts, Task, TaskKind
from domain.values import BorrowerType, Grade, Product, RepaymentMethod, RetentionClass, Role

ON = date(2026, 3, 31)
NS = UUID(int=7)
AM = uuid5(NS, "am")


def loan(no: str, *, days: int = 0, grade: Grade = Grade.NORMAL, **kw: object) -> LoanFacts:
    fields: dict[str, object] = {
        "loan_id": uuid5(NS, no),
        "loan_no": no,
        "branch": "城东支行",
        "product": Product.CORPORATE_WORKING_CAPITAL,
        "borrower_type": BorrowerType.CORPORATE,
        "rating": "BBB",
        "repayment_method": RepaymentMethod.BULLET,
        "value_date": date(2024, 1, 10),
        "maturity_date": date(2027, 1, 10),
        "account_manager_id": AM,
        "grade": grade,
        "overdue_as_of": ON - timedelta(days=1) if days else None,
        "days_overdue": days - 1 if days else 0,
        **kw,
    }
    return LoanFacts(**fields)  # type: ignore[arg-type]


def requirement(no: str, doc: str, due: date, filed: date | None = None) -> Requirement:
    return Requirement(
        loan_id=uuid5(NS, no),
        loan_no=no,
        borrower_name="某公司",
        branch="城东支行",
        stage="disbursement",
        stage_zh="放款",
        rule_id="disbursement.core",
        rules_version="v1",
        doc_type=doc,
        doc_type_zh=doc,
        required_since=due,
        due_on=due,
        filed_on=filed,
    )


def task(no: str, kind: TaskKind, due: date, owner: UUID | None = AM, **kw: object) -> Task:
    fields: dict[str, object] = {
        "kind": kind,
        "subject": "",
        "loan_no": no,
        "branch": "城东支行",
        "owner_role": Role.ACCOUNT_MANAGER,
        "owner_id": owner,
        "opens_on": due,
        "due_on": due,
        "overdue": due < ON,
        "rule": "r",
        "rules_version": "v2",
        **kw,
    }
    return Task(**fields)  # type: ignore[arg-type]


def report(loans: list[LoanFacts], **kw: object) -> ComplianceReport:
    args: dict[str, object] = {
        "on": ON,
        "scope": Scope(),
        "position": 42,
        "rules_version": "v2",
        "loans": loans,
        "loan_products": {x.loan_id: x.product for x in loans},
        "loan_branches": {x.loan_id: x.branch for x in loans},
        "requirements": [],
        "tasks": [],
        "dossiers": [],
        "floor_policy": FloorPolicy(),
        "name_of": lambda staff_id: "张伟（AM001）" if staff_id == AM else "?",
        **kw,
    }
    return build_report(**args)  # type: ignore[arg-type]


def test_due_missing_late_and_pending_on_the_report_date() -> None:
    a, b = loan("A"), loan("B")
    found = report(
        [a, b],
        requirements=[
            requirement("A", "application", ON - timedelta(days=1)),  # missing
            requirement("A", "contract", ON - timedelta(days=10), ON - timedelta(days=10)),
            requirement("A", "receipt", ON - timedelta(days=10), ON - timedelta(days=3)),  # late
            requirement("A", "policy", ON - timedelta(days=5), ON + timedelta(days=2)),  # later
            requirement("B", "application", ON),  # due today: not yet due
            requirement("B", "contract", ON - timedelta(days=2), ON - timedelta(days=2)),
        ],
    )
    assert (found.required, found.filed, found.filed_late, found.missing, found.pending) == (
        5,
        3,
        1,
        2,
        1,
    )
    assert found.completeness_rate == Decimal("60.00")
    assert (found.loans, found.dossiers_complete, found.dossier_rate) == (2, 1, Decimal("50.00"))
    assert [(g.doc_type, g.count) for g in found.gaps_by_type] == [
        ("application", 1),
        ("policy", 1),
    ]
    assert [g.days_past_due for g in found.gaps] == [5, 1]  # earliest deadline first
    assert found.rules_versions_cited == ("v1",)


def test_loans_at_and_below_their_floor_and_those_a_floor_does_not_hold() -> None:
    found = report(
        [
            loan("BELOW", days=91, grade=Grade.SPECIAL_MENTION),  # floor 次级, graded better
            loan("AT", days=100, grade=Grade.SUBSTANDARD),
            loan("WORSE", days=100, grade=Grade.DOUBTFUL),  # graded worse than the floor
            loan("CURRENT"),
            loan("CLOSED", days=400, grade=Grade.SUBSTANDARD, closed_on=ON - timedelta(days=1)),
            loan("EARLY", days=20, grade=Grade.SPECIAL_MENTION),
        ]
    )
    assert [(f.loan_no, f.days_overdue, f.floor, f.standing) for f in found.floor_loans] == [
        ("AT", 100, Grade.SUBSTANDARD, FloorStanding.AT),
        ("BELOW", 91, Grade.SUBSTANDARD, FloorStanding.BELOW),
        ("EARLY", 20, Grade.SPECIAL_MENTION, FloorStanding.AT),
    ]
    assert (found.at_floor, found.below_floor) == (2, 1)
    assert "超过 90 天" in found.floor_loans[1].reason_zh


def test_overdue_work_by_owner_and_kind_and_receipts_and_retention() -> None:
    a = loan("A")
    found = report(
        [a],
        requirements=[
            Requirement(
                **{
                    **requirement("A", "collection_receipt", ON - timedelta(days=4)).__dict__,
                    "rule_id": "collection.notice",
                    "stage": "collection",
                }
            )
        ],
        tasks=[
            task("A", TaskKind.ROUTINE_INSPECTION, ON - timedelta(days=3)),
            task("A", TaskKind.REPAYMENT_REMINDER, ON - timedelta(days=1)),
            task("A", TaskKind.ROUTINE_INSPECTION, ON - timedelta(days=9), subject="2"),
            task("A", TaskKind.FIRST_INSPECTION, ON + timedelta(days=3)),  # not overdue
            task(
                "A",
                TaskKind.OVERDUE_BORROWING,
                ON - timedelta(days=8),
                owner=None,
                owner_role=Role.BRANCH_HEAD,
            ),
            task("OTHER", TaskKind.ROUTINE_INSPECTION, ON - timedelta(days=3)),  # not in scope
        ],
        dossiers=[
            DossierFacts(
                uuid5(NS, "d1"),
                "A",
                "城东支行",
                "R-1",
                RetentionClass.THIRTY_YEARS,
                ON - timedelta(days=5),
            ),
            DossierFacts(
                uuid5(NS, "d2"),
                "A",
                "城东支行",
                "R-2",
                RetentionClass.THIRTY_YEARS,
                ON - timedelta(days=5),
                last_appraised_on=ON - timedelta(days=1),
            ),
            DossierFacts(uuid5(NS, "d3"), "A", "城东支行", "R-3", RetentionClass.THIRTY_YEARS, ON),
        ],
    )
    assert [(g.owner, g.kind, g.count, g.oldest_due_on) for g in found.overdue_by_owner] == [
        ("张伟（AM001）", TaskKind.ROUTINE_INSPECTION, 2, ON - timedelta(days=9)),
        ("张伟（AM001）", TaskKind.REPAYMENT_REMINDER, 1, ON - timedelta(days=1)),
        ("（行长）", TaskKind.OVERDUE_BORROWING, 1, ON - timedelta(days=8)),
    ]
    assert len(found.overdue_tasks) == 4
    assert [n.loan_no for n in found.notices_without_receipt] == ["A"]
    assert [(d.reference_code, d.days_past) for d in found.retention_unappraised] == [("R-1", 5)]


def test_a_scope_narrows_loans_requirements_and_tasks() -> None:
    east = loan("E")
    west = loan("W", branch="城西支行", product=Product.MORTGAGE)
    kw = {
        "requirements": [
            requirement("E", "application", ON - timedelta(days=1)),
            requirement("W", "application", ON - timedelta(days=1)),
        ],
        "tasks": [
            task("E", TaskKind.ROUTINE_INSPECTION, ON - timedelta(days=1)),
            task("W", TaskKind.ROUTINE_INSPECTION, ON - timedelta(days=1)),
        ],
    }
    by_branch = report([east, west], scope=Scope(branch="城西支行"), **kw)
    by_product = report([east, west], scope=Scope(product=Product.CORPORATE_WORKING_CAPITAL), **kw)
    assert [g.loan_no for g in by_branch.gaps] == ["W"]
    assert [t.loan_no for t in by_branch.overdue_tasks] == ["W"]
    assert [g.loan_no for g in by_product.gaps] == ["E"]
    assert (by_product.scope.zh, by_product.scope.en) == (
        "公司流动资金贷款",
        "product corporate_working_capital",
    )
    empty = report([east], scope=Scope(branch="无"))
    assert (empty.loans, empty.completeness_rate, empty.dossier_rate) == (0, None, None)
