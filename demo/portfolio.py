"""The demo portfolio (演示贷款组合): staff, loans, their lives and their documents.

`build_portfolio` enrols the demo bank's staff, then sends every command of every loan's
planned life through the application, in the names of those staff, with the documents each
command carries rendered as PDF. The same seed gives the same staff, loans, lifecycles, record
ids and document bytes; only the events' timestamps (and the tokens and passwords) differ.
Once every loan is recorded, the archive office does its part (:mod:`demo.archive_office`):
transfers, cataloguing, borrowings and holds.

The business dates lie between the first disbursement in January 2023 and the demo's fixed
"today", 20 November 2026 (:data:`demo.plan.TODAY`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time
from multiprocessing import get_all_start_methods, get_context

from archive.application import DossierArchive
from archive.commands import command_named
from archive.commands.login import SetPassword, generate_password
from archive.commands.staff import EnrolStaff
from archive.core import SYSTEM_ID, CommandContext, CommandResult
from archive.documents.ingest import Upload, from_bytes
from demo.archive_office import run_archive_office
from demo.customers import keep_customer_files
from demo.duties import evaluate_duties
from demo.feedback import feed_back
from demo.guanhu import assign_customers
from demo.guarantors import show_guarantors
from demo.lifecycle import plan_loan
from demo.monitoring import RiskDrawer, issue_quarterly_risk_report
from demo.papers import write_papers
from demo.plan import FIRST_VALUE_DATE, TODAY, LoanPlan, Step
from demo.risk_control import publish_notice
from demo.shapes import draw_shapes
from demo.staff import ROSTER, Person
from demo.supervision import supervise
from demo.targets import sign_target_records
from demo.warning_loops import walk_warning_loops
from demo.watch import watch_closely
from domain.errors import InvalidInputError


@dataclass(frozen=True)
class DemoStaff:
    """A demo account: who it is, the role it holds, its bearer token and its password for the
    web console (set as a lasting one: demo accounts are not asked to change it)."""

    staff_no: str
    name: str
    role: str
    token: str
    password: str


@dataclass(frozen=True)
class DemoSummary:
    """What the demo recorded: loans, events (every aggregate's), documents, and its staff."""

    loans: int
    events: int
    documents: int
    staff: tuple[DemoStaff, ...]


def enrol(archive: DossierArchive, console: CommandContext, person: Person) -> str:
    """Enrol one of the demo's people from the server console; their bearer token."""
    issued = archive.execute(
        console,
        EnrolStaff(
            staff_no=person.staff_no,
            name=person.name,
            branch=person.branch,
            roles=[person.role],
        ),
    ).token
    assert issued is not None
    return str(issued.token)


def build_portfolio(
    archive: DossierArchive,
    *,
    loans: int = 200,
    seed: int = 20260701,
    advance: Callable[[], None] = lambda: None,
    draw_risk_report: RiskDrawer | None = None,
) -> DemoSummary:
    """Enrol the demo staff and record at least ``loans`` loans with their whole lives.

    ``advance`` is called once each loan is finished (a progress bar). A small portfolio still
    shows every fate — settled, cured, overdue, restructured, non-performing with its
    responsibility determination, written off — so it may hold a few more loans than asked.
    With ``draw_risk_report`` (which counts the figures from the loan ledger), the risk manager
    then issues the quarterly risk-monitoring report of 30 September 2026
    (:mod:`demo.monitoring`).
    """
    if archive.today() < TODAY:
        # Every business date of the portfolio is on or before TODAY, and nothing may be
        # recorded as done after the archive's today.
        raise InvalidInputError(
            f"演示数据的业务日期截至 {TODAY}，而档案系统的今日为 {archive.today()}："
            "请使用真实时钟或不早于该日的模拟时钟（DOSSIER_CLOCK）",
            f"the demo portfolio's business dates run to {TODAY}, but the archive's today is "
            f"{archive.today()}: load it on real time or a rehearsal clock (DOSSIER_CLOCK) on "
            "or after that day",
            field="clock",
        )
    first = archive.recorder.max_notification_id() or 0
    staff, contexts = _enrol(archive)
    shapes = draw_shapes(seed, loans)
    plans = [plan_loan(shape, seed) for shape in shapes]
    documents = 0
    with _rendering(plans) as rendered:
        for plan, pdfs in zip(plans, rendered, strict=True):
            documents += _record(archive, plan, pdfs, contexts)
            advance()
    run_archive_office(archive, plans, contexts, seed=seed)
    evaluate_duties(archive, plans, contexts)
    supervise(archive, contexts)
    publish_notice(archive, contexts)
    feed_back(archive, contexts)
    write_papers(archive, contexts)
    documents += walk_warning_loops(archive, plans, contexts, seed=seed)
    documents += watch_closely(archive, plans, contexts)
    documents += show_guarantors(archive, shapes, contexts)
    keep_customer_files(archive, shapes, contexts)
    assign_customers(archive, shapes, contexts)
    sign_target_records(archive, shapes, contexts)
    if draw_risk_report is not None:
        issue_quarterly_risk_report(archive, contexts, draw_risk_report)
    events = (archive.recorder.max_notification_id() or 0) - first
    return DemoSummary(loans=len(plans), events=events, documents=documents, staff=staff)


def _enrol(archive: DossierArchive) -> tuple[tuple[DemoStaff, ...], dict[str, CommandContext]]:
    """Enrol the roster from the server console; each person then signs in with their token."""
    console = CommandContext(SYSTEM_ID)
    staff: list[DemoStaff] = []
    contexts: dict[str, CommandContext] = {}
    # The demo's people have held their duties since its history began (its first loan), so
    # who could read a dossier on any day of that history has an answer: their roles are
    # granted as of then, on the archive's clock held there while they are enrolled.
    now = archive.clock
    since = datetime.combine(FIRST_VALUE_DATE, time(9), now().tzinfo)
    archive.clock = lambda: since
    try:
        for person in ROSTER:
            token = enrol(archive, console, person)
            password = generate_password()
            archive.set_password(
                console, SetPassword(staff_no=person.staff_no, password=password), temporary=False
            )
            contexts[person.staff_no] = CommandContext(archive.authenticate(token))
            staff.append(
                DemoStaff(person.staff_no, person.name, person.role.value, token, password)
            )
    finally:
        archive.clock = now
    return tuple(staff), contexts


Rendered = list[list[bytes]]
"""The PDF bytes of each document of each step of one loan."""


def render_loan(plan: LoanPlan) -> Rendered:
    """Render every document of one loan's plan (runs in a worker process)."""
    return [[doc.render() for doc in step.docs] for step in plan.steps]


@contextmanager
def _rendering(plans: list[LoanPlan]) -> Iterator[Iterator[Rendered]]:
    """The loans' documents, rendered ahead in worker processes while the main process records.

    Rendering the PDFs is most of the demo's work and needs nothing from the event store, so it
    runs on the other cores; results come back in plan order, so nothing depends on timing.
    Where processes cannot be forked (or there is one core) they are rendered here, in turn.
    """
    workers = min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
    if workers < 2 or len(plans) < 2 or "fork" not in get_all_start_methods():
        yield (render_loan(plan) for plan in plans)
        return
    pool = ProcessPoolExecutor(workers, mp_context=get_context("fork"))
    try:
        yield pool.map(render_loan, plans)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _record(
    archive: DossierArchive,
    plan: LoanPlan,
    pdfs: Rendered,
    contexts: Mapping[str, CommandContext],
) -> int:
    """Send one loan's steps in order; return how many documents they filed."""
    documents = 0
    for step, step_pdfs in zip(plan.steps, pdfs, strict=True):
        uploads = [
            from_bytes(doc.doc_type, doc.filename, data)
            for doc, data in zip(step.docs, step_pdfs, strict=True)
        ]
        try:
            result = _send(archive, plan.loan_no, step, uploads, contexts[step.actor])
        except Exception as error:
            error.add_note(f"demo loan {plan.loan_no}: {step.command} of {step.on} by {step.actor}")
            raise
        documents += len(result.documents)
    return documents


def _send(
    archive: DossierArchive,
    loan_no: str,
    step: Step,
    uploads: list[Upload],
    ctx: CommandContext,
) -> CommandResult:
    typed = command_named(step.command)
    if typed is not None:
        done = archive.execute(
            ctx, typed.model_validate({"loan_no": loan_no, **step.kwargs}), uploads
        )
        assert isinstance(done, CommandResult)
        return done
    command = getattr(archive, step.command)
    extra = {"uploads": uploads} if uploads else {}
    result = command(ctx, loan_no, **step.kwargs, **extra)
    assert isinstance(result, CommandResult)
    return result
