"""Free text without control characters, exports that escape them, worksheet titles."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.text import (
    LINE_PATTERN,
    TEXT_PATTERN,
    escape_controls,
    forbidden_character,
    sheet_title,
)

CONTROLS = [chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))]
NOT_XML = ["\ud800", "\udfff", "\ufffe", "\uffff"]


@pytest.mark.parametrize("character", CONTROLS + NOT_XML, ids=lambda c: f"U+{ord(c):04X}")
def test_a_line_refuses_every_control_character(character: str) -> None:
    assert forbidden_character(f"借款{character}人") == (2, character)


@pytest.mark.parametrize("character", ["\t", "\n", "\r"], ids=["tab", "lf", "cr"])
def test_multi_line_text_keeps_its_layout(character: str) -> None:
    assert forbidden_character(f"一{character}二", multiline=True) is None
    assert forbidden_character(f"一{character}二") == (1, character)


@pytest.mark.parametrize(
    "character",
    [c for c in CONTROLS if c not in "\t\n\r"] + NOT_XML,
    ids=lambda c: f"U+{ord(c):04X}",
)
def test_multi_line_text_refuses_the_other_control_characters(character: str) -> None:
    assert forbidden_character(f"一{character}", multiline=True) == (1, character)


def test_ordinary_text_of_every_script_passes() -> None:
    for text in (
        "杭州示例机械制造有限公司",
        "Müller & Söhne GmbH",
        "a<b>&'\"",
        "😀 emoji",
        "\u200b",
    ):
        assert forbidden_character(text) is None


@given(st.text())
def test_the_documented_patterns_say_what_the_check_does(text: str) -> None:
    """The OpenAPI shows the rule as JSON Schema patterns: they accept exactly what passes."""
    assert (re.fullmatch(LINE_PATTERN[1:-1], text) is not None) == (
        forbidden_character(text) is None
    )
    assert (re.fullmatch(TEXT_PATTERN[1:-1], text) is not None) == (
        forbidden_character(text, multiline=True) is None
    )


def test_an_export_escapes_what_an_earlier_release_let_in() -> None:
    assert escape_controls("响铃\x07与空字符\x00") == "响铃\\u0007与空字符\\u0000"
    assert escape_controls("半个代理对\ud800") == "半个代理对\\ud800"
    assert escape_controls("第一行\n第二行\t缩进") == "第一行\n第二行\t缩进"


@given(st.text())
def test_escaped_text_is_always_fit_for_an_export(text: str) -> None:
    assert forbidden_character(escape_controls(text), multiline=True) is None


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("押品/权证台账", "押品 权证台账"),
        ("a\\b?c*d[e]f:g", "a b c d e f g"),
        ("'引号'", "引号"),
        ("", "Sheet"),
        ("///", "Sheet"),
        ("x" * 40, "x" * 31),
        ("响铃\x07台账", "响铃台账"),
    ],
)
def test_a_sheet_title_is_one_excel_accepts(title: str, expected: str) -> None:
    assert sheet_title(title) == expected


@given(st.text())
def test_every_sheet_title_is_valid(text: str) -> None:
    from openpyxl import Workbook

    title = sheet_title(text)
    Workbook().active.title = title  # type: ignore[union-attr]  # raises on an invalid title
    assert 1 <= len(title) <= 31
