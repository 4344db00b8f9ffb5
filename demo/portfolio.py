"""The demo portfolio (演示贷款组合): staff, loans, their lives and their documents.

`build_portfolio` enrols the demo bank's staff, then lives every loan's planned life through
the application, business date by business date, oldest first: the staff's commands in their
names, with the documents each carries rendered as PDF, and what the core system owns of the
loans — their booking, repayments, day-end arrears, settlements — as the day's core-banking
batch, written to a folder and imported with the integration identity (:mod:`demo.core_feed`);
each loan's account manager then files its origination record with its credit file. The same seed gives
the same staff, loans, lifecycles, record ids, batches and document bytes; only the events'
timestamps (and the tokens and passwords) differ.
Once every loan is recorded, the archive office does its part (:mod:`demo.archive_office`):
transfers, cataloguing, borrowings and holds.

The business dates lie between the first disbursement in January 2023 and the demo's fixed
"today", 20 November 2026 (:data:`demo.plan.TODAY`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, time
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path

from archive.application import DossierArchive
from archive.commands import command_named
from archive.commands.lifecycle import FileOriginationRecord
from archive.commands.login import SetPassword, generate_password
from archive.commands.staff import TOKEN_DAYS_MAX, EnrolStaff, IssueToken
from archive.core import SYSTEM_ID, CommandContext, CommandResult
from archive.documents.ingest import Upload, from_bytes
from demo.archive_office import run_archive_office
from demo.core_feed import BOOK, INTEGRATION, SETTLEMENT_STAGE, Batch, timeline
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
    feed_dir: Path | None = None,
) -> DemoSummary:
    """Enrol the demo staff and record at least ``loans`` loans with their whole lives.

    ``advance`` is called once each loan is finished (a progress bar). A small portfolio still
    shows every fate — settled, cured, overdue, restructured, non-performing with its
    responsibility determination, written off — so it may hold a few more loans than asked.
    With ``draw_risk_report`` (which counts the figures from the loan ledger), the risk manager
    then issues the quarterly risk-monitoring report of 30 September 2026
    (:mod:`demo.monitoring`). The core system's batches are written into ``feed_dir``, one
    ``feed-YYYYMMDD`` folder per business date, and kept there; without it, into a temporary
    folder removed once they are imported.
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
    with _rendering(plans) as rendered, _batches(feed_dir) as folder:
        documents = _live(archive, plans, rendered, contexts, folder, advance)
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
    staff = _hand_out_tokens(archive, staff)
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


def _hand_out_tokens(
    archive: DossierArchive, staff: tuple[DemoStaff, ...]
) -> tuple[DemoStaff, ...]:
    """The tokens given out with the demo: issued today, for as long as a token may work (those
    of the enrolments, issued when the history began, have long expired)."""
    console = CommandContext(SYSTEM_ID)
    handed: list[DemoStaff] = []
    for person in staff:
        _result, issued = archive.execute(
            console,
            IssueToken(staff_no=person.staff_no, name="演示 / demo", valid_days=TOKEN_DAYS_MAX),
        )
        handed.append(replace(person, token=issued.token))
    return tuple(handed)


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


@contextmanager
def _batches(feed_dir: Path | None) -> Iterator[Path]:
    if feed_dir is not None:
        feed_dir.mkdir(parents=True, exist_ok=True)
        yield feed_dir
        return
    with tempfile.TemporaryDirectory(prefix="demo-feed-") as folder:
        yield Path(folder)


def _live(
    archive: DossierArchive,
    plans: Sequence[LoanPlan],
    rendered: Iterator[Rendered],
    contexts: Mapping[str, CommandContext],
    folder: Path,
    advance: Callable[[], None],
) -> int:
    """Every loan's steps, day by day: on each business date the staff's steps planned before
    the core's facts of the day, the day's batch, then the rest. Returns the documents filed."""
    documents = 0
    pdfs: dict[int, Rendered] = {}
    taken = 0
    remaining = [len(plan.steps) for plan in plans]

    def send(loan: int, index: int) -> None:
        nonlocal documents, taken
        while loan not in pdfs:  # rendered in plan order, ahead of need
            pdfs[taken] = next(rendered)
            taken += 1
        plan, step = plans[loan], plans[loan].steps[index]
        uploads = [
            from_bytes(doc.doc_type, doc.filename, data)
            for doc, data in zip(step.docs, pdfs[loan][index], strict=True)
        ]
        try:
            if step.command == BOOK:  # the core booked it: its origination record is filed
                result = archive.execute(
                    contexts[step.actor], _origination(plan.loan_no, step), uploads
                )
            elif step.command == "settle":  # the core settled it: its certificate is filed
                result = archive.file_supplement(
                    contexts[step.actor],
                    plan.loan_no,
                    stage=SETTLEMENT_STAGE,
                    uploads=uploads,
                    filed_on=step.on,
                )
            else:
                result = _send(archive, plan.loan_no, step, uploads, contexts[step.actor])
        except Exception as error:
            error.add_note(f"demo loan {plan.loan_no}: {step.command} of {step.on} by {step.actor}")
            raise
        documents += len(result.documents)
        done(loan)

    def done(loan: int) -> None:
        remaining[loan] -= 1
        if remaining[loan] == 0:
            pdfs.pop(loan, None)
            advance()

    integration = contexts[INTEGRATION]
    for day, loans in timeline([plan.steps for plan in plans]).items():
        batch = Batch(day)
        for entry in loans:
            steps = plans[entry.loan].steps
            for index in entry.before:
                send(entry.loan, index)
            for ordinal, index in enumerate(entry.fed):
                if steps[index].command == BOOK:
                    batch.book(steps[index])
                else:
                    batch.report(plans[entry.loan].loan_no, steps[index], ordinal)
        if batch:
            path = batch.write(folder)
            try:
                archive.import_feed(integration, [path])
            except Exception as error:
                error.add_note(f"demo core batch of {day}: {path}")
                raise
        for entry in loans:
            steps = plans[entry.loan].steps
            for index in entry.fed:
                if steps[index].docs or steps[index].command == BOOK:
                    send(entry.loan, index)
                else:
                    done(entry.loan)
            for index in entry.after:
                send(entry.loan, index)
    return documents


def _origination(loan_no: str, step: Step) -> FileOriginationRecord:
    """The origination record (贷前资料补录) of a loan the core booked, from its booking step:
    filed on the value date, with its rating and the people who reviewed and approved it."""
    k = step.kwargs
    return FileOriginationRecord(
        loan_no=loan_no,
        filed_on=step.on,
        borrower_rating=k["borrower_rating"],
        origination_reviewer_no=k["origination_reviewer_no"],
        approver_no=k["approver_no"],
    )


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
