"""Rewrite the Totals table of docs/procedures-coverage.md from the status column of its rows.

Run after changing any row's status: ``python tools/coverage_totals.py``. The test
``tests/test_procedures_coverage.py`` checks the totals against the rows.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "procedures-coverage.md"
ROW = re.compile(r"^\| (?P<seed>\d{3})-\d{2,3} \| .*? \| (?P<st>[^|]*?) \| .*\|$")
SEED_LINE = re.compile(r"^\| (?P<seed>\d{3}) (?P<name>\(.*?\)) \| (?P<cells>.*)\|$")
ALL_LINE = re.compile(r"^\| \*\*all\*\* \|")
NOT_COUNTED = re.compile(r"Not counted: \d+ rows marked — and \d+ rows marked =\.")


def percent(part: int, whole: int) -> int:
    return (200 * part + whole) // (2 * whole)


def main() -> None:
    text = DOCUMENT.read_text(encoding="utf-8")
    counts: dict[str, Counter[str]] = {}
    for line in text.splitlines():
        match = ROW.match(line)
        if match:
            counts.setdefault(match["seed"], Counter())[match["st"].strip()] += 1
    everything: Counter[str] = Counter()
    for counter in counts.values():
        everything.update(counter)
    out = []
    for line in text.splitlines(keepends=True):
        seed_line = SEED_LINE.match(line.rstrip("\n"))
        if seed_line and seed_line["seed"] in counts:
            c = counts[seed_line["seed"]]
            counted = c["Y"] + c["P"] + c["N"]
            old_total = seed_line["cells"].split(" | ")[3]
            suffix = old_total.strip()[len(re.match(r"\d+", old_total.strip()).group()) :]  # type: ignore[union-attr]
            line = (
                f"| {seed_line['seed']} {seed_line['name']} | {c['Y']} | {c['P']} | {c['N']} "
                f"| {counted}{suffix} |\n"
            )
        elif ALL_LINE.match(line):
            whole = everything["Y"] + everything["P"] + everything["N"]
            cells = " | ".join(
                f"**{everything[s]} ({percent(everything[s], whole)}%)**" for s in "YPN"
            )
            line = f"| **all** | {cells} | **{whole}** |\n"
        out.append(line)
    text = NOT_COUNTED.sub(
        f"Not counted: {everything['—']} rows marked — and {everything['=']} rows marked =.",
        "".join(out),
    )
    DOCUMENT.write_text(text, encoding="utf-8")
    whole = everything["Y"] + everything["P"] + everything["N"]
    print(f"Y {everything['Y']} · P {everything['P']} · N {everything['N']} of {whole}")


if __name__ == "__main__":
    main()
