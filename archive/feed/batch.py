"""Reading and checking a core-banking batch (贷款核心系统日终文件) before anything is recorded.

A batch is a folder, or a zip of one, holding ``batch.ctl`` and up to four CSV files
(docs/core-feed.md). :func:`check_batch` streams every file once: it decodes each physical line
strictly in the encoding the control file names, hashes the bytes, counts the records, sums the
control totals and checks every field, and gathers what is wrong as :class:`FeedProblem` rows.
Memory stays bounded by the loan numbers and references of one batch, never by its lines.
:meth:`CheckedBatch.lines` then streams the typed lines again for the import to apply.
"""

from __future__ import annotations

import csv
import hashlib
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import IO, Protocol, TypeVar

from archive.feed.problems import BatchRefused, FeedProblem
from domain.identifiers import is_resident_id, is_uscc
from domain.values import BorrowerType, GuaranteeType, Product

CONTROL = "batch.ctl"
LOANS, REPAYMENTS, OVERDUE, SETTLEMENTS = (
    "loans.csv",
    "repayments.csv",
    "overdue.csv",
    "settlements.csv",
)
FILES = (LOANS, REPAYMENTS, OVERDUE, SETTLEMENTS)
"""The data files in the order they are checked and applied: loans first, so the other files
may name a loan the same batch brings."""

ENCODINGS = {"UTF-8": "utf-8", "GB18030": "gb18030"}
BLOCK_BYTES = 1 << 20
"""A data file is read, hashed and decoded this many bytes at a time."""
HELD_LINES = 200_000
"""A batch of at most this many records keeps its typed lines in memory from the check to the
import (some 100 MB at most); a larger one is read again from its files, keeping memory flat."""
MAX_PROBLEMS = 1000
"""Problems listed in a report; the rest are counted."""

COLUMNS: dict[str, tuple[str, ...]] = {
    LOANS: (
        "loan_no",
        "borrower_name",
        "borrower_kind",
        "borrower_id_type",
        "borrower_id_no",
        "product",
        "branch",
        "account_manager_no",
        "principal",
        "rate",
        "value_date",
        "maturity_date",
        "repayment_method",
        "guarantee_type",
        "purpose",
    ),
    REPAYMENTS: ("reference", "loan_no", "paid_on", "principal", "interest", "penalty"),
    OVERDUE: ("loan_no", "days_overdue", "overdue_principal", "overdue_interest"),
    SETTLEMENTS: ("loan_no", "settled_on", "how"),
}

ID_TYPES = ("resident_id", "uscc", "passport", "hk_macao_permit", "taiwan_permit", "other")
REPAYMENT_METHODS = ("equal_instalment", "equal_principal", "interest_monthly_bullet", "bullet")
SETTLEMENT_HOWS = ("repaid", "written_off_recovered", "transferred")

_AMOUNT = re.compile(r"^\d{1,15}(\.\d{1,2})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DAYS = re.compile(r"^\d{1,5}$")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_T = TypeVar("_T")


# ------------------------------------------------------------------------------ typed lines
@dataclass(frozen=True, slots=True)
class LoanLine:
    line: int
    loan_no: str
    borrower_name: str
    borrower_kind: BorrowerType
    borrower_id_type: str
    borrower_id_no: str
    product: Product
    branch: str
    account_manager_no: str
    principal: Decimal
    rate: Decimal
    value_date: date
    maturity_date: date
    repayment_method: str
    guarantee_type: GuaranteeType
    purpose: str


@dataclass(frozen=True, slots=True)
class RepaymentLine:
    line: int
    reference: str
    loan_no: str
    paid_on: date
    principal: Decimal
    interest: Decimal
    penalty: Decimal


@dataclass(frozen=True, slots=True)
class OverdueLine:
    line: int
    loan_no: str
    days_overdue: int
    overdue_principal: Decimal
    overdue_interest: Decimal


@dataclass(frozen=True, slots=True)
class SettlementLine:
    line: int
    loan_no: str
    settled_on: date
    how: str


FeedLine = LoanLine | RepaymentLine | OverdueLine | SettlementLine


# ------------------------------------------------------------------------------ the control file
@dataclass(frozen=True, slots=True)
class FileControl:
    """One ``file=`` line of the control file."""

    name: str
    records: int
    sha256: str
    amount: Decimal | None
    line: int


@dataclass(frozen=True, slots=True)
class Control:
    """The control file: what the batch says it holds."""

    bank: str
    business_date: date
    encoding: str
    correction: bool
    files: dict[str, FileControl]
    sha256: str
    """SHA-256 of the control file's bytes: the batch's identity in the events it records."""


class FeedContext(Protocol):
    """What the archive knows that a batch's lines are checked against."""

    def loan_known(self, loan_no: str) -> bool: ...

    def branch_known(self, name: str) -> bool: ...

    def staff_known(self, staff_no: str) -> bool: ...


class Problems:
    """The problems found so far, the first :data:`MAX_PROBLEMS` kept and the rest counted."""

    def __init__(self) -> None:
        self.listed: list[FeedProblem] = []
        self.more = 0
        self.lines: dict[str, set[int]] = {}

    def add(
        self, file: str, line: int | None, column: str | None, code: str, zh: str, en: str
    ) -> None:
        if line is not None:
            self.lines.setdefault(file, set()).add(line)
        if len(self.listed) < MAX_PROBLEMS:
            self.listed.append(FeedProblem(file, line, column, code, zh, en))
        else:
            self.more += 1

    def __bool__(self) -> bool:
        return bool(self.listed)

    def refuse(self) -> BatchRefused:
        return BatchRefused(self.listed, more=self.more)


# ------------------------------------------------------------------------------ where it lies
class BatchSource:
    """The files of a batch in a folder or a zip (at its root or in one folder inside it)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._prefix = ""
        if path.is_dir():
            self._names = {p.name for p in path.iterdir() if p.is_file()}
        elif path.is_file() and zipfile.is_zipfile(path):
            self._zip = zipfile.ZipFile(path)
            members = [PurePosixPath(i.filename) for i in self._zip.infolist() if not i.is_dir()]
            if PurePosixPath(CONTROL) not in members:
                folders = [m.parent for m in members if m.name == CONTROL and len(m.parts) == 2]
                if len(folders) == 1:
                    self._prefix = f"{folders[0]}/"
            self._names = {
                m.name for m in members if str(m.parent) == (self._prefix.rstrip("/") or ".")
            }
        else:
            raise BatchRefused(
                [
                    FeedProblem(
                        str(path.name),
                        None,
                        None,
                        "not_a_batch",
                        "不是批次目录或 zip 文件",
                        "not a batch folder or a zip file",
                    )
                ]
            )

    def names(self) -> set[str]:
        return set(self._names)

    def open(self, name: str) -> IO[bytes]:
        if self._zip is not None:
            return self._zip.open(self._prefix + name)
        return (self.path / name).open("rb")

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


def read_control(source: BatchSource, problems: Problems) -> Control | None:
    """Parse ``batch.ctl``; add what is wrong with it to ``problems``."""
    if CONTROL not in source.names():
        problems.add(CONTROL, None, None, "missing_control", "缺少控制文件", "batch.ctl is missing")
        return None
    with source.open(CONTROL) as f:
        raw = f.read()
    digest = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.add(
            CONTROL, None, None, "encoding", "控制文件须为 UTF-8 编码", "batch.ctl must be UTF-8"
        )
        return None
    values: dict[str, tuple[str, int]] = {}
    files: dict[str, FileControl] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not sep:
            problems.add(
                CONTROL, number, None, "ctl_syntax", "应为 key=value 格式", "expected key=value"
            )
        elif key == "file":
            entry = _file_control(value, number, problems)
            if entry is not None:
                if entry.name in files:
                    problems.add(
                        CONTROL,
                        number,
                        "file",
                        "ctl_duplicate",
                        f"文件 {entry.name} 重复列出",
                        f"{entry.name} is listed twice",
                    )
                files[entry.name] = entry
        elif key in ("bank", "business_date", "encoding", "correction"):
            if key in values:
                problems.add(
                    CONTROL, number, key, "ctl_duplicate", f"{key} 重复", f"{key} is given twice"
                )
            values[key] = (value, number)
        else:
            problems.add(
                CONTROL, number, key, "ctl_unknown_key", f"未知的键 {key}", f"unknown key {key}"
            )
    for key in ("bank", "business_date", "encoding"):
        if key not in values or not values[key][0]:
            problems.add(CONTROL, None, key, "ctl_missing_key", f"缺少 {key}", f"{key} is missing")
    business_date = None
    if "business_date" in values:
        value, number = values["business_date"]
        business_date = _parse_date(value)
        if business_date is None and value:
            problems.add(
                CONTROL,
                number,
                "business_date",
                "bad_date",
                f"日期 {value!r} 无效，应为 YYYY-MM-DD",
                f"date {value!r} is not a valid YYYY-MM-DD",
            )
    encoding = values.get("encoding", ("", 0))
    if encoding[0] and encoding[0].upper() not in ENCODINGS:
        problems.add(
            CONTROL,
            encoding[1],
            "encoding",
            "ctl_encoding",
            f"编码 {encoding[0]} 不受支持，允许 UTF-8、GB18030",
            f"encoding {encoding[0]} is not supported: UTF-8 or GB18030",
        )
    correction = values.get("correction", ("false", 0))
    if correction[0] not in ("true", "false"):
        problems.add(
            CONTROL,
            correction[1],
            "correction",
            "ctl_correction",
            "correction 须为 true 或 false",
            "correction must be true or false",
        )
    if problems or business_date is None:
        return None
    return Control(
        bank=values["bank"][0],
        business_date=business_date,
        encoding=ENCODINGS[encoding[0].upper()],
        correction=correction[0] == "true",
        files=files,
        sha256=digest,
    )


def _file_control(value: str, number: int, problems: Problems) -> FileControl | None:
    name, *attributes = [part.strip() for part in value.split(";")]
    fields: dict[str, str] = {}
    for attribute in attributes:
        key, sep, val = attribute.partition("=")
        if not sep or key not in ("records", "sha256", "amount") or key in fields:
            problems.add(
                CONTROL,
                number,
                "file",
                "ctl_syntax",
                f"文件属性 {attribute!r} 无效",
                f"file attribute {attribute!r} is not valid",
            )
            return None
        fields[key] = val
    if name not in FILES:
        problems.add(
            CONTROL,
            number,
            "file",
            "ctl_unknown_file",
            f"未知文件 {name}，允许：{'、'.join(FILES)}",
            f"unknown file {name}: one of {', '.join(FILES)}",
        )
        return None
    records, sha256 = fields.get("records", ""), fields.get("sha256", "").lower()
    if not records.isdigit() or not _HEX64.match(sha256):
        problems.add(
            CONTROL,
            number,
            "file",
            "ctl_syntax",
            f"{name} 须给出 records（整数）和 sha256（64 位十六进制）",
            f"{name} needs records (an integer) and sha256 (64 hex digits)",
        )
        return None
    amount = None
    if "amount" in fields:
        amount = _parse_amount(fields["amount"])
        if amount is None:
            problems.add(
                CONTROL,
                number,
                "amount",
                "bad_amount",
                f"{name} 的控制金额 {fields['amount']!r} 无效",
                f"the control amount {fields['amount']!r} of {name} is not valid",
            )
            return None
    return FileControl(name, int(records), sha256, amount, number)


# ------------------------------------------------------------------------------ values
def _parse_amount(text: str) -> Decimal | None:
    if not _AMOUNT.match(text):
        return None
    return Decimal(text)


def _parse_date(text: str) -> date | None:
    if not _DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


@dataclass
class _Row:
    """One record of a CSV file as it is checked: problems are added with its file and line."""

    file: str
    line: int
    values: dict[str, str]
    problems: Problems
    ok: bool = True

    def bad(self, column: str | None, code: str, zh: str, en: str) -> None:
        self.ok = False
        self.problems.add(self.file, self.line, column, code, zh, en)

    def text(self, column: str, *, max_length: int) -> str:
        value = self.values[column].strip()
        if not value:
            self.bad(column, "required", f"{column} 不能为空", f"{column} is required")
        elif len(value) > max_length:
            self.bad(
                column,
                "too_long",
                f"{column} 超过 {max_length} 字符",
                f"{column} is longer than {max_length} characters",
            )
        elif _CONTROL_CHARS.search(value):
            self.bad(
                column,
                "control_character",
                f"{column} 含控制字符",
                f"{column} holds a control character",
            )
        return value

    def amount(self, column: str) -> Decimal:
        value = self.values[column].strip()
        amount = _parse_amount(value)
        if amount is None:
            self.bad(
                column,
                "bad_amount",
                f"金额 {value!r} 无效：应为非负元金额，至多两位小数",
                f"amount {value!r} is not valid: yuan, not negative, at most two decimals",
            )
            return Decimal(0)
        return amount

    def day(self, column: str, *, not_after: date | None = None) -> date | None:
        value = self.values[column].strip()
        parsed = _parse_date(value)
        if parsed is None:
            self.bad(
                column,
                "bad_date",
                f"日期 {value!r} 无效，应为 YYYY-MM-DD",
                f"date {value!r} is not a valid YYYY-MM-DD",
            )
        elif not_after is not None and parsed > not_after:
            self.bad(
                column,
                "date_after_business_date",
                f"{column} {parsed} 晚于批次营业日 {not_after}",
                f"{column} {parsed} is after the batch's business date {not_after}",
            )
            return None
        return parsed

    def choice(self, column: str, allowed: tuple[str, ...], code: str) -> str:
        value = self.values[column].strip()
        if value not in allowed:
            self.bad(
                column,
                code,
                f"{column} 的取值 {value!r} 无效，允许：{'、'.join(allowed)}",
                f"{column}: {value!r} is not one of {', '.join(allowed)}",
            )
        return value


@dataclass
class _FileCheck:
    """Counts, hash and control total of one file as it streams past."""

    records: int = 0
    amount: Decimal = Decimal(0)
    keys: set[str] = field(default_factory=set)


# ------------------------------------------------------------------------------ the check
@dataclass
class CheckedBatch:
    """A batch whose control file and lines were checked; its lines can be streamed to apply."""

    source: BatchSource
    control: Control
    problems: tuple[FeedProblem, ...]
    more: int
    refused_lines: dict[str, frozenset[int]]
    loan_nos: frozenset[str]
    """The loans the batch's loans.csv brings (new or changed)."""
    held: dict[str, list[FeedLine]] = field(default_factory=dict)
    """The typed lines of each file, kept from the check while the batch is small
    (:data:`HELD_LINES`), so that applying it does not read and parse its files again."""

    def lines(self, name: str) -> Iterator[FeedLine]:
        """The valid typed lines of one file, in file order (refused lines left out)."""
        if name not in self.control.files:
            return
        skip = self.refused_lines.get(name, frozenset())
        if name in self.held:
            yield from (t for t in self.held[name] if t.line not in skip)
            return
        scratch = Problems()
        day = self.control.business_date
        records = _Records(self.source, name, self.control.encoding, scratch, None)
        fast: _Fast | None = None
        for line, values in records:
            if values is None or line in skip:
                continue
            if fast is None:
                fast = quick_check(name, records.header or [], day)
            typed = fast(line, values)
            if typed is None:
                typed = check_fields(name, line, records.header or [], values, scratch, day)
            if typed is not None:
                yield typed

    def close(self) -> None:
        self.source.close()


def check_batch(path: Path, context: FeedContext, *, partial: bool = False) -> CheckedBatch:
    """Check a whole batch; raise :class:`BatchRefused` naming every problem, or return it.

    A control file that does not match its files (missing or unlisted file, count, hash,
    control total, encoding) refuses the batch whatever ``partial`` says. Problems in lines
    refuse it too unless ``partial``, when the valid lines are kept and the others reported.
    """
    source = BatchSource(path)
    problems = Problems()
    try:
        control = read_control(source, problems)
        if control is None:
            raise problems.refuse()
        present = source.names() - {CONTROL}
        for name in sorted(present - set(control.files)):
            problems.add(
                name,
                None,
                None,
                "unlisted_file",
                f"文件 {name} 未在控制文件中列出",
                f"{name} is not listed in batch.ctl",
            )
        for name in control.files:
            if name not in present:
                problems.add(
                    name,
                    None,
                    None,
                    "missing_file",
                    f"控制文件列出的 {name} 不在批次中",
                    f"{name}, listed in batch.ctl, is not in the batch",
                )
        if problems:
            raise problems.refuse()
        line_problems = Problems()
        loan_nos: set[str] = set()
        held: dict[str, list[FeedLine]] | None = (
            {} if sum(e.records for e in control.files.values()) <= HELD_LINES else None
        )
        for name in FILES:
            entry = control.files.get(name)
            if entry is None:
                continue
            kept = held.setdefault(name, []) if held is not None else None
            _check_file(source, control, entry, context, loan_nos, problems, line_problems, kept)
        if problems:  # the control file does not match its files: refused whatever the option
            for p in line_problems.listed:
                problems.add(p.file, p.line, p.column, p.code, p.reason_zh, p.reason_en)
            raise problems.refuse()
        if line_problems and not partial:
            raise line_problems.refuse()
        return CheckedBatch(
            source=source,
            control=control,
            problems=tuple(line_problems.listed),
            more=line_problems.more,
            refused_lines={k: frozenset(v) for k, v in line_problems.lines.items()},
            loan_nos=frozenset(loan_nos),
            held=held or {},
        )
    except BaseException:
        source.close()
        raise


def _check_file(
    source: BatchSource,
    control: Control,
    entry: FileControl,
    context: FeedContext,
    loan_nos: set[str],
    problems: Problems,
    line_problems: Problems,
    kept: list[FeedLine] | None = None,
) -> None:
    name = entry.name
    digest = hashlib.sha256()
    state = _FileCheck()
    day = control.business_date
    records = _Records(source, name, control.encoding, line_problems, digest)
    fast: _Fast | None = None
    for line, values in records:
        state.records += 1
        if values is None:  # refused whole (empty, field count, the header): reported
            continue
        header = records.header or []
        if fast is None:
            fast = quick_check(name, header, day)
        typed = fast(line, values)
        if isinstance(typed, LoanLine) and not _parties_known(typed, context):
            typed = None
        if typed is None:  # something is wrong with the line: checked field by field to say what
            typed = check_fields(name, line, header, values, line_problems, day, context)
            if typed is None:
                continue
        _check_references(typed, name, line_problems, context, loan_nos, state)
        if isinstance(typed, RepaymentLine):
            state.amount += typed.principal + typed.interest + typed.penalty
        elif isinstance(typed, LoanLine):
            state.amount += typed.principal
        if kept is not None:
            kept.append(typed)
    if digest.hexdigest() != entry.sha256:
        problems.add(
            name,
            None,
            None,
            "hash_mismatch",
            f"{name} 的 SHA-256 与控制文件不符",
            f"the SHA-256 of {name} does not match batch.ctl",
        )
    unreadable = any(
        p.file == name and p.code == "encoding" for p in line_problems.listed
    )  # its records cannot be counted nor summed
    if state.records != entry.records and not unreadable:
        problems.add(
            name,
            None,
            None,
            "count_mismatch",
            f"{name} 有 {state.records} 条记录，控制文件写 {entry.records} 条",
            f"{name} holds {state.records} records, batch.ctl says {entry.records}",
        )
    if entry.amount is not None and not line_problems.lines.get(name) and not unreadable:
        if name not in (LOANS, REPAYMENTS):
            problems.add(
                CONTROL,
                entry.line,
                "amount",
                "ctl_amount_not_defined",
                f"{name} 没有控制金额",
                f"{name} has no control amount",
            )
        elif state.amount != entry.amount:
            problems.add(
                name,
                None,
                None,
                "amount_mismatch",
                f"{name} 的金额合计 {state.amount:.2f} 与控制金额 {entry.amount:.2f} 不符",
                f"{name} totals {state.amount:.2f}, batch.ctl says {entry.amount:.2f}",
            )


def _check_references(
    typed: FeedLine,
    name: str,
    problems: Problems,
    context: FeedContext,
    loan_nos: set[str],
    state: _FileCheck,
) -> None:
    """A line's key (a repayment's reference, any other's loan) once in its file, and its loan
    in the archive or in the batch's loans.csv."""
    loan_no = typed.loan_no
    key = typed.reference if isinstance(typed, RepaymentLine) else loan_no
    if key in state.keys:
        column = "reference" if isinstance(typed, RepaymentLine) else "loan_no"
        problems.add(
            name,
            typed.line,
            column,
            "duplicate",
            f"{column} {key} 在本文件中重复",
            f"{column} {key} appears twice in this file",
        )
        return
    state.keys.add(key)
    if isinstance(typed, LoanLine):
        loan_nos.add(loan_no)
    elif loan_no not in loan_nos and not context.loan_known(loan_no):
        problems.add(
            name,
            typed.line,
            "loan_no",
            "unknown_loan",
            f"借据号 {loan_no} 既不在档案中也不在本批次 loans.csv 中",
            f"loan {loan_no} is neither in the archive nor in this batch's loans.csv",
        )


def _check_parties(row: _Row, context: FeedContext) -> None:
    """The unit and the account manager a loan line names must be the archive's."""
    branch = row.values.get("branch", "").strip()
    if branch and not context.branch_known(branch):
        row.bad(
            "branch",
            "unknown_branch",
            f"经办机构 {branch} 不在机构表中",
            f"branch {branch} is not one of the bank's units",
        )
    staff_no = row.values.get("account_manager_no", "").strip()
    if staff_no and not context.staff_known(staff_no):
        row.bad(
            "account_manager_no",
            "unknown_staff",
            f"客户经理工号 {staff_no} 未登记",
            f"no staff member numbered {staff_no}",
        )


class _Records:
    """The records of a CSV file, each as the physical line it starts on (the header is line 1)
    and its values: ``None`` for a record refused whole — an empty line, a wrong count of
    fields, any record under a header refused — whose problem is added as it streams past."""

    def __init__(
        self,
        source: BatchSource,
        name: str,
        encoding: str,
        problems: Problems,
        digest: hashlib._Hash | None,
    ) -> None:
        self.source = source
        self.name = name
        self.encoding = encoding
        self.problems = problems
        self.digest = digest
        self.header: list[str] | None = None
        self._bad_encoding = False

    def _decoded(self) -> Iterator[str]:
        """The file's lines as text, each with its ``\\n``. Read, hashed and decoded a block at a
        time (the lines split on ``\\n`` alone, as the bytes were: neither UTF-8 nor GB18030 has
        that byte inside a character); a block that does not decode is gone through line by
        line to name the first line that does not, and nothing after it is decoded."""
        digest = self.digest
        number = 0  # the lines yielded or refused so far
        rest = b""
        with self.source.open(self.name) as f:
            while block := f.read(BLOCK_BYTES):
                if digest is not None:
                    digest.update(block)
                if self._bad_encoding:
                    continue
                block = rest + block
                cut = block.rfind(b"\n") + 1
                rest = block[cut:]
                if cut:
                    yield from self._lines(block[:cut], number)
                    number += block.count(b"\n", 0, cut)
            if rest and not self._bad_encoding:
                yield from self._lines(rest, number)

    def _lines(self, data: bytes, before: int) -> Iterator[str]:
        """The lines of ``data`` (whole lines; the last may lack its ``\\n`` at the end of the
        file), which follow ``before`` lines of the file."""
        try:
            text = data.decode(self.encoding)
        except UnicodeDecodeError:
            yield from self._lines_one_by_one(data, before)
            return
        if before == 0:
            text = text.removeprefix("\ufeff")
        pieces = text.split("\n")
        last = pieces.pop()  # empty when the data ends with its \n
        for piece in pieces:
            yield piece + "\n"
        if last:
            yield last

    def _lines_one_by_one(self, data: bytes, before: int) -> Iterator[str]:
        """:meth:`_lines` for data that does not decode: each line decoded alone, up to the
        first that does not, which is reported."""
        name, encoding = self.name, self.encoding
        raws = data.split(b"\n")
        ended = len(raws) - 1  # the lines that end with their \n
        if not raws[-1]:
            raws.pop()
        for offset, raw in enumerate(raws, start=1):
            number = before + offset
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                self._bad_encoding = True
                self.problems.add(
                    name,
                    number,
                    None,
                    "encoding",
                    f"第 {number} 行不是有效的 {encoding.upper()} 编码",
                    f"line {number} is not valid {encoding.upper()}",
                )
                return
            if number == 1:
                text = text.removeprefix("\ufeff")
            yield text + "\n" if offset <= ended else text

    def __iter__(self) -> Iterator[tuple[int, list[str] | None]]:
        name, problems = self.name, self.problems
        reader = csv.reader(self._decoded(), strict=True)
        header: list[str] | None = None
        header_ok = False
        start = 1
        try:
            for values in reader:
                if header is None:
                    header = self.header = [h.strip() for h in values]
                    header_ok = _header_ok(name, header, problems)
                    start = reader.line_num + 1
                    continue
                line, start = start, reader.line_num + 1
                if not header_ok:  # counted and hashed, refused once for the header
                    yield line, None
                elif not "".join(values).strip():  # no field holds more than white space
                    problems.add(name, line, None, "empty_line", "空行", "an empty line")
                    yield line, None
                elif len(values) != len(header):
                    problems.add(
                        name,
                        line,
                        None,
                        "field_count",
                        f"有 {len(values)} 个字段，表头有 {len(header)} 个",
                        f"{len(values)} fields where the header has {len(header)}",
                    )
                    yield line, None
                else:
                    yield line, values
        except csv.Error as exc:
            problems.add(
                name,
                reader.line_num,
                None,
                "csv_syntax",
                f"CSV 格式错误：{exc}",
                f"CSV syntax error: {exc}",
            )
        if header is None and not self._bad_encoding:
            problems.add(name, 1, None, "missing_header", "缺少表头行", "the header row is missing")


def _header_ok(name: str, header: list[str], problems: Problems) -> bool:
    ok = True
    for column in COLUMNS[name]:
        if column not in header:
            ok = False
            problems.add(
                name, 1, column, "missing_column", f"缺少列 {column}", f"column {column} is missing"
            )
    for column in {h for h in header if header.count(h) > 1}:
        ok = False
        problems.add(
            name, 1, column, "duplicate_column", f"列 {column} 重复", f"column {column} repeats"
        )
    return ok


def check_fields(
    name: str,
    line: int,
    header: list[str],
    values: list[str],
    problems: Problems,
    business_date: date,
    context: FeedContext | None = None,
) -> FeedLine | None:
    """A record checked field by field, each problem added with its column: the typed line, or
    None if any field (or, given ``context``, the unit or staff a loan names) is wrong."""
    row = _Row(name, line, dict(zip(header, values, strict=True)), problems)
    if name == LOANS and context is not None:
        _check_parties(row, context)
    parse: Callable[[_Row, date], FeedLine | None] = _PARSERS[name]
    typed = parse(row, business_date)
    return typed if row.ok else None


def _loan(row: _Row, business_date: date) -> LoanLine | None:
    kind = row.choice("borrower_kind", tuple(k.value for k in BorrowerType), "bad_choice")
    id_type = row.choice("borrower_id_type", ID_TYPES, "bad_choice")
    id_no = row.text("borrower_id_no", max_length=64).upper()
    if id_type == "resident_id" and id_no and not is_resident_id(id_no):
        row.bad(
            "borrower_id_no",
            "bad_id_number",
            "公民身份号码无效（长度、出生日期或校验位不符 GB 11643）",
            "not a valid resident ID number (length, birth date or GB 11643 check digit)",
        )
    if id_type == "uscc" and id_no and not is_uscc(id_no):
        row.bad(
            "borrower_id_no",
            "bad_id_number",
            "统一社会信用代码无效（长度、字符或校验位不符 GB 32100）",
            "not a valid unified social credit code (length, alphabet or GB 32100 check)",
        )
    product = row.choice("product", tuple(p.value for p in Product), "unknown_product")
    method = row.choice("repayment_method", REPAYMENT_METHODS, "bad_choice")
    guarantee = row.choice("guarantee_type", tuple(g.value for g in GuaranteeType), "bad_choice")
    principal = row.amount("principal")
    if row.ok and principal == 0:
        row.bad("principal", "bad_amount", "贷款金额须大于零", "principal must be more than zero")
    rate_text = row.values["rate"].strip()
    try:
        rate = Decimal(rate_text)
        if not rate.is_finite() or not Decimal(0) <= rate < Decimal(1):
            raise InvalidOperation
    except InvalidOperation:
        rate = Decimal(0)
        row.bad(
            "rate",
            "bad_rate",
            f"年利率 {rate_text!r} 无效，应为小数（如 0.0435）",
            f"annual rate {rate_text!r} is not valid: a decimal such as 0.0435",
        )
    value_date = row.day("value_date", not_after=business_date)
    maturity = row.day("maturity_date")
    if value_date and maturity and maturity <= value_date:
        row.bad(
            "maturity_date",
            "maturity_not_after_value_date",
            "到期日须晚于起息日",
            "maturity_date must be after value_date",
        )
    line = LoanLine(
        line=row.line,
        loan_no=row.text("loan_no", max_length=64),
        borrower_name=row.text("borrower_name", max_length=200),
        borrower_kind=BorrowerType.CORPORATE if kind == "corporate" else BorrowerType.INDIVIDUAL,
        borrower_id_type=id_type,
        borrower_id_no=id_no,
        product=Product.parse(product, "product") if row.ok else Product.CONSUMER,
        branch=row.text("branch", max_length=100),
        account_manager_no=row.text("account_manager_no", max_length=32),
        principal=principal,
        rate=rate,
        value_date=value_date or business_date,
        maturity_date=maturity or business_date,
        repayment_method=method,
        guarantee_type=GuaranteeType.parse(guarantee, "guarantee_type")
        if row.ok
        else GuaranteeType.CREDIT,
        purpose=row.text("purpose", max_length=500),
    )
    return line if row.ok else None


def _repayment(row: _Row, business_date: date) -> RepaymentLine | None:
    line = RepaymentLine(
        line=row.line,
        reference=row.text("reference", max_length=64),
        loan_no=row.text("loan_no", max_length=64),
        paid_on=row.day("paid_on", not_after=business_date) or business_date,
        principal=row.amount("principal"),
        interest=row.amount("interest"),
        penalty=row.amount("penalty"),
    )
    if row.ok and line.principal + line.interest + line.penalty == 0:
        row.bad(None, "bad_amount", "还款金额合计须大于零", "a repayment must be more than zero")
    return line if row.ok else None


def _overdue(row: _Row, business_date: date) -> OverdueLine | None:
    days_text = row.values["days_overdue"].strip()
    days = int(days_text) if _DAYS.match(days_text) else -1
    if days < 0 or days > 36500:
        row.bad(
            "days_overdue",
            "bad_days",
            f"逾期天数 {days_text!r} 无效（0 至 36500 的整数）",
            f"days_overdue {days_text!r} is not an integer from 0 to 36500",
        )
    line = OverdueLine(
        line=row.line,
        loan_no=row.text("loan_no", max_length=64),
        days_overdue=days,
        overdue_principal=row.amount("overdue_principal"),
        overdue_interest=row.amount("overdue_interest"),
    )
    if row.ok:
        owed = line.overdue_principal + line.overdue_interest
        if days == 0 and owed > 0:
            row.bad(
                "days_overdue",
                "overdue_inconsistent",
                "逾期天数为零时逾期金额须为零",
                "overdue amounts must be zero when days_overdue is 0",
            )
        elif days > 0 and owed == 0:
            row.bad(
                "overdue_principal",
                "overdue_inconsistent",
                "存在逾期天数时须有逾期金额",
                "days_overdue above 0 needs an overdue amount",
            )
    return line if row.ok else None


def _settlement(row: _Row, business_date: date) -> SettlementLine | None:
    line = SettlementLine(
        line=row.line,
        loan_no=row.text("loan_no", max_length=64),
        settled_on=row.day("settled_on", not_after=business_date) or business_date,
        how=row.choice("how", SETTLEMENT_HOWS, "bad_choice"),
    )
    return line if row.ok else None


_PARSERS: dict[str, Callable[[_Row, date], FeedLine | None]] = {
    LOANS: _loan,
    REPAYMENTS: _repayment,
    OVERDUE: _overdue,
    SETTLEMENTS: _settlement,
}


# ------------------------------------------------------------------------------ the quick check
# Most lines of a core system's batch are well formed. Each file's header is mapped to column
# positions once, and a line is first checked by one function made for its file, from those
# positions, each distinct date, rate and day count text parsed once: the typed line when every
# field holds, else None, and the line is checked again field by field (:func:`check_fields`), which says
# what is wrong. The quick check accepts only what the field-by-field one accepts, as the very
# same typed line (tests/archive/feed/test_batch.py holds them side by side).

_Fast = Callable[[int, list[str]], FeedLine | None]

PARSED_KEPT = 4096
"""Distinct texts of one column kind kept parsed while a file is checked (then begun again)."""


class _Parsed(dict[str, _T]):
    """Texts parsed once: ``parsed[text]`` is the value, or None where the text is not valid."""

    def __init__(self, parse: Callable[[str], _T]) -> None:
        super().__init__()
        self._parse = parse

    def __missing__(self, text: str) -> _T:
        value = self._parse(text)
        if len(self) >= PARSED_KEPT:
            self.clear()
        self[text] = value
        return value


def _parse_days(text: str) -> int | None:
    days = int(text) if _DAYS.match(text) else -1
    return days if 0 <= days <= 36500 else None


def _parse_rate(text: str) -> Decimal | None:
    try:
        rate = Decimal(text)
    except InvalidOperation:
        return None
    return rate if rate.is_finite() and Decimal(0) <= rate < Decimal(1) else None


def quick_check(name: str, header: list[str], business_date: date) -> _Fast:
    """The quick check of ``name``'s lines under ``header`` (one that holds every column)."""
    at = [header.index(column) for column in COLUMNS[name]]
    amount = _parse_amount
    dates = _Parsed(_parse_date)
    control = _CONTROL_CHARS.search
    if name == LOANS:
        kinds = {
            k.value: BorrowerType.CORPORATE if k.value == "corporate" else BorrowerType.INDIVIDUAL
            for k in BorrowerType
        }
        products = {p.value: Product.parse(p.value, "product") for p in Product}
        guarantees = {
            g.value: GuaranteeType.parse(g.value, "guarantee_type") for g in GuaranteeType
        }
        rates = _Parsed(_parse_rate)
        (
            a_loan,
            a_name,
            a_kind,
            a_id_type,
            a_id_no,
            a_product,
            a_branch,
            a_manager,
            a_principal,
            a_rate,
            a_value,
            a_maturity,
            a_method,
            a_guarantee,
            a_purpose,
        ) = at

        def loan(line: int, values: list[str]) -> FeedLine | None:
            if control("".join(values)):
                return None
            loan_no = values[a_loan].strip()
            borrower = values[a_name].strip()
            id_type = values[a_id_type].strip()
            id_no = values[a_id_no].strip()
            branch = values[a_branch].strip()
            manager = values[a_manager].strip()
            purpose = values[a_purpose].strip()
            kind = kinds.get(values[a_kind].strip())
            product = products.get(values[a_product].strip())
            method = values[a_method].strip()
            guarantee = guarantees.get(values[a_guarantee].strip())
            principal = amount(values[a_principal].strip())
            rate = rates[values[a_rate].strip()]
            value_date = dates[values[a_value].strip()]
            maturity = dates[values[a_maturity].strip()]
            if (
                not (0 < len(loan_no) <= 64)
                or not (0 < len(borrower) <= 200)
                or not (0 < len(id_no) <= 64)
                or not (0 < len(branch) <= 100)
                or not (0 < len(manager) <= 32)
                or not (0 < len(purpose) <= 500)
                or kind is None
                or product is None
                or guarantee is None
                or id_type not in ID_TYPES
                or method not in REPAYMENT_METHODS
                or not principal
                or rate is None
                or value_date is None
                or maturity is None
                or value_date > business_date
                or maturity <= value_date
            ):
                return None
            id_no = id_no.upper()
            if (id_type == "resident_id" and not is_resident_id(id_no)) or (
                id_type == "uscc" and not is_uscc(id_no)
            ):
                return None
            return LoanLine(
                line,
                loan_no,
                borrower,
                kind,
                id_type,
                id_no,
                product,
                branch,
                manager,
                principal,
                rate,
                value_date,
                maturity,
                method,
                guarantee,
                purpose,
            )

        return loan
    if name == REPAYMENTS:
        a_reference, a_loan, a_paid, a_principal, a_interest, a_penalty = at

        def repayment(line: int, values: list[str]) -> FeedLine | None:
            if control("".join(values)):
                return None
            reference = values[a_reference].strip()
            loan_no = values[a_loan].strip()
            paid_on = dates[values[a_paid].strip()]
            principal = amount(values[a_principal].strip())
            interest = amount(values[a_interest].strip())
            penalty = amount(values[a_penalty].strip())
            if (
                not (0 < len(reference) <= 64)
                or not (0 < len(loan_no) <= 64)
                or paid_on is None
                or paid_on > business_date
                or principal is None
                or interest is None
                or penalty is None
                or not (principal or interest or penalty)
            ):
                return None
            return RepaymentLine(line, reference, loan_no, paid_on, principal, interest, penalty)

        return repayment
    if name == OVERDUE:
        a_loan, a_days, a_principal, a_interest = at
        days_of = _Parsed(_parse_days)

        def overdue(line: int, values: list[str]) -> FeedLine | None:
            if control("".join(values)):
                return None
            loan_no = values[a_loan].strip()
            days = days_of[values[a_days].strip()]
            principal = amount(values[a_principal].strip())
            interest = amount(values[a_interest].strip())
            if (
                not (0 < len(loan_no) <= 64)
                or days is None
                or principal is None
                or interest is None
                or (days == 0) == bool(principal or interest)  # owed exactly when overdue
            ):
                return None
            return OverdueLine(line, loan_no, days, principal, interest)

        return overdue
    a_loan, a_settled, a_how = at

    def settlement(line: int, values: list[str]) -> FeedLine | None:
        if control("".join(values)):
            return None
        loan_no = values[a_loan].strip()
        settled_on = dates[values[a_settled].strip()]
        how = values[a_how].strip()
        if (
            not (0 < len(loan_no) <= 64)
            or settled_on is None
            or settled_on > business_date
            or how not in SETTLEMENT_HOWS
        ):
            return None
        return SettlementLine(line, loan_no, settled_on, how)

    return settlement


def _parties_known(typed: LoanLine, context: FeedContext) -> bool:
    """Whether the unit and the account manager a loan line names are the archive's."""
    return context.branch_known(typed.branch) and context.staff_known(typed.account_manager_no)
