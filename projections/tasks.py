"""Reading the work queue: the facts as the register holds them, judged on a business date.

:func:`tasks` reads the current facts (or those "as of" a past position or time) and the
rules in force at that point from the ``work_queue`` register, and returns the tasks
:func:`domain.tasks.tasks_for` computes for ``today``, filtered as asked. The API and the CLI
both read through here.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain.customer import OperatingRhythm
from domain.rules import RuleSet
from domain.scope import RowScope
from domain.tasks import (
    BorrowingFacts,
    CountersignFacts,
    DossierFacts,
    Facts,
    FeedbackFacts,
    GuaranteeFacts,
    LoanFacts,
    LossFacts,
    PaperFacts,
    PartnerFacts,
    RectificationFacts,
    StaffFacts,
    Task,
    TaskKind,
    WarningFacts,
    tasks_for,
)
from domain.values import (
    BorrowerType,
    CollectionStepKind,
    Grade,
    GuarantorKind,
    LossKind,
    Product,
    RepaymentMethod,
    RetentionClass,
    Role,
    WarningColour,
)
from projections.monitoring import facts_for
from projections.projection import Projection
from projections.query import AsOf, visible
from projections.registers.tasks import (
    FEEDBACK,
    PAPERS_DUE,
    RECTIFICATIONS,
    SERVICERS,
    WorkQueue,
)
from projections.rules_state import RULES_TABLE, SLOT
from projections.scoping import loan_key, scope_clauses
from projections.store import RegisterStore


def tasks(
    store: RegisterStore,
    register: Projection,
    today: date,
    *,
    scope: RowScope,
    owner_id: UUID | None = None,
    overdue_only: bool = False,
    kind: TaskKind | None = None,
    branch: str | None = None,
    as_of: AsOf | None = None,
    monitoring: Projection | None = None,
) -> list[Task]:
    """The tasks open on ``today`` on the loans ``scope`` reaches, from the facts as the
    register stood at ``as_of`` (with the key customers' monitoring, given ``monitoring``,
    the central monitoring register)."""
    found = judge(
        store, register, today, scope=scope, as_of=as_of, branch=branch, monitoring=monitoring
    )
    return [
        t
        for t in found.tasks
        if (owner_id is None or t.owner_id == owner_id)
        and (not overdue_only or t.overdue)
        and (kind is None or t.kind is kind)
    ]


@dataclass(frozen=True)
class Judged:
    """The facts as the register held them, the rules in force then, and the tasks they give."""

    facts: Facts
    rules: RuleSet
    tasks: list[Task]


def judge(
    store: RegisterStore,
    register: Projection,
    today: date,
    *,
    scope: RowScope,
    as_of: AsOf | None = None,
    branch: str | None = None,
    monitoring: Projection | None = None,
) -> Judged:
    """Every open task on ``today`` on the loans ``scope`` reaches, with the facts and rules
    behind them, at ``as_of``; given ``monitoring`` (the central monitoring register), the key
    customers' monitoring tasks too."""
    queue = _work_queue(register)
    rows = _read(store, queue, as_of or AsOf(), branch, scope)
    rules = queue.rules_from(rows["rules_in_force"][0] if rows["rules_in_force"] else None)
    facts = _facts(rows)
    if monitoring is not None:
        watched = facts_for(store, monitoring, rules, today, scope=scope, as_of=as_of)
        facts = replace(
            facts, customers=watched.customers, monitors=watched.monitors, flags=watched.flags
        )
    found = tasks_for(facts, rules, today)
    if branch is not None:
        found = [t for t in found if t.kind not in MONITORING_KINDS or t.branch == branch]
    return Judged(facts, rules, found)


MONITORING_KINDS = frozenset(
    {
        TaskKind.TOP_CUSTOMER_ON_SITE,
        TaskKind.LEAD_ON_SITE,
        TaskKind.MONTHLY_MONITORING,
        TaskKind.FLAG_VERIFICATION,
        TaskKind.FLAG_DECISION,
    }
)


def rules_in_force(
    store: RegisterStore, register: Projection, as_of: AsOf | None = None
) -> RuleSet:
    """The rules the work queue judges with at ``as_of`` (now by default)."""
    queue = _work_queue(register)
    with store.reading() as conn:
        table = store.live_tables(conn, queue)[RULES_TABLE.name]
        found = conn.execute(
            sa.select(table.c.version, table.c.content).where(
                table.c.slot == SLOT[0], *visible(table, RULES_TABLE, as_of or AsOf())
            )
        ).first()
    return queue.rules_from(dict(found._mapping) if found is not None else None)


HELPERS = ("rhythms", "customer_ids")


def _work_queue(register: Projection) -> WorkQueue:
    if not isinstance(register, WorkQueue):
        raise TypeError(f"{register.name} is not the work queue")
    return register


def _read(
    store: RegisterStore, queue: WorkQueue, as_of: AsOf, branch: str | None, scope: RowScope
) -> dict[str, list[dict[str, Any]]]:
    """Every table's rows at ``as_of``, of the loans ``scope`` reaches; the loans, dossiers
    and borrowings of one branch."""
    specs = queue.specs()
    found: dict[str, list[dict[str, Any]]] = {}
    with store.reading() as conn:
        tables = store.live_tables(conn, queue)
        for name, spec in specs.items():
            if name in HELPERS:  # the customers' own: copied onto their loans' rows
                continue
            table = tables[name]
            clauses = visible(table, spec, as_of)
            if branch is not None and "branch" in spec.column_names:
                clauses.append(table.c.branch == branch)
            if loan_key(spec) is not None or name in (
                RECTIFICATIONS.name,
                PAPERS_DUE.name,
                SERVICERS.name,
                FEEDBACK.name,
            ):
                # A rectification notice is within reach by the unit (or person) checked; a
                # servicer by the unit managing the cooperation; a branch's feedback by the unit
                # raising it (or its raiser).
                clauses += scope_clauses(conn, store, queue, name, table, scope, as_of)
            query = sa.select(*[table.c[c] for c in spec.column_names]).where(*clauses)
            found[name] = [dict(r._mapping) for r in conn.execute(query)]
    return found


def _facts(rows: Mapping[str, list[dict[str, Any]]]) -> Facts:
    signals: dict[UUID, list[WarningFacts]] = defaultdict(list)
    for s in rows["signals"]:
        signals[s["loan_id"]].append(
            WarningFacts(
                signal_id=s["signal_id"],
                colour=WarningColour.parse(s["colour"], "colour"),
                raised_on=s["raised_on"],
                handled=s["handled_on"] is not None,
                reported=s.get("reported_on") is not None,
                plan_required=bool(s.get("plan_required")),
                plan_started=s.get("plan_started_on") is not None,
            )
        )
    steps: dict[UUID, dict[CollectionStepKind, date]] = defaultdict(dict)
    for s in rows["steps"]:
        steps[s["loan_id"]][CollectionStepKind.parse(s["kind"], "kind")] = s["taken_on"]
    waiting: dict[UUID, list[CountersignFacts]] = defaultdict(list)
    for c in rows["countersigns"]:
        waiting[c["loan_id"]].append(
            CountersignFacts(
                inspection_id=c["inspection_id"],
                inspected_on=c["inspected_on"],
                reviewer_id=c["reviewer_id"],
            )
        )
    guarantees: dict[UUID, list[GuaranteeFacts]] = defaultdict(list)
    for g in sorted(rows["guarantees"], key=lambda g: (g["registered_on"], str(g["guarantee_id"]))):
        guarantees[g["loan_id"]].append(
            GuaranteeFacts(
                guarantee_id=g["guarantee_id"],
                guarantor_name=g["guarantor_name"],
                kind=GuarantorKind.parse(g["kind"], "kind"),
                assessed_on=g["assessed_on"],
            )
        )
    losses: dict[UUID, list[LossFacts]] = defaultdict(list)
    for x in sorted(rows["losses"], key=lambda x: (x["loss_on"], x["loss_key"])):
        losses[x["loan_id"]].append(
            LossFacts(
                kind=LossKind.parse(x["kind"], "kind"),
                on=x["loss_on"],
                recorded=all(x[c] for c in ("cause", "responsible", "measures", "owner")),
                closed=bool(x["closed"]),
            )
        )
    loans = [_loan(r, signals, steps, waiting, guarantees, losses) for r in rows["loans"]]
    borrowings = [
        BorrowingFacts(
            borrowing_id=b["borrowing_id"],
            borrow_no=b["borrow_no"],
            loan_no=b["loan_no"],
            branch=b["branch"],
            due_on=b["due_on"],
            out=bool(b["out"]),
            archivist_id=b["archivist_id"],
        )
        for b in rows["borrowings"]
    ]
    dossiers = [
        DossierFacts(
            dossier_id=d["dossier_id"],
            loan_no=d["loan_no"],
            branch=d["branch"],
            reference_code=d["reference_code"],
            retention=RetentionClass.parse(d["retention"], "retention") if d["retention"] else None,
            retention_ends_on=d["retention_ends_on"],
            last_appraised_on=d["last_appraised_on"],
        )
        for d in rows["dossiers"]
    ]
    staff = [
        StaffFacts(
            staff_id=m["staff_id"],
            staff_no=m["staff_no"],
            branch=m["branch"],
            in_post_since=m["in_post_since"],
            last_in_post_evaluation_on=m["last_in_post_on"],
            handover_pending_on=m["handover_pending_on"],
            handover_loan_no=m["handover_loan_no"],
        )
        for m in rows["managers"]
    ]
    rectifications = [
        RectificationFacts(
            check_id=r["check_id"],
            check_no=r["check_no"],
            notice_no=r["notice_no"],
            branch=r["branch"],
            staff_id=r["staff_id"],
            checker_id=r["checker_id"],
            checker_role=Role.parse(r["checker_role"], "checker_role"),
            issued_on=r["issued_on"],
            deadline=r["deadline"],
            reported_on=r["reported_on"],
        )
        for r in rows.get("rectifications", [])
        if r["deadline"] is not None and not r["closed"]
    ]
    feedback = [
        FeedbackFacts(
            feedback_id=f["feedback_id"],
            feedback_no=f["feedback_no"],
            branch=f["branch"],
            state=f["state"],
            raised_on=f["raised_on"],
            raiser_id=f["staff_id"],
            raiser_role=Role.parse(f["raiser_role"], "raiser_role"),
            answer_due=f["answer_due"],
            handler_id=f["handler_id"],
            handler_role=Role.parse(f["handler_role"], "handler_role")
            if f["handler_role"]
            else None,
            assigned_on=f["assigned_on"],
            answered_on=f["answered_on"],
            escalated_on=f["escalated_on"],
            escalated_to=Role.parse(f["escalated_to"], "escalated_to")
            if f["escalated_to"]
            else None,
        )
        for f in rows.get("feedback", [])
    ]
    servicers = [
        PartnerFacts(
            credit_code=r["credit_code"],
            name=r["name"],
            branch=r["branch"],
            registered_on=r["registered_on"],
            last_communicated_on=r["last_communicated_on"],
        )
        for r in rows.get("servicers", [])
        if r["active"]
    ]
    papers = [_paper(p) for p in rows.get("papers_due", []) if not p["done"]]
    return Facts(
        loans=loans,
        borrowings=borrowings,
        dossiers=dossiers,
        staff=staff,
        rectifications=rectifications,
        feedback=feedback,
        servicers=servicers,
        papers=papers,
    )


def _paper(row: Mapping[str, Any]) -> PaperFacts:
    chain = json.loads(row["chain"] or "[]")
    step = row["step"] or 0
    role, zh = chain[step] if step < len(chain) else (None, None)
    return PaperFacts(
        paper_id=row["paper_id"],
        paper_no=row["paper_no"],
        kind=row["kind"],
        period=row["period"],
        branch=row["branch"],
        author_id=row["author_id"],
        author_role=Role.parse(row["author_role"], "author_role"),
        drafted_on=row["drafted_on"],
        due_on=row["due_on"],
        next_role=Role.parse(role, "chain") if role is not None else None,
        next_step=zh,
        returned=bool(row["returned"]),
        submitted_on=row["submitted_on"],
    )


def _loan(
    row: Mapping[str, Any],
    signals: Mapping[UUID, list[WarningFacts]],
    steps: Mapping[UUID, dict[CollectionStepKind, date]],
    waiting: Mapping[UUID, list[CountersignFacts]],
    guarantees: Mapping[UUID, list[GuaranteeFacts]],
    losses: Mapping[UUID, list[LossFacts]],
) -> LoanFacts:
    loan_id = row["loan_id"]
    proposed = row["proposed_grade"]
    return LoanFacts(
        loan_id=loan_id,
        loan_no=row["loan_no"],
        branch=row["branch"],
        product=Product.parse(row["product"], "product"),
        borrower_type=BorrowerType.parse(row["borrower_type"], "borrower_type"),
        rating=row["rating"],
        repayment_method=RepaymentMethod.parse(row["repayment_method"], "repayment_method"),
        value_date=row["value_date"],
        maturity_date=row["maturity_date"],
        account_manager_id=row["account_manager_id"],
        schedule_from=row["schedule_from"],
        post_loan_officer_id=row["post_loan_officer_id"],
        risk_manager_id=row["risk_manager_id"],
        first_inspection_done=bool(row["first_inspected"]),
        last_inspected_on=row["last_inspected_on"],
        last_special_inspection_on=row["last_special_on"],
        last_phone_visit_on=row["last_phone_visit_on"],
        grade=Grade.parse(row["grade"], "grade"),
        proposed_grade=Grade.parse(proposed, "proposed_grade") if proposed else None,
        proposal_undetermined=bool(row.get("proposal_undetermined")),
        last_downgrade_on=row["last_downgrade_on"],
        last_serious_warning_on=row["last_serious_warning_on"],
        last_reclassify_warning_on=row.get("last_reclassify_warning_on"),
        warnings=tuple(
            sorted(signals.get(loan_id, ()), key=lambda w: (w.raised_on, str(w.signal_id)))
        ),
        overdue_as_of=row["overdue_as_of"],
        days_overdue=int(row["days_overdue"] or 0),
        principal_overdue=bool(row["principal_overdue"]),
        principal_overdue_since=row["principal_overdue_since"],
        steps_taken=dict(steps.get(loan_id, {})),
        closed_on=row["closed_on"],
        originals_transferred=row["originals_listed_on"] is not None,
        full_transferred=row["full_listed_on"] is not None,
        awaiting_countersign=tuple(
            sorted(waiting.get(loan_id, ()), key=lambda c: (c.inspected_on, str(c.inspection_id)))
        ),
        periodic_review_since=row["periodic_review_since"],
        periodic_review_opened_on=row["periodic_review_opened_on"],
        last_proposed_as_of=row["last_proposed_as_of"],
        b_manager_id=row["b_manager_id"],
        principal=row["principal"],
        rating_change=(
            (row["rating_changed_on"], row["rating_due_on"])
            if row.get("rating_changed_on") is not None
            else None
        ),
        key_customer_since=row["key_customer_since"],
        third_party_since=row["third_party_since"],
        third_party_contact=row["third_party_contact"],
        last_on_site_on=row["last_on_site_on"],
        on_site_month=row["on_site_month"],
        on_site_in_month=int(row["on_site_in_month"] or 0),
        last_off_site_on=row["last_off_site_on"],
        maturity_notice_for=row["maturity_notice_for"],
        guarantees=tuple(guarantees.get(loan_id, ())),
        rhythm=OperatingRhythm.decode(row["rhythm"]) if row.get("rhythm") else None,
        zone=row["zone"],
        zone_reviewed_on=row["zone_reviewed_on"],
        zone_responsible_id=row["zone_responsible_id"],
        zone_pending_since=row["zone_pending_since"],
        last_disposal_plan_on=row.get("disposal_plan_on"),
        in_asset_preservation=bool(row.get("in_preservation")),
        graded_on=row.get("graded_on"),
        extension_filed_on=row.get("extension_filed_on"),
        target_years=target_years(row),
        losses=tuple(losses.get(loan_id, ())),
    )


def target_years(row: Mapping[str, Any]) -> frozenset[int]:
    """The years a loan's target-responsibility records were signed for, as the queue holds them."""
    return frozenset(int(y) for y in (row.get("target_years") or "").split(",") if y)


def target_coverage(
    store: RegisterStore,
    register: Projection,
    year: int,
    *,
    scope: RowScope,
    as_of: AsOf | None = None,
    branch: str | None = None,
) -> list[dict[str, Any]]:
    """逐笔经营责任认定 by unit: per branch, the loans on the books in ``year`` (granted by its
    end, not closed before its start) on the loans ``scope`` reaches, how many have their
    target-responsibility record (目标责任书) for the year, and those still without one."""
    queue = _work_queue(register)
    rows = _read(store, queue, as_of or AsOf(), branch, scope)
    units: dict[str, dict[str, Any]] = {}
    for r in sorted(rows["loans"], key=lambda r: r["loan_no"]):
        value, closed = r["value_date"], r["closed_on"]
        if value is None or value.year > year or (closed is not None and closed.year < year):
            continue
        unit = units.setdefault(r["branch"], {"branch": r["branch"], "loans": 0, "missing": []})
        unit["loans"] += 1
        if year not in target_years(r):
            unit["missing"].append(r["loan_no"])
    return [
        {
            **u,
            "signed": u["loans"] - len(u["missing"]),
            "coverage": (Decimal(u["loans"] - len(u["missing"])) * 100 / u["loans"]).quantize(
                Decimal("0.01")
            ),
        }
        for _, u in sorted(units.items())
    ]


def maturities(
    store: RegisterStore,
    register: Projection,
    month: date,
    *,
    scope: RowScope,
    as_of: AsOf | None = None,
    branch: str | None = None,
) -> list[dict[str, Any]]:
    """The loans on the books that mature in ``month`` (its first day), on the loans ``scope``
    reaches, earliest first, each with whether its maturity notice (贷款到期通知书) was
    recorded (到期贷款清单)."""
    queue = _work_queue(register)
    rows = _read(store, queue, as_of or AsOf(), branch, scope)
    found = [
        {
            "loan_no": r["loan_no"],
            "borrower_name": r["borrower_name"],
            "branch": r["branch"],
            "product": r["product"],
            "principal": r["principal"],
            "maturity_date": r["maturity_date"],
            "account_manager_id": r["account_manager_id"],
            "notice_issued": r["maturity_notice_for"] == r["maturity_date"],
            "key_customer": r["key_customer_since"] is not None,
            "third_party": r["third_party_contact"],
        }
        for r in rows["loans"]
        if r["closed_on"] is None
        and r["maturity_date"] is not None
        and (r["maturity_date"].year, r["maturity_date"].month) == (month.year, month.month)
    ]
    return sorted(found, key=lambda r: (r["maturity_date"], r["loan_no"]))
