"""The byte formats of docs/integrity.md the verifier rebuilds: leaf entries, checkpoint bodies
(signed notes, and the format of earlier releases), key ids and note key hashes, and the strict
readers for the JSON and encodings the bundle uses.

The leaf entry and the checkpoint bodies are the sealer's (``storage.sealing.event_entry``,
``storage.checkpoints.note_body`` and ``checkpoint_body``) written again, on purpose: the verifier imports nothing
of the project, so that it runs on the standard library alone and does not share the mistakes of
what it checks. ``tests/verifier/test_formats_agree.py`` holds both copies to the same bytes.
The verifier only reads JSON, never writes it, so it has no copy of the canonical JSON.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import struct
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

ENTRY_MAGIC = b"DOSSIER-EVENT-1\n"
CHECKPOINT_HEADER = "dossier-checkpoint/v1"
"""The first line of the checkpoint body earlier releases signed (a checkpoint without a note)."""
NOTE_TIME = "time "
"""How a checkpoint note's extension line begins, before its timestamp."""
SIGNATURE_LINE = "\u2014 "
"""How every signature line of a signed note begins: em dash, space."""
ED25519_TYPE = b"\x01"
KEY_HASH_SIZE = 4

U32_MAX = 2**32 - 1
U64_MAX = 2**64 - 1

_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_HEX = re.compile(r"[0-9a-f]*")


class FormatError(ValueError):
    """Raised when a value does not have the form the bundle format gives it; in two languages."""

    def __init__(self, detail: str, detail_zh: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.detail_zh = detail_zh


def event_entry(
    notification_id: int,
    originator_id: uuid.UUID,
    originator_version: int,
    topic: str,
    state: bytes,
) -> bytes:
    """The leaf entry of one stored event (docs/integrity.md, "Leaves")."""
    topic_bytes = topic.encode("utf-8")
    if not 0 <= notification_id <= U64_MAX or not 0 <= originator_version <= U64_MAX:
        raise FormatError("a number does not fit in 64 bits", "数值超出 64 位范围")
    if len(topic_bytes) > U32_MAX or len(state) > U32_MAX:
        raise FormatError("the topic or state is too long for the entry", "主题或状态过长")
    return b"".join(
        (
            ENTRY_MAGIC,
            struct.pack(">Q", notification_id),
            originator_id.bytes,
            struct.pack(">Q", originator_version),
            struct.pack(">I", len(topic_bytes)),
            topic_bytes,
            struct.pack(">I", len(state)),
            state,
        )
    )


def checkpoint_body(origin: str, tree_size: int, root_hash: bytes, timestamp: str) -> bytes:
    """The exact bytes a checkpoint's signature covers (docs/integrity.md, "Checkpoints")."""
    root = base64.b64encode(root_hash).decode("ascii")
    lines = (CHECKPOINT_HEADER, origin, str(tree_size), root, timestamp)
    return "".join(line + "\n" for line in lines).encode("utf-8")


def note_body(origin: str, tree_size: int, root_hash: bytes, timestamp: str) -> bytes:
    """The text of a checkpoint note, which its signature covers (c2sp.org/tlog-checkpoint, with
    the time as an extension line; docs/integrity.md, "Checkpoints")."""
    root = base64.b64encode(root_hash).decode("ascii")
    lines = (origin, str(tree_size), root, NOTE_TIME + timestamp)
    return "".join(line + "\n" for line in lines).encode("utf-8")


def key_hash(name: str, public_key: bytes) -> bytes:
    """The signed-note key hash of an Ed25519 key: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[:4]."""
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + ED25519_TYPE + public_key).digest()
    return digest[:KEY_HASH_SIZE]


@dataclass(frozen=True)
class NoteSignature:
    """One signature line of a signed note."""

    name: str
    key_hash: bytes
    signature: bytes


def signed_note(value: Any) -> tuple[bytes, list[NoteSignature]]:
    """The text (the signed bytes) and signature lines of a signed note (c2sp.org/signed-note).

    The text ends at the last blank line; every line after it is a signature line:
    ``— <key name> <base64(4-byte key hash ‖ signature)>``.
    """
    note = text(value)
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise FormatError("holds a control character", "包含控制字符")
    if not note.endswith("\n"):
        raise FormatError("does not end in a newline", "未以换行结尾")
    body, blank, tail = note.rpartition("\n\n")
    if not blank:
        raise FormatError("has no blank line before its signatures", "签名前缺少空行")
    signatures = []
    for line in tail.splitlines():
        if not line.startswith(SIGNATURE_LINE):
            raise FormatError(
                "has a signature line not beginning with an em dash", "签名行未以破折号开头"
            )
        name, _, encoded = line[len(SIGNATURE_LINE) :].partition(" ")
        try:
            raw = base64.b64decode(encoded.encode("ascii"), validate=True)
        except (UnicodeEncodeError, binascii.Error):
            raise FormatError(
                "has a signature that is not base64", "签名不是 base64 编码"
            ) from None
        if not name or len(raw) <= KEY_HASH_SIZE:
            raise FormatError("has a malformed signature line", "签名行格式错误")
        signatures.append(NoteSignature(name, raw[:KEY_HASH_SIZE], raw[KEY_HASH_SIZE:]))
    if not signatures:
        raise FormatError("has no signature line", "没有签名行")
    return (body + "\n").encode("utf-8"), signatures


def key_id(public_key: bytes) -> str:
    """The first 8 bytes, in hex, of SHA-256 of the raw public key."""
    return hashlib.sha256(public_key).digest()[:8].hex()


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            # Two readers may keep different copies of a duplicated key; refuse the ambiguity.
            raise FormatError(f"the key {name!r} appears twice", f"键 {name!r} 出现了两次")
        result[name] = value
    return result


def _refuse_constant(name: str) -> Any:
    raise FormatError(f"{name} is not JSON", f"{name} 不是合法的 JSON")


def load_json(raw: bytes) -> Any:
    """Parse UTF-8 JSON strictly: no duplicate keys, no NaN or Infinity."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FormatError(f"is not UTF-8: {error}", f"不是 UTF-8 编码：{error}") from None
    try:
        return json.loads(
            text, object_pairs_hook=_refuse_duplicates, parse_constant=_refuse_constant
        )
    except FormatError:
        raise
    except ValueError as error:  # JSONDecodeError, and integers too long to convert
        raise FormatError(f"is not valid JSON: {error}", f"不是合法的 JSON：{error}") from None
    except RecursionError:
        raise FormatError("is nested too deeply", "嵌套层数过多") from None


# --- field readers: each returns the value in the form the checks use, or raises FormatError ---


def integer(value: Any, low: int = 0, high: int = U64_MAX) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FormatError("is not an integer", "不是整数")
    if not low <= value <= high:
        raise FormatError(f"{value} is outside {low}…{high}", f"{value} 超出范围 {low}…{high}")
    return value


def text(value: Any) -> str:
    if not isinstance(value, str):
        raise FormatError("is not a string", "不是字符串")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: valid JSON, but no UTF-8 bytes to hash
        raise FormatError(
            "holds a character UTF-8 cannot encode", "包含无法用 UTF-8 编码的字符"
        ) from None
    return value


def one_line(value: Any) -> str:
    line = text(value)
    if "\n" in line or "\r" in line:
        raise FormatError("holds a line break", "包含换行符")
    return line


def flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise FormatError("is not true or false", "不是 true 或 false")
    return value


def anything(value: Any) -> Any:
    return value


def b64bytes(value: Any, size: int) -> bytes:
    """Standard padded base64 of exactly ``size`` bytes, in its one canonical spelling."""
    encoded = text(value)
    try:
        raw = base64.b64decode(encoded.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise FormatError("is not base64", "不是 base64 编码") from None
    if len(raw) != size:
        raise FormatError(
            f"is {len(raw)} bytes, not {size}", f"长度为 {len(raw)} 字节，应为 {size}"
        )
    if base64.b64encode(raw).decode("ascii") != encoded:
        raise FormatError("is not canonical base64", "不是规范的 base64 编码")
    return raw


def b64hash(value: Any) -> bytes:
    return b64bytes(value, 32)


def b64signature(value: Any) -> bytes:
    return b64bytes(value, 64)


def b64key(value: Any) -> bytes:
    return b64bytes(value, 32)


def hex_of(value: Any, size: int) -> str:
    """Lower-case hex of ``size`` bytes."""
    digits = text(value)
    if len(digits) != 2 * size or not _HEX.fullmatch(digits):
        raise FormatError(
            f"is not {2 * size} lower-case hex digits", f"不是 {2 * size} 位小写十六进制数"
        )
    return digits


def sha256_hex(value: Any) -> str:
    return hex_of(value, 32)


def key_id_hex(value: Any) -> str:
    return hex_of(value, 8)


def uuid_text(value: Any) -> uuid.UUID:
    spelled = text(value)
    if not _UUID.fullmatch(spelled):
        raise FormatError("is not a UUID in its canonical form", "不是规范格式的 UUID")
    return uuid.UUID(spelled)


def timestamp(value: Any) -> str:
    """RFC 3339 UTC to the second, ``YYYY-MM-DDTHH:MM:SSZ``."""
    spelled = text(value)
    if not _TIMESTAMP.fullmatch(spelled):
        raise FormatError(
            "is not of the form YYYY-MM-DDTHH:MM:SSZ", "格式不是 YYYY-MM-DDTHH:MM:SSZ"
        )
    try:
        datetime.strptime(spelled, "%Y-%m-%dT%H:%M:%SZ")  # noqa: DTZ007 - only checks the date exists
    except ValueError:
        raise FormatError("is not a real date and time", "不是有效的日期时间") from None
    return spelled


def hash_list(value: Any) -> list[bytes]:
    if not isinstance(value, list):
        raise FormatError("is not a list", "不是列表")
    hashes = []
    for position, element in enumerate(value):
        try:
            hashes.append(b64hash(element))
        except FormatError as error:
            raise FormatError(
                f"element {position} {error.detail}", f"第 {position} 个元素{error.detail_zh}"
            ) from None
    return hashes
