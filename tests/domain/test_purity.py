"""domain/ imports only the standard library, ``eventsourcing.domain``, itself and ``canonical``
(the one canonical JSON, itself standard library only under its own import-linter contract).

import-linter cannot forbid one submodule of an external package, so this
test reads every module's imports.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "domain"
ALLOWED_EXTERNAL = {"eventsourcing.domain"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_domain_imports_only_the_stdlib_and_eventsourcing_domain() -> None:
    offenders: dict[str, set[str]] = {}
    modules = sorted(DOMAIN.rglob("*.py"))
    assert len(modules) > 5
    for path in modules:
        bad = {
            name
            for name in _imports(path)
            if name.split(".")[0] not in sys.stdlib_module_names
            and name.split(".")[0] not in {"domain", "canonical", "__future__"}
            and name not in ALLOWED_EXTERNAL
        }
        if bad:
            offenders[str(path.relative_to(DOMAIN))] = bad
    assert offenders == {}
