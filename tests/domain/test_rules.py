"""The rule set: the shipped defaults, clear errors for a bad file, a version that names it."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from archive.rules import packaged_rules_text
from canonical import canonical_json
from domain.classification import STATUTORY, FloorPolicy
from domain.rules import (
    EARLIER,
    RepaymentConvention,
    RulesError,
    RuleSet,
    RulesInForce,
    parse_adopted,
)
from domain.values import CollectionStepKind, Grade, Role, WarningColour

DEFAULT = packaged_rules_text()


def test_the_shipped_rules_hold_the_defaults_of_the_domain() -> None:
    rules = RuleSet.from_toml(DEFAULT)
    assert rules.reminder_lead_days == 3
    assert rules.inspections.first_follow_up_days_business == 15
    assert rules.inspections.months_other_rating == 1
    assert dict(rules.warning_handling_days) == {
        WarningColour.RED: 3,
        WarningColour.ORANGE: 7,
        WarningColour.YELLOW: 15,
    }
    notice = next(r for r in rules.collection_ladder if r.days == 30)
    assert (notice.step, notice.owner) == (CollectionStepKind.NOTICE_SERVED, Role.ACCOUNT_MANAGER)
    assert rules.borrowing_escalation[0] == (7, Role.BRANCH_HEAD)
    mortgage = rules.requirements_for("Disbursed", {"guarantee_type": "mortgage"})
    assert {r.rule_id for r in mortgage} == {"disbursement.core", "disbursement.mortgage"}
    corporate = rules.requirements_for("Disbursed", {"borrower_type": "corporate"})
    assert {r.rule_id for r in corporate} == {"disbursement.core", "disbursement.corporate"}
    assert (
        "registration_certificate"
        in next(r for r in mortgage if r.rule_id == "disbursement.mortgage").documents
    )
    notice_rules = rules.requirements_for("CollectionStepTaken", {"step": "notice_served"})
    assert [r.documents for r in notice_rules] == [("collection_notice", "collection_receipt")]
    assert rules.requirements_for("CollectionStepTaken", {"step": "phone_call"}) == []
    assert re.fullmatch(r"[0-9a-f]{64}", rules.version)


def test_the_version_follows_the_content_not_its_layout() -> None:
    base = RuleSet.from_toml(DEFAULT)
    reordered = RuleSet.from_toml("# a comment\n\n" + DEFAULT)
    assert reordered.version == base.version
    changed = RuleSet.from_toml(DEFAULT.replace("lead_days = 3", "lead_days = 5"))
    assert changed.reminder_lead_days == 5
    assert changed.version != base.version


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (("lead_days = 3", "lead_days = -1"), "reminders.lead_days"),
        (("lead_days = 3", 'lead_days = "3"'), "reminders.lead_days"),
        (("red = 3", "red = 3.5"), "warnings.handling_days.red"),
        (('step = "notice_served"', 'step = "serenade"'), "collection.ladder[6].step"),
        (('owner = "risk_manager"', 'owner = "janitor"'), "collection.ladder[10].owner"),
        (('"settlement_certificate"]', '"settlement_cert"]'), "requirements[18].documents"),
        (('on = "Settled"', 'on = "Paid"'), "requirements[18].on"),
        (
            ('when = { step = ["lawyers_letter"] }', 'when = { mood = ["x"] }'),
            "requirements[13].when.mood",
        ),
        (
            (
                'registration_certificate = { zh = "抵押登记证明"',
                'registration_certificate = { zh = ""',
            ),
            "types.registration_certificate.zh",
        ),
        (
            ('retention = "D30", custody_tier = 1', 'retention = "D30", custody_tier = 3'),
            "types.registration_certificate.custody_tier",
        ),
        (('retention = "Y" }', 'retention = "forever" }'), "types.writeoff_application.retention"),
        (("[transfers]", "[transfer]"), "transfers"),
        (('id = "extension"', 'id = "restructuring"'), "requirements"),
        (("lead_days = 3\n", "lead_days = 3\nlead_days = 4\n"), "(file)"),
        (("interest_day = 20", "interest_day = 31"), "repayment.interest_day"),
        (
            ("interest_every_months = 3", "interest_every_months = 5"),
            "repayment.interest_every_months",
        ),
        (
            ("instalment_months_retail = 1", "instalment_months_retail = 0"),
            "repayment.instalment_months_retail",
        ),
        (("instalment_months_business = 3", ""), "repayment.instalment_months_business"),
    ],
)
def test_a_bad_rules_file_is_refused_naming_the_key(edit: tuple[str, str], named: str) -> None:
    old, new = edit
    assert old in DEFAULT
    with pytest.raises(RulesError) as refused:
        RuleSet.from_toml(DEFAULT.replace(old, new, 1))
    assert refused.value.context.get("field") == named, refused.value.en
    assert refused.value.zh.startswith("规则文件")
    assert named in refused.value.en


def test_a_collection_ladder_out_of_order_is_refused() -> None:
    text = DEFAULT.replace("{ days = 3, step", "{ days = 300, step", 1)
    with pytest.raises(RulesError, match="ascend"):
        RuleSet.from_toml(text)


def test_adoption_records_a_new_version_only() -> None:
    first = RuleSet.from_toml(DEFAULT)
    record = RulesInForce.first(first, source="archive/rules.toml")
    assert not record.adopt(first, source="archive/rules.toml")
    second = RuleSet.from_toml(DEFAULT.replace("lead_days = 3", "lead_days = 5"))
    assert record.adopt(second, source="var/rules.toml")
    names = [type(e).__name__ for e in record.collect_events()]
    assert names == ["Adopted", "Replaced"]
    assert record.rules_version == second.version


def test_rules_adopted_before_the_repayment_convention_keep_their_version_and_the_defaults() -> (
    None
):
    """A rule set recorded before ``[repayment]`` existed parses to the defaults, and its
    version — the hash of what was recorded — is unchanged (verdicts keep naming it)."""
    shipped = RuleSet.from_toml(DEFAULT)
    older = {k: v for k, v in shipped.source.items() if k != "repayment"}
    parsed = parse_adopted(older)
    assert parsed.version == hashlib.sha256(canonical_json(older).encode()).hexdigest()
    assert parsed.version != shipped.version
    assert parsed.repayment == RepaymentConvention(**EARLIER["repayment"]) == shipped.repayment


MARK = ", responsibility = true, npl_plan = true }"
NOTICE_RUNG = '{ days = 30, step = "notice_served", owner = "account_manager"'
SIXTY_RUNG = '{ days = 60, step = "on_site_investigation", owner = "post_loan_officer"'


def test_responsibility_determination_starts_at_the_rung_the_ladder_marks() -> None:
    assert RuleSet.from_toml(DEFAULT).responsibility_from_days == 30
    moved = DEFAULT.replace(NOTICE_RUNG + MARK, NOTICE_RUNG + " }").replace(
        SIXTY_RUNG + " }", SIXTY_RUNG + ", responsibility = true }"
    )
    assert RuleSet.from_toml(moved).responsibility_from_days == 60
    # A ladder marking none (as rule sets adopted before the mark) starts it at the notice.
    unmarked = DEFAULT.replace(NOTICE_RUNG + MARK, NOTICE_RUNG + " }")
    assert unmarked != DEFAULT
    assert parse_adopted(dict(RuleSet.from_toml(unmarked).source)).responsibility_from_days == 30
    twice = DEFAULT.replace(SIXTY_RUNG + " }", SIXTY_RUNG + ", responsibility = true }")
    with pytest.raises(RulesError, match="at most one rung"):
        RuleSet.from_toml(twice)
    with pytest.raises(RulesError) as not_a_flag:
        RuleSet.from_toml(DEFAULT.replace(MARK, ', responsibility = "yes" }'))
    assert not_a_flag.value.context["field"] == "collection.ladder[6].responsibility"


def test_the_npl_plan_is_owed_from_one_rung_at_most() -> None:
    """Row 003-29: the shipped ladder asks the NPL management plan from its day-30 rung; a
    second rung marked is refused; a ladder marking none (earlier rule sets) asks for none."""
    assert [r.days for r in RuleSet.from_toml(DEFAULT).collection_ladder if r.npl_plan] == [30]
    twice = DEFAULT.replace(SIXTY_RUNG + " }", SIXTY_RUNG + ", npl_plan = true }")
    with pytest.raises(RulesError, match="npl_plan"):
        RuleSet.from_toml(twice)
    unmarked = DEFAULT.replace(MARK, ", responsibility = true }")
    assert not any(r.npl_plan for r in RuleSet.from_toml(unmarked).collection_ladder)


def test_the_lead_units_and_extension_preparation_are_checked() -> None:
    """Rows 004-11, 004-19: the shipped lead units by grade; an unknown grade, a file-by day
    before the preparation opens, and an earlier rule set (none named, nothing asked)."""
    shipped = RuleSet.from_toml(DEFAULT).accountability
    assert shipped.lead_unit(Grade.SPECIAL_MENTION) == "客户部"
    assert shipped.lead_unit(Grade.DOUBTFUL) == "资产经营部"
    assert shipped.with_preservation(Grade.SUBSTANDARD) is True
    assert shipped.with_preservation(Grade.NORMAL) is False
    assert shipped.extension_window(date(2026, 3, 1)) == (date(2026, 1, 30), date(2026, 2, 19))
    with pytest.raises(RulesError) as unknown:
        RuleSet.from_toml(DEFAULT.replace('normal = "客户部"', 'fine = "客户部"'))
    assert unknown.value.context["field"] == "accountability.lead_units.fine"
    with pytest.raises(RulesError) as late:
        RuleSet.from_toml(DEFAULT.replace("extension_file_days = 10", "extension_file_days = 40"))
    assert late.value.context["field"] == "accountability.extension_file_days"
    earlier = {k: v for k, v in RuleSet.from_toml(DEFAULT).source.items() if k != "accountability"}
    none = RuleSet.from_mapping(earlier).accountability
    assert none.lead_unit(Grade.NORMAL) is None
    assert none.with_preservation(Grade.LOSS) is None
    assert none.extension_window(date(2026, 3, 1)) is None


# ------------------------------------------------------------- the statutory floors
@pytest.mark.parametrize(
    ("key", "looser"),
    [
        ("substandard_after_days", 91),
        ("doubtful_after_days", 300),
        ("loss_after_days", 361),
        ("borrower_npl_share", 0.15),
        ("observation_min_periods", 1),
        ("observation_min_days", 364),
        ("npl_upgrade_min_repayments", 1),
    ],
)
def test_a_rules_file_may_not_loosen_a_statutory_floor(key: str, looser: object) -> None:
    """R-CLASS: more days before a floor, a larger share, a shorter observation, fewer
    repayments before an upgrade — each refused, naming its key, in Chinese and English."""
    named = f"classification.floors.{key}"
    text = f"{DEFAULT}\n[classification.floors]\n{key} = {looser}\n"
    with pytest.raises(RulesError) as refused:
        RuleSet.from_toml(text)
    assert refused.value.context.get("field") == named
    assert refused.value.zh.startswith(f"规则文件 {named}")
    assert "宽于监管标准" in refused.value.zh
    assert named in refused.value.en
    assert "looser than the statutory" in refused.value.en


def test_a_rules_file_may_tighten_the_statutory_floors() -> None:
    floors = (
        "[classification.floors]\nsubstandard_after_days = 60\ndoubtful_after_days = 180\n"
        "loss_after_days = 360\nborrower_npl_share = 0.05\nobservation_min_periods = 3\n"
        "observation_min_days = 730\nnpl_upgrade_min_repayments = 3\n"
    )
    policy = RuleSet.from_toml(f"{DEFAULT}\n{floors}").floor_policy
    assert policy == FloorPolicy(
        overdue_thresholds=(
            (0, Grade.SPECIAL_MENTION),
            (60, Grade.SUBSTANDARD),
            (180, Grade.DOUBTFUL),
            (360, Grade.LOSS),
        ),
        borrower_npl_share=Decimal("0.05"),
        observation_min_periods=3,
        observation_min_days=730,
        npl_upgrade_min_repayments=3,
    )
    assert RuleSet.from_toml(DEFAULT).floor_policy == STATUTORY == FloorPolicy()


@pytest.mark.parametrize(
    ("floors", "named"),
    [
        ("grace_days = 5", "classification.floors.grace_days"),
        ("doubtful_after_days = 80", "classification.floors"),
        ("substandard_after_days = 0", "classification.floors"),
        ("borrower_npl_share = -0.01", "classification.floors.borrower_npl_share"),
        ('loss_after_days = "soon"', "classification.floors.loss_after_days"),
    ],
)
def test_floors_that_make_no_sense_are_refused_naming_the_key(floors: str, named: str) -> None:
    with pytest.raises(RulesError) as refused:
        RuleSet.from_toml(f"{DEFAULT}\n[classification.floors]\n{floors}\n")
    assert refused.value.context.get("field") == named, refused.value.en


# ------------------------------------------------------------- values moved from code
@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (('fonds = "J001"', 'fonds = "j-001"'), "reference.fonds"),
        (('department = "XDB"', ""), "reference.department"),
        (
            ('warning_handling = "risk_manager"', 'warning_handling = "janitor"'),
            "tasks.owners.warning_handling",
        ),
        (
            ('retention_review = "archive_head"', 'retention_review = "archive_head"\nlunch = "x"'),
            "tasks.owners.lunch",
        ),
        (("default_days = 0", "default_days = -1"), "borrowing.default_days"),
        (
            ('approvers_originals = ["archive_head"]', "approvers_originals = []"),
            "borrowing.approvers_originals",
        ),
        (
            ('approvers_tier_one = ["branch_head"]', 'approvers_tier_one = ["auditor"]'),
            "borrowing.approvers_tier_one",
        ),
        (
            ('shortfall_escalated_to = "archive_head"', 'shortfall_escalated_to = "branch_head"'),
            "borrowing.shortfall_escalated_to",
        ),
        (
            (
                'business_products = ["corporate_working_capital", "small_business"]',
                'business_products = ["bicycles"]',
            ),
            "inspections.business_products[0]",
        ),
        (
            ('a_ratings = ["A+", "A", "A-", "定性A+", "定性A", "定性A-"]', "a_ratings = [1]"),
            "inspections.a_ratings",
        ),
        (
            (
                'consumer_products = ["consumer", "mortgage"]',
                'consumer_products = ["consumer", "consumer"]',
            ),
            "inspections.consumer_products",
        ),
        (
            ('warning_colours = ["red", "orange"]', 'warning_colours = ["purple"]'),
            "special.warning_colours[0]",
        ),
        (
            ('{ code = "normal_1", grade = "normal"', '{ code = "normal_1", grade = "excellent"'),
            "classification.sub_grades[0].grade",
        ),
        (
            ('{ code = "normal_2", grade', '{ code = "normal_1", grade'),
            "classification.sub_grades[1].code",
        ),
        (("custody_tier = 2\n", "custody_tier = 3\n"), "type_defaults.custody_tier"),
        (
            ('retention = "D10"\ncustody_tier', 'retention = "D5"\ncustody_tier'),
            "type_defaults.retention",
        ),
    ],
)
def test_a_bad_value_of_a_moved_key_is_refused_naming_it(edit: tuple[str, str], named: str) -> None:
    old, new = edit
    assert DEFAULT.count(old) == 1, old
    with pytest.raises(RulesError) as refused:
        RuleSet.from_toml(DEFAULT.replace(old, new))
    assert refused.value.context.get("field") == named, refused.value.en
    assert refused.value.zh.startswith("规则文件")


def _without(source: dict[str, Any], dotted: str) -> None:
    """``source`` without the key ``dotted``, unless a table holding it was dropped before."""
    *parents, name = dotted.split(".")
    node = source
    for parent in parents:
        if parent not in node:
            return
        node = node[parent]
    del node[name]


def _without_later(node: Any, dotted: str) -> Any:
    """``node`` (at ``dotted``) without the keys added after it, themselves in EARLIER."""
    if not isinstance(node, dict):
        return node
    return {
        key: _without_later(value, f"{dotted}.{key}")
        for key, value in node.items()
        if f"{dotted}.{key}" not in EARLIER
    }


def test_a_rule_set_written_before_the_moved_keys_reads_as_the_program_applied_it() -> None:
    """An adoption (or a bank's file) from before these keys existed lacks every one of them:
    it keeps its version — the hash of what it says — and reads with the values the program
    applied then, which are the shipped file's today, so no verdict changes."""
    shipped = RuleSet.from_toml(DEFAULT)
    older: dict[str, Any] = json.loads(canonical_json(dict(shipped.source)))
    for dotted in EARLIER:
        _without(older, dotted)
    assert "classification" not in older
    assert "lead_days" in older["reminders"]
    parsed = parse_adopted(older)
    assert parsed.version == hashlib.sha256(canonical_json(older).encode()).hexdigest()
    assert dict(parsed.source) == older
    for name in (
        "document_types",
        "type_defaults",
        "inspections",
        "special_warning_colours",
        "borrowing",
        "repayment",
        "sub_grades",
        "floor_policy",
        "task_owners",
        "reference",
    ):
        expected = getattr(shipped, name)
        if name == "inspections":  # the grades alone, before the qualitative ratings
            expected = replace(
                expected,
                high_ratings=frozenset({"AAA", "AA+", "AA", "AA-"}),
                a_ratings=frozenset({"A+", "A", "A-"}),
            )
        assert getattr(parsed, name) == expected, name


CHANGED_ON_PURPOSE = frozenset(
    {
        "scope",
        "branches",
        "collection.decision_levels",
        "checklists",
        "classification.determination_required",
        "managers",
        "inspections.countersign_days",
        # The qualitative ratings (定性评级) beside their grades, since.
        "inspections.high_ratings",
        "inspections.a_ratings",
        "classification.review_within_days",
        "warnings.catalogue",
        "warnings.closed_loop",
        "warnings.reporting",
        "warnings.reclassify_colours",
        "warnings.form_on_raising",
        "watch",
        "guarantors",
        "guanhu",
        "customers",
        "supervision",
        "papers",
        "monitoring",
        "zones",
        "portfolio",
        "portfolio.npl_alert",
        "portfolio.overdue_target",
        "calendar",
        # The assistant inspector (辅助检查人), the joint inspection of a major risk matter
        # (会同检查) and the emergency plan (应急预案): nothing asked for them before.
        "managers.assistant_kinds",
        "special.joint_colours",
        "warnings.emergency_plan_colours",
        "accountability",
        "partners",
        "repayment_behaviour",
    }
)
"""Keys added with a new rule rather than moved from code: data scope limits what nothing
limited before (everyone bank-wide, branches without a hierarchy), inspections answer
checklists where they were free text, account managers' rules (no B岗 required, no evaluation
asked for before [managers]), and the reviewer's countersign (复核意见) with the
re-classification it opens, which nothing required before, and the warning catalogue with its
closed loop, reporting routes and the re-classification a red signal opens (free codes, two
steps, nothing reported before), and the closer watch of key, large and third-party-serviced
loans with maturity notices ([watch]), and the guarantors' re-assessment (保证人代偿能力重估),
which no guarantor fell due for before [guarantors], the scoring sheet of supervision checks
([supervision]), which no earlier rule set had, the key customers and their monitoring
([monitoring]), none computed before, the handling form filed with a signal's
raising serving its handling (warnings.form_on_raising), the bank's holiday calendar (weekends
only before [calendar]), the customers' zones (三大区间, [[zones]]), into which nobody was
classified before, the 管户 cap, range and amount tiers ([guanhu]), which nothing limited
before, and the portfolio's amount bands, NPL ceilings and provision rates ([portfolio]), none
of which existed before, nor the alert lines (不良警戒线, 逾期率考核线) added to it later, and
the lead unit by grade and the extension prepared ahead ([accountability]), which nothing named
or asked for before, and the partner institutions' lines and the servicers' communications
([partners]) and the repayment-behaviour thresholds ([repayment_behaviour]), which nothing
flagged or raised before; so the shipped file differs from what an earlier rule set is read
with."""


def test_the_shipped_rules_say_what_earlier_rule_sets_are_read_with() -> None:
    """Values moved from code into rules.toml without changing one: the shipped file holds,
    for every key added, the value the program applied before it — but for the keys of a new
    rule, where the shipped file says the new rule and earlier rule sets what applied then."""
    shipped = RuleSet.from_toml(DEFAULT)
    for dotted, value in EARLIER.items():
        node: Any = shipped.source
        for part in dotted.split("."):
            node = node[part]
        if dotted in CHANGED_ON_PURPOSE:
            assert node != value, dotted
            continue
        assert _without_later(node, dotted) == value, dotted


def test_a_missing_table_stays_an_error_where_a_missing_key_is_filled() -> None:
    """A key added later is filled in a table the rule set has; a whole table that the first
    release required is still refused when missing."""
    without_special = DEFAULT.replace(
        "[special]\nwithin_days = 7\n", "[special_x]\nwithin_days = 7\n"
    )
    with pytest.raises(RulesError) as refused:
        RuleSet.from_toml(without_special)
    assert refused.value.context.get("field") == "special"
