"""People as a page names them: "name（staff number）", looked up once per page."""

from __future__ import annotations

from uuid import UUID

from api.web.i18n import Translator
from archive.application import DossierArchive
from archive.core import SYSTEM_ID
from domain.errors import NotFoundError


class People:
    """Names staff ids for one page (each id read once)."""

    def __init__(self, archive: DossierArchive, t: Translator) -> None:
        self._archive = archive
        self.t = t
        self._names: dict[UUID, str] = {}

    def __call__(self, staff_id: UUID | str | None) -> str:
        if staff_id is None or staff_id == "":
            return ""
        key = staff_id if isinstance(staff_id, UUID) else UUID(str(staff_id))
        if key not in self._names:
            self._names[key] = self._name(key)
        return self._names[key]

    def _name(self, staff_id: UUID) -> str:
        if staff_id == SYSTEM_ID:
            return self.t("Server console")
        try:
            staff = self._archive.staff_by_id(staff_id)
        except NotFoundError:
            return self.t("(unknown person)")
        return f"{staff.name}（{staff.staff_no}）"
