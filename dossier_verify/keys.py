"""Key rotation and revocation statements (密钥轮换与吊销声明), as a bag carries them.

``data/key-statements.json`` (present once the archive rotated or revoked a key) is a JSON list,
in the order the archive recorded them, of ``{"statement": <body text>, "key_id": …,
"signature": …[, "cosignature": …]}``. Each signature is Ed25519 over
``dossier-integrity-statement/v1\\n`` followed by the UTF-8 bytes of the body text, which is a
JSON object of ``"kind"`` (``key_rotation`` or ``key_revocation``), ``"tree_size"`` and:

- a rotation: ``"old_key"`` and ``"new_key"``, each ``{"key_id", "public_key"}``; signed by the
  old key, cosigned by the new one. The new key is believed from then on, and the old key signs
  nothing larger than ``tree_size``;
- a revocation: ``"revoked_key": {"key_id", …}``; signed by a key believed then. The revoked key
  signs nothing larger than ``tree_size``.

Starting from the keys the auditor pinned (``--key``), ``extend`` follows the statements in
order, as ``storage.statements.KeyTrust`` does in the archive; a statement signed by a key not
believed at that point is not followed (the bag may hold the history from before the key pinned),
but one signed by a believed key whose signature does not hold is a problem: it was altered.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from dossier_verify import ed25519, formats
from dossier_verify.formats import FormatError
from dossier_verify.report import Problems

KEY_STATEMENTS = "data/key-statements.json"
SIGNED_HEADER = b"dossier-integrity-statement/v1\n"
STATEMENT_FORMAT = "dossier-integrity-statement/v1"


@dataclass
class Standing:
    """A key believed, and the largest tree size it may sign (None: no limit)."""

    key: bytes
    until: int | None = None
    ended_by: str = ""


def _b64(value: Any) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        return None


def _key(entry: Any) -> bytes | None:
    if not isinstance(entry, dict):
        return None
    raw = _b64(entry.get("public_key"))
    if raw is None or len(raw) != 32 or formats.key_id(raw) != entry.get("key_id"):
        return None
    return raw


def extend(pinned: list[bytes], listed: Any, problems: Problems) -> dict[str, Standing]:
    """The keys believed, by key id: the pinned ones and those the statements introduce."""
    keys = {formats.key_id(key): Standing(key) for key in pinned}
    if listed is None:
        return keys
    if not isinstance(listed, list):
        problems.add(KEY_STATEMENTS, "keys.statement", "is not a JSON list", "不是 JSON 列表")
        return keys
    for number, entry in enumerate(listed, start=1):
        name = f"key statement {number}"
        try:
            _take(keys, entry, name)
        except FormatError as error:
            problems.add(
                KEY_STATEMENTS,
                "keys.statement",
                f"{name}: {error.detail}",
                f"第 {number} 条密钥声明：{error.detail_zh}",
            )
    return keys


def _take(keys: dict[str, Standing], entry: Any, name: str) -> None:
    if not isinstance(entry, dict) or not isinstance(entry.get("statement"), str):
        raise FormatError("is not an object with its 'statement' text", "不是含声明正文的对象")
    body = entry["statement"]
    key_id = entry.get("key_id")
    signer = keys.get(key_id) if isinstance(key_id, str) else None
    if signer is None:
        return  # signed by a key not (yet) believed: nothing follows from it
    try:
        data = formats.load_json(body.encode("utf-8"))
    except FormatError as error:
        raise FormatError(f"its text {error.detail}", f"其正文{error.detail_zh}") from None
    if not isinstance(data, dict) or data.get("format") != STATEMENT_FORMAT:
        raise FormatError(f"is not of format {STATEMENT_FORMAT}", f"格式不是 {STATEMENT_FORMAT}")
    size = data.get("tree_size")
    if type(size) is not int or size < 0:
        raise FormatError("has no tree size", "缺少树大小")
    if signer.until is not None and size > signer.until:
        raise FormatError(
            f"is signed by key {key_id} at tree size {size}, after that key ended at "
            f"{signer.until} ({signer.ended_by})",
            f"由密钥 {key_id} 于树大小 {size} 签名，而该密钥已于 {signer.until} 停用",
        )
    message = SIGNED_HEADER + body.encode("utf-8")
    signature = _b64(entry.get("signature"))
    if signature is None or not ed25519.verify(signer.key, message, signature):
        raise FormatError(
            f"its signature does not verify with key {key_id}: it was altered or forged",
            f"签名无法用密钥 {key_id} 验证：已被改动或伪造",
        )
    kind = data.get("kind")
    if kind == "key_rotation":
        old, new = _key(data.get("old_key")), _key(data.get("new_key"))
        if old is None or new is None or formats.key_id(old) != key_id:
            raise FormatError(
                "is a rotation that does not name the key that signed it and a new key",
                "轮换声明未正确列出签名的旧密钥与新密钥",
            )
        cosignature = _b64(entry.get("cosignature"))
        if cosignature is None or not ed25519.verify(new, message, cosignature):
            raise FormatError(
                "is a rotation whose new key's cosignature does not verify",
                "轮换声明中新密钥的副署签名无法验证",
            )
        _end(signer, size, name)
        keys.setdefault(formats.key_id(new), Standing(new))
    elif kind == "key_revocation":
        revoked = data.get("revoked_key")
        target = revoked.get("key_id") if isinstance(revoked, dict) else None
        if isinstance(target, str) and target in keys:
            _end(keys[target], size, name)


def _end(standing: Standing, size: int, name: str) -> None:
    if standing.until is None or size < standing.until:
        standing.until = size
        standing.ended_by = name
