"""Two people act on one loan at the same moment: exactly one wins, nothing is lost or doubled.

Optimistic concurrency: the loser gets a conflict (409) naming the current version — a
``StaleVersionError`` if it read after the winner saved, a ``ConcurrentUpdateError`` if both
read the same version and the winner saved first — and the document the loser brought is
removed from the blob store, unless the winner cites the very same bytes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from archive.application import DossierArchive
from archive.commands.classification import RejectClassification
from archive.core import CommandContext, CommandResult, blob_key
from archive.errors import ConcurrentUpdateError, StaleVersionError
from domain.errors import ConflictError
from domain.values import Grade, ReadPurpose, dossier_id_for, loan_id_for
from tests import steps
from tests.factories import make_disbursement, make_pdf, make_upload

LOAN_NO = "JJ2025011000004"
ROUNDS = 10


def race(*commands: Callable[[], CommandResult]) -> list[CommandResult | BaseException]:
    """Run the commands on their own threads, released together by a barrier."""
    barrier = threading.Barrier(len(commands))
    outcomes: list[CommandResult | BaseException] = [RuntimeError("did not run")] * len(commands)

    def run(index: int, command: Callable[[], CommandResult]) -> None:
        barrier.wait()
        try:
            outcomes[index] = command()
        except BaseException as error:
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=item) for item in enumerate(commands)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def one_winner(
    outcomes: list[CommandResult | BaseException],
) -> tuple[CommandResult, ConflictError]:
    """Exactly one command succeeded and the other lost with a version conflict."""
    won = [o for o in outcomes if isinstance(o, CommandResult)]
    lost = [o for o in outcomes if not isinstance(o, CommandResult)]
    assert len(won) == 1, outcomes
    assert len(lost) == 1, outcomes
    assert isinstance(lost[0], StaleVersionError | ConcurrentUpdateError), lost[0]
    assert isinstance(lost[0].context["current_version"], int)
    return won[0], lost[0]


@pytest.fixture
def loan_no(app: DossierArchive, staff: dict[str, CommandContext]) -> str:
    app.execute(staff["account_manager"], make_disbursement(LOAN_NO))
    return LOAN_NO


def test_two_repayments_against_the_same_version_record_exactly_one(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    dossier_id = dossier_id_for(loan_id_for(loan_no))
    people = (staff["account_manager"], staff["post_loan_officer"])
    for round_no in range(ROUNDS):
        version = app.get_loan(people[0], loan_no).version
        blobs_before = set(app.blobs.keys())
        vouchers = [make_pdf(f"还款凭证 第{round_no}轮 {who}") for who in ("甲", "乙")]

        def repay(
            ctx: CommandContext, voucher: bytes, version: int = version
        ) -> Callable[[], CommandResult]:
            return lambda: steps.repay(
                app,
                CommandContext(ctx.staff_id, expected_version=version),
                loan_no,
                date(2025, 2, 10),
                "100.00",
                uploads=[make_upload("repayment_voucher", data=voucher)],
            )

        winner, loser = one_winner(
            race(*(repay(p, v) for p, v in zip(people, vouchers, strict=True)))
        )
        assert winner.version == version + 1
        assert loser.context["current_version"] == version + 1

        # Only the winner's voucher is stored; the loser's was removed.
        (cited,) = winner.documents
        assert set(app.blobs.keys()) - blobs_before == {blob_key(dossier_id, cited.sha256)}

    events = app.loan_events(people[0], loan_no)
    assert [e.type for e in events] == ["Disbursed"] + ["RepaymentRecorded"] * ROUNDS
    assert app.get_loan(people[0], loan_no).balance == Decimal("1000000.00") - 100 * ROUNDS
    assert len(app.get_dossier(people[0], loan_no).documents) == ROUNDS


def test_two_classification_proposals_at_once_record_exactly_one(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    # The loan's two account managers, A岗 and B岗 (双人管户), each acting on it.
    steps.assign_managers(
        app,
        staff["branch_head"],
        loan_no,
        "account_manager",
        "account_manager_2",
        date(2025, 1, 15),
        "双人管户",
    )
    people = (staff["account_manager"], staff["account_manager_2"])
    for round_no in range(ROUNDS):
        version = app.get_loan(people[0], loan_no).version
        blobs_before = app.blobs.count()

        def propose(
            ctx: CommandContext, grade: Grade, version: int = version, round_no: int = round_no
        ) -> Callable[[], CommandResult]:
            form = make_pdf(f"五级分类认定表 第{round_no}轮 {grade.zh}")
            return lambda: steps.propose(
                app,
                CommandContext(ctx.staff_id, expected_version=version),
                loan_no,
                grade,
                date(2025, 2, 1),
                f"第{round_no}轮初分",
                uploads=[make_upload("classification_form", data=form)],
            )

        winner, _loser = one_winner(
            race(propose(people[0], Grade.NORMAL), propose(people[1], Grade.SPECIAL_MENTION))
        )
        assert app.blobs.count() == blobs_before + len(winner.documents) == blobs_before + 1
        loan = app.get_loan(people[0], loan_no)
        assert [p.status for p in loan.proposals.values()].count("pending") == 1
        # The risk manager rejects it, so the next round may propose again.
        app.execute(
            staff["risk_manager"],
            RejectClassification(
                loan_no=loan_no, proposal_id=UUID(winner.ids["proposal_id"]), reason="退回重新初分"
            ),
        )

    types = [e.type for e in app.loan_events(people[0], loan_no)]
    assert types.count("ClassificationProposed") == ROUNDS
    assert types.count("ClassificationRejected") == ROUNDS


# ------------------------------------------------------------------------------------
# Deterministic interleavings: both commands read the same version before either saves.


def hold_saves(app: DossierArchive, order: list[str]) -> None:
    """Make each racing thread save in the given order of thread names, once both are ready.

    Each thread has read the loan, checked its rules and stored its documents by the time it
    reaches ``save``; so both have read the same version, and the later one must lose.
    """
    save = app.save
    ready = threading.Barrier(len(order))
    turns = {name: threading.Event() for name in order}
    turns[order[0]].set()

    def gated_save(*aggregates: Any, **kwargs: Any) -> Any:
        name = threading.current_thread().name
        if name not in turns:
            return save(*aggregates, **kwargs)
        ready.wait(timeout=30)
        turns[name].wait(timeout=30)
        try:
            return save(*aggregates, **kwargs)
        finally:
            following = order.index(name) + 1
            if following < len(order):
                turns[order[following]].set()

    app.save = gated_save  # type: ignore[method-assign]


def run_named(**commands: Callable[[], CommandResult]) -> dict[str, CommandResult | BaseException]:
    outcomes: dict[str, CommandResult | BaseException] = {}

    def run(name: str, command: Callable[[], CommandResult]) -> None:
        try:
            outcomes[name] = command()
        except BaseException as error:
            outcomes[name] = error

    threads = [threading.Thread(target=run, args=item, name=item[0]) for item in commands.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_the_loser_of_a_save_race_gets_a_conflict_with_the_current_version_and_its_blob_removed(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    hold_saves(app, ["first", "second"])
    blobs_before = app.blobs.count()

    def repay(ctx: CommandContext, text: str) -> Callable[[], CommandResult]:
        voucher = make_pdf(text)  # made here: ReportLab is not meant to run on many threads
        return lambda: steps.repay(
            app,
            ctx,
            loan_no,
            date(2025, 2, 10),
            "100.00",
            uploads=[make_upload("repayment_voucher", data=voucher)],
        )

    outcomes = run_named(
        first=repay(staff["account_manager"], "凭证 甲"),
        second=repay(staff["post_loan_officer"], "凭证 乙"),
    )
    first, second = outcomes["first"], outcomes["second"]
    assert isinstance(first, CommandResult)
    assert isinstance(second, ConcurrentUpdateError)
    assert second.context == {"current_version": 2}
    assert app.blobs.count() == blobs_before + 1
    (cited,) = first.documents
    assert app.blobs.exists(blob_key(dossier_id_for(loan_id_for(loan_no)), cited.sha256))
    events = app.loan_events(staff["auditor"], loan_no)
    assert [(e.type, e.actor_id) for e in events[1:]] == [
        ("RepaymentRecorded", staff["account_manager"].staff_id)
    ]


def test_a_losing_double_submission_of_the_same_document_does_not_delete_the_winners_copy(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    # The same voucher sent twice at once (a double click): the loser stored the bytes first,
    # so the winner found them there; the loser must not delete what the winner now cites.
    voucher = make_pdf("还款凭证 重复提交")
    hold_saves(app, ["winner", "loser"])
    am = staff["account_manager"]

    def repay() -> CommandResult:
        return steps.repay(
            app,
            am,
            loan_no,
            date(2025, 2, 10),
            "100.00",
            uploads=[make_upload("repayment_voucher", data=voucher)],
        )

    loser_stored = threading.Event()
    put = app.blobs.put

    def put_loser_first(key: str, data: Any, **kw: Any) -> bool:
        if threading.current_thread().name == "winner":
            loser_stored.wait(timeout=30)
        created = put(key, data, **kw)
        if threading.current_thread().name == "loser":
            loser_stored.set()
        return created

    app.blobs.put = put_loser_first  # type: ignore[method-assign]
    outcomes = run_named(winner=repay, loser=repay)

    winner = outcomes["winner"]
    assert isinstance(winner, CommandResult)
    assert isinstance(outcomes["loser"], ConcurrentUpdateError)
    (cited,) = winner.documents
    key = blob_key(dossier_id_for(loan_id_for(loan_no)), cited.sha256)
    assert app.blobs.get(key) == voucher
    copy = app.read_document(am, loan_no, cited.sha256, purpose=ReadPurpose.BUSINESS)
    assert copy.ref.sha256 == cited.sha256
    assert copy.content.startswith(b"%PDF-")


def test_a_retry_racing_its_original_replays_it_and_keeps_the_document(
    app: DossierArchive, staff: dict[str, CommandContext], loan_no: str
) -> None:
    # The client timed out and retried with the same Idempotency-Key while the first attempt
    # was still running: the retry answers with the first result, and the voucher survives.
    voucher = make_pdf("还款凭证 超时重试")
    hold_saves(app, ["original", "retry"])
    keyed = CommandContext(staff["account_manager"].staff_id, idempotency_key="pay-2025-02-10")

    def repay() -> CommandResult:
        return steps.repay(
            app,
            keyed,
            loan_no,
            date(2025, 2, 10),
            "100.00",
            uploads=[make_upload("repayment_voucher", data=voucher)],
        )

    stored_by_retry = threading.Event()
    put = app.blobs.put

    def put_retry_first(key: str, data: Any, **kw: Any) -> bool:
        if threading.current_thread().name == "original":
            stored_by_retry.wait(timeout=30)
        created = put(key, data, **kw)
        if threading.current_thread().name == "retry":
            stored_by_retry.set()
        return created

    app.blobs.put = put_retry_first  # type: ignore[method-assign]
    outcomes = run_named(original=repay, retry=repay)

    original, retry = outcomes["original"], outcomes["retry"]
    assert isinstance(original, CommandResult), original
    assert isinstance(retry, CommandResult), retry
    assert retry.replayed
    assert (retry.version, retry.position) == (original.version, original.position)
    (cited,) = original.documents
    assert app.blobs.get(blob_key(dossier_id_for(loan_id_for(loan_no)), cited.sha256)) == voucher
    assert [e.type for e in app.loan_events(keyed, loan_no)].count("RepaymentRecorded") == 1


def test_two_first_loans_of_one_new_borrower_disbursed_at_once_conflict_cleanly(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    # Both disbursements create the borrower's index; the loser's own loan was never saved.
    hold_saves(app, ["first", "second"])

    def disburse(loan_no: str, ctx: CommandContext) -> Callable[[], CommandResult]:
        contract = make_pdf(f"借款合同 {loan_no}")
        return lambda: app.execute(
            ctx,
            make_disbursement(loan_no, borrower_id="91440300NEWBORROW"),
            [make_upload("loan_contract", data=contract)],
        )

    outcomes = run_named(
        first=disburse("JJ-NEW-1", staff["account_manager"]),
        second=disburse("JJ-NEW-2", staff["account_manager_2"]),
    )
    assert isinstance(outcomes["first"], CommandResult)
    assert isinstance(outcomes["second"], ConcurrentUpdateError), outcomes["second"]
    assert app.blobs.count() == 1

    # Retried, the second disbursement goes through.
    retried = disburse("JJ-NEW-2", staff["account_manager_2"])()
    assert retried.version == 1
