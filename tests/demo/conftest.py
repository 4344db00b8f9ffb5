"""The demo's tests use the registers of tests/projections (the demo's gaps, as they show there)."""

from tests.projections.conftest import registers  # noqa: F401 (the fixture)
