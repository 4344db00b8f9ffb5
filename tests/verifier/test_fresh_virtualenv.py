"""The verifier runs where an auditor runs it: a fresh virtualenv holding nothing but itself.

It must import the standard library only, and nothing of the rest of the project, so the bag and
the ``dossier_verify`` folder are all an auditor needs.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from tests.verifier.bundles import PACKAGE, b64, fresh_verifier, raw_public_key, seal, write_bundle


def test_the_package_imports_only_the_standard_library_and_itself() -> None:
    for module in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(), str(module))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{module.name}: relative import"
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top == "dossier_verify" or top in sys.stdlib_module_names, (
                    f"{module.name} imports {name}"
                )


def test_the_verifier_runs_in_a_fresh_virtualenv_with_nothing_installed(tmp_path: Path) -> None:
    python = str(fresh_verifier(tmp_path / "venv"))
    bundle = write_bundle(tmp_path / "bag")
    bag = bundle.root
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [python, "-I", *args], cwd=elsewhere, capture_output=True, text=True, timeout=120
        )

    for foreign in ("cryptography", "bagit", "storage", "domain"):
        assert run("-c", f"import {foreign}").returncode != 0, f"{foreign} is importable"

    pinned = b64(raw_public_key(bundle.key))
    good = run("-m", "dossier_verify", str(bag), "--key", pinned, "--accept-old-format")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Verdict: PASS AS OLD FORMAT" in good.stdout

    loaded = run(
        "-c",
        "import sys; from dossier_verify import main; status = main([sys.argv[1], '--json']); "
        "print([m for m in sys.modules if m.split('.')[0] not in sys.stdlib_module_names "
        "and m.split('.')[0] not in ('dossier_verify', '__main__')], file=sys.stderr)",
        str(bag),
    )
    assert json.loads(loaded.stdout)["ok"] is True
    assert loaded.stderr.strip() == "[]"

    state = bag / "data/events/12.state"
    state.write_bytes(state.read_bytes().replace(b"archivist", b"archivisT"))
    seal(bag)
    bad = run("-m", "dossier_verify", str(bag), "--json")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert {(p["file"], p["check"]) for p in json.loads(bad.stdout)["problems"]} == {
        ("data/events/12.state", "event.state_sha256")
    }

    assert run("-m", "dossier_verify", str(elsewhere)).returncode == 2
