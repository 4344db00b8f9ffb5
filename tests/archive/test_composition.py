"""DossierArchive is composed of the areas' command classes, side by side.

An area's commands stand on the archive's core alone; what one area needs of another (a
destruction asks borrowing whether originals are out) the assembled archive provides.
"""

from __future__ import annotations

import inspect

from archive.application import DossierArchive
from archive.commands.borrowing import BorrowingCommands
from archive.commands.disposition import DispositionCommands
from archive.core import ArchiveCore


def test_disposition_stands_on_the_core_not_on_borrowing() -> None:
    assert DispositionCommands.__bases__ == (ArchiveCore,)
    assert not issubclass(DispositionCommands, BorrowingCommands)
    assert issubclass(DossierArchive, DispositionCommands)
    assert issubclass(DossierArchive, BorrowingCommands)


def test_what_disposition_needs_of_another_area_the_assembled_archive_provides() -> None:
    declared = set(DispositionCommands.__annotations__)
    assert "circulation_of" in declared
    for name in declared:
        assert name not in vars(DispositionCommands), name
        assert callable(inspect.getattr_static(DossierArchive, name)), name
    assert DossierArchive.circulation_of is BorrowingCommands.circulation_of
