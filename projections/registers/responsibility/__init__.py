"""Accountability trail (责任追溯): every action, by whom, in which role, when, on what evidence.

One row per event that has an actor, whatever aggregate it belongs to: the log position that
resolves it to the event, the person and the role they held at that moment (as the event
recorded it), the loan it concerns, a short summary in Chinese and the hashes of the documents
it cites. Beside it, for the responsibility determination of a non-performing loan (不良贷款责任
认定), every person each loan event names and in which capacity (``parts``), the origination
parties (``origination``) and the findings with their appeals (``determinations``).

Helper tables keep what events do not repeat: staff numbers, names and current roles
(``staff``), and which loan each aggregate belongs to (``subjects``).

The package: ``tables`` (the table specs and the enumerations they are labelled with),
``summaries`` (how an event reads: its aggregate, business date, cited hashes, summary),
``rows`` (the rows an event adds), ``register`` (the register and its handlers) and
``queries`` (a person's trail, a loan's trail, the responsibility view).
"""

from __future__ import annotations

from projections.registers.responsibility.queries import (
    CATEGORIES,
    loan_trail,
    person_trail,
    responsibility_view,
)
from projections.registers.responsibility.register import AccountabilityTrail
from projections.registers.responsibility.rows import SUBJECT_FIELDS
from projections.registers.responsibility.summaries import (
    AGGREGATE_PREFIXES,
    DATE_FIELDS,
    DETAIL_FIELDS,
    TEXT_DETAILS,
    VERBS,
    aggregate_of,
    business_date,
    cited_hashes,
    summary,
)
from projections.registers.responsibility.tables import (
    ACTIONS,
    DETERMINATIONS,
    ID,
    ORIGINATION,
    PARTS,
    POSITION,
    STAFF,
    SUBJECTS,
    SUMMARY_LENGTH,
    AggregateType,
    Part,
)

__all__ = [
    "ACTIONS",
    "AGGREGATE_PREFIXES",
    "CATEGORIES",
    "DATE_FIELDS",
    "DETAIL_FIELDS",
    "DETERMINATIONS",
    "ID",
    "ORIGINATION",
    "PARTS",
    "POSITION",
    "STAFF",
    "SUBJECTS",
    "SUBJECT_FIELDS",
    "SUMMARY_LENGTH",
    "TEXT_DETAILS",
    "VERBS",
    "AccountabilityTrail",
    "AggregateType",
    "Part",
    "aggregate_of",
    "business_date",
    "cited_hashes",
    "loan_trail",
    "person_trail",
    "responsibility_view",
    "summary",
]
