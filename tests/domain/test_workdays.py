"""The bank's calendar (工作日历): holidays skipped, make-up working days counted, bad data refused
(docs/rules.md CUS-02)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from archive.rules import packaged_rules_text
from canonical import canonical_json
from domain.rules import RulesError, RuleSet, parse_adopted, shipped_rules
from domain.transfers import add_working_days
from domain.workdays import WEEKENDS_ONLY

DEFAULT = packaged_rules_text()


def test_a_deadline_across_national_day_skips_the_holiday_and_counts_the_make_up_saturdays() -> (
    None
):
    calendar = shipped_rules().calendar
    # Signed Tuesday 2025-09-30: 国庆/中秋 10-1..10-8 are off, Saturday 10-11 is worked.
    assert add_working_days(date(2025, 9, 30), 1, calendar) == date(2025, 10, 9)
    assert add_working_days(date(2025, 9, 30), 3, calendar) == date(2025, 10, 11)
    assert add_working_days(date(2025, 9, 30), 4, calendar) == date(2025, 10, 13)
    # Weekends only, the same deadline fell inside the holiday.
    assert add_working_days(date(2025, 9, 30), 3) == date(2025, 10, 3)
    # Friday 2025-09-26: Sunday 9-28 is a working day, so three days end on 9-30.
    assert add_working_days(date(2025, 9, 26), 3, calendar) == date(2025, 9, 30)
    # Spring Festival 2025 (1-28..2-4), with Sunday 1-26 and Saturday 2-8 worked.
    assert add_working_days(date(2025, 1, 24), 1, calendar) == date(2025, 1, 26)
    assert add_working_days(date(2025, 1, 27), 1, calendar) == date(2025, 2, 5)
    assert add_working_days(date(2025, 2, 7), 1, calendar) == date(2025, 2, 8)
    # 2026: 元旦 1-1..1-3 with Sunday 1-4 worked; 春节 2-15..2-23 with 2-14 and 2-28 worked.
    assert add_working_days(date(2025, 12, 31), 1, calendar) == date(2026, 1, 4)
    assert add_working_days(date(2026, 2, 13), 2, calendar) == date(2026, 2, 24)
    # Beyond the last year covered: weekends only (Friday 2027-01-01 → Monday 01-04).
    assert calendar.last_year == 2026
    assert add_working_days(date(2026, 12, 31), 1, calendar) == date(2027, 1, 1)
    assert add_working_days(date(2027, 1, 1), 1, calendar) == date(2027, 1, 4)


def test_the_calendar_warns_from_its_last_year_on() -> None:
    calendar = shipped_rules().calendar
    assert calendar.coverage_warning(date(2025, 12, 1)) is None
    warned = calendar.coverage_warning(date(2026, 11, 20))
    assert warned is not None
    assert "[calendar.2027]" in warned[1]
    assert "2026" in warned[0]
    assert WEEKENDS_ONLY.coverage_warning(date(2025, 1, 1)) is not None


def _rules_with(calendar: Any) -> dict[str, Any]:
    source: dict[str, Any] = json.loads(canonical_json(dict(shipped_rules().source)))
    source["calendar"] = calendar
    return source


@pytest.mark.parametrize(
    ("calendar", "named", "said"),
    [
        (
            {"2025": {"holidays": ["2025-10-01..2025-10-08"], "working_weekends": ["2025-10-04"]}},
            "calendar.2025",
            "2025-10-04 is listed both as a holiday and as a working day",
        ),
        (
            {"2025": {"working_weekends": ["2025-10-09"]}},
            "calendar.2025.working_weekends",
            "Saturday",
        ),
        ({"2025": {"holidays": ["2026-01-01"]}}, "calendar.2025.holidays", "not in 2025"),
        ({"2025": {"holidays": ["2025-10-08..2025-10-01"]}}, "calendar.2025.holidays", "forwards"),
        ({"2025": {"holidays": ["10/01/2025"]}}, "calendar.2025.holidays", "not a date"),
        ({"2025": {"holiday": []}}, "calendar.2025.holiday", "unknown key"),
        ({"25": {"holidays": []}}, "calendar.25", "must be a year"),
    ],
)
def test_a_bad_calendar_is_refused_naming_the_key(
    calendar: dict[str, Any], named: str, said: str
) -> None:
    with pytest.raises(RulesError) as refused:
        parse_adopted(_rules_with(calendar))
    assert refused.value.context.get("field") == named, refused.value.en
    assert said in refused.value.en
    assert refused.value.zh.startswith("规则文件")


def test_an_unquoted_toml_date_is_refused_with_a_clear_message() -> None:
    text = DEFAULT.replace('"2025-01-01",              # 元旦', "2025-01-01,  # 元旦")
    assert text != DEFAULT
    with pytest.raises(RulesError) as refused:
        RuleSet.from_toml(text)
    assert "quote dates" in refused.value.en


def test_a_rule_set_without_the_calendar_counts_weekends_only() -> None:
    source = _rules_with({})
    del source["calendar"]
    older = parse_adopted(source)
    assert older.calendar == WEEKENDS_ONLY
    assert older.countersign_due(date(2025, 9, 30)) == date(2025, 10, 7)
    assert shipped_rules().countersign_due(date(2025, 9, 30)) == date(2025, 10, 14)
