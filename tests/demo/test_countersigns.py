"""The demo's countersigns (复核意见): the branch reviewers countersign most inspections on time,
some late, and the latest await them on the demo's today (rows 002-14, 003-72)."""

from __future__ import annotations

from demo.lifecycle import plan_loan
from demo.plan import TODAY
from demo.servicing import COUNTERSIGN_WAIT
from demo.shapes import draw_shapes
from domain.rules import shipped_rules

SEED = 20260701
"""The seed the demo is built with by default (demo.portfolio.build_portfolio)."""


def test_the_demo_countersigns_on_time_and_late_and_leaves_the_latest_awaiting() -> None:
    rules = shipped_rules()
    on_time = late = awaiting = 0
    for plan in (plan_loan(shape, SEED) for shape in draw_shapes(SEED, 200)):
        signed = {
            s.kwargs["inspection_id"]: s.on
            for s in plan.steps
            if s.command == "countersign_inspection"
        }
        for step in plan.steps:
            if step.command != "record_inspection":
                continue
            on = signed.get(step.kwargs["inspection_id"])
            due = rules.countersign_due(step.on)
            assert due is not None
            if on is None:
                assert (TODAY - step.on).days < COUNTERSIGN_WAIT  # only the latest wait
                awaiting += 1
            elif on > due:
                late += 1
            else:
                assert on > step.on
                on_time += 1
    assert on_time > late > 0
    assert awaiting > 0
