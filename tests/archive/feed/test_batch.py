"""Checking a core-banking batch before anything is recorded: the control file and every line.

These are pure: a batch is files on disk and the archive's knowledge is a small fake context;
the import that records events is tested on both stores elsewhere.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archive.feed.batch import (
    COLUMNS,
    CONTROL,
    FILES,
    LOANS,
    OVERDUE,
    REPAYMENTS,
    SETTLEMENTS,
    LoanLine,
    OverdueLine,
    Problems,
    RepaymentLine,
    SettlementLine,
    check_batch,
    check_fields,
    quick_check,
)
from archive.feed.problems import BatchRefused, report_csv, report_json
from archive.feed.writing import batch_files, write_batch, zip_batch
from domain.identifiers import (
    USCC_ALPHABET,
    is_resident_id,
    is_uscc,
    resident_id_check,
    uscc_check,
)
from domain.values import Product

DAY = date(2026, 11, 20)
ID_NO = "11010519491231002X"  # the standard's own example
USCC = "91350100M000100Y43"


@dataclass
class Known:
    loans: set[str] = field(default_factory=lambda: {"JD-OLD"})
    branches: set[str] = field(default_factory=lambda: {"城东支行", "城西支行"})
    staff: set[str] = field(default_factory=lambda: {"0102", "0103"})

    def loan_known(self, loan_no: str) -> bool:
        return loan_no in self.loans

    def branch_known(self, name: str) -> bool:
        return name in self.branches

    def staff_known(self, staff_no: str) -> bool:
        return staff_no in self.staff


def loan(no: str = "JD-1", **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "loan_no": no,
        "borrower_name": "云溪县丰收农机合作社",
        "borrower_kind": "corporate",
        "borrower_id_type": "uscc",
        "borrower_id_no": USCC,
        "product": "small_business",
        "branch": "城东支行",
        "account_manager_no": "0102",
        "principal": "500000.00",
        "rate": "0.0435",
        "value_date": "2026-11-20",
        "maturity_date": "2027-11-20",
        "repayment_method": "interest_monthly_bullet",
        "guarantee_type": "guarantee",
        "purpose": '购买农机具，"丰收"牌',
    }
    row.update(changes)
    return row


def repayment(ref: str = "TX-1", loan_no: str = "JD-OLD", **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "reference": ref,
        "loan_no": loan_no,
        "paid_on": "2026-11-20",
        "principal": "1000.00",
        "interest": "181.25",
        "penalty": "0.00",
    }
    row.update(changes)
    return row


def files(**changes: list[dict[str, object]]) -> dict[str, list[dict[str, object]]]:
    base: dict[str, list[dict[str, object]]] = {
        LOANS: [loan()],
        REPAYMENTS: [repayment(), repayment("TX-2", "JD-1", principal="0", interest="50.10")],
        OVERDUE: [
            {
                "loan_no": "JD-OLD",
                "days_overdue": "3",
                "overdue_principal": "2000.00",
                "overdue_interest": "0",
            }
        ],
        SETTLEMENTS: [{"loan_no": "JD-OLD", "settled_on": "2026-11-19", "how": "repaid"}],
    }
    base.update(changes)
    return base


def write(tmp: Path, encoding: str = "UTF-8", **changes: list[dict[str, object]]) -> Path:
    return write_batch(
        tmp / "feed-20261120",
        bank="云溪农商银行",
        business_date=DAY,
        files=files(**changes),
        encoding=encoding,
    )


def refused(path: Path, **kwargs: object) -> list[tuple[str, int | None, str | None, str]]:
    with pytest.raises(BatchRefused) as caught:
        check_batch(path, Known(), **kwargs)  # type: ignore[arg-type]
    return [(p.file, p.line, p.column, p.code) for p in caught.value.problems]


def reseal(folder: Path, name: str, data: bytes) -> None:
    """Replace a file and fix its control line's hash, as a consistent but wrong batch."""
    (folder / name).write_bytes(data)
    lines = (folder / CONTROL).read_text().splitlines()
    digest = hashlib.sha256(data).hexdigest()
    lines = [
        ";".join(
            f"sha256={digest}" if part.startswith("sha256=") else part for part in line.split(";")
        )
        if line.startswith(f"file={name};")
        else line
        for line in lines
    ]
    (folder / CONTROL).write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("encoding", ["UTF-8", "GB18030"])
def test_a_well_formed_batch_streams_its_typed_lines_in_either_encoding(
    tmp_path: Path, encoding: str
) -> None:
    folder = write(tmp_path, encoding)
    raw = (folder / LOANS).read_bytes()
    if encoding == "GB18030":  # the Chinese is really in GB18030, not UTF-8
        assert "丰收".encode("gb18030") in raw
        assert "丰收".encode() not in raw
    batch = check_batch(folder, Known())
    try:
        assert batch.problems == ()
        assert batch.control.business_date == DAY
        assert batch.control.bank == "云溪农商银行"
        assert batch.loan_nos == {"JD-1"}
        assert batch.control.sha256 == hashlib.sha256((folder / CONTROL).read_bytes()).hexdigest()
        (only,) = list(batch.lines(LOANS))
        assert isinstance(only, LoanLine)
        assert only.line == 2
        assert only.borrower_name == "云溪县丰收农机合作社"
        assert only.purpose == '购买农机具，"丰收"牌'
        assert only.product is Product.SMALL_BUSINESS
        assert only.principal == Decimal("500000.00")
        repayments = list(batch.lines(REPAYMENTS))
        assert [r.reference for r in repayments if isinstance(r, RepaymentLine)] == ["TX-1", "TX-2"]
        (arrears,) = list(batch.lines(OVERDUE))
        assert isinstance(arrears, OverdueLine)
        assert arrears.days_overdue == 3
        (settled,) = list(batch.lines(SETTLEMENTS))
        assert isinstance(settled, SettlementLine)
        assert settled.settled_on == date(2026, 11, 19)
    finally:
        batch.close()


def test_a_zip_with_the_batch_folder_inside_reads_like_the_folder(tmp_path: Path) -> None:
    folder = write(tmp_path)
    batch = check_batch(zip_batch(folder, tmp_path / "feed-20261120.zip"), Known())
    try:
        assert [x.loan_no for x in batch.lines(LOANS)] == ["JD-1"]  # type: ignore[union-attr]
    finally:
        batch.close()


def test_the_control_file_must_match_counts_hashes_totals_and_listed_files(tmp_path: Path) -> None:
    folder = write(tmp_path)
    ctl = (folder / CONTROL).read_text()
    (folder / CONTROL).write_text(
        ctl.replace("records=2", "records=3").replace("amount=500000.00", "amount=500000.01")
    )
    (folder / OVERDUE).write_bytes((folder / OVERDUE).read_bytes() + b"JD-X,1,1.00,0\r\n")
    (folder / "extra.csv").write_text("x\n")
    problems = refused(folder)
    assert ("extra.csv", None, None, "unlisted_file") in problems
    (folder / "extra.csv").unlink()
    problems = refused(folder)
    assert (REPAYMENTS, None, None, "count_mismatch") in problems
    assert (LOANS, None, None, "amount_mismatch") in problems
    assert (OVERDUE, None, None, "hash_mismatch") in problems
    (folder / LOANS).unlink()
    assert refused(folder) == [(LOANS, None, None, "missing_file")]


def test_a_control_mismatch_refuses_even_when_valid_lines_may_be_applied(tmp_path: Path) -> None:
    folder = write(tmp_path)
    (folder / CONTROL).write_text((folder / CONTROL).read_text().replace("records=1", "records=9"))
    assert {p[3] for p in refused(folder, partial=True)} == {"count_mismatch"}


def test_a_broken_control_file_names_its_lines(tmp_path: Path) -> None:
    folder = write(tmp_path)
    (folder / CONTROL).write_text(
        "bank=云溪农商银行\nbusiness_date=2026-11-31\nencoding=BIG5\nnonsense\ncolour=red\n"
        "file=loans.csv;records=x;sha256=00\n"
    )
    assert refused(folder) == [
        (CONTROL, 4, None, "ctl_syntax"),
        (CONTROL, 5, "colour", "ctl_unknown_key"),
        (CONTROL, 6, "file", "ctl_syntax"),
        (CONTROL, 2, "business_date", "bad_date"),
        (CONTROL, 3, "encoding", "ctl_encoding"),
    ]
    (folder / CONTROL).unlink()
    assert refused(folder) == [(CONTROL, None, None, "missing_control")]


def test_malformed_lines_are_named_by_file_line_and_column(tmp_path: Path) -> None:
    folder = write(
        tmp_path,
        **{
            LOANS: [
                loan(),
                loan("JD-2", principal="12,000", product="car_loan", branch="火星支行"),
                loan(
                    "JD-3",
                    value_date="2026-11-21",
                    borrower_id_type="resident_id",
                    borrower_id_no="110105194912310021",
                ),
                loan("JD-1"),
            ],
            REPAYMENTS: [
                repayment(loan_no="JD-NOWHERE"),
                repayment("TX-2", paid_on="2026-12-01", penalty="-1"),
                repayment("TX-2"),
            ],
        },
    )
    problems = refused(folder)
    assert set(problems) >= {
        (LOANS, 3, "product", "unknown_product"),
        (LOANS, 3, "principal", "bad_amount"),
        (LOANS, 3, "branch", "unknown_branch"),
        (LOANS, 4, "borrower_id_no", "bad_id_number"),
        (LOANS, 4, "value_date", "date_after_business_date"),
    }
    assert (LOANS, 5, "loan_no", "duplicate") in problems
    assert (REPAYMENTS, 2, "loan_no", "unknown_loan") in problems
    assert (REPAYMENTS, 3, "paid_on", "date_after_business_date") in problems
    assert (REPAYMENTS, 3, "penalty", "bad_amount") in problems


def test_with_the_option_the_valid_lines_are_kept_and_the_rest_reported(tmp_path: Path) -> None:
    folder = write(tmp_path, **{REPAYMENTS: [repayment(), repayment("TX-2", loan_no="JD-9")]})
    ctl = (folder / CONTROL).read_text()
    (folder / CONTROL).write_text(
        "\n".join(p for p in ctl.splitlines() if not p.startswith("file=repayments"))
        + "\n"
        + next(p for p in ctl.splitlines() if p.startswith("file=repayments")).rsplit(";", 1)[0]
        + "\n"
    )  # no control total: it cannot hold once a line is left out
    assert refused(folder) == [(REPAYMENTS, 3, "loan_no", "unknown_loan")]
    batch = check_batch(folder, Known(), partial=True)
    try:
        assert [p.line for p in batch.problems] == [3]
        assert [r.reference for r in batch.lines(REPAYMENTS)] == ["TX-1"]  # type: ignore[union-attr]
    finally:
        batch.close()


def test_bytes_that_are_not_the_named_encoding_refuse_the_file_at_their_line(
    tmp_path: Path,
) -> None:
    folder = write(tmp_path, "UTF-8")
    data = (folder / LOANS).read_bytes().decode().encode("gb18030")
    reseal(folder, LOANS, data)
    assert refused(folder)[0] == (LOANS, 2, None, "encoding")


@pytest.mark.parametrize("block", [5, 64, 1 << 20])
@pytest.mark.parametrize("encoding", ["UTF-8", "GB18030"])
def test_a_file_read_in_blocks_gives_the_same_lines_wherever_a_block_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int, encoding: str
) -> None:
    """Blocks that end inside a line, inside a Chinese character or inside a quoted newline
    give the same typed lines, line numbers and refusals as one block holding the file."""
    import archive.feed.batch as batch_module

    rows = [loan(), loan("JD-2", purpose="第一行\n第二行"), loan("JD-3", borrower_name="丰收")]
    folder = write(tmp_path / "good", encoding, **{LOANS: rows})

    def seen(size: int) -> tuple[list[tuple[int, str, str]], list[tuple[str, int | None]]]:
        monkeypatch.setattr(batch_module, "BLOCK_BYTES", size)
        checked = check_batch(folder, Known(), partial=True)
        try:
            lines = [
                (t.line, t.loan_no, t.borrower_name if isinstance(t, LoanLine) else "")
                for t in checked.lines(LOANS)
            ]
            return lines, [(p.file, p.line) for p in checked.problems]
        finally:
            checked.close()

    lines, problems = seen(block)
    assert (lines, problems) == seen(1 << 24)
    assert lines[0] == (2, "JD-1", "云溪县丰收农机合作社")
    assert lines[-1] == (5, "JD-3", "丰收")  # after a record of two physical lines
    bad = write(tmp_path / "bad", "UTF-8", **{LOANS: rows})
    data = (bad / LOANS).read_bytes().split(b"\n")
    data[4] = data[4].decode().encode("gb18030")  # the fifth physical line: JD-3's
    reseal(bad, LOANS, b"\n".join(data))
    monkeypatch.setattr(batch_module, "BLOCK_BYTES", block)
    assert [p for p in refused(bad) if p[3] == "encoding"] == [(LOANS, 5, None, "encoding")]


def test_quoted_newlines_count_as_one_record_and_lines_are_physical(tmp_path: Path) -> None:
    folder = write(tmp_path, **{LOANS: [loan(purpose="第一行\n第二行"), loan("JD-2")]})
    problems = refused(folder)  # and the repayment of the refused loan cannot stand either
    assert problems == [
        (LOANS, 2, "purpose", "control_character"),
        (REPAYMENTS, 3, "loan_no", "unknown_loan"),
    ]
    folder = write(tmp_path / "b", **{LOANS: [loan(purpose="x"), loan("JD-2", rate="4.35%")]})
    assert refused(folder) == [(LOANS, 3, "rate", "bad_rate")]


def test_a_missing_column_refuses_the_file_once(tmp_path: Path) -> None:
    folder = write(tmp_path)
    text = (folder / OVERDUE).read_text().replace("overdue_interest", "interest_overdue")
    reseal(folder, OVERDUE, text.encode())
    assert refused(folder) == [(OVERDUE, 1, "overdue_interest", "missing_column")]


def test_overdue_days_and_amounts_agree(tmp_path: Path) -> None:
    folder = write(
        tmp_path,
        **{
            OVERDUE: [
                {
                    "loan_no": "JD-OLD",
                    "days_overdue": "0",
                    "overdue_principal": "1",
                    "overdue_interest": "0",
                },
                {
                    "loan_no": "JD-1",
                    "days_overdue": "-2",
                    "overdue_principal": "1",
                    "overdue_interest": "0",
                },
            ]
        },
    )
    assert refused(folder) == [
        (OVERDUE, 2, "days_overdue", "overdue_inconsistent"),
        (OVERDUE, 3, "days_overdue", "bad_days"),
    ]


def test_the_report_is_bilingual_csv_and_json(tmp_path: Path) -> None:
    folder = write(tmp_path, **{LOANS: [loan(product="car_loan")]})
    with pytest.raises(BatchRefused) as caught:
        check_batch(folder, Known())
    as_json = json.loads(report_json(caught.value.problems))
    assert as_json["problems"][0] == {
        "file": LOANS,
        "line": 2,
        "column": "product",
        "code": "unknown_product",
        "reason_zh": as_json["problems"][0]["reason_zh"],
        "reason_en": as_json["problems"][0]["reason_en"],
    }
    assert "无效" in as_json["problems"][0]["reason_zh"]
    assert "car_loan" in as_json["problems"][0]["reason_en"]
    as_csv = report_csv(caught.value.problems)
    assert as_csv.startswith("\ufeff文件 file,行号 line,列 column")
    assert f"{LOANS},2,product,unknown_product" in as_csv


def test_problems_beyond_the_cap_are_counted_not_listed(tmp_path: Path) -> None:
    rows = [repayment(f"TX-{i}", loan_no="JD-NOWHERE") for i in range(1005)]
    folder = write(tmp_path, **{REPAYMENTS: rows})
    with pytest.raises(BatchRefused) as caught:
        check_batch(folder, Known())
    assert len(caught.value.problems) == 1000
    assert caught.value.more == 5
    assert "1005" in str(caught.value)


def test_control_totals_are_exact_decimals(tmp_path: Path) -> None:
    rows = [repayment(f"TX-{i}", principal="0.10", interest="0.20", penalty="0") for i in range(3)]
    data = batch_files(bank="b", business_date=DAY, files={REPAYMENTS: rows})
    assert b"amount=0.90" in data[CONTROL]  # 0.1 + 0.2 three times, not 0.9000000000000001


@given(st.text(alphabet="0123456789", min_size=17, max_size=17), st.integers(0, 16), st.data())
def test_one_wrong_character_of_an_id_number_is_always_caught(
    digits: str, position: int, data: st.DataObject
) -> None:
    number = "19900101".join([digits[:6], digits[14:]])[:17]
    valid = number + resident_id_check(number)
    assert is_resident_id(valid)
    wrong = data.draw(st.sampled_from([d for d in "0123456789" if d != valid[position]]))
    assert not is_resident_id(valid[:position] + wrong + valid[position + 1 :])
    code = data.draw(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
    good = code + uscc_check(code)
    assert is_uscc(good)
    other = data.draw(st.sampled_from([c for c in USCC_ALPHABET if c != good[position]]))
    assert not is_uscc(good[:position] + other + good[position + 1 :])


def test_the_standards_own_examples_pass_and_impossible_birth_dates_do_not() -> None:
    assert is_resident_id(ID_NO)
    assert is_uscc(USCC)
    assert not is_resident_id("11010519490231" + "002" + resident_id_check("11010519490231002"))
    assert not is_uscc("91350100M000100YI3")  # I is not in the alphabet


# Texts each column is tried with: a valid one first, then the ways a field goes wrong or nearly so.
_TRIED: dict[str, list[str]] = {
    "text": ["JD-1", " JD-1 ", "", " ", "x" * 64, "x" * 65, "a\tb", "a\x7f", "\tJD", "云溪"],
    "amount": [
        "1000.00",
        "0",
        "0.00",
        "0.1",
        " 12.5 ",
        "1.234",
        "-1",
        "+1",
        "1e3",
        "1,000",
        "１２",
        "x",
        "",
        "123456789012345",
        "1234567890123456",
        "NaN",
    ],
    "date": [
        "2026-11-20",
        "2026-11-19",
        "2026-11-21",
        "2027-11-20",
        "2026-02-30",
        "20261120",
        " 2026-11-01 ",
        "２０２６-11-01",
        "",
    ],
    "maturity": ["2027-11-20", "2026-11-20", "2026-11-19", "2099-12-31", "2026-13-01", ""],
    "rate": [
        "0.0435",
        "0",
        "1",
        "0.99999",
        "-0.01",
        "4.35e-2",
        "NaN",
        "sNaN",
        "Infinity",
        "",
        "x",
        " 0.05 ",
        "0_05",
    ],
    "days": ["3", "0", "36500", "36501", "-1", "１", "3.0", "", " 7 ", "99999"],
    "borrower_kind": ["corporate", "individual", "Corporate", ""],
    "borrower_id_type": ["uscc", "resident_id", "passport", "other", "id", ""],
    "borrower_id_no": [
        USCC,
        USCC.lower(),
        ID_NO,
        ID_NO.lower(),
        "11010519491231002Y",
        "P1234567",
        "",
        "x" * 65,
    ],
    "product": ["small_business", "consumer", "car_loan", ""],
    "repayment_method": ["interest_monthly_bullet", "bullet", "monthly", ""],
    "guarantee_type": ["guarantee", "credit", "pledge", "none", ""],
    "how": ["repaid", "transferred", "written_off", ""],
}
_KIND = {
    "principal": "amount",
    "interest": "amount",
    "penalty": "amount",
    "overdue_principal": "amount",
    "overdue_interest": "amount",
    "rate": "rate",
    "value_date": "date",
    "maturity_date": "maturity",
    "paid_on": "date",
    "settled_on": "date",
    "days_overdue": "days",
}


@pytest.mark.parametrize("name", [LOANS, REPAYMENTS, OVERDUE, SETTLEMENTS])
@given(data=st.data())
def test_the_quick_check_accepts_only_what_the_field_by_field_check_accepts(
    name: str, data: st.DataObject
) -> None:
    header = data.draw(st.permutations([*COLUMNS[name], "remark"]))
    values = []
    for column in header:  # about two fields a line tried, the others valid
        tried = _TRIED.get(_KIND.get(column, column), _TRIED["text"])
        if data.draw(st.integers(0, len(header) // 2)) == 0:
            values.append(data.draw(st.sampled_from(tried) | st.text(max_size=3)))
        else:
            values.append(tried[0])
    quick = quick_check(name, header, DAY)(7, values)
    problems = Problems()
    checked = check_fields(name, 7, header, values, problems, DAY)
    if quick is not None:  # else the line is checked field by field, whatever it holds
        assert quick == checked
        assert not problems.listed


@pytest.mark.parametrize("name", [LOANS, REPAYMENTS, OVERDUE, SETTLEMENTS])
def test_each_field_tried_alone_is_checked_alike_quickly_and_field_by_field(name: str) -> None:
    header = list(COLUMNS[name])
    valid = [_TRIED.get(_KIND.get(column, column), _TRIED["text"])[0] for column in header]
    quick = quick_check(name, header, DAY)
    for at, column in enumerate(header):
        for text in _TRIED.get(_KIND.get(column, column), _TRIED["text"]):
            values = [*valid[:at], text, *valid[at + 1 :]]
            problems = Problems()
            checked = check_fields(name, 3, header, values, problems, DAY)
            found = quick(3, values)
            assert found is None or (found == checked and not problems.listed), (column, text)


def test_well_formed_lines_take_the_quick_check() -> None:
    rows = files()
    for name in FILES:
        header = list(COLUMNS[name])
        for row in rows[name]:
            values = [str(row[column]) for column in header]
            problems = Problems()
            checked = check_fields(name, 2, header, values, problems, DAY)
            assert checked is not None
            assert quick_check(name, header, DAY)(2, values) == checked
