"""Reopening the archive on the same event store and blob folder finds everything where it was.

Nothing lives only in the memory of the process: a restarted server sees every loan, dossier,
document, staff member, token and idempotency receipt, and carries on the same global sequence.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from archive.application import DossierArchive
from archive.commands.staff import EnrolStaff, IssueToken
from archive.core import SYSTEM_ID, CommandContext
from archive.errors import AuthenticationError
from domain.values import InspectionKind, ReadPurpose, Role
from storage.blobs import LocalBlobStore
from tests import steps
from tests.factories import make_disbursement, make_pdf, make_staff, make_upload

LOAN_NO = "JJ2025011000006"


def test_a_reopened_archive_sees_everything_and_old_tokens_still_authenticate(
    store_env: dict[str, str], tmp_path: Path
) -> None:
    contract = make_pdf("借款合同 重启前")
    first = DossierArchive(store_env, blobs=LocalBlobStore(tmp_path / "blobs"))
    try:
        staff = make_staff(first)
        token = first.execute(
            CommandContext(SYSTEM_ID),
            EnrolStaff(staff_no="archivist_2", name="孙悦", branch="总行", roles=[Role.ARCHIVIST]),
        ).token
        assert token is not None
        _result, second_token = first.execute(
            CommandContext(SYSTEM_ID), IssueToken(staff_no="auditor")
        )
        am = staff["account_manager"]
        keyed = CommandContext(am.staff_id, idempotency_key="disburse-once")
        disbursed = first.execute(
            keyed, make_disbursement(LOAN_NO), [make_upload("loan_contract", data=contract)]
        )
        steps.inspect(
            first,
            am,
            LOAN_NO,
            InspectionKind.FIRST_FOLLOW_UP,
            date(2025, 1, 20),
            "正常",
            uploads=[make_upload("first_inspection_report")],
        )
        events_before = first.loan_events(am, LOAN_NO)
        last_position = first.recorder.max_notification_id()
        blob_keys = sorted(first.blobs.keys())
    finally:
        first.close()

    again = DossierArchive(store_env, blobs=LocalBlobStore(tmp_path / "blobs"))
    try:
        # Tokens issued before the restart still authenticate, to the same people.
        assert again.authenticate(token.token) == again.staff("archivist_2").id
        assert again.authenticate(second_token.token) == staff["auditor"].staff_id
        with pytest.raises(AuthenticationError):
            again.authenticate(token.token[:-1] + ("A" if token.token[-1] != "A" else "B"))

        # The loan, its events, its dossier and its documents are all there.
        assert again.recorder.max_notification_id() == last_position
        assert again.loan_events(am, LOAN_NO) == events_before
        assert sorted(again.blobs.keys()) == blob_keys
        dossier = again.get_dossier(am, LOAN_NO)
        assert [d.ref.doc_type for d in dossier.documents] == [
            "loan_contract",
            "first_inspection_report",  # uploaded
            "first_inspection_report",  # generated from the checklist's answers
        ]
        stored = again.read_document(
            staff["auditor"],
            LOAN_NO,
            dossier.documents[0].ref.sha256,
            purpose=ReadPurpose.AUDIT,
            original=True,
        )
        assert stored.content == contract
        assert [s.staff_no for s in again.list_staff(staff["auditor"])][-1] == "archivist_2"

        # The idempotency receipt survived: the retry replays the first result.
        replay = again.execute(
            keyed, make_disbursement(LOAN_NO), [make_upload("loan_contract", data=contract)]
        )
        assert replay.replayed
        assert (replay.ids, replay.version, replay.position) == (
            disbursed.ids,
            disbursed.version,
            disbursed.position,
        )

        # And the global sequence carries on where it stopped (the audited read above
        # recorded one DocumentRead event).
        assert last_position is not None
        assert again.recorder.max_notification_id() == last_position + 1
        repaid = steps.repay(again, am, LOAN_NO, date(2025, 2, 10), "1.00", Decimal(0))
        assert repaid.position == last_position + 2
        assert repaid.version == events_before[-1].version + 1
    finally:
        again.close()
