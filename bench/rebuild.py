"""Rebuilding every register from the log, in events/s, next to a raw scan of the same log.

Run ``.venv/bin/python bench/rebuild.py [--backend sqlite|postgres|both] [--events N]``.

1. **Portfolio.** On a fresh event store, the real application
   (:class:`archive.application.DossierArchive`, blobs in a
   :class:`storage.blobs.InMemoryBlobStore`) enrols the demo bank's staff through its console
   commands, then records loans until the log holds at least ``--events`` events (default
   1,000,000). For speed the loans are not sent command by command: each loan's whole life is
   built with the domain's own commands (``Loan.disburse``, ``record_repayment``,
   ``record_overdue``, ``record_inspection``, ``propose_classification`` /
   ``approve_classification``, ``raise_warning`` / ``handle_warning`` / ``clear_warning``,
   ``take_collection_step``, ``restructure``, ``hand_over``, ``extend``,
   ``transfer_to_asset_preservation``, ``settle``...), in the names of the enrolled staff and
   with the roles they hold, and saved with its dossier and its borrower's index in ONE
   ``archive.save()``. A loan lives 60-200 monthly periods, so it carries a few hundred events.
   No documents are filed: every ``DocumentRef`` list is empty (``bench/documents.py``
   measures documents and their text).
2. **Floor.** The raw scan of the notification log, as the follower reads it:
   ``recorder.select_notifications(start, limit=2000)`` from position 1 to the end, nothing
   decoded. It runs before and after the rebuild; the faster of the two is the floor. A scan
   that also decodes every event (``mapper.to_domain_event``) is printed as a reference.
3. **Rebuild.** In a child process (this script with ``--child``), so that its memory is the
   rebuild's alone: ``RegisterStore`` beside the event store, ``Follower`` with
   ``all_registers()``, ``prepare()``, then ``rebuild()`` of every register from position zero,
   timed. Its progress callback samples ``VmRSS`` after every batch of 2,000 events, to show
   that memory stays flat. ``--per-register`` also rebuilds each register alone.
   ``--profile`` adds a rebuild under cProfile (after the timed ones) and prints where its
   time goes.
4. **Compliance report.** In the same child, over the rebuilt registers: the report on the
   portfolio's last business date, timed against its floor — reading at the same position the
   very rows it reads (the completeness register's requirements and loans, every table of the
   work queue), nothing computed — then its PDF and XLSX.

PostgreSQL (``--postgres-url``, default ``postgresql://postgres@127.0.0.1:5432/test``) gets a
fresh schema ``bench_<random>`` for the events and the registers, dropped afterwards. With no
``--backend`` both stores are measured when PostgreSQL answers, otherwise SQLite alone.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import pstats
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import ApplicationRecorder, Mapper

# ``python bench/rebuild.py`` puts bench/ first on sys.path: the benchmarks' measures.
from measure import postgres_reachable, postgres_schema, run_child
from rich.console import Console
from rich.table import Table

from archive.application import DossierArchive
from archive.core import SYSTEM_ID, CommandContext
from archive.receipts import BorrowerIndex
from archive.reports.compliance import report_pdf, report_xlsx
from demo.borrowers import Borrower, make_borrower
from demo.portfolio import enrol
from demo.staff import CREWS, RISK_MANAGERS, ROSTER
from domain.authorization import Action
from domain.dossier import Dossier
from domain.loan import Loan
from domain.rules import RuleSet
from domain.scope import RowScope
from domain.values import (
    Actor,
    BorrowerType,
    CollectionStepKind,
    Grade,
    GuaranteeType,
    InspectionKind,
    LoanStatus,
    Party,
    Product,
    RepaymentMethod,
    WarningColour,
)
from projections.compliance import COMPLETENESS, WORK_QUEUE, compliance_report
from projections.follower import REBUILD_BATCH, Follower
from projections.query import AsOf, select_all
from projections.query import current as now
from projections.registers import all_registers
from projections.store import register_store_beside
from projections.tables import TO
from storage.blobs import InMemoryBlobStore
from storage.eventstore import postgres_env, sqlite_env

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_EVENTS = 1_000_000
SCAN_LIMIT = 2_000  # what the follower reads per batch when it rebuilds (REBUILD_BATCH)
GOAL = 0.25  # rebuild rate ÷ raw scan rate
END = date(2026, 6, 30)  # the last business date of the portfolio
MIN_MONTHS, MAX_MONTHS = 60, 200  # monthly periods recorded per loan
MARKS = (0.10, 0.50, 1.00)  # where memory is reported, as shares of the log
BORROWER_NAMES_KEPT = 2_000  # the demo's name generator runs dry past a few thousand
PROFILE_TOP = 15

console = Console() if sys.stdout.isatty() else Console(width=170)  # no wrapping when piped


# ------------------------------------------------------------------------------------ memory
def proc_status_kib(field_name: str) -> int:
    """A ``kB`` field of ``/proc/self/status`` (``VmRSS``, ``VmHWM``); 0 where there is none."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def ru_maxrss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def mib(kib: float) -> str:
    return f"{kib / 1024:,.0f}"


# ------------------------------------------------------------------------------------- staff
@dataclass(frozen=True)
class Person:
    actor: Actor
    party: Party


@dataclass(frozen=True)
class Crew:
    """The enrolled people of one branch, as the domain sees them."""

    branch: str
    head: Person
    managers: tuple[Person, ...]
    reviewer: Person
    officer: Person
    weight: float


@dataclass(frozen=True)
class Staffing:
    crews: tuple[Crew, ...]
    risk_managers: tuple[Person, ...]
    events: int


def enrol_staff(archive: DossierArchive) -> Staffing:
    """Enrol the demo bank's roster through the console, as ``demo`` does.

    Each person then signs in with their token; their actor (the role they act in) and party
    (the roles they hold now) come from the application itself.
    """
    before = archive.recorder.max_notification_id() or 0
    console_ctx = CommandContext(SYSTEM_ID)
    people: dict[str, Person] = {}
    actions = {
        "account_manager": Action.DISBURSE,
        "post_loan_officer": Action.RECORD_OVERDUE,
        "reviewer": Action.HAND_OVER,
        "branch_head": Action.RESTRUCTURE,
        "risk_manager": Action.APPROVE_CLASSIFICATION,
    }
    for person in ROSTER:
        staff_id = archive.authenticate(enrol(archive, console_ctx, person))
        action = actions.get(person.role.value)
        if action is not None:
            actor = archive.actor(CommandContext(staff_id), action)
            people[person.staff_no] = Person(actor, archive.party(person.staff_no))
    crews = tuple(
        Crew(
            branch=crew.branch,
            head=people[crew.head],
            managers=tuple(people[no] for no in crew.account_managers),
            reviewer=people[crew.reviewer],
            officer=people[crew.post_loan_officer],
            weight=crew.weight,
        )
        for crew in CREWS
    )
    events = (archive.recorder.max_notification_id() or 0) - before
    return Staffing(crews, tuple(people[no] for no in RISK_MANAGERS), events)


# -------------------------------------------------------------------------------- portfolio
def add_months(day: date, months: int) -> date:
    years, month = divmod(day.month - 1 + months, 12)
    return date(day.year + years, month + 1, min(day.day, 28))


CENT = Decimal("0.01")
RATES = ("3.45%", "3.65%", "3.85%", "4.35%", "4.85%", "5.20%", "5.60%")
PRODUCTS: tuple[tuple[Product, float], ...] = (
    (Product.CORPORATE_WORKING_CAPITAL, 0.25),
    (Product.SMALL_BUSINESS, 0.25),
    (Product.INDIVIDUAL_PRODUCTION, 0.20),
    (Product.CONSUMER, 0.10),
    (Product.MORTGAGE, 0.20),
)
GUARANTEES = {
    Product.CORPORATE_WORKING_CAPITAL: (GuaranteeType.GUARANTEE, GuaranteeType.MORTGAGE),
    Product.SMALL_BUSINESS: (GuaranteeType.GUARANTEE, GuaranteeType.MORTGAGE),
    Product.INDIVIDUAL_PRODUCTION: (GuaranteeType.GUARANTEE, GuaranteeType.CREDIT),
    Product.CONSUMER: (GuaranteeType.CREDIT, GuaranteeType.GUARANTEE),
    Product.MORTGAGE: (GuaranteeType.MORTGAGE,),
}
SUB_GRADES = {
    Grade.NORMAL: ("normal_1", "normal_2", "normal_3"),
    Grade.SPECIAL_MENTION: ("special_mention_1", "special_mention_2"),
    Grade.SUBSTANDARD: ("substandard_1", "substandard_2"),
    Grade.DOUBTFUL: ("doubtful",),
    Grade.LOSS: ("loss",),
}
FINDINGS = (
    "借款人生产经营正常，贷款资金按合同约定用途使用，未发现挪用；担保人经营稳定，担保能力未见下降。",
    "现场查看借款人经营场所，库存与账面基本相符，水电费缴纳正常，本息按期归还。",
    "电话回访借款人，收入来源稳定，无其他逾期记录，抵押物状况良好。",
    "借款人近期销售回款放缓，应收账款有所上升，已提示其加强回款管理，列入重点关注。",
)
ARREARS_FINDINGS = (
    "借款人出现逾期，经营资金周转困难，已约谈借款人及担保人，制定还款计划并加强监控。"
)
WARNINGS_ON_ARREARS = {  # months in arrears → (code, colour, reason)
    1: ("Y01", WarningColour.YELLOW, "贷款本息逾期，借款人还款能力可能下降"),
    3: ("O02", WarningColour.ORANGE, "逾期超过60天，担保人未履行代偿义务"),
    5: ("R03", WarningColour.RED, "逾期超过90天，借款人经营严重恶化"),
}
OTHER_WARNINGS = (
    ("Y11", WarningColour.YELLOW, "借款人主要股东或实际控制人变更"),
    ("Y12", WarningColour.YELLOW, "借款人经营性现金流连续两季度下降"),
    ("O13", WarningColour.ORANGE, "借款人涉及诉讼或被列为被执行人"),
)
LADDER = (  # months in arrears from which a step is taken, the step, its outcome
    (1, CollectionStepKind.PHONE_CALL, "电话联系借款人，承诺近期还款"),
    (2, CollectionStepKind.VISIT, "上门催收，借款人表示资金紧张"),
    (2, CollectionStepKind.NOTICE_SERVED, "送达逾期催收通知书，借款人签收"),
    (3, CollectionStepKind.GUARANTOR_NOTIFIED, "书面通知保证人履行保证责任"),
    (3, CollectionStepKind.JOINT_VISIT, "支行行长与客户经理联合上门催收"),
    (4, CollectionStepKind.LAWYERS_LETTER, "委托律师事务所发送律师函"),
    (6, CollectionStepKind.LITIGATION, "向人民法院提起诉讼"),
    (8, CollectionStepKind.PRESERVATION, "申请诉前财产保全，查封借款人名下房产"),
    (12, CollectionStepKind.ENFORCEMENT, "申请强制执行"),
)


@dataclass
class Episode:
    """A run of missed instalments: from month ``start``, ``length`` months long."""

    start: int
    length: int
    cured: bool
    restructure: bool = False


@dataclass
class Generated:
    loans: int = 0
    events: int = 0
    saves: int = 0
    build_seconds: float = 0.0
    save_seconds: float = 0.0
    largest_save: int = 0
    settled: int = 0
    ever_overdue: int = 0
    non_performing: int = 0
    restructured: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    by_aggregate: Counter[str] = field(default_factory=Counter)


class Portfolio:
    """Builds loans with the domain's commands and saves each, with its dossier, in one save."""

    def __init__(self, archive: DossierArchive, staffing: Staffing, seed: int) -> None:
        self.archive = archive
        self.staffing = staffing
        self.rules: RuleSet = archive.rule_set()
        self.seed = seed
        self.indexes: dict[str, BorrowerIndex] = {}
        self.borrowers: list[Borrower] = []
        self.taken: set[str] = set()
        self.stats = Generated()

    def generate(self, target_events: int, already: int) -> Generated:
        """Record loans until the log holds at least ``target_events`` events."""
        n = 0
        progress_at = time.perf_counter()
        while already + self.stats.events < target_events:
            start = time.perf_counter()
            life = LoanLife(self, n, random.Random(self.seed * 1_000_003 + n))
            touched = life.run()
            middle = time.perf_counter()
            recordings = self.archive.save(*touched)
            end = time.perf_counter()
            kinds = {aggregate.id: type(aggregate).__name__ for aggregate in touched}
            self.stats.build_seconds += middle - start
            self.stats.save_seconds += end - middle
            self.stats.saves += 1
            self.stats.loans += 1
            self.stats.events += len(recordings)
            self.stats.largest_save = max(self.stats.largest_save, len(recordings))
            for recording in recordings:
                domain_event = recording.domain_event
                self.stats.by_type[type(domain_event).__name__] += 1
                self.stats.by_aggregate[kinds[domain_event.originator_id]] += 1
            life.tally(self.stats)
            n += 1
            if end - progress_at > 15:
                progress_at = end
                done = already + self.stats.events
                console.print(
                    f"  … {done:,} / {target_events:,} events "
                    f"({done / (self.stats.build_seconds + self.stats.save_seconds):,.0f}/s)"
                )
        return self.stats

    def borrower(self, rng: random.Random, product: Product) -> Borrower:
        """A new borrower, or (one loan in six) one that already borrowed for this product."""
        same = [
            b
            for b in self.borrowers[-50:]
            if (b.kind is BorrowerType.INDIVIDUAL)
            == (product not in (Product.CORPORATE_WORKING_CAPITAL, Product.SMALL_BUSINESS))
        ]
        if same and rng.random() < 1 / 6:
            return rng.choice(same)
        if len(self.taken) > 2 * BORROWER_NAMES_KEPT:
            self.taken.clear()
        borrower = make_borrower(rng, product, self.taken)
        self.borrowers.append(borrower)
        del self.borrowers[:-100]
        return borrower

    def index(self, borrower: Borrower) -> BorrowerIndex:
        index = self.indexes.get(borrower.borrower_id)
        if index is None:
            index = BorrowerIndex(borrower_id=borrower.borrower_id)
            self.indexes[borrower.borrower_id] = index
        return index


class LoanLife:
    """One loan's life, month by month, through the domain's commands."""

    def __init__(self, portfolio: Portfolio, n: int, rng: random.Random) -> None:
        self.rng = rng
        self.rules = portfolio.rules
        crews = portfolio.staffing.crews
        self.crew = rng.choices(crews, weights=[c.weight for c in crews])[0]
        self.manager = rng.choice(self.crew.managers)
        self.risk = rng.choice(portfolio.staffing.risk_managers)
        self.recorded = rng.randint(MIN_MONTHS, MAX_MONTHS)
        # Some loans reach maturity inside the window (and settle), others run on past it.
        self.term = self.recorded + rng.choice((-6, -1, 0, 0, 12, 24, 36, 60, 120))
        self.value_date = add_months(
            date(END.year, END.month, rng.randint(1, 28)), -self.recorded - 1
        )
        products, weights = zip(*PRODUCTS, strict=True)
        self.product: Product = rng.choices(products, weights=weights)[0]
        self.borrower = portfolio.borrower(rng, self.product)
        principal = Decimal(rng.randrange(50, 5_000)) * 1_000
        rate = rng.choice(RATES)
        self.monthly_rate = Decimal(rate.rstrip("%")) / 1200
        self.loan = Loan.disburse(
            loan_no=f"RB{portfolio.seed % 1000:03d}{n:09d}",
            borrower_id=self.borrower.borrower_id,
            borrower_name=self.borrower.name,
            borrower_type=self.borrower.kind,
            borrower_rating=rng.choice(("AA", "A", "A", "BBB", "BB")),
            product=self.product,
            principal=principal,
            interest_rate=rate,
            value_date=self.value_date,
            maturity_date=add_months(self.value_date, self.term),
            repayment_method=RepaymentMethod.INSTALMENT,
            guarantee_type=rng.choice(GUARANTEES[self.product]),
            branch=self.crew.branch,
            purpose=self.borrower.purpose,
            actor=self.manager.actor,
            origination_reviewer=self.crew.reviewer.party,
            approver=self.crew.head.party,
        )
        self.dossier = Dossier.open(
            loan_id=self.loan.id,
            loan_no=self.loan.loan_no,
            borrower_name=self.loan.borrower_name,
            actor=self.manager.actor,
            opened_on=self.loan.value_date,
        )
        self.index = portfolio.index(self.borrower)
        self.index.add_loan(loan_id=self.loan.id)
        self.instalment = (principal / self.term).quantize(CENT)
        self.episodes = self._plan_episodes()
        self.open_warnings: dict[UUID, tuple[str, date, date | None]] = {}
        self.ever_overdue = False
        self.restructured = False

    # --------------------------------------------------------------------------- helpers
    def uuid(self) -> UUID:
        return UUID(int=self.rng.getrandbits(128), version=4)

    def _plan_episodes(self) -> list[Episode]:
        """Fates: most loans perform, some fall behind and cure, a few never recover."""
        rng, last = self.rng, min(self.term, self.recorded) - 2
        fate = rng.random()
        if fate < 0.70 or last < 12:
            lengths: list[tuple[int, bool, bool]] = (
                [(1, True, False)] if rng.random() < 0.15 else []
            )
        elif fate < 0.85:
            lengths = [(rng.randint(1, 3), True, False) for _ in range(rng.randint(1, 2))]
        elif fate < 0.94:
            lengths = [(rng.randint(4, 9), True, rng.random() < 0.5)]
        else:  # distressed: in arrears from some month to the end of the window
            start = rng.randint(6, max(6, self.recorded - 6))
            return [Episode(start, self.recorded - start + 1, cured=False)]
        episodes: list[Episode] = []
        earliest = 4
        for length, cured, restructure in lengths:
            if earliest + length + 4 > last:
                break
            start = rng.randint(earliest, min(last - length - 1, earliest + 60))
            episodes.append(Episode(start, length, cured, restructure))
            earliest = start + length + 6
        return episodes

    def _episode(self, month: int) -> Episode | None:
        for episode in self.episodes:
            if episode.start <= month <= episode.start + episode.length:
                return episode
        return None

    def _proposer(self) -> Actor:
        return self.manager.actor if self.rng.random() < 0.7 else self.crew.officer.actor

    def _classify(self, grade: Grade, as_of: date, reason: str, *, reject: bool = False) -> None:
        """Propose a grade and have a risk manager approve (or reject) it; note it on the index."""
        loan, proposal_id = self.loan, self.uuid()
        loan.propose_classification(
            proposal_id=proposal_id,
            grade=grade,
            sub_grade=self.rng.choice(SUB_GRADES[grade]),
            reason=reason,
            as_of=as_of,
            scheme=self.rules.sub_grades,
            actor=self._proposer(),
        )
        if reject:
            loan.reject_classification(
                proposal_id=proposal_id,
                reason="依据不足，维持原分类",
                actor=self.risk.actor,
            )
            return
        loan.approve_classification(
            proposal_id=proposal_id,
            reason="同意分类意见",
            policy=self.rules.floor_policy,
            borrower_npl_share=None,
            actor=self.risk.actor,
        )
        self.index.note_grade(loan_id=loan.id, grade=loan.grade.value)

    def _floor(self, as_of: date) -> Grade:
        return self.loan.floor(as_of, self.rules.floor_policy, None).grade

    def _warn(self, code: str, colour: WarningColour, reason: str, on: date) -> None:
        if any(open_code == code for open_code, _, _ in self.open_warnings.values()):
            return
        signal_id = self.uuid()
        actor = self.manager.actor if colour is WarningColour.YELLOW else self.risk.actor
        self.loan.raise_warning(
            signal_id=signal_id, colour=colour, code=code, raised_on=on, reason=reason, actor=actor
        )
        self.open_warnings[signal_id] = (code, on, None)

    def _follow_warnings(self, day: date, *, may_clear: bool) -> None:
        """The risk manager handles each signal the month after it is raised, then clears it."""
        for signal_id, (code, raised_on, handled_on) in list(self.open_warnings.items()):
            if handled_on is None and raised_on < day:
                self.loan.handle_warning(
                    signal_id=signal_id,
                    handled_on=day,
                    measures="约谈借款人，要求补充担保并按月报送财务报表",
                    actor=self.risk.actor,
                )
                self.open_warnings[signal_id] = (code, raised_on, day)
            elif handled_on is not None and may_clear and handled_on < day:
                self.loan.clear_warning(
                    signal_id=signal_id,
                    cleared_on=day,
                    reason="风险因素已消除，借款人恢复正常还款",
                    actor=self.risk.actor,
                )
                del self.open_warnings[signal_id]

    def _inspect(self, day: date, kind: InspectionKind, findings: str) -> None:
        inspector = self.manager if self.rng.random() < 0.75 else self.crew.officer
        self.loan.record_inspection(
            inspection_id=self.uuid(),
            kind=kind,
            inspected_on=day,
            reviewer=self.crew.reviewer.party,
            findings=findings,
            actor=inspector.actor,
        )

    # ------------------------------------------------------------------------------ life
    def run(self) -> list[Aggregate]:
        loan, rng = self.loan, self.rng
        self._inspect(
            self.value_date + timedelta(days=15), InspectionKind.FIRST_FOLLOW_UP, FINDINGS[0]
        )
        handed_over_at = rng.randint(12, self.recorded) if rng.random() < 0.06 else 0
        for month in range(1, self.recorded + 1):
            day = add_months(self.value_date, month)
            episode = self._episode(month)
            if episode is not None and month < episode.start + episode.length:
                self._in_arrears(month, day, episode)
            elif episode is not None and episode.cured:
                self._cure(day, episode)
            else:
                self._perform(month, day)
            if loan.status is LoanStatus.SETTLED:
                break
            in_arrears = loan.days_overdue > 0
            self._follow_warnings(day, may_clear=not in_arrears)
            if month % 3 == 0:
                kind = rng.choice(
                    (InspectionKind.ROUTINE, InspectionKind.ON_SITE, InspectionKind.OFF_SITE)
                    if not in_arrears
                    else (InspectionKind.SPECIAL, InspectionKind.ON_SITE)
                )
                findings = ARREARS_FINDINGS if in_arrears else rng.choice(FINDINGS)
                self._inspect(day, kind, findings)
            if month % 12 == 0:
                self._annual_review(day)
            if not in_arrears and rng.random() < 1 / 48:
                self._warn(*rng.choice(OTHER_WARNINGS), on=day)
            if month == handed_over_at:
                self._hand_over(day)
        return [loan, self.dossier, self.index]

    def _perform(self, month: int, day: date) -> None:
        """An instalment paid on its due date; at maturity the rest, then settlement."""
        loan, rng = self.loan, self.rng
        if month == self.term - 1 and loan.days_overdue == 0 and rng.random() < 0.15:
            new_maturity = add_months(self.value_date, self.term + 12)
            loan.extend(
                approved_on=day,
                new_maturity_date=new_maturity,
                reason="借款人生产周期延长，申请展期十二个月",
                actor=self.crew.head.actor,
            )
            self.term += 12
        interest = (loan.balance * self.monthly_rate).quantize(CENT)
        principal = loan.balance if month >= self.term else min(self.instalment, loan.balance)
        if principal + interest > 0:
            payer = self.manager if rng.random() < 0.8 else self.crew.officer
            loan.record_repayment(
                paid_on=day, principal=principal, interest=interest, actor=payer.actor
            )
        if loan.balance == 0:
            loan.settle(settled_on=day, actor=self.manager.actor)
            return
        # Upgrade once the floor allows it (two normal repayments after arrears, observation).
        if loan.grade is not Grade.NORMAL and month % 3 == 0:
            floor = self._floor(day)
            if floor.is_better_than(loan.grade):
                self._classify(floor, day, "借款人已恢复正常还款，申请上调分类")

    def _in_arrears(self, month: int, day: date, episode: Episode) -> None:
        """A missed instalment: the overdue status, collection steps, warnings, downgrades."""
        loan, rng = self.loan, self.rng
        self.ever_overdue = True
        months = month - episode.start + 1
        first_missed = add_months(self.value_date, episode.start)
        as_of = day + timedelta(days=5)
        interest = (loan.balance * self.monthly_rate).quantize(CENT)
        loan.record_overdue(
            as_of=as_of,
            days_overdue=(as_of - first_missed).days,
            overdue_principal=min(loan.balance, self.instalment * months),
            overdue_interest=max(CENT, interest * months),
            actor=self.crew.officer.actor,
        )
        steps = [(kind, outcome) for since, kind, outcome in LADDER if since <= months]
        for kind, outcome in steps[-rng.randint(1, 3) :]:
            promised = as_of + timedelta(days=rng.randint(5, 30)) if rng.random() < 0.3 else None
            collector = self.crew.officer if rng.random() < 0.6 else self.manager
            loan.take_collection_step(
                step_id=self.uuid(),
                kind=kind,
                taken_on=as_of,
                days_overdue=loan.days_overdue,
                outcome=outcome,
                promised_date=promised,
                actor=collector.actor,
            )
        if months in WARNINGS_ON_ARREARS:
            self._warn(*WARNINGS_ON_ARREARS[months], on=as_of)
        floor = self._floor(as_of)
        if loan.grade.is_better_than(floor):
            self._classify(floor, as_of, f"逾期 {loan.days_overdue} 天，按监管标准下调分类")
        if (
            loan.grade.is_non_performing
            and not loan.in_asset_preservation
            and not episode.cured
            and months >= 6
        ):
            loan.transfer_to_asset_preservation(
                transferred_on=as_of,
                reason="不良贷款移交资产保全部集中清收",
                actor=self.risk.actor,
            )

    def _cure(self, day: date, episode: Episode) -> None:
        """Arrears repaid (after a restructuring for some), and the overdue status cleared."""
        loan = self.loan
        if episode.restructure:
            self.term = max(self.term, self._month_of(day) + 24) + 12
            loan.restructure(
                restructured_on=day,
                new_maturity_date=add_months(self.value_date, self.term),
                new_interest_rate="4.35%",
                terms="延长还款期限十二个月，逾期利息分期偿还",
                reason="借款人经营暂时困难但仍有还款意愿和能力",
                policy=self.rules.floor_policy,
                actor=self.crew.head.actor,
            )
            self.restructured = True
        owed_principal, owed_interest = loan.overdue_principal, loan.overdue_interest
        loan.record_repayment(
            paid_on=day,
            principal=owed_principal,
            interest=owed_interest,
            actor=self.crew.officer.actor,
        )
        loan.record_overdue(
            as_of=day,
            days_overdue=0,
            overdue_principal=Decimal("0.00"),
            overdue_interest=Decimal("0.00"),
            actor=self.crew.officer.actor,
        )
        months_left = max(1, self.term - self._month_of(day))
        self.instalment = (loan.balance / months_left).quantize(CENT)

    def _month_of(self, day: date) -> int:
        return (day.year - self.value_date.year) * 12 + day.month - self.value_date.month

    def _annual_review(self, day: date) -> None:
        """The yearly classification review: the grade confirmed, rarely a rejected upgrade."""
        loan = self.loan
        if loan.status is not LoanStatus.ACTIVE:
            return
        floor = self._floor(day)
        grade = Grade.worst(loan.grade, floor)
        if grade is not Grade.NORMAL and self.rng.random() < 0.1:
            self._classify(Grade.NORMAL, day, "借款人经营好转，申请上调为正常", reject=True)
        else:
            self._classify(grade, day, "年度风险分类复评")

    def _hand_over(self, day: date) -> None:
        others = [m for m in self.crew.managers if m.actor.id != self.loan.account_manager_id]
        if not others or self.loan.status is not LoanStatus.ACTIVE:
            return
        receiving = self.rng.choice(others)
        self.loan.hand_over(
            handed_over_on=day,
            receiving=receiving.party,
            reason="客户经理岗位调整，移交贷后管理",
            actor=self.crew.head.actor,
        )
        self.manager = receiving

    def tally(self, stats: Generated) -> None:
        stats.settled += self.loan.status is LoanStatus.SETTLED
        stats.ever_overdue += self.ever_overdue
        stats.non_performing += self.loan.ever_non_performing
        stats.restructured += self.restructured


# --------------------------------------------------------------------------------- the floor
@dataclass
class Scan:
    label: str
    events: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds


def scan(label: str, recorder: ApplicationRecorder, mapper: Mapper[Any] | None = None) -> Scan:
    """Read the whole log as the follower does (``limit=2000`` from position 1), nothing kept.

    With ``mapper``, also decode every event (what the rebuild does before any handler runs).
    """
    events, start = 0, 1
    began = time.perf_counter()
    while True:
        notes = recorder.select_notifications(start, limit=SCAN_LIMIT)
        if not notes:
            break
        if mapper is not None:
            for note in notes:
                mapper.to_domain_event(note)
        events += len(notes)
        start = notes[-1].id + 1
    seconds = time.perf_counter() - began
    return Scan(label, events, seconds)


# ------------------------------------------------------------------------------- the child
def child(spec_path: Path) -> int:
    """Rebuild every register in this process, sampling its memory; write the figures."""
    rss_imported = proc_status_kib("VmRSS")
    spec = json.loads(spec_path.read_text("utf-8"))
    env: dict[str, str] = spec["env"]
    archive = DossierArchive(dict(env), blobs=InMemoryBlobStore())
    store = register_store_beside(env, Path(spec["data_dir"]))
    follower = Follower(
        store,
        archive.recorder,
        archive.mapper,
        all_registers(archive.document_text, index_key=archive.search_index_key),
    )
    result: dict[str, Any] = {"rss_imported_kib": rss_imported}
    try:
        follower.prepare()
        names = list(follower.projections)
        gc.collect()
        result["rss_before_kib"] = proc_status_kib("VmRSS")
        samples: list[tuple[int, int, int, float]] = []
        began = time.perf_counter()

        def progress(applied: int, position: int) -> None:
            samples.append(
                (applied, position, proc_status_kib("VmRSS"), time.perf_counter() - began)
            )

        applied = follower.rebuild(names, progress=progress)
        result["seconds"] = time.perf_counter() - began
        result["applied"] = applied
        result["samples"] = samples
        result["vm_hwm_kib"] = proc_status_kib("VmHWM")
        result["ru_maxrss_kib"] = ru_maxrss_kib()
        result["rss_after_kib"] = proc_status_kib("VmRSS")
        result["check"] = check_registers(follower)
        result["report"] = time_report(follower, END)
        if spec["per_register"]:
            alone: dict[str, tuple[float, int]] = {}
            for name in names:
                start = time.perf_counter()
                applied_alone = follower.rebuild([name])
                alone[name] = (time.perf_counter() - start, applied_alone)
            result["per_register"] = alone
        if spec["profile"]:
            profiler = cProfile.Profile()
            profiler.enable()
            follower.rebuild(names)
            profiler.disable()
            text = io.StringIO()
            stats = pstats.Stats(profiler, stream=text)
            stats.strip_dirs().sort_stats("cumulative").print_stats(PROFILE_TOP)
            stats.sort_stats("tottime").print_stats(PROFILE_TOP)
            result["profile"] = text.getvalue()
    finally:
        store.close()
        archive.close()
    Path(spec["result"]).write_text(json.dumps(result), "utf-8")
    return 0


def time_report(follower: Follower, on: date) -> dict[str, Any]:
    """The compliance report on ``on`` over the rebuilt registers, next to its floor: reading
    the very rows it reads (the completeness register's requirements and loans, every table of
    the work queue) at the same position, nothing computed. Then its PDF and XLSX."""
    store = follower.store
    completeness = follower.projections[COMPLETENESS]
    queue = follower.projections[WORK_QUEUE]
    position = min(store.positions()[n] for n in (COMPLETENESS, WORK_QUEUE))
    point = AsOf(position=position)
    gc.collect()
    began = time.perf_counter()
    rows = sum(
        len(select_all(store, completeness, t, as_of=point)) for t in ("requirements", "loans")
    )
    rows += sum(len(select_all(store, queue, spec.name, as_of=point)) for spec in queue.tables)
    floor_seconds = time.perf_counter() - began
    gc.collect()
    began = time.perf_counter()
    report = compliance_report(
        store,
        completeness,
        queue,
        on=on,
        position=position,
        data_scope=RowScope.everything(),  # the bank's own report: every loan
    )
    seconds = time.perf_counter() - began
    began = time.perf_counter()
    pdf = report_pdf(report)
    pdf_seconds = time.perf_counter() - began
    began = time.perf_counter()
    xlsx = report_xlsx(report)
    xlsx_seconds = time.perf_counter() - began
    return {
        "on": on.isoformat(),
        "rows": rows,
        "loans": report.loans,
        "requirements": report.required + report.pending,
        "missing": report.missing,
        "overdue_tasks": len(report.overdue_tasks),
        "floor_seconds": floor_seconds,
        "seconds": seconds,
        "pdf_seconds": pdf_seconds,
        "pdf_bytes": len(pdf),
        "xlsx_seconds": xlsx_seconds,
        "xlsx_bytes": len(xlsx),
        "rss_after_kib": proc_status_kib("VmRSS"),
    }


def check_registers(follower: Follower) -> dict[str, int]:
    """Rows now in a few registers: a cheap proof that the rebuild did its work."""
    store = follower.store
    counts: dict[str, int] = {}
    with store.reading() as conn:
        for register, table, current in (
            ("loan_ledger", "loans", True),
            ("accountability_trail", "actions", False),
            ("overdue_ledger", None, True),
        ):
            tables = store.live_tables(conn, follower.projections[register])
            for name, physical in tables.items():
                if table is not None and name != table:
                    continue
                query = sa.select(sa.func.count()).select_from(physical)
                if current and TO in physical.c:
                    query = query.where(*now(physical))
                counts[f"{register}.{name}"] = conn.execute(query).scalar_one()
    return counts


def rebuild_in_child(env: Mapping[str, str], tmp: Path, args: argparse.Namespace) -> dict[str, Any]:
    spec = {
        "env": dict(env),
        "data_dir": str(tmp / "registers"),
        "per_register": args.per_register,
        "profile": args.profile,
    }
    return run_child(__file__, "child", spec, tmp)


# ---------------------------------------------------------------------------------- the run
@dataclass
class Run:
    """What a run of a log benchmark (this one, bench/verify.py) holds on one store."""

    backend: str
    generated: Generated
    staff_events: int
    total_events: int
    generate_seconds: float
    scans: list[Scan]

    @property
    def floor(self) -> Scan:
        return max(self.scans, key=lambda s: s.rate)


def run_fields(
    backend: str, generated: Generated, total: int, seconds: float, scans: list[Scan]
) -> dict[str, Any]:
    """The :class:`Run` fields of a result, from what :func:`generate_portfolio` answered."""
    return {
        "backend": backend,
        "generated": generated,
        "staff_events": total - generated.events,
        "total_events": total,
        "generate_seconds": seconds,
        "scans": scans,
    }


@dataclass
class Result(Run):
    decoded: Scan
    rebuild: dict[str, Any]

    @property
    def rebuild_rate(self) -> float:
        return float(self.total_events / self.rebuild["seconds"])


@contextmanager
def event_store(backend: str, tmp: Path, url: str) -> Iterator[dict[str, str]]:
    if backend == "sqlite":
        yield sqlite_env(tmp / "events.sqlite")
        return
    with postgres_schema(url) as schema:
        yield postgres_env(url, schema=schema)


def chosen_backends(args: argparse.Namespace) -> list[str]:
    """``--backend``: one store, both, or (unset) both when PostgreSQL answers."""
    if args.backend == "both":
        return ["sqlite", "postgres"]
    if args.backend is not None:
        return [args.backend]
    if postgres_reachable(args.postgres_url):
        return ["sqlite", "postgres"]
    console.print(f"PostgreSQL not reachable at {args.postgres_url}: SQLite only.")
    return ["sqlite"]


def generate_portfolio(
    archive: DossierArchive, backend: str, args: argparse.Namespace, next_step: str
) -> tuple[Generated, float, int]:
    """Enrol the staff and record loans until the log holds ``args.events``; time it."""
    staffing = enrol_staff(archive)
    console.print(f"{backend}: generating at least {args.events:,} events …")
    began = time.perf_counter()
    generated = Portfolio(archive, staffing, args.seed).generate(args.events, staffing.events)
    seconds = time.perf_counter() - began
    total = archive.recorder.max_notification_id() or 0
    assert total == staffing.events + generated.events, (total, generated.events)
    console.print(
        f"{backend}: {generated.loans:,} loans, {total:,} events in {seconds:.0f} s; {next_step} …"
    )
    return generated, seconds, total


def run_backend(backend: str, args: argparse.Namespace) -> Result:
    with tempfile.TemporaryDirectory(prefix="dossier-bench-rebuild-") as tmp_name:
        tmp = Path(tmp_name)
        with event_store(backend, tmp, args.postgres_url) as env:
            archive = DossierArchive(dict(env), blobs=InMemoryBlobStore())
            try:
                generated, generate_seconds, total = generate_portfolio(
                    archive, backend, args, "scanning and rebuilding"
                )
                first = scan("scan, before the rebuild", archive.recorder)
                decoded = scan("scan + decode", archive.recorder, archive.mapper)
                rebuild = rebuild_in_child(env, tmp, args)
                second = scan("scan, after the rebuild", archive.recorder)
            finally:
                archive.close()
    scans = [first, second]
    return Result(
        **run_fields(backend, generated, total, generate_seconds, scans),
        decoded=decoded,
        rebuild=rebuild,
    )


# --------------------------------------------------------------------------------- printing
def rss_at(samples: Sequence[Sequence[float]], share: float, last: int) -> tuple[int, float]:
    """The first sample at or past ``share`` of the log: (events applied, RSS KiB)."""
    for applied, position, rss, _t in samples:
        if position >= share * last:
            return int(applied), rss
    applied, _position, rss, _t = samples[-1]
    return int(applied), rss


def print_portfolio(results: Sequence[Result]) -> None:
    table = Table(title="Portfolio generated through the application (one save per loan)")
    for name in ("backend", "loans", "events", "events/loan", "largest save", "events/s"):
        table.add_column(name, justify="left" if name == "backend" else "right")
    for name in ("build s", "save s", "settled", "ever overdue", "ever NPL", "restructured"):
        table.add_column(name, justify="right")
    for r in results:
        g = r.generated
        table.add_row(
            r.backend,
            f"{g.loans:,}",
            f"{r.total_events:,}",
            f"{g.events / g.loans:.0f}",
            f"{g.largest_save:,}",
            f"{g.events / r.generate_seconds:,.0f}",
            f"{g.build_seconds:.1f}",
            f"{g.save_seconds:.1f}",
            f"{g.settled / g.loans:.0%}",
            f"{g.ever_overdue / g.loans:.0%}",
            f"{g.non_performing / g.loans:.0%}",
            f"{g.restructured / g.loans:.0%}",
        )
    console.print(table)
    g = results[0].generated
    mix = ", ".join(f"{name} {count / g.events:.1%}" for name, count in g.by_type.most_common(12))
    aggregates = ", ".join(f"{name} {count:,}" for name, count in g.by_aggregate.most_common())
    console.print(
        f"events = the whole log, including {results[0].staff_events} staff enrolment events. "
        f"build = the domain commands, save = archive.save(loan, dossier, borrower index); "
        f"events/s = loan events ÷ (build + save + bookkeeping). No documents are filed.\n"
        f"Event mix ({results[0].backend}): {mix}, …\nBy aggregate: {aggregates}."
    )


def print_results(results: Sequence[Result]) -> None:
    table = Table(title="Rebuilding every register: events/s against the raw scan (same run)")
    for name in ("backend", "case", "events", "seconds", "events/s", "ratio", "goal"):
        table.add_column(name, justify="left" if name in ("backend", "case") else "right")
    for r in results:
        floor = r.floor
        for s in r.scans:
            chosen = " (floor)" if s is floor else ""
            table.add_row(
                r.backend,
                f"{s.label}{chosen}",
                f"{s.events:,}",
                f"{s.seconds:.2f}",
                f"{s.rate:,.0f}",
                "1.00" if s is floor else f"{s.rate / floor.rate:.2f}",
                "",
                style=None if s is floor else "dim",
            )
        table.add_row(
            r.backend,
            r.decoded.label,
            f"{r.decoded.events:,}",
            f"{r.decoded.seconds:.2f}",
            f"{r.decoded.rate:,.0f}",
            f"{r.decoded.rate / floor.rate:.2f}",
            "",
        )
        ratio = r.rebuild_rate / floor.rate
        table.add_row(
            r.backend,
            f"rebuild, all {len(all_registers())} registers",
            f"{r.total_events:,}",
            f"{r.rebuild['seconds']:.2f}",
            f"{r.rebuild_rate:,.0f}",
            f"[bold]{ratio:.2f}[/bold]",
            f"≥ {GOAL:.2f} {'met' if ratio >= GOAL else 'NOT met'}",
        )
    console.print(table)
    console.print(
        f"scan = recorder.select_notifications(start, limit={SCAN_LIMIT}) from 1 to the end, "
        "before and after the rebuild; the faster is the floor. scan + decode = the same, plus "
        "mapper.to_domain_event of every event (a reference, not the floor). rebuild = "
        "Follower.rebuild(all registers) in a child process, from position 0 to the swap. "
        "ratio = events/s ÷ the floor's events/s."
    )

    memory = Table(title="Memory of the rebuild's child process (MiB)")
    for name in ("backend", "after imports", "before rebuild"):
        memory.add_column(name, justify="left" if name == "backend" else "right")
    for share in MARKS:
        memory.add_column(f"at {share:.0%}", justify="right")
    for name in ("growth 10→100 %", "peak (VmHWM)", "ru_maxrss", "samples"):
        memory.add_column(name, justify="right")
    for r in results:
        child_result = r.rebuild
        samples = child_result["samples"]
        last = samples[-1][1]
        marks = [rss_at(samples, share, last) for share in MARKS]
        growth = marks[-1][1] - marks[0][1]
        memory.add_row(
            r.backend,
            mib(child_result["rss_imported_kib"]),
            mib(child_result["rss_before_kib"]),
            *(f"{mib(rss)} ({applied:,} ev.)" for applied, rss in marks),
            f"{growth / 1024:+,.1f}",
            mib(child_result["vm_hwm_kib"]),
            mib(child_result["ru_maxrss_kib"]),
            str(len(samples)),
        )
    console.print(memory)
    console.print(
        f"RSS = VmRSS of the child, sampled by the rebuild's progress callback after every "
        f"batch of {REBUILD_BATCH:,} events; at N % = the first batch at or past N % of the log. "
        "Peak = VmHWM, the child's own high-water mark. ru_maxrss is printed for reference "
        "only: Linux carries the parent's peak into a child across fork and exec, so it can "
        "show the generator's memory, not the rebuild's."
    )
    for r in results:
        check = ", ".join(f"{k} {v:,}" for k, v in r.rebuild["check"].items())
        console.print(
            f"{r.backend}: events applied {r.rebuild['applied']:,} of {r.total_events:,}; "
            f"rows: {check} (loans generated: {r.generated.loans:,})."
        )

    if any("per_register" in r.rebuild for r in results):
        alone = Table(title="Each register rebuilt alone (reads the whole log each time)")
        for name in ("backend", "register", "events applied", "seconds", "log events/s"):
            alone.add_column(name, justify="left" if name in ("backend", "register") else "right")
        alone.add_column("ratio", justify="right")
        alone.add_column("share of all", justify="right")
        for r in results:
            per = r.rebuild.get("per_register")
            if not per:
                continue
            summed = sum(seconds for seconds, _applied in per.values())
            for name, (seconds, applied) in per.items():
                rate = r.total_events / seconds
                alone.add_row(
                    r.backend,
                    name,
                    f"{applied:,}",
                    f"{seconds:.2f}",
                    f"{rate:,.0f}",
                    f"{rate / r.floor.rate:.2f}",
                    f"{seconds / r.rebuild['seconds']:.0%}",
                )
            alone.add_row(
                r.backend,
                "sum of the above",
                "",
                f"{summed:.2f}",
                "",
                "",
                f"{summed / r.rebuild['seconds']:.0%}",
                style="dim",
            )
        console.print(alone)
        console.print(
            "events applied = events decoded for the register (those of the types it handles). "
            "share of all = seconds alone ÷ seconds of the rebuild of every register together."
        )

    print_report(results)

    for r in results:
        if "profile" in r.rebuild:
            console.print(
                f"\n[bold]{r.backend}: profile of one more rebuild of every register, under "
                "cProfile (slower than the timed one)[/bold]"
            )
            console.print(r.rebuild["profile"], markup=False, highlight=False)


def print_report(results: Sequence[Result]) -> None:
    table = Table(
        title="The compliance report over the rebuilt registers, against reading its rows (same run)"
    )
    for name in ("backend", "case", "rows / loans", "seconds", "ratio to the floor"):
        table.add_column(name, justify="left" if name in ("backend", "case") else "right")
    for r in results:
        report = r.rebuild["report"]
        floor = report["floor_seconds"]
        table.add_row(
            r.backend, "read the same rows (floor)", f"{report['rows']:,}", f"{floor:.2f}", "1.00"
        )
        table.add_row(
            r.backend,
            f"report on {report['on']}: {report['missing']:,} gaps, "
            f"{report['overdue_tasks']:,} overdue tasks",
            f"{report['loans']:,} loans",
            f"{report['seconds']:.2f}",
            f"[bold]{floor / report['seconds']:.2f}[/bold]",
        )
        table.add_row(
            r.backend,
            f"PDF, {report['pdf_bytes'] / 1024:,.0f} KiB",
            "",
            f"{report['pdf_seconds']:.2f}",
            "",
            style="dim",
        )
        table.add_row(
            r.backend,
            f"XLSX, {report['xlsx_bytes'] / 1024:,.0f} KiB",
            "",
            f"{report['xlsx_seconds']:.2f}",
            "",
            style="dim",
        )
    console.print(table)
    console.print(
        "ratio = seconds to read the rows the report reads ÷ seconds to build the report from "
        "them (1.00 = the report costs no more than reading its inputs). The PDF and XLSX are "
        "drawn from the built report; RSS after: "
        + ", ".join(f"{r.backend} {mib(r.rebuild['report']['rss_after_kib'])}" for r in results)
    )


# -------------------------------------------------------------------------------------- main
def log_parser(doc: str | None) -> argparse.ArgumentParser:
    """The options every log benchmark takes first: the store and how many events to generate."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0] if doc else None)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"))
    parser.add_argument(
        "--events",
        type=int,
        default=DEFAULT_EVENTS,
        help="generate at least this many events (default 1,000,000)",
    )
    return parser


def parse_log_args(
    parser: argparse.ArgumentParser, argv: Sequence[str] | None
) -> argparse.Namespace:
    """The options every log benchmark takes last (PostgreSQL, ``--child``), then all parsed."""
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is None and args.events < 10 * SCAN_LIMIT:
        parser.error(f"--events must be at least {10 * SCAN_LIMIT:,}")
    return args


R = TypeVar("R")


def each_backend(backends: Sequence[str], run: Callable[[str], R]) -> list[R]:
    """``run`` on each store in turn, saying how long each took."""
    results = []
    for backend in backends:
        start = time.perf_counter()
        results.append(run(backend))
        console.print(f"{backend}: {time.perf_counter() - start:.0f} s")
    return results


def print_peak(started: float) -> None:
    console.print(
        f"Peak RSS of the generating process {mib(ru_maxrss_kib())} MiB. "
        f"Total {time.perf_counter() - started:.0f} s."
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = log_parser(__doc__)
    parser.add_argument("--seed", type=int, default=20260701, help="the portfolio's seed")
    parser.add_argument(
        "--per-register", action="store_true", help="also rebuild each register alone"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also run one rebuild under cProfile and print where its time goes",
    )
    args = parse_log_args(parser, argv)
    if args.child is not None:
        return child(args.child)

    backends = chosen_backends(args)

    started = time.perf_counter()
    results = each_backend(backends, lambda backend: run_backend(backend, args))
    print_portfolio(results)
    print_results(results)
    print_peak(started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
