"""Writing a core-banking batch as the core system would: its CSV files and their control file.

The demo produces its portfolio this way and tests build their batches with it; a bank's core
system team can use it to see what a well-formed batch looks like (``dossier feed sample``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from archive.feed.batch import COLUMNS, CONTROL, FILES, LOANS, REPAYMENTS

Row = Mapping[str, object]


def csv_bytes(name: str, rows: Iterable[Row], encoding: str = "utf-8") -> tuple[bytes, int]:
    """One file's bytes (header first, CRLF line ends as RFC 4180) and its record count."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = COLUMNS[name]
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow(["" if row.get(c) is None else str(row.get(c)) for c in columns])
        count += 1
    return out.getvalue().encode(encoding), count


def control_amount(name: str, rows: Iterable[Row]) -> Decimal | None:
    """The control total of a file: principal lent, or everything repaid (``None`` for the
    other files, and for lines whose amounts are not numbers, as a broken batch may hold)."""
    columns = {LOANS: ("principal",), REPAYMENTS: ("principal", "interest", "penalty")}.get(name)
    if columns is None:
        return None
    total = Decimal(0)
    for row in rows:
        for column in columns:
            try:
                total += Decimal(str(row[column]))
            except (InvalidOperation, KeyError):
                return None
    return total


def batch_files(
    *,
    bank: str,
    business_date: date,
    files: Mapping[str, list[Row]],
    encoding: str = "UTF-8",
    correction: bool = False,
) -> dict[str, bytes]:
    """The files of a batch, ``batch.ctl`` included, by name."""
    codec = {"UTF-8": "utf-8", "GB18030": "gb18030"}[encoding]
    out: dict[str, bytes] = {}
    control = [f"bank={bank}", f"business_date={business_date.isoformat()}", f"encoding={encoding}"]
    if correction:
        control.append("correction=true")
    for name in FILES:
        if name not in files:
            continue
        data, count = csv_bytes(name, files[name], codec)
        out[name] = data
        line = f"file={name};records={count};sha256={hashlib.sha256(data).hexdigest()}"
        amount = control_amount(name, files[name])
        if amount is not None:
            line += f";amount={amount:.2f}"
        control.append(line)
    out[CONTROL] = ("\n".join(control) + "\n").encode("utf-8")
    return out


def write_batch(folder: Path, **kwargs: object) -> Path:
    """Write a batch into ``folder`` (created) and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in batch_files(**kwargs).items():  # type: ignore[arg-type]
        (folder / name).write_bytes(data)
    return folder


def zip_batch(folder: Path, target: Path) -> Path:
    """Zip a batch folder with the folder's name inside, as core systems ship it."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.iterdir()):
            z.write(path, f"{folder.name}/{path.name}")
    return target
