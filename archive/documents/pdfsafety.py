"""Safety of an uploaded PDF (四性检测 at ingest: usability and security), before any event.

:func:`inspect_pdf` either returns the facts the filing event records (the page count) or
raises :class:`~archive.errors.DocumentRejectedError` naming the reason in Chinese and
English. No other exception leaves it: whatever pypdf raises on a malformed or hostile file
— including ``RecursionError`` and ``MemoryError`` — is a refusal.

What is refused, and why:

* **Not one clean PDF.** No ``%%EOF`` (truncated); anything but whitespace after the last
  ``%%EOF`` (a second document hidden behind the first); a second ``%PDF-`` header anywhere
  (concatenated documents); HTML markup in the first bytes (a file a browser could sniff as
  HTML); a ZIP archive whose central directory ends the file (a PDF/ZIP polyglot).
* **Unreadable or encrypted.** pypdf cannot open it, or it is encrypted: the archive must be
  able to read what it keeps, without a key it does not hold.
* **Active content.** JavaScript wherever it sits (``/JS`` or ``/JavaScript`` keys — which
  covers the ``/Names`` tree, ``/OpenAction`` and ``/AA`` on the catalog, pages, annotations
  and form fields — and actions of type ``/JavaScript``); launch actions; actions that reach
  outside the document (``/GoToR``, ``/GoToE``, ``/ImportData``, ``/SubmitForm``,
  ``/RichMediaExecute``); XFA forms.
* **Links.** A ``/URI`` action is allowed only when its target is an absolute ``http:``,
  ``https:`` or ``mailto:`` address. DESIGN names launch actions; a ``file:`` or
  ``javascript:`` URI launches just the same, and a relative URI resolves against a base the
  archive does not control, so every other scheme — and no scheme — is refused. Plain web
  links, common in documents exported from office software, stay acceptable.
* **Embedded files.** An ``/EmbeddedFiles`` name tree, a file specification carrying ``/EF``,
  an ``/EmbeddedFile`` stream, a ``/FileAttachment`` annotation, or rich media.
* **Structure out of bounds.** A page tree whose leaves do not add up to the ``/Count`` its
  nodes declare, that is cyclic or lists a node twice, or is deeper than the depth limit; no
  pages at all; more indirect objects than the object budget; containers nested deeper than the
  depth limit within one object.

Two layers look for it. A scan of the raw bytes (streamed, in bounded chunks) checks the
beginning and the end, counts objects before pypdf is asked to index them, and looks for the
names of active content outside stream data — which catches what sits in an object pypdf
cannot parse or recovers away, where a more forgiving viewer might still find it. Then a walk
of the objects pypdf parses visits each one once: those reachable from the trailer and every
other object the cross-reference table lists, so neither an unreferenced object nor one packed
in a compressed object stream escapes. The walk uses an explicit stack, a visited set keyed by
indirect reference, a depth limit and an object budget; pypdf's own limits (elements per array
and dictionary, decompressed bytes per stream, page-tree depth) are tightened for the duration
through its context-local configuration. Stream contents are never decoded here, except object
streams, which pypdf must unpack to reach the objects inside them.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from pypdf import Configuration, PdfReader, apply_configuration, get_configuration
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    TextStringObject,
)

from archive.errors import DocumentRejectedError

SCAN_CHUNK = 1024 * 1024
OVERLAP = 32
HEAD_WINDOW = 2048
"""How many leading bytes are searched for HTML markup (browsers sniff about 1.5 KB)."""
ZIP_TAIL = 65_557
"""A ZIP reader looks for its end record this far from the end (22 bytes + a 64 KiB comment)."""
PDF_WHITESPACE = b"\x00\t\n\x0c\r "
ALLOWED_URI_SCHEMES = frozenset({"http", "https", "mailto"})

MARKUP = re.compile(
    rb"<(?:!--|!doctype|html|head|body|script|iframe|frameset|svg|object|embed|applet|meta"
    rb"|style|title|form|img|base)[\s/>]",
    re.IGNORECASE,
)
STREAM_KEYWORD = re.compile(rb"stream")
ACTIVE_NAME = re.compile(
    rb"/(?:JavaScript|JS|Launch|EmbeddedFiles?|XFA|RichMedia)(?=[\x00\t\n\x0c\r ()<>\[\]{}/%])"
)
"""Names of active content as they appear, unescaped, outside streams."""
NESTING_GAP = 64
"""Bytes without a bracket that may separate two opening brackets of one nesting run."""


def nesting_run(depth: int) -> re.Pattern[bytes]:
    """More than ``depth`` arrays or dictionaries opened one inside the next, none closed.

    Found in the raw bytes so that such a file never reaches pypdf's recursive parser: at a
    thousand levels it exhausts Python's stack, and objects finalised that deep cannot even
    report their errors.
    """
    return re.compile(rb"(?:(?:\[|<<)[^\[\]<>]{0,%d}){%d,}" % (NESTING_GAP, depth + 1))


XREF_ROW = re.compile(rb" \d{5} [nf]")
"""The end of a row of a cross-reference table (offset, generation, in use or free)."""
URI_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")

JAVASCRIPT = ("含有 JavaScript 脚本", "it contains JavaScript")
EMBEDDED = ("含有嵌入文件", "it contains an embedded file")
OUTSIDE_ACTIONS = {
    "/Launch": ("含有启动外部程序的动作（Launch）", "it contains a launch action"),
    "/GoToR": (
        "含有打开其他文件的动作（GoToR）",
        "it contains an action that opens another file (GoToR)",
    ),
    "/GoToE": (
        "含有打开嵌入文件的动作（GoToE）",
        "it contains an action that opens an embedded file (GoToE)",
    ),
    "/ImportData": (
        "含有导入外部数据的动作（ImportData）",
        "it contains an action that imports data (ImportData)",
    ),
    "/SubmitForm": (
        "含有向外提交表单的动作（SubmitForm）",
        "it contains an action that submits a form (SubmitForm)",
    ),
    "/RichMediaExecute": ("含有富媒体执行动作", "it contains a rich-media execute action"),
}
EMBEDDING_SUBTYPES = {"/FileAttachment", "/RichMedia", "/3D"}
XFA = ("含有 XFA 动态表单", "it contains an XFA form")
TOO_DEEP = ("PDF 对象嵌套过深", "its object graph is too deep (objects nested too far)")
RAW_NAMES = {
    "/JavaScript": JAVASCRIPT,
    "/JS": JAVASCRIPT,
    "/Launch": OUTSIDE_ACTIONS["/Launch"],
    "/EmbeddedFile": EMBEDDED,
    "/EmbeddedFiles": EMBEDDED,
    "/RichMedia": EMBEDDED,
    "/XFA": XFA,
}


@dataclass(frozen=True)
class PdfLimits:
    """Bounds of the inspection, so that a hostile file costs bounded time and memory."""

    max_objects: int = 200_000
    """Indirect objects the file may hold (those listed in its cross-reference table)."""
    max_depth: int = 64
    """Nesting of arrays and dictionaries within one object, and depth of the page tree."""
    max_elements: int = 100_000
    """Elements in one array or entries in one dictionary (pypdf's parser enforces it)."""
    max_stream_bytes: int = 64 * 1024 * 1024
    """Bytes one stream may decompress to (pypdf's filters enforce it)."""

    def pypdf_configuration(self) -> Configuration:
        """pypdf's current configuration with these limits, to apply only where it is used.

        A limit the installed pypdf does not know is left out rather than failing.
        """
        wanted = {
            "array_maximum_element_count": self.max_elements,
            "dictionary_maximum_element_count": self.max_elements,
            "maximum_declared_stream_length": self.max_stream_bytes,
            "zlib_maximum_output_length": self.max_stream_bytes,
            "lzw_maximum_output_length": self.max_stream_bytes,
            "run_length_maximum_output_length": self.max_stream_bytes,
            "brotli_maximum_output_length": self.max_stream_bytes,
            "jbig2_maximum_output_length": self.max_stream_bytes,
            "array_based_stream_maximum_output_length": self.max_stream_bytes,
            "image_maximum_buffer_size": self.max_stream_bytes,
            "page_tree_maximum_depth": self.max_depth,
            "outline_maximum_depth": self.max_depth,
            "form_fields_maximum_depth": self.max_depth,
            "named_destinations_maximum_depth": self.max_depth,
        }
        known = {f.name for f in dataclasses.fields(Configuration)}
        return get_configuration().with_overwrites(
            **{key: value for key, value in wanted.items() if key in known}
        )


LIMITS = PdfLimits()


@dataclass(frozen=True)
class PdfFacts:
    """What an accepted PDF tells the filing event."""

    pages: int


def refusal(zh: str, en: str, filename: str) -> DocumentRejectedError:
    """The bilingual refusal of one uploaded document, naming the file and the reason."""
    return DocumentRejectedError(
        f"文档 {filename!r} 被拒收：{zh}", f"document {filename!r} refused: {en}"
    )


def has_markup(head: bytes) -> bool:
    """True when the leading bytes hold HTML a browser could sniff (a polyglot)."""
    return MARKUP.search(head[:HEAD_WINDOW]) is not None


def inspect_pdf(file: BinaryIO, name: str, *, limits: PdfLimits = LIMITS) -> PdfFacts:
    """Check one PDF for everything the module docstring lists; return its page count."""
    _scan_bytes(file, name, limits)
    file.seek(0)
    try:
        with apply_configuration(limits.pypdf_configuration()):
            reader = PdfReader(file, strict=False)
            if reader.is_encrypted:
                raise refusal("PDF 已加密", "the PDF is encrypted", name)
            inspection = _Inspection(reader, name, limits)
            pages = inspection.count_pages()
            inspection.walk()
    except DocumentRejectedError:
        raise
    except RecursionError:
        raise _too_deep(name) from None
    except MemoryError:
        raise _too_large(name) from None
    except Exception:
        raise refusal("PDF 无法解析", "the PDF cannot be parsed", name) from None
    return PdfFacts(pages=pages)


def extract_text(
    file: BinaryIO,
    *,
    max_chars: int = 1_000_000,
    max_seconds: float = 60.0,
    limits: PdfLimits = LIMITS,
) -> str:
    """The text of every page (pages separated by form feeds), for search.

    Bounded: extraction stops once ``max_chars`` characters are gathered or ``max_seconds``
    have passed (checked between pages). A page whose text cannot be extracted is skipped;
    a file pypdf cannot open gives the text gathered so far. Never raises for a bad file.
    """
    deadline = time.monotonic() + max_seconds
    texts: list[str] = []
    total = 0
    try:
        file.seek(0)
        with apply_configuration(limits.pypdf_configuration()):
            reader = PdfReader(file, strict=False)
            if reader.is_encrypted:
                return ""
            for page in reader.pages:
                try:
                    text = page.extract_text()
                except Exception:  # noqa: S112 - a broken page must not hide the others
                    continue
                texts.append(text[: max_chars - total])
                total += len(texts[-1]) + 1
                if total >= max_chars or time.monotonic() > deadline:
                    break
    except Exception:  # noqa: S110 - the text is a search aid, never a reason to fail
        pass
    return "\f".join(texts)[:max_chars]


# ---------------------------------------------------------------------------- raw bytes
def _chunks(file: BinaryIO, start: int = 0) -> Iterator[tuple[int, bytes]]:
    """(offset, bytes) of the file from ``start`` on, in overlapping chunks.

    Each chunk repeats the last :data:`OVERLAP` bytes of the one before, so no token that
    short is ever split; a token found in the overlap is seen twice, at the same offset.
    """
    file.seek(start)
    offset = start
    tail = b""
    while chunk := file.read(SCAN_CHUNK):
        yield offset - len(tail), tail + chunk
        offset += len(chunk)
        tail = (tail + chunk)[-OVERLAP:]


def _scan_bytes(file: BinaryIO, name: str, limits: PdfLimits) -> None:
    """Refuse what shows in the raw bytes: markup, a second header, a bad or hidden end,
    names of active content, more objects than the budget.

    Objects are counted here, before pypdf, because pypdf reads a whole cross-reference
    table (or rebuilds one from every ``obj`` keyword) as soon as it opens a file: a 50 MiB
    table of 2.6 million rows costs it seconds and hundreds of megabytes.
    """
    file.seek(0)
    if has_markup(file.read(HEAD_WINDOW)):
        raise refusal(
            "文件开头含有 HTML 标记（多格式伪装文件）",
            "it has HTML markup in its first bytes (a polyglot file)",
            name,
        )
    last_eof = -1
    tokens = _RawTokens(limits.max_depth)
    rows = objects = 0
    for offset, chunk in _chunks(file):
        rows += len(XREF_ROW.findall(chunk))
        objects += chunk.count(b" obj")
        if max(rows, objects) > limits.max_objects:
            raise _too_large(name)
        header = chunk.find(b"%PDF-", 1 if offset == 0 else 0)
        if header >= 0:
            raise refusal(
                "含有第二个 PDF 文件头（多个文件拼接）",
                "it has a second %PDF- header (concatenated documents)",
                name,
            )
        tokens.scan(offset, chunk)
        eof = chunk.rfind(b"%%EOF")
        if eof >= 0:
            last_eof = offset + eof
    tokens.finish()
    if last_eof < 0:
        raise refusal(
            "PDF 无法解析：缺少文件结束标记 %%EOF（文件不完整）",
            "the PDF cannot be parsed: it has no %%EOF marker (truncated)",
            name,
        )
    for _offset, chunk in _chunks(file, last_eof + len(b"%%EOF")):
        if chunk.strip(PDF_WHITESPACE):
            raise refusal(
                "文件结束标记 %%EOF 之后还有内容（可能隐藏另一份文件）",
                "it has content after the final %%EOF (it may hide another document)",
                name,
            )
    _refuse_trailing_zip(file, name)
    if tokens.found is not None:
        raise refusal(*tokens.found, name)


class _RawTokens:
    """Names of active content in the raw bytes, outside stream data.

    The object walk sees what pypdf parses; this sees what a more forgiving viewer might
    still find in an object pypdf could not parse or could not reach (a damaged catalog, a
    broken cross-reference table). Stream data is skipped — it is binary, or page text —
    by following ``>> stream`` and ``endstream``; names hidden inside compressed object
    streams or spelt with ``#`` escapes are left to the walk.
    """

    CONTEXT = 16
    """Bytes around a token needed to classify it (``>>`` and whitespace before ``stream``)."""

    def __init__(self, max_depth: int) -> None:
        self.nesting = nesting_run(max_depth)
        self.in_stream = False
        self.done = 0  # tokens before this offset were handled with an earlier chunk
        self.last: tuple[int, bytes] = (0, b"")
        self.found: tuple[str, str] | None = None

    def scan(self, offset: int, chunk: bytes, *, final: bool = False) -> None:
        """Follow the tokens of one chunk, leaving those too near its end for the next one."""
        self.last = (offset, chunk)
        limit = len(chunk) if final else len(chunk) - self.CONTEXT
        tokens = sorted(
            [(m.start(), m.end(), True) for m in STREAM_KEYWORD.finditer(chunk)]
            + [(m.start(), m.end(), False) for m in ACTIVE_NAME.finditer(chunk)]
            + [(m.start(), m.end(), None) for m in self.nesting.finditer(chunk)],
            key=lambda token: token[0],
        )
        for start, end, keyword in tokens:
            if offset + start < self.done or start >= limit:
                continue
            self.done = offset + end
            if keyword:
                self.follow(chunk, start, end)
            elif not self.in_stream and self.found is None:
                self.found = (
                    TOO_DEEP if keyword is None else RAW_NAMES[chunk[start:end].decode("ascii")]
                )

    def follow(self, chunk: bytes, start: int, end: int) -> None:
        """``endstream`` after an end of line closes stream data; ``>> stream`` opens it."""
        if chunk[max(0, start - 4) : start] in (b"\rend", b"\nend"):
            self.in_stream = False
        elif chunk[end : end + 1] == b"\n" or chunk[end : end + 2] == b"\r\n":
            before = chunk[max(0, start - self.CONTEXT) : start].rstrip(PDF_WHITESPACE)
            self.in_stream = self.in_stream or before.endswith(b">>")

    def finish(self) -> None:
        """Handle the tokens left near the end of the last chunk."""
        offset, chunk = self.last
        self.scan(offset, chunk, final=True)


def _refuse_trailing_zip(file: BinaryIO, name: str) -> None:
    """Refuse a ZIP archive whose end record a ZIP reader would find at the end of the file.

    A bare ``PK\\x05\\x06`` can occur by chance in compressed data; what makes it a ZIP is
    the central directory that the end record's size field points back to.
    """
    size = file.seek(0, 2)
    start = max(0, size - ZIP_TAIL)
    file.seek(start)
    tail = file.read()
    position = tail.find(b"PK\x05\x06")
    while position >= 0 and position + 22 <= len(tail):
        directory_size = int.from_bytes(tail[position + 12 : position + 16], "little")
        directory = start + position - directory_size
        if 0 <= directory < start + position:
            file.seek(directory)
            if file.read(4) == b"PK\x01\x02":
                raise refusal(
                    "文件内藏有 ZIP 压缩包（多格式伪装文件）",
                    "it hides a ZIP archive (a polyglot file)",
                    name,
                )
        position = tail.find(b"PK\x05\x06", position + 1)


# ---------------------------------------------------------------------------- structure
def _too_deep(name: str) -> DocumentRejectedError:
    return refusal(*TOO_DEEP, name)


def _too_large(name: str) -> DocumentRejectedError:
    return refusal("PDF 对象过多", "its object graph is too large (too many objects)", name)


def _resolved(value: Any) -> Any:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _text(value: Any) -> str:
    if isinstance(value, ByteStringObject | bytes):
        return bytes(value).decode("latin-1")
    if isinstance(value, TextStringObject | str):
        return str(value)
    return ""


class _Inspection:
    """One pass over one reader: the page tree first, then every object."""

    def __init__(self, reader: PdfReader, name: str, limits: PdfLimits) -> None:
        self.reader = reader
        self.name = name
        self.limits = limits

    def refuse(self, zh: str, en: str) -> DocumentRejectedError:
        return refusal(zh, en, self.name)

    # ------------------------------------------------------------ page tree
    def count_pages(self) -> int:
        """Count the leaves of the page tree, checking every node's declared /Count."""
        catalog = _resolved(self.reader.trailer.get("/Root"))
        if not isinstance(catalog, DictionaryObject):
            raise self.refuse("PDF 缺少文档目录", "the PDF cannot be parsed: it has no catalog")
        root_ref = catalog.get("/Pages")
        root = _resolved(root_ref)
        if not isinstance(root, DictionaryObject):
            raise self.refuse("PDF 缺少页面树", "the PDF cannot be parsed: it has no page tree")
        seen: set[tuple[int, int]] = set()
        declared: list[int] = []
        found: list[int] = []
        stack: list[tuple[Any, Any, tuple[int, ...]]] = [(root_ref, root, ())]
        leaves = 0
        while stack:
            ref, node, ancestors = stack.pop()
            if isinstance(ref, IndirectObject):
                key = (ref.idnum, ref.generation)
                if key in seen:
                    raise self.refuse(
                        "页面树有循环或重复引用同一页",
                        "its page tree is cyclic or lists a page twice",
                    )
                seen.add(key)
            if not isinstance(node, DictionaryObject):
                raise self.refuse(
                    "页面树含有非页面对象", "its page tree holds something that is not a page"
                )
            kids = _resolved(node.get("/Kids"))
            if kids is None and node.get("/Type") != "/Pages":
                leaves += 1
                for ancestor in ancestors:
                    found[ancestor] += 1
                if leaves > self.limits.max_objects:
                    raise _too_large(self.name)
                continue
            if not isinstance(kids, ArrayObject):
                raise self.refuse(
                    "页面树节点缺少子节点列表", "its page tree has a node without a list of kids"
                )
            if len(ancestors) >= self.limits.max_depth:
                raise self.refuse("页面树层级过深", "its page tree is too deep")
            count = _resolved(node.get("/Count"))
            if not isinstance(count, int) or isinstance(count, bool):
                raise self.refuse(
                    "页面树节点未声明页数", "its page tree has a node without a page count"
                )
            declared.append(count)
            found.append(0)
            inner = (*ancestors, len(declared) - 1)
            stack.extend((kid, _resolved(kid), inner) for kid in reversed(kids))
        for node_declared, node_found in zip(declared, found, strict=True):
            if node_declared != node_found:
                raise self.refuse(
                    f"页面树与声明的页数不符（声明 {declared[0]} 页，实有 {found[0]} 页）",
                    f"its page tree does not match its declared page count "
                    f"(declares {declared[0]}, has {found[0]})",
                )
        if leaves == 0:
            raise self.refuse("PDF 没有页面", "the PDF has no pages")
        return leaves

    # ---------------------------------------------------------- object graph
    def listed(self) -> Iterator[IndirectObject]:
        """Every object the cross-reference table lists, reachable or not."""
        reader = self.reader
        count = sum(len(table) for table in reader.xref.values()) + len(reader.xref_objStm)
        if count > self.limits.max_objects:
            raise _too_large(self.name)
        for generation, table in list(reader.xref.items()):
            for idnum in list(table):
                yield IndirectObject(idnum, generation, reader)
        for idnum in list(reader.xref_objStm):
            yield IndirectObject(idnum, 0, reader)

    def walk(self) -> None:
        """Visit every object once — from the trailer, then those nothing reaches —
        refusing active content, embedded files and bombs."""
        seen: set[tuple[int, int]] = set()
        self.visit(self.reader.trailer, seen)
        for ref in self.listed():
            if (ref.idnum, ref.generation) not in seen:
                self.visit(ref, seen)

    def visit(self, root: Any, seen: set[tuple[int, int]]) -> None:
        """Check everything reachable from ``root`` not seen yet (an explicit stack, no
        recursion: depth counts nesting within one object, as a reference starts afresh)."""
        stack: list[tuple[Any, int]] = [(root, 0)]
        while stack:
            obj, depth = stack.pop()
            if isinstance(obj, IndirectObject):
                key = (obj.idnum, obj.generation)
                if key in seen:
                    continue
                seen.add(key)
                if len(seen) > self.limits.max_objects:
                    raise _too_large(self.name)
                obj, depth = obj.get_object(), 0
            if isinstance(obj, DictionaryObject):
                if depth >= self.limits.max_depth:
                    raise _too_deep(self.name)
                self.check(obj)
                stack.extend((value, depth + 1) for value in dict.values(obj))
            elif isinstance(obj, ArrayObject):
                if depth >= self.limits.max_depth:
                    raise _too_deep(self.name)
                stack.extend((value, depth + 1) for value in list.__iter__(obj))

    def check(self, obj: DictionaryObject) -> None:
        """Refuse one dictionary (or stream dictionary) that carries active content."""
        if "/JS" in obj or "/JavaScript" in obj:
            raise self.refuse(*JAVASCRIPT)
        if "/XFA" in obj:
            raise self.refuse(*XFA)
        if "/EmbeddedFiles" in obj or "/EF" in obj:
            raise self.refuse(*EMBEDDED)
        kind = _resolved(obj.get("/Type"))
        subtype = _resolved(obj.get("/Subtype"))
        if kind == "/EmbeddedFile" or (
            isinstance(subtype, NameObject) and subtype in EMBEDDING_SUBTYPES
        ):
            raise self.refuse(*EMBEDDED)
        action = _resolved(obj.get("/S"))
        if not isinstance(action, NameObject):
            return
        if action == "/JavaScript":
            raise self.refuse(*JAVASCRIPT)
        if action in OUTSIDE_ACTIONS:
            raise self.refuse(*OUTSIDE_ACTIONS[action])
        if action == "/URI":
            self.check_uri(_text(_resolved(obj.get("/URI"))))

    def check_uri(self, uri: str) -> None:
        """Allow an absolute http, https or mailto link; refuse every other target."""
        # Browsers drop leading controls and spaces, and tabs and newlines anywhere.
        cleaned = re.sub(r"[\t\n\r]", "", uri).lstrip("".join(map(chr, range(33))))
        match = URI_SCHEME.match(cleaned)
        scheme = match.group(1).lower() if match else ""
        if scheme not in ALLOWED_URI_SCHEMES:
            shown = scheme or "none"
            raise self.refuse(
                f"含有不允许的链接（URI 动作，协议 {shown}）",
                f"it contains a URI action with a disallowed scheme ({shown})",
            )
