"""``dossier postloan inspection record --checklist`` and ``dossier postloan evaluate``.

An account manager records a routine inspection of a corporate loan with its checklist answered
in a JSON file; the generated inspection report is filed with it. A branch head evaluates the
account manager's post-loan duties. Refusals: a file that is not JSON and an option value the
command refuses are bad usage (exit 2, both languages, no trace); a checklist missing an item
and an evaluation of oneself are refused (exit 1); none records anything.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from api.cli import app
from api.cli.common import open_archive, read_settings
from archive.core import CommandContext
from domain.values import DutyConclusion
from tests.factories import answered, make_disbursement

runner = CliRunner()
LOAN = "JJ-CLI-INS-1"


def dossier(*args: str, token: str) -> Result:
    return runner.invoke(
        app,
        ["postloan", *args, "--token", token],
        env={"DOSSIER_TOKEN": None, "COLUMNS": "240"},
    )


def enrol(staff_no: str, name: str, role: str) -> str:
    added = runner.invoke(
        app,
        ["staff", "add", "--no", staff_no, "--name", name, "--branch", "营业部", "--role", role],
    )
    assert added.exit_code == 0, added.output
    return added.output.strip().splitlines()[-1]


def stored() -> tuple[int, int]:
    """(events, blobs): what a refused command must leave as it was."""
    archive = open_archive(read_settings())
    try:
        return archive.recorder.max_notification_id() or 0, archive.blobs.count()
    finally:
        archive.close()


@pytest.fixture
def tokens(data_dir: Path) -> dict[str, str]:
    tokens = {
        "am": enrol("AM01", "张伟", "account_manager"),
        "reviewer": enrol("RV01", "李娜", "reviewer"),
        "head": enrol("BH01", "王强", "branch_head"),
    }
    archive = open_archive(read_settings())
    try:
        archive.execute(CommandContext(archive.authenticate(tokens["am"])), make_disbursement(LOAN))
    finally:
        archive.close()
    return tokens


def record(checklist: Path, token: str) -> Result:
    return dossier(
        "inspection", "record", LOAN, "--kind", "routine", "--on", "2025-04-10",
        "--reviewer", "RV01", "--findings", "经营正常，存货偏高",
        "--checklist", str(checklist),
        token=token,
    )  # fmt: skip


def test_an_inspection_answers_its_checklist_from_a_json_file(
    tokens: dict[str, str], tmp_path: Path
) -> None:
    """Rows 000-01 and 000-12 at the console: the answers recorded, the form generated and filed."""
    body = answered("corporate", **{"C-05": "原材料价格较上季上涨三成"})
    good = tmp_path / "answers.json"
    good.write_text(json.dumps(body, ensure_ascii=False), "utf-8")

    not_json = tmp_path / "broken.json"
    not_json.write_text('{"answers": [', "utf-8")
    missing = tmp_path / "missing.json"
    missing.write_text(json.dumps({**body, "answers": body["answers"][1:]}), "utf-8")
    before = stored()
    broken = record(not_json, tokens["am"])
    assert broken.exit_code == 2, broken.output
    assert "--checklist" in broken.output
    assert "JSON" in broken.output
    short = record(missing, tokens["am"])
    assert short.exit_code == 1, short.output
    assert body["answers"][0]["item"] in short.output
    assert stored() == before

    done = record(good, tokens["am"])
    assert done.exit_code == 0, done.output
    assert re.search(r"^inspection_id: \S+$", done.output, re.MULTILINE)
    assert re.search(r"^filed: inspection_report [0-9a-f]{64} ", done.output, re.MULTILINE)
    archive = open_archive(read_settings())
    try:
        (inspection,) = archive.loan(LOAN).inspections.values()
        assert inspection.checklist == "corporate"
        assert inspection.abnormal == 1
    finally:
        archive.close()


def test_an_inspection_names_its_assistant_and_the_departments_joining_at_the_console(
    tokens: dict[str, str], tmp_path: Path
) -> None:
    """Rows 002-12 and 000-68 at the console: ``--assistant`` names the B岗 beside the caller
    (A岗), ``--joint 部门:工号`` each person joining; a malformed ``--joint`` is refused (exit
    2) naming the option, nothing recorded."""
    enrol("AM02", "王芳", "account_manager")
    enrol("RM01", "陈静", "risk_manager")
    good = tmp_path / "answers.json"
    good.write_text(json.dumps(answered("corporate"), ensure_ascii=False), "utf-8")
    args = [
        "inspection", "record", LOAN, "--kind", "on_site", "--on", "2025-04-10",
        "--reviewer", "RV01", "--findings", "经营正常", "--checklist", str(good),
        "--assistant", "AM02",
    ]  # fmt: skip
    before = stored()
    bad = dossier(*args, "--joint", "风险管理部", token=tokens["am"])
    assert bad.exit_code == 2, bad.output
    assert "--joint" in bad.output
    assert stored() == before
    done = dossier(*args, "--joint", "风险管理部:RM01", token=tokens["am"])
    assert done.exit_code == 0, done.output
    archive = open_archive(read_settings())
    try:
        (inspection,) = archive.loan(LOAN).inspections.values()
        assert inspection.assistant_id == archive.staff("AM02").id
        assert inspection.joint == [
            {"department": "风险管理部", "staff_id": str(archive.staff("RM01").id)}
        ]
    finally:
        archive.close()


def test_a_branch_head_evaluates_an_account_managers_duties(tokens: dict[str, str]) -> None:
    """Row 000-60 at the console; the person evaluated may not evaluate themselves."""
    evaluate = [
        "evaluate", "AM01", "--occasion", "in_post", "--from", "2025-01-01",
        "--to", "2025-06-30", "--on", "2025-07-02", "--conclusion", "basically_competent",
        "--findings", "检查报告按时，两笔复核意见滞后", "--loan", LOAN,
    ]  # fmt: skip
    before = stored()
    own = dossier(*evaluate, token=tokens["am"])
    assert own.exit_code == 1, own.output
    assert re.search(r"[\u4e00-\u9fff]", own.output)
    too_long = dossier(*evaluate[:-2], "--loan", "L" * 80, token=tokens["head"])
    assert too_long.exit_code == 2, too_long.output
    assert "loan_nos" in too_long.output
    assert "Traceback" not in too_long.output
    assert stored() == before

    done = dossier(*evaluate, token=tokens["head"])
    assert done.exit_code == 0, done.output
    assert "已登记履职评价" in done.output
    assert re.search(r"^evaluation_id: \S+$", done.output, re.MULTILINE)
    archive = open_archive(read_settings())
    try:
        staff = archive.staff("AM01")
        (evaluation,) = staff.evaluations
        assert evaluation.conclusion is DutyConclusion.BASICALLY_COMPETENT
    finally:
        archive.close()


def test_a_branch_head_assigns_customers_and_signs_a_target_record(tokens: dict[str, str]) -> None:
    """Rows 002-78, 004-29 at the console: the branch head may not assign a customer to
    themselves, nor an account manager sign a target record; both refused with nothing
    recorded, then done."""
    assign = [
        "guanhu", "assign", "AM01", "--borrower-id", "C001", "--borrower-name", "示例有限公司",
        "--borrower-type", "corporate", "--amount", "2000000", "--on", "2025-03-05",
        "--reason", "管户分配",
    ]  # fmt: skip
    target = [
        "guanhu", "target", LOAN, "--year", "2025", "--manager", "AM01",
        "--risk-supervisor", "RM01", "--collection-target", "100000",
        "--business-target", "日均存款不低于 50 万元", "--on", "2025-03-10",
    ]  # fmt: skip
    enrol("RM01", "陈静", "risk_manager")
    before = stored()
    own = dossier(*assign[:2], "BH01", *assign[3:], token=tokens["head"])
    assert own.exit_code == 1, own.output
    assert re.search(r"[\u4e00-\u9fff]", own.output)
    wrong = dossier(*target, token=tokens["am"])
    assert wrong.exit_code == 1, wrong.output
    assert stored() == before

    assert dossier(*assign, token=tokens["head"]).exit_code == 0
    signed = dossier(*target, token=tokens["head"])
    assert signed.exit_code == 0, signed.output
    assert "已签订目标责任书" in signed.output
    archive = open_archive(read_settings())
    try:
        assert set(archive.staff("AM01").customers) == {"C001"}
        assert archive.loan(LOAN).targets[2025].collection_target == 100000
    finally:
        archive.close()
