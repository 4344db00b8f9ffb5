"""The procedures coverage table (docs/procedures-coverage.md) stays true to the code and to itself.

Every test the document cites (``tests/...py::test_name``, or a test file alone) exists: the file,
and the function in it, found with ``ast`` (a class-qualified ``Class::test`` and a parametrised
``test_x[...]`` included). The Totals table is what the status column of the rows counts, per
seed and for all seeds, so the totals cannot drift from the rows. A row marked **Y** cites at
least one test or code path as its evidence, and every code path it cites exists.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "procedures-coverage.md"
STATUSES = ("Y", "P", "N")

ROW = re.compile(
    r"^\| (?P<id>(?P<seed>\d{3})-\d{2,3}) \| (?P<req>.*?) \| (?P<st>[^|]*?) \| (?P<ev>.*)\|$"
)
TEST = re.compile(
    r"(?P<file>tests/[\w/]+\.py)`?(?:::(?P<first>[A-Za-z_]\w*)(?:::(?P<second>[A-Za-z_]\w*))?)?"
)
CODE_PATH = re.compile(
    r"`(?P<path>(?:api|archive|canonical|demo|docs|domain|dossier_verify|projections|storage|tests)"
    r"/[\w/.-]*\w)(?::[^`]*)?`"
)
ROW_ID = re.compile(r"\b\d{3}-\d{2,3}\b")
TOTAL = re.compile(r"^\| (?:\*\*)?(?P<seed>\d{3}|all)\b.*?(?:\*\*)? \| (?P<cells>.*)\|$")


@dataclass(frozen=True)
class Row:
    id: str
    seed: str
    status: str
    evidence: str


def text() -> str:
    return DOCUMENT.read_text(encoding="utf-8")


def rows() -> list[Row]:
    found = []
    for line in text().splitlines():
        match = ROW.match(line)
        if match:
            found.append(Row(match["id"], match["seed"], match["st"].strip(), match["ev"]))
    return found


@cache
def defined(path: str) -> frozenset[str]:
    """The test functions of a file: top-level ones, and ``Class::method`` for methods."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    names: set[str] = set()
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    for node in tree.body:
        if isinstance(node, functions):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.update(f"{node.name}::{m.name}" for m in node.body if isinstance(m, functions))
    return frozenset(names)


def cited_tests(source: str) -> list[tuple[str, str | None]]:
    """``(file, name)`` for each test cited in ``source``; ``name`` is None for a file alone."""
    cited = []
    for match in TEST.finditer(source):
        name = match["first"]
        if name is not None and match["second"] is not None:
            name = f"{name}::{match['second']}"
        cited.append((match["file"], name))
    return cited


def test_the_citation_parser_reads_every_form() -> None:
    source = (
        "`tests/a/test_x.py::test_one`, `tests/a/test_x.py::test_p[2-3]`, "
        "`tests/a/test_x.py::TestK::test_m`, `tests/a/test_y.py`, "
        "`tests/a/test_z.py`::test_after_a_backtick"
    )
    assert cited_tests(source) == [
        ("tests/a/test_x.py", "test_one"),
        ("tests/a/test_x.py", "test_p"),
        ("tests/a/test_x.py", "TestK::test_m"),
        ("tests/a/test_y.py", None),
        ("tests/a/test_z.py", "test_after_a_backtick"),
    ]


def test_every_cited_test_exists() -> None:
    cited = cited_tests(text())
    assert len(cited) > 30, "the document cites tests; the parser found too few"
    missing = []
    for path, name in sorted(set(cited), key=lambda c: (c[0], c[1] or "")):
        if not (ROOT / path).is_file():
            missing.append(f"{path}: no such file")
        elif name is not None and name not in defined(path):
            missing.append(f"{path}::{name}: no such test in the file")
    assert not missing, "\n".join(missing)


def evidenced(row: Row, table: dict[str, Row], seen: frozenset[str] = frozenset()) -> bool:
    """A test or a code path cited, or only rows cited ("See 000-21") that are Y and evidenced."""
    if cited_tests(row.evidence) or CODE_PATH.search(row.evidence):
        return True
    named = [table[i] for i in ROW_ID.findall(row.evidence) if i in table and i != row.id]
    return bool(named) and all(
        other.status == "Y" and other.id not in seen and evidenced(other, table, seen | {row.id})
        for other in named
    )


def test_every_y_row_cites_a_test_or_a_code_path() -> None:
    table = {r.id: r for r in rows()}
    assert len(table) > 300, "the parser found too few rows"
    bare = [r.id for r in table.values() if r.status == "Y" and not evidenced(r, table)]
    assert not bare, f"rows marked Y with neither a test nor a code path as evidence: {bare}"


CITED_CODE = re.compile(r"`(?P<path>(?:api|archive|domain|projections)/[\w/.-]*\w)(?::[^`]*)?`")
"""A code path cited as evidence: ``domain/...py``, ``archive/...``, ``projections/...``,
``api/...`` (a file or a folder), with or without a ``:line`` or ``:symbol`` after it."""


def test_every_cited_code_path_exists() -> None:
    """Code moved or split (``domain/tasks.py`` into ``domain/tasks/``...) leaves no row citing
    where it used to be."""
    stale: dict[str, list[str]] = {}
    for row in rows():
        for match in CITED_CODE.finditer(row.evidence):
            if not (ROOT / match["path"]).exists():
                stale.setdefault(row.id, []).append(match["path"])
    assert not stale, f"rows citing code that does not exist: {stale}"


def test_every_row_has_a_known_status_and_a_unique_id() -> None:
    table = rows()
    assert {r.status for r in table} <= {*STATUSES, "—", "="}
    ids = Counter(r.id for r in table)
    assert not [i for i, n in ids.items() if n > 1]


def percent(part: int, whole: int) -> int:
    return (200 * part + whole) // (2 * whole)  # to the nearest, halves up


def test_the_totals_are_what_the_status_column_counts() -> None:
    table = rows()
    counts: dict[str, Counter[str]] = {}
    for row in table:
        counts.setdefault(row.seed, Counter())[row.status] += 1
    stated: dict[str, list[str]] = {}
    section = text().split("## Totals", 1)[1].split("\n## ", 1)[0]
    for line in section.splitlines():
        match = TOTAL.match(line)
        if match:
            stated[match["seed"]] = [c.strip().strip("*") for c in match["cells"].split(" | ")]
    assert set(stated) == {*counts, "all"}, "one line of the Totals per seed, and the all line"

    def number(cell: str) -> int:
        return int(re.match(r"\d+", cell).group())  # type: ignore[union-attr]

    everything: Counter[str] = Counter()
    for seed, counter in counts.items():
        everything.update(counter)
        expected = [counter[s] for s in STATUSES]
        expected.append(sum(expected))
        assert [number(c) for c in stated[seed]] == expected, f"Totals for seed {seed}"
    expected = [everything[s] for s in STATUSES]
    whole = sum(expected)
    assert [number(c) for c in stated["all"]] == [*expected, whole], "Totals for all seeds"
    for status, cell in zip(STATUSES, stated["all"], strict=False):
        assert f"({percent(everything[status], whole)}%)" in cell, f"the share of {status}"
    assert (
        f"Not counted: {everything['—']} rows marked — and {everything['=']} rows marked =."
        in section
    )
