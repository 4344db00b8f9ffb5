"""The rules in force: adopted as an event at start, replaced when the file changes, refused
when bad — on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from api.composition import build_archive
from api.settings import Settings
from archive.rules import packaged_rules_text
from domain.rules import RuleSet, RulesInForce

runner = CliRunner()


def events_of(data_dir: Path) -> tuple[list[str], str]:
    archive = build_archive(Settings())
    try:
        record = archive.rules_in_force()
        assert record is not None
        stored = archive.events.get(RulesInForce.create_id())
        return [type(e).__name__ for e in stored], record.rules_version
    finally:
        archive.close()


def test_a_changed_rules_file_is_adopted_as_an_event_at_the_next_start(data_dir: Path) -> None:
    names, version = events_of(data_dir)
    assert names == ["Adopted"]
    assert version == RuleSet.from_toml(packaged_rules_text()).version
    # The same rules again: nothing new is recorded.
    assert events_of(data_dir) == (names, version)

    changed = packaged_rules_text().replace("lead_days = 3", "lead_days = 5")
    (data_dir / "rules.toml").write_text(changed, "utf-8")
    names, replaced = events_of(data_dir)
    assert names == ["Adopted", "Replaced"]
    assert replaced == RuleSet.from_toml(changed).version != version
    archive = build_archive(Settings())
    try:
        assert archive.config.document_type("loan_contract").zh == "借款合同"
    finally:
        archive.close()


def test_a_bad_rules_file_stops_the_start_naming_the_key(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    bad = packaged_rules_text().replace("lead_days = 3", "lead_days = -2")
    (data_dir / "rules.toml").write_text(bad, "utf-8")
    answer = runner.invoke(app, ["staff", "list"])
    assert answer.exit_code == 2, answer.output
    assert "reminders.lead_days" in answer.output
    assert "规则文件" in answer.output
