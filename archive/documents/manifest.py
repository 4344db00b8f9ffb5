"""Bulk documents from digitisation (数字化加工): a CSV manifest of scanned files, each filed in
its loan's dossier through the same command as a supplement filed over the API.

The manifest (UTF-8, with or without a BOM, or GB18030) has a header row naming its columns:
``file`` (a path relative to the manifest's folder), ``loan_no``, ``doc_type``, ``stage``,
``pages`` (the page count the digitiser counted), and optionally ``filename`` (the name to file
it under) or ``title`` (filed as the title with the file's extension); other columns are
ignored. Every line is checked before it is filed — the file inside the manifest's folder and
present, the loan known and within the caller's data scope, the document type in the catalogue
and filed at that stage, the document through every ingest check, a PDF's pages as counted —
and a line refused is reported (:class:`~archive.feed.problems.FeedProblem`) while the others
are filed. A document whose SHA-256 the loan's dossier already holds is skipped: running the
manifest again files nothing new. Each filing carries an idempotency key made of the loan and
the hash, so two runs at once (or a run after one killed between its save and its answer)
cannot file a document twice.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from archive.core import CommandContext
from archive.documents.ingest import Upload, stage
from archive.errors import ConcurrentUpdateError
from archive.feed.problems import FeedProblem
from archive.reading import ReadQueries
from domain.authorization import Action
from domain.errors import DomainError, NotFoundError
from domain.rules import RuleSet

REQUIRED = ("file", "loan_no", "doc_type", "stage", "pages")
OPTIONAL = ("filename", "title")
ENCODINGS = {"utf-8": "utf-8-sig", "utf8": "utf-8-sig", "gb18030": "gb18030"}
KEY_PREFIX = "import-documents"
DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class ManifestLine:
    """One line of the manifest (``line``: its number in the file, the header being 1)."""

    line: int
    values: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.values.get(column, "").strip()


@dataclass(frozen=True)
class Filed:
    """A line filed (or skipped): where it came from and what the dossier now holds."""

    line: int
    file: str
    loan_no: str
    sha256: str


@dataclass
class ImportOutcome:
    """What an import did, line by line: filed, skipped (already in the dossier), refused."""

    lines: int = 0
    filed: list[Filed] = field(default_factory=list)
    skipped: list[Filed] = field(default_factory=list)
    refused: list[FeedProblem] = field(default_factory=list)


class ManifestRefused(Exception):
    """Raised when the manifest as a whole cannot be read: nothing of it is filed."""

    def __init__(self, problems: Sequence[FeedProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__(str(self.problems[0]))


def codec(encoding: str) -> str:
    """The codec a manifest in ``encoding`` (UTF-8 or GB18030) is read with; else ValueError."""
    try:
        return ENCODINGS[encoding.strip().lower().replace("_", "-")]
    except KeyError:
        raise ValueError(encoding) from None


def read_manifest(path: Path, encoding: str = "utf-8") -> list[ManifestLine]:
    """The manifest's lines, or :class:`ManifestRefused` naming what stops it being read."""
    name = path.name
    try:
        text = path.read_bytes().decode(codec(encoding))
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ManifestRefused(
            [
                FeedProblem(
                    name,
                    line,
                    None,
                    "bad_encoding",
                    f"清单不是有效的 {encoding} 文本（第 {line} 行）",
                    f"the manifest is not valid {encoding} text (line {line})",
                )
            ]
        ) from None
    rows = csv.reader(io.StringIO(text, newline=""))
    header = [unicodedata.normalize("NFC", h).strip().lower() for h in next(rows, [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ManifestRefused(
            [
                FeedProblem(
                    name,
                    1,
                    column,
                    "missing_column",
                    f"清单表头缺少列 {column}",
                    f"the manifest's header has no column {column}",
                )
                for column in missing
            ]
        )
    lines: list[ManifestLine] = []
    for row in rows:
        number = rows.line_num
        if not any(cell.strip() for cell in row):
            continue
        lines.append(ManifestLine(number, dict(zip(header, row, strict=False))))
    return lines


def stages_of(rules: RuleSet, doc_type: str) -> frozenset[str]:
    """The stages at which ``doc_type`` is filed: its catalogue stage, and the stage of every
    filing requirement that asks for it."""
    stages = {rules.document_type(doc_type).stage}
    stages.update(r.stage for r in rules.requirements if doc_type in r.documents)
    return frozenset(stages)


def import_documents(
    archive: ReadQueries,
    ctx: CommandContext,
    manifest: Path,
    lines: Sequence[ManifestLine],
    *,
    each: Callable[[], None] = lambda: None,
) -> ImportOutcome:
    """File the manifest's ``lines`` as ``ctx``'s caller, line by line; ``each`` is called once
    a line is done (a progress bar)."""
    archive.actor(ctx, Action.FILE_DOCUMENT)  # a caller who may not file is refused whole
    rules = archive.rule_set()
    folder = manifest.parent.resolve()
    outcome = ImportOutcome(lines=len(lines))
    for line in lines:
        try:
            _import_line(archive, ctx, rules, manifest.name, folder, line, outcome)
        finally:
            each()
    return outcome


class _Refused(Exception):
    def __init__(self, column: str | None, code: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.column, self.code, self.zh, self.en = column, code, zh, en


def _import_line(
    archive: ReadQueries,
    ctx: CommandContext,
    rules: RuleSet,
    name: str,
    folder: Path,
    line: ManifestLine,
    outcome: ImportOutcome,
) -> None:
    try:
        result = _file_line(archive, ctx, rules, folder, line)
    except _Refused as refused:
        outcome.refused.append(
            FeedProblem(name, line.line, refused.column, refused.code, refused.zh, refused.en)
        )
        return
    filed, new = result
    (outcome.filed if new else outcome.skipped).append(filed)


def _file_line(
    archive: ReadQueries, ctx: CommandContext, rules: RuleSet, folder: Path, line: ManifestLine
) -> tuple[Filed, bool]:
    for column in REQUIRED:
        if not line[column]:
            raise _Refused(column, "missing_value", f"{column} 为空", f"{column} is empty")
    pages = _pages(line["pages"])
    doc_type, at = line["doc_type"], line["stage"]
    if doc_type not in rules.document_types:
        raise _Refused(
            "doc_type",
            "unknown_doc_type",
            f"未知的文档类型 {doc_type!r}",
            f"unknown document type {doc_type!r}",
        )
    allowed = stages_of(rules, doc_type)
    if at not in allowed:
        listed = ", ".join(sorted(allowed))
        raise _Refused(
            "stage",
            "stage_not_allowed",
            f"文档类型 {doc_type} 不在阶段 {at!r} 归档（应为 {listed}）",
            f"document type {doc_type} is not filed at stage {at!r} (it is filed at {listed})",
        )
    path = _inside(folder, line["file"])
    loan_no = line["loan_no"]
    try:
        dossier = archive.get_dossier(ctx, loan_no)
    except NotFoundError:
        raise _Refused(
            "loan_no", "unknown_loan", f"贷款 {loan_no} 不存在", f"loan {loan_no} does not exist"
        ) from None
    except DomainError as exc:
        raise _Refused("loan_no", exc.code, exc.zh, exc.en) from None
    filename = _filename(line, path)
    with path.open("rb") as stream:
        try:
            staged = stage(Upload(doc_type, filename, stream), archive.config, rules)
        except DomainError as exc:
            raise _Refused("file", exc.code, exc.zh, exc.en) from None
        staged.close()
    ref = staged.ref
    if ref.pages is not None and ref.pages != pages:
        raise _Refused(
            "pages",
            "page_count_mismatch",
            f"清单记为 {pages} 页，PDF 实有 {ref.pages} 页",
            f"the manifest says {pages} pages; the PDF has {ref.pages}",
        )
    filed = Filed(line.line, line["file"], loan_no, ref.sha256)
    if dossier.holds(ref.sha256):
        return filed, False
    keyed = replace(ctx, idempotency_key=f"{KEY_PREFIX}:{loan_no}:{ref.sha256}")
    try:
        try:
            return filed, _file(archive, keyed, loan_no, path, doc_type, filename, at)
        except ConcurrentUpdateError:
            # Another filing changed the dossier first: if it filed this very document, the
            # line is done; else file it once more on the dossier as it now is.
            if archive.get_dossier(ctx, loan_no).holds(ref.sha256):
                return filed, False
            return filed, _file(archive, keyed, loan_no, path, doc_type, filename, at)
    except DomainError as exc:
        raise _Refused("file", exc.code, exc.zh, exc.en) from None


def _file(
    archive: ReadQueries,
    ctx: CommandContext,
    loan_no: str,
    path: Path,
    doc_type: str,
    filename: str,
    at: str,
) -> bool:
    """File one document as a supplement (补充归档); whether it is new (not a replay)."""
    with path.open("rb") as stream:
        result = archive.file_supplement(
            ctx, loan_no, stage=at, uploads=[Upload(doc_type, filename, stream)]
        )
    return not result.replayed


def _pages(value: str) -> int:
    if value.isascii() and value.isdigit() and 0 < int(value) <= 1_000_000:
        return int(value)
    raise _Refused(
        "pages",
        "bad_pages",
        f"页数应为正整数，收到 {value!r}",
        f"pages must be a positive whole number, got {value!r}",
    )


def _inside(folder: Path, file: str) -> Path:
    """The file a line names, refused unless it lies inside the manifest's folder."""
    relative = Path(file.replace("\\", "/"))  # a manifest written on Windows
    resolved = (folder / relative).resolve()
    if relative.is_absolute() or DRIVE.match(file) or not resolved.is_relative_to(folder):
        raise _Refused(
            "file",
            "path_outside_manifest",
            f"文件 {file} 不在清单所在目录内",
            f"file {file} is outside the manifest's folder",
        )
    if not resolved.is_file():
        raise _Refused("file", "file_missing", f"文件不存在：{file}", f"no such file: {file}")
    return resolved


def _filename(line: ManifestLine, path: Path) -> str:
    """The name a document is filed under: ``filename``, else ``title`` with the file's
    extension, else the file's own name."""
    if line["filename"]:
        return line["filename"]
    if line["title"]:
        return line["title"] + path.suffix.lower()
    return path.name
