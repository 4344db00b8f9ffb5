"""完整性台账: what each loan event must file, under the rules in force, and whether it was filed.

A working-capital loan is disbursed on 10 January 2025 with six of the seven documents the rule
``disbursement.core`` asks for: the drawdown receipt (借据) is missing, and the register shows
exactly that gap, naming the rule and the version of the rules. Filed later as a supplement, it
closes the gap — late, and the register keeps the days. As the register stood before the
supplement, the gap is still there. A mortgage loan without its registration certificate owes
it within 30 days. A loan 30 days overdue whose collection notice was served without the signed
receipt (回执) lacks the key evidence that interrupts the limitation period. When the rules are
replaced between two disbursements, each loan's requirements name the rules they were judged by.
Every scenario ends with a rebuild of the register from the log that equals the live copy.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from archive.core import CommandContext
from archive.rules import packaged_rules_text
from domain.dossier import Dossier
from domain.rules import RuleSet
from domain.values import (
    CollectionStepKind,
    GuaranteeType,
    InspectionKind,
    WarningColour,
    loan_id_for,
)
from projections.export import headers
from projections.query import AsOf, select_all
from projections.registers.filing.completeness.queries import overdue_gaps
from projections.registers.filing.completeness.register import CompletenessRegister
from projections.registers.filing.completeness.tables import GAPS
from projections.rules_state import shipped_rules
from tests import steps
from tests.factories import VALUE_DATE, make_disbursement, make_upload
from tests.projections.conftest import Registers, caught_up

NAME = "completeness"
BANK = ZoneInfo("Asia/Shanghai")
CORE = (
    "loan_application",
    "investigation_report",
    "review_report",
    "approval",
    "rating_form",
    "loan_contract",
    "drawdown_receipt",
)


def _uploads(*doc_types: str) -> list[Any]:
    return [make_upload(doc_type, f"{doc_type} 归档材料") for doc_type in doc_types]


def _without(*doc_types: str) -> tuple[str, ...]:
    return tuple(d for d in CORE if d not in doc_types)


def _of(registers: Registers, table: str, loan_no: str, **point: Any) -> list[dict[str, Any]]:
    rows = registers.as_of(NAME, table, **point) if point else registers.rows(NAME, table)
    return [r for r in rows if r["loan_no"] == loan_no]


def _summary(registers: Registers, loan_no: str, **point: Any) -> tuple[Any, ...]:
    (row,) = _of(registers, "summary", loan_no, **point)
    return (row["required"], row["filed"], row["late"], row["missing"], row["complete"])


def _recorded_on(registers: Registers, loan_no: str) -> date:
    """The day (in the bank's zone) the dossier's last event was recorded."""
    dossier = registers.app.repository.get(Dossier.create_id(loan_id_for(loan_no)))
    found: date = dossier.modified_on.astimezone(BANK).date()
    return found


def _rebuilt_equals_live(registers: Registers) -> None:
    live = registers.snapshot(NAME)
    assert any(live.values())
    registers.follower.rebuild([NAME])
    assert registers.snapshot(NAME) == live


def test_a_disbursement_without_its_drawdown_receipt_shows_that_gap_until_filed_late(
    registers: Registers, staff: dict[str, CommandContext]
) -> None:
    app, am = registers.app, staff["account_manager"]
    loan_no = "JJ2025011000701"
    before_disbursement = app.recorder.max_notification_id()
    app.execute(
        am,
        make_disbursement(loan_no, guarantee_type=GuaranteeType.CREDIT),
        _uploads(*_without("drawdown_receipt")),
    )
    registers.catch_up()
    disbursed_at = before_disbursement + 1  # the loan's event comes first in its save

    (gap,) = _of(registers, "gaps", loan_no)
    assert gap == {
        "loan_id": loan_id_for(loan_no),
        "loan_no": loan_no,
        "borrower_name": "上海示例贸易有限公司",
        "branch": "营业部",
        "dossier_id": Dossier.create_id(loan_id_for(loan_no)),
        "stage": "disbursement",
        "trigger": "Disbursed",
        "trigger_position": disbursed_at,
        "rule_id": "disbursement.core",
        "rule_text": "放款：借款申请书、调查报告、审批书、借款合同、借据",
        "rules_version": shipped_rules().version,
        "doc_type": "drawdown_receipt",
        "doc_type_zh": "借据",
        "required_since": VALUE_DATE,
        "due_on": VALUE_DATE,
        "status": "missing",
    }
    required = {r["doc_type"]: r for r in _of(registers, "requirements", loan_no)}
    assert set(required) == set(CORE)  # a credit loan: no guarantee or security documents
    for doc_type in _without("drawdown_receipt"):
        filed = required[doc_type]
        # Filed with the disbursement itself: dated by its value date, on time.
        assert (filed["status"], filed["filed_on"], filed["days_late"]) == (
            "filed",
            VALUE_DATE,
            0,
        )
        assert disbursed_at < filed["filed_position"] <= disbursed_at + 8
    assert required["drawdown_receipt"]["filed_on"] is None
    assert _summary(registers, loan_no) == (7, 6, 0, 1, False)

    # The receipt is filed as a supplement (补充归档), long after its due date.
    before_supplement = app.recorder.max_notification_id()
    supplement = app.file_supplement(
        am, loan_no, stage="disbursement", uploads=_uploads("drawdown_receipt")
    )
    registers.catch_up()
    filed_on = _recorded_on(registers, loan_no)
    assert _of(registers, "gaps", loan_no) == []
    receipt = next(
        r for r in _of(registers, "requirements", loan_no) if r["doc_type"] == "drawdown_receipt"
    )
    assert (
        receipt["status"],
        receipt["filed_on"],
        receipt["filed_position"],
        receipt["days_late"],
        receipt["rules_version"],
    ) == (
        "filed_late",
        filed_on,
        supplement.position,
        (filed_on - VALUE_DATE).days,
        shipped_rules().version,
    )
    assert receipt["days_late"] > 0
    assert _summary(registers, loan_no) == (7, 7, 1, 0, True)

    # As the register stood before the supplement, the gap was there, and overdue.
    then = {"position": before_supplement}
    (old_gap,) = _of(registers, "gaps", loan_no, **then)
    assert (old_gap["doc_type"], old_gap["rule_id"]) == ("drawdown_receipt", "disbursement.core")
    assert _summary(registers, loan_no, **then) == (7, 6, 0, 1, False)
    projection = registers.register(NAME)
    (late,) = overdue_gaps(
        registers.store, projection, on=date(2025, 2, 1), as_of=AsOf(position=before_supplement)
    )
    assert (late["doc_type"], late["days_past_due"]) == ("drawdown_receipt", 22)
    assert overdue_gaps(registers.store, projection, on=date(2025, 2, 1)) == []

    # A second receipt is an extra: nothing asks for it, nothing changes.
    app.file_supplement(am, loan_no, stage="disbursement", uploads=_uploads("drawdown_receipt"))
    registers.catch_up()
    assert _summary(registers, loan_no) == (7, 7, 1, 0, True)

    assert headers(GAPS.exported())[:4] == ["借据号", "借款人", "机构", "阶段"]
    _rebuilt_equals_live(registers)


def test_a_mortgage_loan_owes_its_registration_certificate_within_30_days(
    registers: Registers, staff: dict[str, CommandContext]
) -> None:
    app, am = registers.app, staff["account_manager"]
    loan_no = "JJ2025011000702"
    value_date = app.today() - timedelta(days=10)
    app.execute(
        am,
        make_disbursement(
            loan_no,
            guarantee_type=GuaranteeType.MORTGAGE,
            value_date=value_date,
            maturity_date=value_date + timedelta(days=365),
        ),
        _uploads(*CORE, "mortgage_contract", "valuation_report", "insurance_policy"),
    )
    registers.catch_up()

    (gap,) = _of(registers, "gaps", loan_no)
    assert (
        gap["rule_id"],
        gap["doc_type"],
        gap["doc_type_zh"],
        gap["required_since"],
        gap["due_on"],
    ) == (
        "disbursement.mortgage",
        "registration_certificate",
        "抵押登记证明",
        value_date,
        value_date + timedelta(days=30),
    )
    assert _summary(registers, loan_no) == (11, 10, 0, 1, False)
    # Not due yet: no overdue gap today.
    assert overdue_gaps(registers.store, registers.register(NAME), on=app.today()) == []

    # Registered within the 30 days: filed on time.
    app.file_supplement(
        am, loan_no, stage="disbursement", uploads=_uploads("registration_certificate")
    )
    registers.catch_up()
    certificate = next(
        r
        for r in _of(registers, "requirements", loan_no)
        if r["doc_type"] == "registration_certificate"
    )
    assert (certificate["status"], certificate["filed_on"], certificate["days_late"]) == (
        "filed",
        _recorded_on(registers, loan_no),
        0,
    )
    assert _summary(registers, loan_no) == (11, 11, 0, 0, True)
    _rebuilt_equals_live(registers)


def test_a_collection_notice_served_without_its_receipt_is_a_completeness_gap(
    registers: Registers, staff: dict[str, CommandContext]
) -> None:
    app, am, plo = registers.app, staff["account_manager"], staff["post_loan_officer"]
    loan_no = "JJ2025011000703"
    app.execute(
        am, make_disbursement(loan_no, guarantee_type=GuaranteeType.CREDIT), _uploads(*CORE)
    )
    steps.overdue(app, plo, loan_no, date(2025, 3, 1), 30)
    steps.collect(
        app,
        am,
        loan_no,
        CollectionStepKind.PHONE_CALL,
        date(2025, 3, 1),
        30,
        "借款人承诺月底前还款",
        promised_date=date(2025, 3, 31),
    )
    steps.collect(
        app,
        plo,
        loan_no,
        CollectionStepKind.NOTICE_SERVED,
        date(2025, 3, 3),
        32,
        "通知书已送达，回执未收回",
        uploads=_uploads("collection_notice"),
    )
    registers.catch_up()

    (gap,) = _of(registers, "gaps", loan_no)
    assert (
        gap["stage"],
        gap["trigger"],
        gap["rule_id"],
        gap["doc_type"],
        gap["doc_type_zh"],
        gap["required_since"],
        gap["due_on"],
    ) == (
        "collection",
        "CollectionStepTaken",
        "collection.notice",
        "collection_receipt",
        "催收通知书回执",
        date(2025, 3, 3),
        date(2025, 3, 3),
    )
    notice = next(
        r for r in _of(registers, "requirements", loan_no) if r["doc_type"] == "collection_notice"
    )
    assert (notice["status"], notice["filed_on"]) == ("filed", date(2025, 3, 3))
    # The phone call requires nothing; the disbursement's seven are all there.
    assert _summary(registers, loan_no) == (9, 8, 0, 1, False)

    # The receipt comes back with the on-site investigation at 60 days: dated by that step.
    steps.overdue(app, plo, loan_no, date(2025, 3, 31), 60, "50000.00", "6000.00")
    steps.collect(
        app,
        plo,
        loan_no,
        CollectionStepKind.ON_SITE_INVESTIGATION,
        date(2025, 4, 1),
        61,
        "现场调查，收回催收通知书回执",
        uploads=_uploads("collection_receipt"),
    )
    registers.catch_up()
    assert _of(registers, "gaps", loan_no) == []
    receipt = next(
        r for r in _of(registers, "requirements", loan_no) if r["doc_type"] == "collection_receipt"
    )
    assert (receipt["status"], receipt["filed_on"], receipt["days_late"]) == (
        "filed_late",
        date(2025, 4, 1),
        29,
    )
    assert _summary(registers, loan_no) == (9, 9, 1, 0, True)
    _rebuilt_equals_live(registers)


def test_documents_brought_by_other_events_are_dated_by_those_events(
    registers: Registers, staff: dict[str, CommandContext]
) -> None:
    """The certificate comes with the collateral's registration on 20 February, eleven days
    after its due date; the classification form with the proposal (初分), before the approval
    that requires it; an orange signal's form with its second handling, a week late — while a
    red signal's form, filed with its handling in between, is the red signal's."""
    app = registers.app
    am, plo, rm = staff["account_manager"], staff["post_loan_officer"], staff["risk_manager"]
    loan_no = "JJ2025011000707"
    app.execute(
        am,
        make_disbursement(loan_no, guarantee_type=GuaranteeType.MORTGAGE),
        _uploads(*CORE, "mortgage_contract", "insurance_policy"),
    )
    steps.register_collateral(
        app,
        am,
        loan_no,
        _uploads("valuation_report", "registration_certificate"),
        collateral_no="YP2025-0707",
        description="上海市浦东新区示例路1号",
        appraised_on=date(2025, 1, 5),
        registration_no="沪(2025)浦东不动产证明第0707号",
        registered_on=date(2025, 2, 20),
    )
    steps.overdue(app, plo, loan_no, date(2025, 3, 1), 20)
    proposed = steps.propose_special_mention(app, am, loan_no, date(2025, 3, 1), "本金逾期 20 天")
    approved = steps.approve(app, rm, loan_no, proposed, "同意下调为关注类")
    raised = steps.raise_warning(app, plo, loan_no, date(2025, 3, 3))
    signal_id = UUID(raised.ids["signal_id"])
    steps.handle_warning(app, rm, loan_no, signal_id, date(2025, 3, 5), "约谈实际控制人")
    # A red signal handled with its form: the form is the red signal's, not the orange one's.
    red = steps.raise_warning(
        app,
        plo,
        loan_no,
        date(2025, 3, 6),
        "借款人涉诉",
        colour=WarningColour.RED,
        code="GUA-04",
    )
    steps.handle_warning(
        app,
        rm,
        loan_no,
        UUID(red.ids["signal_id"]),
        date(2025, 3, 7),
        "查封抵押物",
        uploads=_uploads("warning_form"),
    )
    registers.catch_up()
    (gap,) = _of(registers, "gaps", loan_no)
    assert (gap["doc_type"], gap["required_since"]) == ("warning_form", date(2025, 3, 5))
    steps.handle_warning(
        app,
        rm,
        loan_no,
        signal_id,
        date(2025, 3, 12),
        "追加保证人",
        uploads=_uploads("warning_form"),
    )
    registers.catch_up()

    required = {r["doc_type"]: r for r in _of(registers, "requirements", loan_no)}
    for doc_type in ("valuation_report", "registration_certificate"):
        assert (
            required[doc_type]["status"],
            required[doc_type]["due_on"],
            required[doc_type]["filed_on"],
            required[doc_type]["days_late"],
        ) == ("filed_late", date(2025, 2, 9), date(2025, 2, 20), 11)
    form = required["classification_form"]
    assert (form["rule_id"], form["status"], form["filed_on"], form["days_late"]) == (
        "classification.form",
        "filed",
        date(2025, 3, 1),
        0,
    )
    assert form["filed_position"] == proposed.position < form["trigger_position"]
    assert form["trigger_position"] <= approved.position
    handling = [r for r in _of(registers, "requirements", loan_no) if r["stage"] == "warning"]
    assert [(r["doc_type"], r["status"], r["filed_on"], r["days_late"]) for r in handling] == [
        ("warning_form", "filed_late", date(2025, 3, 12), 7),  # orange: one form, a week late
        ("warning_form", "filed", date(2025, 3, 7), 0),  # red
    ]
    assert _summary(registers, loan_no) == (14, 14, 3, 0, True)
    _rebuilt_equals_live(registers)


def _modified_rules() -> RuleSet:
    """The shipped rules with the disbursement's documents due in 5 days, rating form dropped."""
    text = packaged_rules_text()
    for rule in (
        'id = "disbursement.core"\non = "Disbursed"\n',
        'id = "disbursement.corporate"\non = "Disbursed"\n',
    ):
        assert rule in text
        text = text.replace(rule, rule + "within_days = 5\n")
    assert 'documents = ["review_report", "rating_form"]' in text
    text = text.replace(
        'documents = ["review_report", "rating_form"]', 'documents = ["review_report"]'
    )
    return RuleSet.from_toml(text)


def test_requirements_name_the_rules_in_force_when_their_event_was_recorded(
    registers: Registers, staff: dict[str, CommandContext]
) -> None:
    app, am = registers.app, staff["account_manager"]
    shipped, modified = shipped_rules(), _modified_rules()
    assert shipped.version != modified.version
    assert app.adopt_rules(shipped, source="archive/rules.toml")  # Adopted: version A
    first, second = "JJ2025011000704", "JJ2025011000705"
    uploads = _without("drawdown_receipt")
    app.execute(
        am, make_disbursement(first, guarantee_type=GuaranteeType.CREDIT), _uploads(*uploads)
    )
    before_replacement = app.recorder.max_notification_id()
    assert app.adopt_rules(modified, source="rules.toml: 放款资料 5 日内归档")  # Replaced: B
    app.execute(
        am, make_disbursement(second, guarantee_type=GuaranteeType.CREDIT), _uploads(*uploads)
    )
    registers.catch_up()

    old = _of(registers, "requirements", first)
    assert {r["rules_version"] for r in old} == {shipped.version}
    assert {r["doc_type"] for r in old} == set(CORE)
    assert {r["due_on"] for r in old} == {VALUE_DATE}
    new = _of(registers, "requirements", second)
    assert {r["rules_version"] for r in new} == {modified.version}
    assert {r["doc_type"] for r in new} == set(CORE) - {"rating_form"}
    assert {r["due_on"] for r in new} == {VALUE_DATE + timedelta(days=5)}
    (gap,) = _of(registers, "gaps", second)
    assert (gap["doc_type"], gap["rules_version"], gap["due_on"]) == (
        "drawdown_receipt",
        modified.version,
        VALUE_DATE + timedelta(days=5),
    )
    # The rating form the second loan brought is no longer required: an extra, not counted.
    assert _summary(registers, second) == (6, 5, 0, 1, False)
    assert _summary(registers, first) == (7, 6, 0, 1, False)
    (rules,) = registers.rows(NAME, "rules_in_force")
    assert rules["version"] == modified.version
    (then,) = registers.as_of(NAME, "rules_in_force", position=before_replacement)
    assert then["version"] == shipped.version

    # The first loan's supplement, filed under version B, closes a requirement of version A.
    app.file_supplement(am, first, stage="disbursement", uploads=_uploads("drawdown_receipt"))
    registers.catch_up()
    receipt = next(
        r for r in _of(registers, "requirements", first) if r["doc_type"] == "drawdown_receipt"
    )
    assert (receipt["status"], receipt["rules_version"]) == ("filed_late", shipped.version)
    _rebuilt_equals_live(registers)


def test_what_an_event_requires_depends_on_its_own_facts_and_on_the_signal_colour(
    registers: Registers, staff: dict[str, CommandContext], tmp_path: Path
) -> None:
    """With default rules that ask a handling form only of red and orange signals, a yellow
    signal handled without one leaves no gap; an on-site inspection owes its photos."""
    app = registers.app
    am, rm = staff["account_manager"], staff["risk_manager"]
    text = packaged_rules_text()
    warning = 'id = "warning.form"\non = "WarningHandled"\n'
    assert warning in text
    rules = RuleSet.from_toml(
        text.replace(warning, warning + 'when = { colour = ["red", "orange"] }\n')
    )
    loan_no = "JJ2025011000706"
    app.execute(
        am, make_disbursement(loan_no, guarantee_type=GuaranteeType.CREDIT), _uploads(*CORE)
    )
    signals: dict[WarningColour, UUID] = {}
    for colour, code in (
        (WarningColour.YELLOW, "GUA-06"),
        (WarningColour.RED, "GUA-04"),
    ):
        raised = steps.raise_warning(
            app, am, loan_no, date(2025, 3, 3), code, colour=colour, code=code
        )
        signals[colour] = UUID(raised.ids["signal_id"])
        steps.handle_warning(app, rm, loan_no, signals[colour], date(2025, 3, 5), "约谈实际控制人")
    steps.inspect(
        app,
        am,
        loan_no,
        InspectionKind.ON_SITE,
        date(2025, 3, 10),
        "现场检查，经营正常",
        uploads=_uploads("inspection_report"),
        countersigned=True,
    )

    register = CompletenessRegister(default_rules=rules)
    with caught_up(app, tmp_path / "own", register) as store:
        gaps = select_all(store, register, "gaps")
    assert sorted((g["rule_id"], g["doc_type"], g["required_since"]) for g in gaps) == [
        ("inspection.on_site_photos", "site_photo", date(2025, 3, 10)),
        ("warning.form", "warning_form", date(2025, 3, 5)),
    ]
    assert {g["rules_version"] for g in gaps} == {rules.version}
