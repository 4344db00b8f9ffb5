"""``dossier portfolio``: the metrics and the risk-monitoring report at the console, counted as
the API counts them.

The corporate loan of ``dossier tasks``' scenario, disbursed in January 2025 in 营业部: on 30
June 2025 its branch head's metrics show its balance, all 正常; a risk manager issues the
quarterly report as a PDF, recorded with its SHA-256; the branch head may not issue it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from typer.testing import CliRunner, Result

from api.cli import app
from tests.api.test_cli_tasks import enrol, tokens  # noqa: F401 (the fixture)

runner = CliRunner()


def dossier(*args: str, token: str) -> Result:
    return runner.invoke(
        app,
        ["portfolio", *args, "--token", token],
        env={"DOSSIER_TOKEN": None, "COLUMNS": "240"},
    )


def test_metrics_and_the_quarterly_report_at_the_console(
    tokens: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    """Rows 002-59, 003-92."""
    head = tokens["head"]
    shown = dossier("metrics", "--on", "2025-06-30", "--json", token=head)
    assert shown.exit_code == 0, shown.output
    total = json.loads(shown.output)["total"]
    assert (total["loans"], total["npl_rate"], total["by_grade"]["normal"]) == (
        1,
        "0.00",
        total["balance"],
    )
    table = dossier("metrics", "--on", "2025-06-30", "--by", "manager", token=head)
    assert table.exit_code == 0, table.output
    assert "张伟（AM01）" in table.output

    out = tmp_path / "risk.pdf"
    args = ("report", "--on", "2025-06-30", "-o", str(out), "--purpose", "季度风险监测")
    refused = dossier(*args, token=head)
    assert refused.exit_code == 1, refused.output
    assert not out.exists()
    risk = enrol("RM01", "陈静", "risk_manager")
    issued = dossier(*args, token=risk)
    assert issued.exit_code == 0, issued.output
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert digest in issued.output.replace("\n", "")
