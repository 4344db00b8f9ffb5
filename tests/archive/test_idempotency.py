"""A retried command with the same Idempotency-Key returns the first result, records nothing new.

The key belongs to the caller: the same key from two people is two different commands, and the
same key sent again with different parameters or documents is refused rather than guessed at.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from archive.application import DossierArchive
from archive.core import CommandContext, CommandResult
from archive.errors import IdempotencyKeyReusedError
from domain.values import Grade, InspectionKind
from tests import steps
from tests.factories import make_disbursement, make_pdf, make_upload

LOAN_NO = "JJ2025011000003"


def _keyed(ctx: CommandContext, key: str) -> CommandContext:
    return CommandContext(ctx.staff_id, ctx.role, ctx.expected_version, key)


def _recorded(app: DossierArchive) -> tuple[int | None, int]:
    return app.recorder.max_notification_id(), app.blobs.count()


def _same_result(first: CommandResult, again: CommandResult) -> None:
    assert not first.replayed
    assert again.replayed
    assert (again.aggregate_id, again.version, again.position) == (
        first.aggregate_id,
        first.version,
        first.position,
    )
    assert (again.ids, again.events, again.documents, again.loan_no) == (
        first.ids,
        first.events,
        first.documents,
        first.loan_no,
    )


def test_a_retried_disbursement_returns_the_first_result_and_records_nothing_new(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    am = _keyed(staff["account_manager"], "disburse-JJ2025011000003")
    contract, receipt = make_pdf("借款合同 幂等"), make_pdf("借据 幂等")

    def send() -> CommandResult:
        return app.execute(
            am,
            make_disbursement(LOAN_NO),
            [
                make_upload("loan_contract", data=contract),
                make_upload("drawdown_receipt", data=receipt),
            ],
        )

    first = send()
    recorded = _recorded(app)
    assert first.position == recorded[0]

    again = send()
    _same_result(first, again)
    assert _recorded(app) == recorded
    assert len(app.get_dossier(am, LOAN_NO).documents) == 2


def test_a_retried_inspection_returns_the_same_inspection_id(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    app.execute(staff["account_manager"], make_disbursement(LOAN_NO))
    am = _keyed(staff["account_manager"], "inspection-1")
    report = make_pdf("首次跟踪检查报告")

    def send() -> CommandResult:
        # Without an explicit inspection_id each call draws a fresh one: only the receipt
        # makes the retry come back with the first.
        return steps.inspect(
            app,
            am,
            LOAN_NO,
            InspectionKind.FIRST_FOLLOW_UP,
            date(2025, 1, 20),
            "正常",
            uploads=[make_upload("first_inspection_report", data=report)],
        )

    first = send()
    recorded = _recorded(app)
    again = send()
    _same_result(first, again)
    assert _recorded(app) == recorded
    assert len(app.get_loan(am, LOAN_NO).inspections) == 1


def test_a_retry_after_the_loan_moved_on_still_returns_the_first_result(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    app.execute(staff["account_manager"], make_disbursement(LOAN_NO))
    am = _keyed(staff["account_manager"], "repayment-1")

    def send() -> CommandResult:
        return steps.repay(app, am, LOAN_NO, date(2025, 2, 10), "1000.00", "100.00")

    first = send()
    steps.repay(app, staff["account_manager"], LOAN_NO, date(2025, 3, 10), "2000.00")
    recorded = _recorded(app)

    again = send()
    _same_result(first, again)
    assert _recorded(app) == recorded
    assert app.get_loan(am, LOAN_NO).balance == Decimal("997000.00")


def test_the_same_key_with_different_parameters_is_refused(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    app.execute(staff["account_manager"], make_disbursement(LOAN_NO))
    am = _keyed(staff["account_manager"], "repayment-1")
    steps.repay(app, am, LOAN_NO, date(2025, 2, 10), "1000.00", Decimal(0))
    recorded = _recorded(app)

    with pytest.raises(IdempotencyKeyReusedError):
        steps.repay(app, am, LOAN_NO, date(2025, 2, 10), "9999.00", Decimal(0))
    with pytest.raises(IdempotencyKeyReusedError):  # same parameters, another document
        steps.repay(
            app,
            am,
            LOAN_NO,
            date(2025, 2, 10),
            "1000.00",
            Decimal(0),
            uploads=[make_upload("repayment_voucher")],
        )
    with pytest.raises(IdempotencyKeyReusedError):  # another command altogether
        steps.propose(app, am, LOAN_NO, Grade.SPECIAL_MENTION, date(2025, 2, 10), "同一个键")
    assert _recorded(app) == recorded


def test_the_key_belongs_to_its_caller(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    app.execute(staff["account_manager"], make_disbursement(LOAN_NO))
    key = "2025-02-10-repayment"
    by_am = _keyed(staff["account_manager"], key)
    by_plo = _keyed(staff["post_loan_officer"], key)

    first = steps.repay(app, by_am, LOAN_NO, date(2025, 2, 10), "1000.00", Decimal(0))
    other = steps.repay(app, by_plo, LOAN_NO, date(2025, 2, 11), "500.00", Decimal(0))
    assert not other.replayed
    assert other.version == first.version + 1
    assert app.get_loan(by_am, LOAN_NO).balance == Decimal("998500.00")

    # Each caller's retry replays their own first result.
    again_am = steps.repay(app, by_am, LOAN_NO, date(2025, 2, 10), "1000.00", Decimal(0))
    _same_result(first, again_am)
    with pytest.raises(IdempotencyKeyReusedError):
        steps.repay(app, by_plo, LOAN_NO, date(2025, 2, 10), "1000.00", Decimal(0))


def test_a_refused_command_leaves_its_key_free_for_a_corrected_retry(
    app: DossierArchive, staff: dict[str, CommandContext]
) -> None:
    app.execute(staff["account_manager"], make_disbursement(LOAN_NO))
    am = _keyed(staff["account_manager"], "repayment-1")
    with pytest.raises(Exception, match="exceeds the balance"):
        steps.repay(app, am, LOAN_NO, date(2025, 2, 10), "2e6", Decimal(0))
    result = steps.repay(app, am, LOAN_NO, date(2025, 2, 10), "1000.00", Decimal(0))
    assert not result.replayed
