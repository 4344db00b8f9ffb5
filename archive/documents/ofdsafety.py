"""Safety of an uploaded OFD (GB/T 33190, 版式文档), before any event.

An OFD is a ZIP package of XML parts: ``OFD.xml`` at the root names each document's root
(``DocBody/DocRoot``, usually ``Doc_0/Document.xml``), which lists the pages
(``Pages/Page/@BaseLoc``, each a ``Content.xml``). :func:`inspect_ofd` either returns the
page count the filing event records or raises :class:`~archive.errors.DocumentRejectedError`
naming the reason in Chinese and English; nothing else leaves it.

What is refused, and why:

* **Not a clean ZIP package.** Not a ZIP at all, a damaged one (a CRC or a local header that
  disagrees with the central directory), an encrypted entry, a compression method other
  than stored or deflated, a PDF header in the first kilobyte (a PDF/ZIP polyglot).
* **Paths that leave the package.** An entry or a reference (``DocRoot``, ``BaseLoc``) that
  is absolute, names a drive, or climbs out with ``..``; a symbolic link; two entries of
  one name (which one a reader opens is up to the reader).
* **Bombs.** More entries than the entry cap, more unpacked bytes than the size cap, an entry
  that unpacks more than the ratio cap times its packed size. Every entry is unpacked once,
  in bounded chunks, so a size the directory understates fails its CRC instead of growing.
* **XML a parser could be turned against.** Every ``.xml`` part is parsed with expat, without
  a tree except for ``OFD.xml`` and ``Document.xml``: a document type declaration
  (``DOCTYPE``, where entity bombs and external entities live) is refused as soon as it
  starts, parameter entities are never read, and nesting deeper than the depth cap or more
  elements than the element cap is refused.
* **Active content.** ``Actions``/``Action`` elements (GB/T 33190 §14: what a viewer does on
  open, click or page turn — links, sounds, movies, jumps), any element called
  ``JavaScript`` or ``Script``, a ``javascript:`` address, and an entry that is an executable
  (Windows, ELF, Mach-O).
* **A layout that does not hold.** No ``OFD.xml``, a root that is not ``OFD``, no document,
  a ``DocRoot`` or a page the package does not hold, no pages, a page listed twice, or a
  page's ``Content.xml`` under the document's ``Pages`` folder that the document does not
  list (a page no viewer shows).

The standard library's ZIP reader and expat do it: no third-party package is needed, and the
two on PyPI with OFD in their names do not fit (docs/ofd.md says why).
"""

from __future__ import annotations

import posixpath
import stat
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO
from xml.etree.ElementTree import Element, TreeBuilder
from xml.parsers import expat

from archive.documents.pdfsafety import refusal
from archive.errors import DocumentRejectedError

MEDIA_TYPE = "application/ofd"
CHUNK = 64 * 1024
RATIO_FLOOR = 64 * 1024
"""Entries smaller than this unpacked are not held to the ratio cap (tiny XML compresses well)."""
POLYGLOT_WINDOW = 1024
"""PDF viewers look for ``%PDF-`` this far into a file."""
EXECUTABLE_MAGIC = (
    b"MZ",
    b"\x7fELF",
    b"\xcf\xfa\xed\xfe",
    b"\xfe\xed\xfa\xcf",
    b"\xca\xfe\xba\xbe",
)
SCRIPT_NAMES = frozenset({"javascript", "script"})
ACTION_NAMES = frozenset({"actions", "action"})


@dataclass(frozen=True)
class OfdLimits:
    """Bounds of the inspection, so that a hostile package costs bounded time and memory."""

    max_entries: int = 10_000
    max_unpacked_bytes: int = 256 * 1024 * 1024
    """Bytes all entries together may unpack to."""
    max_ratio: int = 100
    """How many times its packed size one entry may unpack to (beyond :data:`RATIO_FLOOR`)."""
    max_depth: int = 64
    """Nesting of elements in one XML part."""
    max_elements: int = 1_000_000
    """Elements in one XML part."""
    max_pages: int = 100_000


LIMITS = OfdLimits()


@dataclass(frozen=True)
class OfdFacts:
    """What an accepted OFD tells the filing event (and where its pages are)."""

    pages: int
    page_parts: tuple[str, ...] = field(default=(), repr=False)


# ----------------------------------------------------------------------------- reasons
NOT_ZIP = ("不是 ZIP 包（OFD 是 ZIP 容器）", "it is not a ZIP package (an OFD is a ZIP container)")
DAMAGED = ("OFD 包已损坏（ZIP 校验失败）", "the OFD package is damaged (its ZIP checks fail)")
TRAVERSAL = (
    "OFD 包内路径越出包外（路径穿越）",
    "a path in the OFD package leaves the package (path traversal)",
)
NO_OFD_XML = ("OFD 包根目录缺少 OFD.xml", "the OFD package has no OFD.xml at its root")
DOCTYPE = (
    "OFD 的 XML 含有文档类型声明（DOCTYPE/实体）",
    "an XML part of the OFD has a document type declaration (DOCTYPE/entities)",
)
SCRIPT = ("OFD 含有脚本（JavaScript）", "the OFD contains a script (JavaScript)")
ACTIONS = (
    "OFD 含有动作（Actions），阅读器会执行它们",
    "the OFD contains actions (Actions) a viewer would run",
)
TOO_DEEP = ("OFD 的 XML 嵌套过深", "an XML part of the OFD is nested too deep")


class _Refused(Exception):
    """Raised inside expat handlers; turned into the bilingual refusal outside."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


def inspect_ofd(file: BinaryIO, name: str, *, limits: OfdLimits = LIMITS) -> OfdFacts:
    """Check one OFD for everything the module docstring lists; return its page count."""
    try:
        return _inspect(file, limits)
    except _Refused as refused:
        raise refusal(refused.zh, refused.en, name) from None
    except DocumentRejectedError:
        raise
    except MemoryError:
        raise refusal(
            "OFD 包解压后过大", "the OFD package is too large once unpacked", name
        ) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError):
        raise refusal(*DAMAGED, name) from None
    except Exception:
        raise refusal("OFD 无法解析", "the OFD cannot be parsed", name) from None


def extract_ofd_text(
    file: BinaryIO, *, max_chars: int = 1_000_000, max_seconds: float = 60.0
) -> str:
    """The ``TextCode`` text of every page in order (pages separated by form feeds).

    Bounded like the PDF extraction; never raises for a bad file (a refused one gives "").
    """
    deadline = time.monotonic() + max_seconds
    texts: list[str] = []
    total = 0
    try:
        facts = _inspect(file, LIMITS)
        with zipfile.ZipFile(file) as package:
            for part in facts.page_parts:
                pieces: list[str] = []
                _parse(package, package.getinfo(part), LIMITS, on_text=pieces.append)
                texts.append("".join(pieces)[: max_chars - total])
                total += len(texts[-1]) + 1
                if total >= max_chars or time.monotonic() > deadline:
                    break
    except Exception:  # noqa: S110 - the text is a search aid, never a reason to fail
        pass
    return "\f".join(texts)[:max_chars]


# ------------------------------------------------------------------------ the package
def _inspect(file: BinaryIO, limits: OfdLimits) -> OfdFacts:
    file.seek(0)
    if b"%PDF-" in file.read(POLYGLOT_WINDOW):
        raise _Refused(
            "OFD 开头含有 PDF 文件头（多格式伪装文件）",
            "the OFD has a PDF header in its first bytes (a polyglot file)",
        )
    file.seek(0)
    try:
        package = zipfile.ZipFile(file)
    except zipfile.BadZipFile:
        raise _Refused(*NOT_ZIP) from None
    with package:
        infos = package.infolist()
        _check_entries(infos, limits)
        names = {info.filename for info in infos}
        for info in infos:
            _unpack(package, info, limits)
        if "OFD.xml" not in names:
            raise _Refused(*NO_OFD_XML)
        roots = _doc_roots(_tree(package, "OFD.xml", limits))
        parts: list[str] = []
        for root in roots:
            document = _resolve("", root)
            if document not in names:
                raise _Refused(
                    f"OFD.xml 指明的文档 {document} 不在包内",
                    f"OFD.xml names a document ({document}) the package does not hold",
                )
            parts += _pages(package, document, names, limits)
        return OfdFacts(pages=len(parts), page_parts=tuple(parts))


def _check_entries(infos: list[zipfile.ZipInfo], limits: OfdLimits) -> None:
    if len(infos) > limits.max_entries:
        raise _Refused(
            f"OFD 包条目过多（上限 {limits.max_entries}）",
            f"the OFD package has more than {limits.max_entries} entries",
        )
    seen: set[str] = set()
    unpacked = 0
    for info in infos:
        entry = info.filename
        if _escapes(entry) or stat.S_ISLNK(info.external_attr >> 16):
            raise _Refused(*TRAVERSAL)
        if entry in seen:
            raise _Refused(f"OFD 包含有重名条目 {entry}", f"the OFD package holds {entry} twice")
        seen.add(entry)
        if info.flag_bits & 0x1:
            raise _Refused("OFD 包含有加密条目", "the OFD package has an encrypted entry")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _Refused(
                "OFD 包使用了不支持的压缩方式", "the OFD package uses an unsupported compression"
            )
        unpacked += info.file_size
        if unpacked > limits.max_unpacked_bytes:
            raise _Refused(
                f"OFD 包解压后超过 {limits.max_unpacked_bytes} 字节",
                f"the OFD package unpacks to more than {limits.max_unpacked_bytes} bytes",
            )
        if info.file_size > RATIO_FLOOR and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            raise _Refused(
                f"OFD 包条目压缩比超过 {limits.max_ratio} 倍（压缩炸弹）",
                f"an entry of the OFD package unpacks to more than {limits.max_ratio} times "
                "its packed size (a zip bomb)",
            )


def _escapes(path: str) -> bool:
    """True when an entry name or a reference would leave the package."""
    if not path or "\x00" in path or "\\" in path or path.startswith("/"):
        return True
    first = path.split("/", 1)[0]
    return ":" in first or ".." in path.split("/")


def _unpack(package: zipfile.ZipFile, info: zipfile.ZipInfo, limits: OfdLimits) -> None:
    """Unpack one entry in bounded chunks (its CRC is checked at the end); parse XML parts;
    refuse an executable."""
    if info.is_dir():
        return
    if info.filename.lower().endswith(".xml"):
        _parse(package, info, limits)
        return
    with package.open(info) as stream:
        if stream.read(4).startswith(EXECUTABLE_MAGIC):
            raise _Refused("OFD 包含有可执行文件", "the OFD package contains an executable")
        while stream.read(CHUNK):
            pass


# --------------------------------------------------------------------------- the XML
def _parse(
    package: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    limits: OfdLimits,
    *,
    builder: TreeBuilder | None = None,
    on_text: Callable[[str], None] | None = None,
) -> None:
    """Parse one XML part with every guard; feed ``builder`` (a tree) or ``on_text`` (the
    character data of ``TextCode`` elements) if asked."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    depth = elements = in_text = 0

    def doctype(*_args: object) -> None:
        raise _Refused(*DOCTYPE)

    def refuse_external(*_args: object) -> int:
        raise _Refused(*DOCTYPE)

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal depth, elements, in_text
        depth += 1
        elements += 1
        if depth > limits.max_depth:
            raise _Refused(*TOO_DEEP)
        if elements > limits.max_elements:
            raise _Refused("OFD 的 XML 元素过多", "an XML part of the OFD has too many elements")
        local = tag.rsplit("}", 1)[-1]
        if local.lower() in SCRIPT_NAMES or any(
            value.strip().lower().startswith("javascript:") for value in attrs.values()
        ):
            raise _Refused(*SCRIPT)
        if local.lower() in ACTION_NAMES:
            raise _Refused(*ACTIONS)
        if local == "TextCode":
            in_text += 1
        if builder is not None:
            builder.start(local, {k.rsplit("}", 1)[-1]: v for k, v in attrs.items()})

    def end(tag: str) -> None:
        nonlocal depth, in_text
        depth -= 1
        local = tag.rsplit("}", 1)[-1]
        if local == "TextCode":
            in_text -= 1
        if builder is not None:
            builder.end(local)

    def data(text: str) -> None:
        if text.strip().lower().startswith("javascript:"):
            raise _Refused(*SCRIPT)
        if builder is not None:
            builder.data(text)
        if on_text is not None and in_text:
            on_text(text)

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.UnparsedEntityDeclHandler = doctype
    parser.ExternalEntityRefHandler = refuse_external
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    try:
        with package.open(info) as stream:
            while chunk := stream.read(CHUNK):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError:
        raise _Refused(
            f"OFD 的 XML 部件 {info.filename} 格式不正确",
            f"the XML part {info.filename} of the OFD is not well-formed",
        ) from None


def _tree(package: zipfile.ZipFile, part: str, limits: OfdLimits) -> Element:
    builder = TreeBuilder()
    _parse(package, package.getinfo(part), limits, builder=builder)
    return builder.close()


def _doc_roots(ofd: Element) -> list[str]:
    if ofd.tag != "OFD":
        raise _Refused("OFD.xml 的根元素不是 OFD", "the root element of OFD.xml is not OFD")
    roots = [(r.text or "").strip() for body in ofd.iter("DocBody") for r in body.iter("DocRoot")]
    if not roots or not all(roots):
        raise _Refused(
            "OFD.xml 未指明文档（DocBody/DocRoot）",
            "OFD.xml names no document (DocBody/DocRoot)",
        )
    return roots


def _resolve(base: str, location: str) -> str:
    """A location in the package: absolute from its root, or relative to ``base``."""
    location = location.strip()
    if "\\" in location or "\x00" in location:
        raise _Refused(*TRAVERSAL)
    path = location.lstrip("/") if location.startswith("/") else posixpath.join(base, location)
    path = posixpath.normpath(path) if path else path
    if not path or _escapes(path):
        raise _Refused(*TRAVERSAL)
    return path


def _pages(
    package: zipfile.ZipFile, document: str, names: set[str], limits: OfdLimits
) -> list[str]:
    """The page parts ``document`` lists, in order, checked against what the package holds."""
    tree = _tree(package, document, limits)
    if tree.tag != "Document":
        raise _Refused(
            f"{document} 的根元素不是 Document", f"the root element of {document} is not Document"
        )
    base = posixpath.dirname(document)
    listed = [
        page.get("BaseLoc", "") for pages in tree.iter("Pages") for page in pages.iter("Page")
    ]
    if not listed:
        raise _Refused(f"{document} 未列出任何页面", f"{document} lists no pages")
    if len(listed) > limits.max_pages:
        raise _Refused(
            f"OFD 页数超过 {limits.max_pages}", f"the OFD has more than {limits.max_pages} pages"
        )
    parts = [_resolve(base, location) for location in listed]
    missing = next((part for part in parts if part not in names), None)
    if missing is not None:
        raise _Refused(
            f"页数与 {document} 不符：它列出的页面 {missing} 不在包内",
            f"the page count does not match {document}: it lists a page the package does "
            f"not hold ({missing})",
        )
    if len(set(parts)) != len(parts):
        raise _Refused(f"{document} 重复列出同一页面", f"{document} lists a page twice")
    folder = posixpath.join(base, "Pages") + "/"
    unlisted = sorted(
        n for n in names if n.startswith(folder) and n.endswith("/Content.xml") and n not in parts
    )
    if unlisted:
        raise _Refused(
            f"页数与 {document} 不符：包内有未列出的页面 {unlisted[0]}",
            f"the page count does not match {document}: the package holds a page it does not "
            f"list ({unlisted[0]})",
        )
    return parts
