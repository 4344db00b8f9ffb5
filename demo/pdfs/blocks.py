"""Building blocks of the documents: titles, headers, tables, clauses, sign-offs, parties, schedules."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Spacer,
    Table,
    TableStyle,
)

from demo.pdfs.drawings import seal_drawing
from demo.pdfs.facts import Facts
from demo.pdfs.figures import CENT, add_months, cn_date, money, parse_rate
from demo.pdfs.pools import ORG_WORDS
from demo.pdfs.style import LABEL_BG, WIDTH, Flowables, para
from demo.pdfs.titles import DOCUMENT_TITLES


def _cell(value: Any, style: str = "cell") -> Any:
    return para(value, style) if isinstance(value, str) else value


def table_of(
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    *,
    header: bool = False,
    labels: Sequence[int] = (),
    extra: Sequence[tuple[Any, ...]] = (),
    style: str = "cell",
    grid: bool = True,
) -> Any:
    """A bordered form table; ``labels`` are label columns (grey), ``header`` shades row 0."""
    data = [
        [_cell(c, "cellh" if header and r == 0 else style) for c in row]
        for r, row in enumerate(rows)
    ]
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    if grid:
        commands.append(("GRID", (0, 0), (-1, -1), 0.6, colors.black))
        commands.append(("BOX", (0, 0), (-1, -1), 1.2, colors.black))
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), LABEL_BG))
    for col in labels:
        commands.append(("BACKGROUND", (col, 0), (col, -1), LABEL_BG))
    commands.extend(extra)
    return Table(
        data,
        colWidths=list(widths),
        style=TableStyle(commands),
        repeatRows=1 if header else 0,
        hAlign="CENTER",
    )


def kv(pairs: Sequence[tuple[str, str]], *, label_w: float = 26 * mm) -> Any:
    """Two label/value pairs per row; a pair whose label ends in '*' spans the full row."""
    rows: list[list[Any]] = []
    spans: list[tuple[Any, ...]] = []
    value_w = WIDTH / 2 - label_w
    pending: list[Any] = []
    for label, value in pairs:
        if label.endswith("*"):
            if pending:
                rows.append([*pending, "", ""])
                spans.append(("SPAN", (1, len(rows) - 1), (3, len(rows) - 1)))
                pending = []
            rows.append([label[:-1], value, "", ""])
            spans.append(("SPAN", (1, len(rows) - 1), (3, len(rows) - 1)))
            continue
        pending += [label, value]
        if len(pending) == 4:
            rows.append(pending)
            pending = []
    if pending:
        rows.append([*pending, "", ""])
        spans.append(("SPAN", (1, len(rows) - 1), (3, len(rows) - 1)))
    spanned = {cmd[1][1] for cmd in spans}
    shading: list[tuple[Any, ...]] = [
        ("BACKGROUND", (2, r), (2, r), LABEL_BG) for r in range(len(rows)) if r not in spanned
    ]
    return table_of(
        rows, [label_w, value_w, label_w, value_w], labels=(0,), extra=[*spans, *shading]
    )


def doc_title(
    f: Facts, doc_type: str, *, org: str | None = None, sub: str | None = None
) -> Flowables:
    cn = DOCUMENT_TITLES[doc_type][0]
    out: Flowables = []
    if org:
        out.append(para(org, "org"))
    out.append(para(cn, "title"))
    if sub:
        out.append(para(sub, "subtitle"))
    out.append(para(f"编号：{f.doc_no}", "docno"))
    return out


def doc_header(f: Facts, date_label: str, extra: Sequence[tuple[str, str]] = ()) -> Flowables:
    pairs = [
        ("借款人*", f.borrower),
        ("借据号", f.loan_no),
        ("合同编号", f.contract_no),
        ("借款金额*", f.amount_text),
        ("借款期限", f.t("{start_cn}至{due_cn}")),
        (date_label, f.date_cn),
        *extra,
    ]
    return [kv(pairs), Spacer(1, 3 * mm)]


def heading(text: str) -> Any:
    return para(text, "h")


def item_paras(texts: Sequence[str]) -> Flowables:
    return [para(f"{i}. {t}", "item") for i, t in enumerate(texts, 1)]


def clause_paras(f: Facts, clauses: Sequence[tuple[str, str]]) -> Flowables:
    numerals = "一二三四五六七八九十"
    out: Flowables = []
    for i, (title, text) in enumerate(clauses):
        n = numerals[i] if i < 10 else "十" + numerals[i - 10]
        out.append(para(f"第{n}条　{title}　" + f.t(text), "body"))
    return out


def signoff(
    f: Facts,
    roles: Sequence[tuple[str, str]],
    *,
    seal: tuple[str, str] | None = None,
    date_text: str | None = None,
) -> Any:
    """Bank sign-off block: role, printed name, signature line, date; optional seal."""
    when = date_text or f.date_cn
    rows = [[f"{role}：{name}", "签字：", f"日期：{when}"] for role, name in roles]
    lines = [("LINEBELOW", (1, i), (1, i), 0.6, colors.black) for i in range(len(rows))]
    inner = table_of(
        rows,
        [44 * mm, 42 * mm, 46 * mm],
        grid=False,
        extra=[*lines, ("TOPPADDING", (0, 0), (-1, -1), 7)],
    )
    block: Any = inner
    if seal is not None:
        block = Table(
            [[inner, seal_drawing(*seal)]],
            colWidths=[134 * mm, 36 * mm],
            style=TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]),
        )
    return KeepTogether([Spacer(1, 3 * mm), block])


def parties_sign(
    left: Sequence[str],
    right: Sequence[str],
    *,
    left_seal: tuple[str, str] | None = None,
    right_seal: tuple[str, str] | None = None,
) -> Any:
    """Signature page of a contract: two parties side by side, each with a seal."""

    def column(lines: Sequence[str], seal: tuple[str, str] | None) -> list[Any]:
        out: list[Any] = [para(line, "plain") for line in lines]
        if seal is not None:
            out.append(seal_drawing(*seal, size=32 * mm))
        return out

    table = Table(
        [[column(left, left_seal), column(right, right_seal)]],
        colWidths=[WIDTH / 2, WIDTH / 2],
        style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]),
    )
    return KeepTogether([Spacer(1, 6 * mm), table])


def opinion(title: str, text: str, signer: str, when: str) -> Any:
    """An opinion box (意见栏): title bar, the opinion, and its signature line in the box."""
    sign = Table(
        [["", para(f"签字：{signer}", "cell"), para(f"日期：{when}", "cell")]],
        colWidths=[WIDTH - 100 * mm, 50 * mm, 46 * mm],
        style=TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0)]),
    )
    body = [para(text, "cell"), Spacer(1, 3 * mm), sign]
    return KeepTogether(
        [
            table_of(
                [[title], [body]],
                [WIDTH],
                extra=[
                    ("BACKGROUND", (0, 0), (0, 0), LABEL_BG),
                    ("TOPPADDING", (0, 1), (0, 1), 5),
                ],
            ),
            Spacer(1, 2 * mm),
        ]
    )


def court_sign(f: Facts, roles: Sequence[tuple[str, str]], *, clerk: str) -> Any:
    lines: Flowables = [para(f"{role}　　{name}", "right") for role, name in roles]
    lines.append(Spacer(1, 2 * mm))
    lines.append(para(f.t("{date_cn}"), "right"))
    right = Table(
        [[seal_drawing(f.court, ""), lines]],
        colWidths=[WIDTH - 70 * mm, 70 * mm],
        style=TableStyle(
            [("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (0, 0), (0, 0), "RIGHT")]
        ),
    )
    return KeepTogether(
        [
            Spacer(1, 5 * mm),
            right,
            para("本件与原本核对无异", "plain"),
            para(f"书记员　　{clerk}", "right"),
        ]
    )


def bank_seal(f: Facts, label: str = "信贷业务专用章") -> tuple[str, str]:
    return (f.bank, label)


def parties(rows: Sequence[tuple[str, str, str, str]]) -> Flowables:
    out: Flowables = []
    for role, name, address, rep in rows:
        out.append(para(f"{role}：{name}", "plain"))
        out.append(para(f"住所：{address}", "item"))
        out.append(para(rep, "item"))
    out.append(Spacer(1, 2 * mm))
    return out


def bank_party(f: Facts, role: str) -> tuple[str, str, str, str]:
    return (
        role,
        f.bank + f.branch,
        f.t("{city}{county}{street}88号"),
        f.t("负责人：{branch_head}"),
    )


def borrower_party(f: Facts, role: str) -> tuple[str, str, str, str]:
    rep = f.t("法定代表人：{legal_rep}") if f.corporate else f.t("身份证号码：{borrower_id}")
    return (role, f.borrower, f.borrower_address, rep)


def contract_sign(f: Facts, bank_role: str, other_role: str, other: str) -> Any:
    org = any(w in other for w in ORG_WORDS)
    other_id = f.borrower_id if other == f.borrower else f.guarantor_id
    return parties_sign(
        [
            f"{bank_role}（盖章）：",
            f.bank + f.branch,
            f.t("负责人或授权代理人（签字）：{branch_head}"),
            f.t("签订日期：{date_cn}"),
        ],
        [
            f"{other_role}（签章）：" if org else f"{other_role}（签字并捺印）：",
            other,
            "法定代表人或授权代理人（签字）：" if org else "身份证号码：" + other_id,
            f.t("签订日期：{date_cn}"),
        ],
        left_seal=bank_seal(f, "合同专用章"),
        right_seal=(other, "") if org else None,
    )


def schedule_rows(
    f: Facts, months: int, start: date, principal: Decimal, *, bullet: bool = False
) -> list[list[str]]:
    """Repayment schedule rows: period, date, principal, interest, total, principal left.

    Equal instalments (等额本息), or interest monthly and principal at maturity if ``bullet``.
    """
    rate = (parse_rate(f.rate_pct) or 0.0435) / 12
    r = Decimal(str(rate))
    if months <= 0:
        return []
    if bullet:
        interest = (principal * r).quantize(CENT)
        return [
            [
                str(k),
                cn_date(add_months(start, k)),
                money(principal if k == months else Decimal(0)),
                money(interest),
                money(interest + (principal if k == months else Decimal(0))),
                money(Decimal(0) if k == months else principal),
            ]
            for k in range(1, months + 1)
        ]
    if r == 0:
        payment = principal / months
    else:
        factor = (1 + r) ** months
        payment = principal * r * factor / (factor - 1)
    rows: list[list[str]] = []
    left = principal
    for k in range(1, months + 1):
        interest = (left * r).quantize(CENT)
        part = (payment - interest).quantize(CENT) if k < months else left
        left -= part
        rows.append(
            [
                str(k),
                cn_date(add_months(start, k)),
                money(part),
                money(interest),
                money(part + interest),
                money(left),
            ]
        )
    return rows
