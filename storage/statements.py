"""Signed integrity statements (完整性声明): a lost witness range acknowledged, a key rotated or
revoked — each signed by the archive's checkpoint key, as ``docs/integrity.md`` specifies.

A statement is a JSON object (its *body*) kept as the exact text that was signed, written
canonically (keys sorted, no whitespace, UTF-8)::

    {"format": "dossier-integrity-statement/v1", "kind": <KIND>, "origin": <log>,
     "time": <RFC 3339 UTC>, "tree_size": <latest checkpoint's size then>, …}

and its Ed25519 signature covers ``SIGNED_HEADER ‖ body`` (the header keeps a statement from
ever being taken for a checkpoint note or a bundle statement). Kinds:

``witness_loss``
    the checkpoints the integrity store records as witnessed that the witness no longer holds
    (``lost``: tree size, root hash, key id of each), the witness before and after (``witness``),
    the ``reason``, who recorded it and who approved it (``recorded_by``, ``approved_by``);
``key_rotation``
    signed by the *old* key: ``old_key`` and ``new_key`` (key id, base64 public key, and the new
    one's verifier key); the old key signs no checkpoint larger than ``tree_size`` after it. The
    new key signs the same bytes too (``cosignature``): it shows the new key is held;
``key_revocation``
    signed by a key still trusted: ``revoked_key`` (key id, and its public key when known) and the
    ``reason``; the revoked key signs nothing larger than ``tree_size`` after it.

``KeyTrust`` works out which keys are believed, and up to which tree size, from the configured
keys and the statements in the order recorded. The standalone verifier (``dossier_verify.keys``)
does the same again from the bundle's copy of the key statements.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from canonical import canonical_json
from storage.checkpoints import format_timestamp, verifier_key
from storage.signing import BadSignatureError, PublicKey, Signer, SigningKeyError

STATEMENT_FORMAT: Final = "dossier-integrity-statement/v1"
SIGNED_HEADER: Final = b"dossier-integrity-statement/v1\n"
"""What the signed message begins with, before the body."""
WITNESS_LOSS: Final = "witness_loss"
KEY_ROTATION: Final = "key_rotation"
KEY_REVOCATION: Final = "key_revocation"
KINDS: Final = (WITNESS_LOSS, KEY_ROTATION, KEY_REVOCATION)
KEY_KINDS: Final = (KEY_ROTATION, KEY_REVOCATION)


class StatementError(ValueError):
    """Raised when a statement is malformed, or its signature does not hold."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise StatementError(f"{what} is not a base64 string")
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeError):
        raise StatementError(f"{what} is not standard base64") from None


@dataclass(frozen=True)
class SignedStatement:
    """A statement body as signed, with its signature (and, for a rotation, the new key's)."""

    body: str
    key_id: str
    signature: bytes
    cosignature: bytes | None = None
    number: int | None = None
    """Its place in the integrity store's statement table (1, 2, …); None outside it."""

    def message(self) -> bytes:
        """The bytes the signatures cover."""
        return SIGNED_HEADER + self.body.encode("utf-8")

    def fields(self) -> dict[str, Any]:
        """The body read; StatementError if it is not a statement of this format."""
        try:
            data = json.loads(self.body)
        except ValueError:
            raise StatementError("the statement is not JSON") from None
        if not isinstance(data, dict) or data.get("format") != STATEMENT_FORMAT:
            raise StatementError(f"the statement is not of format {STATEMENT_FORMAT}")
        if data.get("kind") not in KINDS:
            raise StatementError(f"the statement's kind {data.get('kind')!r} is unknown")
        size = data.get("tree_size")
        if type(size) is not int or size < 0:
            raise StatementError("the statement's tree_size is not a natural number")
        return data

    @property
    def kind(self) -> str:
        return str(self.fields()["kind"])

    @property
    def tree_size(self) -> int:
        return int(self.fields()["tree_size"])

    def describe(self) -> str:
        """How findings name it: its number (when stored), kind and time."""
        try:
            data = self.fields()
            what = f"{data['kind']} of {data.get('time', '?')}"
        except StatementError:
            what = "unreadable"
        return f"statement #{self.number} ({what})" if self.number else f"statement ({what})"

    def check(self, key: PublicKey) -> None:
        """Return if ``key`` signed it; else BadSignatureError (or StatementError: other key)."""
        if key.key_id != self.key_id:
            raise StatementError(f"the statement is signed by key {self.key_id}, not {key.key_id}")
        key.check(self.message(), self.signature)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "statement": self.body,
            "key_id": self.key_id,
            "signature": _b64(self.signature),
        }
        if self.cosignature is not None:
            data["cosignature"] = _b64(self.cosignature)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SignedStatement:
        if not isinstance(data, Mapping) or not isinstance(data.get("statement"), str):
            raise StatementError("a signed statement is an object with its 'statement' text")
        cosignature = data.get("cosignature")
        return cls(
            body=data["statement"],
            key_id=str(data.get("key_id")),
            signature=_unb64(data.get("signature"), "the signature"),
            cosignature=None if cosignature is None else _unb64(cosignature, "the cosignature"),
        )


def sign_statement(
    signer: Signer,
    kind: str,
    fields: Mapping[str, Any],
    *,
    origin: str,
    tree_size: int,
    moment: datetime,
    cosigner: Signer | None = None,
) -> SignedStatement:
    """A statement of ``kind`` with ``fields``, signed by ``signer`` (and ``cosigner``)."""
    if kind not in KINDS:
        raise ValueError(f"unknown statement kind {kind!r}")
    body = canonical_json(
        {
            **fields,
            "format": STATEMENT_FORMAT,
            "kind": kind,
            "origin": origin,
            "time": format_timestamp(moment.astimezone(UTC)),
            "tree_size": tree_size,
        }
    )
    message = SIGNED_HEADER + body.encode("utf-8")
    return SignedStatement(
        body,
        signer.key_id,
        signer.sign(message),
        None if cosigner is None else cosigner.sign(message),
    )


def key_entry(key: PublicKey, origin: str | None = None) -> dict[str, str]:
    """A key as a statement names it: key id, base64 public key (and verifier key)."""
    entry = {"key_id": key.key_id, "public_key": key.to_base64()}
    if origin is not None:
        entry["vkey"] = verifier_key(origin, key)
    return entry


def rotation(
    old: Signer, new: Signer, *, origin: str, tree_size: int, moment: datetime
) -> SignedStatement:
    """The statement, signed by ``old`` and cosigned by ``new``, that ``new`` succeeds ``old``
    after the checkpoint of ``tree_size``."""
    if old.key_id == new.key_id:
        raise ValueError("a key cannot succeed itself")
    return sign_statement(
        old,
        KEY_ROTATION,
        {"old_key": key_entry(old.public_key), "new_key": key_entry(new.public_key, origin)},
        origin=origin,
        tree_size=tree_size,
        moment=moment,
        cosigner=new,
    )


def revocation(
    signer: Signer,
    key_id: str,
    public_key: PublicKey | None,
    *,
    reason: str,
    origin: str,
    tree_size: int,
    moment: datetime,
) -> SignedStatement:
    """The statement, signed by ``signer``, that ``key_id`` signs nothing after ``tree_size``."""
    revoked: dict[str, str] = {"key_id": key_id} if public_key is None else key_entry(public_key)
    return sign_statement(
        signer,
        KEY_REVOCATION,
        {"revoked_key": revoked, "reason": reason},
        origin=origin,
        tree_size=tree_size,
        moment=moment,
    )


def _public_key(entry: object, what: str) -> PublicKey:
    if not isinstance(entry, Mapping):
        raise StatementError(f"{what} is not an object")
    try:
        key = PublicKey(_unb64(entry.get("public_key"), f"{what}'s public key"))
    except SigningKeyError as error:
        raise StatementError(f"{what}: {error}") from None
    if entry.get("key_id") != key.key_id:
        raise StatementError(f"{what}'s key id is not that of its public key")
    return key


# ------------------------------------------------------------------------------ trust
@dataclass
class Standing:
    """A key believed, and the largest tree size it may sign (None: no limit)."""

    key: PublicKey
    until: int | None = None
    ended_by: str | None = None
    """The statement that set ``until`` (a rotation or revocation), as findings name it."""
    introduced_by: str | None = None
    """The rotation statement that introduced it; None for a configured key."""

    def end(self, tree_size: int, statement: str) -> None:
        if self.until is None or tree_size < self.until:
            self.until = tree_size
            self.ended_by = statement


@dataclass(frozen=True)
class StatementProblem:
    """A statement that is not believed, and why (``check`` names the kind of problem)."""

    statement: SignedStatement
    check: str
    """``statement_key`` (not signed by a key believed then) or ``statement_signature``."""
    detail: str
    detail_zh: str


@dataclass
class KeyTrust:
    """Which keys are believed, from the configured ones through the key statements.

    Statements are taken in the order given (the order recorded). A rotation or revocation
    counts only when signed, with a signature that holds, by a key believed at that point that
    had not yet ended at a smaller tree size; a rotation also needs the new key's cosignature.
    With ``backwards`` (the development anchor: the local key alone is trusted), a rotation
    the trusted new key cosigned also vouches for the key it succeeded.
    """

    anchors: Sequence[PublicKey]
    statements: Sequence[SignedStatement] = ()
    backwards: bool = False
    keys: dict[str, Standing] = field(default_factory=dict)
    problems: list[StatementProblem] = field(default_factory=list)
    believed: list[SignedStatement] = field(default_factory=list)
    """The statements believed, witness-loss acknowledgements included, in order."""

    def __post_init__(self) -> None:
        anchors = {key.key_id: key for key in self.anchors}
        if self.backwards:
            self._extend_backwards(anchors)
        self.keys = {key_id: Standing(key) for key_id, key in anchors.items()}
        for statement in self.statements:
            self._take(statement)

    def standing(self, key_id: str) -> Standing | None:
        return self.keys.get(key_id)

    def _extend_backwards(self, anchors: dict[str, PublicKey]) -> None:
        for statement in reversed(self.statements):
            try:
                data = statement.fields()
                if data["kind"] != KEY_ROTATION:
                    continue
                old = _public_key(data.get("old_key"), "the old key")
                new = _public_key(data.get("new_key"), "the new key")
                if new.key_id not in anchors or old.key_id in anchors:
                    continue
                statement.check(old)
                if statement.cosignature is None:
                    continue
                new.check(statement.message(), statement.cosignature)
            except (StatementError, BadSignatureError):
                continue
            anchors[old.key_id] = old

    def _problem(self, statement: SignedStatement, check: str, en: str, zh: str) -> None:
        self.problems.append(StatementProblem(statement, check, en, zh))

    def _take(self, statement: SignedStatement) -> None:
        name = statement.describe()
        try:
            data = statement.fields()
        except StatementError as error:
            self._problem(
                statement, "statement_signature", f"{name}: {error}", f"{name} 格式错误：{error}"
            )
            return
        signer = self.keys.get(statement.key_id)
        if signer is None:
            self._problem(
                statement,
                "statement_key",
                f"{name} is signed by key {statement.key_id}, which is neither configured as "
                "trusted nor introduced by a rotation from a trusted key",
                f"{name} 由不受信任的密钥 {statement.key_id} 签名（既非配置的可信公钥，也未经可信"
                "密钥轮换引入）",
            )
            return
        size = int(data["tree_size"])
        if signer.until is not None and size > signer.until:
            self._problem(
                statement,
                "statement_key",
                f"{name} is signed by key {statement.key_id} at tree size {size}, after that key "
                f"ended at tree size {signer.until} ({signer.ended_by})",
                f"{name} 由密钥 {statement.key_id} 于树大小 {size} 签名，而该密钥已于树大小 "
                f"{signer.until} 停用（{signer.ended_by}）",
            )
            return
        try:
            statement.check(signer.key)
            if data["kind"] == KEY_ROTATION:
                self._rotate(statement, data, size, name)
            elif data["kind"] == KEY_REVOCATION:
                self._revoke(data, size, name)
        except (BadSignatureError, StatementError) as error:
            self._problem(
                statement,
                "statement_signature",
                f"{name} does not verify: {error}; the statement was altered or forged",
                f"{name} 签名验证失败（{error}）：声明已被改动或伪造",
            )
            return
        self.believed.append(statement)

    def _rotate(
        self, statement: SignedStatement, data: dict[str, Any], size: int, name: str
    ) -> None:
        old = _public_key(data.get("old_key"), "the old key")
        new = _public_key(data.get("new_key"), "the new key")
        if old.key_id != statement.key_id:
            raise StatementError("a rotation must be signed by the key it retires")
        if statement.cosignature is None:
            raise StatementError("the new key's cosignature is missing")
        try:
            new.check(statement.message(), statement.cosignature)
        except BadSignatureError as error:
            raise StatementError(f"the new key's cosignature: {error}") from None
        self.keys[old.key_id].end(size, name)
        self.keys.setdefault(new.key_id, Standing(new, introduced_by=name))

    def _revoke(self, data: dict[str, Any], size: int, name: str) -> None:
        revoked = data.get("revoked_key")
        if not isinstance(revoked, Mapping) or not isinstance(revoked.get("key_id"), str):
            raise StatementError("the revoked key is not named")
        standing = self.keys.get(revoked["key_id"])
        if standing is not None:
            standing.end(size, name)


def witness_losses(
    statements: Iterable[SignedStatement],
) -> dict[int, list[tuple[SignedStatement, str | None]]]:
    """Tree size → the acknowledgements naming its checkpoint as lost, each with the root hash
    (base64) it names for it."""
    named: dict[int, list[tuple[SignedStatement, str | None]]] = {}
    for statement in statements:
        data = statement.fields()
        if data["kind"] != WITNESS_LOSS:
            continue
        for entry in data.get("lost") or ():
            if isinstance(entry, Mapping) and type(entry.get("tree_size")) is int:
                root = entry.get("root_hash")
                named.setdefault(entry["tree_size"], []).append(
                    (statement, root if isinstance(root, str) else None)
                )
    return named
