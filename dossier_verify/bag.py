"""BagIt (RFC 8493) checked by hand: the declaration, manifests, tag manifests and payload.

The payload is taken from what is on disk, never from what a manifest says is there: every
regular file under ``data/`` must be listed, every listed file must exist, and each checksum must
match. Paths in manifests are decoded per RFC 8493 §2.1.3 (``%0A``, ``%0D``, ``%25``) and refused
if they could point outside the bag. Symbolic links and other special files are reported and never
followed or opened.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from dossier_verify.report import Problems

ALGORITHMS = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")
"""Checksum algorithms a manifest may use; ``sha256`` is the one the bundle format requires."""

REQUIRED_ALGORITHM = "sha256"
DECLARATION = "bagit.txt"
BAG_INFO = "bag-info.txt"
PAYLOAD_DIR = "data"

_MANIFEST_NAME = re.compile(r"(tag)?manifest-([A-Za-z0-9]+)\.txt")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_MANIFEST_LINE = re.compile(r"([0-9A-Fa-f]+)[ \t]+(.+)")
_PERCENT = re.compile(r"%(0A|0D|25)", re.IGNORECASE)
_VERSION_LINE = re.compile(r"BagIt-Version: ([0-9]+\.[0-9]+)")
_ENCODING_LINE = re.compile(r"Tag-File-Character-Encoding: (.+)")
_CHUNK = 1 << 20


class NotABagError(Exception):
    """Raised when the path to verify is not a directory holding a bag at all."""


@dataclass
class Contents:
    """The bag's files as found on disk, with each payload file's SHA-256 (hex)."""

    root: Path
    payload: dict[str, str] = field(default_factory=dict)
    """``data/…`` path → SHA-256 hex of its bytes, for every regular payload file."""
    tag_files: list[str] = field(default_factory=list)


def check_bag(root: Path, problems: Problems) -> Contents:
    """Check the bag at ``root`` as BagIt, adding what fails to ``problems``.

    Raises ``NotABagError`` when ``root`` is not a directory, or has neither a ``bagit.txt`` nor a
    ``data/`` directory.
    """
    if not root.is_dir():
        raise NotABagError(f"{root} is not a directory")
    if not (root / DECLARATION).exists() and not (root / PAYLOAD_DIR).is_dir():
        raise NotABagError(f"{root} holds no {DECLARATION} and no {PAYLOAD_DIR}/ directory")
    files = _walk(root, problems)
    payload = sorted(f for f in files if f.startswith(PAYLOAD_DIR + "/"))
    others = [f for f in files if not f.startswith(PAYLOAD_DIR + "/")]
    manifests = {f: m for f in others if "/" not in f and (m := _MANIFEST_NAME.fullmatch(f))}
    tag_files = sorted(f for f in others if not (f in manifests and manifests[f].group(1)))

    _check_declaration(root, problems)
    if (root / "fetch.txt").exists():
        problems.add(
            "fetch.txt",
            "bagit.fetch",
            "the bag asks for files to be fetched from elsewhere; an audit bundle must hold them all",
            "审计包要求从别处下载文件；审计包必须自带全部文件",
        )

    algorithms = {m.group(2).lower() for m in manifests.values()}
    digests = _hash_files(root, payload + tag_files, algorithms | {REQUIRED_ALGORITHM}, problems)
    contents = Contents(root, {f: digests[f][REQUIRED_ALGORITHM] for f in payload if f in digests})
    contents.tag_files = tag_files

    for kind, tag, listed in (("manifest", None, payload), ("tagmanifest", "tag", tag_files)):
        name = f"{kind}-{REQUIRED_ALGORITHM}.txt"
        if name not in manifests:
            problems.add(name, f"bagit.{kind}", f"{name} is missing", f"缺少 {name}")
        for file, match in sorted(manifests.items()):
            if match.group(1) == tag:
                _check_manifest(root, file, match.group(2).lower(), listed, digests, problems)
    _check_bag_info(root, payload, problems)
    return contents


def _walk(root: Path, problems: Problems) -> list[str]:
    """Every regular file under ``root`` as a ``/``-separated relative path; others reported."""
    found: list[str] = []
    pending = [""]
    while pending:
        relative_dir = pending.pop()
        with os.scandir(root / relative_dir) as entries:
            for entry in entries:
                relative = f"{relative_dir}/{entry.name}" if relative_dir else entry.name
                if entry.is_symlink():
                    problems.add(
                        relative,
                        "bagit.special_file",
                        "is a symbolic link; a bag holds regular files only, and links are not followed",
                        "是符号链接；审计包只能包含普通文件，不跟随链接",
                    )
                elif entry.is_dir(follow_symlinks=False):
                    pending.append(relative)
                elif entry.is_file(follow_symlinks=False):
                    found.append(relative)
                else:
                    problems.add(
                        relative,
                        "bagit.special_file",
                        "is not a regular file",
                        "不是普通文件",
                    )
    return sorted(found)


def _hash_files(
    root: Path, files: list[str], algorithms: set[str], problems: Problems
) -> dict[str, dict[str, str]]:
    usable = sorted(a for a in algorithms if a in ALGORITHMS)
    digests: dict[str, dict[str, str]] = {}
    for file in files:
        hashers = {a: hashlib.new(a) for a in usable}
        try:
            with open(root / file, "rb") as stream:
                while chunk := stream.read(_CHUNK):
                    for hasher in hashers.values():
                        hasher.update(chunk)
        except OSError as error:
            problems.add(file, "bagit.read", f"cannot be read: {error}", f"无法读取：{error}")
            continue
        digests[file] = {a: h.hexdigest() for a, h in hashers.items()}
    return digests


def _read_tag_text(root: Path, name: str, problems: Problems) -> str | None:
    try:
        raw = (root / name).read_bytes()
    except OSError as error:
        problems.add(name, "bagit.read", f"cannot be read: {error}", f"无法读取：{error}")
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        problems.add(name, "bagit.encoding", f"is not UTF-8: {error}", f"不是 UTF-8 编码：{error}")
        return None


def _required_tag_text(root: Path, name: str, code: str, problems: Problems) -> str | None:
    """The text of the tag file ``name`` the bag must have; None, a problem noted (``code``
    where it is missing), where it is missing or unreadable."""
    if not (root / name).is_file():
        problems.add(name, code, "is missing", f"缺少 {name}")
        return None
    return _read_tag_text(root, name, problems)


def _lines(text: str) -> list[str]:
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _check_declaration(root: Path, problems: Problems) -> None:
    text = _required_tag_text(root, DECLARATION, "bagit.declaration", problems)
    if text is None:
        return
    if text.startswith("\ufeff"):
        problems.add(
            DECLARATION,
            "bagit.declaration",
            "begins with a byte-order mark, which RFC 8493 §2.1.1 forbids",
            "以字节顺序标记（BOM）开头，RFC 8493 §2.1.1 不允许",
        )
        text = text[1:]
    lines = _lines(text)
    version = _VERSION_LINE.fullmatch(lines[0]) if lines else None
    encoding = _ENCODING_LINE.fullmatch(lines[1]) if len(lines) > 1 else None
    if len(lines) != 2 or version is None or encoding is None:
        problems.add(
            DECLARATION,
            "bagit.declaration",
            "must hold exactly the lines 'BagIt-Version: M.N' and "
            "'Tag-File-Character-Encoding: UTF-8'",
            "必须恰好包含 'BagIt-Version: M.N' 和 'Tag-File-Character-Encoding: UTF-8' 两行",
        )
    elif encoding.group(1).strip().upper() not in ("UTF-8", "UTF8"):
        problems.add(
            DECLARATION,
            "bagit.declaration",
            f"declares tag files in {encoding.group(1)!r}; this bundle format uses UTF-8",
            f"声明的标签文件编码为 {encoding.group(1)!r}；本审计包格式使用 UTF-8",
        )


def decode_manifest_path(encoded: str) -> str | None:
    """The path a manifest line names (RFC 8493 §2.1.3), or None if it is malformed or unsafe.

    Only ``%0A``, ``%0D`` and ``%25`` are decoded; any other ``%`` is malformed. Unsafe: absolute,
    a drive letter, a backslash, a NUL, or an empty, ``.`` or ``..`` component.
    """
    if "%" in _PERCENT.sub("", encoded):
        return None
    path = _PERCENT.sub(lambda m: chr(int(m.group(1), 16)), encoded)
    if path.startswith("/") or "\\" in path or "\x00" in path or re.match(r"[A-Za-z]:", path):
        return None
    if any(part in ("", ".", "..") for part in path.split("/")):
        return None
    return path


def _check_manifest(
    root: Path,
    name: str,
    algorithm: str,
    expected: list[str],
    digests: dict[str, dict[str, str]],
    problems: Problems,
) -> None:
    kind = "bagit.tagmanifest" if name.startswith("tag") else "bagit.manifest"
    if algorithm not in ALGORITHMS:
        problems.add(
            name,
            kind,
            f"uses the checksum algorithm {algorithm!r}, which this verifier does not know",
            f"使用了本校验程序不支持的校验算法 {algorithm!r}",
        )
        return
    text = _read_tag_text(root, name, problems)
    if text is None:
        return
    width = hashlib.new(algorithm).digest_size * 2
    listed: dict[str, str] = {}
    for number, line in enumerate(_lines(text), start=1):
        if not line.strip():
            continue
        match = _MANIFEST_LINE.fullmatch(line)
        path = decode_manifest_path(match.group(2)) if match else None
        where = f"{name} line {number}"
        where_zh = f"{name} 第 {number} 行"
        if match is None or len(match.group(1)) != width:
            problems.add(
                name,
                kind,
                f"line {number} is not '<{algorithm} checksum> <path>'",
                f"第 {number} 行不是“<{algorithm} 校验值> <路径>”格式",
            )
            continue
        if path is None:
            problems.add(
                name,
                "bagit.path",
                f"line {number} names a path that is malformed or leads outside the bag: "
                f"{match.group(2)!r}",
                f"第 {number} 行的路径格式错误或指向审计包之外：{match.group(2)!r}",
            )
            continue
        if path in listed:
            problems.add(
                name,
                kind,
                f"line {number} lists {path} a second time",
                f"第 {number} 行重复列出 {path}",
            )
            continue
        listed[path] = match.group(1).lower()
        if path not in expected:
            in_payload = path.startswith(PAYLOAD_DIR + "/")
            if (name.startswith("tag") and in_payload) or (
                not name.startswith("tag") and not in_payload
            ):
                problems.add(
                    name,
                    kind,
                    f"line {number} lists {path}, which does not belong in this manifest",
                    f"第 {number} 行列出的 {path} 不应出现在此清单中",
                )
            else:
                problems.add(
                    path,
                    "bagit.missing",
                    f"is listed in {where} but is not in the bag",
                    f"列在 {where_zh}，但审计包中没有此文件",
                )
            continue
        actual = digests.get(path, {}).get(algorithm)
        if actual is not None and actual != listed[path]:
            problems.add(
                path,
                "bagit.checksum",
                f"has {algorithm} {actual}, but {where} lists {listed[path]}",
                f"{algorithm} 校验值为 {actual}，但 {where_zh}记录为 {listed[path]}",
            )
    for path in expected:
        if path not in listed:
            problems.add(
                path,
                "bagit.unlisted",
                f"is in the bag but not listed in {name}",
                f"在审计包中，但未列入 {name}",
            )


def _check_bag_info(root: Path, payload: list[str], problems: Problems) -> None:
    text = _required_tag_text(root, BAG_INFO, "bagit.bag_info", problems)
    if text is None:
        return
    oxum = None
    for line in _lines(text):
        label, colon, value = line.partition(":")
        if colon and label.strip() == "Payload-Oxum":
            oxum = value.strip()
    if oxum is None:
        return
    try:
        octets = sum((root / f).stat().st_size for f in payload)
    except OSError:
        return
    if oxum != f"{octets}.{len(payload)}":
        problems.add(
            BAG_INFO,
            "bagit.oxum",
            f"Payload-Oxum is {oxum}, but the payload holds {octets} bytes in {len(payload)} files",
            f"Payload-Oxum 为 {oxum}，但实际载荷为 {len(payload)} 个文件共 {octets} 字节",
        )
