"""Rules that vary by bank, with DOMAIN.md's defaults, as one value object."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType

from domain.classification import FloorPolicy, SubGradeScheme
from domain.errors import InvalidInputError


@dataclass(frozen=True)
class DocumentType:
    """One entry of the document-type catalogue."""

    code: str
    zh: str
    en: str
    stage: str


def load_document_types(path: Path | None = None) -> Mapping[str, DocumentType]:
    """Load the catalogue from ``path`` or the one shipped with the package."""
    if path is None:
        text = resources.files("archive").joinpath("document_types.toml").read_text("utf-8")
    else:
        text = path.read_text("utf-8")
    data = tomllib.loads(text)
    types = {
        code: DocumentType(code, entry["zh"], entry["en"], entry["stage"])
        for code, entry in data["types"].items()
    }
    return MappingProxyType(types)


@dataclass(frozen=True)
class ArchiveConfig:
    """Configuration of the application: floors, schemes, catalogue, limits."""

    floor_policy: FloorPolicy = field(default_factory=FloorPolicy)
    sub_grades: SubGradeScheme = field(default_factory=SubGradeScheme)
    document_types: Mapping[str, DocumentType] = field(default_factory=load_document_types)
    max_upload_bytes: int = 50 * 1024 * 1024
    minimum_retention_years: int = 10
    """Every stored object is locked at least this long (the shortest retention class, D10,
    counts from the year after settlement, so no dossier's retention ends sooner). Where the
    store supports it (S3 Object Lock) not even its administrator can delete it earlier;
    destruction when retention ends deletes the dossier's data key instead."""
    extract_text: bool = False
    """Extract the text of stored PDFs in the background (the service turns this on)."""
    allowed_media_types: frozenset[str] = frozenset(
        {"application/pdf", "image/jpeg", "image/png", "image/tiff"}
    )

    def document_type(self, code: str) -> DocumentType:
        try:
            return self.document_types[code]
        except KeyError:
            raise InvalidInputError(
                f"未知的文档类型 {code!r}",
                f"unknown document type {code!r}; see GET /api/v1/document-types",
                field="documents",
            ) from None
