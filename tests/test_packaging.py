"""What the wheel ships: every production package, the rule set — and not the demo portfolio.

Read with setuptools' own reading of pyproject.toml, so this is the package list a build uses.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from setuptools.config.pyprojecttoml import apply_configuration
from setuptools.dist import Distribution

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {"canonical", "domain", "archive", "storage", "projections", "api", "dossier_verify"}


@pytest.fixture(scope="module")
def wheel() -> Distribution:
    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
        patch.chdir(ROOT)
        warnings.simplefilter("ignore")  # setuptools calls its pyproject support "beta"
        return apply_configuration(Distribution(), ROOT / "pyproject.toml")


def _packages_in(folder: Path) -> set[str]:
    return {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in folder.rglob("__init__.py")
        if "__pycache__" not in init.parts
    }


def test_the_wheel_ships_every_production_package_and_the_rule_set(wheel: Distribution) -> None:
    packages = set(wheel.packages or ())

    expected = set().union(*(_packages_in(ROOT / name) for name in PRODUCTION))
    assert packages == expected
    assert "*.toml" in (wheel.package_data or {}).get("archive", [])
    # The web console's pages, files and Chinese catalogue travel with `api`.
    assert {
        "web/templates/**/*.html",
        "web/static/**/*",
        "web/locale/**/*.po",
    } <= set((wheel.package_data or {}).get("api", []))
    assert (ROOT / "archive" / "rules.toml").is_file()
    assert wheel.entry_points["console_scripts"] == [
        "dossier = api.cli:main",
        "dossier-verify-bundle = dossier_verify.__main__:main",
    ]


def test_the_wheel_does_not_ship_the_demo_portfolio(wheel: Distribution) -> None:
    assert (ROOT / "demo" / "portfolio.py").is_file()  # it is in the repository …
    shipped = {name.split(".")[0] for name in wheel.packages or ()}

    assert "demo" not in shipped  # … and not in the wheel
    assert shipped == PRODUCTION
