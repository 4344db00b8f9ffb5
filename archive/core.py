"""The command path shared by every command module of the application.

Every command goes through :meth:`DossierArchive._execute`, which in order:
stages the uploads (checked, hashed, spooled — nothing stored yet); replays
the first result for a repeated Idempotency-Key; resolves the role the caller
holds at this moment; runs the domain command; stores the documents in the
blob store; and saves every touched aggregate in a single ``save()``. If the
save loses an optimistic-concurrency race, the blobs it created are removed.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import io
import logging
import shutil
import tempfile
import threading
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import ContextVar
from copy import deepcopy
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, BinaryIO, TypeVar, cast
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.application import AggregateNotFoundError, Application, project_aggregate
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Notification

from archive.commands import HANDLERS, Command, LoanCommand
from archive.config import ArchiveConfig
from archive.documents.ingest import (
    TEXT_MEDIA_TYPES,
    StagedDocument,
    Upload,
    extract_document_text,
    staged,
)
from archive.errors import (
    ConcurrentUpdateError,
    IdempotencyKeyReusedError,
    StaleVersionError,
)
from archive.receipts import CommandReceipt
from archive.transcodings import register_domain_transcodings, register_moved_topics
from canonical import fingerprint_json
from domain.authorization import Action, choose_role
from domain.borrowing import Borrowing
from domain.collateral import Collateral
from domain.dates import HAPPENED, business_date, check_happened
from domain.display import person
from domain.disposition import DestructionBatch
from domain.dossier import Dossier
from domain.errors import InvalidInputError, NotFoundError
from domain.loan import Loan
from domain.numbering import FormKind, NumberBook
from domain.partners import Partner, credit_code, partner_id_for
from domain.risk_control import ActiveSuspensions, RiskSubject, Suspension
from domain.rules import RuleSet, RulesInForce, parse_adopted, shipped_rules
from domain.scope import OWN_BEHALF, Reaching, RowScope, mode_of
from domain.staff import CustomerHolding, Staff
from domain.topics import class_topics
from domain.values import SYSTEM_ID as SYSTEM_ID  # the console operator, named here before
from domain.values import Actor, DocumentRef, PartnerKind, Party, Role, dossier_id_for
from storage.blobs import BlobStore
from storage.envelope import DERIVED_SUFFIX, EncryptingBlobStore, KeyDestroyedError
from storage.positions import notification_id_of

log = logging.getLogger(__name__)

PAGE = 500
"""Notifications read from the log per query when scanning for one event type."""

KEPT = 10_000
"""Aggregates a process keeps a copy of between loads (see :meth:`ArchiveCore.current`)."""


_COMMAND_RULES: ContextVar[dict[int, RuleSet] | None] = ContextVar("command_rules", default=None)
"""The rules in force as the command being executed read them, by application (``id``)."""

A = TypeVar("A", bound=Aggregate)
F = TypeVar("F", bound=Callable[..., Any])

BRANCH_FIELDS = ("branch", "to_branch")
"""The fields by which a command names a unit of the bank (books a loan there, moves one
there, reports on it): each must be a unit of the hierarchy, within the caller's reach."""


@dataclass
class Asking:
    """Who the application method being run answers, once it has authorized them: the data
    scope every loan it loads is checked against (docs/rules.md SCP-04)."""

    reaching: Reaching | None = None
    reached: set[UUID] = field(default_factory=set)
    """The loans already found within it, so a command loading one twice checks it once."""


_ASKING: ContextVar[Asking | None] = ContextVar("asking", default=None)
"""The scope of the innermost application method running, set by :func:`answers_caller`."""


def answers_caller(method: F) -> F:
    """Run ``method`` (an application method taking the caller's context) in a scope of its own:
    once it has authorized the caller (:meth:`ArchiveCore.actor`), every loan, dossier,
    collateral, borrowing or destruction batch it loads must lie within the caller's data
    scope, else it is refused (403 ``out_of_scope``) before anything is done with it."""

    @functools.wraps(method)
    def scoped(*args: Any, **kwargs: Any) -> Any:
        token = _ASKING.set(Asking())
        try:
            return method(*args, **kwargs)
        finally:
            _ASKING.reset(token)

    return cast(F, scoped)


def _takes_caller(value: Any) -> bool:
    if not inspect.isfunction(value) or value.__name__.startswith("_"):
        return False
    names = list(inspect.signature(value).parameters)
    return len(names) >= 2 and names[1] == "ctx"


@dataclass(frozen=True)
class CommandContext:
    """Who asks, in which role, against which version, under which key."""

    staff_id: UUID
    role: Role | None = None
    expected_version: int | None = None
    idempotency_key: str | None = None


def expecting(ctx: CommandContext, expected_version: int | None) -> CommandContext:
    """``ctx`` with the version a command's body expects, which must agree with If-Match."""
    if expected_version is None:
        return ctx
    if ctx.expected_version is not None and ctx.expected_version != expected_version:
        raise InvalidInputError(
            "If-Match 与 expected_version 不一致",
            "If-Match and expected_version disagree",
            field="expected_version",
        )
    return replace(ctx, expected_version=expected_version)


def closed_on(loan: Loan) -> date | None:
    """The day the loan closed for the archive: settled or written off, whichever came first."""
    days = [d for d in (loan.settled_on, loan.written_off_on) if d is not None]
    return min(days, default=None)


def start_retention_on_close(loan: Loan, dossier: Dossier, actor: Actor) -> bool:
    """At settlement or write-off, start the retention of a dossier catalogued before.

    What a loan's close (lifecycle, workout) records on its dossier; cataloguing and
    destruction read the same day through :func:`closed_on`.
    """
    day = closed_on(loan)
    return day is not None and dossier.start_retention(closed_on=day, actor=actor)


@dataclass(frozen=True)
class CommandResult:
    """What a command recorded: the aggregate, its new version and log position."""

    aggregate_id: UUID
    version: int
    position: int
    events: tuple[str, ...]
    documents: tuple[DocumentRef, ...] = ()
    ids: Mapping[str, str] = field(default_factory=dict)
    loan_no: str | None = None
    replayed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "aggregate_id": str(self.aggregate_id),
            "version": self.version,
            "position": self.position,
            "events": list(self.events),
            "documents": [d.as_dict() for d in self.documents],
            "ids": dict(self.ids),
            "loan_no": self.loan_no,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, replayed: bool) -> CommandResult:
        return cls(
            aggregate_id=UUID(data["aggregate_id"]),
            version=int(data["version"]),
            position=int(data["position"]),
            events=tuple(data["events"]),
            documents=tuple(DocumentRef.from_dict(d) for d in data["documents"]),
            ids=dict(data["ids"]),
            loan_no=data["loan_no"],
            replayed=replayed,
        )


@dataclass
class Work:
    """What a command's body hands back to :meth:`DossierArchive._execute`."""

    primary: Aggregate
    touched: list[Aggregate]
    ids: dict[str, str] = field(default_factory=dict)
    loan_no: str | None = None


Body = Callable[[Actor, list[DocumentRef]], Work]


def blob_key(dossier_id: UUID, sha256: str) -> str:
    """Where a dossier's document lives in the blob store."""
    return f"{dossier_id}/{sha256}"


def left_after_destruction(
    blobs: BlobStore, dossier_id: UUID, sha256: str, retained: Collection[str]
) -> list[str]:
    """What of a destroyed dossier's document is still stored though it should be gone.

    Destruction deletes the document and the text derived from it; a blob the store refused
    to delete (object lock) is recorded as retained by the batch's ``Completed`` event and is
    unreadable without its deleted key. Anything else still stored means the destruction is
    unfinished or the blob was restored. ``dossier verify`` and ``dossier check`` both judge
    a destroyed dossier by this.
    """
    key = blob_key(dossier_id, sha256)
    return [k for k in (key, key + DERIVED_SUFFIX) if k not in retained and blobs.exists(k)]


class ArchiveCore(Application[UUID]):
    """Plumbing shared by the command modules: loading, actors, the command path.

    Every public method of the application that takes the caller's context (``ctx``) — every
    command and every read, whatever module defines it — answers that caller within their
    data scope (:func:`answers_caller`): no module has to remember to ask.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            if _takes_caller(value):
                scoped = answers_caller(value)
                setattr(cls, name, scoped)
                for command, handler in HANDLERS.items():
                    if handler is value:
                        HANDLERS[command] = scoped

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        *,
        blobs: BlobStore,
        config: ArchiveConfig | None = None,
        clock: Callable[[], datetime] | None = None,
        on_close: Sequence[Callable[[], None]] = (),
    ) -> None:
        register_moved_topics()  # before any stored event is read
        super().__init__(env)
        self._on_close = tuple(on_close)
        self._text_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dossier-text")
        self._text_jobs: list[Future[None]] = []
        self.blobs = blobs
        self.config = config or ArchiveConfig()
        self.clock = clock or (lambda: datetime.now(UTC))
        self.wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        """Real time, whatever ``clock`` says: access tokens age on it, so a rehearsal clock
        set years ahead neither expires every token nor keeps an expired one working."""
        self._rules_seen: tuple[int, RuleSet] | None = None
        """The version of the rules-in-force record last read, and the rule set it holds."""
        self._kept: dict[UUID, Aggregate] = {}
        """The newest copy of each aggregate loaded by ``current``, never changed once kept."""
        self._kept_lock = threading.Lock()

    def close(self) -> None:
        # Queued extractions are dropped, not awaited: text can be extracted again later.
        self._text_pool.shutdown(wait=True, cancel_futures=True)
        try:
            super().close()
        finally:
            for closer in self._on_close:
                closer()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_domain_transcodings(transcoder)

    # ----------------------------------------------------------------- loading
    def _load(self, cls: type[A], aggregate_id: UUID, zh: str, en: str) -> A:
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFoundError(f"{zh}不存在", f"{en} does not exist") from None
        if not isinstance(aggregate, cls):
            raise NotFoundError(f"{zh}不存在", f"{en} does not exist")
        self._check_in_scope(aggregate)
        return aggregate

    # -------------------------------------------------------------- data scope
    def _check_in_scope(self, aggregate: Aggregate) -> None:
        """Refuse ``aggregate`` unless the loans it belongs to lie within the scope of the
        caller the running application method answers (none running: nothing to check)."""
        asking = _ASKING.get()
        if asking is None or asking.reaching is None:
            return
        for loan_id in self._loans_of(aggregate):
            if loan_id in asking.reached:
                continue
            loan = self._stored_loan(loan_id)
            if loan is not None:
                asking.reaching.check(loan.loan_no, loan.branch, loan.managers)
            asking.reached.add(loan_id)

    def _loans_of(self, aggregate: Aggregate) -> list[UUID]:
        """The loans a loaded aggregate belongs to: itself, its loan, a batch's dossiers'."""
        if isinstance(aggregate, Loan):
            return [aggregate.id]
        if isinstance(aggregate, Dossier | Collateral | Borrowing):
            return [aggregate.loan_id]
        if isinstance(aggregate, DestructionBatch):
            dossiers: list[Aggregate] = [self.repository.get(d) for d in aggregate.dossier_ids]
            return [d.loan_id for d in dossiers if isinstance(d, Dossier)]
        return []

    def _stored_loan(self, loan_id: UUID) -> Loan | None:
        try:
            found: Aggregate = self.repository.get(loan_id)
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, Loan) else None

    def reaching(self, actor: Actor, action: Action) -> Reaching | None:
        """What ``actor`` reaches doing ``action``, by the rules in force; None for the console
        and for a role that reads no business data (the administrator); None too for what a
        person does on their own behalf (an appeal against a finding about them)."""
        if actor.id == SYSTEM_ID or action in OWN_BEHALF:
            return None
        rules = self.rule_set().scope
        mode = mode_of(action)
        reaches = rules.reaches(actor.role, mode)
        if not reaches:
            return None
        staff = self.staff_by_id(actor.id)
        return Reaching(
            person_id=staff.id,
            person=person(staff.name, staff.staff_no),
            branch=staff.branch,
            role=actor.role,
            mode=mode,
            reaches=reaches,
            hierarchy=rules.hierarchy,
        )

    def row_scope(self, actor: Actor, action: Action) -> RowScope:
        """The loans ``actor`` reaches doing ``action``, as the registers filter rows by."""
        reaching = self.reaching(actor, action)
        return reaching.rows() if reaching is not None else RowScope.everything()

    def covers(self, aggregate: Aggregate) -> bool:
        """Whether the caller the running method answers reaches the loans ``aggregate``
        belongs to (for listings, which leave out rather than refuse what lies beyond)."""
        asking = _ASKING.get()
        if asking is None or asking.reaching is None:
            return True
        for loan_id in self._loans_of(aggregate):
            loan = aggregate if aggregate.id == loan_id else self._stored_loan(loan_id)
            if isinstance(loan, Loan) and not asking.reaching.covers(loan.branch, loan.managers):
                return False
        return True

    def reading_scope(
        self, ctx: CommandContext, action: Action, *, branch: str | None = None
    ) -> tuple[Actor, RowScope]:
        """Authorize a read across loans (a register, the work queue, a report) and say which
        loans it may show: those the caller reaches. A branch asked for must be one of the
        bank's units within their reach."""
        actor = self.actor(ctx, action)
        if branch:
            self.check_branches(actor, action, {"branch": branch})
        return actor, self.row_scope(actor, action)

    def check_reach(self, actor: Actor, action: Action, loan_no: str) -> None:
        """Refuse (403 ``out_of_scope``) a read of what one loan's records show unless
        ``actor`` reaches the loan (a register's view of one loan, by its number)."""
        reaching = self.reaching(actor, action)
        loan = self._stored_loan(Loan.create_id(loan_no)) if reaching is not None else None
        if reaching is not None and loan is not None:
            reaching.check(loan.loan_no, loan.branch, loan.managers)

    def check_branches(self, actor: Actor, action: Action, params: Mapping[str, Any]) -> None:
        """Each unit a command names must be one of the bank's, within the caller's reach."""
        named = [(f, params[f]) for f in BRANCH_FIELDS if isinstance(params.get(f), str)]
        if not named:
            return
        reaching = self.reaching(actor, action)
        hierarchy = self.rule_set().scope.hierarchy
        for field_name, branch in named:
            hierarchy.check_known(branch, field_name)
            if reaching is not None:
                reaching.check_branch(branch, field_name)

    def loan(self, loan_no: str) -> Loan:
        return self._load(Loan, Loan.create_id(loan_no), f"贷款 {loan_no} ", f"loan {loan_no}")

    def dossier_of(self, loan: Loan) -> Dossier:
        return self._load(Dossier, dossier_id_for(loan.id), "档案", "dossier")

    def collateral_of(self, loan: Loan, collateral_no: str) -> Collateral:
        return self._load(
            Collateral,
            Collateral.create_id(loan.id, collateral_no.strip()),
            f"贷款 {loan.loan_no} 的押品 {collateral_no} ",
            f"collateral {collateral_no} of loan {loan.loan_no}",
        )

    def staff(self, staff_no: str) -> Staff:
        return self._staff_record(
            Staff.create_id(staff_no), f"工号 {staff_no} ", f"staff member {staff_no}"
        )

    def staff_by_id(self, staff_id: UUID) -> Staff:
        return self._staff_record(staff_id, "人员", "staff member")

    def _staff_record(self, staff_id: UUID, zh: str, en: str) -> Staff:
        """The person's record as the log holds it now (see :meth:`current`).

        Every sign-in and sign-out is an event on the person's record, so a record in daily use
        gains hundreds of events a year; and every page and command loads the caller's record,
        often more than once, for the roles held at that moment. Replayed in full each time, it
        made every page slower the longer its viewer had used the console.
        """
        try:
            staff = self.current(staff_id)
        except AggregateNotFoundError:
            raise NotFoundError(f"{zh}不存在", f"{en} does not exist") from None
        if not isinstance(staff, Staff):
            raise NotFoundError(f"{zh}不存在", f"{en} does not exist")
        return staff

    def current(self, aggregate_id: UUID) -> Aggregate:
        """The aggregate as the log holds it now, brought up to date from a kept copy; no data
        scope is checked here (the caller does). Raises AggregateNotFoundError.

        The process keeps a copy of each aggregate loaded this way (at most ``KEPT``) and applies
        only the events stored since — one read, most often empty — instead of replaying all of
        them. What is returned is what a full replay gives, including events another process
        stored, and the caller may change it freely: it is a copy of the kept one.
        """
        return deepcopy(self.kept(aggregate_id))

    def kept(self, aggregate_id: UUID) -> Aggregate:
        """:meth:`current` without the copy, for a read that only looks: the kept aggregate
        itself, which must never be changed (a newer one replaces it, it is never updated)."""
        with self._kept_lock:
            kept = self._kept.get(aggregate_id)
        if kept is None:
            found: Aggregate = self.repository.get(aggregate_id)
        else:
            newer = list(self.events.get(aggregate_id, gt=kept.version))
            if not newer:
                return kept
            found = cast(Aggregate, project_aggregate(deepcopy(kept), newer))
        with self._kept_lock:
            kept = self._kept.get(aggregate_id)
            if kept is None or kept.version < found.version:
                if kept is None and len(self._kept) >= KEPT:
                    del self._kept[next(iter(self._kept))]  # the first kept
                self._kept[aggregate_id] = found
        return found

    def rule_set(self) -> RuleSet:
        """The rules in force now: the last adopted in the log, the shipped ones before any.

        Read from the log rather than the file this process loaded, so every process — and a
        command run after another process adopted new rules — decides by the same rules the
        registers judge with (docs/rules.md RUL-05). Within a command they are read once.
        """
        memo = _COMMAND_RULES.get()
        if memo is not None and id(self) in memo:
            return memo[id(self)]
        rules = self._rules_in_log()
        if memo is not None:
            memo[id(self)] = rules
        return rules

    def _rules_in_log(self) -> RuleSet:
        stored = self.recorder.select_events(RulesInForce.create_id(), desc=True, limit=1)
        if not stored:
            return shipped_rules()
        version = stored[0].originator_version
        seen = self._rules_seen
        if seen is not None and seen[0] == version:
            return seen[1]  # the same record: no need to decode the whole rule set again
        # The @event classes (Adopted, Replaced) are invisible to mypy: read them as Any.
        last: Any = self.mapper.to_domain_event(stored[0])
        rules = parse_adopted(last.rules)
        self._rules_seen = (version, rules)
        return rules

    def stages_of(self, refs: Sequence[DocumentRef]) -> dict[str, str]:
        """The lifecycle stage each cited document is filed under: its type's, by the rules
        in force (read only when something is cited)."""
        if not refs:
            return {}
        rules = self.rule_set()
        return {ref.doc_type: rules.document_type(ref.doc_type).stage for ref in refs}

    def today(self) -> date:
        """Today in the bank's calendar (its time zone), by the archive's clock."""
        return self.clock().astimezone(ZoneInfo(self.config.timezone)).date()

    def check_business_dates(self, params: Mapping[str, Any]) -> None:
        """Refuse a command dating something that happened after today (see domain.dates).

        Run on every command's parameters before its body, so a refused command records
        nothing; the tolerance is ``config.future_date_tolerance_days``.
        """
        today = self.today()
        for field_name, value in params.items():
            if field_name in HAPPENED and isinstance(value, date):
                check_happened(
                    value,
                    today=today,
                    field=field_name,
                    tolerance_days=self.config.future_date_tolerance_days,
                )

    # ------------------------------------------------------- partner institutions
    def registered_partner(self, code: str) -> Partner | None:
        """The partner institution (合作机构) registered with ``code``, if there is one."""
        try:
            return self._load(Partner, partner_id_for(credit_code(code)), "合作机构", "partner")
        except (NotFoundError, InvalidInputError):  # not registered, or no valid code
            return None

    def check_partner_open(
        self, code: str, kind: PartnerKind, on: date, field: str
    ) -> Partner | None:
        """A registered institution takes new business only as what it is registered as, while
        cooperating (not suspended, within its period); the institution, if registered. Shared
        by the guarantees (a guarantee company) and the third-party service (a servicer)."""
        partner = self.registered_partner(code)
        if partner is not None:
            partner.check_kind(kind, field)
            what = "担保" if kind is PartnerKind.GUARANTEE_COMPANY else "提供第三方服务"
            partner.check_open(on, f"为贷款{what}", "take a new loan")
        return partner

    def form_name(self, staff_id: UUID) -> str:
        """How a printed form names a member of staff: 姓名（工号）."""
        staff = self.staff_by_id(staff_id)
        return person(staff.name, staff.staff_no)

    def notifications_of(self, event_class: type) -> Iterator[Notification]:
        """Every stored event of one type, in log order, read from the log a page at a time.

        Under every topic the type was stored under: its current one, those of the same-named
        classes it derives from, and those it had before its module moved or its class was
        split (:func:`domain.topics.class_topics`).
        """
        return self.notifications_of_topics(list(class_topics(event_class)))

    def notifications_of_topics(self, topics: list[str]) -> Iterator[Notification]:
        """Every stored event under one of ``topics``, in log order, a page at a time."""
        start: int | None = None
        while True:
            page = self.recorder.select_notifications(start=start, limit=PAGE, topics=topics)
            yield from page
            if len(page) < PAGE:
                return
            start = page[-1].id + 1

    def customer_holding(self, borrower_id: str) -> CustomerHolding:
        """Who manages the customer: the one stored, or a new one saved with its first holder
        (its version then makes two assignments at once a conflict)."""
        holding_id = CustomerHolding.create_id(borrower_id)
        if self.recorder.select_events(holding_id, limit=1):
            stored: Aggregate = self.repository.get(holding_id)
            assert isinstance(stored, CustomerHolding)
            return stored
        return CustomerHolding.open(borrower_id)

    # ------------------------------------------------------------------ actors
    def booking_flags(self, loan: Loan, actor: Actor) -> list[Suspension]:
        """The suspensions in force on the loan's value date over its branch, product, account
        manager or borrower, each with the booking recorded on it (SUS-10)."""
        index_id = ActiveSuspensions.create_id()
        if not self.recorder.select_events(index_id, limit=1):
            return []
        index: Aggregate = self.repository.get(index_id)
        assert isinstance(index, ActiveSuspensions)
        manager_no = None if actor.id == SYSTEM_ID else self.staff_by_id(actor.id).staff_no
        keys = {
            RiskSubject.BRANCH: loan.branch,
            RiskSubject.PRODUCT: loan.product.value,
            RiskSubject.MANAGER: manager_no,
            RiskSubject.CUSTOMER: loan.borrower_id,
        }
        flagged = []
        for suspension_id in index.matching(keys):
            suspension: Aggregate = self.repository.get(suspension_id)
            assert isinstance(suspension, Suspension)
            if suspension.in_force_on(loan.value_date):
                suspension.flag_booking(
                    loan_no=loan.loan_no,
                    booked_on=loan.value_date,
                    principal=loan.principal,
                    actor=actor,
                )
                flagged.append(suspension)
        return flagged

    def number_book(self, series: FormKind, year: int) -> NumberBook:
        """The series' book of ``year``: the one stored, or a new one saved with its first
        number (its version then makes two numbers taken at once a conflict)."""
        book_id = NumberBook.create_id(series, year)
        if self.recorder.select_events(book_id, limit=1):
            stored: Aggregate = self.repository.get(book_id)
            assert isinstance(stored, NumberBook)
            return stored
        return NumberBook.open(series, year)

    def actor(self, ctx: CommandContext, action: Action) -> Actor:
        """The caller and the role, held at this moment, in which they act.

        From here on, the application method running answers this caller within the data
        scope of that role for ``action`` (docs/rules.md SCP-04).
        """
        if ctx.staff_id == SYSTEM_ID:
            return Actor(SYSTEM_ID, choose_role({Role.ADMINISTRATOR}, action, ctx.role))
        staff = self.staff_by_id(ctx.staff_id)
        actor = Actor(staff.id, choose_role(staff.roles_at(self.clock()), action, ctx.role))
        asking = _ASKING.get()
        if asking is not None:
            asking.reaching = self.reaching(actor, action)
            asking.reached.clear()
        return actor

    def party(self, staff_no: str) -> Party:
        """Another person named by a command, with the roles they hold now."""
        staff = self.staff(staff_no)
        return Party(staff.id, staff.roles_at(self.clock()))

    def authorize_read(self, ctx: CommandContext) -> Actor:
        return self.actor(ctx, Action.READ_BUSINESS)

    @staticmethod
    def check_version(aggregate: Aggregate, ctx: CommandContext) -> None:
        if ctx.expected_version is not None and ctx.expected_version != aggregate.version:
            raise StaleVersionError(
                f"版本已变化：期望 {ctx.expected_version}，当前 {aggregate.version}",
                f"stale version: expected {ctx.expected_version}, current is {aggregate.version}",
                current_version=aggregate.version,
            )

    # ------------------------------------------------------------ command path
    def _execute(
        self,
        ctx: CommandContext,
        action: Action,
        params: Mapping[str, Any],
        body: Body,
        uploads: Sequence[Upload] = (),
    ) -> CommandResult:
        token = _COMMAND_RULES.set({})  # one read of the rules in force per command
        try:
            return self._execute_command(ctx, action, params, body, uploads)
        finally:
            _COMMAND_RULES.reset(token)

    def _execute_command(
        self,
        ctx: CommandContext,
        action: Action,
        params: Mapping[str, Any],
        body: Body,
        uploads: Sequence[Upload],
    ) -> CommandResult:
        with staged(list(uploads), self.config, self.rule_set) as documents:
            refs = [d.ref for d in documents]
            receipt_id: UUID | None = None
            fingerprint = ""
            if ctx.idempotency_key:
                fingerprint = _fingerprint(action, params, refs)
                receipt_id = CommandReceipt.create_id(ctx.staff_id, ctx.idempotency_key)
                replay = self._replay(receipt_id, fingerprint)
                if replay is not None:
                    return replay
            actor = self.actor(ctx, action)
            self.check_business_dates(params)
            self.check_branches(actor, action, params)
            work = body(actor, refs)
            touched = list(work.touched)
            provisional = self._result(work, refs, position=0)
            if receipt_id is not None and ctx.idempotency_key:
                touched.append(
                    CommandReceipt(
                        actor_id=ctx.staff_id,
                        key=ctx.idempotency_key,
                        fingerprint=fingerprint,
                        result=provisional.as_dict(),
                    )
                )
            created = self._store_documents(work, documents)
            try:
                recordings = self.save(*touched)
            except IntegrityError:
                self._remove_uncited(work, created)
                if receipt_id is not None:
                    replay = self._replay(receipt_id, fingerprint)
                    if replay is not None:
                        return replay
                try:
                    current: int = self.repository.get(work.primary.id).version
                except AggregateNotFoundError:
                    # The primary was new (a disbursement) and lost on another aggregate it
                    # touched, e.g. the borrower's index: it does not exist yet.
                    current = 0
                raise ConcurrentUpdateError(
                    f"另一操作已先修改此记录，当前版本 {current}，请刷新后重试",
                    "another command changed this record first; current version is "
                    f"{current}: reload and retry",
                    current_version=current,
                ) from None
            position = max(r.notification.id for r in recordings)
            self._hold_new_documents(work, refs)
            self._extract_texts_later(work, refs)
            return replace(provisional, position=position)

    def _hold_new_documents(self, work: Work, refs: list[DocumentRef]) -> None:
        """A document filed while the dossier is on hold gets the legal hold of its siblings."""
        if not refs:
            return
        dossier = _document_owner(work)
        if isinstance(dossier, Dossier) and dossier.open_holds:
            self.mirror_legal_hold(
                dossier, on=True, keys=[blob_key(dossier.id, r.sha256) for r in refs]
            )

    def mirror_legal_hold(
        self, dossier: Dossier, *, on: bool, keys: Sequence[str] | None = None
    ) -> None:
        """Put on (or release) the store's legal hold on every blob of the dossier.

        Called after the hold's event is saved: the event is the fact, the store's hold its
        mirror. A failure is logged, not raised — the saved event already refuses destruction.
        """
        if keys is None:
            shas = dict.fromkeys(d.ref.sha256 for d in dossier.documents)
            keys = [blob_key(dossier.id, sha) for sha in shas]
            keys += [k + DERIVED_SUFFIX for k in keys if self.blobs.exists(k + DERIVED_SUFFIX)]
        for key in keys:
            try:
                self.blobs.set_legal_hold(key, on)
            except Exception:
                log.exception("legal hold %s failed for %s", "on" if on else "off", key)

    # ---------------------------------------------------------- extracted text
    def _extract_texts_later(self, work: Work, refs: list[DocumentRef]) -> None:
        """Queue text extraction of the saved PDFs and OFDs: it is slow, and no answer waits
        for it."""
        texts = [r for r in refs if r.media_type in TEXT_MEDIA_TYPES]
        if not texts or not self.config.extract_text:
            return
        dossier = _document_owner(work)
        for ref in texts:
            self._text_jobs.append(
                self._text_pool.submit(
                    self._extract_text, blob_key(dossier.id, ref.sha256), ref.media_type
                )
            )

    def _extract_text(self, key: str, media_type: str = "application/pdf") -> None:
        text_key = key + DERIVED_SUFFIX
        try:
            if self.blobs.exists(text_key):
                return
            with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
                with self.blobs.open(key) as stream:
                    shutil.copyfileobj(stream, spool)
                spool.seek(0)
                text = extract_document_text(cast(BinaryIO, spool), media_type)
            self.blobs.put(text_key, io.BytesIO(text.encode("utf-8")))
        except Exception:
            log.exception("text extraction failed for %s", key)

    def document_text(self, dossier_id: UUID, sha256: str, media_type: str) -> str | None:
        """The text of a stored PDF or OFD for the search index, read from the stored document.

        The text extracted at filing is used when there is one; otherwise the document is read
        and its text extracted now, in memory — reading never writes. None for other media
        types and for a document whose bytes are gone (destroyed).
        """
        if media_type not in TEXT_MEDIA_TYPES:
            return None
        try:
            text = self.text_of(dossier_id, sha256)
            key = blob_key(dossier_id, sha256)
            if text is not None or not self.blobs.exists(key):
                return text
            with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
                with self.blobs.open(key) as stream:
                    shutil.copyfileobj(stream, spool)
                spool.seek(0)
                return extract_document_text(cast(BinaryIO, spool), media_type)
        except KeyDestroyedError:
            return None  # crypto-shredded: the text is gone with the key, for good

    def search_index_key(self) -> bytes | None:
        """The key of the search index's term hashes, from the key store (made on first use);
        None when documents are not stored encrypted (there is then no key store)."""
        if isinstance(self.blobs, EncryptingBlobStore):
            return self.blobs.envelope.search_index_key()
        return None

    def text_of(self, dossier_id: UUID, sha256: str) -> str | None:
        """The text extracted from a stored PDF, once extraction has run (never in an event)."""
        key = blob_key(dossier_id, sha256) + DERIVED_SUFFIX
        if not self.blobs.exists(key):
            return None
        return self.blobs.get(key).decode("utf-8")

    def wait_for_text_extraction(self) -> None:
        """Block until every queued extraction has finished (tests, CLI, shutdown)."""
        while self._text_jobs:
            job = self._text_jobs.pop()
            if not job.cancelled():
                job.result()

    def _store_documents(self, work: Work, documents: list[StagedDocument]) -> list[str]:
        """Put each staged document into the blob store; return the keys created."""
        if not documents:
            return []
        dossier = _document_owner(work)
        retain_until = self.clock() + timedelta(days=366 * self.config.minimum_retention_years)
        created: list[str] = []
        try:
            for document in documents:
                key = blob_key(dossier.id, document.ref.sha256)
                if self.blobs.put(key, document.reopen(), retain_until=retain_until):
                    created.append(key)
        except BaseException:
            for key in created:
                self.blobs.delete(key)
            raise
        return created

    def _remove_uncited(self, work: Work, created: list[str]) -> None:
        """After a lost save, delete the blobs this command created that no saved event cites.

        The keys are content-addressed, so the command that won the race may have brought the
        same bytes (a double submission, an idempotent retry) and found them already stored:
        the dossier it saved now holds them, and they must stay.
        """
        if not created:
            return
        dossier_id = _document_owner(work).id
        try:
            saved: Aggregate | None = self.repository.get(dossier_id)
        except AggregateNotFoundError:
            saved = None
        for key in created:
            holds = getattr(saved, "holds", None)
            if not (callable(holds) and holds(key.rsplit("/", 1)[1])):
                self.blobs.delete(key)

    def _result(self, work: Work, refs: list[DocumentRef], position: int) -> CommandResult:
        pending = [type(e).__name__ for e in work.primary.pending_events]
        return CommandResult(
            aggregate_id=work.primary.id,
            version=work.primary.version,
            position=position,
            events=tuple(pending),
            documents=tuple(refs),
            ids=work.ids,
            loan_no=work.loan_no,
        )

    def _replay(self, receipt_id: UUID, fingerprint: str) -> CommandResult | None:
        try:
            receipt: Aggregate = self.repository.get(receipt_id)
        except AggregateNotFoundError:
            return None
        assert isinstance(receipt, CommandReceipt)
        if receipt.fingerprint != fingerprint:
            raise IdempotencyKeyReusedError(
                "该幂等键已用于另一个不同的请求",
                "this Idempotency-Key was already used for a different request",
            )
        result = dict(receipt.result)
        # The first result's position was the last of its save, and the receipt is the last
        # aggregate of that save: its own event holds that position (the primary's does not).
        position = notification_id_of(self.recorder, receipt_id, receipt.version)
        result["position"] = position or 0
        return CommandResult.from_dict(result, replayed=True)

    # ------------------------------------------------------- filing documents
    def file_documents(
        self, dossier: Dossier, evidenced: Aggregate, refs: list[DocumentRef], actor: Actor
    ) -> None:
        """File each cited document in the dossier, pointing at the new event it evidences.

        ``evidenced`` is the loan, or another aggregate of the loan (its collateral), whose
        latest event cites the documents. It may be the dossier itself: the version the
        documents point at is the one it had before the first of them was filed.
        """
        stages = self.stages_of(refs)
        evidences_version = evidenced.version
        pending = evidenced.pending_events
        # Filed on the evidenced event's business date (业务日期), where it is new in this save.
        filed_on = business_date(pending[-1], self.config.timezone) if pending else None
        for ref in refs:
            dossier.file(
                document=ref,
                stage=stages[ref.doc_type],
                evidences_id=evidenced.id,
                evidences_version=evidences_version,
                actor=actor,
                filed_on=filed_on,
            )

    def on_loan(
        self,
        ctx: CommandContext,
        action: Action,
        loan_no: str,
        params: Mapping[str, Any],
        command: Callable[[Loan, Actor, list[DocumentRef]], Mapping[str, str] | None],
        uploads: Sequence[Upload] = (),
        co_saved: Callable[[Loan], Sequence[Aggregate]] | None = None,
        on_dossier: Callable[[Loan, Dossier, Actor], bool] | None = None,
    ) -> CommandResult:
        """Run ``command`` on one loan, filing its documents in the loan's dossier.

        ``co_saved`` names further aggregates the command changes; they are saved in
        the same ``save()``, so a concurrent change to any of them is a conflict.
        ``on_dossier`` is what the command also records on the loan's dossier (retention
        starting at settlement); it answers whether it recorded anything.
        """

        def body(actor: Actor, refs: list[DocumentRef]) -> Work:
            loan = self.loan(loan_no)
            self.check_version(loan, ctx)
            ids = command(loan, actor, refs) or {}
            touched: list[Aggregate] = [loan]
            if co_saved is not None:
                touched.extend(co_saved(loan))
            dossier = self.dossier_of(loan) if refs or on_dossier is not None else None
            if dossier is not None and refs:
                self.file_documents(dossier, loan, refs, actor)
            changed = (
                dossier is not None and on_dossier is not None and on_dossier(loan, dossier, actor)
            )
            if dossier is not None and (refs or changed):
                touched.append(dossier)
            return Work(loan, touched, dict(ids), loan.loan_no)

        return self._execute(ctx, action, {"loan_no": loan_no, **params}, body, uploads)

    def run(
        self, ctx: CommandContext, cmd: Command, body: Body, uploads: Sequence[Upload] = ()
    ) -> CommandResult:
        """The command path for a typed command: its action, its fields fingerprinted."""
        return self._execute(ctx, cmd.action, cmd.params(), body, uploads)

    def for_loan(
        self,
        ctx: CommandContext,
        cmd: LoanCommand,
        command: Callable[[Loan, Actor, list[DocumentRef]], Mapping[str, str] | None],
        uploads: Sequence[Upload] = (),
        co_saved: Callable[[Loan], Sequence[Aggregate]] | None = None,
        on_dossier: Callable[[Loan, Dossier, Actor], bool] | None = None,
    ) -> CommandResult:
        """:meth:`on_loan` for a typed command: its loan, action and fields; the result names
        the ids the command assigned besides those ``command`` returns."""

        def recorded(loan: Loan, actor: Actor, refs: list[DocumentRef]) -> Mapping[str, str]:
            return {**cmd.assigned_ids(), **(command(loan, actor, refs) or {})}

        return self.on_loan(
            ctx, cmd.action, cmd.loan_no, cmd.params(), recorded, uploads, co_saved, on_dossier
        )

    def record_on_loan(
        self,
        ctx: CommandContext,
        cmd: LoanCommand,
        method: Callable[..., None],
        uploads: Sequence[Upload] = (),
        on_dossier: Callable[[Loan, Dossier, Actor], bool] | None = None,
    ) -> CommandResult:
        """:meth:`for_loan` calling the loan's ``method`` with the command's arguments
        (:meth:`~archive.commands.Command.arguments`), the caller and the documents."""
        return self.for_loan(
            ctx,
            cmd,
            lambda loan, actor, refs: method(loan, **cmd.arguments(), actor=actor, documents=refs),
            uploads,
            on_dossier=on_dossier,
        )


def _document_owner(work: Work) -> Aggregate:
    """The aggregate a command's documents are stored under: the loan's dossier, or — for a
    record that keeps its own documents (a management paper) — the command's primary."""
    dossier = next((a for a in work.touched if isinstance(a, Dossier)), None)
    return dossier if dossier is not None else work.primary


def _fingerprint(action: Action, params: Mapping[str, Any], refs: list[DocumentRef]) -> str:
    text = fingerprint_json(
        {
            "action": action.value,
            "params": params,
            "documents": [(r.doc_type, r.sha256, r.filename) for r in refs],
        }
    )
    return hashlib.sha256(text.encode()).hexdigest()
