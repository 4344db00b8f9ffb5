"""The bundle statement (审计包声明) of ``Dossier-Bundle-Version: 3`` and the pinned key.

A bag of version 3 holds two tag files beside its manifests:

``dossier-statement.json``
    what the archive states about the bag when it wrote it: the loan, the checkpoint (origin, tree
    size, root hash) the bag is bound to, each aggregate whose events it holds with its head
    version at that tree size (or, for people whose role events only are held, the versions
    held), and the SHA-256 of every file no Merkle proof covers (bagit.txt, bag-info.txt, the
    payload manifest, README.txt, documents.json, checkpoint.json, public-keys.json and the
    documents);
``dossier-statement.sig``
    ``{"key_id": …, "signature": …}``: the archive's Ed25519 signature, with its checkpoint
    signing key, of ``STATEMENT_HEADER`` followed by the bytes of ``dossier-statement.json``.

The verifier checks the signature under a key the auditor pinned (``--key``), never one the bag
offers; each aggregate's events 1..N (or the versions listed) are all in the bag; and each file
named hashes as stated. Recomputing the BagIt manifests after an edit therefore no longer helps,
and a bag with its last events taken out names the aggregate and the versions missing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dossier_verify import ed25519, formats
from dossier_verify.formats import FormatError
from dossier_verify.report import Problems

STATEMENT = "dossier-statement.json"
SIGNATURE = "dossier-statement.sig"
STATEMENT_HEADER = b"dossier-bundle-statement/v1\n"
"""What the signed message starts with, so that no statement is ever taken for a checkpoint."""
STATEMENT_FORMAT = "dossier-bundle-statement/v1"
STATEMENT_VERSION = 3
"""The first ``Dossier-Bundle-Version`` that carries a statement, and must."""
TAG_MANIFEST = "tagmanifest-sha256.txt"

_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")
"""DER of an Ed25519 SubjectPublicKeyInfo before its 32 key bytes (RFC 8410)."""


class KeyFormatError(ValueError):
    """Raised when a pinned key is given in no form the verifier reads."""


def read_pinned_key(value: str) -> bytes:
    """A raw 32-byte Ed25519 public key from what ``--key`` was given.

    Accepted: base64 of the raw key (``dossier signing-key public``), a PEM ``PUBLIC KEY``
    block, a signed-note verifier key (``name+hash+base64(0x01 || key)``), or the path of a
    file holding any of these.
    """
    text = value.strip()
    path = Path(text)
    if text and len(text) < 4096 and path.is_file():
        try:
            text = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            raise KeyFormatError(f"cannot read the key file {value}: {error}") from None
    if text.startswith("-----BEGIN PUBLIC KEY-----"):
        body = "".join(line for line in text.splitlines() if not line.startswith("-----"))
        der = _b64(body)
        if der is None or len(der) != 44 or not der.startswith(_SPKI_PREFIX):
            raise KeyFormatError("the PEM block is not an Ed25519 public key")
        return der[len(_SPKI_PREFIX) :]
    if text.count("+") >= 2 and not text.endswith("="):
        raw = _b64(text.split("+", 2)[2])
        if raw is not None and len(raw) == 33 and raw[0] == 1:
            return raw[1:]
    raw = _b64(text)
    if raw is None or len(raw) != 32:
        raise KeyFormatError(
            "not base64 of a 32-byte Ed25519 public key, a PEM public key, a verifier key, "
            "or a file holding one"
        )
    return raw


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        return None


@dataclass(frozen=True)
class Aggregate:
    """One aggregate the statement names: all its events 1..head, or only ``versions``."""

    kind: str
    originator_id: uuid.UUID
    head: int | None
    versions: tuple[int, ...] | None

    def expects(self, version: int) -> bool:
        if self.versions is not None:
            return version in self.versions
        return 1 <= version <= (self.head or 0)

    def missing(self, have: set[int]) -> list[tuple[int, int]]:
        """The runs of versions expected but not in ``have`` (never the whole range spelt out:
        a head is as large as the statement says)."""
        if self.versions is not None:
            return _runs([v for v in self.versions if v not in have])
        head = self.head or 0
        runs: list[tuple[int, int]] = []
        expected_next = 1
        for version in sorted(v for v in have if 1 <= v <= head):
            if version > expected_next:
                runs.append((expected_next, version - 1))
            expected_next = version + 1
        if expected_next <= head:
            runs.append((expected_next, head))
        return runs


@dataclass
class Statement:
    """A statement as read and checked; ``anchored`` when signed by a pinned key."""

    loan_no: str
    tree_size: int
    root_hash: bytes
    aggregates: list[Aggregate]
    files: dict[str, str]
    key_id: str
    anchored: bool = False
    summary: dict[str, Any] = field(default_factory=dict)


def _aggregate(entry: Any) -> Aggregate:
    if not isinstance(entry, dict):
        raise FormatError("an aggregate is not a JSON object", "聚合项不是 JSON 对象")
    unknown = set(entry) - {"kind", "originator_id", "head", "versions"}
    if unknown:
        raise FormatError(
            f"an aggregate has the fields {sorted(unknown)}, which the format does not define",
            f"聚合项含有格式未定义的字段 {sorted(unknown)}",
        )
    kind = formats.text(entry.get("kind"))
    originator = formats.uuid_text(entry.get("originator_id"))
    head = entry.get("head")
    versions = entry.get("versions")
    if (head is None) == (versions is None):
        raise FormatError(
            f"aggregate {originator} gives neither or both of 'head' and 'versions'",
            f"聚合 {originator} 须恰有 head 或 versions 之一",
        )
    if head is not None:
        return Aggregate(kind, originator, formats.integer(head, 1), None)
    if not isinstance(versions, list) or not versions:
        raise FormatError(
            f"aggregate {originator}: 'versions' is not a non-empty list",
            f"聚合 {originator}：versions 不是非空列表",
        )
    listed = tuple(formats.integer(v, 1) for v in versions)
    if list(listed) != sorted(set(listed)):
        raise FormatError(
            f"aggregate {originator}: 'versions' do not rise", f"聚合 {originator}：versions 未递增"
        )
    return Aggregate(kind, originator, None, listed)


def read_statement(root: Path, problems: Problems, pinned: list[bytes]) -> Statement | None:
    """The statement of the bag at ``root``, its signature checked under the pinned keys.

    None, with the problems added, when it is missing or malformed. With no key pinned the
    signature is checked under no key at all: the statement is read but not ``anchored``.
    """
    found = True
    for name in (STATEMENT, SIGNATURE):
        if not (root / name).is_file() or (root / name).is_symlink():
            problems.add(
                name,
                "statement.missing",
                f"is missing: a bag of Dossier-Bundle-Version {STATEMENT_VERSION} or later must "
                "carry the archive's signed statement, or it cannot show it is whole",
                f"缺少此文件：第 {STATEMENT_VERSION} 版及以后的审计包必须附有档案系统签名的声明，"
                "否则无法证明内容完整",
            )
            found = False
    if not found:
        return None
    raw = (root / STATEMENT).read_bytes()
    try:
        body = formats.load_json(raw)
        sig = formats.load_json((root / SIGNATURE).read_bytes())
        if not isinstance(sig, dict) or set(sig) != {"key_id", "signature"}:
            raise FormatError(
                f"{SIGNATURE} is not an object of exactly 'key_id' and 'signature'",
                f"{SIGNATURE} 须为仅含 key_id 与 signature 的对象",
            )
        key_id = formats.key_id_hex(sig["key_id"])
        signature = formats.b64signature(sig["signature"])
        statement = _parse(body, key_id)
    except FormatError as error:
        problems.add(STATEMENT, "statement.format", error.detail, error.detail_zh)
        return None
    keys = {formats.key_id(k): k for k in pinned}
    key = keys.get(key_id)
    if pinned and key is None:
        problems.add(
            SIGNATURE,
            "statement.key",
            f"is signed by key {key_id}, which is not the key pinned (--key: "
            f"{', '.join(sorted(keys))}): the bag is not the bank's as pinned",
            f"签名公钥为 {key_id}，不是所指定的公钥（--key：{', '.join(sorted(keys))}）",
        )
    elif key is not None:
        try:
            ed25519.check(key, STATEMENT_HEADER + raw, signature)
            statement.anchored = True
        except ed25519.SignatureError as error:
            problems.add(
                SIGNATURE,
                "statement.signature",
                f"the signature of {STATEMENT} does not verify with the pinned key {key_id}: "
                f"{error.reason}; the statement was altered",
                f"{STATEMENT} 的签名无法用所指定的公钥 {key_id} 验证（{error.reason}），声明已被改动",
            )
    return statement


def _parse(body: Any, key_id: str) -> Statement:
    fields = {"format", "bundle_version", "loan_no", "checkpoint", "aggregates", "files"}
    if not isinstance(body, dict) or set(body) != fields:
        raise FormatError(
            f"is not an object of exactly the fields {sorted(fields)}",
            f"须为恰含字段 {sorted(fields)} 的对象",
        )
    if body["format"] != STATEMENT_FORMAT:
        raise FormatError(
            f"is of format {body['format']!r}, not {STATEMENT_FORMAT!r}",
            f"格式为 {body['format']!r}，应为 {STATEMENT_FORMAT!r}",
        )
    formats.integer(body["bundle_version"], STATEMENT_VERSION)
    checkpoint = body["checkpoint"]
    if not isinstance(checkpoint, dict) or set(checkpoint) != {"tree_size", "root_hash"}:
        raise FormatError(
            "'checkpoint' is not an object of 'tree_size' and 'root_hash'",
            "checkpoint 须为仅含 tree_size 与 root_hash 的对象",
        )
    aggregates = body["aggregates"]
    if not isinstance(aggregates, list) or not aggregates:
        raise FormatError("'aggregates' is not a non-empty list", "aggregates 不是非空列表")
    files = body["files"]
    if not isinstance(files, dict):
        raise FormatError("'files' is not a JSON object", "files 不是 JSON 对象")
    return Statement(
        loan_no=formats.one_line(body["loan_no"]),
        tree_size=formats.integer(checkpoint["tree_size"]),
        root_hash=formats.b64hash(checkpoint["root_hash"]),
        aggregates=[_aggregate(a) for a in aggregates],
        files={formats.text(name): formats.sha256_hex(h) for name, h in files.items()},
        key_id=key_id,
    )


def check_whole(
    statement: Statement,
    problems: Problems,
    versions: dict[int, tuple[uuid.UUID, int]],
) -> None:
    """Each aggregate's events all in the bag, and no event of an aggregate it does not name.

    ``versions`` maps each event's notification id to its originator and version, as read.
    """
    held: dict[uuid.UUID, dict[int, int]] = {}
    for nid, (originator, version) in versions.items():
        held.setdefault(originator, {})[version] = nid
    named = {a.originator_id for a in statement.aggregates}
    for aggregate in statement.aggregates:
        have = held.get(aggregate.originator_id, {})
        missing = _spans(aggregate.missing(set(have)))
        if missing:
            what = (
                f"head {aggregate.head} at tree size {statement.tree_size}"
                if aggregate.head is not None
                else f"versions {_spans(_runs(list(aggregate.versions or ())))}"
            )
            problems.add(
                STATEMENT,
                "statement.events_missing",
                f"{aggregate.kind} {aggregate.originator_id}: the statement gives {what}, but "
                f"the bag lacks its version(s) {missing}: events were taken out",
                f"{aggregate.kind} {aggregate.originator_id}：声明所列为 {what}，但审计包缺少"
                f"其版本 {missing} 的事件：事件已被移除",
            )
        extra = sorted(v for v in have if not aggregate.expects(v))
        for version in extra:
            nid = have[version]
            problems.add(
                f"data/events/{nid}.json",
                "statement.events_extra",
                f"{aggregate.kind} {aggregate.originator_id} version {version} is beyond what "
                "the statement gives for it",
                f"{aggregate.kind} {aggregate.originator_id} 的版本 {version} 超出声明所列范围",
                nid,
            )
    for originator in sorted(set(held) - named):
        for version, nid in sorted(held[originator].items()):
            problems.add(
                f"data/events/{nid}.json",
                "statement.events_extra",
                f"event {nid} is of {originator} (version {version}), which the statement "
                "does not name",
                f"事件 {nid} 属于声明未列出的对象 {originator}（版本 {version}）",
                nid,
            )


def _runs(values: list[int]) -> list[tuple[int, int]]:
    """Sorted versions as runs of consecutive ones."""
    runs: list[tuple[int, int]] = []
    for v in values:
        if runs and v == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], v)
        else:
            runs.append((v, v))
    return runs


def _spans(runs: list[tuple[int, int]]) -> str:
    """``1–3, 7``: runs of versions, as people write them."""
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in runs)


def check_files(
    root: Path,
    statement: Statement,
    problems: Problems,
    payload: dict[str, str],
    tag_files: list[str],
    proven: set[str],
) -> None:
    """Each file the statement names hashes as stated, and every file not proven otherwise is
    named (events and proofs are proven by the Merkle tree and the payload manifest)."""
    for name, digest in sorted(statement.files.items()):
        actual: str | None = None
        if name in payload:
            actual = payload[name]
        elif name in tag_files and "/" not in name:  # never a path the bag does not hold
            path = root / name
            try:
                if not path.is_symlink():
                    actual = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                actual = None
        if actual is None:
            problems.add(
                name,
                "statement.file_missing",
                "is missing, but the signed statement names it",
                "缺少此文件，但签名声明列有此文件",
            )
        elif actual != digest:
            problems.add(
                name,
                "statement.file_altered",
                "was altered after the archive signed the bundle: its SHA-256 is not the one "
                "the signed statement gives",
                "签发后已被改动：其 SHA-256 与签名声明所列不符",
            )
    for name in sorted({*payload, *tag_files} - set(statement.files) - proven):
        if name in (STATEMENT, SIGNATURE, TAG_MANIFEST):
            continue
        problems.add(
            name,
            "statement.file_unlisted",
            "is neither named by the signed statement nor proven by the Merkle tree: it was "
            "added after the archive signed the bundle",
            "既未列入签名声明，也无 Merkle 证明：系签发后加入",
        )
