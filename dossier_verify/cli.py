"""``python -m dossier_verify BAG [--json]``: verify an audit bundle and say so, in two languages.

Exit status: 0 when everything verifies, 1 when any check fails, 2 for a usage error (no such
path, not a directory or zip, not a bag).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from dossier_verify import formats
from dossier_verify.bag import NotABagError
from dossier_verify.check import verify_directory
from dossier_verify.report import Problem, Report
from dossier_verify.unzip import NotAZipError, UnsafeArchiveError, extract

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """Raised when the path given cannot be verified at all: missing, not a directory or zip, not a bag."""


def verify_path(path: Path, trusted: Sequence[bytes] | None = None) -> Report:
    """Verify the bag at ``path``, a directory or a ``.zip`` of one.

    Raises ``UsageError`` when ``path`` is neither a bag directory nor a zip archive of one.
    """
    if path.is_dir():
        try:
            return verify_directory(path, str(path), trusted)
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
            return verify_directory(root, str(path), trusted)
        except NotABagError as error:
            raise UsageError(f"{path} does not hold a bag: {error}") from None


def _printable(text: str) -> str:
    # File names come from the bag; never let one move the cursor or recolour the terminal.
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _write_human(report: Report, out: TextIO) -> None:
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
        if report.anchored:
            out.write("  已与所给可信公钥核对 / anchored to the trusted keys given\n")
        else:
            out.write(
                "  未锚定：请将此公钥与银行另行公布的公钥核对（--key）/ unanchored: compare this "
                "key with the one the bank published (--key): the bag cannot vouch for its own "
                "key\n"
            )
    out.write(f"事件 / events: {report.events}    文件 / documents: {report.documents}\n")
    for problem in report.problems:
        event = f" (事件 / event {problem.event})" if problem.event is not None else ""
        out.write(
            f"✗ {p(problem.file)}{event} [{problem.check}]: "
            f"{p(problem.detail_zh)} / {p(problem.detail)}\n"
        )
    if report.ok:
        out.write("结论：通过，全部校验一致 / Verdict: PASS — everything verifies\n")
    else:
        n = len(report.problems)
        out.write(f"结论：未通过，发现 {n} 个问题 / Verdict: FAIL — {n} problem(s)\n")


def _trusted(keys: list[str], file: Path | None) -> list[bytes] | None:
    """The trusted keys given, or None when none was (the bag's own key is then unanchored)."""
    words = list(keys)
    if file is not None:
        for line in file.read_text("utf-8").splitlines():
            words += line.split("#", 1)[0].replace(",", " ").split()
    if not words and file is None:
        return None
    return [formats.trusted_key(word) for word in words]


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
    parser.add_argument("--json", action="store_true", help="以 JSON 输出 / print JSON")
    parser.add_argument(
        "--key",
        action="append",
        default=[],
        help=(
            "银行公布的公钥 / a key the bank published: <name>+<hash>+<base64> as `dossier "
            "signing-key public --vkey` prints it, or base64; repeatable"
        ),
    )
    parser.add_argument(
        "--trusted-keys",
        type=Path,
        help="可信公钥文件 / a file of such keys, one a line (# comments)",
    )
    args = parser.parse_args(argv)
    try:
        trusted = _trusted(args.key, args.trusted_keys)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        sys.stderr.write(f"可信公钥无效 / bad trusted key: {_printable(str(error))}\n")
        return EXIT_USAGE
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        report = verify_path(args.bag, trusted)
    except UsageError as error:
        sys.stderr.write(f"无法校验 / cannot verify: {_printable(str(error))}\n")
        return EXIT_USAGE
    if args.json:
        json.dump(report.as_json(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        _write_human(report, sys.stdout)
    return EXIT_OK if report.ok else EXIT_FAILED
