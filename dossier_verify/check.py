"""The audit-bundle checks of docs/integrity.md, over a bag already checked as BagIt.

Each event's leaf entry is rebuilt from ``events/<id>.json`` and the raw ``events/<id>.state``
bytes, hashed, and proved with ``proofs/<id>.json`` into the root of ``checkpoint.json``, whose
body is rebuilt and whose Ed25519 signature is checked with the key ``public-keys.json`` holds
under its ``key_id``. The body is the text of its signed note (c2sp.org/tlog-checkpoint), which
must say what the fields beside it say and carry the key hash of that key under the origin; a
checkpoint without a note is one of an earlier release, whose ``dossier-checkpoint/v1`` body is
rebuilt instead. Each document is hashed, and its hash must appear in the stored state bytes
of the event that filed it (which the proof covers), not merely in the readable ``decoded`` copy.
In a bag of ``Dossier-Bundle-Version: 2``, a destroyed dossier's destruction must be founded on a
lawful batch the bag proves (``dossier_verify.destruction``), or its ``Destroyed`` event and the
documents listed as destroyed are named. Whatever else lies under ``data/`` is reported. From
version 3 the bag's signed statement (``dossier_verify.statement``) must hold: signed by a key
the auditor pinned, bound to the checkpoint, every aggregate's events all present, every file
no proof covers as signed.

Whose key signed the checkpoint the bag cannot tell on its own: its keys come from the bag. Only
a pinned key (``--key``) anchors a report; without one the verdict is ``unanchored``.
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dossier_verify import destruction, ed25519, formats, keys, statement
from dossier_verify.bag import BAG_INFO, Contents, check_bag
from dossier_verify.cosign import WitnessKey, check_cosignatures
from dossier_verify.formats import FormatError
from dossier_verify.merkle import ProofError, check_inclusion, leaf_hash
from dossier_verify.report import Problems, Report

README = "data/README.txt"
CHECKPOINT = "data/checkpoint.json"
KEYS = "data/public-keys.json"
DOCUMENTS = "data/documents.json"

_EVENT_FILE = re.compile(r"data/events/(0|[1-9][0-9]{0,19})\.(json|state)")
_PROOF_FILE = re.compile(r"data/proofs/(0|[1-9][0-9]{0,19})\.json")
_DOCUMENT_FILE = re.compile(r"data/documents/([0-9a-f]{64})(\.[^/]+)?")

Reader = Callable[[Any], Any]

_CHECKPOINT_FIELDS: dict[str, Reader] = {
    "origin": formats.one_line,
    "tree_size": formats.integer,
    "root_hash": formats.b64hash,
    "timestamp": formats.timestamp,
    "key_id": formats.key_id_hex,
    "signature": formats.b64signature,
}
_NOTE_FIELDS: dict[str, Reader] = {**_CHECKPOINT_FIELDS, "note": formats.signed_note}
"""A checkpoint signed as a note: the note, and its fields written out beside it."""
NOTE_FORMAT = "c2sp.org/tlog-checkpoint"
LEGACY_FORMAT = formats.CHECKPOINT_HEADER
_EVENT_FIELDS: dict[str, Reader] = {
    "notification_id": formats.integer,
    "originator_id": formats.uuid_text,
    "originator_version": formats.integer,
    "topic": formats.text,
    "leaf_index": formats.integer,
    "leaf_hash": formats.b64hash,
    "state_sha256": formats.sha256_hex,
    "decoded": formats.anything,
}
_PROOF_FIELDS: dict[str, Reader] = {
    "leaf_index": formats.integer,
    "tree_size": formats.integer,
    "audit_path": formats.hash_list,
}
_DOCUMENT_FIELDS: dict[str, Reader] = {
    "sha256": formats.sha256_hex,
    "doc_type": formats.text,
    "filename": formats.text,
    "event": formats.integer,
    "destroyed": formats.flag,
}


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint as read from ``checkpoint.json``, before its signature is checked."""

    origin: str
    tree_size: int
    root_hash: bytes
    timestamp: str
    key_id: str
    signature: bytes
    note: tuple[bytes, list[formats.NoteSignature]] | None = None
    """The signed note's text and signatures; None for a checkpoint of an earlier release."""

    @property
    def format(self) -> str:
        return LEGACY_FORMAT if self.note is None else NOTE_FORMAT

    def body(self) -> bytes:
        """The bytes the signature covers: the note's text, or the earlier format's body."""
        if self.note is None:
            return formats.checkpoint_body(
                self.origin, self.tree_size, self.root_hash, self.timestamp
            )
        return formats.note_body(self.origin, self.tree_size, self.root_hash, self.timestamp)

    def own_signature(self) -> formats.NoteSignature | None:
        """The note's signature line by the log itself (key name = origin), if it has one."""
        assert self.note is not None
        mine = [s for s in self.note[1] if s.name == self.origin]
        return mine[0] if len(mine) == 1 else None


def verify_directory(
    root: Path,
    shown_as: str | None = None,
    keys: Sequence[bytes] = (),
    witnesses: Sequence[WitnessKey] = (),
    quorum: int = 0,
) -> Report:
    """Verify the bag in the directory ``root``; ``shown_as`` names it in the report.

    ``keys`` are the raw Ed25519 public keys the auditor pinned (``--key``): the bag's statement
    (or, in a bag of an earlier release, its checkpoint) must be signed by one of them for the
    report to be ``anchored``. ``witnesses`` and ``quorum``: the checkpoint must carry at least
    ``quorum`` valid cosignatures by those witness keys (``dossier_verify.cosign``). Raises
    ``bag.NotABagError`` when ``root`` is not a bag at all.
    """
    problems = Problems()
    contents = check_bag(root, problems)
    bundle = _Bundle(contents, problems, list(keys))
    bundle.run()
    if witnesses or quorum:
        checkpoint = bundle.checkpoint
        cosigned = check_cosignatures(
            None if checkpoint is None else checkpoint.note,
            0 if checkpoint is None else checkpoint.tree_size,
            witnesses,
            quorum,
            problems,
        )
        if bundle.checkpoint_summary:
            bundle.checkpoint_summary["cosignatures"] = cosigned
    return Report(
        bag=shown_as if shown_as is not None else str(root),
        problems=problems.found,
        events=bundle.event_count,
        documents=bundle.document_count,
        checkpoint=bundle.checkpoint_summary,
        bundle_version=bundle.version,
        pinned=bool(keys),
        anchored=bundle.anchored,
        whole=bundle.whole,
    )


def _hex_in(digest: str, data: bytes) -> bool:
    """Whether ``digest`` appears in ``data`` as a whole token, not inside a longer hex run."""
    pattern = rb"(?<![0-9A-Fa-f])" + re.escape(digest.encode("ascii")) + rb"(?![0-9A-Fa-f])"
    return re.search(pattern, data) is not None


class _Bundle:
    def __init__(self, contents: Contents, problems: Problems, pinned: list[bytes]) -> None:
        self.root = contents.root
        self.payload = contents.payload
        self.tag_files = contents.tag_files
        self.pinned = pinned
        self.problems = problems
        self.believed: dict[str, keys.Standing] = {}
        """The pinned keys and those key statements introduce from them, by key id."""
        self.version = self._bundle_version()
        self.anchored = False
        self.whole = False
        self.versions: dict[int, tuple[uuid.UUID, int]] = {}
        """Each event's originator and version, by notification id, as read."""
        self.event_count = 0
        self.document_count = 0
        self.checkpoint_summary: dict[str, Any] = {}
        self.checkpoint: Checkpoint | None = None
        self.checkpoint_valid = False
        self.event_files: dict[int, set[str]] = {}
        self.proof_files: set[int] = set()
        self.document_files: dict[str, list[str]] = {}
        self.states: dict[int, bytes] = {}
        self.leaf_indexes: dict[int, int] = {}
        self.originators: dict[int, uuid.UUID] = {}
        self.destruction_events: list[destruction.Event] = []
        """The proven events a destruction is judged by (``dossier_verify.destruction``)."""
        self.founded: set[uuid.UUID] | None = None
        """Dossiers the bag shows lawfully destroyed; None for a bag of an earlier release."""

    # --- reading ---

    def _read(self, file: str, event: int | None = None) -> bytes | None:
        try:
            return (self.root / file).read_bytes()
        except OSError as error:
            self.problems.add(file, "read", f"cannot be read: {error}", f"无法读取：{error}", event)
            return None

    def _json(self, file: str, event: int | None = None) -> Any:
        raw = self._read(file, event)
        if raw is None:
            return None
        try:
            return formats.load_json(raw)
        except FormatError as error:
            self.problems.add(file, "json", error.detail, error.detail_zh, event)
            return None

    def _fields(
        self,
        file: str,
        obj: Any,
        readers: dict[str, Reader],
        event: int | None = None,
        what: str = "",
        what_zh: str = "",
    ) -> dict[str, Any] | None:
        """Each field read by its reader; None, with the problems added, if any is wrong."""
        if not isinstance(obj, dict):
            self.problems.add(
                file, "format", f"{what}is not a JSON object", f"{what_zh}不是 JSON 对象", event
            )
            return None
        values: dict[str, Any] = {}
        ok = True
        for name in sorted(set(obj) - set(readers)):
            self.problems.add(
                file,
                "format",
                f"{what}has the field {name!r}, which the format does not define",
                f"{what_zh}含有格式未定义的字段 {name!r}",
                event,
            )
            ok = False
        for name, reader in readers.items():
            if name not in obj:
                self.problems.add(
                    file,
                    "format",
                    f"{what}lacks the field {name!r}",
                    f"{what_zh}缺少字段 {name!r}",
                    event,
                )
                ok = False
                continue
            try:
                values[name] = reader(obj[name])
            except FormatError as error:
                self.problems.add(
                    file,
                    "format",
                    f"{what}field {name!r} {error.detail}",
                    f"{what_zh}字段 {name!r}{error.detail_zh}",
                    event,
                )
                ok = False
        return values if ok else None

    # --- the checks ---

    def run(self) -> None:
        self._sort_files()
        listed = self._json(keys.KEY_STATEMENTS) if keys.KEY_STATEMENTS in self.payload else None
        self.believed = keys.extend(self.pinned, listed, self.problems)
        self.pinned = [standing.key for standing in self.believed.values()]
        self._check_checkpoint()
        for nid in sorted(self.event_files):
            self._check_event(nid)
        self._check_leaf_order()
        self._check_destructions()
        self._check_documents()
        self._check_relabel()
        self._check_statement()

    def _sort_files(self) -> None:
        for file in self.payload:
            if file in (README, CHECKPOINT, KEYS, DOCUMENTS, keys.KEY_STATEMENTS):
                continue
            if match := _EVENT_FILE.fullmatch(file):
                self.event_files.setdefault(int(match.group(1)), set()).add(match.group(2))
            elif match := _PROOF_FILE.fullmatch(file):
                self.proof_files.add(int(match.group(1)))
            elif match := _DOCUMENT_FILE.fullmatch(file):
                self.document_files.setdefault(match.group(1), []).append(file)
            else:
                self.problems.add(
                    file,
                    "unexpected_file",
                    "is not part of the audit bundle format (docs/integrity.md)",
                    "不属于审计包格式（docs/integrity.md）规定的文件",
                )
        for nid in sorted(self.proof_files - set(self.event_files)):
            self.problems.add(
                f"data/proofs/{nid}.json",
                "unexpected_file",
                f"is a proof for event {nid}, which is not in the bag",
                f"是事件 {nid} 的证明，但审计包中没有该事件",
                nid,
            )
        for name in (CHECKPOINT, KEYS, DOCUMENTS):
            if name not in self.payload:
                self.problems.add(name, "missing", "is missing", "缺少此文件")
        self.event_count = sum(1 for kinds in self.event_files.values() if "json" in kinds)
        self.document_count = sum(len(files) for files in self.document_files.values())

    def _check_checkpoint(self) -> None:
        keys, faulty = self._public_keys()
        if CHECKPOINT not in self.payload:
            return
        content = self._json(CHECKPOINT)
        as_note = isinstance(content, dict) and "note" in content
        fields = self._fields(CHECKPOINT, content, _NOTE_FIELDS if as_note else _CHECKPOINT_FIELDS)
        if fields is None:
            return
        checkpoint = Checkpoint(**fields)
        self.checkpoint = checkpoint
        # A note that says other than the fields beside it, or whose key hash is not the key's,
        # is reported; its signature is then not worth checking.
        checkable = checkpoint.note is None or self._note_says_the_fields(checkpoint)
        public_key = keys.get(checkpoint.key_id)
        if public_key is None and KEYS in self.payload and checkpoint.key_id not in faulty:
            self.problems.add(
                KEYS,
                "keys.missing",
                f"holds no key {checkpoint.key_id}, the key id checkpoint.json names",
                f"没有 checkpoint.json 所指定的公钥 {checkpoint.key_id}",
            )
        valid = False
        if checkable and public_key is not None and checkpoint.note is not None:
            expected = formats.key_hash(checkpoint.origin, public_key)
            own = checkpoint.own_signature()
            if own is not None and own.key_hash != expected:
                self.problems.add(
                    CHECKPOINT,
                    "checkpoint.key_hash",
                    f"the note names key hash {own.key_hash.hex()}, but key {checkpoint.key_id} "
                    f"under the name {checkpoint.origin!r} has key hash {expected.hex()}",
                    f"签名记录的密钥哈希为 {own.key_hash.hex()}，而公钥 {checkpoint.key_id} "
                    f"在名称 {checkpoint.origin!r} 下的密钥哈希为 {expected.hex()}",
                )
                checkable = False
        if checkable and public_key is not None:
            try:
                ed25519.check(public_key, checkpoint.body(), checkpoint.signature)
                valid = True
            except ed25519.SignatureError as error:
                self.problems.add(
                    CHECKPOINT,
                    "checkpoint.signature",
                    f"the signature does not verify with key {checkpoint.key_id}: {error.reason}",
                    f"签名无法用公钥 {checkpoint.key_id} 验证（{error.reason}）；"
                    "检查点内容或签名已被改动",
                )
        self.checkpoint_valid = valid
        self.checkpoint_summary = {
            "format": checkpoint.format,
            "origin": checkpoint.origin,
            "tree_size": checkpoint.tree_size,
            "root_hash": base64.b64encode(checkpoint.root_hash).decode("ascii"),
            "timestamp": checkpoint.timestamp,
            "key_id": checkpoint.key_id,
            "public_key": (
                base64.b64encode(public_key).decode("ascii") if public_key is not None else None
            ),
            "signature_valid": valid,
        }

    def _note_says_the_fields(self, checkpoint: Checkpoint) -> bool:
        """Whether the note's text and its log's signature are the checkpoint's fields; if
        not, the problem is added."""
        assert checkpoint.note is not None
        text, _ = checkpoint.note
        own = checkpoint.own_signature()
        if text != checkpoint.body():
            self.problems.add(
                CHECKPOINT,
                "checkpoint.note",
                "the note's text is not the checkpoint's origin, tree size, root hash and time",
                "签名注记的正文与检查点的日志名称、树大小、根哈希和时间不一致",
            )
            return False
        if own is None or own.signature != checkpoint.signature:
            self.problems.add(
                CHECKPOINT,
                "checkpoint.note",
                f"the note does not carry the checkpoint's signature under {checkpoint.origin!r}",
                f"签名注记中没有以 {checkpoint.origin!r} 署名的检查点签名",
            )
            return False
        return True

    def _public_keys(self) -> tuple[dict[str, bytes], set[str]]:
        """The well-formed keys of ``public-keys.json`` by key id, and the ids of faulty ones."""
        keys: dict[str, bytes] = {}
        faulty: set[str] = set()
        if KEYS not in self.payload:
            return keys, faulty
        table = self._json(KEYS)
        if table is None:
            return keys, faulty
        if not isinstance(table, dict):
            self.problems.add(KEYS, "format", "is not a JSON object", "不是 JSON 对象")
            return keys, faulty
        for name, value in sorted(table.items()):
            try:
                formats.key_id_hex(name)
                key = formats.b64key(value)
            except FormatError as error:
                self.problems.add(
                    KEYS,
                    "keys.format",
                    f"key {name!r} {error.detail}",
                    f"公钥 {name!r}{error.detail_zh}",
                )
                faulty.add(name)
                continue
            if formats.key_id(key) != name:
                self.problems.add(
                    KEYS,
                    "keys.key_id",
                    f"the key listed as {name} has the key id {formats.key_id(key)}",
                    f"列为 {name} 的公钥，其标识实为 {formats.key_id(key)}",
                )
                faulty.add(name)
                continue
            keys[name] = key
        return keys, faulty

    def _check_event(self, nid: int) -> None:
        json_file = f"data/events/{nid}.json"
        state_file = f"data/events/{nid}.state"
        kinds = self.event_files[nid]
        if "json" not in kinds:
            self.problems.add(
                state_file,
                "event.incomplete",
                f"has no events/{nid}.json beside it",
                f"缺少对应的 events/{nid}.json",
                nid,
            )
            return
        if "state" not in kinds:
            self.problems.add(
                json_file,
                "event.incomplete",
                f"has no events/{nid}.state beside it: the event's stored bytes are missing",
                f"缺少对应的 events/{nid}.state（事件的存储字节）",
                nid,
            )
            return
        fields = self._fields(json_file, self._json(json_file, nid), _EVENT_FIELDS, nid)
        state = self._read(state_file, nid)
        if state is None:
            return
        self.states[nid] = state
        if fields is None:
            return
        if fields["notification_id"] != nid:
            self.problems.add(
                json_file,
                "event.notification_id",
                f"gives the notification id {fields['notification_id']}, but its name says {nid}",
                f"记录的通知编号为 {fields['notification_id']}，与文件名 {nid} 不符",
                nid,
            )
        # One alteration breaks everything downstream of it (state → leaf hash → proof); only the
        # first broken link of the chain is reported, so each problem is one line.
        consistent = True
        if hashlib.sha256(state).hexdigest() != fields["state_sha256"]:
            self.problems.add(
                state_file,
                "event.state_sha256",
                f"event {nid}: the SHA-256 of the stored state bytes is not the state_sha256 "
                f"of events/{nid}.json, so the event is not the one sealed",
                f"事件 {nid}：存储状态字节的 SHA-256 与 events/{nid}.json 中的 state_sha256 不符，"
                "该事件不是封存时的原样",
                nid,
            )
            consistent = False
        originator_id: uuid.UUID = fields["originator_id"]
        try:
            entry = formats.event_entry(
                fields["notification_id"],
                originator_id,
                fields["originator_version"],
                fields["topic"],
                state,
            )
        except FormatError as error:
            self.problems.add(json_file, "event.entry", error.detail, error.detail_zh, nid)
            return
        leaf = leaf_hash(entry)
        if consistent and leaf != fields["leaf_hash"]:
            consistent = False
            self.problems.add(
                json_file,
                "event.leaf_hash",
                f"event {nid}: the leaf hash rebuilt from its fields and state bytes is not "
                "its leaf_hash",
                f"事件 {nid}：由字段和状态字节重建的叶哈希与 leaf_hash 不符",
                nid,
            )
        self.originators[nid] = originator_id
        self.versions[nid] = (originator_id, fields["originator_version"])
        proven = self._check_proof(nid, fields["leaf_index"], leaf, prove=consistent)
        self.leaf_indexes[nid] = fields["leaf_index"]
        if proven and destruction.wanted(fields["topic"]):
            read = destruction.read_state(state)
            if read is not None:
                name = destruction.event_name(fields["topic"])
                self.destruction_events.append(destruction.Event(nid, originator_id, name, read))

    def _check_proof(self, nid: int, leaf_index: int, leaf: bytes, *, prove: bool) -> bool:
        """Check the event's proof file; with ``prove``, also that it leads to the root.

        True when the event is proved to be in the signed checkpoint's tree."""
        proof_file = f"data/proofs/{nid}.json"
        if nid not in self.proof_files:
            self.problems.add(
                proof_file,
                "proof.missing",
                f"is missing: event {nid} cannot be shown to be in the checkpoint's tree",
                f"缺少此文件：无法证明事件 {nid} 在检查点的树中",
                nid,
            )
            return False
        fields = self._fields(proof_file, self._json(proof_file, nid), _PROOF_FIELDS, nid)
        if fields is None:
            return False
        if fields["leaf_index"] != leaf_index:
            prove = False
            self.problems.add(
                proof_file,
                "proof.leaf_index",
                f"is for leaf {fields['leaf_index']}, but event {nid} is leaf {leaf_index}",
                f"证明的是第 {fields['leaf_index']} 片叶子，而事件 {nid} 是第 {leaf_index} 片",
                nid,
            )
        checkpoint = self.checkpoint
        if checkpoint is None:
            return False
        if fields["tree_size"] != checkpoint.tree_size:
            self.problems.add(
                proof_file,
                "proof.tree_size",
                f"is for a tree of {fields['tree_size']} leaves, but the checkpoint's has "
                f"{checkpoint.tree_size}",
                f"针对 {fields['tree_size']} 片叶子的树，而检查点的树有 {checkpoint.tree_size} 片",
                nid,
            )
        if not prove:
            return False
        try:
            # The size comes from the signed checkpoint, never from the proof's own envelope.
            check_inclusion(
                leaf, leaf_index, checkpoint.tree_size, fields["audit_path"], checkpoint.root_hash
            )
        except ProofError as error:
            self.problems.add(
                proof_file,
                "proof.inclusion",
                f"does not prove event {nid} at leaf {leaf_index} under the checkpoint's root: "
                f"{error.reason}",
                f"无法证明事件 {nid} 位于检查点根哈希下的第 {leaf_index} 片叶子（{error.reason}）",
                nid,
            )
            return False
        return fields["tree_size"] == checkpoint.tree_size and self.checkpoint_valid

    def _check_leaf_order(self) -> None:
        # Leaf i is the i-th stored event by notification id, so leaf indexes rise with the ids.
        previous: tuple[int, int] | None = None
        for nid in sorted(self.leaf_indexes):
            index = self.leaf_indexes[nid]
            if previous is not None and index <= previous[1]:
                self.problems.add(
                    f"data/events/{nid}.json",
                    "event.leaf_index",
                    f"event {nid} is leaf {index}, not after event {previous[0]}'s leaf "
                    f"{previous[1]}, though its notification id is larger",
                    f"事件 {nid} 是第 {index} 片叶子，未排在通知编号更小的事件 {previous[0]}"
                    f"（第 {previous[1]} 片）之后",
                    nid,
                )
            previous = (nid, index)

    def _bundle_version(self) -> int:
        """``Dossier-Bundle-Version`` of bag-info.txt; 1 for a bag of an earlier release.

        A label given twice with different values, or not as a number, is a problem: read as
        the first, a bag could be made to read as an older format than the one it is. Such a
        bag is read as of the highest version it names, so it is not spared a check either way.
        """
        try:
            text = (self.root / BAG_INFO).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return 1
        values = []
        for line in text.splitlines():
            label, colon, value = line.partition(":")
            if colon and label.strip() == "Dossier-Bundle-Version":
                values.append(value.strip())
        if not values:
            return 1
        numbers = [int(v) for v in values if v.isascii() and v.isdigit() and len(v) < 6]
        if len(numbers) < len(values) or len(set(numbers)) > 1:
            shown = ", ".join(repr(v) for v in values)
            self.problems.add(
                BAG_INFO,
                "bundle.version",
                f"Dossier-Bundle-Version is given as {shown}: one number is expected, so the "
                "bag's format cannot be told",
                f"Dossier-Bundle-Version 为 {shown}，应为单一数字，无法判断审计包的格式版本",
            )
            return max([statement.STATEMENT_VERSION, *numbers])
        return numbers[0]

    def _check_relabel(self) -> None:
        """A bag that says it is of a version before the statement, yet shows it was written
        with one: its statement files are there or listed, or its README describes them.

        Relabelling a version 3 bag as 2 would otherwise skip the statement that proves it
        whole. What a forger removes along with the label cannot be seen; the verdict
        ``old_format`` (never INTACT) is what covers that.
        """
        if self.version >= statement.STATEMENT_VERSION:
            return
        signs: list[str] = []
        signs_zh: list[str] = []
        for name in (statement.STATEMENT, statement.SIGNATURE):
            if (self.root / name).exists() or (self.root / name).is_symlink():
                signs.append(f"it carries {name}")
                signs_zh.append(f"包内有 {name}")
        try:
            listed = (self.root / statement.TAG_MANIFEST).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            listed = ""
        if statement.STATEMENT in listed or statement.SIGNATURE in listed:
            signs.append(f"{statement.TAG_MANIFEST} lists the statement")
            signs_zh.append(f"{statement.TAG_MANIFEST} 列有该声明")
        try:
            readme = (self.root / README).read_bytes()
        except OSError:
            readme = b""
        if statement.STATEMENT.encode("ascii") in readme:
            signs.append(f"{README} describes the statement")
            signs_zh.append(f"{README} 描述了该声明")
        if not signs:
            return
        said = f"version {self.version}" if self.version > 1 else "no version"
        said_zh = f"第 {self.version} 版" if self.version > 1 else "无版本"
        self.problems.add(
            BAG_INFO,
            "bundle.relabelled",
            f"says {said}, a format before the signed statement, yet {'; '.join(signs)}: a "
            f"bag of version {statement.STATEMENT_VERSION} or later relabelled as older, whose "
            "statement that it is whole would be skipped",
            f"标为{said_zh}（签名声明之前的格式），但{'；'.join(signs_zh)}：疑为第 "
            f"{statement.STATEMENT_VERSION} 版及以后的审计包被改标为早期版本，以跳过证明其完整的声明",
        )

    def _check_destructions(self) -> None:
        """Each destroyed dossier's destruction founded on a lawful batch the bag proves.

        Bags of earlier releases (no ``Dossier-Bundle-Version``) hold no batch: they are read
        as they were then, their destruction taken as recorded.
        """
        if self.version < 2:
            return
        judged = destruction.Destructions()
        judged.read(self.destruction_events)
        self.founded = judged.founded
        for u in judged.unfounded:
            self.problems.add(
                f"data/events/{u.nid}.json",
                "destruction.unfounded",
                f"dossier {u.dossier_id} is recorded destroyed at event {u.nid}, but "
                f"{u.detail}: the bag does not show a lawfully executed destruction",
                f"档案 {u.dossier_id} 在事件 {u.nid} 记录为已销毁，但{u.detail_zh}："
                "审计包未能证明合法执行的销毁",
                u.nid,
            )

    def _check_statement(self) -> None:
        """Version 3 on: the signed statement (``dossier_verify.statement``) under the pinned
        key, bound to the checkpoint, every aggregate's events all held, every file as signed.

        A bag of an earlier release has no statement: it is anchored when its checkpoint was
        signed by a pinned key, and never shown whole.
        """
        self._check_retired()
        if self.version < statement.STATEMENT_VERSION:
            if self.pinned and self.checkpoint is not None and self.checkpoint_valid:
                key = self.checkpoint_summary.get("public_key")
                raw = base64.b64decode(key) if isinstance(key, str) else b""
                if raw in self.pinned:
                    self.anchored = True
                else:
                    self.problems.add(
                        CHECKPOINT,
                        "checkpoint.key",
                        f"is signed by key {self.checkpoint.key_id}, which is not the key pinned "
                        "(--key): the bag is not the bank's as pinned",
                        f"由公钥 {self.checkpoint.key_id} 签名，不是所指定的公钥（--key）",
                    )
            return
        found = statement.read_statement(self.root, self.problems, self.pinned)
        if found is None:
            return
        self.anchored = found.anchored
        signer = self.believed.get(found.key_id)
        if signer is not None and signer.until is not None and found.tree_size > signer.until:
            self.problems.add(
                statement.SIGNATURE,
                "statement.key_retired",
                f"is signed by key {found.key_id} at tree size {found.tree_size}, but that key "
                f"signs nothing after tree size {signer.until} ({signer.ended_by})",
                f"由密钥 {found.key_id} 于树大小 {found.tree_size} 签名，而该密钥已于树大小 "
                f"{signer.until} 之后停用",
            )
            self.anchored = False
        checkpoint = self.checkpoint
        if checkpoint is not None and (
            checkpoint.tree_size != found.tree_size or checkpoint.root_hash != found.root_hash
        ):
            self.problems.add(
                statement.STATEMENT,
                "statement.checkpoint",
                f"is bound to the checkpoint of tree size {found.tree_size}, root "
                f"{base64.b64encode(found.root_hash).decode('ascii')}, not to the bag's "
                f"checkpoint.json (tree size {checkpoint.tree_size})",
                f"所绑定的检查点（树大小 {found.tree_size}）与 checkpoint.json"
                f"（树大小 {checkpoint.tree_size}）不符",
            )
        before = len(self.problems)
        statement.check_whole(found, self.problems, self.versions)
        proven = {f for f in self.payload if _EVENT_FILE.fullmatch(f) or _PROOF_FILE.fullmatch(f)}
        statement.check_files(self.root, found, self.problems, self.payload, self.tag_files, proven)
        self.whole = len(self.problems) == before
        self.checkpoint_summary["statement_key_id"] = found.key_id

    def _check_retired(self) -> None:
        """A checkpoint signed by a key after its rotation or revocation (key statements)."""
        checkpoint = self.checkpoint
        if checkpoint is None:
            return
        standing = self.believed.get(checkpoint.key_id)
        if standing is None or standing.until is None or checkpoint.tree_size <= standing.until:
            return
        self.problems.add(
            CHECKPOINT,
            "checkpoint.key_retired",
            f"is signed by key {checkpoint.key_id} at tree size {checkpoint.tree_size}, but "
            f"that key signs nothing after tree size {standing.until} ({standing.ended_by})",
            f"由密钥 {checkpoint.key_id} 于树大小 {checkpoint.tree_size} 签名，而该密钥已于树大小 "
            f"{standing.until} 之后停用",
        )

    def _check_documents(self) -> None:
        listed: dict[str, list[bool]] = {}
        if DOCUMENTS in self.payload:
            entries = self._json(DOCUMENTS)
            if entries is not None and not isinstance(entries, list):
                self.problems.add(DOCUMENTS, "format", "is not a JSON list", "不是 JSON 列表")
                entries = None
            for position, entry in enumerate(entries or []):
                fields = self._fields(
                    DOCUMENTS,
                    entry,
                    _DOCUMENT_FIELDS,
                    what=f"entry {position}: ",
                    what_zh=f"第 {position} 项：",
                )
                if fields is not None:
                    self._check_document_entry(position, fields)
                    listed.setdefault(fields["sha256"], []).append(fields["destroyed"])
        for digest, files in sorted(self.document_files.items()):
            self._check_document_files(digest, files, listed.get(digest, []))
        for digest, destroyed in sorted(listed.items()):
            if False in destroyed and True in destroyed:
                self.problems.add(
                    DOCUMENTS,
                    "document.destroyed",
                    f"lists document {digest} both as destroyed and as kept",
                    f"文件 {digest} 同时被列为已销毁和保留",
                )
            elif False in destroyed and digest not in self.document_files:
                self.problems.add(
                    f"data/documents/{digest}.*",
                    "document.missing",
                    f"is missing: documents.json lists document {digest} as kept, not destroyed",
                    f"缺少此文件：documents.json 将文件 {digest} 列为保留（未销毁）",
                )

    def _check_document_entry(self, position: int, fields: dict[str, Any]) -> None:
        digest: str = fields["sha256"]
        nid: int = fields["event"]
        name = f"entry {position} ({digest}, {fields['filename']!r})"
        name_zh = f"第 {position} 项（{digest}，{fields['filename']!r}）"
        if "json" not in self.event_files.get(nid, set()):
            self.problems.add(
                DOCUMENTS,
                "document.event",
                f"{name}: event {nid}, which filed it, is not in the bag",
                f"{name_zh}：归档该文件的事件 {nid} 不在审计包中",
                nid,
            )
            return
        dossier_id = self.originators.get(nid)
        if fields["destroyed"] and self.founded is not None and dossier_id not in self.founded:
            self.problems.add(
                DOCUMENTS,
                "document.destroyed",
                f"{name}: listed as destroyed, but the bag proves no lawful destruction of "
                f"dossier {dossier_id}, which filed it",
                f"{name_zh}：被列为已销毁，但审计包未能证明归档它的档案 {dossier_id} 已合法销毁",
                nid,
            )
        state = self.states.get(nid)
        if state is not None and not _hex_in(digest, state):
            self.problems.add(
                DOCUMENTS,
                "document.not_in_event",
                f"{name}: the hash does not appear in the stored state bytes of event {nid}",
                f"{name_zh}：该哈希未出现在事件 {nid} 的存储状态字节中",
                nid,
            )

    def _check_document_files(self, digest: str, files: list[str], destroyed: list[bool]) -> None:
        for file in files:
            if self.payload.get(file) != digest:
                self.problems.add(
                    file,
                    "document.sha256",
                    "the SHA-256 of the document's bytes is not the one its name gives",
                    "文件内容的 SHA-256 与文件名中的哈希不符",
                )
            if not destroyed:
                self.problems.add(
                    file,
                    "document.unlisted",
                    "is not listed in documents.json",
                    "未列入 documents.json",
                )
            elif all(destroyed):
                self.problems.add(
                    file,
                    "document.destroyed",
                    "documents.json lists this document as destroyed, yet its file is here",
                    "documents.json 将此文件列为已销毁，但文件仍在审计包中",
                )
        for file in files[1:]:
            self.problems.add(
                file,
                "document.duplicate",
                f"is a second copy of document {digest} ({files[0]})",
                f"是文件 {digest} 的重复副本（{files[0]}）",
            )
