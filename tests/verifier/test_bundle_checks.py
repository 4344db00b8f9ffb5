"""An audit bundle verifies when it is as written, and any single alteration makes it fail,
naming the file (docs/integrity.md, "Audit bundles").

Each alteration below is what a forger would do: change one thing, then re-seal the bag (rewrite
its manifests) so that only the bundle's own checks can catch it. Each is also tried without the
re-seal, where the BagIt manifests catch it first.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from dossier_verify import main, verify_path
from tests.verifier.bundles import (
    Bundle,
    b64,
    canonical_json,
    copy_bundle,
    entry,
    key_id,
    raw_public_key,
    read_json,
    seal,
    write_bundle,
    write_json,
)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    return write_bundle(tmp_path_factory.mktemp("pristine") / "bag")


@pytest.fixture
def bundle(pristine: Bundle, tmp_path: Path) -> Bundle:
    root = copy_bundle(pristine.root, tmp_path / "bag")
    return Bundle(
        root, pristine.key, pristine.events, pristine.held, pristine.documents, pristine.destroyed
    )


def run(
    bag: Path, capsys: pytest.CaptureFixture[str], key: Ed25519PrivateKey | None = None
) -> tuple[int, dict[str, Any]]:
    pinned = ["--key", b64(raw_public_key(key))] if key is not None else []
    status = main([str(bag), "--json", *pinned])
    return status, json.loads(capsys.readouterr().out)


def named(result: dict[str, Any]) -> set[tuple[str, str]]:
    return {(p["file"], p["check"]) for p in result["problems"]}


# --- the good bag ---


def test_the_bundle_as_written_verifies(
    pristine: Bundle, capsys: pytest.CaptureFixture[str]
) -> None:
    status, result = run(pristine.root, capsys, pristine.key)
    assert result["problems"] == []
    assert status == 4  # never INTACT without a statement, unless --accept-old-format
    assert result["ok"] is True
    # A bag of an earlier release: no statement, so it cannot show it holds every event.
    assert (result["verdict"], result["anchored"], result["whole"]) == (
        "old_format",
        True,
        False,
    )
    assert result["old_format_accepted"] is False
    assert result["events"] == len(pristine.held) == 9
    assert result["documents"] == 2
    checkpoint = result["checkpoint"]
    assert checkpoint["tree_size"] == 20
    assert checkpoint["key_id"] == key_id(pristine.key)
    assert checkpoint["public_key"] == b64(raw_public_key(pristine.key))
    assert checkpoint["signature_valid"] is True


def test_the_checkpoint_of_the_bundle_is_a_signed_note(
    pristine: Bundle, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoint = read_json(pristine.root / "data/checkpoint.json")
    assert checkpoint["note"].startswith("dossier.example-bank\n20\n")
    _, result = run(pristine.root, capsys)
    assert result["checkpoint"]["format"] == "c2sp.org/tlog-checkpoint"


def test_the_bundle_is_a_valid_bag_for_the_library_of_congress_tool(pristine: Bundle) -> None:
    bagit = pytest.importorskip("bagit")
    assert bagit.Bag(str(pristine.root)).validate()


def test_a_bag_made_by_the_library_of_congress_tool_verifies(
    pristine: Bundle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """bagit-python writes sha256 and sha512 manifests and its own bag-info; both are checked."""
    bagit = pytest.importorskip("bagit")
    root = tmp_path / "made"
    copy_bundle(pristine.root / "data", root)
    bagit.make_bag(str(root), {"Source-Organization": "Example Bank"})
    assert (root / "manifest-sha512.txt").exists()
    status, result = run(root, capsys, pristine.key)
    assert (status, result["problems"]) == (4, [])  # an earlier format, anchored

    document = root / pristine.documents[next(iter(pristine.documents))]
    document.write_bytes(document.read_bytes() + b"!")
    status, result = run(root, capsys)
    assert status == 1
    assert {
        p["check"] for p in result["problems"] if p["file"] == document.relative_to(root).as_posix()
    } >= {
        "bagit.checksum",
        "document.sha256",
    }


def test_the_human_report_names_each_problem_in_chinese_and_english(
    bundle: Bundle, capsys: pytest.CaptureFixture[str]
) -> None:
    state = bundle.root / "data/events/5.state"
    _flip_byte(state, 0)
    seal(bundle.root)
    assert main([str(bundle.root)]) == 1
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("✗ data/events/5.state"))
    assert "(事件 / event 5)" in line
    assert "存储状态字节" in line
    assert "stored state bytes" in line
    assert out.splitlines()[-1].startswith("结论：未通过，发现 1 个问题 / Verdict: FAIL")


def test_a_passing_report_shows_the_key_to_compare_with_the_banks(
    pristine: Bundle, capsys: pytest.CaptureFixture[str]
) -> None:
    key = b64(raw_public_key(pristine.key))
    assert main([str(pristine.root), "--key", key, "--accept-old-format"]) == 0
    out = capsys.readouterr().out
    assert key in out
    assert "compare this key with the one the bank published" in out
    assert "Verdict: PASS AS OLD FORMAT (--accept-old-format)" in out.splitlines()[-1]
    assert "cannot prove it holds all of the loan's events" in out.splitlines()[-1]
    assert main([str(pristine.root), "--key", key]) == 4
    assert "Verdict: OLD FORMAT" in capsys.readouterr().out.splitlines()[-1]


def test_without_a_pinned_key_a_bag_is_unanchored_not_intact(
    pristine: Bundle, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(pristine.root)]) == 3
    out = capsys.readouterr().out
    assert "Verdict: UNANCHORED" in out.splitlines()[-1]
    status, result = run(pristine.root, capsys)
    assert (status, result["verdict"], result["anchored"]) == (3, "unanchored", False)


@pytest.mark.parametrize("version", [None, 2], ids=["unlabelled", "version-2"])
def test_a_genuine_bag_of_an_earlier_format_is_old_format_and_passes_only_when_accepted(
    version: int | None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bags of the releases before the signed statement (no ``Dossier-Bundle-Version``, or 2)
    verify under the pinned key, but cannot prove they are whole: the verdict is ``old_format``,
    exit 4, and exit 0 only with ``--accept-old-format``. Without a key they are unanchored."""
    old = write_bundle(tmp_path / "old", version=version)
    labelled = "Dossier-Bundle-Version: 2" in (old.root / "bag-info.txt").read_text("utf-8")
    assert labelled is (version == 2)
    key = b64(raw_public_key(old.key))
    status, result = run(old.root, capsys, old.key)
    assert (status, result["problems"]) == (4, [])
    assert (result["verdict"], result["bundle_version"]) == ("old_format", version or 1)
    assert (result["anchored"], result["whole"], result["old_format_accepted"]) == (
        True,
        False,
        False,
    )
    status = main([str(old.root), "--json", "--key", key, "--accept-old-format"])
    result = json.loads(capsys.readouterr().out)
    assert (status, result["verdict"], result["old_format_accepted"]) == (0, "old_format", True)
    assert main([str(old.root), "--key", key, "--accept-old-format"]) == 0
    assert "PASS AS OLD FORMAT" in capsys.readouterr().out
    assert main([str(old.root), "--key", key, "--require-whole"]) == 1
    assert main([str(old.root)]) == 3  # no key: unanchored, as any bag
    capsys.readouterr()

    # The same bag carrying a statement file is not of the format it says.
    (old.root / "dossier-statement.json").write_text("{}")
    seal(old.root)
    status, result = run(old.root, capsys, old.key)
    assert status == 1
    assert ("bag-info.txt", "bundle.relabelled") in named(result)


def test_a_bag_of_an_earlier_release_signed_by_another_key_than_the_pinned_one_fails(
    pristine: Bundle, capsys: pytest.CaptureFixture[str]
) -> None:
    status, result = run(pristine.root, capsys, Ed25519PrivateKey.generate())
    assert status == 1
    assert named(result) == {("data/checkpoint.json", "checkpoint.key")}


# --- one alteration at a time ---


@dataclass(frozen=True)
class Alteration:
    name: str
    apply: Callable[[Bundle], None]
    file: str
    check: str


def _flip_byte(path: Path, offset: int = 0) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def _edit_json(path: Path, change: Callable[[Any], None]) -> None:
    obj = read_json(path)
    change(obj)
    write_json(path, obj)


def _state_byte(b: Bundle) -> None:
    _flip_byte(b.root / "data/events/5.state", 3)


def _topic(b: Bundle) -> None:
    _edit_json(b.root / "data/events/18.json", lambda e: e.update(topic=e["topic"] + "X"))


def _proof_element(b: Bundle) -> None:
    def change(proof: Any) -> None:
        element = bytearray(base64.b64decode(proof["audit_path"][1]))
        element[0] ^= 0x80
        proof["audit_path"][1] = b64(bytes(element))

    _edit_json(b.root / "data/proofs/9.json", change)


def _edit_checkpoint(b: Bundle, change: Any) -> None:
    """Change checkpoint.json's fields and, for a note, its note alike (text and signature
    line), so that only the signature can tell."""

    def edit(checkpoint: Any) -> None:
        change(checkpoint)
        if "note" not in checkpoint:
            return
        name = checkpoint["origin"]
        key_hash = base64.b64decode(checkpoint["note"].splitlines()[-1].split(" ")[-1])[:4]
        text = (
            f"{name}\n{checkpoint['tree_size']}\n{checkpoint['root_hash']}\n"
            f"time {checkpoint['timestamp']}\n"
        )
        signed = key_hash + base64.b64decode(checkpoint["signature"])
        checkpoint["note"] = f"{text}\n\u2014 {name} {b64(signed)}\n"

    _edit_json(b.root / "data/checkpoint.json", edit)


def _checkpoint_root(b: Bundle) -> None:
    _edit_checkpoint(
        b, lambda c: c.update(root_hash=b64(hashlib.sha256(c["root_hash"].encode()).digest()))
    )


def _checkpoint_tree_size(b: Bundle) -> None:
    _edit_checkpoint(b, lambda c: c.update(tree_size=c["tree_size"] + 1))


def _checkpoint_timestamp(b: Bundle) -> None:
    _edit_checkpoint(b, lambda c: c.update(timestamp="2026-11-22T23:50:01Z"))


def _signature(b: Bundle) -> None:
    def change(checkpoint: Any) -> None:
        signature = bytearray(base64.b64decode(checkpoint["signature"]))
        signature[10] ^= 0x04
        checkpoint["signature"] = b64(bytes(signature))

    _edit_checkpoint(b, change)


def _note_text(b: Bundle) -> None:
    _edit_json(
        b.root / "data/checkpoint.json",
        lambda c: c.update(note=c["note"].replace("\n20\n", "\n21\n", 1)),
    )


def _note_key_hash(b: Bundle) -> None:
    def change(checkpoint: Any) -> None:
        *lines, signature_line = checkpoint["note"].splitlines()
        dash, name, encoded = signature_line.split(" ")
        raw = bytearray(base64.b64decode(encoded))
        raw[0] ^= 0x01
        checkpoint["note"] = "\n".join([*lines, f"{dash} {name} {b64(bytes(raw))}"]) + "\n"

    _edit_json(b.root / "data/checkpoint.json", change)


def _keys_swapped(b: Bundle) -> None:
    other = Ed25519PrivateKey.generate()
    write_json(b.root / "data/public-keys.json", {key_id(other): b64(raw_public_key(other))})


def _key_relabelled(b: Bundle) -> None:
    other = Ed25519PrivateKey.generate()
    write_json(b.root / "data/public-keys.json", {key_id(b.key): b64(raw_public_key(other))})


def _document_bytes(b: Bundle) -> None:
    _flip_byte(b.root / b.documents[min(b.documents)], 5)


def _document_removed(b: Bundle) -> None:
    (b.root / b.documents[max(b.documents)]).unlink()


def _extra_file(b: Bundle) -> None:
    (b.root / "data/notes.txt").write_text("approved by the branch head\n")


def _destroyed_document_kept(b: Bundle) -> None:
    (b.root / f"data/documents/{b.destroyed}.pdf").write_bytes(
        b"a destroyed appraisal, only its hash survives"
    )


def _document_swapped(b: Bundle) -> None:
    """A forged document put in place of a filed one, renamed and listed under its own hash."""
    old = min(b.documents)
    forged = b"%PDF-1.4\n% a different contract\n%%EOF\n"
    new = hashlib.sha256(forged).hexdigest()
    (b.root / b.documents[old]).unlink()
    (b.root / f"data/documents/{new}.pdf").write_bytes(forged)

    def change(listing: Any) -> None:
        for item in listing:
            if item["sha256"] == old:
                item["sha256"] = new

    _edit_json(b.root / "data/documents.json", change)


def _document_event_dropped(b: Bundle) -> None:
    """The filing event of a document taken out of the bag, with its proof."""
    for file in ("data/events/12.json", "data/events/12.state", "data/proofs/12.json"):
        (b.root / file).unlink()


def _event_rewritten_coherently(b: Bundle) -> None:
    """State bytes changed and the event JSON's hashes recomputed to match: only the proof fails."""
    state_file = b.root / "data/events/20.state"
    _flip_byte(state_file, 0)
    state = state_file.read_bytes()

    def change(event: Any) -> None:
        leaf = hashlib.sha256(
            b"\x00"
            + entry(
                event["notification_id"],
                UUID(event["originator_id"]),
                event["originator_version"],
                event["topic"],
                state,
            )
        ).digest()
        event.update(state_sha256=hashlib.sha256(state).hexdigest(), leaf_hash=b64(leaf))

    _edit_json(b.root / "data/events/20.json", change)


def _leaf_index(b: Bundle) -> None:
    _edit_json(b.root / "data/events/7.json", lambda e: e.update(leaf_index=e["leaf_index"] + 1))


def _notification_id(b: Bundle) -> None:
    """An event moved into a gap in the notification ids (4 was skipped when sealed)."""
    for kind, folder in (("json", "events"), ("state", "events"), ("json", "proofs")):
        (b.root / f"data/{folder}/5.{kind}").rename(b.root / f"data/{folder}/4.{kind}")
    _edit_json(b.root / "data/events/4.json", lambda e: e.update(notification_id=4))


ALTERATIONS = [
    Alteration("state byte", _state_byte, "data/events/5.state", "event.state_sha256"),
    Alteration("event topic", _topic, "data/events/18.json", "event.leaf_hash"),
    Alteration("proof path element", _proof_element, "data/proofs/9.json", "proof.inclusion"),
    Alteration("checkpoint root", _checkpoint_root, "data/checkpoint.json", "checkpoint.signature"),
    Alteration(
        "checkpoint tree_size",
        _checkpoint_tree_size,
        "data/checkpoint.json",
        "checkpoint.signature",
    ),
    Alteration(
        "checkpoint timestamp",
        _checkpoint_timestamp,
        "data/checkpoint.json",
        "checkpoint.signature",
    ),
    Alteration("signature", _signature, "data/checkpoint.json", "checkpoint.signature"),
    Alteration("note text only", _note_text, "data/checkpoint.json", "checkpoint.note"),
    Alteration("note key hash", _note_key_hash, "data/checkpoint.json", "checkpoint.key_hash"),
    Alteration("public keys swapped", _keys_swapped, "data/public-keys.json", "keys.missing"),
    Alteration("key relabelled", _key_relabelled, "data/public-keys.json", "keys.key_id"),
    Alteration("document bytes", _document_bytes, "<document min>", "document.sha256"),
    Alteration("document removed", _document_removed, "<document max>.*", "document.missing"),
    Alteration("extra file", _extra_file, "data/notes.txt", "unexpected_file"),
    Alteration(
        "destroyed document kept", _destroyed_document_kept, "<destroyed>.pdf", "document.destroyed"
    ),
    Alteration(
        "document swapped", _document_swapped, "data/documents.json", "document.not_in_event"
    ),
    Alteration(
        "filing event dropped", _document_event_dropped, "data/documents.json", "document.event"
    ),
    Alteration(
        "event rewritten coherently",
        _event_rewritten_coherently,
        "data/proofs/20.json",
        "proof.inclusion",
    ),
    Alteration("leaf index", _leaf_index, "data/proofs/7.json", "proof.leaf_index"),
    Alteration("notification id", _notification_id, "data/events/4.json", "event.leaf_hash"),
]


def _expected_file(alteration: Alteration, b: Bundle) -> str:
    return (
        alteration.file.replace("<document min>", b.documents[min(b.documents)])
        .replace("<document max>", f"data/documents/{max(b.documents)}")
        .replace("<destroyed>", f"data/documents/{b.destroyed}")
    )


@pytest.mark.parametrize("alteration", ALTERATIONS, ids=[a.name for a in ALTERATIONS])
def test_one_alteration_resealed_fails_naming_the_file(
    alteration: Alteration, bundle: Bundle, capsys: pytest.CaptureFixture[str]
) -> None:
    alteration.apply(bundle)
    seal(bundle.root)
    status, result = run(bundle.root, capsys)
    assert status == 1
    assert result["ok"] is False
    assert (_expected_file(alteration, bundle), alteration.check) in named(result)
    assert not [p for p in result["problems"] if p["check"].startswith("bagit.")]


@pytest.mark.parametrize("alteration", ALTERATIONS, ids=[a.name for a in ALTERATIONS])
def test_one_alteration_without_reseal_is_caught_by_the_manifests_too(
    alteration: Alteration, bundle: Bundle, capsys: pytest.CaptureFixture[str]
) -> None:
    alteration.apply(bundle)
    status, result = run(bundle.root, capsys)
    assert status == 1
    assert (_expected_file(alteration, bundle), alteration.check) in named(result)
    assert any(p["check"].startswith("bagit.") for p in result["problems"])


def test_an_edited_manifest_line_is_named(
    bundle: Bundle, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = bundle.root / "manifest-sha256.txt"
    lines = manifest.read_text().splitlines(keepends=True)
    line = next(i for i, x in enumerate(lines) if x.rstrip().endswith("data/checkpoint.json"))
    lines[line] = "0" * 64 + lines[line][64:]
    manifest.write_text("".join(lines))
    status, result = run(bundle.root, capsys)
    assert status == 1
    assert named(result) == {
        ("manifest-sha256.txt", "bagit.checksum"),  # by the tag manifest
        ("data/checkpoint.json", "bagit.checksum"),  # by the edited line
    }
    assert "manifest-sha256.txt line" in next(
        p["detail"] for p in result["problems"] if p["file"] == "data/checkpoint.json"
    )


def test_an_edited_tagmanifest_is_named(bundle: Bundle, capsys: pytest.CaptureFixture[str]) -> None:
    tagmanifest = bundle.root / "tagmanifest-sha256.txt"
    lines = tagmanifest.read_text().splitlines(keepends=True)
    line = next(i for i, x in enumerate(lines) if x.rstrip().endswith(" bagit.txt"))
    lines[line] = "f" * 64 + lines[line][64:]
    tagmanifest.write_text("".join(lines))
    status, result = run(bundle.root, capsys)
    assert status == 1
    assert named(result) == {("bagit.txt", "bagit.checksum")}
    assert (
        f"tagmanifest-sha256.txt line {line + 1} lists {'f' * 64}"
        in result["problems"][0]["detail"]
    )


def test_a_tag_file_missing_from_the_tagmanifest_is_named(
    bundle: Bundle, capsys: pytest.CaptureFixture[str]
) -> None:
    tagmanifest = bundle.root / "tagmanifest-sha256.txt"
    tagmanifest.write_text(tagmanifest.read_text().replace("bag-info.txt", "bag-info.txt.orig"))
    status, result = run(bundle.root, capsys)
    assert status == 1
    assert named(result) == {
        ("bag-info.txt.orig", "bagit.missing"),
        ("bag-info.txt", "bagit.unlisted"),
    }
    assert all("tagmanifest-sha256.txt" in p["detail"] for p in result["problems"])


def test_a_manifest_path_leading_outside_the_bag_is_refused(
    bundle: Bundle, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = bundle.root.parent / "secret.txt"
    outside.write_text("not part of the bag")
    digest = hashlib.sha256(outside.read_bytes()).hexdigest()
    for path in ("data/../../secret.txt", str(outside)):
        with (bundle.root / "manifest-sha256.txt").open("a") as manifest:
            manifest.write(f"{digest}  {path}\n")
    status, result = run(bundle.root, capsys)
    assert status == 1
    assert [p["check"] for p in result["problems"] if p["file"] == "manifest-sha256.txt"].count(
        "bagit.path"
    ) == 2


def test_a_symbolic_link_in_the_payload_is_reported_and_not_followed(
    bundle: Bundle, capsys: pytest.CaptureFixture[str]
) -> None:
    (bundle.root / "data/link.txt").symlink_to("/etc/hostname")
    status, result = run(bundle.root, capsys)
    assert status == 1
    assert named(result) == {("data/link.txt", "bagit.special_file")}


def test_a_bag_declaration_without_its_encoding_line_fails(
    bundle: Bundle, capsys: pytest.CaptureFixture[str]
) -> None:
    (bundle.root / "bagit.txt").write_text("BagIt-Version: 0.97\n")
    seal_tags_only(bundle.root)
    status, result = run(bundle.root, capsys)
    assert status == 1
    assert named(result) == {("bagit.txt", "bagit.declaration")}


def seal_tags_only(root: Path) -> None:
    tags = ["bag-info.txt", "bagit.txt", "manifest-sha256.txt"]
    (root / "tagmanifest-sha256.txt").write_text(
        "".join(f"{hashlib.sha256((root / t).read_bytes()).hexdigest()}  {t}\n" for t in tags)
    )


def test_payload_oxum_must_match(bundle: Bundle, capsys: pytest.CaptureFixture[str]) -> None:
    info = bundle.root / "bag-info.txt"
    info.write_text(info.read_text().replace("Payload-Oxum: ", "Payload-Oxum: 1"))
    seal_tags_only(bundle.root)
    status, result = run(bundle.root, capsys)
    assert status == 1
    assert named(result) == {("bag-info.txt", "bagit.oxum")}


def test_duplicate_json_keys_are_refused(
    bundle: Bundle, capsys: pytest.CaptureFixture[str]
) -> None:
    checkpoint = bundle.root / "data/checkpoint.json"
    checkpoint.write_bytes(checkpoint.read_bytes()[:-1] + b',"tree_size":1}')
    seal(bundle.root)
    status, result = run(bundle.root, capsys)
    assert status == 1
    assert ("data/checkpoint.json", "json") in named(result)


# --- zipped bags and usage errors ---


def _zip(root: Path, archive: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                zf.write(path, prefix + path.relative_to(root).as_posix())
    return archive


@pytest.mark.parametrize("prefix", ["", "bundle-LN2026001/"])
def test_a_zipped_bag_verifies(
    pristine: Bundle, tmp_path: Path, prefix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = _zip(pristine.root, tmp_path / "bundle.zip", prefix)
    status, result = run(archive, capsys, pristine.key)
    assert (status, result["problems"]) == (4, [])  # an earlier format, anchored
    assert result["events"] == 9


def test_a_zipped_altered_bag_fails(
    bundle: Bundle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _state_byte(bundle)
    status, result = run(_zip(bundle.root, tmp_path / "bundle.zip"), capsys)
    assert status == 1
    assert ("data/events/5.state", "event.state_sha256") in named(result)


@pytest.mark.parametrize(
    "evil",
    ["../escaped.txt", "/tmp/absolute.txt", "data/../../escaped.txt", "C:/windows.txt", "a\\..\\b"],
)
def test_a_zip_slip_entry_is_refused_before_anything_is_extracted(
    pristine: Bundle, tmp_path: Path, evil: str, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = _zip(pristine.root, tmp_path / "evil.zip")
    with zipfile.ZipFile(archive, "a") as zf:
        zf.writestr(evil, "gotcha")
    status, result = run(archive, capsys)
    assert status == 1
    assert [(p["file"], p["check"]) for p in result["problems"]] == [
        ("evil.zip", "zip.unsafe_entry")
    ]
    assert not (tmp_path.parent / "escaped.txt").exists()
    assert not Path("/tmp/absolute.txt").exists()


def test_a_symlink_entry_in_a_zip_is_refused(
    pristine: Bundle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = _zip(pristine.root, tmp_path / "link.zip")
    link = zipfile.ZipInfo("data/link")
    link.external_attr = 0o120777 << 16
    with zipfile.ZipFile(archive, "a") as zf:
        zf.writestr(link, "/etc/passwd")
    status, result = run(archive, capsys)
    assert status == 1
    assert "symbolic link" in result["problems"][0]["detail"]


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "nowhere")]) == 2
    assert main([str(tmp_path)]) == 2  # an empty directory is not a bag
    not_a_zip = tmp_path / "bundle.zip"
    not_a_zip.write_bytes(b"this is not a zip archive")
    assert main([str(not_a_zip)]) == 2
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "无法校验 / cannot verify" in err


def test_verify_path_returns_a_report(pristine: Bundle) -> None:
    report = verify_path(pristine.root)
    assert report.ok
    assert report.as_json()["checkpoint"]["origin"] == "dossier.example-bank"
    assert canonical_json(report.as_json()["problems"]) == b"[]"


LEGACY_ALTERATIONS = [_checkpoint_root, _checkpoint_tree_size, _checkpoint_timestamp, _signature]


@pytest.mark.parametrize("alteration", [None, *LEGACY_ALTERATIONS])
def test_a_bundle_of_an_earlier_release_with_its_checkpoint_format_still_verifies(
    alteration: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bundles issued before checkpoints were signed notes carry the ``dossier-checkpoint/v1``
    checkpoint: it verifies, and any alteration of it still fails its signature."""
    old = write_bundle(tmp_path / "old", legacy=True)
    assert "note" not in read_json(old.root / "data/checkpoint.json")
    if alteration is not None:
        alteration(old)
        seal(old.root)
    status, result = run(old.root, capsys, old.key)
    assert result["checkpoint"]["format"] == "dossier-checkpoint/v1"
    if alteration is None:
        assert (status, result["problems"]) == (4, [])
        assert result["verdict"] == "old_format"
        assert result["checkpoint"]["signature_valid"] is True
    else:
        assert status == 1
        assert ("data/checkpoint.json", "checkpoint.signature") in named(result)
