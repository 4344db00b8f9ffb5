"""A bundle proves it is whole (docs/integrity.md, "Audit bundles", "The statement").

The archive signs, with its checkpoint key, a statement of each aggregate's head version at the
checkpoint's tree size and the SHA-256 of every file no Merkle proof covers. The forger here
does what a careful forger does: edits the bag, then recomputes its BagIt manifests (and the
Payload-Oxum) so that BagIt alone finds nothing. Each forgery verified clean before the
statement existed; each is now named. The untouched bag is INTACT under the pinned key, and
UNANCHORED without one; relabelled as a bag of the previous release (no statement), it is named
as relabelled where that shows, and otherwise an old-format bag that cannot prove it is whole,
never INTACT.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from pathlib import Path
from uuid import UUID

import bagit
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from archive.application import DossierArchive
from archive.core import CommandContext
from dossier_verify import main
from dossier_verify.check import verify_directory
from dossier_verify.report import Report
from dossier_verify.statement import SIGNATURE, STATEMENT, STATEMENT_HEADER
from tests.archive.test_bundles import (  # noqa: F401 — the fixture ``integrity``
    LOAN,
    Integrity,
    a_loan_with_documents_and_a_borrowing,
    integrity,
    issue,
)
from tests.verifier.bundles import b64, raw_public_key


@pytest.fixture
def bag(
    app: DossierArchive,
    staff: dict[str, CommandContext],
    integrity: Integrity,  # noqa: F811
    tmp_path: Path,
) -> Path:
    a_loan_with_documents_and_a_borrowing(app, staff)
    return issue(app, integrity, staff["auditor"], tmp_path / "bundle").path


def pinned(integrity: Integrity) -> list[bytes]:  # noqa: F811
    return [integrity.sealer.signer.public_key.raw]


def copy(bag: Path, name: str) -> Path:
    return Path(shutil.copytree(bag, bag.parent / name))


def recompute_manifests(bag: Path) -> None:
    """What a forger does after an edit: every manifest and the Payload-Oxum made true again."""
    payload = sorted(p for p in (bag / "data").rglob("*") if p.is_file())
    lines = [
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(bag)}\n" for p in payload
    ]
    (bag / "manifest-sha256.txt").write_text("".join(lines))
    octets = sum(p.stat().st_size for p in payload)
    info = (bag / "bag-info.txt").read_text(encoding="utf-8").splitlines(keepends=True)
    info = [
        f"Payload-Oxum: {octets}.{len(payload)}\n" if line.startswith("Payload-Oxum:") else line
        for line in info
    ]
    (bag / "bag-info.txt").write_text("".join(info), encoding="utf-8")
    tags = sorted(
        p.name for p in bag.iterdir() if p.is_file() and p.name != "tagmanifest-sha256.txt"
    )
    (bag / "tagmanifest-sha256.txt").write_text(
        "".join(f"{hashlib.sha256((bag / t).read_bytes()).hexdigest()}  {t}\n" for t in tags)
    )
    assert bagit.Bag(str(bag)).is_valid()  # BagIt alone finds nothing wrong


def named(report: Report) -> set[tuple[str, str]]:
    return {(p.file, p.check) for p in report.problems}


def test_the_untouched_bundle_is_intact_under_the_pinned_key_and_unanchored_without(
    bag: Path,
    integrity: Integrity,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = verify_directory(bag, keys=pinned(integrity))
    assert report.problems == []
    assert (report.verdict, report.bundle_version, report.anchored, report.whole) == (
        "intact",
        3,
        True,
        True,
    )
    assert "Dossier-Bundle-Version: 3" in (bag / "bag-info.txt").read_text(encoding="utf-8")
    statement = json.loads((bag / STATEMENT).read_bytes())
    kinds = {a["kind"] for a in statement["aggregates"]}
    assert {"loan", "dossier", "borrowing", "collateral"} <= kinds
    assert {"data/README.txt", "data/documents.json", "bag-info.txt"} <= set(statement["files"])

    key = base64.b64encode(pinned(integrity)[0]).decode("ascii")
    assert main([str(bag), "--key", key]) == 0
    assert "Verdict: INTACT" in capsys.readouterr().out
    assert main([str(bag)]) == 3  # nothing wrong found, but nothing says whose bag it is
    assert "Verdict: UNANCHORED" in capsys.readouterr().out
    unanchored = verify_directory(bag)
    assert (unanchored.ok, unanchored.verdict) == (True, "unanchored")


@pytest.mark.parametrize(
    ("file", "edit"),
    [
        ("data/README.txt", lambda text: text.replace("审计证据包", "普通证据包")),
        ("data/documents.json", lambda text: text.replace('"loan_contract"', '"other"')),
        (
            "bag-info.txt",
            lambda text: text.replace("Source-Organization:", "Source-Organization: X"),
        ),
    ],
    ids=["README", "documents-list", "bag-info"],
)
def test_an_edited_file_with_recomputed_manifests_is_named(
    bag: Path,
    integrity: Integrity,  # noqa: F811
    file: str,
    edit: object,
) -> None:
    forged = copy(bag, "forged")
    path = forged / file
    before = path.read_text(encoding="utf-8")
    after = edit(before)  # type: ignore[operator]
    assert after != before
    path.write_text(after, encoding="utf-8")
    recompute_manifests(forged)
    report = verify_directory(forged, keys=pinned(integrity))
    assert report.verdict == "failed"
    assert (file, "statement.file_altered") in named(report), report.problems


def test_a_bundle_missing_its_last_events_names_the_aggregate_and_the_versions(
    bag: Path,
    integrity: Integrity,  # noqa: F811
) -> None:
    forged = copy(bag, "forged")
    statement = json.loads((forged / STATEMENT).read_bytes())
    # The dossier's last events are the reads this very bundle made of its documents.
    loan = next(a for a in statement["aggregates"] if a["kind"] == "dossier")
    head = loan["head"]
    assert head >= 2
    taken = []
    for path in sorted((forged / "data/events").glob("*.json")):
        record = json.loads(path.read_bytes())
        if record["originator_id"] == loan["originator_id"] and record["originator_version"] in (
            head - 1,
            head,
        ):
            nid = record["notification_id"]
            for gone in (path, path.with_suffix(".state"), forged / f"data/proofs/{nid}.json"):
                gone.unlink()
            taken.append(nid)
    assert len(taken) == 2
    recompute_manifests(forged)
    report = verify_directory(forged, keys=pinned(integrity))
    missing = [p for p in report.problems if p.check == "statement.events_missing"]
    assert len(missing) == 1, report.problems
    assert missing[0].file == STATEMENT
    assert f"dossier {UUID(loan['originator_id'])}" in missing[0].detail
    assert f"version(s) {head - 1}–{head}" in missing[0].detail
    # Without the statement's heads, the rest of the bag is consistent: nothing else is named.
    assert {p.check for p in report.problems} <= {
        "statement.events_missing",
        "statement.file_altered",  # the README counts the events, and the manifest changed
    }


def test_a_statement_rewritten_and_signed_by_another_key_is_refused(
    bag: Path,
    integrity: Integrity,  # noqa: F811
) -> None:
    forged = copy(bag, "forged")
    readme = forged / "data/README.txt"
    readme.write_text(readme.read_text(encoding="utf-8") + "\n附注\n", encoding="utf-8")
    recompute_manifests(forged)
    # The forger brings the statement up to date and signs it with a key of their own.
    statement = json.loads((forged / STATEMENT).read_bytes())
    for name in statement["files"]:
        statement["files"][name] = hashlib.sha256((forged / name).read_bytes()).hexdigest()
    raw = json.dumps(statement, sort_keys=True, separators=(",", ":")).encode()
    (forged / STATEMENT).write_bytes(raw)
    own = Ed25519PrivateKey.generate()
    (forged / SIGNATURE).write_text(
        json.dumps(
            {
                "key_id": hashlib.sha256(raw_public_key(own)).digest()[:8].hex(),
                "signature": b64(own.sign(STATEMENT_HEADER + raw)),
            }
        )
    )
    recompute_manifests(forged)
    report = verify_directory(forged, keys=pinned(integrity))
    assert (SIGNATURE, "statement.key") in named(report), report.problems
    assert report.verdict == "failed"
    # Under the forger's own key it would hold together: the pinned key is what tells.
    assert verify_directory(forged, keys=[raw_public_key(own)]).verdict == "intact"

    # Keeping the bank's signature instead: it no longer verifies.
    kept = copy(bag, "kept")
    shutil.copy(forged / STATEMENT, kept / STATEMENT)
    shutil.copy(forged / "data/README.txt", kept / "data/README.txt")
    recompute_manifests(kept)
    report = verify_directory(kept, keys=pinned(integrity))
    assert (SIGNATURE, "statement.signature") in named(report), report.problems


def relabel(
    bag: Path, name: str, *, to: str = "Dossier-Bundle-Version: 2\n", strip: bool = True
) -> Path:
    """A copy of ``bag`` whose bag-info.txt has ``to`` for its version line, with its
    statement taken out unless not ``strip``, and its manifests recomputed."""
    forged = copy(bag, name)
    if strip:
        (forged / STATEMENT).unlink()
        (forged / SIGNATURE).unlink()
    info = forged / "bag-info.txt"
    text = info.read_text(encoding="utf-8")
    assert "Dossier-Bundle-Version: 3\n" in text
    info.write_text(text.replace("Dossier-Bundle-Version: 3\n", to), encoding="utf-8")
    recompute_manifests(forged)
    return forged


def test_a_stripped_statement_is_missing(
    bag: Path,
    integrity: Integrity,  # noqa: F811
) -> None:
    stripped = copy(bag, "stripped")
    (stripped / STATEMENT).unlink()
    (stripped / SIGNATURE).unlink()
    recompute_manifests(stripped)
    report = verify_directory(stripped, keys=pinned(integrity))
    assert {(STATEMENT, "statement.missing"), (SIGNATURE, "statement.missing")} <= named(report)


def test_a_version_3_bundle_relabelled_as_version_2_is_never_intact(
    bag: Path,
    integrity: Integrity,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A bag the archive issued (version 3), relabelled 2 with its manifests recomputed, would
    be read as the old format and skip the statement that proves it whole. Where the relabel
    shows, it is named; where the forger hid every trace, the bag is an old-format one, exit 4,
    never INTACT."""
    key = base64.b64encode(pinned(integrity)[0]).decode("ascii")
    assert main([str(bag), "--key", key]) == 0  # as issued: INTACT
    capsys.readouterr()

    # The label alone changed: the statement is still there.
    kept = relabel(bag, "kept", to="Dossier-Bundle-Version: 2\n", strip=False)
    report = verify_directory(kept, keys=pinned(integrity))
    assert named(report) == {("bag-info.txt", "bundle.relabelled")}, report.problems
    assert "it carries dossier-statement.json" in report.problems[0].detail
    assert main([str(kept), "--key", key, "--accept-old-format"]) == 1

    # The statement taken out too: the README the archive wrote still describes it.
    stripped = relabel(bag, "stripped")
    report = verify_directory(stripped, keys=pinned(integrity))
    assert named(report) == {("bag-info.txt", "bundle.relabelled")}, report.problems
    assert "data/README.txt describes the statement" in report.problems[0].detail

    # The label given twice, or not as a number: the format cannot be told.
    for label in (
        "Dossier-Bundle-Version: 2\nDossier-Bundle-Version: 3\n",
        "Dossier-Bundle-Version: two\n",
    ):
        twice = relabel(bag, f"label-{len(label)}", to=label, strip=False)
        report = verify_directory(twice, keys=pinned(integrity))
        assert ("bag-info.txt", "bundle.version") in named(report), report.problems
        assert report.verdict == "failed"

    # Every trace hidden (README rewritten): what is left reads as an old-format bag. It is
    # not INTACT: exit 4, unless the auditor accepts the old format knowingly.
    hidden = copy(stripped, "hidden")
    readme = hidden / "data/README.txt"
    readme.write_text(
        readme.read_text(encoding="utf-8").replace(STATEMENT, "the checkpoint"), encoding="utf-8"
    )
    recompute_manifests(hidden)
    report = verify_directory(hidden, keys=pinned(integrity))
    assert report.problems == []
    assert (report.verdict, report.bundle_version, report.anchored, report.whole) == (
        "old_format",
        2,
        True,
        False,
    )
    assert main([str(hidden), "--key", key]) == 4
    out = capsys.readouterr().out
    assert "Verdict: OLD FORMAT" in out
    assert "INTACT" not in out
    assert main([str(hidden), "--key", key, "--json"]) == 4
    result = json.loads(capsys.readouterr().out)
    assert (result["verdict"], result["whole"], result["old_format_accepted"]) == (
        "old_format",
        False,
        False,
    )
    assert main([str(hidden), "--key", key, "--require-whole"]) == 1
    assert main([str(hidden), "--key", key, "--accept-old-format", "--require-whole"]) == 1
    other = base64.b64encode(raw_public_key(Ed25519PrivateKey.generate())).decode("ascii")
    assert main([str(hidden), "--key", other]) == 1  # pinned to another bank's key
