"""The rulebook (``docs/rules.md``) holds: every rule's homes exist, and nothing cites another.

The rulebook has one section per area, each with an index table whose rows read
``id | rule | source | value (rules.toml key) | logic (module:function) | status``. This test
parses those tables and checks, row by row, that

* the id is unique, of the section's prefix (``INS-03`` in ``(`inspections`, INS)``);
* the source names at least one code of the rulebook's table of sources;
* every rules.toml key the value cell names (dotted, with ``[id]`` or ``[field=value]`` to pick
  an entry of an array of tables) is in ``archive/rules.toml``, and every code home
  (``module:attribute``) it names exists;
* the logic cell names exactly one ``module:function`` (a dotted path is fine:
  ``Loan.method``) that imports and exists — or ``—`` for a rule marked N (not implemented);
* every area section has rows.

And that no file of the repository cites the retired domain brief: rules are cited by
``docs/rules.md`` and their id. Each failure names the row (id and line) or the file.
"""

from __future__ import annotations

import importlib
import inspect
import itertools
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
RULEBOOK = ROOT / "docs" / "rules.md"
RULES_TOML = ROOT / "archive" / "rules.toml"

RETIRED = "DOMAIN" + ".md"
"""The domain brief the rulebook replaces (spelt in two parts so this file does not cite it)."""

SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".venv",
        "__pycache__",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        ".hypothesis",
        "build",
        "dist",
        "var",
    }
)
"""Generated or local material (see .gitignore), not part of the repository's text."""

AREA_HEADING = re.compile(r"^## .*\(`(?P<area>[a-z_]+)`, (?P<prefix>[A-Z]{3})\)\s*$")
ROW_ID = re.compile(r"^(?P<prefix>[A-Z]{3})-\d{2}$")
TICKED = re.compile(r"`([^`]+)`")
KEY_PART = re.compile(r"(?P<name>[A-Za-z0-9_]+)(?:\[(?P<select>[^\]]+)\])?(?:\.|$)")
CODE_HOME = re.compile(
    r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_]\w*)*$"
)
NONE = "—"
STATUSES = frozenset({"Y", "P", "N"})
COLUMNS = 6

Cells = tuple[int, list[str]]


@dataclass(frozen=True)
class Row:
    """One row of an index table."""

    id: str
    line: int
    rule: str
    source: str
    value: str
    logic: str
    status: str

    @property
    def where(self) -> str:
        return f"{self.id} (line {self.line})"


@dataclass
class Section:
    """An area of the rulebook and the rows of its index table."""

    area: str
    prefix: str
    line: int
    rows: list[Row] = field(default_factory=list)


@dataclass
class Rulebook:
    sections: list[Section]
    sources: set[str]
    problems: list[str]

    @property
    def rows(self) -> list[Row]:
        return [row for section in self.sections for row in section.rows]


def cells(line: str) -> list[str]:
    """The cells of a Markdown table line (``\\|`` is a pipe inside a cell)."""
    inner = line.strip().removeprefix("|").removesuffix("|")
    return [c.replace("\\|", "|").strip() for c in re.split(r"(?<!\\)\|", inner)]


def tables(lines: list[str], start: int, end: int) -> Iterator[tuple[list[str], list[Cells]]]:
    """Each table between two lines: its header cells and its rows (1-based line, cells)."""
    n = start
    while n < end:
        if _is_row(lines[n]) and n + 1 < end and _is_rule(lines[n + 1]):
            header = cells(lines[n])
            body: list[Cells] = []
            n += 2
            while n < end and _is_row(lines[n]):
                body.append((n + 1, cells(lines[n])))
                n += 1
            yield header, body
        else:
            n += 1


def _is_row(line: str) -> bool:
    return line.lstrip().startswith("|")


def _is_rule(line: str) -> bool:
    """The line under a table's header: pipes, dashes and colons."""
    text = line.strip()
    return text.startswith("|") and "-" in text and set(text) <= set("|-: ")


def parse(text: str) -> Rulebook:
    """Read the areas, their index tables and the table of sources; note what is malformed."""
    lines = text.splitlines()
    problems: list[str] = []
    sources: set[str] = set()
    headings = [n for n, line in enumerate(lines) if line.startswith("## ")] + [len(lines)]
    sections: list[Section] = []
    for begin, end in itertools.pairwise(headings):
        found = AREA_HEADING.match(lines[begin])
        section = Section(found["area"], found["prefix"], begin + 1) if found else None
        for header, body in tables(lines, begin + 1, end):
            first = header[0].lower()
            if first.startswith("代号"):
                sources |= {row[0].strip("` ") for _n, row in body if row and row[0]}
                continue
            if first != "id":
                continue
            if section is None:
                problems.append(f"line {begin + 1}: an index table outside an area section")
                continue
            for n, row in body:
                if len(row) != COLUMNS:
                    problems.append(f"{row[0]} (line {n}): {len(row)} cells, not {COLUMNS}")
                    continue
                section.rows.append(Row(row[0], n, *row[1:]))
        if section is not None:
            sections.append(section)
    return Rulebook(sections, sources, problems)


# ------------------------------------------------------------------------------ homes
def code_problem(home: str) -> str | None:
    """Why ``module:dotted.name`` does not exist, or None when it does."""
    if not CODE_HOME.match(home):
        return f"{home!r} is not module:name"
    module_name, _, dotted = home.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
    except Exception as exc:  # any failure to import is the finding
        return f"module {module_name} cannot be imported ({type(exc).__name__}: {exc})"
    path = module_name
    for name in dotted.split("."):
        if hasattr(obj, name):
            obj = getattr(obj, name)
        elif isinstance(obj, type) and _declared(obj, name):
            obj = None  # a dataclass field or annotated attribute without a class-level value
        else:
            return f"{path} has no {name!r}"
        path = f"{path}.{name}"
    return None


def _declared(cls: type, name: str) -> bool:
    for klass in cls.__mro__:
        fields = getattr(klass, "__dataclass_fields__", {})
        if name in fields or name in inspect.get_annotations(klass):
            return True
    return False


def key_problem(data: Mapping[str, Any], key: str) -> str | None:
    """Why ``key`` is not in the parsed rules.toml, or None when it is.

    Dotted names walk tables; ``name[x]`` picks the entry of an array of tables whose ``id``
    is ``x``, ``name[field=value]`` the one whose ``field`` is ``value`` (exactly one).
    """
    parts = list(KEY_PART.finditer(key))
    if not parts or "".join(p.group(0) for p in parts) != key:
        return f"{key!r} is not a dotted rules.toml key"
    node: Any = data
    path = ""
    for part in parts:
        name, select = part["name"], part["select"]
        path = f"{path}.{name}" if path else name
        if not isinstance(node, Mapping) or name not in node:
            return f"rules.toml has no {path}"
        node = node[name]
        if select is None:
            continue
        if not isinstance(node, list):
            return f"rules.toml {path} is not an array, cannot pick [{select}]"
        field_name, has_value, wanted = select.partition("=")
        if not has_value:
            field_name, wanted = "id", select
        picked = [e for e in node if isinstance(e, Mapping) and str(e.get(field_name)) == wanted]
        if len(picked) != 1:
            return f"rules.toml {path} has {len(picked)} entries with {field_name} = {wanted!r}"
        node = picked[0]
        path = f"{path}[{select}]"
    return None


def check(book: Rulebook, rules: Mapping[str, Any]) -> list[str]:
    """Every problem of the rulebook, each naming its row."""
    problems = list(book.problems)
    seen: dict[str, int] = {}
    for section in book.sections:
        if not section.rows:
            problems.append(f"section {section.area} (line {section.line}) has no rows")
        for row in section.rows:
            id_match = ROW_ID.match(row.id)
            if id_match is None:
                problems.append(f"line {row.line}: {row.id!r} is not an id like ABC-01")
            elif id_match["prefix"] != section.prefix:
                problems.append(
                    f"{row.where}: id is not of section {section.area} ({section.prefix})"
                )
            if row.id in seen:
                problems.append(f"{row.where}: id used already on line {seen[row.id]}")
            seen.setdefault(row.id, row.line)
            problems += [f"{row.where}: {p}" for p in row_problems(row, book.sources, rules)]
    return problems


def row_problems(row: Row, sources: set[str], rules: Mapping[str, Any]) -> Iterator[str]:
    if not row.rule:
        yield "no rule text"
    if not any(
        re.search(rf"(?<![\w/-]){re.escape(code)}(?![\w-])", row.source) for code in sources
    ):
        yield f"source {row.source!r} names no code of the table of sources"
    if row.status not in STATUSES:
        yield f"status {row.status!r} is not one of {sorted(STATUSES)}"
    homes = TICKED.findall(row.value)
    if row.value != NONE and not homes:
        yield f"value {row.value!r} names no rules.toml key or code home (or is {NONE})"
    for home in homes:
        problem = code_problem(home) if ":" in home else key_problem(rules, home)
        if problem:
            yield f"value: {problem}"
    logic = TICKED.findall(row.logic)
    if row.status == "N":
        if row.logic != NONE:
            yield f"marked N (not implemented) but names logic {row.logic!r}"
        return
    if len(logic) != 1:
        yield f"logic must name one module:function, not {row.logic!r}"
        return
    problem = code_problem(logic[0])
    if problem:
        yield f"logic: {problem}"


def citing_files(root: Path) -> Iterator[str]:
    """``path:line`` of every line of a repository file that cites the retired brief."""
    needle = RETIRED.lower().encode()
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not _skipped(here.joinpath(d).relative_to(root)))
        for name in sorted(files):
            path = here / name
            data = path.read_bytes()
            if needle not in data.lower():
                continue
            for n, line in enumerate(data.splitlines(), start=1):
                if needle in line.lower():
                    yield f"{path.relative_to(root).as_posix()}:{n}"


def _skipped(directory: Path) -> bool:
    name = directory.name
    return (
        name in SKIPPED_DIRS
        or name.endswith(".egg-info")
        or directory.parts[:2] == ("bench", "out")
    )


# ------------------------------------------------------------------------------ tests
@pytest.fixture(scope="module")
def book() -> Rulebook:
    return parse(RULEBOOK.read_text("utf-8"))


@pytest.fixture(scope="module")
def rules() -> dict[str, Any]:
    return tomllib.loads(RULES_TOML.read_text("utf-8"))


def test_every_row_names_homes_that_exist(book: Rulebook, rules: dict[str, Any]) -> None:
    problems = check(book, rules)
    assert not problems, "docs/rules.md:\n" + "\n".join(problems)


def test_the_rulebook_has_its_areas_and_sources(book: Rulebook) -> None:
    areas = [s.area for s in book.sections]
    assert len(areas) == len(set(areas))
    assert {"lifecycle", "inspections", "classification", "collection", "custody"} <= set(areas)
    assert len(book.rows) >= 100
    assert {"R-CLASS", "DA/T 70"} <= book.sources


def test_no_file_cites_the_retired_domain_brief() -> None:
    citing = list(citing_files(ROOT))
    assert not citing, "cite docs/rules.md and the rule id instead:\n" + "\n".join(citing)


# ------------------------------------------------------------------ the checker itself
SAMPLE = """# Rules

## Sources
| 代号 Code | Document |
|---|---|
| R-X | a regulation |

## 1. Inspections (`inspections`, INS)
| id | 规则 Rule | 来源 Source | 取值 Value | 逻辑 Logic | 状态 Status |
|---|---|---|---|---|---|
| INS-01 | a good row | R-X art. 1 | `inspections.months_a_rating` | `domain.schedules:InspectionSchedule.next_due` | Y |
{extra}
## 2. Staff (`staff`, STF)
| id | 规则 Rule | 来源 Source | 取值 Value | 逻辑 Logic | 状态 Status |
|---|---|---|---|---|---|
{staff}
"""
GOOD_STAFF = "| STF-01 | roles | R-X | — | `domain.values:Role` | Y |"


def problems_of(extra: str = "", staff: str = GOOD_STAFF) -> list[str]:
    rules = tomllib.loads(RULES_TOML.read_text("utf-8"))
    return check(parse(SAMPLE.format(extra=extra, staff=staff)), rules)


def test_the_checker_passes_a_good_rulebook() -> None:
    assert problems_of() == []


@pytest.mark.parametrize(
    ("row", "finding"),
    [
        (
            "| INS-02 | r | R-X | — | `domain.no_such_module:thing` | Y |",
            "INS-02 (line 12): logic: module domain.no_such_module cannot be imported",
        ),
        (
            "| INS-02 | r | R-X | — | `domain.schedules:InspectionSchedule.no_such_method` | Y |",
            "INS-02 (line 12): logic: domain.schedules.InspectionSchedule has no 'no_such_method'",
        ),
        (
            "| INS-02 | r | R-X | `collection.responsibility_from_nowhere` | `domain.values:Role` | Y |",
            "INS-02 (line 12): value: rules.toml has no collection.responsibility_from_nowhere",
        ),
        (
            "| INS-02 | r | R-X | `requirements[no.such.rule]` | `domain.values:Role` | Y |",
            "INS-02 (line 12): value: rules.toml requirements has 0 entries with id = 'no.such.rule'",
        ),
        (
            "| INS-02 | r | R-X | `collection.ladder[days=4]` | `domain.values:Role` | Y |",
            "INS-02 (line 12): value: rules.toml collection.ladder has 0 entries with days = '4'",
        ),
        (
            "| INS-02 | r | R-X | code `domain.custody:NO_SUCH_CONSTANT` | `domain.values:Role` | Y |",
            "INS-02 (line 12): value: domain.custody has no 'NO_SUCH_CONSTANT'",
        ),
        (
            "| INS-02 | r | R-X | — | — | Y |",
            "INS-02 (line 12): logic must name one module:function, not '—'",
        ),
        (
            "| INS-02 | r | R-X | — | `domain.values:Role` | N |",
            "INS-02 (line 12): marked N (not implemented) but names logic '`domain.values:Role`'",
        ),
        (
            "| INS-02 | r | a blog post | — | `domain.values:Role` | Y |",
            "INS-02 (line 12): source 'a blog post' names no code of the table of sources",
        ),
        (
            "| INS-01 | twice | R-X | — | `domain.values:Role` | Y |",
            "INS-01 (line 12): id used already on line 11",
        ),
        (
            "| STF-09 | wrong area | R-X | — | `domain.values:Role` | Y |",
            "STF-09 (line 12): id is not of section inspections (INS)",
        ),
        ("| INS-02 | too few cells | R-X |", "INS-02 (line 12): 3 cells, not 6"),
    ],
)
def test_the_checker_names_a_broken_row(row: str, finding: str) -> None:
    found = problems_of(extra=row)
    assert any(p.startswith(finding) for p in found), found


def test_the_checker_fails_a_section_without_rows() -> None:
    assert problems_of(staff="") == ["section staff (line 13) has no rows"]


def test_the_checker_reads_dataclass_fields_and_inherited_methods() -> None:
    assert code_problem("domain.tasks:Task.rules_version") is None
    assert code_problem("domain.loan:Loan.record_inspection") is None
    assert (
        code_problem("domain.tasks:Task.no_such_field")
        == "domain.tasks.Task has no 'no_such_field'"
    )


def test_the_file_scan_finds_a_citation(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text(f'"""Rules.\n\nAs {RETIRED} says."""\n', "utf-8")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "site.py").write_text(f"# {RETIRED}\n", "utf-8")
    assert list(citing_files(tmp_path)) == ["pkg/mod.py:3"]
