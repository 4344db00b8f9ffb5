"""Rules that vary by bank, with the defaults of docs/rules.md, as one value object."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType

from domain.classification import FloorPolicy, SubGradeScheme
from domain.errors import InvalidInputError
from domain.values import RetentionClass


@dataclass(frozen=True)
class DocumentType:
    """One entry of the document-type catalogue."""

    code: str
    zh: str
    en: str
    stage: str
    retention: RetentionClass = RetentionClass.TEN_YEARS
    """How long documents of this type are kept (保管期限: Y, D30 or D10)."""
    custody_tier: int = 2
    """1 for title certificates and securities (held like cash), 2 for other papers."""


def load_document_types(path: Path | None = None) -> Mapping[str, DocumentType]:
    """Load the catalogue from ``path`` or the one shipped with the package."""
    if path is None:
        text = resources.files("archive").joinpath("rules.toml").read_text("utf-8")
    else:
        text = path.read_text("utf-8")
    data = tomllib.loads(text)
    types = {
        code: DocumentType(
            code,
            entry["zh"],
            entry["en"],
            entry["stage"],
            RetentionClass.parse(entry.get("retention", "D10"), f"{code}.retention"),
            _tier(code, entry.get("custody_tier", 2)),
        )
        for code, entry in data["types"].items()
    }
    return MappingProxyType(types)


def _tier(code: str, value: object) -> int:
    if value not in (1, 2):
        raise InvalidInputError(
            f"{code} 的保管等级须为 1 或 2", f"{code}.custody_tier must be 1 or 2", field=code
        )
    return 1 if value == 1 else 2


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
    fonds_code: str = "J001"
    """全宗号: the fonds of the bank's credit records, first part of every reference code (档号)."""
    category_code: str = "XD"
    """类别号: the category of loan dossiers (信贷)."""
    department_code: str = "XDB"
    """机构（问题）代码: the department that formed the records (信贷部)."""
    timezone: str = "Asia/Shanghai"
    """The bank's time zone: which calendar day "today" is for the archive's own checks."""
    future_date_tolerance_days: int = 0
    """How many days after today the date of something that happened may lie (domain.dates):
    0, the default, allows up to today in the bank's calendar."""
    extract_text: bool = False
    """Extract the text of stored PDFs in the background (the service turns this on)."""
    allowed_media_types: frozenset[str] = frozenset(
        {"application/pdf", "image/jpeg", "image/png", "image/tiff"}
    )

    def retention_of(self, doc_types: Iterable[str]) -> RetentionClass:
        """The retention class of a dossier: the longest of its documents' (D10 when none)."""
        classes = [self.document_type(t).retention for t in doc_types]
        return max(classes, key=lambda c: c.rank, default=RetentionClass.TEN_YEARS)

    def tier1_doc_types(self) -> list[str]:
        """The document types held in custody tier 1."""
        return sorted(c for c, t in self.document_types.items() if t.custody_tier == 1)

    def document_type(self, code: str) -> DocumentType:
        try:
            return self.document_types[code]
        except KeyError:
            raise InvalidInputError(
                f"未知的文档类型 {code!r}",
                f"unknown document type {code!r}; see GET /api/v1/document-types",
                field="documents",
            ) from None
