"""Key customers (重点客户, docs/rules.md MON-01, MON-04): who is key on a day, which unit leads
a group or large customer's on-site inspection, and a ``[monitoring]`` table refused when it
is malformed."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import pytest

from domain.errors import InvalidInputError
from domain.monitoring import Basis, Exposure, check_lead_unit, key_customers, parse_monitoring
from domain.rules import RulesError, _fail, _hierarchy

BANK = _hierarchy(
    [
        {"name": "总行", "code": "000", "level": "head_office"},
        {"name": "浙江省分行", "code": "100", "level": "branch", "parent": "总行"},
        {"name": "杭州支行", "code": "110", "level": "sub_branch", "parent": "浙江省分行"},
        {"name": "直属支行", "code": "010", "level": "sub_branch", "parent": "总行"},
    ]
)
RULES = parse_monitoring(
    {
        "top_customers": 2,
        "large_balance": "300000000",
        "group_customers": True,
        "lead_levels": ["head_office", "branch"],
    },
    _fail,
)
AM = UUID(int=1)


def exposure(borrower: str, balance: str, branch: str = "杭州支行", loan: str = "") -> Exposure:
    return Exposure(borrower, f"{borrower}公司", branch, Decimal(balance), (AM,), loan or borrower)


def test_the_top_n_group_and_large_customers_are_key_and_the_rest_are_not() -> None:
    found = key_customers(
        [
            exposure("A", "200000000", loan="A1"),
            exposure("A", "150000000", loan="A2"),  # 3.5亿 across two loans
            exposure("B", "90000000"),
            exposure("C", "80000000", branch="直属支行"),
            exposure("D", "10000000"),
            exposure("E", "0"),  # repaid: no balance, never key
        ],
        {"D": "某集团", "E": "某集团"},
        RULES,
        BANK,
    )
    assert [(c.borrower_id, c.rank, c.bases, c.lead_unit) for c in found] == [
        ("A", 1, (Basis.TOP, Basis.LARGE), "浙江省分行"),
        ("B", 2, (Basis.TOP,), None),
        ("D", 4, (Basis.GROUP,), "浙江省分行"),
    ]
    assert found[0].balance == Decimal("350000000")
    assert (found[0].loan_no, found[0].loans) == ("A1", 2), "its largest loan"


def test_the_nearest_unit_of_a_lead_level_leads() -> None:
    assert RULES.lead_unit("杭州支行", BANK) == "浙江省分行"
    assert RULES.lead_unit("直属支行", BANK) == "总行"
    head_only = parse_monitoring({"large_balance": "1", "lead_levels": ["head_office"]}, _fail)
    assert head_only.lead_unit("杭州支行", BANK) == "总行"


def test_a_lead_unit_must_be_of_a_lead_level_above_the_loan_and_the_leaders_own() -> None:
    ok = check_lead_unit(
        "浙江省分行",
        leader_branch="浙江省分行",
        loan_branch="杭州支行",
        rules=RULES,
        hierarchy=BANK,
    )
    assert ok == "浙江省分行"
    for unit, leader, field in (
        ("杭州支行", "杭州支行", "lead_unit"),  # a sub-branch leads nothing
        ("浙江省分行", "总行", "led_by_no"),  # the leader is not of the lead unit
    ):
        with pytest.raises(InvalidInputError) as refused:
            check_lead_unit(
                unit, leader_branch=leader, loan_branch="杭州支行", rules=RULES, hierarchy=BANK
            )
        assert refused.value.context["field"] == field
    with pytest.raises(InvalidInputError):  # not above the loan's unit
        check_lead_unit(
            "浙江省分行",
            leader_branch="浙江省分行",
            loan_branch="直属支行",
            rules=RULES,
            hierarchy=BANK,
        )


@pytest.mark.parametrize(
    ("table", "path"),
    [
        ({"top_n": 50}, "monitoring.top_n"),
        ({"top_customers": 0}, "monitoring.top_customers"),
        ({"large_balance": 300000000}, "monitoring.large_balance"),
        ({"large_balance": "-1", "lead_levels": ["head_office"]}, "monitoring.large_balance"),
        ({"group_customers": "yes"}, "monitoring.group_customers"),
        ({"lead_levels": ["province"]}, "monitoring.lead_levels"),
        ({"group_customers": True}, "monitoring.lead_levels"),  # who leads?
        ({"flag_verify_days": 0}, "monitoring.flag_verify_days"),
    ],
)
def test_a_malformed_monitoring_table_is_refused_naming_its_key(
    table: dict[str, object], path: str
) -> None:
    with pytest.raises(RulesError) as refused:
        parse_monitoring(table, _fail)
    assert refused.value.context["field"] == path
