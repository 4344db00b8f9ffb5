"""Reading the accountability trail: a person's actions, a loan's actions, and the
responsibility view of a loan (who did what, per stage)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa

from domain.scope import RowScope
from projections.projection import Projection
from projections.query import AsOf, visible
from projections.registers.responsibility.tables import Part
from projections.scoping import scope_clauses
from projections.store import RegisterStore
from projections.tables import POS, SEQ


def _rows(
    conn: sa.Connection,
    store: RegisterStore,
    projection: Projection,
    name: str,
    as_of: AsOf,
    *where: Any,
) -> list[dict[str, Any]]:
    spec = projection.specs()[name]
    table = store.live_tables(conn, projection)[name]
    order = [table.c[POS], table.c[SEQ]] if not spec.versioned else [table.c[k] for k in spec.key]
    found = conn.execute(
        sa.select(*[table.c[n] for n in spec.column_names])
        .where(*visible(table, spec, as_of), *[w(table) for w in where])
        .order_by(*order)
    )
    return [dict(r._mapping) for r in found]


def person_trail(
    store: RegisterStore,
    projection: Projection,
    staff_id: UUID,
    as_of: AsOf = AsOf(),
    *,
    scope: RowScope,
) -> list[dict[str, Any]]:
    """Every action the person took (as of a past point) on the loans ``scope`` reaches, in
    log order, with the role held."""
    with store.reading() as conn:
        table = store.live_tables(conn, projection)["actions"]
        reached = scope_clauses(conn, store, projection, "actions", table, scope)
        return _rows(
            conn,
            store,
            projection,
            "actions",
            as_of,
            lambda t: t.c.actor_id == staff_id,
            *[lambda _t, clause=clause: clause for clause in reached],
        )


def loan_trail(
    store: RegisterStore, projection: Projection, loan_id: UUID, as_of: AsOf = AsOf()
) -> list[dict[str, Any]]:
    """Every action on the loan, its dossier and its collateral, in log order."""
    with store.reading() as conn:
        return _rows(conn, store, projection, "actions", as_of, lambda t: t.c.loan_id == loan_id)


# Which list of the responsibility view each loan event goes to.
CATEGORIES = {
    "AccountManagerHandedOver": "handovers",
    "AccountManagersAssigned": "handovers",
    "InspectionRecorded": "inspections",
    "InspectionCorrected": "inspections",
    "InspectionCountersigned": "inspections",
    "ClassificationProposed": "classifications",
    "ClassificationDetermined": "classifications",
    "ClassificationApproved": "classifications",
    "ClassificationRejected": "classifications",
    "WarningRaised": "warnings",
    "WarningHandled": "warnings",
    "WarningReported": "warnings",
    "WarningFeedbackGiven": "warnings",
    "WarningDetermined": "warnings",
    "WarningCleared": "warnings",
    "CollectionStepTaken": "collection",
    "Restructured": "workout",
    "Extended": "workout",
    "TransferredToAssetPreservation": "workout",
    "WrittenOff": "workout",
    "DisposalPlanSubmitted": "workout",
    "DisposalPlanDecided": "workout",
    "DisposalResultRecorded": "workout",
    "ObjectionRecorded": "objections",
    "ResponsibilityDetermined": "determinations",
    "ResponsibilityAppealed": "determinations",
    "AppealDecided": "determinations",
    "DeterminationStepRecorded": "determinations",
}


def responsibility_view(
    store: RegisterStore, projection: Projection, loan_id: UUID, as_of: AsOf = AsOf()
) -> dict[str, Any]:
    """Who did what on a (non-performing) loan, per stage, for a responsibility determination.

    ``origination``: who investigated, reviewed and approved it and who disbursed it;
    ``account_managers``: each manager's period (from disbursement and each handover);
    then one entry per event — ``handovers``, ``inspections``, ``classifications``,
    ``warnings``, ``collection``, ``workout``, ``objections``, ``determinations`` — naming each
    person in their capacity (``inspector``, ``reviewer``, ``supervisor``...), each with the
    ``position`` of its event; ``people``: every person named, with their parts and stages.
    A person is ``{"staff_id", "staff_no", "name"}`` from the staff table, plus the ``role`` held
    when they are the one who acted.
    """
    with store.reading() as conn:
        origination = _rows(
            conn, store, projection, "origination", as_of, lambda t: t.c.loan_id == loan_id
        )
        parts = _rows(conn, store, projection, "parts", as_of, lambda t: t.c.loan_id == loan_id)
        determinations = {
            d["determination_id"]: d
            for d in _rows(
                conn, store, projection, "determinations", as_of, lambda t: t.c.loan_id == loan_id
            )
        }
        ids = {p["person_id"] for p in parts}
        for row in origination:
            ids |= {row[k] for k in ("account_manager_id", "current_manager_id")}
        staff = {
            s["staff_id"]: s
            for s in _rows(
                conn, store, projection, "staff", as_of, lambda t: t.c.staff_id.in_(ids - {None})
            )
        }

    def who(person_id: UUID | None, role: str | None = None) -> dict[str, Any] | None:
        if person_id is None:
            return None
        row = staff.get(person_id, {})
        person = {"staff_id": person_id, "staff_no": row.get("staff_no"), "name": row.get("name")}
        if role is not None:
            person["role"] = role
        return person

    view: dict[str, Any] = {
        "loan_id": loan_id,
        "loan_no": None,
        "borrower_name": None,
        "origination": None,
        "account_managers": [],
        **{category: [] for category in sorted(set(CATEGORIES.values()))},
        "people": [],
    }
    if origination:
        row = origination[0]
        view |= {"loan_no": row["loan_no"], "borrower_name": row["borrower_name"]}
        view["origination"] = {
            "position": row["position"],
            "value_date": row["value_date"],
            "investigator": who(row["investigator_id"]),
            "reviewer": who(row["origination_reviewer_id"]),
            "approver": who(row["approver_id"]),
            "account_manager": who(row["account_manager_id"]),
        }
        view["account_managers"].append(
            {
                "person": who(row["account_manager_id"]),
                "from": row["value_date"],
                "to": None,
                "position": row["position"],
                "ended_position": None,
            }
        )

    entries: dict[int, dict[str, Any]] = {}
    people: dict[UUID, dict[str, Any]] = {}
    for part in parts:
        view["loan_no"] = view["loan_no"] or part["loan_no"]
        person = people.setdefault(
            part["person_id"], {"person": who(part["person_id"]), "stages": [], "parts": []}
        )
        if part["stage"] and part["stage"] not in person["stages"]:
            person["stages"].append(part["stage"])
        person["parts"].append(
            {
                "part": part["part"],
                "stage": part["stage"],
                "event": part["event"],
                "position": part["position"],
                "role": part["role"],
            }
        )
        category = CATEGORIES.get(part["event"])
        if category is None:
            continue
        entry = entries.get(part["position"])
        if entry is None:
            entry = {
                "position": part["position"],
                "event": part["event"],
                "recorded_at": part["recorded_at"],
                "on": part["on_date"],
                "record_id": part["record_id"],
                "stage": part["stage"],
                "label": part["label"],
                "text": part["text"],
            }
            entries[part["position"]] = entry
            view[category].append(entry)
        entry[part["part"]] = who(part["person_id"], part["role"])

    for entry in view["objections"]:
        entry |= {"subject": entry["label"]}
    for entry in view["determinations"]:
        found = determinations.get(entry["record_id"]) or {}
        entry |= {
            "finding": found.get("finding"),
            "sanction": found.get("sanction"),
            "outcome": found.get("outcome") if entry["event"] == "AppealDecided" else None,
            "final_finding": found.get("final_finding"),
        }
    periods = view["account_managers"]
    for handover in view["handovers"]:
        if periods:
            periods[-1] |= {"to": handover["on"], "ended_position": handover["position"]}
        else:
            periods.append(
                {
                    "person": handover.get(Part.HANDING.value),
                    "from": None,
                    "to": handover["on"],
                    "position": None,
                    "ended_position": handover["position"],
                }
            )
        periods.append(
            {
                "person": handover.get(Part.RECEIVING.value),
                "from": handover["on"],
                "to": None,
                "position": handover["position"],
                "ended_position": None,
                "supervisor": handover.get(Part.SUPERVISOR.value),
            }
        )
    view["people"] = list(people.values())
    return view
