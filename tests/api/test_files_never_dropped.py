"""A command that files no documents refuses files sent with it instead of dropping them."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api, disburse, pdf


@pytest.mark.parametrize(
    ("who", "path", "body"),
    [
        (
            "officer",
            "/loans/FD-001/overdue-status",
            {
                "as_of": "2025-04-05",
                "days_overdue": 5,
                "overdue_principal": "1000.00",
                "overdue_interest": "0.00",
            },
        ),
        (
            "risk",
            "/loans/FD-001/classifications/00000000-0000-0000-0000-000000000000/reject",
            {"reason": "不同意"},
        ),
    ],
)
def test_files_sent_to_a_command_without_documents_are_refused_and_nothing_changes(
    api: Api, who: str, path: str, body: dict[str, object]
) -> None:
    disburse(api, "FD-001")
    before = api.counts()

    answer = api.upload(
        who, path, body, [("inspection_report", ("检查报告.pdf", pdf("report"), "application/pdf"))]
    )

    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"]["en"].startswith("this command files no documents")
    assert answer.json()["context"]["field"] == "inspection_report"
    assert api.counts() == before
