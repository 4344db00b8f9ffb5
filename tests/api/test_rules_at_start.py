"""The rules in force: adopted as an event at start, replaced when the file changes, refused
when bad — on SQLite and PostgreSQL.

The service is started, stopped and started again on one data directory, as an operator would:
a corporate loan disbursed on 1 March 2025 repays quarterly from 1 June. Judged on 28 May, four
days before that instalment, the shipped rules (reminder 3 days ahead) owe no phone visit yet.
The operator copies the shipped rules into the data directory with ``lead_days = 5`` and starts
the service again: the start records the new rule set (``Replaced``, old version → new), the
task list now holds the reminder (due 27 May) naming the new version, and the verdict as of the
last position before the restart still names the old version, with no reminder. Starting again
with the same file records nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app
from api.settings import Settings
from archive.application import DossierArchive
from archive.commands.staff import EnrolStaff
from archive.core import SYSTEM_ID, CommandContext
from archive.rules import packaged_rules_text
from domain.rules import RuleSet, RulesInForce
from domain.values import Role
from tests.api.conftest import Api, disburse

runner = CliRunner()

LOAN = "RS-001"
ON = "2025-05-28"
"""Four days before the first instalment (1 June): a reminder is open with a lead of 5, not 3."""


@contextmanager
def started(tokens: dict[str, str]) -> Iterator[Api]:
    """The service as ``dossier serve`` builds it from the environment (the registers fed by
    its follower); on the first start (no ``tokens`` yet) the staff are enrolled at the console."""
    with TestClient(create_app(Settings(in_process_sealer=False))) as client:
        archive: DossierArchive = client.app.state.archive  # type: ignore[attr-defined]
        if not tokens:
            tokens["am"] = enrol(archive, "AM001", "张伟", Role.ACCOUNT_MANAGER)
            tokens["head"] = enrol(archive, "BH001", "赵刚", Role.BRANCH_HEAD)
        yield Api(
            client,
            archive,
            {who: {"Authorization": f"Bearer {token}"} for who, token in tokens.items()},
        )


def enrol(archive: DossierArchive, staff_no: str, name: str, role: Role) -> str:
    token = archive.execute(
        CommandContext(SYSTEM_ID),
        EnrolStaff(staff_no=staff_no, name=name, branch="城东支行", roles=[role]),
    ).token
    assert token is not None
    return token.token


def adoptions(archive: DossierArchive) -> list[tuple[str, str, str]]:
    """(event, rules version, source) of every RulesInForce event, read from the event store."""
    stored: list[Any] = list(archive.events.get(RulesInForce.create_id()))
    return [(type(e).__name__, e.version, e.source) for e in stored]


def judged(api: Api, query: str) -> dict[str, Any]:
    answer = api.get("head", f"/tasks?on={ON}&{query}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def reminders(body: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [
        (t["subject"], t["due_on"], t["rule"], t["rules_version"])
        for t in body["data"]
        if t["kind"] == "repayment_reminder"
    ]


def test_a_changed_rules_file_changes_the_verdicts_after_restart_and_is_recorded(
    data_dir: Path,
) -> None:
    shipped = RuleSet.from_toml(packaged_rules_text())
    tokens: dict[str, str] = {}
    with started(tokens) as api:
        assert adoptions(api.archive) == [("Adopted", shipped.version, "archive/rules.toml")]
        position = disburse(api, LOAN)["position"]
        before = judged(api, f"after={position}")
        assert before["rules_version"] == shipped.version
        assert before["data"], "the loan owes other work on 28 May (its first follow-up…)"
        assert reminders(before) == []
        last_before_restart = api.archive.recorder.max_notification_id()
    assert last_before_restart is not None

    # The operator copies the shipped rules and changes one key; the next start adopts them.
    changed_text = packaged_rules_text().replace("lead_days = 3", "lead_days = 5")
    assert changed_text != packaged_rules_text()
    (data_dir / "rules.toml").write_text(changed_text, "utf-8")
    changed = RuleSet.from_toml(changed_text)
    assert changed.reminder_lead_days == 5
    assert changed.version != shipped.version

    with started(tokens) as api:
        assert adoptions(api.archive) == [
            ("Adopted", shipped.version, "archive/rules.toml"),
            ("Replaced", changed.version, str(data_dir / "rules.toml")),
        ]
        # The start recorded that one event and nothing else.
        assert api.archive.recorder.max_notification_id() == last_before_restart + 1
        assert api.archive.rule_set().version == changed.version

        now = judged(api, f"after={last_before_restart + 1}")
        assert now["rules_version"] == changed.version
        assert reminders(now) == [
            ("2025-06-01", "2025-05-27", "reminders.lead_days = 5", changed.version)
        ]
        assert {t["rules_version"] for t in now["data"]} == {changed.version}
        reminder = next(t for t in now["data"] if t["kind"] == "repayment_reminder")
        assert (reminder["loan_no"], reminder["owner_no"], reminder["overdue"]) == (
            LOAN,
            "AM001",
            True,
        )

        # The verdict as the log stood before the restart: the old rules, no reminder.
        then = judged(api, f"as_of_position={last_before_restart}")
        assert then["rules_version"] == shipped.version
        assert reminders(then) == []
        assert {t["rules_version"] for t in then["data"]} == {shipped.version}
        assert [t["kind"] for t in then["data"]] == [t["kind"] for t in before["data"]]

        # The catalogue still comes from the (copied) rules file.
        assert api.archive.rule_set().document_type("loan_contract").zh == "借款合同"

    # The same file again — here through the CLI, a start of its own — records nothing new.
    listed = runner.invoke(
        app,
        ["tasks", "--on", ON, "--kind", "repayment_reminder", "--json"],
        env={"DOSSIER_TOKEN": tokens["am"]},
    )
    assert listed.exit_code == 0, listed.output
    body = json.loads(listed.output)
    assert body["rules_version"] == changed.version
    assert [(t["due_on"], t["rule"], t["rules_version"]) for t in body["data"]] == [
        ("2025-05-27", "reminders.lead_days = 5", changed.version)
    ]
    with started(tokens) as api:
        assert [name for name, _v, _s in adoptions(api.archive)] == ["Adopted", "Replaced"]
        assert api.archive.recorder.max_notification_id() == last_before_restart + 1


def test_a_bad_rules_file_stops_the_start_naming_the_key(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    bad = packaged_rules_text().replace("lead_days = 3", "lead_days = -2")
    (data_dir / "rules.toml").write_text(bad, "utf-8")
    answer = runner.invoke(app, ["staff", "list"])
    assert answer.exit_code == 2, answer.output
    assert "reminders.lead_days" in answer.output
    assert "规则文件" in answer.output


def test_a_rules_file_loosening_a_statutory_floor_stops_the_start_naming_the_key(
    data_dir: Path,
) -> None:
    """R-CLASS: 次级 from more than 90 days overdue. A bank's file that waits 120 days is
    refused at start, the key named in Chinese and English."""
    data_dir.mkdir(parents=True, exist_ok=True)
    looser = packaged_rules_text() + "\n[classification.floors]\nsubstandard_after_days = 120\n"
    (data_dir / "rules.toml").write_text(looser, "utf-8")
    answer = runner.invoke(app, ["staff", "list"])
    assert answer.exit_code == 2, answer.output
    output = " ".join(answer.output.split())  # the console wraps long lines
    assert "classification.floors.substandard_after_days" in output
    assert "宽于监管标准 90" in output
    assert "looser than the statutory 90" in output
