"""The customer file's pure rules (docs/rules.md CSF-04 to CSF-06, CSF-08): the rhythm's windows,
the failures that make a customer 失联, and ``[customers]`` as a rule set reads it."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from domain.customer import EARLIER_CUSTOMERS, Customer, OperatingRhythm, parse_customers
from domain.errors import InvalidInputError, InvalidTransitionError
from domain.scope import Level
from domain.values import Actor, ContactChannel, ContactPurpose, Role

MANAGER = Actor(uuid4(), Role.ACCOUNT_MANAGER)
HEAD = Actor(uuid4(), Role.BRANCH_HEAD)


class Refused(Exception):
    pass


def fail(path: str, zh: str, en: str) -> Exception:
    return Refused(path, zh, en)


def test_a_window_is_clamped_to_the_month_and_the_next_one_found_across_the_year() -> None:
    rhythm = OperatingRhythm((2, 11), 25, 31, None, "冬储、春节前销售")
    assert rhythm.window_in(2025, 2) == (date(2025, 2, 25), date(2025, 2, 28))
    assert rhythm.window_in(2024, 2) == (date(2024, 2, 25), date(2024, 2, 29))
    assert rhythm.window_in(2025, 3) is None
    latest, following = rhythm.windows_around(date(2025, 12, 1))
    assert latest == (date(2025, 11, 25), date(2025, 11, 30))
    assert following == (date(2026, 2, 25), date(2026, 2, 28))
    assert OperatingRhythm.decode(rhythm.encode()) == rhythm


def attempt(customer: Customer, on: date, reached: bool, after: int | None = 3) -> None:
    customer.record_attempt(
        attempted_on=on,
        channel=ContactChannel.PHONE,
        purpose=ContactPurpose.COLLECTION,
        contact="13800000000",
        reached=reached,
        note="催收电话",
        unreachable_after=after,
        actor=MANAGER,
    )


def test_failures_in_a_row_mark_it_unreachable_and_a_success_between_starts_again() -> None:
    customer = Customer.open("C-1", "李大山")
    attempt(customer, date(2025, 4, 1), False)
    attempt(customer, date(2025, 4, 2), False)
    attempt(customer, date(2025, 4, 3), True)
    attempt(customer, date(2025, 4, 4), False)
    attempt(customer, date(2025, 4, 5), False)
    assert customer.unreachable_since is None
    attempt(customer, date(2025, 4, 6), False)
    assert customer.unreachable_since == date(2025, 4, 6)
    with pytest.raises(InvalidTransitionError):
        attempt(customer, date(2025, 4, 7), True)
    with pytest.raises(InvalidInputError):
        attempt(customer, date(2025, 4, 1), False)  # before the last attempt
    customer.verify_contact(
        verified_on=date(2025, 4, 9),
        learned_on=date(2025, 4, 8),
        phone="13900000000",
        address=None,
        note="核实为本人",
        actor=MANAGER,
    )
    assert customer.unreachable_since is None
    assert customer.failures_in_a_row == []


def test_no_rule_marks_nobody_unreachable() -> None:
    customer = Customer.open("C-2", "王二")
    for day in range(1, 8):
        attempt(customer, date(2025, 4, day), False, after=None)
    assert customer.unreachable_since is None


def test_the_managing_bank_at_the_tiers_level_above_the_loans() -> None:
    customer = Customer.open("C-3", "示例公司")
    booked = [("总行", "城东支行")]
    common = {"tier": "大户", "booked_at": booked, "set_on": date(2025, 3, 1), "reason": "分层"}
    with pytest.raises(InvalidInputError, match="总行级"):
        customer.set_managing_branch(
            branch="城东支行", level=Level.SUB_BRANCH, required=Level.HEAD_OFFICE,
            actor=HEAD, **common,
        )  # fmt: skip
    with pytest.raises(InvalidInputError, match="经营行"):
        customer.set_managing_branch(
            branch="城西支行", level=Level.SUB_BRANCH, required=None, actor=HEAD, **common
        )
    customer.set_managing_branch(
        branch="总行", level=Level.HEAD_OFFICE, required=Level.HEAD_OFFICE, actor=HEAD, **common
    )
    assert (customer.managing_branch, customer.managing_level) == ("总行", Level.HEAD_OFFICE)


def test_customers_rules_are_read_and_refused_by_key() -> None:
    tiers = ["large", "small"]
    read = parse_customers(
        {"managing_levels": {"large": "head_office"}, "unreachable_after_failures": 3}, fail, tiers
    )
    assert (read.managing_levels["large"], read.unreachable_after_failures) == (
        Level.HEAD_OFFICE,
        3,
    )
    assert parse_customers(dict(EARLIER_CUSTOMERS), fail, tiers).managing_levels == {}
    for bad in (
        {"managing_levels": {"huge": "head_office"}},
        {"managing_levels": {"large": "galaxy"}},
        {"unreachable_after_failures": 0},
        {"unreachable_after_failures": True},
        {"other": 1},
    ):
        with pytest.raises(Refused):
            parse_customers(bad, fail, tiers)
