"""Counts the ``assert`` statements and ``pytest.raises`` of every test, to show none is lost.

A test's id is ``path::Class::function`` (``path::function`` at module level), as pytest names
it without parameters: the functions named ``test*`` of the files ``test_*.py`` or
``*_test.py``, at module level or in classes named ``Test*``. Everything a test's body holds
counts for it, nested functions included. Every other function under the tests' root (fixtures,
helpers, ``conftest.py``, factories) is counted too, under its own id, as a helper; code at a
module's top level counts under ``path::<module>``.

``pytest.raises`` is counted wherever it is called (``with pytest.raises(...)``, or ``raises``
imported from pytest); an ``assert`` is counted once however long its expression.

Usage::

    python tools/assertion_census.py                 # the working tree: totals
    python tools/assertion_census.py --list          # ... and every id with its counts
    python tools/assertion_census.py --rev b57aad6   # a git revision instead
    python tools/assertion_census.py --compare b57aad6 [--rev HEAD]

``--compare OLD`` counts OLD and the working tree (or ``--rev``), maps OLD's ids through the
rename map (``tools/test_renames.toml``, ``"old id" = "new id"``; see that file) and prints the
totals of both and every id whose ``assert`` or ``pytest.raises`` count dropped — an id that
no longer exists counts as dropped to nothing. Exit status 1 when any dropped, else 0.
"""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[1]
TESTS = "tests"
RENAMES = ROOT / "tools" / "test_renames.toml"


@dataclass
class Count:
    """What one id holds: its assertions, its ``pytest.raises``, and whether it is a test."""

    asserts: int = 0
    raises: int = 0
    test: bool = True

    def __add__(self, other: Count) -> Count:
        return Count(self.asserts + other.asserts, self.raises + other.raises, self.test)


Census = dict[str, Count]


# ---------------------------------------------------------------------------- counting
def is_test_file(path: str) -> bool:
    name = PurePosixPath(path).name
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


@dataclass
class _Counter(ast.NodeVisitor):
    """Counts assert statements and pytest.raises calls below one node."""

    raises_names: frozenset[str]
    """Plain names bound to ``pytest.raises`` in the module (``from pytest import raises``)."""
    pytest_names: frozenset[str]
    """Names the module binds to ``pytest`` itself (``import pytest [as pt]``)."""
    count: Count = field(default_factory=Count)

    def visit_Assert(self, node: ast.Assert) -> None:
        self.count.asserts += 1
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "raises"
            and isinstance(func.value, ast.Name)
            and func.value.id in self.pytest_names
        ) or (isinstance(func, ast.Name) and func.id in self.raises_names):
            self.count.raises += 1
        self.generic_visit(node)


def _imports(tree: ast.Module) -> tuple[frozenset[str], frozenset[str]]:
    pytest_names = {"pytest"}
    raises_names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "pytest":
                    pytest_names.add(alias.asname or "pytest")
        elif isinstance(node, ast.ImportFrom) and node.module == "pytest":
            for alias in node.names:
                if alias.name == "raises":
                    raises_names.add(alias.asname or "raises")
    return frozenset(raises_names), frozenset(pytest_names)


def count_source(path: str, source: str) -> Census:
    """The census of one file: its tests' ids (and helpers') with their counts."""
    tree = ast.parse(source, filename=path)
    raises_names, pytest_names = _imports(tree)
    tests_here = is_test_file(path)
    found: Census = {}

    def counted(node: ast.AST, test: bool) -> Count:
        counter = _Counter(raises_names, pytest_names, Count(test=test))
        counter.visit(node)
        return counter.count

    def add(name: str, count: Count) -> None:
        key = f"{path}::{name}"
        found[key] = found[key] + count if key in found else count

    def walk_class(node: ast.ClassDef, prefix: str) -> None:
        is_test_class = tests_here and node.name.startswith("Test")
        for item in node.body:
            qualified = f"{prefix}::{item.name}" if hasattr(item, "name") else prefix
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                add(qualified, counted(item, is_test_class and item.name.startswith("test")))
            elif isinstance(item, ast.ClassDef):
                walk_class(item, qualified)
            else:
                add(prefix, counted(item, False))

    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            add(node.name, counted(node, tests_here and node.name.startswith("test")))
        elif isinstance(node, ast.ClassDef):
            walk_class(node, node.name)
        else:
            add("<module>", counted(node, False))
    # Ids with nothing to count say nothing unless they are tests.
    return {k: v for k, v in found.items() if v.test or v.asserts or v.raises}


def _git(*args: str, input: bytes | None = None) -> bytes:
    done = subprocess.run(["git", "-C", str(ROOT), *args], input=input, capture_output=True)
    if done.returncode != 0:
        sys.exit(f"git {' '.join(args)}: {done.stderr.decode().strip()}")
    return done.stdout


def sources_at(rev: str | None, root: str = TESTS) -> Iterator[tuple[str, str]]:
    """(path, source) of every Python file under ``root``: the working tree's, or ``rev``'s."""
    if rev is None:
        for path in sorted((ROOT / root).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "__pycache__" not in relative:
                yield relative, path.read_text("utf-8")
        return
    names = [
        n
        for n in _git("ls-tree", "-r", "--name-only", rev, "--", root).decode().splitlines()
        if n.endswith(".py")
    ]
    if not names:
        return
    # One git process for every file: `cat-file --batch` answers "<sha> blob <size>\n<bytes>\n".
    out = _git("cat-file", "--batch", input="".join(f"{rev}:{n}\n" for n in names).encode())
    offset = 0
    for name in names:
        header_end = out.index(b"\n", offset)
        size = int(out[offset:header_end].split()[2])
        start = header_end + 1
        yield name, out[start : start + size].decode("utf-8")
        offset = start + size + 1


def census(rev: str | None, root: str = TESTS) -> Census:
    found: Census = {}
    for path, source in sources_at(rev, root):
        found.update(count_source(path, source))
    return found


# ---------------------------------------------------------------------------- comparing
def load_renames(path: Path) -> dict[str, list[str]]:
    """``old id = new id`` (or a list of new ids, for a test split in several); a key naming a
    file or class renames every id below it."""
    if not path.exists():
        return {}
    raw = tomllib.loads(path.read_text("utf-8"))
    renames: dict[str, list[str]] = {}
    for old, new in raw.items():
        if isinstance(new, str):
            renames[old] = [new]
        elif isinstance(new, list) and new and all(isinstance(n, str) for n in new):
            renames[old] = list(new)
        else:
            sys.exit(f"{path}: {old!r} must map to an id or a list of ids")
    return renames


def renamed(old_id: str, renames: Mapping[str, list[str]]) -> list[str]:
    """Where ``old_id`` went: its own entry, else that of the longest file or class prefix."""
    if old_id in renames:
        return renames[old_id]
    parts = old_id.split("::")
    for cut in range(len(parts) - 1, 0, -1):
        prefix = "::".join(parts[:cut])
        if prefix in renames:
            rest = "::".join(parts[cut:])
            return [f"{new}::{rest}" for new in renames[prefix]]
    return [old_id]


@dataclass
class Drop:
    old: list[str]
    new: list[str]
    before: Count
    after: Count
    missing: list[str] = field(default_factory=list)
    """The new ids the old ones went to that do not exist (a test removed, or a rename that
    the map does not know)."""


def compare(old: Census, new: Census, renames: Mapping[str, list[str]]) -> list[Drop]:
    """Each group of old ids and the new ids they went to (merges and splits joined), whose
    counts dropped."""
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for old_id in old:
        for new_id in renamed(old_id, renames):
            parent[find(f"old:{old_id}")] = find(f"new:{new_id}")
    groups: dict[str, tuple[list[str], list[str]]] = {}
    for key in list(parent):
        side, _, ident = key.partition(":")
        olds, news = groups.setdefault(find(key), ([], []))
        (olds if side == "old" else news).append(ident)
    drops = []
    for olds, news in groups.values():
        before = sum((old[i] for i in olds), Count(0, 0))
        after = sum((new[i] for i in news if i in new), Count(0, 0))
        if after.asserts < before.asserts or after.raises < before.raises:
            missing = sorted(i for i in news if i not in new)
            drops.append(Drop(sorted(olds), sorted(news), before, after, missing))
    return sorted(drops, key=lambda d: d.old)


def totals(found: Census) -> dict[str, int]:
    tests = [c for c in found.values() if c.test]
    helpers = [c for c in found.values() if not c.test]
    return {
        "tests": len(tests),
        "asserts": sum(c.asserts for c in tests),
        "raises": sum(c.raises for c in tests),
        "helper_asserts": sum(c.asserts for c in helpers),
        "helper_raises": sum(c.raises for c in helpers),
    }


def _line(label: str, figures: Mapping[str, int]) -> str:
    return (
        f"{label:<24} {figures['tests']:>6} tests  {figures['asserts']:>6} assert  "
        f"{figures['raises']:>5} pytest.raises   (helpers: {figures['helper_asserts']} assert, "
        f"{figures['helper_raises']} pytest.raises)"
    )


def _print_list(found: Census) -> None:
    for key in sorted(found):
        c = found[key]
        kind = "" if c.test else "  (helper)"
        print(f"{c.asserts:>4} {c.raises:>3}  {key}{kind}")


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Count assert statements and pytest.raises per test id."
    )
    parser.add_argument("--rev", help="a git revision to count instead of the working tree")
    parser.add_argument("--compare", metavar="OLD", help="the revision to compare against")
    parser.add_argument("--renames", type=Path, default=RENAMES, help="the rename map (TOML)")
    parser.add_argument("--root", default=TESTS, help="the tests' folder (default: tests)")
    parser.add_argument("--list", action="store_true", help="print every id with its counts")
    parser.add_argument("--json", action="store_true", help="print the census as JSON")
    args = parser.parse_args(list(argv) if argv is not None else None)

    current = census(args.rev, args.root)
    label = args.rev or "working tree"
    if args.compare is None:
        if args.json:
            print(json.dumps({"totals": totals(current), "ids": _as_json(current)}, indent=1))
            return 0
        if args.list:
            _print_list(current)
        print(_line(label, totals(current)))
        return 0

    before = census(args.compare, args.root)
    drops = compare(before, current, load_renames(args.renames))
    if args.json:
        print(
            json.dumps(
                {
                    "before": {"rev": args.compare, **totals(before)},
                    "after": {"rev": label, **totals(current)},
                    "dropped": [
                        {
                            "old": d.old,
                            "new": d.new,
                            "before": [d.before.asserts, d.before.raises],
                            "after": [d.after.asserts, d.after.raises],
                            "not_found": d.missing,
                        }
                        for d in drops
                    ],
                },
                indent=1,
            )
        )
        return 1 if drops else 0
    if args.list:
        _print_list(current)
    print(_line(args.compare, totals(before)))
    print(_line(label, totals(current)))
    for d in drops:
        went = ", ".join(f"{n} (not found)" if n in d.missing else n for n in d.new)
        print(
            f"DROPPED {', '.join(d.old)} -> {went}: assert {d.before.asserts} -> "
            f"{d.after.asserts}, pytest.raises {d.before.raises} -> {d.after.raises}"
        )
    print(f"{len(drops)} ids lost assertions" if drops else "no id lost an assertion")
    return 1 if drops else 0


def _as_json(found: Census) -> dict[str, dict[str, int | bool]]:
    return {
        k: {"asserts": c.asserts, "raises": c.raises, "test": c.test}
        for k, c in sorted(found.items())
    }


if __name__ == "__main__":
    sys.exit(main())
