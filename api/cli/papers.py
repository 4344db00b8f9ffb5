"""``dossier postloan paper …``: post-loan management papers (贷后管理文书) at the console, with
the caller's token.

The same commands as the HTTP routes (api/routers/papers.py, archive/commands/papers.py), with
the same field names: a paper drafted with its PDF (``--pdf``), reviewed at the step awaited
(``review``, ``--return`` to send it back), revised with a new PDF, read by the unit above
(``acknowledge``); ``show`` prints a paper with every person by name and can write its document
to a file. Minutes name each loan discussed as ``--loan LOAN_NO=MEASURES``. A refusal exits 1
in Chinese and English with nothing recorded.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import ActAs, Document, Id, Token, bad, day_option, office, run
from api.routers.papers import public
from archive.commands.papers import (
    AcknowledgePaper,
    DraftPaper,
    LoanMeasuresIn,
    ReviewPaper,
    RevisePaper,
)
from domain.papers import PAPER_DOC_TYPE

paper_app = typer.Typer(
    help="贷后管理文书：起草、逐级审阅、报送上级、阅知 / Post-loan management papers: drafted, "
    "reviewed step by step, submitted up, read.",
    no_args_is_help=True,
)

Pdf = Annotated[
    Path,
    typer.Option("--pdf", exists=True, dir_okay=False, help="文书正文（PDF）/ the paper as a PDF"),
]
Loans = Annotated[
    list[str] | None,
    typer.Option(
        "--loan",
        metavar="LOAN_NO=MEASURES",
        help="纪要：所研究的贷款及措施，可重复 / minutes: a loan and its measures; repeatable",
    ),
]


def parse_loan(value: str) -> LoanMeasuresIn:
    """``LOAN_NO=MEASURES``, e.g. ``L2026001=追加保证人，按月现场检查``."""
    loan_no, sep, measures = value.partition("=")
    if not sep or not loan_no.strip() or not measures.strip():
        raise bad(
            f"贷款 {value!r} 须写作 借据号=措施", f"loan {value!r} must read LOAN_NO=MEASURES"
        )
    return LoanMeasuresIn(loan_no=loan_no.strip(), measures=measures.strip())


@paper_app.command("draft")
def draft(
    kind: Annotated[str, typer.Option(help="文书种类（rules.toml [papers]）/ kind of paper")],
    title: Annotated[str, typer.Option(help="标题 / title")],
    drafted_on: Annotated[date, day_option("--on", help="起草日期 / day drafted")],
    pdf: Pdf,
    period: Annotated[
        str | None, typer.Option(help="所属期间：2026、2026-Q3、2026-09 / the period")
    ] = None,
    met_on: Annotated[
        date | None, day_option("--met-on", help="会议日期（纪要）/ the meeting's day")
    ] = None,
    loan: Loans = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """起草文书 / Draft a paper with its PDF; it goes to the first step of its chain."""
    command = DraftPaper(
        kind=kind,
        period=period,
        met_on=met_on,
        title=title,
        drafted_on=drafted_on,
        loans=[parse_loan(v) for v in loan or []],
    )
    run(token, role, command, ("已起草文书", "paper drafted"), [Document(PAPER_DOC_TYPE, pdf)])


@paper_app.command("review")
def review(
    paper_id: Id,
    vetted_on: Annotated[date, day_option("--on", help="审阅日期 / day reviewed")],
    reason: Annotated[str, typer.Option(help="审阅意见或退回理由 / opinion, or why returned")],
    send_back: Annotated[
        bool, typer.Option("--return", help="退回起草人修改 / return it to its author")
    ] = False,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """审阅文书 / Approve the paper at the step awaited, or return it."""
    command = ReviewPaper(
        paper_id=paper_id, approved=not send_back, reason=reason, vetted_on=vetted_on
    )
    run(token, role, command, ("已审阅", "review recorded"))


@paper_app.command("revise")
def revise(
    paper_id: Id,
    revised_on: Annotated[date, day_option("--on", help="修改日期 / day revised")],
    note: Annotated[str, typer.Option(help="修改说明 / what was changed")],
    pdf: Pdf,
    loan: Loans = None,
    token: Token = None,
    role: ActAs = None,
) -> None:
    """修改退回的文书 / Revise a returned paper with a new PDF."""
    command = RevisePaper(
        paper_id=paper_id,
        note=note,
        revised_on=revised_on,
        loans=[parse_loan(v) for v in loan] if loan else None,
    )
    run(token, role, command, ("已修改文书", "paper revised"), [Document(PAPER_DOC_TYPE, pdf)])


@paper_app.command("acknowledge")
def acknowledge(
    paper_id: Id,
    acknowledged_on: Annotated[date, day_option("--on", help="阅知日期 / day read")],
    opinion: Annotated[str, typer.Option(help="阅知意见 / the opinion")],
    token: Token = None,
    role: ActAs = None,
) -> None:
    """阅知上报的文书 / Read a paper submitted to your unit."""
    command = AcknowledgePaper(paper_id=paper_id, acknowledged_on=acknowledged_on, opinion=opinion)
    run(token, role, command, ("已阅知", "paper acknowledged"))


@paper_app.command("show")
def show(
    paper_id: Id,
    document: Annotated[
        Path | None, typer.Option(help="将文书正文写入此文件 / write the paper's PDF here")
    ] = None,
    token: Token = None,
) -> None:
    """查看文书 / A paper, its chain and where it stands, every person by name."""
    with office(token, None) as (archive, ctx):
        found = archive.read_paper(ctx, paper_id)
        answer = public(archive, found)
        data = archive.paper_document(ctx, paper_id)[2] if document else None
    if document is not None and data is not None:
        if document.exists():
            raise bad(
                f"文件已存在，不覆盖：{document}", f"{document} exists; it is not overwritten"
            )
        document.write_bytes(data)
    typer.echo(json.dumps(answer.model_dump(mode="json"), ensure_ascii=False, indent=2))
