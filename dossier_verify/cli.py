"""``python -m dossier_verify BAG --key KEY [--json]``: verify an audit bundle and say so, in two
languages.

Exit status: 0 when everything verifies under the pinned key (``--key``, the bank's published
checkpoint key) and the bag's signed statement shows it whole; 1 when any check fails; 2 for a
usage error (no such path, not a directory or zip, not a bag, a key in no known form); 3 when
nothing wrong was found but no key was pinned, so nothing says whose bag it is (unanchored); 4
when nothing wrong was found under the pinned key but the bag has no signed statement (a bag of
an earlier format, or a later one relabelled as such), so it cannot prove it is whole — 0
instead with ``--accept-old-format``, for a bag known to be issued before version 3.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from dossier_verify.bag import NotABagError
from dossier_verify.check import verify_directory
from dossier_verify.cosign import WitnessKey, WitnessKeyError, read_witness_key
from dossier_verify.report import Problem, Report
from dossier_verify.statement import KeyFormatError, read_pinned_key
from dossier_verify.unzip import NotAZipError, UnsafeArchiveError, extract

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNANCHORED = 3
EXIT_OLD_FORMAT = 4


class UsageError(Exception):
    """Raised when the path given cannot be verified at all: missing, not a directory or zip, not a bag."""


def verify_path(
    path: Path,
    keys: Sequence[bytes] = (),
    witnesses: Sequence[WitnessKey] = (),
    quorum: int = 0,
) -> Report:
    """Verify the bag at ``path``, a directory or a ``.zip`` of one, against the pinned ``keys``.

    Raises ``UsageError`` when ``path`` is neither a bag directory nor a zip archive of one.
    """
    if path.is_dir():
        try:
            return verify_directory(path, str(path), keys, witnesses, quorum)
        except NotABagError as error:
            raise UsageError(str(error)) from None
    if not path.is_file():
        raise UsageError(f"{path} does not exist or is not a directory or a file")
    with tempfile.TemporaryDirectory(prefix="dossier-verify-") as scratch:
        try:
            root = extract(path, Path(scratch))
        except NotAZipError as error:
            raise UsageError(str(error)) from None
        except UnsafeArchiveError as error:
            report = Report(bag=str(path))
            report.problems.append(
                Problem(
                    path.name,
                    "zip.unsafe_entry",
                    f"nothing was extracted: entry {error.entry!r}: {error.reason}",
                    f"未解压任何内容：条目 {error.entry!r} 不安全（{error.reason}）",
                )
            )
            return report
        try:
            return verify_directory(root, str(path), keys, witnesses, quorum)
        except NotABagError as error:
            raise UsageError(f"{path} does not hold a bag: {error}") from None


def _printable(text: str) -> str:
    # File names come from the bag; never let one move the cursor or recolour the terminal.
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _write_human(report: Report, out: TextIO, *, accepted: bool = False) -> None:
    p = _printable
    out.write(f"Dossier 审计包校验 / audit bundle verification: {p(report.bag)}\n")
    cp = report.checkpoint
    if cp:
        out.write(
            f"检查点 / checkpoint: {p(cp['origin'])}, tree_size {cp['tree_size']}, "
            f"{cp['timestamp']}, root {cp['root_hash']}\n"
        )
        key = cp["public_key"] or "—"
        out.write(f"签名公钥 / signing key: {cp['key_id']} = {key}\n")
        out.write(
            "  请将此公钥与银行另行公布的公钥核对 / compare this key with the one the bank "
            "published: the bag cannot vouch for its own key\n"
        )
    out.write(f"事件 / events: {report.events}    文件 / documents: {report.documents}\n")
    for problem in report.problems:
        event = f" (事件 / event {problem.event})" if problem.event is not None else ""
        out.write(
            f"✗ {p(problem.file)}{event} [{problem.check}]: "
            f"{p(problem.detail_zh)} / {p(problem.detail)}\n"
        )
    verdict = report.verdict
    if verdict == "intact":
        out.write(
            "结论：完好，经所指定公钥签名，且证明包含该贷款全部事件 / Verdict: INTACT — signed "
            "under the pinned key, and shown to hold all of the loan's events\n"
        )
    elif verdict == "old_format" and accepted:
        out.write(
            "结论：按早期格式接受（--accept-old-format）——经所指定公钥签名，但无签名声明，无法证明"
            "包含全部事件、文件未被改动 / Verdict: PASS AS OLD FORMAT (--accept-old-format) — "
            "signed under the pinned key, but with no signed statement it cannot prove it holds "
            "all of the loan's events or that its files are as issued\n"
        )
    elif verdict == "old_format":
        out.write(
            "结论：早期格式——经所指定公钥签名，但无签名声明，无法证明完整；本版本及以后签发的审计包"
            "被改标为早期版本也是如此。仅对确知早于第 3 版签发的审计包使用 --accept-old-format / "
            "Verdict: OLD FORMAT — signed under the pinned key, but with no signed statement it "
            "cannot prove it is whole; a bag of version 3 or later relabelled as older reads the "
            "same. Pass --accept-old-format only for a bag known to be issued before version 3\n"
        )
    elif verdict == "unanchored":
        out.write(
            "结论：未锚定——未发现问题，但未指定公钥（--key），无法确认是银行签发的完整审计包 / "
            "Verdict: UNANCHORED — nothing wrong found, but no key was pinned (--key), so "
            "nothing says the bank issued this bag whole\n"
        )
    else:
        n = len(report.problems)
        out.write(f"结论：未通过，发现 {n} 个问题 / Verdict: FAIL — {n} problem(s)\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m dossier_verify",
        description=(
            "离线校验 Dossier 审计包（BagIt）/ Verify a Dossier audit bundle (a BagIt bag) "
            "offline, with nothing but the Python standard library."
        ),
    )
    parser.add_argument("bag", type=Path, help="审计包目录或 .zip / the bag's directory or a .zip")
    parser.add_argument(
        "--key",
        action="append",
        default=[],
        metavar="KEY",
        help=(
            "银行公布的检查点公钥（base64、PEM、verifier key 或其文件），可重复 / the checkpoint "
            "key the bank published (base64, PEM, a verifier key, or a file of one); repeatable"
        ),
    )
    parser.add_argument(
        "--accept-old-format",
        action="store_true",
        help=(
            "接受无签名声明的早期格式审计包（退出码 0 而非 4）/ accept a bag of an earlier "
            "format, with no signed statement, that verifies under the pinned key (exit 0, not "
            "4): only for a bag known to be issued before version 3"
        ),
    )
    parser.add_argument(
        "--require-whole",
        action="store_true",
        help=(
            "无签名声明（早期格式）的审计包视为未通过（退出码 1）/ fail (exit 1) a bag that "
            "cannot prove it is whole, even with --accept-old-format"
        ),
    )
    parser.add_argument(
        "--witness",
        action="append",
        default=[],
        metavar="VKEY",
        help=(
            "独立见证方的公钥（dossier witness vkey 输出），可重复 / an independent witness's "
            "verifier key (as `dossier witness vkey` prints it); repeatable"
        ),
    )
    parser.add_argument(
        "--quorum",
        type=int,
        default=None,
        metavar="N",
        help=(
            "检查点至少须有 N 个有效见证联署（默认：--witness 的个数）/ how many of those "
            "witnesses must have cosigned the checkpoint (default: every --witness given)"
        ),
    )
    parser.add_argument("--json", action="store_true", help="以 JSON 输出 / print JSON")
    args = parser.parse_args(argv)
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        keys = [read_pinned_key(k) for k in args.key]
    except KeyFormatError as error:
        sys.stderr.write(f"无法读取公钥 / cannot read --key: {_printable(str(error))}\n")
        return EXIT_USAGE
    try:
        witnesses = [read_witness_key(k) for k in args.witness]
    except WitnessKeyError as error:
        sys.stderr.write(f"无法读取见证公钥 / cannot read --witness: {_printable(str(error))}\n")
        return EXIT_USAGE
    quorum = len(witnesses) if args.quorum is None else args.quorum
    if not 0 <= quorum <= len(witnesses):
        sys.stderr.write(
            f"--quorum {quorum} 须在 0 与见证方个数 {len(witnesses)} 之间 / --quorum must be "
            f"between 0 and the number of --witness keys ({len(witnesses)})\n"
        )
        return EXIT_USAGE
    try:
        report = verify_path(args.bag, keys, witnesses, quorum)
    except UsageError as error:
        sys.stderr.write(f"无法校验 / cannot verify: {_printable(str(error))}\n")
        return EXIT_USAGE
    accepted = args.accept_old_format and not args.require_whole
    if args.json:
        result = report.as_json()
        if report.verdict == "old_format":
            result["old_format_accepted"] = accepted
        json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        _write_human(report, sys.stdout, accepted=accepted)
    if not report.ok:
        return EXIT_FAILED
    if report.verdict == "old_format":
        if args.require_whole:
            sys.stderr.write(
                "无法证明审计包完整（--require-whole）/ the bag cannot prove it is whole "
                "(--require-whole)\n"
            )
            return EXIT_FAILED
        return EXIT_OK if accepted else EXIT_OLD_FORMAT
    return EXIT_UNANCHORED if report.verdict == "unanchored" else EXIT_OK
