"""What is wrong with a core-banking batch, said so that the core system's team can fix it.

Every problem names the file, the line (the header is line 1 of a CSV file; in ``batch.ctl``
the line of the key), the column where there is one, a stable code, and the reason in Chinese
and in English. A report is written as CSV (for the people who open it in a spreadsheet) or
JSON (for the machine that produced the batch).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass

REPORT_COLUMNS = ("file", "line", "column", "code", "reason_zh", "reason_en")
REPORT_HEADER_ZH = ("文件", "行号", "列", "代码", "原因", "Reason")


@dataclass(frozen=True, slots=True)
class FeedProblem:
    """One thing wrong with a batch: where it is and why it is refused."""

    file: str
    line: int | None
    column: str | None
    code: str
    reason_zh: str
    reason_en: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.column:
            where += f" [{self.column}]"
        return f"{where}: {self.reason_zh} / {self.reason_en}"


class BatchRefused(Exception):
    """The batch is refused whole: nothing of it may be recorded."""

    def __init__(self, problems: Iterable[FeedProblem], *, more: int = 0) -> None:
        self.problems = tuple(problems)
        self.more = more
        first = str(self.problems[0]) if self.problems else "refused"
        count = len(self.problems) + more
        super().__init__(f"批次被拒绝（{count} 处问题）/ batch refused ({count} problems): {first}")


def report_json(problems: Iterable[FeedProblem], *, more: int = 0) -> str:
    """The problems as JSON: ``{"problems": [...], "more": N}`` (N problems not listed)."""
    return json.dumps(
        {"problems": [asdict(p) for p in problems], "more": more},
        ensure_ascii=False,
        indent=2,
    )


def report_csv(problems: Iterable[FeedProblem]) -> str:
    """The problems as CSV with a bilingual header, UTF-8 with a BOM so spreadsheets read it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([f"{zh} {en}" for zh, en in zip(REPORT_HEADER_ZH, REPORT_COLUMNS, strict=True)])
    for p in problems:
        line = "" if p.line is None else p.line
        writer.writerow([p.file, line, p.column or "", p.code, p.reason_zh, p.reason_en])
    return "\ufeff" + out.getvalue()
