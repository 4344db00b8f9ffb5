"""The rule set (规则集): what each stage must file, when work falls due, and who owns it.

Banks vary these figures, so they are data (``archive/rules.toml``, overridable from the data
directory), parsed and checked here with clear errors. A rule set's ``version`` is the SHA-256
of its canonical JSON; the archive records an event whenever the rules in force
change (``RulesInForce``: ``Adopted``, then ``Replaced``), carrying the whole rule set, so every verdict computed from the log — a completeness gap,
a task and its due date — is computed with the rules in force at that point and names their
version, and a rebuild gives the same verdicts.

Pure: the standard library only (``tomllib`` parses text handed in; nothing is read from disk).
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from canonical import canonical_json
from domain.errors import InvalidInputError
from domain.schedules import InspectionSchedule
from domain.values import (
    CollectionStepKind,
    RetentionClass,
    Role,
    WarningColour,
)

TRIGGERS: Mapping[str, str] = MappingProxyType(
    {
        "Disbursed": "disbursement",
        "InspectionRecorded": "inspection",
        "ClassificationApproved": "classification",
        "WarningHandled": "warning",
        "CollectionStepTaken": "collection",
        "Restructured": "restructuring",
        "Extended": "extension",
        "WrittenOff": "write_off",
        "Settled": "settlement",
    }
)
"""The loan events a requirement may hang on, and the stage each belongs to."""

CONDITION_FIELDS = frozenset(
    {"product", "guarantee_type", "borrower_type", "kind", "step", "colour", "secured"}
)
"""What a requirement's ``when`` may test: facts of the loan and of the triggering event."""


class RulesError(InvalidInputError):
    """Raised for a rules file that cannot be used; names the key that is wrong."""

    code = "invalid_rules"


def _fail(path: str, zh: str, en: str) -> RulesError:
    return RulesError(f"规则文件 {path}：{zh}", f"rules file, {path}: {en}", field=path)


@dataclass(frozen=True)
class DocumentTypeRule:
    """One entry of the document-type catalogue."""

    code: str
    zh: str
    en: str
    stage: str
    retention: RetentionClass
    custody_tier: int


@dataclass(frozen=True)
class Requirement:
    """Documents a loan event must bring, under conditions, within some days of the event."""

    rule_id: str
    trigger: str
    documents: tuple[str, ...]
    when: Mapping[str, frozenset[str]] = field(default_factory=dict)
    within_days: int = 0
    text_zh: str = ""

    @property
    def stage(self) -> str:
        return TRIGGERS[self.trigger]

    def applies(self, facts: Mapping[str, str | None]) -> bool:
        """True when every condition of ``when`` holds for ``facts``."""
        return all(facts.get(name) in allowed for name, allowed in self.when.items())


@dataclass(frozen=True)
class CollectionRung:
    """A step of the collection ladder: by ``days`` overdue, ``step`` is due, owned by ``owner``.

    ``responsibility`` marks the rung from which responsibility determination (不良贷款责任认定)
    may start, before the loan is non-performing (docs/rules.md RSP-02: the day-30 rung).
    """

    days: int
    step: CollectionStepKind
    owner: Role
    responsibility: bool = False


@dataclass(frozen=True)
class RepaymentConvention:
    """When repayments fall due, for loans whose contract the log records by method only.

    Bullet loans pay interest every ``interest_every_months`` months on ``interest_day`` of the
    period's last month (按季结息, the 20th) and the principal at maturity; instalment loans pay
    every ``instalment_months_retail`` months (households) or ``instalment_months_business``
    (businesses) from the value date.
    """

    interest_day: int = 20
    interest_every_months: int = 3
    instalment_months_retail: int = 1
    instalment_months_business: int = 3


PERIODS = (1, 2, 3, 4, 6, 12)
"""Months a repayment period may span: the divisors of a year, so periods align every year."""


@dataclass(frozen=True)
class RuleSet:
    """The rules in force; ``version`` names them in every verdict."""

    version: str
    source: Mapping[str, Any]
    document_types: Mapping[str, DocumentTypeRule]
    requirements: tuple[Requirement, ...]
    inspections: InspectionSchedule
    special_inspection_days: int
    reminder_lead_days: int
    warning_handling_days: Mapping[WarningColour, int]
    collection_ladder: tuple[CollectionRung, ...]
    originals_transfer_working_days: int
    full_transfer_days: int
    borrowing_escalation: tuple[tuple[int, Role], ...]
    repayment: RepaymentConvention = RepaymentConvention()
    responsibility_from_days: int | None = None
    """Days overdue from which responsibility may be determined (不良贷款责任认定), before the
    loan is non-performing: the ladder's rung marked ``responsibility = true``. None (a ladder
    with no such rung and no notice served): only a non-performing loan is open to it."""

    @property
    def short_version(self) -> str:
        return self.version[:12]

    def requirements_for(self, trigger: str, facts: Mapping[str, str | None]) -> list[Requirement]:
        return [r for r in self.requirements if r.trigger == trigger and r.applies(facts)]

    @classmethod
    def from_toml(cls, text: str) -> RuleSet:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise _fail("(file)", f"不是有效的 TOML：{exc}", f"not valid TOML: {exc}") from None
        return cls.from_mapping(data)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> RuleSet:
        """Check and build a rule set; the version hashes the canonical JSON of ``data``."""
        canonical = canonical_json(data)
        plain: dict[str, Any] = json.loads(canonical)
        types = _document_types(_table(plain, "types"))
        requirements = tuple(
            _requirement(n, raw, types) for n, raw in enumerate(_list(plain, "requirements"))
        )
        ids = [r.rule_id for r in requirements]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise _fail(
                "requirements", f"规则编号重复：{duplicated}", f"duplicate ids {duplicated}"
            )
        inspections = _table(plain, "inspections")
        schedule = InspectionSchedule(
            **{
                name: _days(inspections, name, "inspections")
                for name in InspectionSchedule.__dataclass_fields__
            }
        )
        warnings = _table(_table(plain, "warnings"), "handling_days", "warnings")
        handling = {
            colour: _days(warnings, colour.value, "warnings.handling_days")
            for colour in WarningColour
        }
        ladder = tuple(
            _rung(n, raw) for n, raw in enumerate(_list(_table(plain, "collection"), "ladder"))
        )
        if [r.days for r in ladder] != sorted(r.days for r in ladder):
            raise _fail("collection.ladder", "须按逾期天数升序", "must ascend by days overdue")
        if sum(r.responsibility for r in ladder) > 1:
            raise _fail(
                "collection.ladder",
                "只能有一级标明 responsibility = true（责任认定自该级开始）",
                "at most one rung may say responsibility = true (where determination starts)",
            )
        transfers = _table(plain, "transfers")
        borrowing = _table(plain, "borrowing")
        escalation = tuple(
            (
                _days(raw, "days", f"borrowing.escalation[{n}]"),
                _enum(Role, raw.get("role"), f"borrowing.escalation[{n}].role"),
            )
            for n, raw in enumerate(_list(borrowing, "escalation"))
        )
        return cls(
            version=hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
            source=MappingProxyType(plain),
            document_types=MappingProxyType(types),
            requirements=requirements,
            inspections=schedule,
            special_inspection_days=_days(_table(plain, "special"), "within_days", "special"),
            reminder_lead_days=_days(_table(plain, "reminders"), "lead_days", "reminders"),
            warning_handling_days=MappingProxyType(handling),
            collection_ladder=ladder,
            originals_transfer_working_days=_days(transfers, "originals_working_days", "transfers"),
            full_transfer_days=_days(transfers, "full_after_close_days", "transfers"),
            # Most overdue first: the first rung reached decides who is told.
            borrowing_escalation=tuple(sorted(escalation, reverse=True)),
            repayment=_repayment(plain),
            responsibility_from_days=_responsibility_from(ladder),
        )


# ------------------------------------------------------------------ parsing helpers
def _table(data: Mapping[str, Any], key: str, where: str = "") -> dict[str, Any]:
    path = f"{where}.{key}" if where else key
    value = data.get(key)
    if not isinstance(value, dict):
        raise _fail(path, "缺少此表", "this table is missing")
    return value


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list) or not value:
        raise _fail(key, "须为非空数组", "must be a non-empty array")
    return value


def _days(data: Mapping[str, Any], key: str, where: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3660:
        raise _fail(
            f"{where}.{key}",
            f"须为 0–3660 的整数，而非 {value!r}",
            f"must be 0-3660, not {value!r}",
        )
    return value


def _responsibility_from(ladder: tuple[CollectionRung, ...]) -> int | None:
    """The days of the rung marked ``responsibility = true``; on a ladder that marks none (as
    rule sets adopted before the mark existed), the rung where the written collection notice
    is served, as on the ladder of docs/rules.md (COL-06)."""
    marked = [r for r in ladder if r.responsibility] or [
        r for r in ladder if r.step is CollectionStepKind.NOTICE_SERVED
    ]
    return marked[0].days if marked else None


def _repayment(plain: Mapping[str, Any]) -> RepaymentConvention:
    """``[repayment]``; rule sets adopted before it existed have none and keep the defaults
    (their recorded content, and so their version, is left as it was)."""
    if "repayment" not in plain:
        return RepaymentConvention()
    raw = _table(plain, "repayment")
    day = _days(raw, "interest_day", "repayment")
    if not 1 <= day <= 28:
        raise _fail(
            "repayment.interest_day",
            f"须为 1–28 日（每月都有的日期），而非 {day}",
            f"must be a day of month 1-28 (one every month has), not {day}",
        )
    months = {}
    for name in ("interest_every_months", "instalment_months_retail", "instalment_months_business"):
        months[name] = _days(raw, name, "repayment")
        if months[name] not in PERIODS:
            raise _fail(
                f"repayment.{name}",
                f"须为 {', '.join(map(str, PERIODS))} 之一，而非 {months[name]}",
                f"must be one of {', '.join(map(str, PERIODS))}, not {months[name]}",
            )
    return RepaymentConvention(interest_day=day, **months)


def _enum(kind: Any, value: Any, path: str) -> Any:
    for member in kind:
        if value == member.value:
            return member
    allowed = ", ".join(m.value for m in kind)
    raise _fail(path, f"取值 {value!r} 无效，允许：{allowed}", f"{value!r} is not one of {allowed}")


def _document_types(raw: Mapping[str, Any]) -> dict[str, DocumentTypeRule]:
    found: dict[str, DocumentTypeRule] = {}
    for code, entry in raw.items():
        path = f"types.{code}"
        if not isinstance(entry, dict):
            raise _fail(path, "须为表", "must be a table")
        for key in ("zh", "en", "stage"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise _fail(f"{path}.{key}", "不能为空", "must not be blank")
        tier = entry.get("custody_tier", 2)
        if tier not in (1, 2):
            raise _fail(f"{path}.custody_tier", "须为 1 或 2", "must be 1 or 2")
        found[code] = DocumentTypeRule(
            code=code,
            zh=entry["zh"],
            en=entry["en"],
            stage=entry["stage"],
            retention=_enum(RetentionClass, entry.get("retention", "D10"), f"{path}.retention"),
            custody_tier=tier,
        )
    return found


def _requirement(n: int, raw: Any, types: Mapping[str, DocumentTypeRule]) -> Requirement:
    path = f"requirements[{n}]"
    if not isinstance(raw, dict):
        raise _fail(path, "须为表", "must be a table")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id.strip():
        raise _fail(f"{path}.id", "须有规则编号", "needs an id")
    trigger = raw.get("on")
    if trigger not in TRIGGERS:
        allowed = ", ".join(TRIGGERS)
        raise _fail(
            f"{path}.on",
            f"事件 {trigger!r} 无效，允许：{allowed}",
            f"{trigger!r}: not one of {allowed}",
        )
    documents = raw.get("documents")
    if not isinstance(documents, list) or not documents:
        raise _fail(f"{path}.documents", "须列明文档类型", "must list document types")
    for code in documents:
        if code not in types:
            raise _fail(
                f"{path}.documents", f"未知文档类型 {code!r}", f"unknown document type {code!r}"
            )
    when_raw = raw.get("when", {})
    if not isinstance(when_raw, dict):
        raise _fail(f"{path}.when", "须为表", "must be a table")
    when: dict[str, frozenset[str]] = {}
    for name, allowed_values in when_raw.items():
        if name not in CONDITION_FIELDS:
            known = ", ".join(sorted(CONDITION_FIELDS))
            raise _fail(
                f"{path}.when.{name}",
                f"未知条件，允许：{known}",
                f"unknown condition; known: {known}",
            )
        values = allowed_values if isinstance(allowed_values, list) else [allowed_values]
        when[name] = frozenset(str(v).lower() if isinstance(v, bool) else str(v) for v in values)
    within = raw.get("within_days", 0)
    return Requirement(
        rule_id=rule_id,
        trigger=str(trigger),
        documents=tuple(documents),
        when=MappingProxyType(when),
        within_days=_days({"within_days": within}, "within_days", path),
        text_zh=str(raw.get("text", "")),
    )


def _rung(n: int, raw: Any) -> CollectionRung:
    path = f"collection.ladder[{n}]"
    if not isinstance(raw, dict):
        raise _fail(path, "须为表", "must be a table")
    responsibility = raw.get("responsibility", False)
    if not isinstance(responsibility, bool):
        raise _fail(
            f"{path}.responsibility",
            f"须为 true 或 false，而非 {responsibility!r}",
            f"must be true or false, not {responsibility!r}",
        )
    return CollectionRung(
        days=_days(raw, "days", path),
        step=_enum(CollectionStepKind, raw.get("step"), f"{path}.step"),
        owner=_enum(Role, raw.get("owner"), f"{path}.owner"),
        responsibility=responsibility,
    )


# ------------------------------------------------------------------ the record of adoption
RULES_ID = uuid5(NAMESPACE_URL, "dossier:rules")


class RulesInForce(Aggregate):
    """The rules in force over time: ``Adopted`` first, then ``Replaced`` at each new version."""

    @classmethod
    def create_id(cls) -> UUID:
        return RULES_ID

    @classmethod
    def first(cls, rules: RuleSet, *, source: str) -> RulesInForce:
        return cls(version=rules.version, rules=dict(rules.source), source=source)

    @event("Adopted")
    def __init__(self, *, version: str, rules: dict[str, Any], source: str) -> None:
        self.rules_version = version
        self.adoptions = 1

    def adopt(self, rules: RuleSet, *, source: str) -> bool:
        """Record ``rules`` if they differ from those in force; True when an event was made."""
        if rules.version == self.rules_version:
            return False
        self._adopted(version=rules.version, rules=dict(rules.source), source=source)
        return True

    @event("Replaced")
    def _adopted(self, *, version: str, rules: dict[str, Any], source: str) -> None:
        self.rules_version = version
        self.adoptions += 1


def parse_adopted(rules: Mapping[str, Any]) -> RuleSet:
    """The rule set an ``Adopted`` or ``Replaced`` event carries (its version recomputed, so unforgeable)."""
    return RuleSet.from_mapping(rules)
