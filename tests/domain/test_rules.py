"""The rule set: the shipped defaults, clear errors for a bad file, a version that names it."""

from __future__ import annotations

import hashlib
import re

import pytest

from archive.rules import packaged_rules_text
from canonical import canonical_json
from domain.rules import (
    RepaymentConvention,
    RulesError,
    RuleSet,
    RulesInForce,
    parse_adopted,
)
from domain.values import CollectionStepKind, Role, WarningColour

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
        (('step = "notice_served"', 'step = "serenade"'), "collection.ladder[5].step"),
        (('owner = "risk_manager"', 'owner = "janitor"'), "collection.ladder[8].owner"),
        (('"settlement_certificate"]', '"settlement_cert"]'), "requirements[16].documents"),
        (('on = "Settled"', 'on = "Paid"'), "requirements[16].on"),
        (
            ('when = { step = ["lawyers_letter"] }', 'when = { mood = ["x"] }'),
            "requirements[11].when.mood",
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
    assert parsed.repayment == RepaymentConvention() == shipped.repayment


MARK = ", responsibility = true }"
NOTICE_RUNG = '{ days = 30, step = "notice_served", owner = "account_manager"'
SIXTY_RUNG = '{ days = 60, step = "on_site_investigation", owner = "post_loan_officer"'


def test_responsibility_determination_starts_at_the_rung_the_ladder_marks() -> None:
    assert RuleSet.from_toml(DEFAULT).responsibility_from_days == 30
    moved = DEFAULT.replace(NOTICE_RUNG + MARK, NOTICE_RUNG + " }").replace(
        SIXTY_RUNG + " }", SIXTY_RUNG + MARK
    )
    assert RuleSet.from_toml(moved).responsibility_from_days == 60
    # A ladder marking none (as rule sets adopted before the mark) starts it at the notice.
    unmarked = DEFAULT.replace(NOTICE_RUNG + MARK, NOTICE_RUNG + " }")
    assert unmarked != DEFAULT
    assert parse_adopted(dict(RuleSet.from_toml(unmarked).source)).responsibility_from_days == 30
    twice = DEFAULT.replace(SIXTY_RUNG + " }", SIXTY_RUNG + MARK)
    with pytest.raises(RulesError, match="at most one rung"):
        RuleSet.from_toml(twice)
    with pytest.raises(RulesError) as not_a_flag:
        RuleSet.from_toml(DEFAULT.replace(MARK, ', responsibility = "yes" }'))
    assert not_a_flag.value.context["field"] == "collection.ladder[5].responsibility"
