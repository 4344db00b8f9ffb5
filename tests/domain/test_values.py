"""Value objects: amounts of yuan, cited documents, labelled enums, classification floors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.errors import InvalidInputError
from domain.values import CENT, DocumentRef, Grade, Role, money, require_text
from tests.factories import doc


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", "1.00"), ("1.5", "1.50"), ("0.01", "0.01"), (Decimal("1E+3"), "1000.00"), (7, "7.00")],
)
def test_an_amount_is_kept_to_the_cent(value: object, expected: str) -> None:
    amount = money(value, "amount")

    assert amount == Decimal(expected)
    assert amount.as_tuple().exponent == CENT.as_tuple().exponent


@pytest.mark.parametrize("value", ["0.001", "-0.01", "Infinity", "NaN", "abc", "", "1e30"])
def test_a_malformed_or_out_of_range_amount_is_an_input_error(value: str) -> None:
    with pytest.raises(InvalidInputError):
        money(value, "amount")


def test_zero_is_an_amount_but_not_a_positive_one() -> None:
    assert money("0", "amount") == Decimal("0.00")

    with pytest.raises(InvalidInputError):
        money("0", "amount", positive=True)


def test_free_text_is_stripped_and_must_not_be_blank_or_overlong() -> None:
    assert require_text("  理由  ", "reason") == "理由"

    with pytest.raises(InvalidInputError):
        require_text(" \n ", "reason")
    with pytest.raises(InvalidInputError):
        require_text("字" * 11, "reason", max_length=10)


def test_a_document_reference_needs_a_lowercase_sha256() -> None:
    good = doc()

    for sha256 in ("", "0" * 63, "G" * 64, good.sha256.upper()):
        with pytest.raises(InvalidInputError):
            DocumentRef(
                doc_type="loan_contract",
                sha256=sha256,
                size=1,
                media_type="application/pdf",
                filename="c.pdf",
            )


def test_a_document_reference_round_trips_through_a_mapping() -> None:
    ref = doc("valuation_report")

    assert DocumentRef.from_dict(ref.as_dict()) == ref


def test_enum_members_carry_a_chinese_label_and_parse_from_their_value() -> None:
    assert Role.parse("risk_manager", "role") is Role.RISK_MANAGER
    assert Role.RISK_MANAGER.zh == "风险经理"

    with pytest.raises(InvalidInputError) as refused:
        Role.parse("manager", "role")

    assert refused.value.context["field"] == "role"


def test_grades_are_ordered_by_severity_and_the_last_three_are_non_performing() -> None:
    assert [g.value for g in sorted(Grade, key=lambda g: g.severity)] == [
        "normal",
        "special_mention",
        "substandard",
        "doubtful",
        "loss",
    ]
    assert [g for g in Grade if g.is_non_performing] == [
        Grade.SUBSTANDARD,
        Grade.DOUBTFUL,
        Grade.LOSS,
    ]
    assert Grade.NORMAL.is_better_than(Grade.SPECIAL_MENTION)
    assert Grade.worst(Grade.NORMAL, Grade.LOSS, Grade.DOUBTFUL) is Grade.LOSS
