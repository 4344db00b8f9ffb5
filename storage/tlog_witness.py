"""An independent witness (独立见证方) and its client: C2SP ``tlog-witness``.

A second department or a regulator runs ``dossier witness serve`` with its own Ed25519 key and
the verifier keys of the logs it watches. The archive's sealer submits each new checkpoint note
with a consistency proof from the size that witness last cosigned; the witness cosigns it
(``storage.cosignatures``) only when the note is signed by the log's configured key and extends,
by that proof, the checkpoint it holds — so the archive cannot show one history to the witness
and another to an auditor (a *split view*) without being caught. It keeps, per log, only the
latest checkpoint it cosigned, no business data.

The protocol (https://c2sp.org/tlog-witness)::

    POST <prefix>/add-checkpoint
    old <size>\\n  <base64 consistency proof hash>\\n …  \\n  <the checkpoint note>

    200  the cosignature line(s)
    400  malformed body, or old size larger than the checkpoint's
    403  no signature of the log's configured key verifies
    404  unknown log (origin)
    409  old size is not the size last cosigned (body: that size, text/x.tlog.size), or same
         size with another root hash
    422  the consistency proof does not hold
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import http.client
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

import structlog

from storage.checkpoints import (
    CheckpointFormatError,
    TrustedKey,
    key_hash_of,
    parse_verifier_key,
)
from storage.cosignatures import Cosignature, CosignatureError, CosignerKey, cosign
from storage.files import fsync_directory
from storage.merkle import HASH_SIZE, ProofError, check_consistency
from storage.signing import SIGNATURE_SIZE, Signer

log = structlog.get_logger("dossier.witness")

SIZE_CONTENT_TYPE: Final = "text/x.tlog.size"
MAX_PROOF_LINES: Final = 63
MAX_BODY: Final = 64 * 1024
_SIZE = re.compile(r"0|[1-9][0-9]{0,18}")


class WitnessProtocolError(Exception):
    """Raised when a witness refuses a checkpoint, or its answer cannot be used."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class StaleSizeError(WitnessProtocolError):
    """Raised when the witness last cosigned another size than the old size sent (409)."""

    def __init__(self, size: int) -> None:
        super().__init__(409, f"the witness last cosigned a tree of size {size}")
        self.size = size


@dataclass(frozen=True)
class Answer:
    """An HTTP answer of the witness: status, content type, body."""

    status: int
    content_type: str
    body: bytes

    @classmethod
    def text(cls, status: int, text: str) -> Answer:
        return cls(status, "text/plain; charset=utf-8", text.encode("utf-8"))


@dataclass(frozen=True)
class Submission:
    """A parsed ``add-checkpoint`` request."""

    old_size: int
    proof: tuple[bytes, ...]
    note: str
    text: bytes
    """The note's text (what its signatures cover)."""
    signature_lines: tuple[str, ...]
    origin: str
    tree_size: int
    root_hash: bytes


def submission_body(note: str, old_size: int, proof: Sequence[bytes]) -> bytes:
    """The body of an ``add-checkpoint`` request."""
    lines = [f"old {old_size}"] + [base64.b64encode(h).decode("ascii") for h in proof]
    return ("".join(f"{line}\n" for line in lines) + "\n" + note).encode("utf-8")


def parse_submission(body: bytes) -> Submission:
    """The request of ``body``; WitnessProtocolError(400) if it is not one."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise WitnessProtocolError(400, "the request is not UTF-8") from None
    head, blank, note = text.partition("\n\n")
    if not blank:
        raise WitnessProtocolError(400, "no empty line between the old size and the checkpoint")
    lines = (head + "\n").split("\n")[:-1]
    if not lines[0].startswith("old ") or not _SIZE.fullmatch(lines[0][4:]):
        raise WitnessProtocolError(400, "the first line is not 'old <size>'")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise WitnessProtocolError(400, f"more than {MAX_PROOF_LINES} consistency proof lines")
    proof = []
    for line in lines[1:]:
        try:
            raw = base64.b64decode(line.encode("ascii"), validate=True)
        except (binascii.Error, ValueError, UnicodeError):
            raw = b""
        if len(raw) != HASH_SIZE:
            raise WitnessProtocolError(400, "a consistency proof line is not base64 of a hash")
        proof.append(raw)
    note_text, blank, signatures = note.rpartition("\n\n")
    if not blank or not signatures.endswith("\n"):
        raise WitnessProtocolError(400, "the checkpoint is not a signed note")
    body_lines = note_text.split("\n")
    if len(body_lines) < 3 or any(not line for line in body_lines):
        raise WitnessProtocolError(400, "the checkpoint has fewer than three lines")
    origin, size, root = body_lines[:3]
    if not _SIZE.fullmatch(size):
        raise WitnessProtocolError(400, "the checkpoint's tree size is not a decimal number")
    try:
        root_hash = base64.b64decode(root.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeError):
        root_hash = b""
    if len(root_hash) != HASH_SIZE:
        raise WitnessProtocolError(400, "the checkpoint's root hash is not base64 of a hash")
    return Submission(
        old_size=int(lines[0][4:]),
        proof=tuple(proof),
        note=note,
        text=(note_text + "\n").encode("utf-8"),
        signature_lines=tuple(signatures.splitlines()),
        origin=origin,
        tree_size=int(size),
        root_hash=root_hash,
    )


def _signed_by(submission: Submission, key: TrustedKey) -> bool:
    """Whether a signature line of the note verifies under the log's key (others ignored)."""
    name = submission.origin if key.name is None else key.name
    wanted = key_hash_of(name, key.key.raw)
    for line in submission.signature_lines:
        if not line.startswith("\u2014 "):
            continue
        signer, _, encoded = line[2:].partition(" ")
        try:
            raw = base64.b64decode(encoded.encode("ascii"), validate=True)
        except (binascii.Error, ValueError, UnicodeError):
            continue
        if signer != name or len(raw) != 4 + SIGNATURE_SIZE or raw[:4].hex() != wanted:
            continue
        if key.key.verify(submission.text, raw[4:]):
            return True
    return False


class WitnessState:
    """The latest cosigned checkpoint of each log, one JSON file per log in ``directory``;
    every write goes to a temporary file, fsynced, renamed over the old one, directory fsynced."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the directory's lock file (``flock``): two witness processes sharing one state
        directory check and store in turn, never both from the same old size."""
        fd = os.open(self.directory / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def _path(self, origin: str) -> Path:
        return self.directory / (hashlib.sha256(origin.encode("utf-8")).hexdigest()[:32] + ".json")

    def latest(self, origin: str) -> tuple[int, bytes] | None:
        """(tree size, root hash) last cosigned for ``origin``; None if never."""
        path = self._path(origin)
        try:
            data = json.loads(path.read_text("utf-8"))
            if data.get("origin") != origin:
                raise ValueError("it names another log")
            return int(data["tree_size"]), base64.b64decode(data["root_hash"], validate=True)
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as error:
            # Cosign nothing for this log until a person looks: never guess its last size.
            raise OSError(
                f"the state file {path.name} of {origin!r} is unreadable: {error}"
            ) from None

    def store(self, submission: Submission) -> None:
        path = self._path(submission.origin)
        temporary = path.with_suffix(".tmp")
        content = json.dumps(
            {
                "origin": submission.origin,
                "tree_size": submission.tree_size,
                "root_hash": base64.b64encode(submission.root_hash).decode("ascii"),
                "note": submission.note,
            },
            sort_keys=True,
        ).encode("utf-8")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            view = memoryview(content)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)
        fsync_directory(self.directory)


class TlogWitness:
    """The witness's logic: checks a submission and cosigns it, or says why not."""

    def __init__(
        self,
        name: str,
        signer: Signer,
        logs: Mapping[str, TrustedKey],
        state: WitnessState,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.key = CosignerKey(name, signer.public_key)
        self.signer = signer
        self.logs = dict(logs)
        self.state = state
        self.clock = clock
        self._lock = threading.Lock()  # check and persist atomically (the spec's race)

    @property
    def name(self) -> str:
        return self.key.name

    def add_checkpoint(self, body: bytes) -> Answer:
        try:
            submission = parse_submission(body)
        except WitnessProtocolError as refused:
            return Answer.text(refused.status, refused.detail + "\n")
        key = self.logs.get(submission.origin)
        if key is None:
            return Answer.text(404, f"unknown log {submission.origin!r}\n")
        if not _signed_by(submission, key):
            return Answer.text(403, "no signature by the log's configured key verifies\n")
        if submission.old_size > submission.tree_size:
            return Answer.text(400, "the old size is larger than the checkpoint's\n")
        with self._lock, self.state.locked():
            latest = self.state.latest(submission.origin)
            size, root = latest if latest is not None else (0, b"")
            if submission.old_size != size:
                return Answer(409, SIZE_CONTENT_TYPE, f"{size}\n".encode("ascii"))
            if size == submission.tree_size and size and root != submission.root_hash:
                log.warning(
                    "split view refused: same size, another root",
                    origin=submission.origin,
                    tree_size=size,
                )
                return Answer.text(409, f"another root hash for tree size {size}\n")
            if 0 < size < submission.tree_size or submission.proof:
                try:
                    check_consistency(
                        size, submission.tree_size, root, submission.root_hash, submission.proof
                    )
                except ProofError as error:
                    log.warning(
                        "inconsistent checkpoint refused",
                        origin=submission.origin,
                        old_size=size,
                        tree_size=submission.tree_size,
                        error=str(error),
                    )
                    return Answer.text(422, f"the consistency proof does not hold: {error}\n")
            self.state.store(submission)
        cosignature = cosign(self.signer, self.name, submission.text, int(self.clock()))
        log.info("cosigned", origin=submission.origin, tree_size=submission.tree_size)
        return Answer(200, "text/plain; charset=utf-8", cosignature.line().encode("utf-8"))


def parse_log_option(text: str) -> tuple[str, TrustedKey]:
    """``ORIGIN=VKEY`` (the log's verifier key string; its name must be the origin)."""
    origin, equals, vkey = text.partition("=")
    if not equals or not origin:
        raise CheckpointFormatError(f"{text[:60]!r} is not ORIGIN=VKEY")
    key = parse_verifier_key(vkey)
    if key.name is not None and key.name != origin:
        raise CheckpointFormatError(
            f"the verifier key of log {origin!r} is named {key.name!r}, not after the log"
        )
    return origin, key


def parse_witnesses(text: str) -> list[tuple[str, CosignerKey]]:
    """``<url> <vkey>`` pairs, one per line or separated by commas (``#`` begins a comment)."""
    found = []
    for line in text.splitlines():
        for entry in line.split("#", 1)[0].split(","):
            words = entry.split()
            if not words:
                continue
            if len(words) != 2:
                raise CosignatureError(
                    f"witness entry {entry.strip()[:80]!r} is not '<url> <vkey>' (见证方配置格式错误)"
                )
            url, vkey = words
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise CosignatureError(
                    f"witness URL {url!r} is not an http(s) URL (见证地址格式错误)"
                )
            found.append((url, CosignerKey.parse(vkey)))
    keys = [key.vkey() for _, key in found]
    if len(set(keys)) != len(keys):
        raise CosignatureError("a witness key is configured twice (见证公钥重复配置)")
    return found


class WitnessClient:
    """Submits checkpoints to one witness at ``url`` (its submission prefix)."""

    def __init__(self, url: str, key: CosignerKey, *, timeout: float = 5.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"witness URL {url!r} is not an http(s) URL (见证地址格式错误)")
        self.url = url.rstrip("/")
        self.key = key
        self.timeout = timeout
        self._parts = parts

    def _post(self, body: bytes) -> tuple[int, str, bytes]:
        """POST ``body`` to add-checkpoint: (status, content type, answer)."""
        parts = self._parts
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(
                parts.hostname or "", parts.port, timeout=self.timeout
            )
        else:
            connection = http.client.HTTPConnection(
                parts.hostname or "", parts.port, timeout=self.timeout
            )
        path = parts.path.rstrip("/") + "/add-checkpoint"
        try:
            connection.request(
                "POST", path, body=body, headers={"Content-Type": "text/plain; charset=utf-8"}
            )
            response = connection.getresponse()
            return response.status, response.getheader("Content-Type", ""), response.read(MAX_BODY)
        except (OSError, http.client.HTTPException) as error:
            raise WitnessProtocolError(0, f"cannot reach the witness: {error}") from None
        finally:
            connection.close()

    def __repr__(self) -> str:
        return f"WitnessClient({self.url!r}, {self.key.describe()})"

    def add_checkpoint(
        self, note: str, note_text: bytes, old_size: int, proof: Sequence[bytes]
    ) -> Cosignature:
        """The witness's cosignature of ``note``, checked under its key.

        StaleSizeError when the witness holds another size; WitnessProtocolError for any other
        refusal, an unusable answer, or a witness that cannot be reached.
        """
        status, kind, answer = self._post(submission_body(note, old_size, proof))
        if status == 409 and kind.startswith(SIZE_CONTENT_TYPE):
            size = answer.decode("ascii", "replace").strip()
            if _SIZE.fullmatch(size):
                raise StaleSizeError(int(size))
        if status != 200:
            raise WitnessProtocolError(status, answer.decode("utf-8", "replace").strip()[:200])
        for line in answer.decode("utf-8", "replace").splitlines():
            try:
                cosignature = Cosignature.from_line(line)
            except CosignatureError:
                continue
            if cosignature.is_by(self.key):
                try:
                    cosignature.check(self.key, note_text)
                except CosignatureError as error:
                    raise WitnessProtocolError(200, str(error)) from None
                return cosignature
        raise WitnessProtocolError(200, "the answer holds no cosignature by the witness's key")
