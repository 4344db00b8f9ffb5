"""tools/assertion_census.py: assertions counted per test id, renames followed, losses found."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "assertion_census", ROOT / "tools" / "assertion_census.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


census = _load()

SOURCE = textwrap.dedent(
    """
    import pytest
    from pytest import raises as refused

    LIMIT = 3
    assert LIMIT > 0

    def helper(x):
        assert x
        return x

    def test_plain():
        assert 1
        assert 2, "two"
        with pytest.raises(ValueError):
            int("x")

    def test_nested_and_imported_raises():
        def inner():
            assert True
        with refused(KeyError), pytest.raises(KeyError):
            {}["k"]

    class TestGroup:
        def test_method(self):
            assert self
            assert pytest.raises(ZeroDivisionError, lambda: 1 / 0)

        def not_a_test(self):
            assert False

        class TestInner:
            def test_deep(self):
                assert 3

    class Helper:
        def test_looks_like_one(self):
            assert 4

    def test_empty():
        pass
    """
)


def counts(found: dict[str, object]) -> dict[str, tuple[int, int, bool]]:
    return {k: (v.asserts, v.raises, v.test) for k, v in found.items()}  # type: ignore[attr-defined]


def test_each_test_id_counts_its_asserts_and_pytest_raises() -> None:
    found = counts(census.count_source("tests/x/test_sample.py", SOURCE))
    assert found == {
        "tests/x/test_sample.py::<module>": (1, 0, False),
        "tests/x/test_sample.py::helper": (1, 0, False),
        "tests/x/test_sample.py::test_plain": (2, 1, True),
        "tests/x/test_sample.py::test_nested_and_imported_raises": (1, 2, True),
        "tests/x/test_sample.py::TestGroup::test_method": (2, 1, True),
        "tests/x/test_sample.py::TestGroup::not_a_test": (1, 0, False),
        "tests/x/test_sample.py::TestGroup::TestInner::test_deep": (1, 0, True),
        "tests/x/test_sample.py::Helper::test_looks_like_one": (1, 0, False),
        "tests/x/test_sample.py::test_empty": (0, 0, True),
    }


def test_outside_test_files_everything_is_a_helper() -> None:
    found = counts(census.count_source("tests/conftest.py", SOURCE))
    assert not any(test for _a, _r, test in found.values())
    assert "tests/conftest.py::test_empty" not in found  # nothing to count, not a test


def c(asserts: int, raises: int = 0) -> object:
    return census.Count(asserts, raises)


def test_a_moved_test_is_matched_through_the_rename_map() -> None:
    old = {"tests/a.py::test_x": c(3, 1), "tests/a.py::T::test_y": c(2)}
    new = {"tests/b.py::test_x": c(3, 1), "tests/b.py::U::test_y": c(2)}
    assert census.compare(old, new, {}) != []
    renames = {"tests/a.py::test_x": ["tests/b.py::test_x"], "tests/a.py::T": ["tests/b.py::U"]}
    assert census.compare(old, new, renames) == []


def test_a_file_moved_as_a_whole_maps_every_id_below_it() -> None:
    old = {"tests/a.py::test_x": c(1), "tests/a.py::T::test_y": c(1)}
    new = {"tests/b/a.py::test_x": c(1), "tests/b/a.py::T::test_y": c(1)}
    assert census.compare(old, new, {"tests/a.py": ["tests/b/a.py"]}) == []


def test_split_and_merged_tests_are_compared_as_a_whole() -> None:
    old = {"tests/a.py::test_big": c(4, 2), "tests/a.py::test_p": c(1), "tests/a.py::test_q": c(1)}
    new = {
        "tests/a.py::test_one": c(2, 1),
        "tests/a.py::test_two": c(2, 1),
        "tests/a.py::test_pq": c(2),
    }
    renames = {
        "tests/a.py::test_big": ["tests/a.py::test_one", "tests/a.py::test_two"],
        "tests/a.py::test_p": ["tests/a.py::test_pq"],
        "tests/a.py::test_q": ["tests/a.py::test_pq"],
    }
    assert census.compare(old, new, renames) == []
    new["tests/a.py::test_two"] = c(2, 0)
    [drop] = census.compare(old, new, renames)
    assert drop.old == ["tests/a.py::test_big"]
    assert (drop.before.raises, drop.after.raises) == (2, 1)


def test_a_lost_assert_or_a_vanished_test_is_a_drop() -> None:
    old = {"tests/a.py::test_x": c(3, 1), "tests/a.py::test_gone": c(1)}
    new = {"tests/a.py::test_x": c(2, 1), "tests/a.py::test_new": c(9)}
    drops = census.compare(old, new, {})
    assert [(d.old, d.before.asserts, d.after.asserts) for d in drops] == [
        (["tests/a.py::test_gone"], 1, 0),
        (["tests/a.py::test_x"], 3, 2),
    ]


def test_the_rename_map_takes_ids_or_lists_and_refuses_anything_else(tmp_path: Path) -> None:
    good = tmp_path / "renames.toml"
    good.write_text(
        '"tests/a.py::t" = "tests/b.py::t"\n"tests/c.py" = ["tests/d.py", "tests/e.py"]\n'
    )
    assert census.load_renames(good) == {
        "tests/a.py::t": ["tests/b.py::t"],
        "tests/c.py": ["tests/d.py", "tests/e.py"],
    }
    bad = tmp_path / "bad.toml"
    bad.write_text('"tests/a.py::t" = 3\n')
    with pytest.raises(SystemExit, match="must map to an id"):
        census.load_renames(bad)


def test_comparing_the_tree_with_its_own_commit_finds_nothing_lost() -> None:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "assertion_census.py"),
            "--compare",
            "HEAD",
            "--rev",
            "HEAD",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no id lost an assertion" in done.stdout
